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

#include "caller.h"
#include "creds.h"
#include "node.h"

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
static bool kill_in_group(fuse_req_t req, const struct caller *c, gid_t gid)
{
	gid_t groups[CALLER_MAX_GROUPS];
	int n;

	if (c->fsgid == gid)
		return true;
	n = caller_groups(req, groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/*
 * The file's owner and group as the VFS compares them with the caller's
 * (host ids) into *@vuid and *@vgid; returns whether the caller's namespace
 * maps both (capable_wrt_inode_uidgid() needs it).
 *
 * In shift mode they are what we show (@uid, @gid).  In kernel mode they
 * are what the runtime's ID-mapped mount on top shows, which the daemon
 * cannot see; we take the caller's own namespace's map for it, which is
 * what Kubernetes gives a pod's volumes.  A caller in the initial
 * namespace then matches neither id: through that mount they are pod ids
 * (a host user working on the bare FUSE mount is treated alike, which
 * can only cost it a set-id bit or a chown of a file it owns).
 */
static bool kill_vfs_ids(const struct fs *fs, const struct caller *c, pid_t pid,
			 uid_t uid, gid_t gid, uint32_t *vuid, uint32_t *vgid)
{
	uint32_t inside;

	*vuid = uid;
	*vgid = gid;
	if (fs->kernel_mode && c->init_ns) {
		*vuid = *vgid = UINT32_MAX;
		return true;
	}
	if (fs->kernel_mode) {
		/* An id that map leaves out is the VFS's invalid id, which
		 * matches nobody. */
		bool uid_ok = kill_ns_map(pid, "uid_map", uid, true, vuid);
		bool gid_ok = kill_ns_map(pid, "gid_map", gid, true, vgid);

		if (!uid_ok)
			*vuid = UINT32_MAX;
		if (!gid_ok)
			*vgid = UINT32_MAX;
		return uid_ok && gid_ok;
	}
	return c->init_ns ||
	       (kill_ns_map(pid, "uid_map", uid, false, &inside) &&
		kill_ns_map(pid, "gid_map", gid, false, &inside));
}

/* The set-id bits of @mode a caller clears (setattr_should_drop_suidgid()
 * without its capable(CAP_FSETID) test): setuid always; setgid with
 * group-exec, or when the caller is neither in the file's group nor has
 * CAP_FSETID over the file in its namespace. */
static mode_t kill_bits(const struct fs *fs, fuse_req_t req,
			const struct caller *c, pid_t pid, mode_t mode,
			uid_t uid, gid_t gid)
{
	mode_t kill = mode & S_ISUID;
	uint32_t vuid, vgid;
	bool mapped;

	if (!(mode & S_ISGID))
		return kill;
	if (mode & S_IXGRP)
		return kill | S_ISGID;
	mapped = kill_vfs_ids(fs, c, pid, uid, gid, &vuid, &vgid);
	if (kill_in_group(req, c, vgid) ||
	    (caller_has_cap(c, CALLER_CAP_FSETID) && mapped))
		return kill;
	return kill | S_ISGID;
}

/*
 * The set-id bits the kernel would clear from a file of mode @mode, shown
 * owner @uid and group @gid, for the caller of @req, were it to write to
 * it.  Reads the caller's /proc entries only when the answer depends on
 * them (the file has set-id bits).  Returns the bits (0 if none).
 */
static mode_t kill_setid_bits(const struct fs *fs, fuse_req_t req, mode_t mode,
			      uid_t uid, gid_t gid, enum kill_hint hint)
{
	pid_t pid = fuse_req_ctx(req)->pid;
	struct caller c;

	/* KILL_HINT_KEEP never gets here: kill_setid() answered it. */
	if (!S_ISREG(mode) || !(mode & (S_ISUID | S_ISGID)))
		return 0;
	caller_read(pid, &c);
	/* The kernel's capable(CAP_FSETID): in the initial namespace. */
	if (hint == KILL_HINT_NONE && c.init_ns &&
	    caller_has_cap(&c, CALLER_CAP_FSETID))
		return 0;
	return kill_bits(fs, req, &c, pid, mode, uid, gid);
}

enum kill_hint kill_hint_of_request(const struct fs *fs)
{
	int kill = session_request_kill_suidgid();

	if (!fs->features.killpriv_v2 || kill < 0)
		return KILL_HINT_NONE;
	return kill ? KILL_HINT_KILL : KILL_HINT_KEEP;
}

bool kill_is_setid(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	       (st.st_mode & (S_ISUID | S_ISGID));
}

/* stat @inode (through @fd when >= 0); returns whether it is a regular
 * file with set-id bits, with *@st filled and its ids shown. */
static bool kill_stat_setid(struct fs *fs, struct inode *inode, int fd,
			    struct stat *st, int *err)
{
	*err = fd >= 0 ? (fstat(fd, st) < 0 ? -errno : 0)
		       : node_stat(fs, inode, st);
	if (*err || !S_ISREG(st->st_mode) ||
	    !(st->st_mode & (S_ISUID | S_ISGID)))
		return false;
	node_stat_up(fs, st);
	return true;
}

int kill_setid(struct fs *fs, fuse_req_t req, struct inode *inode, int fd,
	       enum kill_hint hint)
{
	struct stat st;
	mode_t kill;
	int err;

	/* The kernel says the caller keeps set-id bits: no stat per write. */
	if (hint == KILL_HINT_KEEP)
		return 0;
	if (!kill_stat_setid(fs, inode, fd, &st, &err))
		return err;
	kill = kill_setid_bits(fs, req, st.st_mode, st.st_uid, st.st_gid, hint);
	if (!kill)
		return 0;
	return node_chmod(fs, inode, fd, st.st_mode & 07777 & ~kill);
}

/* Whether task @pid is in one of the chown system calls (/proc/PID/syscall
 * starts with the number of the call it is blocked in). */
static bool kill_in_chown(pid_t pid)
{
	char path[64];
	long nr = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fscanf(f, "%ld", &nr) != 1)
		nr = -1;
	fclose(f);
#ifdef SYS_chown
	if (nr == SYS_chown || nr == SYS_lchown)
		return true;
#endif
	return nr == SYS_fchown || nr == SYS_fchownat;
}

int kill_setid_empty_setattr(struct fs *fs, fuse_req_t req, struct inode *inode)
{
	pid_t pid = fuse_req_ctx(req)->pid;
	struct caller c;
	uint32_t vuid, vgid;
	struct stat st;
	bool mapped;
	int err;

	if (!kill_stat_setid(fs, inode, -1, &st, &err))
		return err;
	caller_read(pid, &c);
	mapped = kill_vfs_ids(fs, &c, pid, st.st_uid, st.st_gid, &vuid, &vgid);
	/* inode_owner_or_capable(): the mode change a chown makes is the
	 * owner's (or CAP_FOWNER's) to make; a writer's needs neither. */
	if (c.fsuid != vuid &&
	    !(caller_has_cap(&c, CALLER_CAP_FOWNER) && mapped))
		return kill_in_chown(pid) ? -EPERM : 0;
	return node_chmod(fs, inode, -1,
			  st.st_mode & 07777 &
				  ~kill_bits(fs, req, &c, pid, st.st_mode,
					     st.st_uid, st.st_gid));
}
