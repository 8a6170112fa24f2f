// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * userns: map parsing and a user-namespace child for the test helpers.
 * See userns.h for the contract.
 */
#define _GNU_SOURCE
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Read one decimal u32 ending at ':' or the end of the string. */
static int parse_u32(const char **text, uint32_t *out)
{
	const char *p = *text;
	uint64_t v = 0;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	if (*p != ':' && *p != '\0')
		return -EINVAL;
	*out = (uint32_t)v;
	*text = p;
	return 0;
}

int userns_map_parse(struct userns_map *map, const char *text)
{
	const char *p = text;

	map->nr = 0;
	for (;;) {
		uint32_t v[3];

		for (int i = 0; i < 3; i++) {
			if (i > 0) {
				if (*p != ':')
					return -EINVAL;
				p++;
			}
			if (parse_u32(&p, &v[i]) < 0)
				return -EINVAL;
		}
		if (map->nr == USERNS_MAX_EXTENTS)
			return -EINVAL;
		map->ext[map->nr].inside = v[0];
		map->ext[map->nr].outside = v[1];
		map->ext[map->nr].count = v[2];
		map->nr++;
		if (*p == '\0')
			return 0;
		p++; /* the ':' before the next extent */
	}
}

/* Write all of @len bytes; the kernel wants a map in one write(). */
static int write_file(const char *path, const char *buf, size_t len)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) != (ssize_t)len)
		ret = -errno;
	close(fd);
	return ret;
}

static int write_map(pid_t pid, const char *name, const struct userns_map *m)
{
	/* 340 lines of three u32s and separators fit in 12 KiB. */
	char buf[USERNS_MAX_EXTENTS * 34 + 1];
	char path[64];
	size_t len = 0;

	for (unsigned int i = 0; i < m->nr; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
					"%u %u %u\n", m->ext[i].inside,
					m->ext[i].outside, m->ext[i].count);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	return write_file(path, buf, len);
}

/* The child's half of userns_child_start(); returns only to go on. */
static void child_wait(int ready_fd, int go_fd, pid_t parent)
{
	int err = 0;
	char go;

	/* Never outlive the helper that is going to write our maps. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	if (unshare(CLONE_NEWUSER) < 0)
		err = errno;
	if (write(ready_fd, &err, sizeof(err)) != sizeof(err) || err)
		_exit(1);
	close(ready_fd);
	if (read(go_fd, &go, 1) != 1)
		_exit(1);
	close(go_fd);
}

int userns_child_start(struct userns_child *child)
{
	pid_t parent = getpid();
	int ready[2], go[2];
	int err, ret;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(go, O_CLOEXEC) < 0) {
		ret = -errno;
		goto out_close_ready;
	}
	child->pid = fork();
	if (child->pid < 0) {
		ret = -errno;
		goto out_close_go;
	}
	if (child->pid == 0) {
		close(ready[0]);
		close(go[1]);
		child_wait(ready[1], go[0], parent);
		return 1;
	}
	close(ready[1]);
	close(go[0]);
	child->go_fd = go[1];
	/* EOF without a status means the child died before unsharing. */
	ret = read(ready[0], &err, sizeof(err)) == sizeof(err) ? -err : -ECHILD;
	close(ready[0]);
	if (ret < 0) {
		userns_child_release(child, 0);
		waitpid(child->pid, NULL, 0);
	}
	return ret;

out_close_go:
	close(go[0]);
	close(go[1]);
out_close_ready:
	close(ready[0]);
	close(ready[1]);
	return ret;
}

int userns_child_write_maps(const struct userns_child *child,
			    const struct userns_map *uidmap,
			    const struct userns_map *gidmap)
{
	int ret;

	ret = write_map(child->pid, "uid_map", uidmap);
	if (ret < 0)
		return ret;
	return write_map(child->pid, "gid_map", gidmap);
}

int userns_child_release(struct userns_child *child, int go)
{
	int ret = 0;

	if (go && write(child->go_fd, "g", 1) != 1)
		ret = -errno;
	close(child->go_fd);
	child->go_fd = -1;
	return ret;
}
