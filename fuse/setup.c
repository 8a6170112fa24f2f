// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Turning validated options into a ready fs: every check that can fail
 * happens here, before anything is mounted, so a bad map, source or
 * mountpoint never leaves a half-made mount.
 */
#include "setup.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "dir.h"
#include "opts.h"

/* The fd cache's default (setup_raise_fd_limit()): the limit less a reserve;
 * no limit counts as this one. */
#define SETUP_FD_RESERVE_MIN 128
#define SETUP_FD_CACHE_MAX (1 << 20)

/* /proc/PID/uid_map holds at most 340 lines of three u32s. */
#define SETUP_MAP_TEXT_MAX (IDMAP_MAX_EXTENTS * 3 * 11 + 1)

static int setup_read_text(int dirfd, const char *name, char *buf, size_t size)
{
	size_t len = 0;
	int fd, err = 0;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < size - 1) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return err;
}

static int setup_load_userns_map(struct idmap *map, int piddir,
				 const char *name, pid_t pid, char *err,
				 size_t errlen)
{
	char text[SETUP_MAP_TEXT_MAX];
	char why[IDMAP_ERR_LEN];
	int ret;

	ret = setup_read_text(piddir, name, text, sizeof(text));
	if (ret) {
		snprintf(err, errlen, "userns=%d: cannot read /proc/%d/%s: %s",
			 (int)pid, (int)pid, name, strerror(-ret));
		return ret;
	}
	ret = idmap_parse_proc(map, text, why, sizeof(why));
	if (ret)
		snprintf(err, errlen, "userns=%d: /proc/%d/%s: %s", (int)pid,
			 (int)pid, name, why);
	return ret;
}

static int setup_load_maps(struct fs *fs, const struct opts *o, char *err,
			   size_t errlen)
{
	char why[IDMAP_ERR_LEN];
	char path[32];
	int piddir, ret;

	if (o->userns_pid) {
		snprintf(path, sizeof(path), "/proc/%d", (int)o->userns_pid);
		piddir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (piddir < 0) {
			ret = -errno;
			snprintf(err, errlen, "userns=%d: no such process",
				 (int)o->userns_pid);
			return ret;
		}
		ret = setup_load_userns_map(&fs->uids, piddir, "uid_map",
					    o->userns_pid, err, errlen);
		if (!ret)
			ret = setup_load_userns_map(&fs->gids, piddir,
						    "gid_map", o->userns_pid,
						    err, errlen);
		close(piddir);
		return ret;
	}
	if (!o->uidmap) {
		/* Kernel mode: ids pass unchanged; the runtime's ID-mapped
		 * mount on top of ours translates. */
		fs->kernel_mode = true;
		idmap_identity(&fs->uids);
		idmap_identity(&fs->gids);
		return 0;
	}
	ret = idmap_parse(&fs->uids, o->uidmap, why, sizeof(why));
	if (ret) {
		snprintf(err, errlen, "uidmap=%s: %s", o->uidmap, why);
		return ret;
	}
	ret = idmap_parse(&fs->gids, o->gidmap, why, sizeof(why));
	if (ret)
		snprintf(err, errlen, "gidmap=%s: %s", o->gidmap, why);
	return ret;
}

static uint32_t setup_overflow_id(const char *name)
{
	char text[16];
	int dir = open("/proc/sys/kernel", O_PATH | O_DIRECTORY | O_CLOEXEC);
	unsigned long v = 65534;

	if (dir >= 0) {
		if (setup_read_text(dir, name, text, sizeof(text)) == 0)
			v = strtoul(text, NULL, 10);
		close(dir);
	}
	return (uint32_t)v;
}

/* Open SOURCE as the root inode; it must be a directory root can list. */
static int setup_open_source(struct fs *fs, const char *source, char *err,
			     size_t errlen)
{
	struct stat st;
	int fd, probe, ret;

	fd = open(source, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "source %s: %s", source, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "source %s: not a directory", source);
		ret = -ENOTDIR;
		goto out_close_fd;
	}
	probe = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (probe < 0) {
		ret = -errno;
		snprintf(err, errlen, "source %s: cannot read: %s", source,
			 strerror(-ret));
		goto out_close_fd;
	}
	close(probe);
	fs->root = (struct inode){
		.fd = fd, /* no handle: held for the fs's life */
		.mount_fd = -1,
		.dev = st.st_dev,
		.ino = st.st_ino,
		.type = S_IFDIR,
		.nlookup = 2,
	};
	return 0;

out_close_fd:
	close(fd);
	return ret;
}

static int setup_check_mountpoint(const char *mountpoint, char *err,
				  size_t errlen)
{
	struct stat st;

	if (stat(mountpoint, &st) < 0) {
		int ret = -errno;

		snprintf(err, errlen, "mountpoint %s: %s", mountpoint,
			 strerror(-ret));
		return ret;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "mountpoint %s: not a directory",
			 mountpoint);
		return -ENOTDIR;
	}
	return 0;
}

