// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Mounting, the custom I/O hooks, and the kernel features negotiated
 * through them (DESIGN.md section 1).
 *
 * The wire format (offsets, flags, the INIT negotiation) is proto.c's; this
 * file only decides which message to hand it.
 */
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/uio.h>
#include <unistd.h>

#include "proto.h"
#include "uring.h"
#include "uring_msg.h"

/* The largest reply we patch: fuse_entry_out + fuse_open_out (CREATE). */
#define SESSION_PATCH_MAX                                                      \
	(sizeof(struct fuse_entry_out) + sizeof(struct fuse_open_out))

/*
 * What the reply this thread writes next must carry that libfuse 3.14
 * cannot put in it.  Thread-local because libfuse builds the reply and
 * calls our writev hook in the replying thread, and passes the hook nothing
 * of ours but the session userdata, which is the ops' struct fs (the
 * session's own state would have to sit at a fixed place inside it).  Both
 * are set by the code that is about to cause the reply, in the same thread,
 * and consumed by the hook:
 *  - init: while session_handshake() serves INIT (in the calling thread,
 *    before any worker exists), what to add to the INIT reply;
 *  - backing_id: session_reply_passthrough() before fuse_reply_open() or
 *    fuse_reply_create().  The hook takes it (reads and clears it) with
 *    the first reply it writes, so no later reply can carry a stale id
 *    (tests/unit/test_session_io.c).
 * The backing id hand-off goes away with libfuse 3.16 (fi->backing_id), or
 * if data.c sent the OPEN/CREATE reply itself with fuse_reply_iov() and a
 * fuse_open_out built by proto.c.
 */
struct session_pending {
	const struct proto_init_want *init;
	bool init_patched;
	long init_payload; /* the ring payload size the INIT reply implies */
	int backing_id;
};

static _Thread_local struct session_pending session_pending;

void session_reply_passthrough(int id)
{
	session_pending.backing_id = id;
}

/*
 * Whether the request this thread read last asks for set-id bits to be
 * cleared: 1, 0, or -1 when this thread has read no request through
 * session_read() (or could not parse it).  Thread-local because libfuse
 * passes the operations nothing of the raw request but what it parsed (and
 * not these bits), and serves a request in the thread that read it:
 * fuse_session_loop() and each worker of fuse_session_loop_mt()
 * (fuse_do_work() in 3.14) read a request through this hook and process it
 * before reading the next.  A transport that does not read through this
 * hook notes each request with session_note_request() (io_uring does,
 * before it hands the request to libfuse); one that does not leaves -1,
 * and the caller then finds out another way (kill.c reads /proc): never a
 * stale "no".
 */
static _Thread_local int session_kill_suidgid = -1;

int session_request_kill_suidgid(void)
{
	return session_kill_suidgid;
}

void session_note_request(const void *buf, size_t len)
{
	struct proto_request r;

	session_kill_suidgid = -1;
	if (proto_parse_request(buf, len, &r) == 0)
		session_kill_suidgid = r.kill_suidgid;
}

static ssize_t session_read(int fd, void *buf, size_t len, void *userdata)
{
	ssize_t n;

	(void)userdata;
	n = read(fd, buf, len);
	if (n > 0)
		session_note_request(buf, (size_t)n);
	else
		session_kill_suidgid = -1;
	return n;
}

/* Patch @body (a copy of the reply payload, @len bytes) as pending in this
 * thread.  Returns true when it was changed. */
static bool session_patch(const struct fuse_out_header *out, void *body,
			  size_t len)
{
	int id = session_pending.backing_id;

	session_pending.backing_id = 0;
	if (session_pending.init) {
		if (proto_patch_init_reply(out, body, len,
					   session_pending.init) != 0)
			return false;
		session_pending.init_patched = true;
		session_pending.init_payload = uring_msg_payload_size(
			body, len, (size_t)sysconf(_SC_PAGESIZE));
		return true;
	}
	return id > 0 && proto_patch_open_reply(out, body, len, id) == 0;
}

/* A reply goes into the ring entry this thread serves, if it answers that
 * entry's request, else to /dev/fuse.  Returns as writev(2). */
