// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * File data: open, create, read, write, flush, release, fsync,
 * fallocate, copy_file_range, lseek.  fi->fh is the backing fd (see
 * data_file_fd()).
 *
 * Where the kernel grants FUSE_PASSTHROUGH, an open file's reads and writes
 * are served by the kernel from the backing file and never reach the
 * daemon; read/write below then only serve files the kernel refused
 * (fallback per file).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "data.h"

#include "creds.h"
#include "entry.h"
#include "fs.h"
#include "fs_ops.h"
#include "kill.h"
#include "node.h"

/* fi->fh of a regular file: the backing fd in the low 32 bits
 * (data_file_fd()), and how its I/O is done: through a kernel backing id,
 * or by the daemon through the page cache (neither bit: daemon direct
 * I/O). */
#define DATA_FH_PASSTHROUGH (UINT64_C(1) << 32)
#define DATA_FH_CACHED (UINT64_C(1) << 33)

/* Flags the backing open must not see: creation is done by create(), and
 * O_DIRECT is the kernel's business (a passthrough backing file gets it from
 * the FUSE file; a daemon-served one becomes fi->direct_io). */
#define DATA_STRIP_FLAGS (O_CREAT | O_EXCL | O_NOCTTY | O_DIRECT)

/*
 * Whether the kernel may serve @fd's I/O by passthrough.  It opens the
 * backing file of each passthrough open with the opener's own host
 * credentials: harmless on a local filesystem, where that open checks
 * nothing and I/O carries no credentials, but a store that checks
 * credentials itself (NFS, CIFS, FUSE) would see the pod's host uid
 * instead of the on-disk id, and refuse it or act for the wrong user.  So
 * passthrough is for the local filesystems below; the rest is served by
 * the daemon, as the caller.
 */
static bool data_passthrough_safe(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 &&
	       inode_fs_local((unsigned long)sf.f_type);
}

/*
 * Whether the writes through a new open must reach the daemon: it is open
 * for writing and the file has set-id bits, which a write may have to
 * clear by a rule the kernel's FUSE code does not apply (kill.h) and which
 * a passthrough write would never show us.  A file that gains a set-id bit
 * while open for passthrough stays so until its last close (the kernel
 * allows no other mode meanwhile); a write through such an open clears
 * the bits only where the kernel asks (kill_setid_empty_setattr(): when
 * the writer owns the file), a known gap.
 */
static bool data_watch_writes(const struct fuse_file_info *fi, int fd)
{
	return (fi->flags & O_ACCMODE) != O_RDONLY && kill_is_setid(fd);
}

/*
 * Choose how a new open of @inode does I/O, and count it.  The kernel
 * keeps one I/O mode per inode while it has open files: either every open
 * is passthrough with the same backing id, or none is (direct-I/O opens
 * without passthrough stand outside both).  So the first open decides and
 * later ones follow until the last is released.
 *
 * Returns the backing id for the reply, or 0 for daemon-served I/O.
 */
static int data_io_start(struct fs *fs, struct inode *inode,
			 struct fuse_file_info *fi, int fd)
{
	bool direct = fi->flags & O_DIRECT;
	int id = 0;

	pthread_mutex_lock(&fs->backing_lock);
	if (inode->backing_refs > 0) {
		inode->backing_refs++;
		id = inode->backing_id;
		goto out_unlock;
	}
	if (fs->features.passthrough && inode->cached_refs == 0 &&
	    !data_watch_writes(fi, fd) && data_passthrough_safe(fd)) {
		id = session_backing_open(&fs->features, fd);
		if (id > 0) {
			inode->backing_id = id;
			inode->backing_refs = 1;
			goto out_unlock;
		}
		if (fs->debug)
			fuse_log(FUSE_LOG_DEBUG,
				 "uidmapfs: no passthrough for fd %d: %s\n", fd,
				 strerror(-id));
		id = 0;
	}
	if (!direct)
		inode->cached_refs++;
out_unlock:
	pthread_mutex_unlock(&fs->backing_lock);
	return id;
}

