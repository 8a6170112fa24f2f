// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The inode table: a chained hash of (dev, ino) and an LRU cache of O_PATH
 * fds, both guarded by one mutex.  Critical sections are short; the
 * syscalls that may block on the backing store (name_to_handle_at,
 * open_by_handle_at, fstat) run unlocked, and only close() of one evicted
 * fd, the open of a newly seen mount's directory and the table's growth
 * happen under the lock.
 *
 * Security: a handle comes only from name_to_handle_at() of an fd this
 * table was given (reached by fd-walking from SOURCE), is decoded only for
 * the entry it was taken for, and the decoded inode must have the entry's
 * (dev, ino) and type.  No path string is walked.
 */
#include "inode.h"

#include <errno.h>
#include <fuse_log.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#define INODE_MIN_BUCKETS 1024

/* Room for any handle: the kernel's MAX_HANDLE_SZ. */
#define INODE_HANDLE_MAX 128

/* How many cached fds an open that failed with EMFILE sheds. */
#define INODE_SHED 64

/* statfs f_type of FUSE (linux/magic.h FUSE_SUPER_MAGIC). */
#define INODE_FUSE_MAGIC 0x65735546

static size_t inode_hash(dev_t dev, ino_t ino, size_t nr_buckets)
{
	/* 64-bit mix (splitmix64's finalizer): inode numbers are often
	 * sequential, the low bits must still spread. */
	uint64_t h = (uint64_t)ino ^ ((uint64_t)dev << 32) ^ (uint64_t)dev;

	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return (size_t)h & (nr_buckets - 1);
}

int inode_table_init(struct inode_table *table, size_t fd_max)
{
	*table = (struct inode_table){
		.fd_max = fd_max ? fd_max : 1,
	};
	table->buckets = calloc(INODE_MIN_BUCKETS, sizeof(*table->buckets));
	if (!table->buckets)
		return -ENOMEM;
	table->nr_buckets = INODE_MIN_BUCKETS;
	pthread_mutex_init(&table->lock, NULL);
	return 0;
}

static void inode_free(struct inode *inode)
{
	if (inode->fd >= 0)
		close(inode->fd);
	free(inode->handle);
	free(inode);
}

void inode_table_destroy(struct inode_table *table)
{
	for (size_t i = 0; i < table->nr_buckets; i++) {
		struct inode *inode = table->buckets[i];

		while (inode) {
			struct inode *next = inode->next;

			inode_free(inode);
			inode = next;
		}
	}
	for (size_t i = 0; i < table->nr_mounts; i++)
		if (table->mounts[i].fd >= 0)
			close(table->mounts[i].fd);
	free(table->mounts);
	free(table->buckets);
	table->buckets = NULL;
	pthread_mutex_destroy(&table->lock);
}

/* Double the buckets when the load passes 1; on allocation failure keep
 * the old (slower, still correct) table. */
static void inode_table_grow(struct inode_table *table)
{
	size_t nr = table->nr_buckets * 2;
	struct inode **buckets = calloc(nr, sizeof(*buckets));

	if (!buckets)
		return;
	for (size_t i = 0; i < table->nr_buckets; i++) {
		struct inode *inode = table->buckets[i];

		while (inode) {
			struct inode *next = inode->next;
			size_t h = inode_hash(inode->dev, inode->ino, nr);

			inode->next = buckets[h];
			buckets[h] = inode;
			inode = next;
		}
	}
	free(table->buckets);
	table->buckets = buckets;
	table->nr_buckets = nr;
}

/* --- the LRU list of cached, unborrowed fds (table lock held) --- */

static void inode_lru_add(struct inode_table *table, struct inode *inode)
{
	inode->lru_prev = NULL;
	inode->lru_next = table->lru_head;
	if (table->lru_head)
		table->lru_head->lru_prev = inode;
	else
		table->lru_tail = inode;
	table->lru_head = inode;
}

