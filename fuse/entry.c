// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Name operations: lookup, forget, readlink, the creation of names (mknod,
 * mkdir, symlink and link share one path), unlink, rmdir and rename.
 *
 * Everything is relative to an O_PATH fd of the parent, with no-follow
 * semantics: the daemon never walks a path of the backing tree.  The
 * entries these replies carry are made here for the other families too
 * (entry.h).
 */
#include "entry.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "creds.h"
#include "fs_ops.h"
#include "node.h"

bool entry_is_dot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* Names the kernel sends are single components; "." and ".." would step
 * sideways or out of the tree and are never looked up (no export
 * support is negotiated). */
static int entry_check_name(const char *name)
{
	return entry_is_dot(name) ? -EINVAL : 0;
}

int entry_from_fd(struct fs *fs, int fd, struct fuse_entry_param *e)
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
	node_stat_up(fs, &e->attr);
	e->ino = node_id(fs, inode);
	e->attr_timeout = fs->attr_timeout;
	e->entry_timeout = fs->entry_timeout;
	return 0;
}

int entry_lookup(struct fs *fs, struct inode *parent, const char *name,
		 struct fuse_entry_param *e)
{
	int dirfd, fd, err;

	err = entry_check_name(name);
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
	return entry_from_fd(fs, fd, e);
}

/* Reply to @req with the result of entry_lookup() or entry_from_fd().  A
 * negative ENOENT becomes a cacheable negative entry when negative_timeout
 * > 0. */
static void entry_reply(fuse_req_t req, const struct fs *fs, int err,
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

/*
 * Lookups run as the daemon, which is cheap (no credential switch).  A
 * backing store that refuses root (a root-squashed NFS export) answers
 * EACCES in a directory only the caller's ids or groups may search; the
 * kernel has already checked the caller may, so ask again as the caller.
 */
void fs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs *fs = fuse_req_userdata(req);
	struct inode *dir = node_inode(fs, parent);
	struct fuse_entry_param e;
	int err;

	err = entry_lookup(fs, dir, name, &e);
	if (err == -EACCES || err == -EPERM) {
		err = creds_become_caller(fs, req);
		if (!err)
			err = entry_lookup(fs, dir, name, &e);
		creds_restore();
	}
	entry_reply(req, fs, err, &e);
}

void fs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct fs *fs = fuse_req_userdata(req);

	inode_forget(&fs->inodes, node_inode(fs, ino), nlookup);
	fuse_reply_none(req);
}

void fs_forget_multi(fuse_req_t req, size_t count,
		     struct fuse_forget_data *forgets)
{
	struct fs *fs = fuse_req_userdata(req);

	for (size_t i = 0; i < count; i++)
		inode_forget(&fs->inodes, node_inode(fs, forgets[i].ino),
			     forgets[i].nlookup);
	fuse_reply_none(req);
}

void fs_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct fs *fs = fuse_req_userdata(req);
	struct inode *inode = node_inode(fs, ino);
	char buf[PATH_MAX + 1];
	int fd = inode_fd_get(&fs->inodes, inode);
	ssize_t n = fd;

	if (fd >= 0) {
		n = readlinkat(fd, "", buf, sizeof(buf));
		if (n < 0)
			n = -errno;
		inode_fd_put(&fs->inodes, inode);
	}
	if (n < 0) {
		fuse_reply_err(req, (int)-n);
		return;
	}
	if ((size_t)n >= sizeof(buf)) {
		fuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	buf[n] = '\0';
	fuse_reply_readlink(req, buf);
}

/* What a new name is: the one varying part of the creation path. */
struct entry_new {
	mode_t mode;	    /* type and permissions (mknod, mkdir) */
	dev_t rdev;	    /* mknod */
	const char *target; /* symlink: the link's text */
	struct inode *old;  /* link: the existing inode */
};

static int entry_make(struct fs *fs, struct inode *parent, const char *name,
		      const struct entry_new *n)
{
	char old[NODE_PROC_NAME_LEN];
	int dirfd, oldfd, err = 0;

	dirfd = inode_fd_get(&fs->inodes, parent);
	if (dirfd < 0)
		return dirfd;
	if (n->old) {
		oldfd = inode_fd_get(&fs->inodes, n->old);
		if (oldfd < 0) {
			err = oldfd;
			goto out_put_parent;
		}
		/* Through /proc: linkat(AT_EMPTY_PATH) would need
		 * CAP_DAC_READ_SEARCH, which a non-root fsuid lacks. */
		node_proc_name(oldfd, old);
		if (linkat(fs->proc_fd, old, dirfd, name, AT_SYMLINK_FOLLOW) <
		    0)
			err = -errno;
		inode_fd_put(&fs->inodes, n->old);
	} else if (n->target) {
		if (symlinkat(n->target, dirfd, name) < 0)
			err = -errno;
	} else if (S_ISDIR(n->mode)) {
		if (mkdirat(dirfd, name, n->mode & 07777) < 0)
			err = -errno;
	} else if (mknodat(dirfd, name, n->mode, n->rdev) < 0) {
		err = -errno;
	}
out_put_parent:
	inode_fd_put(&fs->inodes, parent);
	return err;
}

