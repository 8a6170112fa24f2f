// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Per-thread credentials.  setfsuid/setfsgid/setgroups are issued as raw
 * syscalls: the kernel keeps credentials per thread, and only glibc's
 * wrappers broadcast them to every thread of the process.  The umask lives
 * in the fs_struct, shared by all threads unless a thread unshares it, so
 * each worker thread unshares its own the first time it needs one.
 *
 * Fail closed (DESIGN.md §3): a switch either completes, or fails with the
 * thread back on the daemon's credentials; a thread that cannot get back
 * ends the daemon.  tests/security/fault-creds.sh makes each step fail
 * under seccomp and checks that nothing changes.
 */
#include "creds.h"
#include "caller.h"

#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * Thread-local because the fs_struct is: whether this worker thread has a
 * private umask yet.  Not FUSE reply state, but the same kind of fact about
 * the thread serving the request.
 */
static _Thread_local bool creds_have_private_fs;

/* Thread-local like the credentials themselves: whether this thread runs
 * as someone other than the daemon until creds_restore(). */
static _Thread_local bool creds_switched;

/*
 * The umask is not put back afterwards: only creating calls depend on it,
 * and each sets its own.  umask() cannot fail in the kernel, but a seccomp
 * filter can refuse it, which the raw syscall reports.
 */
static int creds_set_umask(mode_t mask)
{
	if (!creds_have_private_fs) {
		if (unshare(CLONE_FS) < 0)
			return -errno;
		creds_have_private_fs = true;
	}
	if (syscall(SYS_umask, mask) < 0)
		return -errno;
	return 0;
}

/*
 * setfsuid() and setfsgid() never report an error: they return the
 * previous id whether or not they changed it, and refuse by changing
 * nothing.  So ask again with -1, an invalid id that changes nothing and
 * returns the current one, and compare.  (-EPERM: a refused change of
 * credentials.)
 */
static int creds_set_fsuid(uid_t uid)
{
	(void)syscall(SYS_setfsuid, uid); /* the previous fsuid: no verdict */
	if ((uid_t)syscall(SYS_setfsuid, (uid_t)-1) != uid)
		return -EPERM;
	return 0;
}

static int creds_set_fsgid(gid_t gid)
{
	(void)syscall(SYS_setfsgid, gid); /* the previous fsgid: no verdict */
	if ((gid_t)syscall(SYS_setfsgid, (gid_t)-1) != gid)
		return -EPERM;
	return 0;
}

static int creds_set_groups(size_t nr, const gid_t *groups)
{
	if (syscall(SYS_setgroups, nr, groups) < 0)
		return -errno;
	return 0;
}

/*
 * This thread runs with credentials that are not the daemon's and cannot
 * be made so: anything it served next would act as the wrong user.  A
 * libfuse worker cannot be retired alone (its request would stay
 * unanswered and the pool would hand it more), so the daemon ends, at once
 * and without running any more of its code: the mount answers ENOTCONN and
 * a supervisor (uidmapfs@.service: Restart=on-failure) starts it again.
 */
static _Noreturn void creds_die(int err)
{
	fuse_log(FUSE_LOG_ERR,
		 "uidmapfs: cannot switch back to the daemon's credentials: "
		 "%s; exiting\n",
		 strerror(-err));
	_exit(EXIT_FAILURE);
}

/*
 * Map the caller's supplementary groups down; groups outside the map are
 * left out (they could not grant anything on disk the map allows).  Not
 * reading them all (caller gone, more than CALLER_MAX_GROUPS) is no failure
 * to fail closed on: the kernel has already checked the request against
 * all of them (default_permissions), so fewer groups can make the backing
 * store refuse more, but never let through what the kernel refused.
 */
static int creds_groups_down(const struct fs *fs, fuse_req_t req, gid_t *list)
{
	gid_t shown[CALLER_MAX_GROUPS];
	int n = caller_groups(req, shown);
	int nr = 0;

	for (int i = 0; i < n; i++) {
		uint32_t g = idmap_down(&fs->gids, shown[i]);

		if (g != IDMAP_UNMAPPED)
			list[nr++] = g;
	}
	return nr;
}

