// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * secop: the looping workloads of the security, fault and stress tests.
 * Each runs for a bounded time and ignores the errors it is meant to
 * provoke; what it must never see is reported and turns the exit status
 * into 1.
 *
 *   secop swap DIR A B SECONDS
 *	swap names A and B in DIR with renameat2(RENAME_EXCHANGE), as fast
 *	as possible (run as host root directly on the backing store)
 *   secop hammer ROOT SECONDS [nofollow]
 *	operations on ROOT/d/... (d is being swapped with a symlink): open
 *	with O_CREAT/O_TRUNC and write, chmod, chown, truncate, setxattr,
 *	utimens, mkdir, mknod, symlink, link, rename, unlink; "nofollow"
 *	only the calls that act on a symlink itself (for host root)
 *   secop stress DIR ID SECONDS
 *	one stress worker in DIR/w-ID: creates, writes patterns and checks
 *	them, renames, hard links, chmod, chown (within 0..65535), xattrs,
 *	readdir, unlink; leaves its last files in place
 *   secop verify DIR
 *	check every p-* file below DIR holds the pattern its name encodes
 *   secop fsync-writer FILE LOG SECONDS
 *	append 4 KiB records to FILE, fsync each, and after each fsync that
 *	succeeded rewrite LOG (outside the mount) with the count; stops at
 *	the first error (the daemon went away) or at the time limit
 *   secop fsync-check FILE LOG
 *	FILE holds at least the records LOG counts, each intact
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define RECORD 4096

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The pattern byte at @off of the file whose name encodes @seed. */
static unsigned char pattern(uint64_t seed, uint64_t off)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + (off / 8) + 1;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	return (unsigned char)(x >> (8 * (off % 8)));
}

static int fill(unsigned char *buf, size_t len, uint64_t seed, uint64_t off)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = pattern(seed, off + i);
	return 0;
}

/* ---- swap ---- */

static int cmd_swap(char **argv)
{
	int dir = open(argv[0], O_PATH | O_DIRECTORY);
	double end = now() + atof(argv[3]);
	unsigned long n = 0;

	if (dir < 0) {
		perror(argv[0]);
		return 1;
	}
	while (now() < end) {
		if (renameat2(dir, argv[1], dir, argv[2], RENAME_EXCHANGE) <
		    0) {
			perror("renameat2");
			return 1;
		}
		n++;
	}
	printf("swap: %lu exchanges\n", n);
	return 0;
}

/* ---- hammer ---- */

static void hammer_once(int root, unsigned long i, int nofollow)
{
	static const char *const files[] = { "d/f", "d/sub/f", "d/g", "d/new",
					     "d/sub/new" };
	const char *f = files[i % 5];
	struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };
	char name[64];
	int fd;

	snprintf(name, sizeof(name), "d/n%lu", i % 7);
	switch (i / 5 % 14) {
	case 0:
		fchownat(root, f, 0, 0, AT_SYMLINK_NOFOLLOW);
		break;
	case 1:
		utimensat(root, f, ts, AT_SYMLINK_NOFOLLOW);
		break;
	case 2:
		lsetxattr(f, "trusted.pwn", "x", 1, 0); /* cwd is root */
		break;
	case 3:
		linkat(root, f, root, name, 0);
		break;
	case 4:
		renameat(root, name, root, "d/m");
		break;
	case 5:
		unlinkat(root, "d/m", 0);
		break;
	default:
		if (nofollow)
			break;
		switch (i / 5 % 14) {
		case 6:
			fd = openat(root, f, O_WRONLY | O_CREAT | O_TRUNC,
				    0666);
			if (fd >= 0) {
				(void)!write(fd, "pwned", 5);
				close(fd);
			}
			break;
		case 7:
			fchmodat(root, f, 06777, 0);
			break;
		case 8:
			fchownat(root, f, 1000, 1000, 0);
			break;
		case 9:
			truncate(f, 0);
			break;
		case 10:
			setxattr(f, "user.pwn", "x", 1, 0);
			removexattr(f, "user.sentinel");
			break;
		case 11:
			mkdirat(root, name, 0777);
			mknodat(root, "d/sub/fifo", S_IFIFO | 0666, 0);
			break;
		case 12:
			symlinkat("/", root, name);
			unlinkat(root, name, AT_REMOVEDIR);
			break;
		case 13:
			unlinkat(root, name, 0);
			break;
		}
	}
}

