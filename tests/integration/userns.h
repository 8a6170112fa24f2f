/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * userns: the part the test helpers pod and idmount share — parsing a map
 * given on the command line and starting a child in a new user namespace
 * whose uid_map and gid_map the (root) parent writes itself, without
 * newuidmap or /etc/subuid.
 *
 * Map text is "inside:outside:count", several extents joined with ':'
 * (the uidmapfs option syntax).  For a user namespace "inside" is the id
 * in the namespace and "outside" the id in the parent namespace, exactly the
 * three columns of /proc/PID/uid_map.
 *
 * Functions return 0 or a negative errno and print nothing; callers report.
 */
#ifndef UIDMAPFS_TEST_USERNS_H
#define UIDMAPFS_TEST_USERNS_H

#include <stdint.h>
#include <sys/types.h>

/* The kernel's limit on extents in one uid_map. */
#define USERNS_MAX_EXTENTS 340

struct userns_map {
	unsigned int nr;
	struct {
		uint32_t inside;
		uint32_t outside;
		uint32_t count;
	} ext[USERNS_MAX_EXTENTS];
};

/*
 * Replace @map by the extents in @text.  Only the syntax is checked (three
 * decimal u32 numbers per extent); the kernel validates the rest when the
 * map is written.  Returns 0 or -EINVAL.
 */
int userns_map_parse(struct userns_map *map, const char *text);

/*
 * A child stopped right after unshare(CLONE_NEWUSER), waiting for its
 * parent to write its maps and let it go.
 */
struct userns_child {
	pid_t pid;
	int go_fd; /* parent's end: one byte = go on, EOF = give up */
};

/*
 * Fork a child that unshares a user namespace and waits.  Returns 0 in the
 * parent with @child filled, returns 1 in the child once the parent called
 * userns_child_release(), or a negative errno in the parent.  A child whose
 * parent gives up (or dies) exits with status 1 without returning.
 */
int userns_child_start(struct userns_child *child);

/*
 * Write /proc/PID/uid_map and gid_map of the waiting child.  setgroups is
 * left at "allow": the writer is root in the parent namespace.
 */
int userns_child_write_maps(const struct userns_child *child,
			    const struct userns_map *uidmap,
			    const struct userns_map *gidmap);

/*
 * Let the child go on (@go true) or make it exit (@go false).  Closes the
 * parent's end either way.
 */
int userns_child_release(struct userns_child *child, int go);

#endif