/*
 * Raise the thread's effective capabilities back to its permitted set.  A
 * non-zero fsuid drops the filesystem capabilities (CAP_DAC_OVERRIDE,
 * CAP_FOWNER, CAP_FSETID...); kernel mode needs them back, see
 * creds_switch().
 */
static int creds_raise_caps(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	data[0].effective = data[0].permitted;
	data[1].effective = data[1].permitted;
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}

/*
 * Switch the thread to @uid/@gid and the caller's groups.  Returns 0, the
 * thread switched until creds_restore(), or -errno with the thread back on
 * the daemon's credentials.
 */
static int creds_switch(const struct fs *fs, fuse_req_t req, uid_t uid,
			gid_t gid)
{
	gid_t groups[CALLER_MAX_GROUPS];
	int nr = 0;
	int err;

	/* On-disk 0:0 is the daemon itself (a pod's root, usually): nothing
	 * to switch, nothing to restore. */
	if (uid == 0 && gid == 0)
		return 0;
	/* In kernel mode the caller's supplementary groups are host ids
	 * that only the runtime's ID-mapped mount (not us) could map.  On-disk
	 * root needs none: its capabilities decide (and the /proc read of
	 * the groups is the costly part of a switch). */
	if (!fs->kernel_mode && uid != 0)
		nr = creds_groups_down(fs, req, groups);
	/* From here the thread may be partly switched. */
	creds_switched = true;
	err = creds_set_groups((size_t)nr, groups);
	if (err)
		goto out_restore;
	/* setfsgid before setfsuid: once fsuid is not 0 the thread may no
	 * longer have CAP_SETGID in its effective set. */
	err = creds_set_fsgid(gid);
	if (err)
		goto out_restore;
	err = creds_set_fsuid(uid);
	if (err)
		goto out_restore;
	/*
	 * Kernel mode, lacking the groups, keeps the daemon's capabilities
	 * (the kernel has checked permission, through the runtime's
	 * ID-mapped mount) and uses fsuid/fsgid only to set owners.
	 */
	if (fs->kernel_mode) {
		err = creds_raise_caps();
		if (err)
			goto out_restore;
	}
	return 0;

out_restore:
	creds_restore();
	return err;
}

int creds_become_creator(const struct fs *fs, fuse_req_t req)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	uint32_t uid = idmap_down(&fs->uids, ctx->uid);
	uint32_t gid = idmap_down(&fs->gids, ctx->gid);
	int err;

	/*
	 * Kernel mode: through an ID-mapped mount the kernel sends on-disk
	 * ids only with requests that give a new inode its owner (create,
	 * mknod, mkdir, symlink) and -1 with the others (link, rename),
	 * having itself refused a caller the mount cannot represent.
	 */
	if (fs->kernel_mode && (ctx->uid == (uid_t)-1 || ctx->gid == (gid_t)-1))
		return 0;
	if (uid == IDMAP_UNMAPPED || gid == IDMAP_UNMAPPED)
		return -EOVERFLOW;
	err = creds_set_umask(ctx->umask);
	if (err)
		return err;
	return creds_switch(fs, req, uid, gid);
}

int creds_become_caller(const struct fs *fs, fuse_req_t req)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	uint32_t uid = idmap_down(&fs->uids, ctx->uid);
	uint32_t gid = idmap_down(&fs->gids, ctx->gid);

	if (uid == IDMAP_UNMAPPED || gid == IDMAP_UNMAPPED)
		return 0;
	return creds_switch(fs, req, uid, gid);
}

void creds_restore(void)
{
	int err;

	if (!creds_switched)
		return;
	/* fsuid first: back at 0, the thread has its filesystem
	 * capabilities again. */
	err = creds_set_fsuid(0);
	if (!err)
		err = creds_set_fsgid(0);
	if (!err)
		err = creds_set_groups(0, NULL);
	if (err)
		creds_die(err);
	creds_switched = false;
}
