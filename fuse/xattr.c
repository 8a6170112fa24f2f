// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Extended attributes.  The backing inode is named by /proc/self/fd/N, the
 * magic link of its O_PATH fd (the *xattrat() syscalls of Linux 6.13 refuse
 * O_PATH fds with an empty path).  A symlink cannot be named that way (its
 * magic link would be followed to the target), so a symlink is named as
 * /proc/self/fd/P/NAME, P being an O_PATH fd of its parent found below
 * SOURCE and checked to hold that very inode, and the l*xattr() calls act
 * on the link itself.
 *
 * ENOSYS is never passed on: the kernel would take it to mean the daemon
 * has no such operation and stop sending it for the whole mount.
 *
 * POSIX ACLs and file capabilities carry ids in their values; they are
 * translated here, at the boundary, by mapper/xattr_ids.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "caller.h"
#include "creds.h"
#include "entry.h"
#include "fs.h"
#include "fs_ops.h"
#include "node.h"
#include "xattr_ids.h"

/* The kernel's XATTR_SIZE_MAX and XATTR_LIST_MAX. */
#define XATTR_VALUE_MAX 65536
#define XATTR_NAMES_MAX 65536

/* Where the xattrs of one backing inode are reached. */
struct xattr_target {
	char path[PATH_MAX];
	bool link;     /* use the l*xattr() calls: @path names a symlink */
	int parent_fd; /* held open while @path is used, or -1 */
	struct inode_table *table; /* of @inode, whose fd is borrowed */
	struct inode *inode;
};

/* The absolute path the kernel has for @fd now (d_path of its dentry). */
static int xattr_fd_path(const struct fs *fs, int fd, char *buf, size_t size)
{
	char name[NODE_PROC_NAME_LEN];
	ssize_t n;

	node_proc_name(fd, name);
	n = readlinkat(fs->proc_fd, name, buf, size);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

/*
 * Open the directory @rel (a path below SOURCE as the kernel spells it:
 * no "." or "..", no empty component) one component at a time, each with
 * O_NOFOLLOW, so that no symlink is followed and SOURCE is never left.
 */
static int xattr_walk_below_root(const struct fs *fs, char *rel)
{
	int dir = fs->root.fd, next;
	char *comp, *save = NULL;

	for (comp = strtok_r(rel, "/", &save); comp;
	     comp = strtok_r(NULL, "/", &save)) {
		int err = 0;

		next = -1;
		if (entry_is_dot(comp))
			err = -ENOENT;
		else
			next = openat(dir, comp,
				      O_PATH | O_DIRECTORY | O_NOFOLLOW |
					      O_CLOEXEC);
		if (next < 0 && !err)
			err = -errno;
		if (dir != fs->root.fd)
			close(dir);
		if (err)
			return err;
		dir = next;
	}
	if (dir != fs->root.fd)
		return dir;
	/* The root's fd is the fs's own (never cached, inode.h): the caller
	 * gets a copy to close. */
	dir = fcntl(dir, F_DUPFD_CLOEXEC, 0);
	return dir < 0 ? -errno : dir;
}

/*
 * Open the parent of symlink @inode below SOURCE and check that @name in
 * it is @inode itself (the path was read from the kernel a moment ago and
 * may have changed since).  The check and the l*xattr() call by name that
 * follows are not one step: a rename in that directory between them can
 * put another symlink under @name.  The call then acts on that one, still
 * inside SOURCE, still as the caller and never through a link (a known
 * limit: no system call takes a symlink's xattrs through an O_PATH fd of
 * it, see the top of this file).
 */
static int xattr_open_link_parent(const struct fs *fs,
				  const struct inode *inode, int inode_fd,
				  char *name, size_t size, int *parent_fd)
{
	char root[PATH_MAX], link[PATH_MAX];
	char *rel, *slash;
	size_t rootlen;
	struct stat st;
	int fd, err;

	err = xattr_fd_path(fs, fs->root.fd, root, sizeof(root));
	if (!err)
		err = xattr_fd_path(fs, inode_fd, link, sizeof(link));
	if (err)
		return err;
	rootlen = strcmp(root, "/") == 0 ? 0 : strlen(root);
	if (strncmp(link, root, rootlen) != 0 || link[rootlen] != '/')
		return -ENOENT; /* unlinked, or moved out of SOURCE */
	rel = link + rootlen + 1;
	slash = strrchr(rel, '/');
	if (snprintf(name, size, "%s", slash ? slash + 1 : rel) >= (int)size)
		return -ENAMETOOLONG;
	if (slash)
		*slash = '\0';
	else
		rel[0] = '\0';
	fd = xattr_walk_below_root(fs, rel);
	if (fd < 0)
		return fd;
	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_dev != inode->dev || st.st_ino != inode->ino) {
		close(fd);
		return -ENOENT;
	}
	*parent_fd = fd;
	return 0;
}