/* Uncount an open counted by data_io_start(). */
static void data_io_end(struct fs *fs, struct inode *inode,
			const struct fuse_file_info *fi)
{
	int err = 0;

	pthread_mutex_lock(&fs->backing_lock);
	if ((fi->fh & DATA_FH_PASSTHROUGH) && --inode->backing_refs == 0) {
		err = session_backing_close(&fs->features, inode->backing_id);
		inode->backing_id = 0;
	}
	if (fi->fh & DATA_FH_CACHED)
		inode->cached_refs--;
	pthread_mutex_unlock(&fs->backing_lock);
	/* Never expected; the file stays open in the kernel until unmount,
	 * which is worth one line each time. */
	if (err)
		fuse_log(FUSE_LOG_ERR,
			 "uidmapfs: closing a passthrough backing id: %s\n",
			 strerror(-err));
}

/* Fill @fi for the open backing file @fd; returns the backing id the reply
 * must carry, or 0 for daemon-served I/O. */
static int data_set_fi(struct fs *fs, struct inode *inode,
		       struct fuse_file_info *fi, int fd)
{
	int id = data_io_start(fs, inode, fi, fd);

	fi->fh = (uint64_t)fd;
	if (id > 0) {
		fi->fh |= DATA_FH_PASSTHROUGH;
		/* The kernel caches through the backing file's own pages. */
		fi->keep_cache = 0;
		/* Its data goes from the kernel to a backing file of the
		 * kernel's own, written back and closed at release: a FLUSH
		 * would find nothing of ours to flush. */
		fi->noflush = 1;
		return id;
	}
	if (fi->flags & O_DIRECT)
		fi->direct_io = 1;
	else
		fi->fh |= DATA_FH_CACHED;
	fi->keep_cache = fs->keep_cache;
	/* Nothing to flush from a file opened read-only, nor on a local
	 * filesystem, whose close() flushes nothing (and locks, which a
	 * FLUSH would release, are the kernel's): spare the round trip at
	 * every close.  A network filesystem reports write-back errors at
	 * close, so there fs_flush() closes a duplicate. */
	fi->noflush = (fi->flags & O_ACCMODE) == O_RDONLY ||
		      data_passthrough_safe(fd);
	return 0;
}

/* Undo data_set_fi() and close the file: it is released, or its opener is
 * gone. */
static void data_drop_file(struct fs *fs, struct inode *inode,
			   const struct fuse_file_info *fi)
{
	data_io_end(fs, inode, fi);
	close(data_file_fd(fi));
}

/*
 * An open with O_TRUNC truncates, and a truncate clears set-id bits
 * (do_truncate()); with FUSE_ATOMIC_O_TRUNC the kernel leaves that to us.
 */
static int data_kill_on_trunc(struct fs *fs, fuse_req_t req,
			      struct inode *inode,
			      const struct fuse_file_info *fi)
{
	if (!(fi->flags & O_TRUNC))
		return 0;
	return kill_setid(fs, req, inode, data_file_fd(fi),
			  kill_hint_of_request(fs));
}

void fs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs *fs = fuse_req_userdata(req);
	struct inode *inode = node_inode(fs, ino);
	int fd, err, id = 0;

	err = creds_become_caller(fs, req);
	if (!err) {
		fd = node_reopen(fs, inode, fi->flags & ~DATA_STRIP_FLAGS);
		if (fd < 0)
			err = fd;
		else
			id = data_set_fi(fs, inode, fi, fd);
	}
	creds_restore();
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	err = data_kill_on_trunc(fs, req, inode, fi);
	if (err) {
		data_drop_file(fs, inode, fi);
		fuse_reply_err(req, -err);
		return;
	}
	session_reply_passthrough(id);
	if (fuse_reply_open(req, fi) == -ENOENT)
		data_drop_file(fs, inode, fi); /* the opener was interrupted */
	session_reply_passthrough(0);
}

/*
 * Create @name in @dirfd with @flags and @mode, and open it.  The kernel
 * sends CREATE only for a name it holds as absent, which a cached negative
 * entry or another client of a shared store can make wrong.  An existing
 * name is then none of CREATE's business: without the caller's O_EXCL it
 * answers ESTALE, on which the kernel walks the path again with its cache
 * revalidated (do_filp_open(), LOOKUP_REVAL) and opens what is there as
 * any open does (OPEN, with O_TRUNC's set-id clearing; EISDIR for a
 * directory; a FIFO by the kernel itself).  With O_EXCL, EEXIST is the
 * answer.  Returns the fd or -errno.
 */
