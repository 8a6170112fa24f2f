/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsop: a file-system operation runner whose output is canonical, so the
 * logs of one script run against two mounts can be diffed line by line.
 * The op families live in fsop_file.c (names, data, attributes) and
 * fsop_xattr.c (xattrs, POSIX ACLs, file capabilities); fsop_dump.c prints
 * a whole tree; fsop.c reads the script and prints the results.
 */
#ifndef UIDMAPFS_TEST_FSOP_H
#define UIDMAPFS_TEST_FSOP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

/* What an op returns for a malformed argument: a bug in the script. */
#define FSOP_BADARG 1

/*
 * One operation.  fn() gets the arguments after the op name (their number
 * already checked against min_args/max_args), writes its result text, if
 * any, to @out and returns 0 for success, a negative errno for the
 * failure being tested, or FSOP_BADARG.
 */
struct fsop_op {
	const char *name;
	int min_args;
	int max_args;
	int (*fn)(char **args, int nargs, FILE *out);
	const char *args_help;
};

/* Tables terminated by an entry with a NULL name. */
extern const struct fsop_op fsop_file_ops[];
extern const struct fsop_op fsop_xattr_ops[];

/*
 * Print every object under @dir, sorted by path, with type, mode, owner,
 * size and all xattrs in hex (see fsop_dump.c).  Returns 0 or -errno.
 */
int fsop_dump(const char *dir, FILE *out);

/* Octal mode (up to 07777). Returns 0 or FSOP_BADARG. */
int fsop_parse_mode(const char *s, mode_t *mode);

/* Decimal number in [min, max]. Returns 0 or FSOP_BADARG. */
int fsop_parse_num(const char *s, long long min, long long max, long long *out);

/* "type mode uid= gid= nlink= [size=] [rdev=]" for a stat result. */
void fsop_put_stat(FILE *out, const struct stat *st);

/* @len bytes as lower-case hex, or "-" when empty. */
void fsop_put_hex(FILE *out, const void *buf, size_t len);

/* @len bytes in double quotes, non-printable ones as \xNN. */
void fsop_put_quoted(FILE *out, const void *buf, size_t len);

#endif