static void inode_lru_del(struct inode_table *table, struct inode *inode)
{
	if (inode->lru_prev)
		inode->lru_prev->lru_next = inode->lru_next;
	else
		table->lru_head = inode->lru_next;
	if (inode->lru_next)
		inode->lru_next->lru_prev = inode->lru_prev;
	else
		table->lru_tail = inode->lru_prev;
	inode->lru_prev = NULL;
	inode->lru_next = NULL;
}

/*
 * Take the least recently used unborrowed fd out of the cache if more than
 * fd_max are open.  Returns the fd for the caller to close after unlocking,
 * or -1.  Each caller adds at most one open fd, so one eviction per call
 * keeps the count at the bound (borrowed fds may pass it for as long as
 * they are borrowed).
 */
static int inode_evict(struct inode_table *table)
{
	struct inode *victim = table->lru_tail;
	int fd;

	if (table->fd_open <= table->fd_max || !victim)
		return -1;
	inode_lru_del(table, victim);
	fd = victim->fd;
	victim->fd = -1;
	table->fd_open--;
	return fd;
}

/* --- handles --- */

/* A new entry's way back to its inode: a handle, and its mount's id. */
struct inode_key {
	struct file_handle *handle; /* NULL: the fs gave none */
	int mount_id;
	int err; /* why there is no handle */
};

static void inode_key_make(int fd, struct inode_key *key)
{
	_Alignas(struct file_handle) unsigned char
		buf[sizeof(struct file_handle) + INODE_HANDLE_MAX];
	struct file_handle *fh = (struct file_handle *)buf;
	size_t size;

	key->handle = NULL;
	fh->handle_bytes = INODE_HANDLE_MAX;
	if (name_to_handle_at(fd, "", fh, &key->mount_id, AT_EMPTY_PATH) < 0) {
		key->err = errno;
		return;
	}
	size = sizeof(*fh) + fh->handle_bytes;
	key->handle = malloc(size);
	if (!key->handle) {
		key->err = ENOMEM;
		return;
	}
	memcpy(key->handle, fh, size);
}

static bool inode_handle_eq(const struct file_handle *a,
			    const struct file_handle *b)
{
	return a && b && a->handle_type == b->handle_type &&
	       a->handle_bytes == b->handle_bytes &&
	       memcmp(a->f_handle, b->f_handle, a->handle_bytes) == 0;
}

bool inode_fs_local(unsigned long type)
{
	static const unsigned long local[] = {
		0xEF53,	    /* ext2/3/4 */
		0x58465342, /* xfs */
		0x9123683E, /* btrfs */
		0x01021994, /* tmpfs */
		0xF2F52010, /* f2fs */
	};

	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if (type == local[i])
			return true;
	return false;
}

/*
 * The table's fd of mount @id, opened the first time from @fd, an inode on
 * that mount of type @type.  open_by_handle_at() needs an fd on the very
 * mount the handle came from (SOURCE may hold submounts), and not an
 * O_PATH one: a directory opened for reading.  The first inode a lookup
 * reaches on a mount is its root, a directory; a mount whose root is not
 * one (a file bind-mounted over a file) gets no mount fd, and its inodes
 * keep their fds.
 *
 * A FUSE filesystem encodes handles even when it cannot decode them (no
 * export support, as in uidmapfs itself): they work while the kernel
 * caches the inode and go stale when it evicts it, a file that still
 * exists then answering ESTALE.  No FUSE mount is trusted with handles;
 * its inodes keep their fds.  Returns the fd, or -EOPNOTSUPP for such a
 * mount, or another -errno.  Table lock held.
 */
