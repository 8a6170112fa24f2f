// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Attribute operations: getattr, setattr, statfs.
 *
 * setattr applies owner, mode, size and times in that order, running as the
 * caller: a chown clears set-id bits, and the mode the kernel sends with it
 * (already stripped by the VFS) must be the last word.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "creds.h"
#include "data.h"
#include "fs.h"
#include "fs_ops.h"
#include "kill.h"
#include "node.h"

void fs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs *fs = fuse_req_userdata(req);
	struct stat st;
	int err;

	(void)fi;
	err = node_stat(fs, node_inode(fs, ino), &st);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	node_stat_up(fs, &st);
	fuse_reply_attr(req, &st, fs->attr_timeout);
}

/* Map the requested owner down; an id outside the map cannot be stored. */
static int attr_chown(struct fs *fs, struct inode *inode,
		      const struct stat *attr, int valid)
{
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	int fd, err = 0;

	if (valid & FUSE_SET_ATTR_UID) {
		uid = idmap_down(&fs->uids, attr->st_uid);
		if (uid == IDMAP_UNMAPPED)
			return -EOVERFLOW;
	}
	if (valid & FUSE_SET_ATTR_GID) {
		gid = idmap_down(&fs->gids, attr->st_gid);
		if (gid == IDMAP_UNMAPPED)
			return -EOVERFLOW;
	}
	fd = inode_fd_get(&fs->inodes, inode);
	if (fd < 0)
		return fd;
	if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		err = -errno;
	inode_fd_put(&fs->inodes, inode);
	return err;
}

static int attr_truncate(struct fs *fs, struct inode *inode,
			 struct fuse_file_info *fi, off_t size)
{
	int fd, err = 0;

	if (fi)
		return ftruncate(data_file_fd(fi), size) < 0 ? -errno : 0;
	fd = node_reopen(fs, inode, O_WRONLY);
	if (fd < 0)
		return fd;
	if (ftruncate(fd, size) < 0)
		err = -errno;
	close(fd);
	return err;
}

static int attr_utimens(struct fs *fs, struct inode *inode,
			const struct stat *attr, int valid)
{
	struct timespec ts[2] = {
		{ .tv_nsec = UTIME_OMIT },
		{ .tv_nsec = UTIME_OMIT },
	};
	int fd, err = 0;

	if (valid & FUSE_SET_ATTR_ATIME_NOW)
		ts[0].tv_nsec = UTIME_NOW;
	else if (valid & FUSE_SET_ATTR_ATIME)
		ts[0] = attr->st_atim;
	if (valid & FUSE_SET_ATTR_MTIME_NOW)
		ts[1].tv_nsec = UTIME_NOW;
	else if (valid & FUSE_SET_ATTR_MTIME)
		ts[1] = attr->st_mtim;
	fd = inode_fd_get(&fs->inodes, inode);
	if (fd < 0)
		return fd;
	if (utimensat(fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		err = -errno;
	inode_fd_put(&fs->inodes, inode);
	return err;
}

static int attr_apply(struct fs *fs, struct inode *inode,
		      const struct stat *attr, int valid,
		      struct fuse_file_info *fi)
{
	int err = 0;

	if (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))
		err = attr_chown(fs, inode, attr, valid);
	if (!err && (valid & FUSE_SET_ATTR_MODE))
		err = node_chmod(fs, inode, fi ? data_file_fd(fi) : -1,
				 attr->st_mode & 07777);
	if (!err && (valid & FUSE_SET_ATTR_SIZE))
		err = attr_truncate(fs, inode, fi, attr->st_size);
	if (!err &&
	    (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
		      FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW)))
		err = attr_utimens(fs, inode, attr, valid);
	return err;
}

/*
 * Whether the request's mode only removes set-id bits.  The kernel sends
 * such a mode change itself when a caller writes to or truncates a set-id
 * file (file_remove_privs(), do_truncate()), whoever owns it, and the
 * ID-mapped mount lets it through for any writer.  Dropping set-id bits
 * never grants anything, so it runs with the daemon's credentials rather
 * than fail as the caller.  A chown's mode stays with the chown.
 */
static bool attr_only_drops_setid(struct fs *fs, struct inode *inode,
				  const struct stat *attr, int valid)
{
	const mode_t setid = S_ISUID | S_ISGID;
	mode_t old, new = attr->st_mode & 07777;
	struct stat st;

	if (!(valid & FUSE_SET_ATTR_MODE) ||
	    (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) ||
	    node_stat(fs, inode, &st) < 0)
		return false;
	old = st.st_mode & 07777;
	return new != old && (new & ~setid) == (old & ~setid) &&
	       (new &setid & ~old) == 0;
}

/*
 * What runs with the daemon's credentials before the rest of a setattr:
 * a mode that only drops set-id bits, and for a truncate the set-id bits
 * the ID-mapped mount would clear (kill.h: the kernel's own mode, when it
 * sends one, keeps setgid without group-exec).  Clears from *@valid what
 * it did.  Returns 0 or -errno.
 */
static int attr_kill(struct fs *fs, fuse_req_t req, struct inode *inode,
		     const struct stat *attr, int *valid,
		     struct fuse_file_info *fi)
{
	/* What the kernel asked, before the mode drop below takes its part
	 * out: only a request that came empty is the KILLPRIV_V2 signal. */
	const int asked = *valid;
	int err;

	if (attr_only_drops_setid(fs, inode, attr, *valid)) {
		err = node_chmod(fs, inode, fi ? data_file_fd(fi) : -1,
				 attr->st_mode & 07777);
		if (err)
			return err;
		*valid &= ~FUSE_SET_ATTR_MODE;
	}
	if (fs->features.killpriv_v2 && !(asked & ~FUSE_SET_ATTR_CTIME))
		return kill_setid_empty_setattr(fs, req, inode);
	if ((*valid & FUSE_SET_ATTR_SIZE) &&
	    !(*valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)))
		return kill_setid(fs, req, inode, fi ? data_file_fd(fi) : -1,
				  kill_hint_of_request(fs));
	return 0;
}

void fs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int valid,
		struct fuse_file_info *fi)
{
	struct fs *fs = fuse_req_userdata(req);
	struct inode *inode = node_inode(fs, ino);
	struct stat st;
	int err;

	err = attr_kill(fs, req, inode, attr, &valid, fi);
	if (!err && (valid & ~FUSE_SET_ATTR_CTIME)) {
		err = creds_become_caller(fs, req);
		if (!err)
			err = attr_apply(fs, inode, attr, valid, fi);
		creds_restore();
	}
	if (!err)
		err = node_stat(fs, inode, &st);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	node_stat_up(fs, &st);
	fuse_reply_attr(req, &st, fs->attr_timeout);
}

void fs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct fs *fs = fuse_req_userdata(req);
	struct inode *inode = node_inode(fs, ino);
	struct statvfs sv;
	int fd = inode_fd_get(&fs->inodes, inode), err = 0;

	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	if (fstatvfs(fd, &sv) < 0)
		err = -errno;
	inode_fd_put(&fs->inodes, inode);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	fuse_reply_statfs(req, &sv);
}
