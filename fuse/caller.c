// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * caller: /proc/PID/ns/user and /proc/PID/status of a request's process,
 * and its groups as libfuse reads them.
 */
#include "caller.h"

#include <stdio.h>
#include <sys/stat.h>

void caller_read(pid_t pid, struct caller *c)
{
	char path[64], line[256];
	struct stat self, other;
	FILE *f;

	*c = (struct caller){ .fsuid = (uid_t)-1, .fsgid = (gid_t)-1 };
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	if (pid <= 0 || stat("/proc/self/ns/user", &self) < 0 ||
	    stat(path, &other) < 0)
		return;
	c->init_ns = self.st_ino == other.st_ino && self.st_dev == other.st_dev;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	/* Uid: and Gid: come before CapEff: in the file. */
	while (fgets(line, sizeof(line), f)) {
		unsigned int real, eff, saved, fs;

		if (sscanf(line, "Uid: %u %u %u %u", &real, &eff, &saved,
			   &fs) == 4)
			c->fsuid = fs;
		if (sscanf(line, "Gid: %u %u %u %u", &real, &eff, &saved,
			   &fs) == 4)
			c->fsgid = fs;
		if (sscanf(line, "CapEff: %llx", &c->caps) == 1)
			break;
	}
	fclose(f);
}

bool caller_has_cap(const struct caller *c, int cap)
{
	return c->caps & (1ULL << cap);
}

int caller_groups(fuse_req_t req, gid_t *groups)
{
	/* libfuse reads /proc/PID/task/PID/status and returns the full
	 * count, which may exceed the room it filled. */
	int n = fuse_req_getgroups(req, CALLER_MAX_GROUPS, groups);

	if (n < 0)
		return 0;
	return n > CALLER_MAX_GROUPS ? CALLER_MAX_GROUPS : n;
}
