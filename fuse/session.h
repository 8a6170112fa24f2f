/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session: the one place where the FUSE connection is made, and where the
 * kernel features libfuse 3.14 cannot ask for are negotiated.
 *
 * The daemon opens /dev/fuse itself, mounts with mount(2) and hands the fd
 * to libfuse through fuse_session_custom_io().  Our read hook sees the
 * kernel's INIT request (what it offers); our writev hook patches a copy of
 * libfuse's INIT reply to ask for FUSE_ALLOW_IDMAP (Linux 6.12) and
 * FUSE_PASSTHROUGH (Linux 6.9), and a copy of OPEN/CREATE replies to hand a
 * file's I/O to the kernel (DESIGN.md section 1).
 */
#ifndef UIDMAPFS_SESSION_H
#define UIDMAPFS_SESSION_H

#include <fuse_lowlevel.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

struct session_mount {
	const char *source;	/* shown as the mount's source (fsname) */
	const char *mountpoint; /* absolute path */
	unsigned long flags;	/* MS_* mount flags */
};

/* What we ask of the kernel, and what it offered.  Written by the main
 * thread and the INIT exchange, which happen before any worker starts;
 * read-only afterwards. */
struct session_features {
	bool want_idmap;       /* kernel mode: advertise FUSE_ALLOW_IDMAP */
	bool want_passthrough; /* hand read/write to the kernel */
	/* Set only by the test build (uidmapfs-test, setup.c): treat these
	 * offers as absent, to see what happens on kernels without them. */
	bool hide_idmap;
	bool hide_passthrough;
	int dev_fd; /* /dev/fuse, for the backing ioctls */
	bool offers_idmap;
	bool offers_passthrough;
	bool idmap;	  /* granted: ALLOW_IDMAP sent */
	bool passthrough; /* granted: PASSTHROUGH sent */
	bool killpriv_v2; /* granted: HANDLE_KILLPRIV_V2 sent */
	/* FUSE over io_uring (uring.h): asked for (main() made the rings
	 * first), offered, granted, and the payload buffer size the kernel
	 * demands, from the INIT reply that granted it. */
	bool want_uring;
	bool offers_uring;
	bool uring;
	size_t uring_payload;
	/* Set only by the test build (uidmapfs-test, setup.c): register
	 * ring buffers the kernel refuses, to see the fallback. */
	bool fail_uring_register;
};

/*
 * Mount @m and attach the connection to @se through our I/O hooks, which
 * ignore the session's userdata; @feat gets the /dev/fuse fd.
 * Returns 0, or -errno with a one-line reason in @err (nothing is left
 * mounted on failure).
 */
int session_mount(struct fuse_session *se, const struct session_mount *m,
		  struct session_features *feat, char *err, size_t errlen);

/*
 * Serve the kernel's INIT request now, in the calling thread, so that what
 * the kernel offers is known before the daemon detaches: kernel mode on a
 * kernel without FUSE ID-mapping support is an error for the caller to
 * report.  Fills @feat's offers_* and, when the INIT reply asked for them,
 * idmap, passthrough and uring (with uring_payload).  Returns 0, -EOPNOTSUPP
 * when kernel mode was asked for and the kernel does not offer
 * FUSE_ALLOW_IDMAP, or another -errno; with a reason in @err.
 */
int session_handshake(struct fuse_session *se, struct session_features *feat,
		      char *err, size_t errlen);

/* Detach the mount (lazily if it is busy).  Returns 0 or -errno. */
int session_unmount(const char *mountpoint);

/*
 * Note the raw request @buf (@len bytes) this thread is about to have
 * libfuse process, for session_request_kill_suidgid(): the read hook does
 * it for /dev/fuse, a transport of its own (io_uring) must do it too.
 */
void session_note_request(const void *buf, size_t len);

/*
 * Whether the request this thread is serving asks the server to clear
 * setuid/setgid: the FUSE_OPEN_KILL_SUIDGID, FUSE_WRITE_KILL_SUIDGID or
 * FATTR_KILL_SUIDGID bit, which libfuse 3.14 does not pass to the
 * operations.  Returns 1 or 0, or -1 when unknown (the request did not come
 * through a transport that called session_note_request()).  Meaningful
 * only when killpriv_v2 was granted.
 */
int session_request_kill_suidgid(void);

/*
 * Register the open file @fd for kernel passthrough.  Returns a backing id
 * (> 0) or -errno (the caller falls back to serving I/O itself).
 */
int session_backing_open(const struct session_features *feat, int fd);

/* Drop a backing id from session_backing_open().  Returns 0 or -errno
 * (the kernel keeps the backing file open until the connection ends). */
int session_backing_close(const struct session_features *feat, int id);

/*
 * Mark the OPEN or CREATE reply this thread sends next as passthrough with
 * backing id @id; 0 clears the mark.  Call right before fuse_reply_open()
 * or fuse_reply_create() and clear right after.  The mark is consumed by
 * the next reply this thread writes, whatever it is: a reply written after
 * that one carries no backing id.
 */
void session_reply_passthrough(int id);

/*
 * libfuse's writev hook (public for the unit tests, which drive it with a
 * pipe): write the reply @iov (@count iovecs) to @fd, patched as marked by
 * session_reply_passthrough() or by session_handshake(); a reply to the
 * ring request this thread serves goes into its ring entry instead
 * (uring_reply()).  @userdata is ignored.  Returns what writev(2)
 * returns.
 */
ssize_t session_writev(int fd, struct iovec *iov, int count, void *userdata);

#endif
