// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The backing inode behind a node id, reached only through its O_PATH fd.
 */
#include "node.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452 /* Linux 6.6 */
#endif
#include <unistd.h>

/*
 * A node id is the address of its inode (inode.h): node_inode() and
 * node_id() are the only two places that convert between them, and the
 * round trip keeps every bit of the pointer.
 */
_Static_assert(sizeof(fuse_ino_t) >= sizeof(uintptr_t),
	       "a FUSE node id must hold an inode's address");

struct inode *node_inode(struct fs *fs, fuse_ino_t ino)
{
	if (ino == FUSE_ROOT_ID)
		return &fs->root;
	return (struct inode *)(uintptr_t)ino;
}

fuse_ino_t node_id(struct fs *fs, struct inode *inode)
{
	if (inode == &fs->root)
		return FUSE_ROOT_ID;
	return (fuse_ino_t)(uintptr_t)inode;
}

int node_stat(struct fs *fs, struct inode *inode, struct stat *st)
{
	int fd = inode_fd_get(&fs->inodes, inode), err = 0;

	if (fd < 0)
		return fd;
	if (fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		err = -errno;
	inode_fd_put(&fs->inodes, inode);
	return err;
}

void node_stat_up(const struct fs *fs, struct stat *st)
{
	st->st_uid = idmap_up(&fs->uids, st->st_uid);
	st->st_gid = idmap_up(&fs->gids, st->st_gid);
}

void node_proc_name(int fd, char *name)
{
	snprintf(name, NODE_PROC_NAME_LEN, "self/fd/%d", fd);
}

int node_reopen(struct fs *fs, struct inode *inode, int flags)
{
	char name[NODE_PROC_NAME_LEN];
	int fd, pathfd = inode_fd_get(&fs->inodes, inode);

	if (pathfd < 0)
		return pathfd;
	node_proc_name(pathfd, name);
	/* The /proc magic link resolves to the inode itself, whatever its
	 * name is now: no backing path is walked.  (open_by_handle_at()
	 * could open it directly, but only with CAP_DAC_READ_SEARCH, which
	 * would skip the permission check of a caller's open.) */
	flags = (flags & ~(O_CREAT | O_NOFOLLOW)) | O_CLOEXEC;
	fd = openat(fs->proc_fd, name, flags);
	if (fd < 0 && errno == EMFILE && inode_fds_shed(&fs->inodes) > 0)
		fd = openat(fs->proc_fd, name, flags);
	if (fd < 0)
		fd = -errno;
	inode_fd_put(&fs->inodes, inode);
	return fd;
}

int node_chmod(struct fs *fs, struct inode *inode, int fd, mode_t mode)
{
	char name[NODE_PROC_NAME_LEN];
	int pathfd, err = 0;

	if (fd >= 0)
		return fchmod(fd, mode) < 0 ? -errno : 0;
	pathfd = inode_fd_get(&fs->inodes, inode);
	if (pathfd < 0)
		return pathfd;
	/* fchmod() refuses an O_PATH fd; fchmodat2() takes AT_EMPTY_PATH. */
	if (syscall(SYS_fchmodat2, pathfd, "", mode, AT_EMPTY_PATH) < 0)
		err = -errno;
	if (err == -ENOSYS) {
		/* Kernels before 6.6: chmod through the /proc magic link,
		 * which names the inode itself. */
		node_proc_name(pathfd, name);
		err = fchmodat(fs->proc_fd, name, mode, 0) < 0 ? -errno : 0;
	}
	inode_fd_put(&fs->inodes, inode);
	return err;
}
