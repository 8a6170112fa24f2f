// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Clearing set-id bits where the kernel leaves it to us (see kill.h).
 *
 * The kernel's FUSE code clears set-id bits itself only through a SETATTR
 * it sends before a write, and with its own rule (setgid only with
 * group-exec); it leaves open with O_TRUNC to the server entirely
 * (FUSE_ATOMIC_O_TRUNC), and with FUSE_HANDLE_KILLPRIV_V2 it leaves
 * everything to the server.  The rule below is the ID-mapped mount's.
 */
#include "kill.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "creds.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

/* CAP_FSETID, from <linux/capability.h>. */
#define KILL_CAP_FSETID 4
/* The most supplementary groups looked at (as creds.c). */
#define KILL_MAX_GROUPS 256

/* What /proc tells about the caller. */
struct kill_caller {
	bool fsetid;  /* CAP_FSETID in its effective set (in its namespace) */
	bool init_ns; /* in the daemon's (the initial) user namespace */
	gid_t fsgid;  /* as the daemon sees it (a host id) */
};

/* Read the caller's effective CAP_FSETID and whether it lives in our user
 * namespace.  A caller gone or hidden reads as unprivileged in another
 * namespace: the bits are then cleared, which never grants anything. */
static void kill_read_caller(pid_t pid, struct kill_caller *c)
{
	char path[64], line[256];
	struct stat self, caller;
	FILE *f;

	c->fsetid = false;
	c->init_ns = false;
	c->fsgid = (gid_t)-1;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	if (pid <= 0 || stat("/proc/self/ns/user", &self) < 0 ||
	    stat(path, &caller) < 0)
		return;
	c->init_ns =
		self.st_ino == caller.st_ino && self.st_dev == caller.st_dev;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long caps;
		unsigned int real, eff, saved, fs;

		if (sscanf(line, "Gid: %u %u %u %u", &real, &eff, &saved,
			   &fs) == 4)
			c->fsgid = fs;
		if (sscanf(line, "CapEff: %llx", &caps) == 1) {
			c->fsetid = caps & (1ULL << KILL_CAP_FSETID);
			break;
		}
	}
	fclose(f);
}

/*
 * Look @id up in the caller's /proc/PID/@which ("uid_map" or "gid_map",
 * lines "inside outside count"): @up maps an inside id to the host id
 * *@out; otherwise @id is a host id and *@out the inside one.  Returns
 * whether the caller's namespace maps it.
 */
static bool kill_ns_map(pid_t pid, const char *which, uint32_t id, bool up,
			uint32_t *out)
{
	char path[64];
	uint32_t in, host, count;
	bool mapped = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, which);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fscanf(f, "%" SCNu32 " %" SCNu32 " %" SCNu32, &in, &host,
		      &count) == 3) {
		uint32_t from = up ? in : host, to = up ? host : in;

		if (id >= from && id - from < count) {
			*out = to + (id - from);
			mapped = true;
			break;
		}
	}
	fclose(f);
	return mapped;
}

/* Whether host id @gid is the caller's fsgid or one of its groups. */
static bool kill_in_group(fuse_req_t req, const struct kill_caller *c,
			  gid_t gid)
{
	gid_t groups[KILL_MAX_GROUPS];
	int n;

	if (c->fsgid == gid)
		return true;
	n = fuse_req_getgroups(req, KILL_MAX_GROUPS, groups);
	if (n > KILL_MAX_GROUPS)
		n = KILL_MAX_GROUPS;
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/*
 * Setgid without group-exec: kept for a member of the file's group, and
 * for a caller with CAP_FSETID over the file (capable_wrt_inode_uidgid():
 * in its own namespace, which must map the file's owner and group).
 *
 * The ids compared are those the VFS compares: the file's as the mount
 * shows them, as host ids.  In shift mode that is what we show (@uid,
 * @gid).  In kernel mode it is what the runtime's ID-mapped mount on top
 * shows, which the daemon cannot see; we take the caller's own namespace's
 * map for it, which is what Kubernetes gives a pod's volumes.  A caller in
 * the initial namespace is taken to be in none of the file's groups: those
 * are pod ids through that mount (and a host group member writing through
 * the bare FUSE mount loses the bit, which grants nothing).
 */
static bool kill_keeps_sgid(const struct fs *fs, fuse_req_t req,
			    const struct kill_caller *c, pid_t pid, uid_t uid,
			    gid_t gid)
{
	uint32_t vuid = uid, vgid = gid, inside;
	bool mapped;

	if (fs->kernel_mode && c->init_ns)
		return c->fsetid;
	if (fs->kernel_mode)
		mapped = kill_ns_map(pid, "uid_map", uid, true, &vuid) &&
			 kill_ns_map(pid, "gid_map", gid, true, &vgid);
	else
		mapped = c->init_ns ||
			 (kill_ns_map(pid, "uid_map", uid, false, &inside) &&
			  kill_ns_map(pid, "gid_map", gid, false, &inside));
	if (kill_in_group(req, c, vgid))
		return true;
	return c->fsetid && mapped;
}

mode_t kill_setid_bits(const struct fs *fs, fuse_req_t req, mode_t mode,
		       uid_t uid, gid_t gid, enum kill_hint hint)
{
	pid_t pid = fuse_req_ctx(req)->pid;
	struct kill_caller c;
	mode_t kill;

	if (!S_ISREG(mode) || !(mode & (S_ISUID | S_ISGID)) ||
	    hint == KILL_HINT_KEEP)
		return 0;
	kill_read_caller(pid, &c);
	/* The kernel's capable(CAP_FSETID): in the initial namespace. */
	if (hint == KILL_HINT_NONE && c.init_ns && c.fsetid)
		return 0;
	kill = mode & S_ISUID;
	if (!(mode & S_ISGID))
		return kill;
	if ((mode & S_IXGRP) || !kill_keeps_sgid(fs, req, &c, pid, uid, gid))
		kill |= S_ISGID;
	return kill;
}

bool kill_is_setid(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	       (st.st_mode & (S_ISUID | S_ISGID));
}

int kill_setid(const struct fs *fs, fuse_req_t req, const struct inode *inode,
	       int fd, enum kill_hint hint)
{
	char name[FS_FD_NAME_LEN];
	struct stat st;
	mode_t kill;
	int err;

	err = fd >= 0 ? (fstat(fd, &st) < 0 ? -errno : 0) : fs_stat(inode, &st);
	if (err)
		return err;
	if (!S_ISREG(st.st_mode) || !(st.st_mode & (S_ISUID | S_ISGID)))
		return 0;
	fs_stat_up(fs, &st);
	kill = kill_setid_bits(fs, req, st.st_mode, st.st_uid, st.st_gid, hint);
	if (!kill)
		return 0;
	if (fd >= 0)
		return fchmod(fd, st.st_mode & 07777 & ~kill) < 0 ? -errno : 0;
	if (syscall(SYS_fchmodat2, inode->fd, "", st.st_mode & 07777 & ~kill,
		    AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	fs_fd_name(inode->fd, name);
	return fchmodat(fs->proc_fd, name, st.st_mode & 07777 & ~kill, 0) < 0
		       ? -errno
		       : 0;
}