#ifdef UIDMAPFS_TEST_SEAMS
/*
 * Test build only (uidmapfs-test, never installed; the installed daemon
 * reads nothing from its environment):
 * UIDMAPFS_TEST_HIDE_FEATURES=idmap,passthrough shows uidmapfs on a kernel
 * that lacks those features (this one has them).
 */
static void setup_hide_features(struct session_features *feat)
{
	const char *v = getenv("UIDMAPFS_TEST_HIDE_FEATURES");

	if (!v)
		return;
	feat->hide_idmap = strstr(v, "idmap") != NULL;
	feat->hide_passthrough = strstr(v, "passthrough") != NULL;
}

/*
 * Test build only: UIDMAPFS_TEST_FAIL=uring-register makes the ring's
 * buffers one byte shorter than the kernel demands, so the kernel refuses
 * every REGISTER after INIT granted the ring (tests/integration/uring.sh).
 */
static void setup_test_faults(struct session_features *feat)
{
	const char *v = getenv("UIDMAPFS_TEST_FAIL");

	feat->fail_uring_register = v && strstr(v, "uring-register");
}
#endif

/*
 * Take every fd the hard limit allows (a failure only leaves the soft
 * limit), and size the inode table's fd cache: by default all but an eighth
 * of the limit (at least 128), which is for open files, directories, the
 * entries of a backing filesystem without file handles, and libfuse.  A
 * cache smaller than the inodes a walk revisits costs a handle reopen per
 * inode; an open that finds the limit reached sheds cached fds.
 */
static size_t setup_raise_fd_limit(const struct opts *o)
{
	struct rlimit rl;
	rlim_t reserve;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return o->fd_cache ? o->fd_cache : 512;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (o->fd_cache)
		return o->fd_cache;
	if (rl.rlim_cur == RLIM_INFINITY)
		rl.rlim_cur = SETUP_FD_CACHE_MAX;
	if (rl.rlim_cur <= 2 * SETUP_FD_RESERVE_MIN)
		return rl.rlim_cur / 2;
	reserve = rl.rlim_cur / 8;
	if (reserve < SETUP_FD_RESERVE_MIN)
		reserve = SETUP_FD_RESERVE_MIN;
	return rl.rlim_cur - reserve;
}

/*
 * The daemon's own credentials and the /proc it reopens inodes through.
 * No supplementary groups of our own: requests that run as on-disk root
 * keep the daemon's credentials (creds.c), which must then be exactly 0:0
 * with no groups.  No thread exists yet, so glibc's process-wide
 * setgroups() is the right call here.  Returns 0 with fs->proc_fd open, or
 * -errno with the reason in @err.
 */
static int setup_credentials(struct fs *fs, char *err, size_t errlen)
{
	int ret;

	if (setgroups(0, NULL) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot drop supplementary groups: %s",
			 strerror(-ret));
		return ret;
	}
	fs->overflow_uid = setup_overflow_id("overflowuid");
	fs->overflow_gid = setup_overflow_id("overflowgid");
	fs->proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fs->proc_fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open /proc: %s", strerror(-ret));
		return ret;
	}
	return 0;
}

int setup_fs(struct fs *fs, const struct opts *o, char *err, size_t errlen)
{
	size_t fd_max;
	int ret;

	*fs = (struct fs){
		.features = {
			.want_passthrough = o->passthrough,
			.dev_fd = -1,
		},
		.proc_fd = -1,
		.entry_timeout = o->entry_timeout,
		.attr_timeout = o->attr_timeout,
		.negative_timeout = o->negative_timeout,
		.keep_cache = o->keep_cache,
		.debug = o->debug,
	};
	ret = setup_load_maps(fs, o, err, errlen);
	if (ret)
		return ret;
	fs->features.want_idmap = fs->kernel_mode;
#ifdef UIDMAPFS_TEST_SEAMS
	setup_hide_features(&fs->features);
	setup_test_faults(&fs->features);
#endif
	ret = setup_check_mountpoint(o->mountpoint, err, errlen);
	if (ret)
		return ret;
	fd_max = setup_raise_fd_limit(o);
	ret = setup_credentials(fs, err, errlen);
	if (ret)
		return ret;
	ret = setup_open_source(fs, o->source, err, errlen);
	if (ret)
		goto out_close_proc;
	ret = inode_table_init(&fs->inodes, fd_max);
	if (ret) {
		snprintf(err, errlen, "out of memory");
		goto out_close_root;
	}
	/* Failure is no error: inodes there keep their fds, as without
	 * file handles. */
	inode_table_add_mount(&fs->inodes, fs->root.fd);
	pthread_mutex_init(&fs->backing_lock, NULL);
	pthread_mutex_init(&fs->dirs_lock, NULL);
	return 0;

out_close_root:
	close(fs->root.fd);
out_close_proc:
	close(fs->proc_fd);
	return ret;
}

void setup_release(struct fs *fs)
{
	dir_close_all(fs);
	pthread_mutex_destroy(&fs->dirs_lock);
	pthread_mutex_destroy(&fs->backing_lock);
	inode_table_destroy(&fs->inodes);
	close(fs->root.fd);
	close(fs->proc_fd);
}
