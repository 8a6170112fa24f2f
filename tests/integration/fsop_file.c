// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fsop ops on names, data and attributes.  Every op works on paths
 * relative to the current directory, never follows a symlink unless its
 * namesake system call does, and keeps no file descriptor between ops.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fsop.h"

#define FSOP_READ_MAX 4096
#define FSOP_MAX_GROUPS 64

int fsop_parse_num(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return FSOP_BADARG;
	*out = v;
	return 0;
}

int fsop_parse_mode(const char *s, mode_t *mode)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno || end == s || *end || v > 07777)
		return FSOP_BADARG;
	*mode = (mode_t)v;
	return 0;
}

static const char *type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "reg";
	case S_IFDIR:
		return "dir";
	case S_IFLNK:
		return "lnk";
	case S_IFIFO:
		return "fifo";
	case S_IFCHR:
		return "chr";
	case S_IFBLK:
		return "blk";
	case S_IFSOCK:
		return "sock";
	}
	return "unknown";
}

/* Sizes of directories differ between file systems, so only these. */
void fsop_put_stat(FILE *out, const struct stat *st)
{
	fprintf(out, "%s %04o uid=%u gid=%u nlink=%lu", type_name(st->st_mode),
		(unsigned int)(st->st_mode & 07777), (unsigned int)st->st_uid,
		(unsigned int)st->st_gid, (unsigned long)st->st_nlink);
	if (S_ISREG(st->st_mode) || S_ISLNK(st->st_mode))
		fprintf(out, " size=%lld", (long long)st->st_size);
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		fprintf(out, " rdev=%u:%u", major(st->st_rdev),
			minor(st->st_rdev));
}

void fsop_put_quoted(FILE *out, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
			fputc(p[i], out);
		else
			fprintf(out, "\\x%02x", p[i]);
	}
	fputc('"', out);
}

/* DATA arguments: "\n", "\s" (blank), "\\" and "\xNN" escapes. */
static int unescape(const char *s, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;

	for (; *s; s++) {
		char c = *s;

		if (c == '\\') {
			s++;
			if (*s == 'n')
				c = '\n';
			else if (*s == 's')
				c = ' ';
			else if (*s == '\\')
				c = '\\';
			else if (*s == 'x' && s[1] && s[2]) {
				char hex[3] = { s[1], s[2], '\0' };
				char *end;

				c = (char)strtoul(hex, &end, 16);
				if (*end)
					return FSOP_BADARG;
				s += 2;
			} else {
				return FSOP_BADARG;
			}
		}
		if (n == cap)
			return FSOP_BADARG;
		buf[n++] = c;
	}
	*len = n;
	return 0;
}

static int do_stat(char **a, int flags, FILE *out)
{
	struct stat st;

	if (fstatat(AT_FDCWD, a[0], &st, flags) < 0)
		return -errno;
	fsop_put_stat(out, &st);
	return 0;
}

static int op_stat(char **a, int n, FILE *out)
{
	(void)n;
	return do_stat(a, 0, out);
}

static int op_lstat(char **a, int n, FILE *out)
{
	(void)n;
	return do_stat(a, AT_SYMLINK_NOFOLLOW, out);
}

static int parse_open_flags(const char *s, int *flags)
{
	static const struct {
		const char *name;
		int flags;
	} names[] = {
		{ "r", O_RDONLY },	    { "w", O_WRONLY },
		{ "rw", O_RDWR },	    { "a", O_WRONLY | O_APPEND },
		{ "creat", O_CREAT },	    { "excl", O_EXCL },
		{ "trunc", O_TRUNC },	    { "dir", O_DIRECTORY },
		{ "nofollow", O_NOFOLLOW }, { "path", O_PATH },
		{ "noatime", O_NOATIME },
	};
	char copy[128], *save = NULL, *tok;

	if (strlen(s) >= sizeof(copy))
		return FSOP_BADARG;
	strcpy(copy, s);
	*flags = O_CLOEXEC;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(*names); i++)
			if (!strcmp(tok, names[i].name))
				break;
		if (i == sizeof(names) / sizeof(*names))
			return FSOP_BADARG;
		*flags |= names[i].flags;
	}
	return 0;
}

