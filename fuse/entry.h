/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * entry: the name operations (entry.c) and the directory entry every reply
 * that makes or finds a name carries (LOOKUP, MKNOD/MKDIR/SYMLINK/LINK,
 * CREATE, READDIRPLUS).
 */
#ifndef UIDMAPFS_ENTRY_H
#define UIDMAPFS_ENTRY_H

#include <fuse_lowlevel.h>

#include "fs.h"

/* Fill @e for the O_PATH fd @fd, which the inode table takes over (or
 * closes): ids shown, timeouts, one new kernel reference on the inode.
 * Returns 0 or -errno. */
int entry_from_fd(struct fs *fs, int fd, struct fuse_entry_param *e);

/* Look @name (one component, never "." or "..") up in @parent and fill @e
 * as entry_from_fd() does.  Returns 0 or -errno. */
int entry_lookup(struct fs *fs, struct inode *parent, const char *name,
		 struct fuse_entry_param *e);

/* Reply to @req with the result of entry_lookup() or entry_from_fd().  A
 * negative ENOENT becomes a cacheable negative entry when negative_timeout
 * > 0. */
void entry_reply(fuse_req_t req, const struct fs *fs, int err,
		 const struct fuse_entry_param *e);

#endif
