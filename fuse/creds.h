/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * creds: run a backing-store call as the caller, per thread.
 *
 * The kernel has already checked permissions on the ids we report
 * (default_permissions); running the call itself with the caller's on-disk
 * fsuid/fsgid and supplementary groups makes the backing store set owners
 * atomically (no chown afterwards) and keeps a root-squashed NFS export
 * working.  All switches use raw syscalls, which act on the calling thread
 * only (glibc's wrappers would change every thread of the daemon).
 *
 * Fail closed: a creds_become_*() that fails has left the thread on the
 * daemon's credentials, and its error must fail the request; a thread
 * that cannot get back to them ends the daemon (creds_restore()).
 */
#ifndef UIDMAPFS_CREDS_H
#define UIDMAPFS_CREDS_H

#include <fuse_lowlevel.h>

#include "fs.h"

/*
 * For requests that create a name (mknod, mkdir, symlink, create, link,
 * rename onto a new name): the caller's fsuid and fsgid must both be in the
 * map, else -EOVERFLOW, exactly as the kernel's ID-mapped mount refuses a
 * caller it cannot represent on disk.  On success the thread runs as the
 * caller, with the request's umask, until creds_restore().  In kernel mode
 * a request the kernel sends without ids (link, rename through an ID-mapped
 * mount, which has checked the caller itself) keeps the daemon's.
 * Returns 0, or -errno with the thread on the daemon's credentials:
 * -EOVERFLOW for a caller outside the map, which switched nothing, any
 * other for a switch (umask, groups, fsgid, fsuid, capabilities) that
 * failed.
 */
int creds_become_creator(const struct fs *fs, fuse_req_t req);

/*
 * For requests that change an existing inode or name: run as the caller if
 * the caller is in the map; a caller outside it (a host process) keeps the
 * daemon's own credentials, the kernel having already decided it may act.
 * Returns 0, or -errno (the switch failed) with the thread on the
 * daemon's credentials.
 */
int creds_become_caller(const struct fs *fs, fuse_req_t req);

/*
 * Back to the daemon's credentials (fsuid 0, fsgid 0, no groups); nothing
 * to do if the thread was not switched.  If that fails, this logs one line
 * and ends the process (exit status 1) rather than serve as the wrong
 * user: it does not return to a thread that is not the daemon again.
 */
void creds_restore(void);

#endif
