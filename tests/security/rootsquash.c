// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rootsquash: a FUSE passthrough that behaves like an NFS export with
 * root_squash, the backing store the credentials test needs.
 *
 *   rootsquash BACKING MOUNTPOINT [FUSE options, e.g. -f -o allow_other]
 *
 * Like nfsd with AUTH_SYS, every request runs with the caller's fsuid,
 * fsgid and supplementary groups (switched per thread with raw syscalls),
 * and the backing filesystem decides what is allowed: no
 * default_permissions.  Like root_squash, uid 0 becomes 65534 and gid 0
 * becomes 65534 (in the supplementary groups too), with no capabilities:
 * root may only do what "nobody" may.  As on NFS, GETATTR and READLINK
 * need no permission: a path walk here stands in for a file handle.  A daemon
 * that does not act with the caller's credentials therefore fails here.
 *
 * Test helper only: it walks paths (relative to BACKING, its cwd) and
 * trusts its callers; never use it as a filesystem.  State: one global
 * fd, fine for a test helper.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#define SQUASH_ID 65534

/* BACKING, opened before libfuse changes the cwd to "/". */
static int backing_fd = -1;
#define MAX_GROUPS 64

/* The path below BACKING (our cwd once mounted) of a FUSE path. */
static const char *rel(const char *path)
{
	return path[1] ? path + 1 : ".";
}

/* Become the caller, squashed; false if that failed. */
static bool as_caller(void)
{
	struct fuse_context *ctx = fuse_get_context();
	gid_t groups[MAX_GROUPS];
	int n = fuse_getgroups(MAX_GROUPS, groups);
	uid_t uid = ctx->uid ? ctx->uid : SQUASH_ID;
	gid_t gid = ctx->gid ? ctx->gid : SQUASH_ID;

	if (n < 0 || n > MAX_GROUPS)
		n = 0;
	for (int i = 0; i < n; i++)
		if (groups[i] == 0)
			groups[i] = SQUASH_ID;
	if (syscall(SYS_setgroups, (size_t)n, groups) < 0)
		return false;
	syscall(SYS_setfsgid, gid);
	syscall(SYS_setfsuid, uid);
	return true;
}

static void as_self(void)
{
	syscall(SYS_setfsuid, 0);
	syscall(SYS_setfsgid, 0);
	syscall(SYS_setgroups, (size_t)0, NULL);
}

/* After a call made as the caller: 0 or -errno, and our own creds back. */
static int finish(bool failed)
{
	int err = failed ? -errno : 0;

	as_self();
	return err;
}

/* One system call made as the caller (skipped if switching failed). */
#define AS_CALLER(call) (as_caller() ? finish((call) < 0) : finish(true))

static void *rs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	/* Every path below is relative to the cwd: BACKING again. */
	if (fchdir(backing_fd) < 0)
		abort();
	cfg->use_ino = 1;
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	return NULL;
}

/* NFS GETATTR and READLINK name a file handle and check no permission
 * (nfsd: NFSD_MAY_NOP), so they are served whoever asks. */
static int rs_getattr(const char *path, struct stat *st,
		      struct fuse_file_info *fi)
{
	int ret = fi ? fstat((int)fi->fh, st)
		     : fstatat(AT_FDCWD, rel(path), st, AT_SYMLINK_NOFOLLOW);

	return ret < 0 ? -errno : 0;
}

static int rs_access(const char *path, int mask)
{
	return AS_CALLER(faccessat(AT_FDCWD, rel(path), mask, AT_EACCESS));
}

static int rs_readlink(const char *path, char *buf, size_t size)
{
	ssize_t n = readlink(rel(path), buf, size - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int rs_mknod(const char *path, mode_t mode, dev_t rdev)
{
	return AS_CALLER(mknod(rel(path), mode, rdev));
}

static int rs_mkdir(const char *path, mode_t mode)
{
	return AS_CALLER(mkdir(rel(path), mode));
}

static int rs_unlink(const char *path)
{
	return AS_CALLER(unlink(rel(path)));
}

static int rs_rmdir(const char *path)
{
	return AS_CALLER(rmdir(rel(path)));
}

static int rs_symlink(const char *target, const char *path)
{
	return AS_CALLER(symlink(target, rel(path)));
}

static int rs_rename(const char *from, const char *to, unsigned int flags)
{
	return AS_CALLER(
		renameat2(AT_FDCWD, rel(from), AT_FDCWD, rel(to), flags));
}

static int rs_link(const char *from, const char *to)
{
	return AS_CALLER(link(rel(from), rel(to)));
}

static int rs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	if (fi)
		return AS_CALLER(fchmod((int)fi->fh, mode));
	return AS_CALLER(chmod(rel(path), mode));
}

static int rs_chown(const char *path, uid_t uid, gid_t gid,
		    struct fuse_file_info *fi)
{
	if (fi)
		return AS_CALLER(fchown((int)fi->fh, uid, gid));
	return AS_CALLER(lchown(rel(path), uid, gid));
}

static int rs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	if (fi)
		return AS_CALLER(ftruncate((int)fi->fh, size));
	return AS_CALLER(truncate(rel(path), size));
}

