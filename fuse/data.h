/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * data: the file data operations (data.c), and what fi->fh of an open
 * regular file holds, for the other families that act on open files
 * (attr.c: chmod, truncate).
 */
#ifndef UIDMAPFS_DATA_H
#define UIDMAPFS_DATA_H

#include <fuse_lowlevel.h>
#include <stdint.h>

/* fi->fh of a regular file: the backing fd in the low 32 bits, and how
 * its I/O is done: through a kernel backing id, or by the daemon through
 * the page cache (neither bit: daemon direct I/O). */
#define DATA_FH_PASSTHROUGH (UINT64_C(1) << 32)
#define DATA_FH_CACHED (UINT64_C(1) << 33)

/* The backing fd of an open regular file; the file keeps it. */
static inline int data_file_fd(const struct fuse_file_info *fi)
{
	return (int)(fi->fh & UINT32_MAX);
}

#endif