/*
 * Create a name as the caller (so the backing store sets its owner, group
 * inheritance and default ACL itself, atomically) and look it up, still as
 * the caller: a store that refuses root may let only the caller search the
 * directory.
 */
static void entry_create(fuse_req_t req, fuse_ino_t parent_ino,
			 const char *name, const struct entry_new *n)
{
	struct fs *fs = fuse_req_userdata(req);
	struct inode *parent = node_inode(fs, parent_ino);
	struct fuse_entry_param e;
	int err;

	err = creds_become_creator(fs, req);
	if (!err)
		err = entry_make(fs, parent, name, n);
	if (!err)
		err = entry_lookup(fs, parent, name, &e);
	creds_restore();
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	fuse_reply_entry(req, &e);
}

void fs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	      dev_t rdev)
{
	const struct entry_new n = { .mode = mode, .rdev = rdev };

	entry_create(req, parent, name, &n);
}

void fs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	const struct entry_new n = { .mode = S_IFDIR | mode };

	entry_create(req, parent, name, &n);
}

void fs_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		const char *name)
{
	const struct entry_new n = { .mode = S_IFLNK, .target = link };

	entry_create(req, parent, name, &n);
}

void fs_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
	     const char *newname)
{
	const struct entry_new n = { .old = node_inode(fuse_req_userdata(req),
						       ino) };

	entry_create(req, newparent, newname, &n);
}

static void entry_remove(fuse_req_t req, fuse_ino_t parent, const char *name,
			 int flags)
{
	struct fs *fs = fuse_req_userdata(req);
	struct inode *dir = node_inode(fs, parent);
	int fd = inode_fd_get(&fs->inodes, dir), err = fd < 0 ? fd : 0;

	if (!err)
		err = creds_become_caller(fs, req);
	if (!err && unlinkat(fd, name, flags) < 0)
		err = -errno;
	creds_restore();
	if (fd >= 0)
		inode_fd_put(&fs->inodes, dir);
	fuse_reply_err(req, -err);
}

void fs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	entry_remove(req, parent, name, 0);
}

void fs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	entry_remove(req, parent, name, AT_REMOVEDIR);
}

/*
 * A caller outside the map may replace or exchange names but not make a new
 * one, as on the kernel's ID-mapped mount (may_create() refuses it).  Only
 * -EOVERFLOW (switched nothing) says "outside the map"; any other error is
 * a failed switch and fails the rename.
 */
static int entry_rename_creds(struct fs *fs, fuse_req_t req, int newdir,
			      const char *newname, unsigned int flags)
{
	struct stat st;
	int err;

	err = creds_become_creator(fs, req);
	if (err != -EOVERFLOW)
		return err;
	if (flags & RENAME_EXCHANGE)
		return creds_become_caller(fs, req);
	if (fstatat(newdir, newname, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? -EOVERFLOW : -errno;
	return creds_become_caller(fs, req);
}

void fs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
	       fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	struct fs *fs = fuse_req_userdata(req);
	struct inode *olddir = node_inode(fs, parent);
	struct inode *newdir = node_inode(fs, newparent);
	int oldfd, newfd = -1, err;

	oldfd = inode_fd_get(&fs->inodes, olddir);
	err = oldfd < 0 ? oldfd : 0;
	if (!err) {
		newfd = inode_fd_get(&fs->inodes, newdir);
		err = newfd < 0 ? newfd : 0;
	}
	if (!err)
		err = entry_rename_creds(fs, req, newfd, newname, flags);
	if (!err && renameat2(oldfd, name, newfd, newname, flags) < 0)
		err = -errno;
	creds_restore();
	if (newfd >= 0)
		inode_fd_put(&fs->inodes, newdir);
	if (oldfd >= 0)
		inode_fd_put(&fs->inodes, olddir);
	fuse_reply_err(req, -err);
}
