// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * probe: see probe.h.  Raw syscall(): glibc 2.36 declares open_tree and
 * mount_setattr only in a <sys/mount.h> that clashes with <linux/mount.h>,
 * which defines struct mount_attr.
 */
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* A uid_map of 340 extents of three u32s. */
#define PROBE_MAP_TEXT 12288

int probe_proc_map(const char *map, char *buf, size_t len)
{
	size_t out = 0, fields = 1;
	const char *p;

	if (!*map)
		return -EINVAL;
	for (p = map; *p; p++) {
		char c = *p;

		if (c == ':') {
			c = fields % 3 == 0 ? '\n' : ' ';
			fields++;
		} else if (c < '0' || c > '9') {
			return -EINVAL;
		}
		if (out + 2 >= len)
			return -ENAMETOOLONG;
		buf[out++] = c;
	}
	if (fields % 3 != 0)
		return -EINVAL;
	buf[out++] = '\n';
	buf[out] = '\0';
	return (int)out;
}

static int probe_write_file(pid_t pid, const char *file, const char *text)
{
	char path[64];
	ssize_t n;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/proc/%ld/%s", (long)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != strlen(text))
		ret = -EIO;
	close(fd);
	return ret;
}

/*
 * A user namespace holding @uid_text/@gid_text (uid_map text): a child
 * unshares it and waits on a pipe while we write its maps and open its
 * namespace; closing the pipe ends it.  Returns the namespace fd or -errno.
 */
static int probe_userns(const char *uid_text, const char *gid_text)
{
	int ready[2], hold[2], fd = -1, ret;
	char byte = 0, path[64];
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(hold, O_CLOEXEC) < 0) {
		ret = -errno;
		goto out_close_ready;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto out_close_hold;
	}
	if (pid == 0) {
		close(ready[0]);
		close(hold[1]);
		if (unshare(CLONE_NEWUSER) < 0)
			_exit(1);
		if (write(ready[1], &byte, 1) != 1)
			_exit(1);
		/* Wait until the parent has what it needs (EOF). */
		while (read(hold[0], &byte, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(ready[1]);
	ready[1] = -1;
	close(hold[0]);
	hold[0] = -1;
	if (read(ready[0], &byte, 1) != 1) {
		ret = -ECHILD;
		goto out_reap;
	}
	ret = probe_write_file(pid, "uid_map", uid_text);
	if (!ret)
		ret = probe_write_file(pid, "gid_map", gid_text);
	if (ret)
		goto out_reap;
	snprintf(path, sizeof(path), "/proc/%ld/ns/user", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ret = fd < 0 ? -errno : fd;
out_reap:
	close(hold[1]);
	hold[1] = -1;
	waitpid(pid, NULL, 0);
out_close_hold:
	if (hold[0] >= 0)
		close(hold[0]);
	if (hold[1] >= 0)
		close(hold[1]);
out_close_ready:
	close(ready[0]);
	if (ready[1] >= 0)
		close(ready[1]);
	return ret;
}

int probe_idmap(const char *source, const char *uidmap, const char *gidmap,
		bool recursive, char *err, size_t errlen)
{
	char uid_text[PROBE_MAP_TEXT], gid_text[PROBE_MAP_TEXT];
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };
	unsigned int rec = recursive ? AT_RECURSIVE : 0;
	int tree, userns, ret;

	if (probe_proc_map(uidmap, uid_text, sizeof(uid_text)) < 0 ||
	    probe_proc_map(gidmap, gid_text, sizeof(gid_text)) < 0) {
		snprintf(err, errlen, "bad map %s / %s", uidmap, gidmap);
		return -EINVAL;
	}
	tree = (int)syscall(SYS_open_tree, AT_FDCWD, source,
			    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec);
	if (tree < 0) {
		ret = -errno;
		snprintf(err, errlen, "source %s: %s", source, strerror(-ret));
		return ret;
	}
	userns = probe_userns(uid_text, gid_text);
	if (userns < 0) {
		ret = userns;
		snprintf(err, errlen,
			 "cannot make a user namespace to probe %s: %s", source,
			 strerror(-ret));
		goto out_close_tree;
	}
	attr.userns_fd = (__u64)userns;
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | rec, &attr,
		    sizeof(attr)) == 0) {
		ret = 1;
	} else if (errno == EINVAL) {
		ret = 0;
	} else {
		ret = -errno;
		snprintf(err, errlen, "probing ID-mapping of %s: %s", source,
			 strerror(-ret));
	}
	close(userns);
out_close_tree:
	/* Never attached: closing the detached copy unmounts it. */
	close(tree);
	return ret;
}
