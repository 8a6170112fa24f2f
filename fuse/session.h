/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session: the one place where the FUSE connection is made.
 *
 * The daemon opens /dev/fuse itself, mounts with mount(2) and hands the fd
 * to libfuse through fuse_session_custom_io().  Owning the fd and the I/O
 * hooks is what lets a later feature patch the INIT reply for kernel
 * features libfuse 3.14 cannot ask for (DESIGN.md section 1).
 */
#ifndef UIDMAPFS_SESSION_H
#define UIDMAPFS_SESSION_H

#include <fuse_lowlevel.h>
#include <stdbool.h>

struct session_mount {
	const char *source;	/* shown as the mount's source (fsname) */
	const char *mountpoint; /* absolute path */
	unsigned long flags;	/* MS_* mount flags */
};

/*
 * Mount @m and attach the connection to @se.  Returns 0, or -errno with a
 * one-line reason in @err (nothing is left mounted on failure).
 */
int session_mount(struct fuse_session *se, const struct session_mount *m,
		  char *err, size_t errlen);

/* Detach the mount (lazily if it is busy).  Returns 0 or -errno. */
int session_unmount(const char *mountpoint);

#endif
