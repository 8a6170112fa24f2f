/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kill: clearing setuid/setgid on write, truncate and open with O_TRUNC, as
 * the kernel's ID-mapped mount does (fs/attr.c setattr_should_drop_suidgid()):
 *
 *   - only regular files, and only when the caller lacks CAP_FSETID in the
 *     initial user namespace (a pod's root lacks it too);
 *   - setuid always;
 *   - setgid when group-exec is set, or when the caller is neither in the
 *     file's group nor has CAP_FSETID in its own namespace over a file
 *     whose owner and group that namespace maps.
 *
 * With FUSE_HANDLE_KILLPRIV_V2 (negotiated by session.c) the kernel leaves
 * all of it to us and says, per OPEN (O_TRUNC), WRITE and SETATTR (size),
 * whether the caller lacks CAP_FSETID; it then skips its own
 * security.capability lookup before every write once it has found none
 * (S_NOSEC).  Without it we find that out from /proc, for set-id files only.
 *
 * File capabilities are not handled here: the kernel removes
 * security.capability itself (a REMOVEXATTR request) before a write or
 * truncate, with or without KILLPRIV_V2.  A real chown needs nothing
 * either: the backing chown, made with the caller's mapped credentials,
 * clears the same bits (chown(-1, -1): kill_setid_empty_setattr()).
 */
#ifndef UIDMAPFS_KILL_H
#define UIDMAPFS_KILL_H

#include <stdbool.h>
#include <sys/types.h>

#include "fs.h"

/* What the kernel told us about the caller, where it did. */
enum kill_hint {
	KILL_HINT_NONE, /* nothing: find out from /proc */
	KILL_HINT_KILL, /* a *_KILL_SUIDGID flag: no CAP_FSETID */
	KILL_HINT_KEEP, /* KILLPRIV_V2 request without the flag */
};

/* The hint for the request this thread serves: with KILLPRIV_V2 granted,
 * whether it carries a *_KILL_SUIDGID bit; otherwise, or when the session
 * could not see the request, none. */
enum kill_hint kill_hint_of_request(const struct fs *fs);

/*
 * Clear the set-id bits the kernel would clear for the caller of @req
 * writing to @inode (kill_setid_bits() in kill.c) from @inode (through @fd when
 * it is an open file, else through the inode's O_PATH handle), with the
 * daemon's own credentials: dropping set-id bits never grants anything, and the
 * caller may not own the file.  Returns 0 (nothing to do included) or -errno.
 */
int kill_setid(struct fs *fs, fuse_req_t req, struct inode *inode, int fd,
	       enum kill_hint hint);

/*
 * A SETATTR that changes nothing, on a regular file with set-id bits.
 * With KILLPRIV_V2 the kernel sends one where it used to send the mode a
 * chown(-1, -1) or a write clears, without the mode: from chown(-1, -1)
 * (chown_common(): setuid always, setgid by the rule above, and only by
 * the owner or CAP_FOWNER, else EPERM), and before a write that clears
 * bits (which the WRITE then does, kill_setid()).  The two look the same;
 * the owner's clearing is the same either way, and for anyone else the
 * caller's /proc/PID/syscall tells a chown (EPERM, nothing cleared) from a
 * write (nothing to do here).  Returns 0, -EPERM or -errno.
 */
int kill_setid_empty_setattr(struct fs *fs, fuse_req_t req,
			     struct inode *inode);

/* Whether the open file @fd is a regular file with set-id bits. */
bool kill_is_setid(int fd);

#endif