/* Open and close at once: the result of interest is open()'s. */
static int op_open(char **a, int n, FILE *out)
{
	mode_t mode = 0;
	int flags, fd;

	(void)out;
	if (parse_open_flags(a[1], &flags) ||
	    (n > 2 && fsop_parse_mode(a[2], &mode)))
		return FSOP_BADARG;
	fd = open(a[0], flags, mode);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int op_create(char **a, int n, FILE *out)
{
	mode_t mode;
	int fd;

	(void)n;
	(void)out;
	if (fsop_parse_mode(a[1], &mode))
		return FSOP_BADARG;
	fd = open(a[0], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int do_write(char **a, int flags, FILE *out)
{
	char buf[FSOP_READ_MAX];
	size_t len;
	ssize_t w;
	int fd, ret = 0;

	if (unescape(a[1], buf, sizeof(buf), &len))
		return FSOP_BADARG;
	fd = open(a[0], flags | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	w = write(fd, buf, len);
	if (w < 0)
		ret = -errno;
	else
		fprintf(out, "%zd", w);
	close(fd);
	return ret;
}

static int op_write(char **a, int n, FILE *out)
{
	(void)n;
	return do_write(a, O_WRONLY, out);
}

static int op_append(char **a, int n, FILE *out)
{
	(void)n;
	return do_write(a, O_WRONLY | O_APPEND, out);
}

static int op_read(char **a, int n, FILE *out)
{
	char buf[FSOP_READ_MAX];
	ssize_t r;
	int fd, ret = 0;

	(void)n;
	fd = open(a[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read(fd, buf, sizeof(buf));
	if (r < 0) {
		ret = -errno;
	} else {
		fprintf(out, "%zd ", r);
		fsop_put_quoted(out, buf, (size_t)r);
	}
	close(fd);
	return ret;
}

static int op_mkdir(char **a, int n, FILE *out)
{
	mode_t mode;

	(void)n;
	(void)out;
	if (fsop_parse_mode(a[1], &mode))
		return FSOP_BADARG;
	return mkdir(a[0], mode) < 0 ? -errno : 0;
}

static int op_mknod_fifo(char **a, int n, FILE *out)
{
	mode_t mode;

	(void)n;
	(void)out;
	if (fsop_parse_mode(a[1], &mode))
		return FSOP_BADARG;
	return mknod(a[0], S_IFIFO | mode, 0) < 0 ? -errno : 0;
}

static int op_mknod_chr(char **a, int n, FILE *out)
{
	long long maj, min;
	mode_t mode;

	(void)n;
	(void)out;
	if (fsop_parse_mode(a[1], &mode) ||
	    fsop_parse_num(a[2], 0, 4095, &maj) ||
	    fsop_parse_num(a[3], 0, 1048575, &min))
		return FSOP_BADARG;
	return mknod(a[0], S_IFCHR | mode,
		     makedev((unsigned int)maj, (unsigned int)min)) < 0
		       ? -errno
		       : 0;
}

static int op_symlink(char **a, int n, FILE *out)
{
	(void)n;
	(void)out;
	return symlink(a[0], a[1]) < 0 ? -errno : 0;
}

static int op_readlink(char **a, int n, FILE *out)
{
	char buf[PATH_MAX];
	ssize_t r;

	(void)n;
	r = readlink(a[0], buf, sizeof(buf));
	if (r < 0)
		return -errno;
	fsop_put_quoted(out, buf, (size_t)r);
	return 0;
}

static int op_link(char **a, int n, FILE *out)
{
	(void)n;
	(void)out;
	return link(a[0], a[1]) < 0 ? -errno : 0;
}

static int op_unlink(char **a, int n, FILE *out)
{
	(void)n;
	(void)out;
	return unlink(a[0]) < 0 ? -errno : 0;
}

static int op_rmdir(char **a, int n, FILE *out)
{
	(void)n;
	(void)out;
	return rmdir(a[0]) < 0 ? -errno : 0;
}

static int op_rename(char **a, int n, FILE *out)
{
	unsigned int flags = 0;

	(void)out;
	if (n == 3 && !strcmp(a[2], "noreplace"))
		flags = RENAME_NOREPLACE;
	else if (n == 3 && !strcmp(a[2], "exchange"))
		flags = RENAME_EXCHANGE;
	else if (n == 3)
		return FSOP_BADARG;
	return syscall(SYS_renameat2, AT_FDCWD, a[0], AT_FDCWD, a[1], flags) < 0
		       ? -errno
		       : 0;
}

static int op_chmod(char **a, int n, FILE *out)
{
	mode_t mode;

	(void)n;
	(void)out;
	if (fsop_parse_mode(a[1], &mode))
		return FSOP_BADARG;
	return chmod(a[0], mode) < 0 ? -errno : 0;
}

/* Ids are decimal; -1 leaves that id unchanged, as for chown(2). */
static int do_chown(char **a, int flags)
{
	long long uid, gid;

	if (fsop_parse_num(a[1], -1, UINT32_MAX, &uid) ||
	    fsop_parse_num(a[2], -1, UINT32_MAX, &gid))
		return FSOP_BADARG;
	return fchownat(AT_FDCWD, a[0], (uid_t)uid, (gid_t)gid, flags) < 0
		       ? -errno
		       : 0;
}

static int op_chown(char **a, int n, FILE *out)
{
	(void)n;
	(void)out;
	return do_chown(a, 0);
}

static int op_lchown(char **a, int n, FILE *out)
{
	(void)n;
	(void)out;
	return do_chown(a, AT_SYMLINK_NOFOLLOW);
}

static int op_truncate(char **a, int n, FILE *out)
{
	long long size;

	(void)n;
	(void)out;
	if (fsop_parse_num(a[1], 0, 1LL << 40, &size))
		return FSOP_BADARG;
	return truncate(a[0], (off_t)size) < 0 ? -errno : 0;
}

/* "now", "omit" or SECONDS[.NANOSECONDS]. */
static int parse_time(const char *s, struct timespec *ts)
{
	long long sec, nsec = 0;
	char copy[64], *dot;

	if (!strcmp(s, "now")) {
		ts->tv_sec = 0;
		ts->tv_nsec = UTIME_NOW;
		return 0;
	}
	if (!strcmp(s, "omit")) {
		ts->tv_sec = 0;
		ts->tv_nsec = UTIME_OMIT;
		return 0;
	}
	if (strlen(s) >= sizeof(copy))
		return FSOP_BADARG;
	strcpy(copy, s);
	dot = strchr(copy, '.');
	if (dot)
		*dot++ = '\0';
	/* A decimal fraction: "1.5" is 1 s 500000000 ns. */
	if (fsop_parse_num(copy, 0, 1LL << 40, &sec) ||
	    (dot &&
	     (strlen(dot) > 9 || fsop_parse_num(dot, 0, 999999999, &nsec))))
		return FSOP_BADARG;
	for (size_t digits = dot ? strlen(dot) : 9; digits < 9; digits++)
		nsec *= 10;
	ts->tv_sec = (time_t)sec;
	ts->tv_nsec = (long)nsec;
	return 0;
}

static int do_utimens(char **a, int flags)
{
	struct timespec ts[2];

	if (parse_time(a[1], &ts[0]) || parse_time(a[2], &ts[1]))
		return FSOP_BADARG;
	return utimensat(AT_FDCWD, a[0], ts, flags) < 0 ? -errno : 0;
}

static int op_utimens(char **a, int n, FILE *out)
{
	(void)n;
	(void)out;
	return do_utimens(a, 0);
}

static int op_lutimens(char **a, int n, FILE *out)
{
	(void)n;
	(void)out;
	return do_utimens(a, AT_SYMLINK_NOFOLLOW);
}

/* Only meaningful after utimens with explicit numbers. */
static int op_times(char **a, int n, FILE *out)
{
	struct stat st;

	(void)n;
	if (lstat(a[0], &st) < 0)
		return -errno;
	fprintf(out, "atime=%lld.%09ld mtime=%lld.%09ld",
		(long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
		(long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	return 0;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int op_readdir(char **a, int n, FILE *out)
{
	char **names = NULL;
	size_t nr = 0;
	struct dirent *d;
	DIR *dir;
	int ret = 0;

	(void)n;
	dir = opendir(a[0]);
	if (!dir)
		return -errno;
	for (errno = 0; (d = readdir(dir)); errno = 0) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		names = realloc(names, (nr + 1) * sizeof(*names));
		if (!names)
			abort();
		names[nr++] = strdup(d->d_name);
	}
	if (errno)
		ret = -errno;
	closedir(dir);
	if (nr)
		qsort(names, nr, sizeof(*names), cmp_str);
	for (size_t i = 0; i < nr; i++) {
		if (!ret)
			fprintf(out, "%s%s", i ? " " : "", names[i]);
		free(names[i]);
	}
	free(names);
	return ret;
}

static int op_umask(char **a, int n, FILE *out)
{
	mode_t mode;

	(void)n;
	(void)out;
	if (fsop_parse_mode(a[0], &mode) || mode > 0777)
		return FSOP_BADARG;
	umask(mode);
	return 0;
}

static int op_access(char **a, int n, FILE *out)
{
	int mode = 0;

	(void)n;
	(void)out;
	for (const char *p = a[1]; *p; p++) {
		if (*p == 'r')
			mode |= R_OK;
		else if (*p == 'w')
			mode |= W_OK;
		else if (*p == 'x')
			mode |= X_OK;
		else if (*p != 'f')
			return FSOP_BADARG;
	}
	return faccessat(AT_FDCWD, a[0], mode, 0) < 0 ? -errno : 0;
}

/* Who is running the script, as the process itself sees it. */
static int op_id(char **a, int n, FILE *out)
{
	gid_t groups[FSOP_MAX_GROUPS];
	int nr;

	(void)a;
	(void)n;
	nr = getgroups(FSOP_MAX_GROUPS, groups);
	if (nr < 0)
		return -errno;
	fprintf(out, "uid=%u gid=%u groups=", (unsigned int)geteuid(),
		(unsigned int)getegid());
	for (int i = 0; i < nr; i++)
		fprintf(out, "%s%u", i ? "," : "", (unsigned int)groups[i]);
	return 0;
}

const struct fsop_op fsop_file_ops[] = {
	{ "stat", 1, 1, op_stat, "PATH" },
	{ "lstat", 1, 1, op_lstat, "PATH" },
	{ "open", 2, 3, op_open,
	  "PATH r|w|rw|a[,creat,excl,trunc,dir,nofollow,path,noatime] [MODE]" },
	{ "create", 2, 2, op_create, "PATH MODE" },
	{ "write", 2, 2, op_write, "PATH DATA (at offset 0; \\n \\s \\xNN)" },
	{ "append", 2, 2, op_append, "PATH DATA" },
	{ "read", 1, 1, op_read, "PATH" },
	{ "mkdir", 2, 2, op_mkdir, "PATH MODE" },
	{ "mknod_fifo", 2, 2, op_mknod_fifo, "PATH MODE" },
	{ "mknod_chr", 4, 4, op_mknod_chr, "PATH MODE MAJOR MINOR" },
	{ "symlink", 2, 2, op_symlink, "TARGET PATH" },
	{ "readlink", 1, 1, op_readlink, "PATH" },
	{ "link", 2, 2, op_link, "OLD NEW" },
	{ "unlink", 1, 1, op_unlink, "PATH" },
	{ "rmdir", 1, 1, op_rmdir, "PATH" },
	{ "rename", 2, 3, op_rename, "OLD NEW [noreplace|exchange]" },
	{ "chmod", 2, 2, op_chmod, "PATH MODE" },
	{ "chown", 3, 3, op_chown, "PATH UID GID (-1 = unchanged)" },
	{ "lchown", 3, 3, op_lchown, "PATH UID GID (-1 = unchanged)" },
	{ "truncate", 2, 2, op_truncate, "PATH SIZE" },
	{ "utimens", 3, 3, op_utimens,
	  "PATH ATIME MTIME (SEC[.NSEC]|now|omit)" },
	{ "lutimens", 3, 3, op_lutimens, "PATH ATIME MTIME" },
	{ "times", 1, 1, op_times, "PATH (lstat atime and mtime)" },
	{ "readdir", 1, 1, op_readdir, "PATH (sorted names)" },
	{ "umask", 1, 1, op_umask, "MODE" },
	{ "access", 2, 2, op_access, "PATH f|[r][w][x]" },
	{ "id", 0, 0, op_id, "(the caller's uid, gid and groups)" },
	{ NULL, 0, 0, NULL, NULL },
};
