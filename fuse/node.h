/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * node: what a FUSE node id stands for on the backing side.  Converts
 * between node ids and inodes (inode.h), and reads and changes the backing
 * inode through its borrowed O_PATH fd, never through a path: its
 * attributes as the mount shows them, a reopen as a real file, a mode
 * change.
 *
 * Every function here works with whatever credentials the calling thread
 * has in force (creds.h decides those) and returns 0, an fd or -errno.
 */
#ifndef UIDMAPFS_NODE_H
#define UIDMAPFS_NODE_H

#include <fuse_lowlevel.h>
#include <sys/stat.h>

#include "fs.h"

/* The inode behind a FUSE node id (see inode.h for the lifetime rule). */
struct inode *node_inode(struct fs *fs, fuse_ino_t ino);

/* The node id the kernel is given for @inode. */
fuse_ino_t node_id(struct fs *fs, struct inode *inode);

/* stat the backing inode itself, never what a symlink points to. */
int node_stat(struct fs *fs, struct inode *inode, struct stat *st);

/* Turn an on-disk stat into what the mount shows: ids mapped up, an
 * unmapped id becoming (uint32_t)-1 so the kernel's inode gets an invalid
 * owner and the VFS answers as it does on an ID-mapped mount. */
void node_stat_up(const struct fs *fs, struct stat *st);

/* Room for node_proc_name()'s answer. */
#define NODE_PROC_NAME_LEN 32

/* The name, relative to fs->proc_fd, of the magic link of @fd: a path to
 * the very inode @fd holds, whatever its name is now. */
void node_proc_name(int fd, char *name);

/* Reopen an inode as an open file with @flags (no O_CREAT), through the
 * /proc/self/fd link of its borrowed O_PATH fd.  Returns the new fd or
 * -errno (-ESTALE: the inode is gone). */
int node_reopen(struct fs *fs, struct inode *inode, int flags);

/* Set the mode of @inode to @mode (the 07777 bits): through @fd when it is
 * an open file of it (>= 0), else through the inode's O_PATH fd.  Returns
 * 0 or -errno. */
int node_chmod(struct fs *fs, struct inode *inode, int fd, mode_t mode);

#endif
