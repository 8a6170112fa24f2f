// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fsop --dump: the on-disk state of a backing tree in a form two trees can
 * be diffed in.  Depth first, names sorted; per object one line
 * "PATH TYPE MODE uid= gid= nlink= [size=] [rdev=] [-> "TARGET"]" and one
 * indented line per xattr, "NAME=HEX", names sorted.  Every namespace is
 * listed (trusted.*, security.capability, system.posix_acl_*), so run it as
 * host root on the backing directory, never through a mount under test.
 * Times are left out: they differ between any two runs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fsop.h"

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Sorted names of @path's xattrs in @buf; returns how many, or -errno. */
static int xattr_names(const char *path, char *buf, size_t cap, char **names,
		       size_t max)
{
	ssize_t len = llistxattr(path, buf, cap);
	size_t nr = 0;

	if (len < 0)
		return errno == ENOTSUP ? 0 : -errno;
	for (char *p = buf; p < buf + len && nr < max; p += strlen(p) + 1)
		names[nr++] = p;
	qsort(names, nr, sizeof(*names), cmp_str);
	return (int)nr;
}

static int dump_xattrs(const char *path, FILE *out)
{
	static char list[65536], value[65536];
	static char *names[4096];
	int nr = xattr_names(path, list, sizeof(list), names, 4096);

	if (nr < 0)
		return nr;
	for (int i = 0; i < nr; i++) {
		ssize_t len = lgetxattr(path, names[i], value, sizeof(value));

		if (len < 0)
			return -errno;
		fprintf(out, "  %s=", names[i]);
		fsop_put_hex(out, value, (size_t)len);
		fputc('\n', out);
	}
	return 0;
}

static int dump_one(const char *path, const char *rel, FILE *out,
		    struct stat *st)
{
	char target[PATH_MAX];

	if (lstat(path, st) < 0)
		return -errno;
	fprintf(out, "%s ", rel);
	fsop_put_stat(out, st);
	if (S_ISLNK(st->st_mode)) {
		ssize_t len = readlink(path, target, sizeof(target));

		if (len < 0)
			return -errno;
		fputs(" -> ", out);
		fsop_put_quoted(out, target, (size_t)len);
	}
	fputc('\n', out);
	return dump_xattrs(path, out);
}

/* Sorted entry names of @path, without "." and ".."; NULL-terminated. */
static int dir_names(const char *path, char ***names)
{
	struct dirent *d;
	size_t nr = 0;
	DIR *dir;

	*names = NULL;
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		*names = realloc(*names, (nr + 2) * sizeof(**names));
		if (!*names)
			abort();
		(*names)[nr++] = strdup(d->d_name);
	}
	closedir(dir);
	if (!nr)
		return 0;
	(*names)[nr] = NULL;
	qsort(*names, nr, sizeof(**names), cmp_str);
	return 0;
}

static int dump_tree(const char *path, const char *rel, FILE *out)
{
	char **names, child[PATH_MAX], child_rel[PATH_MAX];
	struct stat st;
	int ret;

	ret = dump_one(path, rel, out, &st);
	if (ret < 0 || !S_ISDIR(st.st_mode))
		return ret;
	ret = dir_names(path, &names);
	if (ret < 0 || !names)
		return ret;
	for (char **n = names; *n; n++) {
		snprintf(child, sizeof(child), "%s/%s", path, *n);
		if (!strcmp(rel, "."))
			snprintf(child_rel, sizeof(child_rel), "%s", *n);
		else
			snprintf(child_rel, sizeof(child_rel), "%s/%s", rel,
				 *n);
		if (!ret)
			ret = dump_tree(child, child_rel, out);
		free(*n);
	}
	free(names);
	return ret;
}

int fsop_dump(const char *dir, FILE *out)
{
	return dump_tree(dir, ".", out);
}
