/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * inode: the table of backing inodes the kernel knows about.
 *
 * Each entry is keyed by (st_dev, st_ino) so hard links share an entry, and
 * counts the kernel's lookups.  The FUSE node id of an entry is its address;
 * the kernel uses a node id only between the LOOKUP that made it and the
 * FORGET that drops its last reference, so an entry outlives every request
 * that names it.
 *
 * An entry names its backing inode by a file handle from our own
 * name_to_handle_at() of an fd we reached from SOURCE, never one from a
 * request.  Its O_PATH fd is a cache: at most fd_max such fds stay open,
 * the least recently used unborrowed one is closed first, and a closed one
 * is reopened with open_by_handle_at() when next borrowed.  The handle
 * carries the inode's generation: if the inode is gone and its number
 * reused, the reopen fails with ESTALE rather than reach the new file.
 * Where the backing filesystem gives no handles (and for the root), the
 * entry keeps its O_PATH fd open for its whole life.
 */
#ifndef UIDMAPFS_INODE_H
#define UIDMAPFS_INODE_H

#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

struct inode {
	/* O_PATH|O_NOFOLLOW fd of the backing inode.  Without @handle it
	 * is owned by the entry and open for its life; with a handle it is
	 * the cached fd or -1, guarded by the table lock.  Read it only
	 * through inode_fd_get(), except the root's (struct fs), which is
	 * never cached and open for the fs's life. */
	int fd;
	int mount_fd; /* decodes @handle: the table's fd of its mount */
	/* Our own name_to_handle_at() of the inode, or NULL; fixed for
	 * the entry's life, owned by it. */
	struct file_handle *handle;
	uint32_t fd_users; /* borrowers of a cached @fd, table lock */
	mode_t type;	   /* S_IFMT bits, fixed for the inode's life */
	dev_t dev;
	ino_t ino;
	uint64_t nlookup; /* guarded by the table lock */
	/* Open files by I/O mode, guarded by fs.backing_lock: the kernel
	 * allows one mode per inode at a time (data.c), and one backing id
	 * for all its passthrough opens. */
	int backing_id;
	uint32_t backing_refs; /* passthrough opens, sharing backing_id */
	uint32_t cached_refs;  /* daemon-served opens through the page cache */
	bool stale;	       /* unhashed: its (dev, ino) now names another */
	bool remote;	       /* on a store others change (see inode_get()) */
	struct inode *next;    /* hash chain */
	/* Cached, unborrowed fds, most recently used first (table lock). */
	struct inode *lru_prev;
	struct inode *lru_next;
};

/* One fd per backing mount that handles were taken on. */
struct inode_mount {
	int mount_id;
	/* Its root directory, opened for reading (open_by_handle_at()
	 * takes no O_PATH fd), or -EOPNOTSUPP: handles not used there. */
	int fd;
	bool remote; /* not a local filesystem: the server may reuse numbers */
};

struct inode_table {
	/* Guards the hash, nlookup, and the fd cache below. */
	pthread_mutex_t lock;
	struct inode **buckets;
	size_t nr_buckets; /* a power of two */
	size_t nr_inodes;
	/* The fd cache: entries with a handle and an open fd. */
	size_t fd_max;	/* most cached fds kept open when not borrowed */
	size_t fd_open; /* cached fds open now, borrowed or not */
	struct inode *lru_head, *lru_tail;
	struct inode_mount *mounts;
	size_t nr_mounts;
	bool said_no_handles; /* logged the O_PATH fallback once */
};

/*
 * @fd_max: how many cached fds may stay open (at least 1).  Returns 0 or
 * -ENOMEM.
 */
int inode_table_init(struct inode_table *table, size_t fd_max);

/*
 * Open the mount of @dirfd (an O_PATH fd of a directory: SOURCE) for
 * decoding handles, before any lookup reaches a file on it.  Returns 0, or
 * -errno (-EOPNOTSUPP: no handles there), which leaves its inodes holding
 * their fds.
 */
int inode_table_add_mount(struct inode_table *table, int dirfd);

/* Closes and frees every entry still in the table, and the mount fds. */
void inode_table_destroy(struct inode_table *table);

/*
 * Find the entry for @st, or insert a new one; @fd is an O_PATH|O_NOFOLLOW
 * fd of the inode, reached from SOURCE.  The table takes @fd over (keeps it
 * as the entry's fd, or closes it).  Adds one kernel lookup reference.
 * When the entry for (dev, ino) is a deleted inode whose number was reused,
 * that entry is unhashed (its node id then answers ESTALE) and a new one
 * made.  Returns 0 with *@out set, or -ENOMEM, or -errno when @fd's handle
 * could not be taken to tell whether an entry's inode is still @fd's.
 */
int inode_get(struct inode_table *table, int fd, const struct stat *st,
	      struct inode **out);

/* Drop @n kernel references; the last one closes the fd and frees the
 * entry.  Entries not in the table (the root) are never freed. */
void inode_forget(struct inode_table *table, struct inode *inode, uint64_t n);

/*
 * Borrow @inode's O_PATH|O_NOFOLLOW fd, reopening it from its handle if
 * the cache closed it.  The fd stays open until inode_fd_put(); use it
 * only as a dirfd or with AT_EMPTY_PATH, never close it.  Works with the
 * caller's credentials in force (the reopen needs CAP_DAC_READ_SEARCH,
 * which a non-zero fsuid drops: the thread's fsuid is 0 for just that
 * call).  Returns the fd, or -ESTALE if the inode is gone, or -errno.
 */
int inode_fd_get(struct inode_table *table, struct inode *inode);

/* Return a borrow of inode_fd_get() that succeeded. */
void inode_fd_put(struct inode_table *table, struct inode *inode);

/*
 * Close up to 64 cached fds nobody borrows, least recently used first: room
 * for an open that failed with EMFILE (open files, directories and entries
 * without handles share the limit with the cache).  Returns how many.
 */
size_t inode_fds_shed(struct inode_table *table);

/*
 * Is @type (statfs f_type) a local filesystem: one whose inode numbers only
 * this machine hands out, and that checks no credentials of its own (ext2/3/4,
 * xfs, btrfs, tmpfs, f2fs)?  The one list both file handles and passthrough
 * trust.
 */
bool inode_fs_local(unsigned long type);

#endif
