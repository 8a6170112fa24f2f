/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * inode: the table of backing inodes the kernel knows about.
 *
 * Each entry holds an O_PATH|O_NOFOLLOW fd of one backing inode, keyed by
 * (st_dev, st_ino) so hard links share an entry, and counts the kernel's
 * lookups.  The FUSE node id of an entry is its address; the kernel uses a
 * node id only between the LOOKUP that made it and the FORGET that drops
 * its last reference, so an entry outlives every request that names it.
 */
#ifndef UIDMAPFS_INODE_H
#define UIDMAPFS_INODE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

struct inode {
	int fd; /* O_PATH|O_NOFOLLOW, owned by the entry */
	dev_t dev;
	ino_t ino;
	mode_t type;	  /* S_IFMT bits, fixed for the inode's life */
	uint64_t nlookup; /* guarded by the table lock */
	/* Open files by I/O mode, guarded by fs.backing_lock: the kernel
	 * allows one mode per inode at a time (data.c), and one backing id
	 * for all its passthrough opens. */
	int backing_id;
	uint32_t backing_refs; /* passthrough opens, sharing backing_id */
	uint32_t cached_refs;  /* daemon-served opens through the page cache */
	struct inode *next;    /* hash chain */
};

struct inode_table {
	pthread_mutex_t lock;
	struct inode **buckets;
	size_t nr_buckets; /* a power of two */
	size_t nr_inodes;
};

/* Returns 0 or -ENOMEM. */
int inode_table_init(struct inode_table *table);

/* Closes and frees every entry still in the table. */
void inode_table_destroy(struct inode_table *table);

/*
 * Find the entry for @st, or insert a new one that takes ownership of @fd.
 * Either way adds one kernel lookup reference and, if an entry existed,
 * closes @fd.  Returns 0 with *@out set, or -ENOMEM (then @fd is closed).
 */
int inode_get(struct inode_table *table, int fd, const struct stat *st,
	      struct inode **out);

/* Drop @n kernel references; the last one closes the fd and frees the
 * entry.  Entries not in the table (the root) are never freed. */
void inode_forget(struct inode_table *table, struct inode *inode, uint64_t n);

/* Number of entries, for tests of forget. */
size_t inode_count(struct inode_table *table);

#endif
