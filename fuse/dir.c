// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Directories: opendir, readdir, readdirplus, releasedir, fsyncdir.
 * readdirplus looks every entry up as it lists it, so `ls -l` and `find`
 * need no LOOKUP round trip per name.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "creds.h"
#include "fs.h"

struct dir_handle {
	DIR *dp;
	off_t offset;	      /* position of entry, as telldir() gave it */
	struct dirent *entry; /* read but not yet handed to the kernel */
	/* On fs.dirs, guarded by fs.dirs_lock. */
	struct dir_handle *prev;
	struct dir_handle *next;
};

/* Adds one entry to @buf; returns the size it needs (> @size: no room). */
typedef size_t (*dir_add_fn)(fuse_req_t req, struct fs *fs, struct inode *dir,
			     char *buf, size_t size, const struct dirent *d,
			     off_t next, bool *skip);

static struct dir_handle *dir_of(struct fuse_file_info *fi)
{
	return (struct dir_handle *)(uintptr_t)fi->fh;
}

static void dir_track(struct fs *fs, struct dir_handle *d)
{
	pthread_mutex_lock(&fs->dirs_lock);
	d->prev = NULL;
	d->next = fs->dirs;
	if (fs->dirs)
		fs->dirs->prev = d;
	fs->dirs = d;
	pthread_mutex_unlock(&fs->dirs_lock);
}

/* Forget @d and free it. */
static void dir_close(struct fs *fs, struct dir_handle *d)
{
	pthread_mutex_lock(&fs->dirs_lock);
	if (d->prev)
		d->prev->next = d->next;
	else
		fs->dirs = d->next;
	if (d->next)
		d->next->prev = d->prev;
	pthread_mutex_unlock(&fs->dirs_lock);
	closedir(d->dp);
	free(d);
}

void fs_dirs_close_all(struct fs *fs)
{
	while (fs->dirs)
		dir_close(fs, fs->dirs);
}

void fs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	struct dir_handle *d;
	int fd, err;

	d = calloc(1, sizeof(*d));
	if (!d) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fd = fs_reopen(fs, fs_inode(fs, ino), O_RDONLY | O_DIRECTORY);
	if (fd == -EACCES || fd == -EPERM) {
		/* A store that refuses root (root-squashed NFS) may let only
		 * the caller read the directory; the kernel has checked it
		 * may.  The later readdir calls run as this open's opener. */
		fd = creds_become_caller(fs, req);
		if (!fd)
			fd = fs_reopen(fs, fs_inode(fs, ino),
				       O_RDONLY | O_DIRECTORY);
		creds_restore();
	}
	if (fd < 0) {
		err = -fd;
		goto out_free;
	}
	d->dp = fdopendir(fd);
	if (!d->dp) {
		err = errno;
		close(fd);
		goto out_free;
	}
	fi->fh = (uint64_t)(uintptr_t)d;
	fi->keep_cache = fs->keep_cache;
	fi->cache_readdir = fs->keep_cache;
	/* Tracked before the reply: RELEASEDIR may follow it at once. */
	dir_track(fs, d);
	if (fuse_reply_open(req, fi) == -ENOENT)
		dir_close(fs, d); /* the opener was interrupted */
	return;

out_free:
	free(d);
	fuse_reply_err(req, err);
}

static bool dir_is_dot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

static size_t dir_add_plain(fuse_req_t req, struct fs *fs, struct inode *dir,
			    char *buf, size_t size, const struct dirent *d,
			    off_t next, bool *skip)
{
	struct stat st = {
		.st_ino = d->d_ino,
		.st_mode = (mode_t)DTTOIF(d->d_type),
	};

	(void)fs;
	(void)dir;
	*skip = false;
	return fuse_add_direntry(req, buf, size, d->d_name, &st, next);
}

static size_t dir_add_plus(fuse_req_t req, struct fs *fs, struct inode *dir,
			   char *buf, size_t size, const struct dirent *d,
			   off_t next, bool *skip)
{
	/* ino 0: a name listed without attributes, no inode made of it. */
	const struct fuse_entry_param plain = {
		.attr.st_ino = d->d_ino,
		.attr.st_mode = (mode_t)DTTOIF(d->d_type),
	};
	struct fuse_entry_param e = plain;
	size_t need;

	*skip = false;
	/* "." and ".." are listed without a lookup. */
	if (!dir_is_dot(d->d_name)) {
		int err = fs_lookup_entry(fs, dir, d->d_name, &e);

		if (err == -ENOENT) {
			*skip = true; /* removed since it was read */
			return 0;
		}
		/* Any other failure (a store refusing root the lookup)
		 * must not hide the name: list it plain, and the kernel
		 * looks it up, as the caller if need be, when it is used. */
		if (err)
			e = plain;
	}
	need = fuse_add_direntry_plus(req, buf, size, d->d_name, &e, next);
	if (need > size && e.ino)
		/* No room: the kernel never sees this lookup. */
		inode_forget(&fs->inodes, fs_inode(fs, e.ino), 1);
	return need;
}

static int dir_fill(fuse_req_t req, struct inode *dir, struct dir_handle *d,
		    char *buf, size_t size, off_t off, dir_add_fn add,
		    size_t *len)
{
	struct fs *fs = fs_of(req);

	if (off != d->offset) {
		seekdir(d->dp, off);
		d->entry = NULL;
		d->offset = off;
	}
	*len = 0;
	for (;;) {
		size_t need;
		bool skip;

		if (!d->entry) {
			errno = 0;
			d->entry = readdir(d->dp);
			if (!d->entry)
				return errno ? -errno : 0;
		}
		need = add(req, fs, dir, buf + *len, size - *len, d->entry,
			   telldir(d->dp), &skip);
		if (!skip && need > size - *len)
			return 0; /* kept in d->entry for the next call */
		*len += need;
		d->entry = NULL;
		d->offset = telldir(d->dp);
	}
}

static void dir_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi, dir_add_fn add)
{
	struct fs *fs = fs_of(req);
	size_t len;
	char *buf;
	int err;

	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	err = dir_fill(req, fs_inode(fs, ino), dir_of(fi), buf, size, off, add,
		       &len);
	/* An error after some entries were added is reported on the next
	 * call, which starts where this one stopped. */
	if (err && len == 0)
		fuse_reply_err(req, -err);
	else
		fuse_reply_buf(req, buf, len);
	free(buf);
}

void fs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		struct fuse_file_info *fi)
{
	dir_read(req, ino, size, off, fi, dir_add_plain);
}

void fs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	dir_read(req, ino, size, off, fi, dir_add_plus);
}

void fs_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	dir_close(fs_of(req), dir_of(fi));
	fuse_reply_err(req, 0);
}

void fs_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
		 struct fuse_file_info *fi)
{
	int fd = dirfd(dir_of(fi)->dp);

	(void)ino;
	if ((datasync ? fdatasync(fd) : fsync(fd)) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	fuse_reply_err(req, 0);
}