static int inode_mount_fd(struct inode_table *table, int id, int fd,
			  mode_t type, bool *remote)
{
	struct inode_mount *mounts;
	int mfd;

	struct statfs sf;

	for (size_t i = 0; i < table->nr_mounts; i++)
		if (table->mounts[i].mount_id == id) {
			*remote = table->mounts[i].remote;
			return table->mounts[i].fd;
		}
	if (!S_ISDIR(type))
		return -ENOTDIR;
	if (fstatfs(fd, &sf) < 0)
		return -errno;
	mounts = realloc(table->mounts,
			 (table->nr_mounts + 1) * sizeof(*mounts));
	if (!mounts)
		return -ENOMEM;
	table->mounts = mounts;
	if (sf.f_type == INODE_FUSE_MAGIC) {
		mfd = -EOPNOTSUPP;
	} else {
		mfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (mfd < 0)
			return -errno;
	}
	*remote = !inode_fs_local((unsigned long)sf.f_type);
	mounts[table->nr_mounts++] = (struct inode_mount){ id, mfd, *remote };
	return mfd;
}

int inode_table_add_mount(struct inode_table *table, int dirfd)
{
	struct inode_key key;
	bool remote;
	int fd;

	inode_key_make(dirfd, &key);
	if (!key.handle)
		return -key.err;
	free(key.handle);
	pthread_mutex_lock(&table->lock);
	fd = inode_mount_fd(table, key.mount_id, dirfd, S_IFDIR, &remote);
	pthread_mutex_unlock(&table->lock);
	return fd < 0 ? fd : 0;
}

/* Table lock held. */
static void inode_say_no_handles(struct inode_table *table,
				 const struct stat *st, const char *why)
{
	if (table->said_no_handles)
		return;
	table->said_no_handles = true;
	fuse_log(FUSE_LOG_NOTICE,
		 "uidmapfs: backing device %u:%u: no file handles (%s): "
		 "one open fd per inode there\n",
		 major(st->st_dev), minor(st->st_dev), why);
}

static struct inode *inode_find(struct inode_table *table,
				const struct stat *st)
{
	size_t h = inode_hash(st->st_dev, st->st_ino, table->nr_buckets);
	struct inode *inode;

	for (inode = table->buckets[h]; inode; inode = inode->next)
		if (inode->dev == st->st_dev && inode->ino == st->st_ino)
			return inode;
	return NULL;
}

/* Take @inode off its hash chain; false if it was not on one (the root,
 * which lives as long as the fs). */
static bool inode_unhash(struct inode_table *table, struct inode *inode)
{
	struct inode **link = &table->buckets[inode_hash(inode->dev, inode->ino,
							 table->nr_buckets)];

	while (*link && *link != inode)
		link = &(*link)->next;
	if (!*link)
		return false;
	*link = inode->next;
	return true;
}

/*
 * Make and hash the entry for @st with @fd and @key (whose handle it takes
 * over).  Table lock held; on failure nothing is taken over.
 */
static int inode_insert(struct inode_table *table, int fd,
			const struct stat *st, struct inode_key *key,
			struct inode **out)
{
	struct inode *inode = calloc(1, sizeof(*inode));
	size_t h;

	if (!inode)
		return -ENOMEM;
	inode->fd = fd;
	inode->mount_fd = -1;
	if (key->handle) {
		inode->mount_fd =
			inode_mount_fd(table, key->mount_id, fd,
				       st->st_mode & S_IFMT, &inode->remote);
		if (inode->mount_fd == -EOPNOTSUPP)
			inode_say_no_handles(table, st,
					     "FUSE: they go stale when its "
					     "inode is evicted");
		if (inode->mount_fd < 0) {
			/* No fd for its mount: keep the fd, as without
			 * handles. */
			free(key->handle);
			key->handle = NULL;
		}
	} else {
		inode_say_no_handles(table, st, strerror(key->err));
	}
	inode->handle = key->handle;
	key->handle = NULL;
	inode->dev = st->st_dev;
	inode->ino = st->st_ino;
	inode->type = st->st_mode & S_IFMT;
	inode->nlookup = 1;
	h = inode_hash(st->st_dev, st->st_ino, table->nr_buckets);
	inode->next = table->buckets[h];
	table->buckets[h] = inode;
	if (inode->handle) {
		table->fd_open++;
		inode_lru_add(table, inode);
	}
	if (++table->nr_inodes > table->nr_buckets)
		inode_table_grow(table);
	*out = inode;
	return 0;
}

