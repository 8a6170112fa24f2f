// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Directories: opendir, readdir, readdirplus, releasedir, fsyncdir.
 * readdirplus looks every entry up as it lists it, so `ls -l` and `find`
 * need no LOOKUP round trip per name.
 *
 * With keep_cache, where the kernel allows it (FUSE_NO_OPENDIR_SUPPORT,
 * Linux 5.1), OPENDIR is answered ENOSYS once and never sent again, nor
 * RELEASEDIR: two round trips less per directory listed (fs_init() says
 * why not without keep_cache).  Each READDIR(PLUS) then opens the
 * directory for itself and seeks to the offset the kernel gives, which is
 * a telldir() cookie of an earlier stream of the same directory (the
 * backing filesystem's d_off: stable across opens).  The kernel then caches
 * every directory's entries (FOPEN_KEEP_CACHE | FOPEN_CACHE_DIR is its
 * default for an open it did itself) and drops them when the directory
 * changes through the mount, or when its mtime, refreshed after
 * attr_timeout, shows that it changed behind it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "dir.h"

#include "creds.h"
#include "entry.h"
#include "fs.h"
#include "fs_ops.h"
#include "node.h"

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

/* fi->fh of a directory is its dir_handle's address (dir_of() and
 * fs_opendir() are the two conversions). */
_Static_assert(sizeof(((struct fuse_file_info *)0)->fh) >= sizeof(uintptr_t),
	       "fi->fh must hold a dir_handle's address");

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

void dir_close_all(struct fs *fs)
{
	while (fs->dirs)
		dir_close(fs, fs->dirs);
}

/*
 * Open directory @inode for reading; returns the fd or -errno.  A store
 * that refuses root (root-squashed NFS) may let only the caller read the
 * directory; the kernel has checked it may, so it is tried as the caller
 * then.  The stream is then the caller's for as long as it lasts.
 */
static int dir_open_fd(struct fs *fs, fuse_req_t req, struct inode *inode)
{
	int fd, err;

	fd = node_reopen(fs, inode, O_RDONLY | O_DIRECTORY);
	if (fd != -EACCES && fd != -EPERM)
		return fd;
	err = creds_become_caller(fs, req);
	if (!err)
		fd = node_reopen(fs, inode, O_RDONLY | O_DIRECTORY);
	creds_restore();
	return err ? err : fd;
}

/* Open a directory stream on @inode into @d; returns 0 or -errno. */
static int dir_open_stream(struct fs *fs, fuse_req_t req, struct inode *inode,
			   struct dir_handle *d)
{
	int fd = dir_open_fd(fs, req, inode);

	if (fd < 0)
		return fd;
	d->dp = fdopendir(fd);
	if (!d->dp) {
		int err = -errno;

		close(fd);
		return err;
	}
	return 0;
}

void fs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs *fs = fuse_req_userdata(req);
	struct dir_handle *d;
	int err;

	if (fs->no_opendir) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	err = -dir_open_stream(fs, req, node_inode(fs, ino), d);
	if (err)
		goto out_free_handle;
	fi->fh = (uint64_t)(uintptr_t)d;
	fi->keep_cache = fs->keep_cache;
	fi->cache_readdir = fs->keep_cache;
	/* Tracked before the reply: RELEASEDIR may follow it at once. */
	dir_track(fs, d);
	if (fuse_reply_open(req, fi) == -ENOENT)
		dir_close(fs, d); /* the opener was interrupted */
	return;

out_free_handle:
	free(d);
	fuse_reply_err(req, err);
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
	if (!entry_is_dot(d->d_name)) {
		int err = entry_lookup(fs, dir, d->d_name, &e);

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
		inode_forget(&fs->inodes, node_inode(fs, e.ino), 1);
	return need;
}

static int dir_fill(fuse_req_t req, struct inode *dir, struct dir_handle *d,
		    char *buf, size_t size, off_t off, dir_add_fn add,
		    size_t *len)
{
	struct fs *fs = fuse_req_userdata(req);

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
	struct fs *fs = fuse_req_userdata(req);
	size_t len;
	char *buf;
	int err;

	struct dir_handle own = { .dp = NULL };
	struct dir_handle *d = dir_of(fi);

	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/* No handle: the kernel opened the directory itself (see the top);
	 * this request gets a stream of its own, positioned at @off. */
	if (!d) {
		err = dir_open_stream(fs, req, node_inode(fs, ino), &own);
		if (err) {
			fuse_reply_err(req, -err);
			free(buf);
			return;
		}
		d = &own;
	}
	err = dir_fill(req, node_inode(fs, ino), d, buf, size, off, add, &len);
	if (own.dp)
		closedir(own.dp);
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
	if (dir_of(fi))
		dir_close(fuse_req_userdata(req), dir_of(fi));
	fuse_reply_err(req, 0);
}

void fs_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
		 struct fuse_file_info *fi)
{
	struct fs *fs = fuse_req_userdata(req);
	int fd, err = 0;

	/* Without a handle (see the top), a descriptor for this call. */
	fd = dir_of(fi) ? dirfd(dir_of(fi)->dp)
			: dir_open_fd(fs, req, node_inode(fs, ino));
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	if ((datasync ? fdatasync(fd) : fsync(fd)) < 0)
		err = errno;
	if (!dir_of(fi))
		close(fd);
	fuse_reply_err(req, err);
}