static int data_open_creating(int dirfd, const char *name, int flags,
			      mode_t mode)
{
	int fd = openat(dirfd, name, flags | O_CREAT | O_EXCL, mode);

	if (fd >= 0)
		return fd;
	if (errno == EEXIST && !(flags & O_EXCL))
		return -ESTALE;
	return -errno;
}

/*
 * Create and open @name as the caller, fill @e and @fi; *@inode gets the
 * new inode.  Returns the backing id for the reply (>= 0) or -errno.
 */
static int data_create(struct fs *fs, struct inode *parent, const char *name,
		       mode_t mode, struct fuse_file_info *fi,
		       struct fuse_entry_param *e, struct inode **inode)
{
	char self[NODE_PROC_NAME_LEN];
	int dirfd, fd, pathfd, err;

	dirfd = inode_fd_get(&fs->inodes, parent);
	if (dirfd < 0)
		return dirfd;
	/* O_NOFOLLOW: a symlink planted under this name is never followed
	 * to create or truncate its target. */
	fd = data_open_creating(dirfd, name,
				(fi->flags & ~DATA_STRIP_FLAGS) |
					(fi->flags & O_EXCL) | O_NOFOLLOW |
					O_CLOEXEC,
				mode);
	inode_fd_put(&fs->inodes, parent);
	if (fd < 0)
		return fd;
	/* The inode's O_PATH handle comes from the open fd, not from the
	 * name, which another caller may already have replaced. */
	node_proc_name(fd, self);
	pathfd = openat(fs->proc_fd, self, O_PATH | O_CLOEXEC);
	if (pathfd < 0) {
		err = -errno;
		goto out_close_fd;
	}
	err = entry_from_fd(fs, pathfd, e);
	if (err)
		goto out_close_fd;
	*inode = node_inode(fs, e->ino);
	return data_set_fi(fs, *inode, fi, fd);

out_close_fd:
	close(fd);
	return err;
}

void fs_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	       struct fuse_file_info *fi)
{
	struct fs *fs = fuse_req_userdata(req);
	struct fuse_entry_param e;
	struct inode *inode = NULL;
	int id = 0, err;

	err = creds_become_creator(fs, req);
	if (!err) {
		id = data_create(fs, node_inode(fs, parent), name, mode, fi, &e,
				 &inode);
		if (id < 0)
			err = id;
	}
	creds_restore();
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	session_reply_passthrough(id);
	if (fuse_reply_create(req, &e, fi) == -ENOENT) {
		/* The creator is gone: neither the file nor the lookup
		 * reached the kernel. */
		data_drop_file(fs, inode, fi);
		inode_forget(&fs->inodes, inode, 1);
	}
	session_reply_passthrough(0);
}

void fs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
	     struct fuse_file_info *fi)
{
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);

	(void)ino;
	/* libfuse reads (or splices) straight from the backing fd. */
	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	buf.buf[0].fd = data_file_fd(fi);
	buf.buf[0].pos = off;
	fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

void fs_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *bufv,
		  off_t off, struct fuse_file_info *fi)
{
	struct fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(bufv));
	struct fs *fs = fuse_req_userdata(req);
	ssize_t n;
	int err;

	/* A write clears set-id bits (file_remove_privs()). */
	err = fuse_buf_size(bufv)
		      ? kill_setid(fs, req, node_inode(fs, ino),
				   data_file_fd(fi), kill_hint_of_request(fs))
		      : 0;
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	out.buf[0].fd = data_file_fd(fi);
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
	fd = dup(data_file_fd(fi));
	if (fd < 0 || close(fd) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	fuse_reply_err(req, 0);
}

void fs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs *fs = fuse_req_userdata(req);

	data_drop_file(fs, node_inode(fs, ino), fi);
	fuse_reply_err(req, 0);
}

void fs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
	      struct fuse_file_info *fi)
{
	int fd = data_file_fd(fi);

	(void)ino;
	if ((datasync ? fdatasync(fd) : fsync(fd)) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	fuse_reply_err(req, 0);
}

void fs_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
		  off_t length, struct fuse_file_info *fi)
{
	(void)ino;
	if (fallocate(data_file_fd(fi), mode, offset, length) < 0) {
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
	n = copy_file_range(data_file_fd(fi_in), &off_in, data_file_fd(fi_out),
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
	res = lseek(data_file_fd(fi), off, whence);
	if (res < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_lseek(req, res);
}
