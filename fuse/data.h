/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * data: the file data operations (data.c), and the backing fd an open
 * regular file holds, for the other families that act on open files
 * (attr.c: chmod, truncate).
 */
#ifndef UIDMAPFS_DATA_H
#define UIDMAPFS_DATA_H

#include <fuse_lowlevel.h>
#include <stdint.h>

/* The backing fd of an open regular file (the low 32 bits of fi->fh; the
 * bits above are data.c's own); the file keeps it. */
static inline int data_file_fd(const struct fuse_file_info *fi)
{
	return (int)(fi->fh & UINT32_MAX);
}

#endif