static int rs_utimens(const char *path, const struct timespec tv[2],
		      struct fuse_file_info *fi)
{
	if (fi)
		return AS_CALLER(futimens((int)fi->fh, tv));
	return AS_CALLER(
		utimensat(AT_FDCWD, rel(path), tv, AT_SYMLINK_NOFOLLOW));
}

static int rs_open_flags(const char *path, struct fuse_file_info *fi, int flags,
			 mode_t mode)
{
	int fd = -1;
	int err = as_caller() ? 0 : -errno;

	if (!err) {
		fd = open(rel(path), flags, mode);
		if (fd < 0)
			err = -errno;
	}
	as_self();
	if (!err)
		fi->fh = (uint64_t)fd;
	return err;
}

static int rs_open(const char *path, struct fuse_file_info *fi)
{
	return rs_open_flags(path, fi, fi->flags, 0);
}

static int rs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	return rs_open_flags(path, fi, fi->flags | O_CREAT, mode);
}

static int rs_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	ssize_t n = pread((int)fi->fh, buf, size, off);

	(void)path;
	return n < 0 ? -errno : (int)n;
}

static int rs_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	ssize_t n = pwrite((int)fi->fh, buf, size, off);

	(void)path;
	return n < 0 ? -errno : (int)n;
}

static int rs_statfs(const char *path, struct statvfs *sv)
{
	return AS_CALLER(statvfs(rel(path), sv));
}

static int rs_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	close((int)fi->fh);
	return 0;
}

static int rs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path;
	if ((datasync ? fdatasync((int)fi->fh) : fsync((int)fi->fh)) < 0)
		return -errno;
	return 0;
}

static int rs_setxattr(const char *path, const char *name, const char *value,
		       size_t size, int flags)
{
	return AS_CALLER(lsetxattr(rel(path), name, value, size, flags));
}

static int rs_getxattr(const char *path, const char *name, char *value,
		       size_t size)
{
	ssize_t n = -1;
	int err = as_caller() ? 0 : -errno;

	if (!err) {
		n = lgetxattr(rel(path), name, value, size);
		if (n < 0)
			err = -errno;
	}
	as_self();
	return err ? err : (int)n;
}

static int rs_listxattr(const char *path, char *list, size_t size)
{
	ssize_t n = -1;
	int err = as_caller() ? 0 : -errno;

	if (!err) {
		n = llistxattr(rel(path), list, size);
		if (n < 0)
			err = -errno;
	}
	as_self();
	return err ? err : (int)n;
}

static int rs_removexattr(const char *path, const char *name)
{
	return AS_CALLER(lremovexattr(rel(path), name));
}

static int rs_opendir(const char *path, struct fuse_file_info *fi)
{
	DIR *d = NULL;
	int err = as_caller() ? 0 : -errno;

	if (!err) {
		d = opendir(rel(path));
		if (!d)
			err = -errno;
	}
	as_self();
	if (!err)
		fi->fh = (uint64_t)(uintptr_t)d;
	return err;
}

static int rs_readdir(const char *path, void *buf, fuse_fill_dir_t fill,
		      off_t off, struct fuse_file_info *fi,
		      enum fuse_readdir_flags flags)
{
	DIR *d = (DIR *)(uintptr_t)fi->fh;
	struct dirent *e;

	(void)path;
	(void)flags;
	seekdir(d, off);
	while ((e = readdir(d))) {
		struct stat st = {
			.st_ino = e->d_ino,
			.st_mode = (mode_t)DTTOIF(e->d_type),
		};

		if (fill(buf, e->d_name, &st, telldir(d), 0))
			break;
	}
	return 0;
}

static int rs_releasedir(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	closedir((DIR *)(uintptr_t)fi->fh);
	return 0;
}

static const struct fuse_operations rs_ops = {
	.init = rs_init,
	.getattr = rs_getattr,
	.access = rs_access,
	.readlink = rs_readlink,
	.mknod = rs_mknod,
	.mkdir = rs_mkdir,
	.unlink = rs_unlink,
	.rmdir = rs_rmdir,
	.symlink = rs_symlink,
	.rename = rs_rename,
	.link = rs_link,
	.chmod = rs_chmod,
	.chown = rs_chown,
	.truncate = rs_truncate,
	.utimens = rs_utimens,
	.open = rs_open,
	.create = rs_create,
	.read = rs_read,
	.write = rs_write,
	.statfs = rs_statfs,
	.release = rs_release,
	.fsync = rs_fsync,
	.setxattr = rs_setxattr,
	.getxattr = rs_getxattr,
	.listxattr = rs_listxattr,
	.removexattr = rs_removexattr,
	.opendir = rs_opendir,
	.readdir = rs_readdir,
	.releasedir = rs_releasedir,
};

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr,
			"usage: rootsquash BACKING MOUNTPOINT [opts]\n");
		return 1;
	}
	backing_fd = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (backing_fd < 0) {
		perror(argv[1]);
		return 1;
	}
	/* The kernel applied the caller's umask already. */
	umask(0);
	argv[1] = argv[0];
	return fuse_main(argc - 1, argv + 1, &rs_ops, NULL);
}
