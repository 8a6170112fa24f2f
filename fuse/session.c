// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Mounting, the custom I/O hooks, and the kernel features negotiated
 * through them (DESIGN.md section 1).
 *
 * Offsets and flags below are those of <linux/fuse.h> at protocol 7.41;
 * Debian 12's header (7.38) lacks the passthrough and ID-mapping ones, so
 * they are spelt out here, each with its kernel name.
 */
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/uio.h>
#include <unistd.h>

/* flags2 bits: FUSE_PASSTHROUGH (1ULL << 37), FUSE_ALLOW_IDMAP (1ULL << 40). */
#define SESSION_FLAGS2_PASSTHROUGH (1u << 5)
#define SESSION_FLAGS2_ALLOW_IDMAP (1u << 8)
/* fuse_init_out.max_stack_depth, right after flags2. */
#define SESSION_INIT_OUT_STACK_DEPTH 36
#define SESSION_INIT_OUT_MIN_EXT 40
/* fuse_open_out: open_flags |= FOPEN_PASSTHROUGH, backing_id after it. */
#define SESSION_FOPEN_PASSTHROUGH (1u << 7)
#define SESSION_OPEN_OUT_SIZE 16
#define SESSION_OPEN_OUT_FLAGS 8
#define SESSION_OPEN_OUT_BACKING_ID 12
/* The largest reply we patch: fuse_entry_out + fuse_open_out (CREATE). */
#define SESSION_PATCH_MAX 256

struct session_backing_map {
	int32_t fd;
	uint32_t flags;
	uint64_t padding;
};

#define SESSION_IOC_BACKING_OPEN _IOW(229, 1, struct session_backing_map)
#define SESSION_IOC_BACKING_CLOSE _IOW(229, 2, uint32_t)

/*
 * Thread-local because the FUSE reply path forces it: libfuse builds the
 * OPEN/CREATE reply and calls our writev hook in the replying thread, with
 * no way to pass the backing id along.
 */
static _Thread_local int session_pending_backing_id;

void session_reply_passthrough(int id)
{
	session_pending_backing_id = id;
}

static uint32_t session_get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void session_put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Note what the kernel offers in INIT (the first request, served before
 * any worker thread exists). */
static void session_note_init(struct session_features *feat, const void *buf,
			      size_t len)
{
	struct fuse_in_header in;
	struct fuse_init_in init;

	if (len < sizeof(in) + offsetof(struct fuse_init_in, flags2) + 4)
		return;
	memcpy(&in, buf, sizeof(in));
	if (in.opcode != FUSE_INIT)
		return;
	memcpy(&init, (const char *)buf + sizeof(in),
	       offsetof(struct fuse_init_in, flags2) + 4);
	feat->init_seen = true;
	feat->init_unique = in.unique;
	if (!(init.flags & FUSE_INIT_EXT))
		return;
	feat->offers_idmap =
		(init.flags2 & SESSION_FLAGS2_ALLOW_IDMAP) && !feat->hide_idmap;
	feat->offers_passthrough = (init.flags2 & SESSION_FLAGS2_PASSTHROUGH) &&
				   !feat->hide_passthrough;
}

static ssize_t session_read(int fd, void *buf, size_t len, void *userdata)
{
	struct session_features *feat = userdata;
	ssize_t n = read(fd, buf, len);

	if (n > 0 && !feat->init_seen)
		session_note_init(feat, buf, (size_t)n);
	return n;
}

/* Ask for the features the kernel offered and we want: only bits the
 * kernel offered, so it never sees a flag it does not know. */
static void session_patch_init(struct session_features *feat,
			       unsigned char *out, size_t len)
{
	uint32_t flags2 = 0;

	if (len < SESSION_INIT_OUT_MIN_EXT)
		return;
	if (feat->want_idmap && feat->offers_idmap) {
		flags2 |= SESSION_FLAGS2_ALLOW_IDMAP;
		feat->idmap = true;
	}
	if (feat->want_passthrough && feat->offers_passthrough) {
		flags2 |= SESSION_FLAGS2_PASSTHROUGH;
		/* Our backing files are on ordinary filesystems: one level
		 * of stacking. */
		session_put32(out + SESSION_INIT_OUT_STACK_DEPTH, 1);
		feat->passthrough = true;
	}
	if (!flags2)
		return;
	session_put32(
		out + offsetof(struct fuse_init_out, flags),
		session_get32(out + offsetof(struct fuse_init_out, flags)) |
			FUSE_INIT_EXT);
	session_put32(
		out + offsetof(struct fuse_init_out, flags2),
		session_get32(out + offsetof(struct fuse_init_out, flags2)) |
			flags2);
}

static void session_patch_open(unsigned char *out, size_t len, int id)
{
	unsigned char *open_out = out + len - SESSION_OPEN_OUT_SIZE;

	session_put32(open_out + SESSION_OPEN_OUT_FLAGS,
		      session_get32(open_out + SESSION_OPEN_OUT_FLAGS) |
			      SESSION_FOPEN_PASSTHROUGH);
	session_put32(open_out + SESSION_OPEN_OUT_BACKING_ID, (uint32_t)id);
}

