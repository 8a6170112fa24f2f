// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Replay a fuzz harness on stored inputs without libFuzzer: each argument
 * is a file or a directory of files, fed one by one to
 * LLVMFuzzerTestOneInput().  A broken invariant aborts (the test fails);
 * meson runs every harness on its corpus this way, with any compiler.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0) {
		perror(path);
		return 1;
	}
	buf = malloc(len ? (size_t)len : 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		perror(path);
		return 1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return 0;
}

static int replay(const char *path, unsigned int *count)
{
	char child[4096];
	struct dirent *d;
	struct stat st;
	int err = 0;
	DIR *dir;

	if (stat(path, &st) < 0) {
		perror(path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		++*count;
		return replay_file(path);
	}
	dir = opendir(path);
	if (!dir) {
		perror(path);
		return 1;
	}
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, d->d_name);
		err |= replay(child, count);
	}
	closedir(dir);
	return err;
}

int main(int argc, char **argv)
{
	unsigned int count = 0;
	int err = 0;

	for (int i = 1; i < argc; i++)
		err |= replay(argv[i], &count);
	printf("%u inputs replayed, %s\n", count, err ? "errors" : "ok");
	return err || count == 0;
}