static int cmd_hammer(char **argv, int argc)
{
	int root = open(argv[0], O_PATH | O_DIRECTORY);
	double end = now() + atof(argv[1]);
	int nofollow = argc > 2 && strcmp(argv[2], "nofollow") == 0;
	unsigned long n = 0;

	if (root < 0 || chdir(argv[0]) < 0) {
		perror(argv[0]);
		return 1;
	}
	while (now() < end)
		hammer_once(root, n++, nofollow);
	printf("hammer: %lu operations\n", n);
	return 0;
}

/* ---- stress ---- */

struct worker {
	int dir;
	unsigned long id;
	unsigned long seq;
	unsigned long bad;
};

/* p-ID-SEQ-SIZE: the pattern's seed is ID << 32 | SEQ. */
static void name_of(char *buf, size_t size, unsigned long id, unsigned long seq,
		    size_t len)
{
	snprintf(buf, size, "p-%lu-%lu-%zu", id, seq, len);
}

static int check_fd(int fd, uint64_t seed, size_t len, const char *name)
{
	unsigned char buf[65536], want[65536];
	size_t off = 0;
	struct stat st;

	if (fstat(fd, &st) < 0 || (size_t)st.st_size != len) {
		fprintf(stderr, "secop: %s: size %jd, want %zu\n", name,
			(intmax_t)st.st_size, len);
		return -1;
	}
	while (off < len) {
		size_t chunk =
			len - off < sizeof(buf) ? len - off : sizeof(buf);
		ssize_t n = pread(fd, buf, chunk, (off_t)off);

		if (n <= 0) {
			fprintf(stderr, "secop: %s: short read at %zu: %s\n",
				name, off, n < 0 ? strerror(errno) : "EOF");
			return -1;
		}
		fill(want, (size_t)n, seed, off);
		if (memcmp(buf, want, (size_t)n) != 0) {
			fprintf(stderr, "secop: %s: wrong data near %zu\n",
				name, off);
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/* Write a new pattern file in pieces of odd sizes, check it, return 0. */
static int stress_write(struct worker *w, char *name, size_t size)
{
	unsigned long seq = w->seq++;
	uint64_t seed = (uint64_t)w->id << 32 | seq;
	size_t len = (size_t)(seed * 2654435761u % 300000), off = 0;
	unsigned char buf[8191];
	int fd;

	name_of(name, size, w->id, seq, len);
	fd = openat(w->dir, name, O_RDWR | O_CREAT | O_EXCL, 0640);
	if (fd < 0) {
		fprintf(stderr, "secop: create %s: %s\n", name,
			strerror(errno));
		return -1;
	}
	while (off < len) {
		size_t chunk =
			len - off < sizeof(buf) ? len - off : sizeof(buf);
		ssize_t n;

		fill(buf, chunk, seed, off);
		n = pwrite(fd, buf, chunk, (off_t)off);
		if (n != (ssize_t)chunk) {
			fprintf(stderr, "secop: write %s: %s\n", name,
				n < 0 ? strerror(errno) : "short");
			close(fd);
			return -1;
		}
		off += chunk;
	}
	if (seq % 4 == 0 && fsync(fd) < 0) {
		fprintf(stderr, "secop: fsync %s: %s\n", name, strerror(errno));
		close(fd);
		return -1;
	}
	if (check_fd(fd, seed, len, name) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int stress_check_name(struct worker *w, const char *name)
{
	unsigned long id, seq;
	size_t len;
	int fd, ret;

	if (sscanf(name, "p-%lu-%lu-%zu", &id, &seq, &len) != 3)
		return 0;
	fd = openat(w->dir, name, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "secop: open %s: %s\n", name, strerror(errno));
		return -1;
	}
	ret = check_fd(fd, (uint64_t)id << 32 | seq, len, name);
	close(fd);
	return ret;
}

/* Readdir the worker's directory and check every pattern file in it. */
static int stress_scan(struct worker *w, int check)
{
	int fd = openat(w->dir, ".", O_RDONLY | O_DIRECTORY);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;
	int ret = 0, n = 0;

	if (!d) {
		fprintf(stderr, "secop: readdir: %s\n", strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		n++;
		if (check && stress_check_name(w, e->d_name) < 0)
			ret = -1;
	}
	closedir(d);
	return ret < 0 ? ret : n;
}

static int stress_step(struct worker *w, unsigned long i)
{
	char name[96], other[96];
	char value[32], got[32];
	unsigned long seq = w->seq;
	ssize_t n;

	if (stress_write(w, name, sizeof(name)) < 0)
		return -1;
	/* Rename onto a new name that encodes the same pattern. */
	snprintf(other, sizeof(other), "%s", name);
	other[0] = 'q';
	if (renameat(w->dir, name, w->dir, other) < 0 ||
	    renameat(w->dir, other, w->dir, name) < 0) {
		fprintf(stderr, "secop: rename %s: %s\n", name,
			strerror(errno));
		return -1;
	}
	snprintf(other, sizeof(other), "link-%lu", seq);
	if (linkat(w->dir, name, w->dir, other, 0) < 0 ||
	    stress_check_name(w, name) < 0 || unlinkat(w->dir, other, 0) < 0) {
		fprintf(stderr, "secop: link %s: %s\n", name, strerror(errno));
		return -1;
	}
	if (fchmodat(w->dir, name, i % 2 ? 0600 : 0644, 0) < 0 ||
	    fchownat(w->dir, name, (uid_t)-1, (gid_t)(w->id % 2 ? 2000 : w->id),
		     0) < 0) {
		fprintf(stderr, "secop: chmod/chgrp %s: %s\n", name,
			strerror(errno));
		return -1;
	}
	snprintf(value, sizeof(value), "v%lu", seq);
	if (setxattr(name, "user.stress", value, strlen(value), 0) < 0 ||
	    (n = getxattr(name, "user.stress", got, sizeof(got))) < 0 ||
	    (size_t)n != strlen(value) || memcmp(got, value, (size_t)n) != 0) {
		fprintf(stderr, "secop: xattr %s: %s\n", name, strerror(errno));
		return -1;
	}
	if (i % 8 == 7 && stress_scan(w, 1) < 0)
		return -1;
	/* Keep about 8 files per worker: remove the one from 8 steps ago. */
	if (seq >= 8) {
		DIR *d = fdopendir(openat(w->dir, ".", O_RDONLY));
		struct dirent *e;
		char prefix[64];

		snprintf(prefix, sizeof(prefix), "p-%lu-%lu-", w->id, seq - 8);
		while (d && (e = readdir(d)))
			if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
				unlinkat(w->dir, e->d_name, 0);
		if (d)
			closedir(d);
	}
	return 0;
}

static int cmd_stress(char **argv)
{
	double end = now() + atof(argv[2]);
	struct worker w = { .id = strtoul(argv[1], NULL, 10) };
	char sub[64];
	unsigned long i = 0;

	snprintf(sub, sizeof(sub), "w-%lu", w.id);
	if (chdir(argv[0]) < 0 || (mkdir(sub, 0755) < 0 && errno != EEXIST) ||
	    chdir(sub) < 0 || (w.dir = open(".", O_PATH | O_DIRECTORY)) < 0) {
		fprintf(stderr, "secop: %s/%s: %s\n", argv[0], sub,
			strerror(errno));
		return 1;
	}
	while (now() < end) {
		if (stress_step(&w, i++) < 0) {
			fprintf(stderr,
				"secop: worker %lu failed at step %lu\n", w.id,
				i);
			return 1;
		}
	}
	if (stress_scan(&w, 1) < 0)
		return 1;
	printf("stress: worker %lu: %lu steps\n", w.id, i);
	return 0;
}

/* ---- verify ---- */

static int verify_dir(int dir, const char *path, unsigned long *count)
{
	DIR *d = fdopendir(openat(dir, ".", O_RDONLY | O_DIRECTORY));
	struct dirent *e;
	int ret = 0;

	if (!d) {
		fprintf(stderr, "secop: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		unsigned long id, seq;
		size_t len;
		int fd;

		if (e->d_name[0] == '.')
			continue;
		if (e->d_type == DT_DIR) {
			int sub = openat(dir, e->d_name, O_PATH | O_DIRECTORY);

			if (sub < 0 || verify_dir(sub, e->d_name, count) < 0)
				ret = -1;
			if (sub >= 0)
				close(sub);
			continue;
		}
		if (sscanf(e->d_name, "p-%lu-%lu-%zu", &id, &seq, &len) != 3)
			continue;
		fd = openat(dir, e->d_name, O_RDONLY);
		if (fd < 0 ||
		    check_fd(fd, (uint64_t)id << 32 | seq, len, e->d_name) < 0)
			ret = -1;
		if (fd >= 0)
			close(fd);
		++*count;
	}
	closedir(d);
	return ret;
}

static int cmd_verify(char **argv)
{
	int dir = open(argv[0], O_PATH | O_DIRECTORY);
	unsigned long count = 0;

	if (dir < 0 || verify_dir(dir, argv[0], &count) < 0)
		return 1;
	printf("verify: %lu files intact\n", count);
	return 0;
}

/* ---- fsync-writer / fsync-check ---- */

static int cmd_fsync_writer(char **argv)
{
	int fd = open(argv[0], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	double end = now() + atof(argv[2]);
	unsigned char rec[RECORD];
	unsigned long n = 0;

	if (fd < 0) {
		perror(argv[0]);
		return 1;
	}
	while (now() < end) {
		FILE *log;

		fill(rec, sizeof(rec), 7, (uint64_t)n * RECORD);
		if (write(fd, rec, sizeof(rec)) != (ssize_t)sizeof(rec) ||
		    fsync(fd) < 0)
			break;
		n++;
		log = fopen(argv[1], "w");
		if (!log || fprintf(log, "%lu\n", n) < 0 || fclose(log) != 0) {
			perror(argv[1]);
			return 1;
		}
	}
	printf("fsync-writer: %lu records fsync'd (%s)\n", n,
	       now() < end ? strerror(errno) : "time limit");
	return 0;
}

static int cmd_fsync_check(char **argv)
{
	int fd = open(argv[0], O_RDONLY);
	FILE *log = fopen(argv[1], "r");
	unsigned long n = 0;
	struct stat st;

	if (fd < 0 || !log || fscanf(log, "%lu", &n) != 1 || fstat(fd, &st)) {
		fprintf(stderr, "secop: cannot read %s or %s\n", argv[0],
			argv[1]);
		return 1;
	}
	if ((uint64_t)st.st_size < (uint64_t)n * RECORD) {
		fprintf(stderr, "secop: %s: %jd bytes, %lu records fsync'd\n",
			argv[0], (intmax_t)st.st_size, n);
		return 1;
	}
	if (check_fd(fd, 7, (size_t)n * RECORD, argv[0]) < 0 &&
	    (uint64_t)st.st_size == (uint64_t)n * RECORD)
		return 1;
	/* Longer than logged (a record written after the last log update):
	 * check the logged prefix only. */
	for (unsigned long r = 0; r < n; r++) {
		unsigned char buf[RECORD], want[RECORD];

		if (pread(fd, buf, RECORD, (off_t)r * RECORD) != RECORD)
			return 1;
		fill(want, RECORD, 7, (uint64_t)r * RECORD);
		if (memcmp(buf, want, RECORD) != 0) {
			fprintf(stderr, "secop: record %lu damaged\n", r);
			return 1;
		}
	}
	printf("fsync-check: %lu fsync'd records intact\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int nargs;
	} cmds[] = { { "swap", 4 },	    { "hammer", 2 },
		     { "stress", 3 },	    { "verify", 1 },
		     { "fsync-writer", 3 }, { "fsync-check", 2 } };
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < sizeof(cmds) / sizeof(*cmds); i++)
		if (argc >= 2 && strcmp(argv[1], cmds[i].name) == 0)
			break;
	if (i == sizeof(cmds) / sizeof(*cmds) || argc - 2 < cmds[i].nargs) {
		fprintf(stderr, "usage: see the head of secop.c\n");
		return 2;
	}
	switch (i) {
	case 0:
		return cmd_swap(argv + 2);
	case 1:
		return cmd_hammer(argv + 2, argc - 2);
	case 2:
		return cmd_stress(argv + 2);
	case 3:
		return cmd_verify(argv + 2);
	case 4:
		return cmd_fsync_writer(argv + 2);
	default:
		return cmd_fsync_check(argv + 2);
	}
}