/*
 * Replies pass through unchanged but for two: the INIT reply and an
 * OPEN/CREATE reply marked by session_reply_passthrough().  Those are
 * patched in a copy (libfuse's buffers are left alone), and never when
 * they carry an error.
 */
static ssize_t session_writev(int fd, struct iovec *iov, int count,
			      void *userdata)
{
	struct session_features *feat = userdata;
	unsigned char copy[SESSION_PATCH_MAX];
	struct fuse_out_header out;
	struct iovec patched[2];
	bool init, open;

	if (count != 2 || iov[0].iov_len < sizeof(out) ||
	    iov[1].iov_len > sizeof(copy))
		return writev(fd, iov, count);
	memcpy(&out, iov[0].iov_base, sizeof(out));
	init = feat->init_seen && !feat->idmap && !feat->passthrough &&
	       out.unique == feat->init_unique;
	open = session_pending_backing_id > 0 &&
	       iov[1].iov_len >= SESSION_OPEN_OUT_SIZE;
	if (out.error != 0 || (!init && !open))
		return writev(fd, iov, count);
	memcpy(copy, iov[1].iov_base, iov[1].iov_len);
	if (init)
		session_patch_init(feat, copy, iov[1].iov_len);
	else
		session_patch_open(copy, iov[1].iov_len,
				   session_pending_backing_id);
	patched[0] = iov[0];
	patched[1] =
		(struct iovec){ .iov_base = copy, .iov_len = iov[1].iov_len };
	return writev(fd, patched, 2);
}

/* Zero-copy read replies: custom I/O turns splice off without this hook.
 * (No splice_receive: requests are read through session_read(), which
 * must see INIT.) */
static ssize_t session_splice_send(int fdin, off_t *offin, int fdout,
				   off_t *offout, size_t len,
				   unsigned int flags, void *userdata)
{
	(void)userdata;
	return splice(fdin, offin, fdout, offout, len, flags);
}

static const struct fuse_custom_io session_io = {
	.read = session_read,
	.writev = session_writev,
	.splice_send = session_splice_send,
};

int session_mount(struct fuse_session *se, const struct session_mount *m,
		  struct session_features *feat, char *err, size_t errlen)
{
	char data[256];
	int fd, ret;

	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open /dev/fuse: %s",
			 strerror(-ret));
		return ret;
	}
	/* default_permissions: the kernel checks access against the ids we
	 * report (and FUSE_ALLOW_IDMAP requires it); allow_other: the
	 * callers are not the mounting user. */
	snprintf(data, sizeof(data),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0,"
		 "allow_other,default_permissions",
		 fd);
	if (mount(m->source, m->mountpoint, "fuse.uidmapfs", m->flags, data) <
	    0) {
		ret = -errno;
		snprintf(err, errlen, "cannot mount on %s: %s", m->mountpoint,
			 strerror(-ret));
		goto out_close_fd;
	}
	/* From here libfuse owns fd and closes it in fuse_session_destroy. */
	if (fuse_session_custom_io(se, &session_io, fd) < 0) {
		snprintf(err, errlen, "cannot attach the FUSE connection");
		session_unmount(m->mountpoint);
		ret = -EIO;
		goto out_close_fd;
	}
	feat->dev_fd = fd;
	return 0;

out_close_fd:
	close(fd);
	return ret;
}

int session_handshake(struct fuse_session *se,
		      const struct session_features *feat, char *err,
		      size_t errlen)
{
	struct fuse_buf buf = { .mem = NULL };
	int n;

	n = fuse_session_receive_buf(se, &buf);
	if (n <= 0) {
		snprintf(err, errlen, "the kernel sent no INIT request: %s",
			 n < 0 ? strerror(-n) : "connection closed");
		free(buf.mem);
		return n < 0 ? n : -EIO;
	}
	fuse_session_process_buf(se, &buf);
	free(buf.mem);
	if (!feat->init_seen) {
		snprintf(err, errlen, "the first request was not INIT");
		return -EPROTO;
	}
	if (feat->want_idmap && !feat->offers_idmap) {
		snprintf(err, errlen,
			 "kernel mode needs FUSE ID-mapped mount support "
			 "(Linux 6.12 or later), which this kernel does not "
			 "offer: give a map (-o uidmap=,gidmap=) for shift "
			 "mode, or -o idmap_optional");
		return -EOPNOTSUPP;
	}
	return 0;
}

int session_unmount(const char *mountpoint)
{
	if (umount2(mountpoint, UMOUNT_NOFOLLOW) == 0)
		return 0;
	if (errno != EBUSY)
		return -errno;
	/* Files are still open: detach now, the kernel finishes when the
	 * last user is gone. */
	if (umount2(mountpoint, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

int session_backing_open(const struct session_features *feat, int fd)
{
	struct session_backing_map map = { .fd = fd };
	int id;

	id = ioctl(feat->dev_fd, SESSION_IOC_BACKING_OPEN, &map);
	if (id < 0)
		return -errno;
	return id == 0 ? -EIO : id;
}

void session_backing_close(const struct session_features *feat, int id)
{
	uint32_t backing = (uint32_t)id;

	ioctl(feat->dev_fd, SESSION_IOC_BACKING_CLOSE, &backing);
}
