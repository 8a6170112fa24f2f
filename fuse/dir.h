/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dir: the directory operations (dir.c) and the open directories they
 * track, which teardown must close if the kernel never released them.
 */
#ifndef UIDMAPFS_DIR_H
#define UIDMAPFS_DIR_H

#include "fs.h"

/* Close the directories the kernel left open (an unmount while one was
 * open).  Only at teardown, when no request runs. */
void dir_close_all(struct fs *fs);

#endif
