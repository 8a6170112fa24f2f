// SPDX-License-Identifier: GPL-2.0-or-later
/* fileio: see fileio.h. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int fileio_read(int dirfd, const char *name, int flags, size_t max, char **out,
		size_t *len, mode_t *mode)
{
	struct stat st;
	size_t got = 0;
	char *buf;
	ssize_t n = 0;
	int fd, ret = 0;

	*out = NULL;
	*len = 0;
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out_close;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		ret = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
		goto out_close;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out_close;
	}
	while (got < (size_t)st.st_size &&
	       (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	if (n < 0) {
		ret = -errno;
		free(buf);
		goto out_close;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	if (mode)
		*mode = st.st_mode & 07777;
out_close:
	close(fd);
	return ret;
}

int fileio_replace(int dirfd, const char *name, const char *data, size_t len,
		   mode_t mode)
{
	char tmp[PATH_MAX];
	int fd, ret = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", name, (long)getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = openat(dirfd, tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			ret = -errno;
			goto out_unlink;
		}
		data += n;
		len -= (size_t)n;
	}
	/* fchmod: the mode, whatever the umask made of it. */
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0 ||
	    renameat(dirfd, tmp, dirfd, name) < 0) {
		ret = -errno;
		goto out_unlink;
	}
	close(fd);
	return 0;

out_unlink:
	close(fd);
	unlinkat(dirfd, tmp, 0);
	return ret;
}
