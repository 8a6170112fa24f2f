/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fs: the state of one mounted uidmapfs, handed to libfuse as the session's
 * userdata (an operation finds it with fuse_req_userdata()).  Built and
 * released by setup.h; read by every family of operations.
 *
 * Where things live: the FUSE operations, fs_<op>, are declared in fs_ops.h
 * and defined by family (entry.c, attr.c, data.c, dir.c, xattr.c; fs_init
 * in ops.c); the helpers they share are in the module that owns them:
 * node.h (node id <-> inode, stat, reopen, chmod), entry.h (the entries
 * replies carry), data.h (what fi->fh holds), dir.h, inode.h, creds.h,
 * kill.h.
 *
 * Error convention (README "Hacking"): fallible functions return 0 (or a
 * count) on success and -errno on failure, errno being saved right after
 * the failing call.  FUSE operations find their inode, call such helpers
 * and reply exactly once.
 */
#ifndef UIDMAPFS_FS_H
#define UIDMAPFS_FS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "idmap.h"
#include "inode.h"
#include "session.h"

struct fs {
	/* The kernel features asked for and granted (session.c). */
	struct session_features features;
	/* Kernel mode: no map given; ids pass unchanged (the identity map
	 * below) and the runtime's ID-mapped mount on top translates. */
	bool kernel_mode;
	/* Guards inode.backing_id/backing_refs/cached_refs. */
	pthread_mutex_t backing_lock;
	/* Open directories (dir.c), closed at teardown if the kernel never
	 * released them (an unmount while a directory was open). */
	pthread_mutex_t dirs_lock;
	struct dir_handle *dirs;
	/* O_PATH handle of /proc: an O_PATH inode fd is reopened as a real
	 * file through its magic link self/fd/N, never through a backing
	 * path.  "self" is resolved per call, so this survives the fork of
	 * fuse_daemonize(). */
	int proc_fd;
	/* Inodes the kernel remembers; their fds are borrowed with
	 * inode_fd_get()/inode_fd_put(); only the root's fd is held
	 * for the fs's life. */
	struct inode_table inodes;
	struct inode root;
	/* On-disk <-> shown ids: the pod's map in shift mode, the identity
	 * in kernel mode. */
	struct idmap uids;
	struct idmap gids;
	/* What the kernel shows for an id it cannot map: ACL entries that
	 * are not in the map are reported as these. */
	uint32_t overflow_uid;
	uint32_t overflow_gid;
	double entry_timeout;
	double attr_timeout;
	double negative_timeout;
	bool keep_cache;
	/* The kernel opens directories itself (FUSE_NO_OPENDIR_SUPPORT,
	 * dir.c): no OPENDIR/RELEASEDIR, and readdir without a handle. */
	bool no_opendir;
	bool debug;
};

#endif
