/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * entry: the name operations (entry.c) and the directory entry every reply
 * that makes or finds a name carries (LOOKUP, MKNOD/MKDIR/SYMLINK/LINK,
 * CREATE, READDIRPLUS).
 */
#ifndef UIDMAPFS_ENTRY_H
#define UIDMAPFS_ENTRY_H

#include <fuse_lowlevel.h>
#include <stdbool.h>

#include "fs.h"

/* Whether @name is "." or "..": names that step sideways or out of the
 * tree, never looked up nor walked (dir.c, xattr.c). */
bool entry_is_dot(const char *name);

/* Fill @e for the O_PATH fd @fd, which the inode table takes over (or
 * closes): ids shown, timeouts, one new kernel reference on the inode.
 * Returns 0 or -errno. */
int entry_from_fd(struct fs *fs, int fd, struct fuse_entry_param *e);

/* Look @name (one component, never "." or "..") up in @parent and fill @e
 * as entry_from_fd() does.  Returns 0 or -errno. */
int entry_lookup(struct fs *fs, struct inode *parent, const char *name,
		 struct fuse_entry_param *e);

#endif
