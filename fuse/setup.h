/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * setup: building a struct fs from validated options, and releasing it.
 * Every check that can fail happens here, before anything is mounted.
 */
#ifndef UIDMAPFS_SETUP_H
#define UIDMAPFS_SETUP_H

#include <stddef.h>

#include "fs.h"

struct opts;

/*
 * Build the fs for @o: load the maps (from the options or /proc/PID), open
 * SOURCE and check it is a readable directory, check MOUNTPOINT.  Returns 0
 * or -errno with a one-line reason in @err; on failure nothing is left to
 * release.
 */
int setup_fs(struct fs *fs, const struct opts *o, char *err, size_t errlen);

/* Release everything setup_fs() acquired. */
void setup_release(struct fs *fs);

#endif
