// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Extended attributes.  The backing inode is named by /proc/self/fd/N, the
 * magic link of its O_PATH fd (the *xattrat() syscalls of Linux 6.13 refuse
 * O_PATH fds with an empty path).  A symlink cannot be reached that way
 * (its magic link would be followed), so symlinks show no xattrs and refuse
 * new ones, as ext4 refuses user.* xattrs on them.
 *
 * POSIX ACLs and file capabilities carry ids in their values; they are
 * translated here, at the boundary, by mapper/xattr_ids.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "creds.h"
#include "fs.h"
#include "xattr_ids.h"

/* The kernel's XATTR_SIZE_MAX and XATTR_LIST_MAX. */
#define XATTR_VALUE_MAX 65536
#define XATTR_NAMES_MAX 65536

static void xattr_path(const struct inode *inode, char *path, size_t len)
{
	char name[FS_FD_NAME_LEN];

	fs_fd_name(inode->fd, name);
	snprintf(path, len, "/proc/%s", name);
}

static ssize_t xattr_get_raw(const struct inode *inode, const char *name,
			     void *buf, size_t size)
{
	char path[FS_FD_NAME_LEN + 8];
	ssize_t n;

	if (S_ISLNK(inode->type))
		return -ENODATA;
	xattr_path(inode, path, sizeof(path));
	n = getxattr(path, name, buf, size);
	return n < 0 ? -errno : n;
}

static int xattr_set_raw(const struct inode *inode, const char *name,
			 const void *value, size_t size, int flags)
{
	char path[FS_FD_NAME_LEN + 8];

	if (S_ISLNK(inode->type))
		return -EPERM;
	xattr_path(inode, path, sizeof(path));
	return setxattr(path, name, value, size, flags) < 0 ? -errno : 0;
}

static ssize_t xattr_list_raw(const struct inode *inode, char *buf, size_t size)
{
	char path[FS_FD_NAME_LEN + 8];
	ssize_t n;

	if (S_ISLNK(inode->type))
		return 0;
	xattr_path(inode, path, sizeof(path));
	n = listxattr(path, buf, size);
	return n < 0 ? -errno : n;
}

static int xattr_remove_raw(const struct inode *inode, const char *name)
{
	char path[FS_FD_NAME_LEN + 8];

	if (S_ISLNK(inode->type))
		return -EPERM;
	xattr_path(inode, path, sizeof(path));
	return removexattr(path, name) < 0 ? -errno : 0;
}

/* Reply to a get/list request: the size alone when @size is 0. */
static void xattr_reply(fuse_req_t req, const void *buf, size_t len,
			size_t size)
{
	if (size == 0)
		fuse_reply_xattr(req, len);
	else if (len > size)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, buf, len);
}

/* Read a value whose ids need translating: always in full, since a v2
 * capability grows when shown as v3. */
static ssize_t xattr_get_translated(const struct fs *fs,
				    const struct inode *inode, const char *name,
				    enum xattr_ids_kind kind, char *buf)
{
	ssize_t n = xattr_get_raw(inode, name, buf, XATTR_VALUE_MAX);

	if (n < 0)
		return n;
	if (kind == XATTR_IDS_ACL) {
		int err = xattr_ids_acl_up(buf, (size_t)n, &fs->uids, &fs->gids,
					   fs->overflow_uid, fs->overflow_gid);

		return err ? err : n;
	}
	return xattr_ids_cap_up(buf, (size_t)n, XATTR_VALUE_MAX, &fs->uids);
}

void fs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct fs *fs = fs_of(req);
	struct inode *inode = fs_inode(fs, ino);
	enum xattr_ids_kind kind = xattr_ids_kind(name);
	ssize_t n;
	char *buf;

	if (kind == XATTR_IDS_NONE && size == 0) {
		n = xattr_get_raw(inode, name, NULL, 0);
		if (n < 0)
			fuse_reply_err(req, (int)-n);
		else
			fuse_reply_xattr(req, (size_t)n);
		return;
	}
	buf = malloc(XATTR_VALUE_MAX);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (kind == XATTR_IDS_NONE)
		n = xattr_get_raw(inode, name, buf, size);
	else
		n = xattr_get_translated(fs, inode, name, kind, buf);
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		xattr_reply(req, buf, (size_t)n, size);
	free(buf);
}

