// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * File data: open, create, read, write, flush, release, fsync, flock,
 * fallocate, copy_file_range, lseek.  fi->fh is the backing fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "creds.h"
#include "fs.h"

/* Flags the backing open must not see: creation is done by create(), and
 * O_DIRECT becomes fi->direct_io so the kernel bypasses its cache. */
#define DATA_STRIP_FLAGS (O_CREAT | O_EXCL | O_NOCTTY | O_DIRECT)

static void data_set_fi(const struct fs *fs, struct fuse_file_info *fi, int fd)
{
	if (fi->flags & O_DIRECT)
		fi->direct_io = 1;
	fi->keep_cache = fs->keep_cache;
	fi->fh = (uint64_t)fd;
}

void fs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	int fd;

	fd = creds_become_caller(fs, req);
	if (!fd)
		fd = fs_reopen(fs, fs_inode(fs, ino),
			       fi->flags & ~DATA_STRIP_FLAGS);
	creds_restore();
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	data_set_fi(fs, fi, fd);
	if (fuse_reply_open(req, fi) == -ENOENT)
		close(fd); /* the opener was interrupted and is gone */
}

/* Create and open the file as the caller; *@fd gets the open fd. */
static int data_create(struct fs *fs, fuse_req_t req, struct inode *parent,
		       const char *name, mode_t mode, int flags, int *fd)
{
	int err;

	err = creds_become_creator(fs, req);
	if (!err) {
		/* O_NOFOLLOW: a symlink planted under this name is never
		 * followed to create or truncate its target. */
		*fd = openat(parent->fd, name,
			     (flags & ~(O_NOCTTY | O_DIRECT)) | O_CREAT |
				     O_NOFOLLOW | O_CLOEXEC,
			     mode);
		if (*fd < 0)
			err = -errno;
	}
	creds_restore();
	return err;
}

void fs_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	       struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	struct fuse_entry_param e;
	char self[FS_FD_NAME_LEN];
	int fd, pathfd, err;

	err = data_create(fs, req, fs_inode(fs, parent), name, mode, fi->flags,
			  &fd);
	if (err)
		goto out_reply_err;
	/* The inode's O_PATH handle comes from the open fd, not from the
	 * name, which another caller may already have replaced. */
	fs_fd_name(fd, self);
	pathfd = openat(fs->proc_fd, self, O_PATH | O_CLOEXEC);
	if (pathfd < 0) {
		err = -errno;
		goto out_close_fd;
	}
	err = fs_entry_from_fd(fs, pathfd, &e);
	if (err)
		goto out_close_fd;
	data_set_fi(fs, fi, fd);
	if (fuse_reply_create(req, &e, fi) == -ENOENT)
		close(fd);
	return;

out_close_fd:
	close(fd);
out_reply_err:
	fuse_reply_err(req, -err);
}

void fs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
	     struct fuse_file_info *fi)
{
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);

	(void)ino;
	/* libfuse reads (or splices) straight from the backing fd. */
	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	buf.buf[0].fd = (int)fi->fh;
	buf.buf[0].pos = off;
	fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

void fs_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *bufv,
		  off_t off, struct fuse_file_info *fi)
{
	struct fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(bufv));
	ssize_t n;

	(void)ino;
	out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	out.buf[0].fd = (int)fi->fh;
	out.buf[0].pos = off;
	n = fuse_buf_copy(&out, bufv, 0);
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_write(req, (size_t)n);
}

void fs_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	int fd;

	(void)ino;
	/* close() of a duplicate is what a network filesystem treats as
	 * the flush point (NFS writes back and reports errors there). */
	fd = dup((int)fi->fh);
	if (fd < 0 || close(fd) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	fuse_reply_err(req, 0);
}

void fs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	close((int)fi->fh);
	fuse_reply_err(req, 0);
}

void fs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
	      struct fuse_file_info *fi)
{
	int fd = (int)fi->fh;

	(void)ino;
	if ((datasync ? fdatasync(fd) : fsync(fd)) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	fuse_reply_err(req, 0);
}

void fs_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op)
{
	(void)ino;
	/* One backing open file per FUSE open file: flock() semantics
	 * (per open file description) carry over exactly, and the lock is
	 * visible to other users of the backing store. */
	fuse_reply_err(req, flock((int)fi->fh, op) < 0 ? errno : 0);
}

void fs_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
		  off_t length, struct fuse_file_info *fi)
{
	(void)ino;
	if (fallocate((int)fi->fh, mode, offset, length) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	fuse_reply_err(req, 0);
}

void fs_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
			struct fuse_file_info *fi_in, fuse_ino_t ino_out,
			off_t off_out, struct fuse_file_info *fi_out,
			size_t len, int flags)
{
	ssize_t n;

	(void)ino_in;
	(void)ino_out;
	n = copy_file_range((int)fi_in->fh, &off_in, (int)fi_out->fh, &off_out,
			    len, (unsigned int)flags);
	if (n < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_write(req, (size_t)n);
}

void fs_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
	      struct fuse_file_info *fi)
{
	off_t res;

	(void)ino;
	res = lseek((int)fi->fh, off, whence);
	if (res < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_lseek(req, res);
}
