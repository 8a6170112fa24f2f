// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * File data: open, create, read, write, flush, release, fsync, flock,
 * fallocate, copy_file_range, lseek.  fi->fh is the backing fd (see
 * fs_file_fd()).
 *
 * Where the kernel grants FUSE_PASSTHROUGH, an open file's reads and writes
 * are served by the kernel from the backing file and never reach the
 * daemon; read/write below then only serve files the kernel refused
 * (fallback per file).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "creds.h"
#include "fs.h"

/* Flags the backing open must not see: creation is done by create(), and
 * O_DIRECT becomes fi->direct_io so the kernel bypasses its cache. */
#define DATA_STRIP_FLAGS (O_CREAT | O_EXCL | O_NOCTTY | O_DIRECT)

/*
 * Take a reference on @inode's backing id, registering @fd as the backing
 * file if the inode has none.  Returns the id, or -errno when the kernel
 * refuses (the file is then served by the daemon).
 */
static int data_backing_get(struct fs *fs, struct inode *inode, int fd)
{
	int id;

	pthread_mutex_lock(&fs->backing_lock);
	if (inode->backing_refs == 0) {
		id = session_backing_open(&fs->features, fd);
		if (id < 0) {
			pthread_mutex_unlock(&fs->backing_lock);
			if (fs->debug)
				fuse_log(FUSE_LOG_DEBUG,
					 "uidmapfs: no passthrough for fd %d: "
					 "%s\n",
					 fd, strerror(-id));
			return id;
		}
		inode->backing_id = id;
	}
	inode->backing_refs++;
	id = inode->backing_id;
	pthread_mutex_unlock(&fs->backing_lock);
	return id;
}

static void data_backing_put(struct fs *fs, struct inode *inode)
{
	pthread_mutex_lock(&fs->backing_lock);
	if (--inode->backing_refs == 0) {
		session_backing_close(&fs->features, inode->backing_id);
		inode->backing_id = 0;
	}
	pthread_mutex_unlock(&fs->backing_lock);
}

/* Fill @fi for the open backing file @fd; returns the backing id the
 * reply must carry, or 0 for daemon-served I/O. */
static int data_set_fi(struct fs *fs, struct inode *inode,
		       struct fuse_file_info *fi, int fd)
{
	int id = 0;

	fi->fh = (uint64_t)fd;
	/* Nothing to flush from a file opened read-only: spare the round
	 * trip at every close.  (A passthrough file has nothing either; it
	 * is set below.) */
	fi->noflush = (fi->flags & O_ACCMODE) == O_RDONLY;
	if (fi->flags & O_DIRECT)
		fi->direct_io = 1;
	else if (fs->features.passthrough)
		id = data_backing_get(fs, inode, fd);
	if (id > 0) {
		fi->fh |= FS_FH_PASSTHROUGH;
		/* The kernel caches through the backing file's own pages. */
		fi->keep_cache = 0;
		/* Its data goes from the kernel to a backing file of the
		 * kernel's own, written back and closed at release: a FLUSH
		 * would find nothing of ours to flush. */
		fi->noflush = 1;
		return id;
	}
	fi->keep_cache = fs->keep_cache;
	return 0;
}

/* Undo data_set_fi() and close the file: its opener is gone. */
static void data_drop_file(struct fs *fs, struct inode *inode,
			   const struct fuse_file_info *fi)
{
	if (fi->fh & FS_FH_PASSTHROUGH)
		data_backing_put(fs, inode);
	close(fs_file_fd(fi));
}

void fs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	struct inode *inode = fs_inode(fs, ino);
	int fd, id;

	fd = creds_become_caller(fs, req);
	if (!fd)
		fd = fs_reopen(fs, inode, fi->flags & ~DATA_STRIP_FLAGS);
	creds_restore();
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	id = data_set_fi(fs, inode, fi, fd);
	session_reply_passthrough(id);
	if (fuse_reply_open(req, fi) == -ENOENT)
		data_drop_file(fs, inode, fi); /* the opener was interrupted */
	session_reply_passthrough(0);
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
	struct inode *inode;
	int fd, pathfd, err, id;

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
	inode = fs_inode(fs, e.ino);
	id = data_set_fi(fs, inode, fi, fd);
	session_reply_passthrough(id);
	if (fuse_reply_create(req, &e, fi) == -ENOENT) {
		/* The creator is gone: neither the file nor the lookup
		 * reached the kernel. */
		data_drop_file(fs, inode, fi);
		inode_forget(&fs->inodes, inode, 1);
	}
	session_reply_passthrough(0);
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
	buf.buf[0].fd = fs_file_fd(fi);
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
	out.buf[0].fd = fs_file_fd(fi);
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
	fd = dup(fs_file_fd(fi));
	if (fd < 0 || close(fd) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	fuse_reply_err(req, 0);
}

void fs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);

	data_drop_file(fs, fs_inode(fs, ino), fi);
	fuse_reply_err(req, 0);
}

void fs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
	      struct fuse_file_info *fi)
{
	int fd = fs_file_fd(fi);

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
	fuse_reply_err(req, flock(fs_file_fd(fi), op) < 0 ? errno : 0);
}

void fs_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
		  off_t length, struct fuse_file_info *fi)
{
	(void)ino;
	if (fallocate(fs_file_fd(fi), mode, offset, length) < 0) {
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
	n = copy_file_range(fs_file_fd(fi_in), &off_in, fs_file_fd(fi_out),
			    &off_out, len, (unsigned int)flags);
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
	res = lseek(fs_file_fd(fi), off, whence);
	if (res < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_lseek(req, res);
}
