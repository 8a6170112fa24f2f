// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * benchtool: the timed parts of the benchmark workloads, run inside the pod
 * (or as host root for the native directory) so that neither the pod's
 * set-up nor the driver's own start-up is part of a measurement.
 *
 *   benchtool time OUT -- CMD [ARGS...]   run CMD, its stdout to file OUT
 *   benchtool create DIR N SIZE           N new files of SIZE bytes
 *   benchtool stat DIR N                  lstat() each of them
 *   benchtool unlink DIR N                unlink() each, then the dirs
 *
 * Files are DIR/dNNN/fNNNNNN, 1000 to a directory.  Each subcommand prints
 * one line "elapsed SECONDS" (monotonic clock) on stdout.  Exit status 0,
 * or 1 with one line on stderr (time: the command's own status, 128 +
 * signal if it was killed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FILES_PER_DIR 1000
#define MAX_FILE_SIZE (1 << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_elapsed(double start)
{
	printf("elapsed %.6f\n", now() - start);
	fflush(stdout);
}

static int parse_count(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > INT_MAX)
		return -1;
	*out = v;
	return 0;
}

static void file_path(char *buf, size_t len, const char *dir, long i)
{
	snprintf(buf, len, "%s/d%03ld/f%06ld", dir, i / FILES_PER_DIR, i);
}

static void dir_path(char *buf, size_t len, const char *dir, long d)
{
	snprintf(buf, len, "%s/d%03ld", dir, d);
}

static int cmd_time(int argc, char **argv)
{
	const char *out = argv[0];
	double start;
	pid_t pid;
	int status, fd;

	if (argc < 3 || strcmp(argv[1], "--") != 0) {
		fprintf(stderr, "benchtool time: usage: time OUT -- CMD...\n");
		return 1;
	}
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "benchtool time: %s: %s\n", out,
			strerror(errno));
		return 1;
	}
	start = now();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "benchtool time: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		if (dup2(fd, STDOUT_FILENO) < 0)
			_exit(127);
		execvp(argv[2], &argv[2]);
		fprintf(stderr, "benchtool time: %s: %s\n", argv[2],
			strerror(errno));
		_exit(127);
	}
	close(fd);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "benchtool time: waitpid: %s\n",
				strerror(errno));
			return 1;
		}
	}
	print_elapsed(start);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int cmd_create(const char *dir, long n, long size)
{
	static char data[MAX_FILE_SIZE];
	char path[PATH_MAX];
	double start;
	long i;
	int fd;

	memset(data, 'x', sizeof(data));
	start = now();
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "benchtool create: %s: %s\n", dir,
			strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (i % FILES_PER_DIR == 0) {
			dir_path(path, sizeof(path), dir, i / FILES_PER_DIR);
			if (mkdir(path, 0755) < 0) {
				fprintf(stderr, "benchtool create: %s: %s\n",
					path, strerror(errno));
				return 1;
			}
		}
		file_path(path, sizeof(path), dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0) {
			fprintf(stderr, "benchtool create: %s: %s\n", path,
				strerror(errno));
			return 1;
		}
		if (size && write(fd, data, (size_t)size) != (ssize_t)size) {
			fprintf(stderr, "benchtool create: write %s: %s\n",
				path, strerror(errno));
			close(fd);
			return 1;
		}
		if (close(fd) < 0) {
			fprintf(stderr, "benchtool create: close %s: %s\n",
				path, strerror(errno));
			return 1;
		}
	}
	print_elapsed(start);
	return 0;
}

static int cmd_stat(const char *dir, long n)
{
	char path[PATH_MAX];
	struct stat st;
	double start;
	long i;

	start = now();
	for (i = 0; i < n; i++) {
		file_path(path, sizeof(path), dir, i);
		if (lstat(path, &st) < 0) {
			fprintf(stderr, "benchtool stat: %s: %s\n", path,
				strerror(errno));
			return 1;
		}
	}
	print_elapsed(start);
	return 0;
}

static int cmd_unlink(const char *dir, long n)
{
	char path[PATH_MAX];
	double start;
	long i, d;

	start = now();
	for (i = 0; i < n; i++) {
		file_path(path, sizeof(path), dir, i);
		if (unlink(path) < 0) {
			fprintf(stderr, "benchtool unlink: %s: %s\n", path,
				strerror(errno));
			return 1;
		}
	}
	for (d = 0; d * FILES_PER_DIR < n; d++) {
		dir_path(path, sizeof(path), dir, d);
		if (rmdir(path) < 0) {
			fprintf(stderr, "benchtool unlink: rmdir %s: %s\n",
				path, strerror(errno));
			return 1;
		}
	}
	if (rmdir(dir) < 0) {
		fprintf(stderr, "benchtool unlink: rmdir %s: %s\n", dir,
			strerror(errno));
		return 1;
	}
	print_elapsed(start);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: benchtool time OUT -- CMD [ARGS...]\n"
			"       benchtool create DIR N SIZE\n"
			"       benchtool stat DIR N\n"
			"       benchtool unlink DIR N\n");
	return 1;
}

int main(int argc, char **argv)
{
	long n, size;

	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "time") == 0 && argc >= 3)
		return cmd_time(argc - 2, argv + 2);
	if (argc < 4 || parse_count(argv[3], &n) < 0)
		return usage();
	if (strcmp(argv[1], "create") == 0 && argc == 5) {
		if (parse_count(argv[4], &size) < 0 || size > MAX_FILE_SIZE)
			return usage();
		return cmd_create(argv[2], n, size);
	}
	if (strcmp(argv[1], "stat") == 0 && argc == 4)
		return cmd_stat(argv[2], n);
	if (strcmp(argv[1], "unlink") == 0 && argc == 4)
		return cmd_unlink(argv[2], n);
	return usage();
}