int inode_get(struct inode_table *table, int fd, const struct stat *st,
	      struct inode **out)
{
	struct inode_key key = { .handle = NULL, .err = 0 };
	bool have_key = false;
	struct inode *inode;
	int victim = -1, err = 0;

	for (;;) {
		pthread_mutex_lock(&table->lock);
		inode = inode_find(table, st);
		/* On a local filesystem an open fd pins the inode: its
		 * number cannot have been given to another, so the entry is
		 * this inode.  A server (NFS) may delete the file and reuse
		 * the number while our client inode lives on: there the
		 * handles always decide. */
		if (inode &&
		    (!inode->handle || (inode->fd >= 0 && !inode->remote))) {
			inode->nlookup++;
			pthread_mutex_unlock(&table->lock);
			close(fd);
			free(key.handle);
			*out = inode;
			return 0;
		}
		if (have_key)
			break;
		/* A new entry, or one whose fd the cache closed: either
		 * way the handle of @fd decides (made unlocked, then
		 * looked up again). */
		pthread_mutex_unlock(&table->lock);
		inode_key_make(fd, &key);
		have_key = true;
	}
	if (inode && inode->handle && !key.handle) {
		/* No handle for @fd this time (out of memory, a transient
		 * error): nothing says the entry's inode is gone, nor that
		 * it is this one.  Fail the lookup rather than guess. */
		pthread_mutex_unlock(&table->lock);
		close(fd);
		return -key.err;
	}
	if (inode && inode_handle_eq(inode->handle, key.handle)) {
		inode->nlookup++;
		free(key.handle);
		*out = inode;
		if (inode->fd >= 0) {
			close(fd); /* remote, and already cached */
			pthread_mutex_unlock(&table->lock);
			return 0;
		}
		/* Same inode: @fd becomes its cached fd again. */
		inode->fd = fd;
		table->fd_open++;
		inode_lru_add(table, inode);
	} else {
		if (inode) {
			/* Its inode is gone and the number reused: the old
			 * node id keeps the old handle (ESTALE) until the
			 * kernel forgets it, and its cached fd (remote)
			 * until then too. */
			inode_unhash(table, inode);
			inode->stale = true;
		}
		err = inode_insert(table, fd, st, &key, out);
		if (err) {
			pthread_mutex_unlock(&table->lock);
			close(fd);
			free(key.handle);
			return err;
		}
	}
	/* One more fd is cached: close the least recently used if that is
	 * one too many. */
	victim = inode_evict(table);
	pthread_mutex_unlock(&table->lock);
	if (victim >= 0)
		close(victim);
	return 0;
}

void inode_forget(struct inode_table *table, struct inode *inode, uint64_t n)
{
	pthread_mutex_lock(&table->lock);
	if (n < inode->nlookup) {
		inode->nlookup -= n;
		pthread_mutex_unlock(&table->lock);
		return;
	}
	inode->nlookup = 0;
	if (!inode->stale && !inode_unhash(table, inode)) {
		pthread_mutex_unlock(&table->lock);
		return;
	}
	if (inode->handle && inode->fd >= 0) {
		/* The kernel forgets a node id only when no request
		 * names it: nobody borrows its fd. */
		if (inode->fd_users == 0)
			inode_lru_del(table, inode);
		table->fd_open--;
	}
	table->nr_inodes--;
	pthread_mutex_unlock(&table->lock);
	inode_free(inode);
}

/*
 * open_by_handle_at() needs CAP_DAC_READ_SEARCH, which the kernel takes
 * from the effective set while the thread's fsuid is not 0 (a request
 * running as its caller).  Be fsuid 0 for this one O_PATH open, which
 * checks no permission, and back: if the thread cannot be made the caller
 * again, fail (closed) and let the request fail.
 */
