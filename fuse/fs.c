// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Helpers shared by every family of operations, and the INIT/DESTROY
 * operations that set the connection up.
 */
#include "fs.h"
#include "fs_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * A node id is the address of its inode (inode.h): fs_inode() and fs_ino()
 * are the only two places that convert between them, and the round trip
 * keeps every bit of the pointer.
 */
_Static_assert(sizeof(fuse_ino_t) >= sizeof(uintptr_t),
	       "a FUSE node id must hold an inode's address");

struct inode *fs_inode(struct fs *fs, fuse_ino_t ino)
{
	if (ino == FUSE_ROOT_ID)
		return &fs->root;
	return (struct inode *)(uintptr_t)ino;
}

static fuse_ino_t fs_ino(struct fs *fs, struct inode *inode)
{
	if (inode == &fs->root)
		return FUSE_ROOT_ID;
	return (fuse_ino_t)(uintptr_t)inode;
}

int fs_stat(struct fs *fs, struct inode *inode, struct stat *st)
{
	int fd = inode_fd_get(&fs->inodes, inode), err = 0;

	if (fd < 0)
		return fd;
	if (fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		err = -errno;
	inode_fd_put(&fs->inodes, inode);
	return err;
}

void fs_stat_up(const struct fs *fs, struct stat *st)
{
	st->st_uid = idmap_up(&fs->uids, st->st_uid);
	st->st_gid = idmap_up(&fs->gids, st->st_gid);
}

void fs_fd_name(int fd, char *name)
{
	snprintf(name, FS_FD_NAME_LEN, "self/fd/%d", fd);
}

int fs_reopen(struct fs *fs, struct inode *inode, int flags)
{
	char name[FS_FD_NAME_LEN];
	int fd, pathfd = inode_fd_get(&fs->inodes, inode);

	if (pathfd < 0)
		return pathfd;
	fs_fd_name(pathfd, name);
	/* The /proc magic link resolves to the inode itself, whatever its
	 * name is now: no backing path is walked.  (open_by_handle_at()
	 * could open it directly, but only with CAP_DAC_READ_SEARCH, which
	 * would skip the permission check of a caller's open.) */
	flags = (flags & ~(O_CREAT | O_NOFOLLOW)) | O_CLOEXEC;
	fd = openat(fs->proc_fd, name, flags);
	if (fd < 0 && errno == EMFILE && inode_fds_shed(&fs->inodes) > 0)
		fd = openat(fs->proc_fd, name, flags);
	if (fd < 0)
		fd = -errno;
	inode_fd_put(&fs->inodes, inode);
	return fd;
}

/* Names the kernel sends are single components; "." and ".." would step
 * sideways or out of the tree and are never looked up (no export
 * support is negotiated). */
static int fs_check_name(const char *name)
{
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -EINVAL;
	return 0;
}

int fs_entry_from_fd(struct fs *fs, int fd, struct fuse_entry_param *e)
{
	struct inode *inode;
	int err;

	memset(e, 0, sizeof(*e));
	if (fstatat(fd, "", &e->attr, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) <
	    0) {
		err = -errno;
		close(fd);
		return err;
	}
	err = inode_get(&fs->inodes, fd, &e->attr, &inode);
	if (err)
		return err;
	fs_stat_up(fs, &e->attr);
	e->ino = fs_ino(fs, inode);
	e->attr_timeout = fs->attr_timeout;
	e->entry_timeout = fs->entry_timeout;
	return 0;
}

int fs_lookup_entry(struct fs *fs, struct inode *parent, const char *name,
		    struct fuse_entry_param *e)
{
	int dirfd, fd, err;

	err = fs_check_name(name);
	if (err)
		return err;
	dirfd = inode_fd_get(&fs->inodes, parent);
	if (dirfd < 0)
		return dirfd;
	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == EMFILE && inode_fds_shed(&fs->inodes) > 0)
		fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	err = fd < 0 ? -errno : 0;
	inode_fd_put(&fs->inodes, parent);
	if (err)
		return err;
	return fs_entry_from_fd(fs, fd, e);
}

void fs_reply_entry(fuse_req_t req, const struct fs *fs, int err,
		    const struct fuse_entry_param *e)
{
	if (err == -ENOENT && fs->negative_timeout > 0) {
		struct fuse_entry_param neg = {
			.ino = 0,
			.entry_timeout = fs->negative_timeout,
		};

		fuse_reply_entry(req, &neg);
		return;
	}
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	fuse_reply_entry(req, e);
}

void fs_init(void *userdata, struct fuse_conn_info *conn)
{
	struct fs *fs = userdata;
	/* DONT_MASK: the umask comes with the request and is applied by the
	 * backing filesystem, which skips it under a default ACL exactly
	 * as it does on an ID-mapped mount.  POSIX_ACL: the kernel takes
	 * ACL entries into its permission checks.  CACHE_SYMLINKS: a
	 * symlink's text never changes while its inode lives, so the page
	 * cache may keep it. */
	unsigned int want = FUSE_CAP_DONT_MASK | FUSE_CAP_POSIX_ACL |
			    FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO |
			    FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE |
			    FUSE_CAP_ATOMIC_O_TRUNC | FUSE_CAP_PARALLEL_DIROPS |
			    FUSE_CAP_CACHE_SYMLINKS;

	conn->want |= want & conn->capable;
	/* Zero-message opendir (dir.c), where the kernel takes ENOSYS from
	 * OPENDIR as "open it yourself".  The kernel then caches every
	 * listing, as keep_cache asks of ours anyway; without keep_cache a
	 * listing served from that cache has no attributes, so each name
	 * whose entry timed out costs a LOOKUP where READDIRPLUS refreshed
	 * them all (tests/bench/RESULTS.md). */
	fs->no_opendir =
		fs->keep_cache && (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT);
	/* The kernel, not us, serves POSIX and flock locks: they are
	 * coherent among every user of this mount, and a caller waiting for
	 * a lock never holds one of our threads (a pod could otherwise stall
	 * the mount with as many waits as we have threads). */
	conn->want &=
		~(unsigned int)(FUSE_CAP_POSIX_LOCKS | FUSE_CAP_FLOCK_LOCKS);
	/* Writes go through to the backing store at once: on a shared
	 * volume another client must see them. */
	conn->want &= ~(unsigned int)FUSE_CAP_WRITEBACK_CACHE;
	if (fs->debug)
		fuse_log(FUSE_LOG_DEBUG, "uidmapfs: init, want 0x%x\n",
			 conn->want);
}