static ssize_t session_send(int fd, struct iovec *iov, int count)
{
	ssize_t ret = uring_reply(iov, count);

	if (ret == -ENOENT)
		return writev(fd, iov, count);
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

/*
 * Replies pass through unchanged but for the INIT reply and an OPEN/CREATE
 * reply marked by session_reply_passthrough() (see session_pending).  They
 * are patched in a copy (libfuse's buffers are left alone), and never when
 * they carry an error.
 */
ssize_t session_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	unsigned char copy[SESSION_PATCH_MAX];
	struct fuse_out_header out;
	struct iovec patched[2];

	(void)userdata;
	if (!session_pending.init && session_pending.backing_id <= 0) {
		session_pending.backing_id = 0;
		return session_send(fd, iov, count);
	}
	/* libfuse writes a reply as the header and one payload iovec. */
	if (count != 2 || iov[0].iov_len != sizeof(out) ||
	    iov[1].iov_len > sizeof(copy)) {
		session_pending.backing_id = 0;
		return session_send(fd, iov, count);
	}
	memcpy(&out, iov[0].iov_base, sizeof(out));
	memcpy(copy, iov[1].iov_base, iov[1].iov_len);
	if (!session_patch(&out, copy, iov[1].iov_len))
		return session_send(fd, iov, count);
	patched[0] = iov[0];
	patched[1] =
		(struct iovec){ .iov_base = copy, .iov_len = iov[1].iov_len };
	return session_send(fd, patched, 2);
}

/* Zero-copy read replies: custom I/O turns splice off without this hook.
 * (No splice_receive: session_handshake() parses INIT from memory.) */
static ssize_t session_splice_send(int fdin, off_t *offin, int fdout,
				   off_t *offout, size_t len,
				   unsigned int flags, void *userdata)
{
	ssize_t ret;

	(void)userdata;
	/* A read reply to a ring request: from the pipe into the entry. */
	ret = uring_reply_splice(fdin, len, fdout);
	if (ret == -ENOENT)
		return splice(fdin, offin, fdout, offout, len, flags);
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
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

/* The INIT reply additions for what @feat wants and @offer offers. */
static struct proto_init_want
session_init_want(const struct session_features *feat,
		  const struct proto_init_offer *offer)
{
	uint64_t wanted = 0;

	if (feat->want_idmap && !feat->hide_idmap)
		wanted |= FUSE_ALLOW_IDMAP;
	if (feat->want_passthrough && !feat->hide_passthrough)
		wanted |= FUSE_PASSTHROUGH;
	/* Always: we clear set-id bits ourselves (fuse/kill.c) and the
	 * kernel skips its per-write security.capability lookup. */
	wanted |= FUSE_HANDLE_KILLPRIV_V2;
	if (feat->want_uring)
		wanted |= FUSE_OVER_IO_URING;
	/* Our backing files are on ordinary filesystems: one level of
	 * stacking. */
	return proto_init_want(offer, wanted, 1);
}

int session_handshake(struct fuse_session *se, struct session_features *feat,
		      char *err, size_t errlen)
{
	struct fuse_buf buf = { .mem = NULL };
	struct proto_init_offer offer;
	struct proto_init_want want;
	int n, ret;

	n = fuse_session_receive_buf(se, &buf);
	if (n <= 0) {
		snprintf(err, errlen, "the kernel sent no INIT request: %s",
			 n < 0 ? strerror(-n) : "connection closed");
		free(buf.mem);
		return n < 0 ? n : -EIO;
	}
	/* Without a splice_receive hook the request is in memory. */
	ret = proto_parse_init(buf.mem, (size_t)n, &offer);
	if (ret) {
		snprintf(err, errlen, "the first request was not INIT");
		free(buf.mem);
		return -EPROTO;
	}
	want = session_init_want(feat, &offer);
	feat->offers_idmap =
		(offer.flags & FUSE_ALLOW_IDMAP) && !feat->hide_idmap;
	feat->offers_passthrough =
		(offer.flags & FUSE_PASSTHROUGH) && !feat->hide_passthrough;
	feat->offers_uring = (offer.flags & FUSE_OVER_IO_URING) != 0;
	/* libfuse replies from this thread, through session_writev(). */
	session_pending = (struct session_pending){ .init = &want };
	fuse_session_process_buf(se, &buf);
	if (session_pending.init_patched) {
		feat->idmap = (want.flags & FUSE_ALLOW_IDMAP) != 0;
		feat->passthrough = (want.flags & FUSE_PASSTHROUGH) != 0;
		feat->killpriv_v2 = (want.flags & FUSE_HANDLE_KILLPRIV_V2) != 0;
		feat->uring = (want.flags & FUSE_OVER_IO_URING) != 0;
		/* Too short a reply for the sizes leaves 0: the kernel then
		 * refuses the ring's buffers, and /dev/fuse serves. */
		if (session_pending.init_payload > 0)
			feat->uring_payload =
				(size_t)session_pending.init_payload;
	}
	session_pending = (struct session_pending){ 0 };
	free(buf.mem);
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
	struct fuse_backing_map map = { .fd = fd };
	int id;

	id = ioctl(feat->dev_fd, FUSE_DEV_IOC_BACKING_OPEN, &map);
	if (id < 0)
		return -errno;
	return id == 0 ? -EIO : id;
}

int session_backing_close(const struct session_features *feat, int id)
{
	uint32_t backing = (uint32_t)id;

	if (ioctl(feat->dev_fd, FUSE_DEV_IOC_BACKING_CLOSE, &backing) < 0)
		return -errno;
	return 0;
}
