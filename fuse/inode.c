// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The inode table: a chained hash of (dev, ino) guarded by one mutex.
 * Lookups and forgets are short critical sections (no syscalls inside but
 * close() of a forgotten fd, done after unlocking).
 */
#include "inode.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define INODE_MIN_BUCKETS 1024

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

int inode_table_init(struct inode_table *table)
{
	table->buckets = calloc(INODE_MIN_BUCKETS, sizeof(*table->buckets));
	if (!table->buckets)
		return -ENOMEM;
	table->nr_buckets = INODE_MIN_BUCKETS;
	table->nr_inodes = 0;
	pthread_mutex_init(&table->lock, NULL);
	return 0;
}

void inode_table_destroy(struct inode_table *table)
{
	for (size_t i = 0; i < table->nr_buckets; i++) {
		struct inode *inode = table->buckets[i];

		while (inode) {
			struct inode *next = inode->next;

			close(inode->fd);
			free(inode);
			inode = next;
		}
	}
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

int inode_get(struct inode_table *table, int fd, const struct stat *st,
	      struct inode **out)
{
	struct inode *inode;
	size_t h;

	pthread_mutex_lock(&table->lock);
	h = inode_hash(st->st_dev, st->st_ino, table->nr_buckets);
	for (inode = table->buckets[h]; inode; inode = inode->next) {
		if (inode->dev == st->st_dev && inode->ino == st->st_ino) {
			inode->nlookup++;
			pthread_mutex_unlock(&table->lock);
			close(fd);
			*out = inode;
			return 0;
		}
	}
	inode = malloc(sizeof(*inode));
	if (!inode) {
		pthread_mutex_unlock(&table->lock);
		close(fd);
		return -ENOMEM;
	}
	inode->fd = fd;
	inode->dev = st->st_dev;
	inode->ino = st->st_ino;
	inode->type = st->st_mode & S_IFMT;
	inode->nlookup = 1;
	inode->backing_id = 0;
	inode->backing_refs = 0;
	inode->cached_refs = 0;
	inode->next = table->buckets[h];
	table->buckets[h] = inode;
	if (++table->nr_inodes > table->nr_buckets)
		inode_table_grow(table);
	pthread_mutex_unlock(&table->lock);
	*out = inode;
	return 0;
}

void inode_forget(struct inode_table *table, struct inode *inode, uint64_t n)
{
	struct inode **link;

	pthread_mutex_lock(&table->lock);
	if (n < inode->nlookup) {
		inode->nlookup -= n;
		pthread_mutex_unlock(&table->lock);
		return;
	}
	inode->nlookup = 0;
	link = &table->buckets[inode_hash(inode->dev, inode->ino,
					  table->nr_buckets)];
	while (*link && *link != inode)
		link = &(*link)->next;
	if (!*link) {
		/* Not hashed: the root, which lives as long as the fs. */
		pthread_mutex_unlock(&table->lock);
		return;
	}
	*link = inode->next;
	table->nr_inodes--;
	pthread_mutex_unlock(&table->lock);
	close(inode->fd);
	free(inode);
}

size_t inode_count(struct inode_table *table)
{
	size_t n;

	pthread_mutex_lock(&table->lock);
	n = table->nr_inodes;
	pthread_mutex_unlock(&table->lock);
	return n;
}