/* Translate a value a caller writes; returns its (unchanged) size or
 * -errno, never leaving a half-translated value to store. */
static int xattr_translate_down(const struct fs *fs, enum xattr_ids_kind kind,
				char *buf, size_t size)
{
	int err;

	if (kind == XATTR_IDS_ACL) {
		err = xattr_ids_acl_down(buf, size, &fs->uids, &fs->gids);
		return err ? err : (int)size;
	}
	err = xattr_ids_cap_down(buf, size, &fs->uids);
	/* A root id outside the map is EINVAL for the kernel's ID-mapped
	 * mount (cap_convert_nscap()), not EOVERFLOW. */
	return err == -EOVERFLOW ? -EINVAL : err;
}

void fs_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		 const char *value, size_t size, int flags)
{
	struct fs *fs = fs_of(req);
	enum xattr_ids_kind kind = xattr_ids_kind(name);
	char *copy = NULL;
	int err = 0;

	if (kind != XATTR_IDS_NONE) {
		copy = malloc(size ? size : 1);
		if (!copy) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		memcpy(copy, value, size);
		err = xattr_translate_down(fs, kind, copy, size);
		if (err < 0)
			goto out_reply;
		value = copy;
		err = 0;
	}
	err = creds_become_caller(fs, req);
	if (!err)
		err = xattr_set_raw(fs_inode(fs, ino), name, value, size,
				    flags);
	creds_restore();
out_reply:
	free(copy);
	fuse_reply_err(req, -err);
}

void fs_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct fs *fs = fs_of(req);
	int err;

	err = creds_become_caller(fs, req);
	if (!err)
		err = xattr_remove_raw(fs_inode(fs, ino), name);
	creds_restore();
	fuse_reply_err(req, -err);
}

/*
 * trusted.* names are listed only to a caller with CAP_SYS_ADMIN in the
 * initial user namespace, as ext4 and tmpfs list them; a pod never has it.
 * The check reads the caller's /proc entry, so it is paid only when a
 * trusted.* name exists.
 */
static bool xattr_caller_is_admin(fuse_req_t req)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	char path[64], line[256];
	struct stat self, caller;
	bool admin = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)ctx->pid);
	if (stat("/proc/self/ns/user", &self) < 0 || stat(path, &caller) < 0 ||
	    self.st_ino != caller.st_ino || self.st_dev != caller.st_dev)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)ctx->pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long caps;

		if (sscanf(line, "CapEff: %llx", &caps) == 1) {
			admin = caps & (1ULL << 21); /* CAP_SYS_ADMIN */
			break;
		}
	}
	fclose(f);
	return admin;
}

/* Drop trusted.* names from a list the caller may not see; returns the
 * new length. */
static size_t xattr_filter_list(fuse_req_t req, char *list, size_t len)
{
	size_t out = 0;
	int admin = -1;

	for (size_t i = 0; i < len;) {
		size_t n = strnlen(list + i, len - i) + 1;

		if (strncmp(list + i, "trusted.", 8) == 0) {
			if (admin < 0)
				admin = xattr_caller_is_admin(req);
			if (!admin) {
				i += n;
				continue;
			}
		}
		memmove(list + out, list + i, n);
		out += n;
		i += n;
	}
	return out;
}

void fs_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct fs *fs = fs_of(req);
	ssize_t n;
	char *buf;

	/* Always list in full: the size after filtering is the answer
	 * even when only the size is asked for. */
	buf = malloc(XATTR_NAMES_MAX);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	n = xattr_list_raw(fs_inode(fs, ino), buf, XATTR_NAMES_MAX);
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		xattr_reply(req, buf, xattr_filter_list(req, buf, (size_t)n),
			    size);
	free(buf);
}