static int inode_open_handle_as_daemon(const struct inode *inode, int flags)
{
	int old = (int)syscall(SYS_setfsuid, 0);
	int fd, err = 0;

	if (old == 0)
		return -EPERM; /* already fsuid 0: a real refusal */
	fd = open_by_handle_at(inode->mount_fd, inode->handle, flags);
	if (fd < 0)
		err = -errno;
	syscall(SYS_setfsuid, old);
	if ((int)syscall(SYS_setfsuid, -1) != old) {
		if (fd >= 0)
			close(fd);
		return -EPERM;
	}
	return fd < 0 ? err : fd;
}

/* Reopen @inode from its handle and check it is still the entry's inode. */
static int inode_open_handle(const struct inode *inode)
{
	const int flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
	struct stat st;
	int fd, err;

	fd = open_by_handle_at(inode->mount_fd, inode->handle, flags);
	if (fd < 0 && errno == EPERM)
		fd = inode_open_handle_as_daemon(inode, flags);
	else if (fd < 0)
		fd = -errno;
	if (fd < 0)
		return fd == -ENOENT ? -ESTALE : fd;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		err = -errno;
		goto out_close_fd;
	}
	/* A handle decoding to another inode (or another type) than the
	 * entry's is never handed out.  This does not catch a handle
	 * without a generation reaching a new inode with the old number
	 * (same dev and ino): the filesystems handles are used on
	 * (inode_fs_local(), and NFS) all put a generation in theirs. */
	if (st.st_dev != inode->dev || st.st_ino != inode->ino ||
	    (st.st_mode & S_IFMT) != inode->type) {
		err = -ESTALE;
		goto out_close_fd;
	}
	return fd;

out_close_fd:
	close(fd);
	return err;
}

/* Borrow the open cached fd of @inode.  Table lock held. */
static int inode_borrow(struct inode_table *table, struct inode *inode)
{
	if (inode->fd_users++ == 0)
		inode_lru_del(table, inode);
	return inode->fd;
}

int inode_fd_get(struct inode_table *table, struct inode *inode)
{
	int fd, victim;

	/* Without a handle the fd is the entry's for life. */
	if (!inode->handle)
		return inode->fd;
	pthread_mutex_lock(&table->lock);
	if (inode->fd >= 0) {
		fd = inode_borrow(table, inode);
		pthread_mutex_unlock(&table->lock);
		return fd;
	}
	pthread_mutex_unlock(&table->lock);
	fd = inode_open_handle(inode);
	if (fd == -EMFILE && inode_fds_shed(table) > 0)
		fd = inode_open_handle(inode);
	if (fd < 0)
		return fd;
	pthread_mutex_lock(&table->lock);
	if (inode->fd >= 0) {
		/* Another thread reopened it meanwhile: use that one. */
		victim = fd;
		fd = inode_borrow(table, inode);
	} else {
		inode->fd = fd;
		inode->fd_users = 1;
		table->fd_open++;
		victim = inode_evict(table);
	}
	pthread_mutex_unlock(&table->lock);
	if (victim >= 0)
		close(victim);
	return fd;
}

void inode_fd_put(struct inode_table *table, struct inode *inode)
{
	int victim = -1;

	if (!inode->handle)
		return;
	pthread_mutex_lock(&table->lock);
	if (--inode->fd_users == 0) {
		inode_lru_add(table, inode);
		victim = inode_evict(table);
	}
	pthread_mutex_unlock(&table->lock);
	if (victim >= 0)
		close(victim);
}

size_t inode_fds_shed(struct inode_table *table)
{
	int fds[INODE_SHED];
	size_t n = 0;

	pthread_mutex_lock(&table->lock);
	while (n < INODE_SHED && table->lru_tail) {
		struct inode *victim = table->lru_tail;

		inode_lru_del(table, victim);
		fds[n++] = victim->fd;
		victim->fd = -1;
		table->fd_open--;
	}
	pthread_mutex_unlock(&table->lock);
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	return n;
}
