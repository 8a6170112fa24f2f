/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fileio: whole small files, read at once and replaced atomically — the
 * wrapper's state files and the bundle's config.json.
 */
#ifndef UIDMAPFS_RUNTIME_FILEIO_H
#define UIDMAPFS_RUNTIME_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Read the regular file @name (relative to @dirfd, or AT_FDCWD) into a
 * malloc'd NUL-terminated *@out of *@len bytes; *@mode gets its
 * permission bits (@mode may be NULL).  @flags are added to the open
 * flags (O_NOFOLLOW for the state).  Returns 0, -EFBIG when it is larger
 * than @max, -EINVAL when it is not a regular file, or -errno.
 */
int fileio_read(int dirfd, const char *name, int flags, size_t max, char **out,
		size_t *len, mode_t *mode);

/*
 * Replace @name (relative to @dirfd) by the @len bytes of @data with
 * permission bits @mode: written to "@name.tmp-PID" beside it, synced,
 * renamed over it.  Readers see the old or the new file, never a part.
 * Returns 0 or -errno (the temporary file is removed on failure).
 */
int fileio_replace(int dirfd, const char *name, const char *data, size_t len,
		   mode_t mode);

#endif
