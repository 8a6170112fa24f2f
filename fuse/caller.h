/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * caller: what /proc tells about the process behind a request, for the
 * checks the kernel makes against its capabilities and user namespace
 * that a FUSE request does not carry (kill.c: CAP_FSETID, CAP_FOWNER;
 * xattr.c: CAP_SYS_ADMIN for trusted.*).  Read only when a decision needs
 * it: a set-id file, a trusted.* name.
 */
#ifndef UIDMAPFS_CALLER_H
#define UIDMAPFS_CALLER_H

#include <fuse_lowlevel.h>
#include <stdbool.h>
#include <sys/types.h>

/* Capability numbers, from <linux/capability.h>. */
#define CALLER_CAP_FOWNER 3
#define CALLER_CAP_FSETID 4
#define CALLER_CAP_SYS_ADMIN 21

/* The most supplementary groups read from a request (creds.c, kill.c):
 * the kernel's NGROUPS_MAX is 65536 and /proc shows them all, but a caller
 * with more than this many is served with the first ones. */
#define CALLER_MAX_GROUPS 256

/* Ids are as the daemon sees them: host ids. */
struct caller {
	unsigned long long caps; /* effective, in its own user namespace */
	bool init_ns; /* in the daemon's (the initial) user namespace */
	uid_t fsuid;
	gid_t fsgid;
};

/*
 * Read process @pid's effective capabilities, fsuid, fsgid and whether it
 * lives in our user namespace into @c.  Never fails: a caller gone or
 * hidden reads as an unprivileged nobody (ids -1, no capabilities) in
 * another namespace, which is the answer that grants least.
 */
void caller_read(pid_t pid, struct caller *c);

/* Whether @c has capability @cap in its own user namespace. */
bool caller_has_cap(const struct caller *c, int cap);

/*
 * The supplementary groups (host ids) of @req's caller into @groups, which
 * has room for CALLER_MAX_GROUPS: the first ones when it has more.
 * Returns how many; 0 when they cannot be read (the caller is gone, or
 * /proc hidden).
 */
int caller_groups(fuse_req_t req, gid_t *groups);

#endif