static void xattr_target_close(struct xattr_target *t);

/* On success the target holds a borrow of @inode's fd until
 * xattr_target_close(). */
static int xattr_target_open(struct fs *fs, struct inode *inode,
			     struct xattr_target *t)
{
	char fd_name[NODE_PROC_NAME_LEN], name[NAME_MAX + 1];
	int fd, err;

	t->parent_fd = -1;
	t->link = S_ISLNK(inode->type);
	fd = inode_fd_get(&fs->inodes, inode);
	if (fd < 0)
		return fd;
	t->table = &fs->inodes;
	t->inode = inode;
	if (!t->link) {
		node_proc_name(fd, fd_name);
		snprintf(t->path, sizeof(t->path), "/proc/%s", fd_name);
		return 0;
	}
	err = xattr_open_link_parent(fs, inode, fd, name, sizeof(name),
				     &t->parent_fd);
	if (err) {
		xattr_target_close(t);
		return err;
	}
	node_proc_name(t->parent_fd, fd_name);
	snprintf(t->path, sizeof(t->path), "/proc/%s/%s", fd_name, name);
	return 0;
}

static void xattr_target_close(struct xattr_target *t)
{
	if (t->parent_fd >= 0)
		close(t->parent_fd);
	inode_fd_put(t->table, t->inode);
}

static ssize_t xattr_get_raw(struct fs *fs, struct inode *inode,
			     const char *name, void *buf, size_t size)
{
	struct xattr_target t;
	ssize_t n;
	int err;

	err = xattr_target_open(fs, inode, &t);
	if (err)
		return err;
	n = t.link ? lgetxattr(t.path, name, buf, size)
		   : getxattr(t.path, name, buf, size);
	if (n < 0)
		n = -errno;
	xattr_target_close(&t);
	return n;
}

static int xattr_set_raw(struct fs *fs, struct inode *inode, const char *name,
			 const void *value, size_t size, int flags)
{
	struct xattr_target t;
	int err;

	err = xattr_target_open(fs, inode, &t);
	if (err)
		return err;
	if ((t.link ? lsetxattr(t.path, name, value, size, flags)
		    : setxattr(t.path, name, value, size, flags)) < 0)
		err = -errno;
	xattr_target_close(&t);
	return err;
}

static ssize_t xattr_list_raw(struct fs *fs, struct inode *inode, char *buf,
			      size_t size)
{
	struct xattr_target t;
	ssize_t n;
	int err;

	err = xattr_target_open(fs, inode, &t);
	if (err)
		return err;
	n = t.link ? llistxattr(t.path, buf, size)
		   : listxattr(t.path, buf, size);
	if (n < 0)
		n = -errno;
	xattr_target_close(&t);
	return n;
}

static int xattr_remove_raw(struct fs *fs, struct inode *inode,
			    const char *name)
{
	struct xattr_target t;
	int err;

	err = xattr_target_open(fs, inode, &t);
	if (err)
		return err;
	if ((t.link ? lremovexattr(t.path, name) : removexattr(t.path, name)) <
	    0)
		err = -errno;
	xattr_target_close(&t);
	return err;
}

/* Reply with error @err (positive), never ENOSYS (see the top). */
static void xattr_reply_err(fuse_req_t req, int err)
{
	fuse_reply_err(req, err == ENOSYS ? EOPNOTSUPP : err);
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

/*
 * What a read of a value whose ids need translating asks the backing store
 * for at least (the request's size when larger; the kernel asks for ACLs
 * with a page): room for any capability and for an ACL of some 30 entries.
 * The backing kernel allocates and zeroes as much as it is asked for, so
 * asking for XATTR_VALUE_MAX every time (most of these reads find nothing)
 * cost a 64 KiB allocation per request; only a larger value that a size
 * query (size 0) asks about pays a second read.
 */
#define XATTR_FIRST_TRY 256

/* Read a value whose ids need translating into @buf (@bufsize bytes): always
 * in full, since a v2 capability grows when shown as v3. */
static ssize_t xattr_get_translated(struct fs *fs, struct inode *inode,
				    const char *name, enum xattr_ids_kind kind,
				    char *buf, size_t bufsize)
{
	ssize_t n = xattr_get_raw(fs, inode, name, buf, bufsize);

	if (n < 0)
		return n;
	if (kind == XATTR_IDS_ACL) {
		int err = xattr_ids_acl_up(buf, (size_t)n, &fs->uids, &fs->gids,
					   fs->overflow_uid, fs->overflow_gid);

		return err ? err : n;
	}
	return xattr_ids_cap_up(buf, (size_t)n, bufsize, &fs->uids);
}

/*
 * Read the value of @name as the mount shows it into a buffer of at least
 * @size bytes, which *@bufp gets (the caller frees it, also on error).
 * Returns the value's length or -errno.
 */
static ssize_t xattr_get_shown(struct fs *fs, struct inode *inode,
			       const char *name, size_t size, char **bufp)
{
	enum xattr_ids_kind kind = xattr_ids_kind(name);
	size_t len = size;
	ssize_t n;

	if (kind != XATTR_IDS_NONE && len < XATTR_FIRST_TRY)
		len = XATTR_FIRST_TRY;
	*bufp = malloc(len ? len : 1);
	if (!*bufp)
		return -ENOMEM;
	if (kind == XATTR_IDS_NONE)
		return xattr_get_raw(fs, inode, name, *bufp, size);
	n = xattr_get_translated(fs, inode, name, kind, *bufp, len);
	if (n != -ERANGE || len >= XATTR_VALUE_MAX)
		return n;
	/* Larger than the first try: read it in full. */
	free(*bufp);
	*bufp = malloc(XATTR_VALUE_MAX);
	if (!*bufp)
		return -ENOMEM;
	return xattr_get_translated(fs, inode, name, kind, *bufp,
				    XATTR_VALUE_MAX);
}

void fs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct fs *fs = fuse_req_userdata(req);
	struct inode *inode = node_inode(fs, ino);
	char *buf = NULL;
	ssize_t n;

	if (xattr_ids_kind(name) == XATTR_IDS_NONE && size == 0) {
		n = xattr_get_raw(fs, inode, name, NULL, 0);
		if (n < 0)
			xattr_reply_err(req, (int)-n);
		else
			fuse_reply_xattr(req, (size_t)n);
		return;
	}
	n = xattr_get_shown(fs, inode, name, size, &buf);
	if (n < 0)
		xattr_reply_err(req, (int)-n);
	else
		xattr_reply(req, buf, (size_t)n, size);
	free(buf);
}

