/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fs: the state of one mounted uidmapfs, handed to libfuse as the session's
 * userdata, and the helpers every family of operations shares.
 *
 * Error convention (README "Hacking"): fallible functions return 0 (or a
 * count) on success and -errno on failure, errno being saved right after
 * the failing call.  FUSE operations (fs_<op>, fs_ops.h) find their
 * inode, call such helpers and reply exactly once.
 */
#ifndef UIDMAPFS_FS_H
#define UIDMAPFS_FS_H

#include <fuse_lowlevel.h>
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

struct opts;
struct dir_handle;

/*
 * Build the fs for @o: load the maps (from the options or /proc/PID), open
 * SOURCE and check it is a readable directory, check MOUNTPOINT.  Returns 0
 * or -errno with a one-line reason in @err; on failure nothing is left to
 * release.
 */
int fs_setup(struct fs *fs, const struct opts *o, char *err, size_t errlen);

/* Close the directories the kernel left open (dir.c). */
void fs_dirs_close_all(struct fs *fs);

/* Release everything fs_setup() acquired. */
void fs_teardown(struct fs *fs);

/* fi->fh of a regular file: the backing fd in the low 32 bits, and how
 * its I/O is done: through a kernel backing id, or by the daemon through
 * the page cache (neither bit: daemon direct I/O). */
#define FS_FH_PASSTHROUGH (UINT64_C(1) << 32)
#define FS_FH_CACHED (UINT64_C(1) << 33)

static inline int fs_file_fd(const struct fuse_file_info *fi)
{
	return (int)(fi->fh & UINT32_MAX);
}

/* The fs of a request. */
static inline struct fs *fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* The inode behind a FUSE node id (see inode.h for the lifetime rule). */
struct inode *fs_inode(struct fs *fs, fuse_ino_t ino);

/* stat the backing inode itself, never what a symlink points to. */
int fs_stat(struct fs *fs, struct inode *inode, struct stat *st);

/* Turn an on-disk stat into what the mount shows: ids mapped up, an
 * unmapped id becoming (uint32_t)-1 so the kernel's inode gets an invalid
 * owner and the VFS answers as it does on an ID-mapped mount. */
void fs_stat_up(const struct fs *fs, struct stat *st);

/* Room for fs_fd_name()'s answer. */
#define FS_FD_NAME_LEN 32

/* The name, relative to fs->proc_fd, of the magic link of @fd. */
void fs_fd_name(int fd, char *name);

/* Reopen an inode as an open file with @flags (no O_CREAT), through the
 * /proc/self/fd link of its borrowed O_PATH fd.  Returns the new fd or
 * -errno (-ESTALE: the inode is gone). */
int fs_reopen(struct fs *fs, struct inode *inode, int flags);

/* Fill @e for the O_PATH fd @fd, which the inode table takes over (or
 * closes).  Returns 0 or -errno. */
int fs_entry_from_fd(struct fs *fs, int fd, struct fuse_entry_param *e);

/* Look @name up in @parent and fill @e (ids shown, timeouts, one new
 * kernel reference on the inode).  Returns 0 or -errno. */
int fs_lookup_entry(struct fs *fs, struct inode *parent, const char *name,
		    struct fuse_entry_param *e);

/* Reply to a request with the result of fs_lookup_entry().  A negative
 * ENOENT becomes a cacheable negative entry when negative_timeout > 0. */
void fs_reply_entry(fuse_req_t req, const struct fs *fs, int err,
		    const struct fuse_entry_param *e);

#endif
