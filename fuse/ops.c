// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The operations table, and INIT, which sets the connection up.  Locks
 * (POSIX byte-range and flock) are deliberately absent: the kernel then
 * serves them itself, coherently for every user of the mount, and no lock
 * wait ever blocks a daemon thread (see fs_init()).
 */
#include "fs_ops.h"

#include "fs.h"

const struct fuse_lowlevel_ops fs_ops = {
	.init = fs_init,
	.lookup = fs_lookup,
	.forget = fs_forget,
	.forget_multi = fs_forget_multi,
	.getattr = fs_getattr,
	.setattr = fs_setattr,
	.readlink = fs_readlink,
	.mknod = fs_mknod,
	.mkdir = fs_mkdir,
	.symlink = fs_symlink,
	.link = fs_link,
	.unlink = fs_unlink,
	.rmdir = fs_rmdir,
	.rename = fs_rename,
	.open = fs_open,
	.create = fs_create,
	.read = fs_read,
	.write_buf = fs_write_buf,
	.flush = fs_flush,
	.release = fs_release,
	.fsync = fs_fsync,
	.fallocate = fs_fallocate,
	.copy_file_range = fs_copy_file_range,
	.lseek = fs_lseek,
	.opendir = fs_opendir,
	.readdir = fs_readdir,
	.readdirplus = fs_readdirplus,
	.releasedir = fs_releasedir,
	.fsyncdir = fs_fsyncdir,
	.statfs = fs_statfs,
	.setxattr = fs_setxattr,
	.getxattr = fs_getxattr,
	.listxattr = fs_listxattr,
	.removexattr = fs_removexattr,
};

void fs_init(void *userdata, struct fuse_conn_info *conn)
{
	struct fs *fs = userdata;
	/* DONT_MASK: the umask comes with the request and is applied by the
	 * backing filesystem, which skips it under a default ACL exactly
	 * as it does on an ID-mapped mount.  POSIX_ACL: the kernel takes
	 * ACL entries into its permission checks.  CACHE_SYMLINKS: a
	 * symlink's text never changes while its inode lives, so the page
	 * cache may keep it. */
	unsigned int want = FUSE_CAP_DONT_MASK | FUSE_CAP_POSIX_ACL |
			    FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO |
			    FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE |
			    FUSE_CAP_ATOMIC_O_TRUNC | FUSE_CAP_PARALLEL_DIROPS |
			    FUSE_CAP_CACHE_SYMLINKS;

	conn->want |= want & conn->capable;
	/* Zero-message opendir (dir.c), where the kernel takes ENOSYS from
	 * OPENDIR as "open it yourself".  The kernel then caches every
	 * listing, as keep_cache asks of ours anyway; without keep_cache a
	 * listing served from that cache has no attributes, so each name
	 * whose entry timed out costs a LOOKUP where READDIRPLUS refreshed
	 * them all (tests/bench/RESULTS.md). */
	fs->no_opendir =
		fs->keep_cache && (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT);
	/* The kernel, not us, serves POSIX and flock locks: they are
	 * coherent among every user of this mount, and a caller waiting for
	 * a lock never holds one of our threads (a pod could otherwise stall
	 * the mount with as many waits as we have threads). */
	conn->want &=
		~(unsigned int)(FUSE_CAP_POSIX_LOCKS | FUSE_CAP_FLOCK_LOCKS);
	/* Writes go through to the backing store at once: on a shared
	 * volume another client must see them. */
	conn->want &= ~(unsigned int)FUSE_CAP_WRITEBACK_CACHE;
	if (fs->debug)
		fuse_log(FUSE_LOG_DEBUG, "uidmapfs: init, want 0x%x\n",
			 conn->want);
}