/*
 * Translate a value a caller writes, in @buf (room for a v3 capability);
 * returns its new size or -errno, never leaving a half-translated value to
 * store.  An id outside the map is EINVAL, as the kernel's ID-mapped mount
 * answers (posix_acl_from_xattr(), cap_convert_nscap()), not EOVERFLOW.
 */
static int xattr_translate_down(const struct fs *fs, enum xattr_ids_kind kind,
				char *buf, size_t size)
{
	int ret;

	if (kind == XATTR_IDS_ACL) {
		ret = xattr_ids_acl_down(buf, size, &fs->uids, &fs->gids);
		if (!ret)
			ret = (int)size;
	} else {
		ret = xattr_ids_cap_down(buf, size, XATTR_IDS_CAP_V3_SIZE,
					 &fs->uids);
	}
	return ret == -EOVERFLOW ? -EINVAL : ret;
}

void fs_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		 const char *value, size_t size, int flags)
{
	struct fs *fs = fuse_req_userdata(req);
	enum xattr_ids_kind kind = xattr_ids_kind(name);
	char *copy = NULL;
	int len, err = 0;

	if (kind != XATTR_IDS_NONE) {
		copy = malloc(size > XATTR_IDS_CAP_V3_SIZE
				      ? size
				      : XATTR_IDS_CAP_V3_SIZE);
		if (!copy) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		memcpy(copy, value, size);
		len = xattr_translate_down(fs, kind, copy, size);
		if (len < 0) {
			err = len;
			goto out_free_copy;
		}
		value = copy;
		size = (size_t)len;
	}
	err = creds_become_caller(fs, req);
	if (!err)
		err = xattr_set_raw(fs, node_inode(fs, ino), name, value, size,
				    flags);
	creds_restore();
out_free_copy:
	free(copy);
	xattr_reply_err(req, -err);
}

void fs_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct fs *fs = fuse_req_userdata(req);
	int err;

	err = creds_become_caller(fs, req);
	if (!err)
		err = xattr_remove_raw(fs, node_inode(fs, ino), name);
	creds_restore();
	xattr_reply_err(req, -err);
}

/*
 * trusted.* names are listed only to a caller with CAP_SYS_ADMIN in the
 * initial user namespace, as ext4 and tmpfs list them; a pod never has it.
 * The check reads the caller's /proc entry, so it is paid only when a
 * trusted.* name exists.
 */
static bool xattr_caller_is_admin(fuse_req_t req)
{
	struct caller c;

	caller_read(fuse_req_ctx(req)->pid, &c);
	return c.init_ns && caller_has_cap(&c, CALLER_CAP_SYS_ADMIN);
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
	struct fs *fs = fuse_req_userdata(req);
	ssize_t n;
	char *buf;

	/* Always list in full: the size after filtering is the answer
	 * even when only the size is asked for. */
	buf = malloc(XATTR_NAMES_MAX);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	n = xattr_list_raw(fs, node_inode(fs, ino), buf, XATTR_NAMES_MAX);
	if (n < 0)
		xattr_reply_err(req, (int)-n);
	else
		xattr_reply(req, buf, xattr_filter_list(req, buf, (size_t)n),
			    size);
	free(buf);
}
