/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proto: the FUSE wire messages uidmapfs reads or rewrites itself, because
 * libfuse 3.14 neither exposes nor sends them: what the kernel's INIT
 * request offers, the INIT reply flags libfuse cannot ask for
 * (FUSE_ALLOW_IDMAP, FUSE_PASSTHROUGH, and later FUSE_OVER_IO_URING,
 * FUSE_HANDLE_KILLPRIV_V2), the passthrough backing id of an OPEN/CREATE
 * reply, and the request fields libfuse drops (the KILL_SUIDGID bits).
 *
 * Pure: bytes in, bytes out; no I/O, no state, no libfuse.  Used by the
 * custom I/O hooks of session.c and by any other transport (io_uring).
 * Every offset and size comes from the kernel's uapi <linux/fuse.h>; what
 * the installed header (Debian 12: protocol 7.38) lacks is defined below,
 * once, with the protocol version that introduced it, and the layout we
 * rely on is checked by _Static_assert in proto.c.
 */
#ifndef UIDMAPFS_PROTO_H
#define UIDMAPFS_PROTO_H

#include <linux/fuse.h>
#include <linux/ioctl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- Protocol additions newer than the installed header ------------------
 * INIT flags are 64-bit here, as in the kernel: bit n >= 32 travels as bit
 * n - 32 of flags2 (only with FUSE_INIT_EXT). */

/* 7.40 (Linux 6.9): passthrough of read/write/mmap to a backing file. */
#ifndef FUSE_PASSTHROUGH
#define FUSE_PASSTHROUGH (1ULL << 37)
#endif
#ifndef FOPEN_PASSTHROUGH
#define FOPEN_PASSTHROUGH (1 << 7)
#endif
/* 7.41 (Linux 6.12): the server accepts ID-mapped mounts on top of it. */
#ifndef FUSE_ALLOW_IDMAP
#define FUSE_ALLOW_IDMAP (1ULL << 40)
#endif
/* 7.42 (Linux 6.14): requests and replies through io_uring. */
#ifndef FUSE_OVER_IO_URING
#define FUSE_OVER_IO_URING (1ULL << 41)
#endif

#if FUSE_KERNEL_MINOR_VERSION < 40
/* 7.40: FUSE_DEV_IOC_BACKING_OPEN's argument. */
struct fuse_backing_map {
	int32_t fd;
	uint32_t flags;
	uint64_t padding;
};

#define FUSE_DEV_IOC_BACKING_OPEN                                              \
	_IOW(FUSE_DEV_IOC_MAGIC, 1, struct fuse_backing_map)
#define FUSE_DEV_IOC_BACKING_CLOSE _IOW(FUSE_DEV_IOC_MAGIC, 2, uint32_t)
/* 7.40 named fuse_init_out.unused[0] max_stack_depth and
 * fuse_open_out.padding backing_id. */
#define PROTO_INIT_OUT_MAX_STACK_DEPTH offsetof(struct fuse_init_out, unused)
#define PROTO_OPEN_OUT_BACKING_ID offsetof(struct fuse_open_out, padding)
#else
#define PROTO_INIT_OUT_MAX_STACK_DEPTH                                         \
	offsetof(struct fuse_init_out, max_stack_depth)
#define PROTO_OPEN_OUT_BACKING_ID offsetof(struct fuse_open_out, backing_id)
#endif

/* --- INIT ----------------------------------------------------------------- */

/* What the kernel's INIT request offers. */
struct proto_init_offer {
	uint64_t unique; /* of the INIT request: its reply carries it */
	uint32_t major;
	uint32_t minor;
	uint64_t flags; /* flags | flags2 << 32 (flags2 only with INIT_EXT) */
};

/*
 * Parse the INIT request @req (@len bytes: fuse_in_header + fuse_init_in)
 * into @offer.  Returns 0, -EPROTO when it is not an INIT request, or
 * -EINVAL when @len is shorter than the message or its header claims.
 * A request without FUSE_INIT_EXT offers no bit above 31.
 */
int proto_parse_init(const void *req, size_t len,
		     struct proto_init_offer *offer);

/* What to add to libfuse's INIT reply; build it with proto_init_want(). */
struct proto_init_want {
	uint64_t unique; /* the INIT request's */
	uint64_t flags;	 /* 64-bit FUSE_* INIT flags, all of them offered */
	/* Sent with FUSE_PASSTHROUGH: how many filesystems may stack under
	 * a backing file (0 for none, which the kernel then refuses). */
	uint32_t max_stack_depth;
};

/*
 * The INIT reply additions for @offer when the daemon would like
 * @wanted (64-bit FUSE_* flags) and, with FUSE_PASSTHROUGH,
 * @max_stack_depth: only the wanted bits the kernel offered, so the kernel
 * never sees a flag it does not know.  FUSE_INIT_EXT itself is not a
 * feature and is dropped from @wanted (proto_patch_init_reply() sets it
 * when a bit above 31 is asked for).
 */
struct proto_init_want proto_init_want(const struct proto_init_offer *offer,
				       uint64_t wanted,
				       uint32_t max_stack_depth);

/*
 * Add @want to an INIT reply in place: @out is its header, @body (@len
 * bytes) its fuse_init_out, which the caller owns (patch a copy of
 * libfuse's buffer).  Returns 0 (patched, or @want adds nothing),
 * -ENOMSG when @out does not answer @want's request, -EPROTO when it is an
 * error reply (left untouched: a failed INIT grants nothing), or -EINVAL
 * when @body is too short for a field to be written.  @body is unchanged
 * on failure.
 */
int proto_patch_init_reply(const struct fuse_out_header *out, void *body,
			   size_t len, const struct proto_init_want *want);

/* --- OPEN / CREATE -------------------------------------------------------- */

/*
 * Mark an OPEN or CREATE reply in place as passthrough with backing id
 * @backing_id (> 0, from FUSE_DEV_IOC_BACKING_OPEN): FOPEN_PASSTHROUGH in
 * open_flags, and the id.  @body (@len bytes, owned by the caller) is a
 * fuse_open_out (OPEN) or a fuse_entry_out followed by one (CREATE); its
 * length says which.  Returns 0, -EPROTO for an error reply, -EINVAL for
 * any other length or a backing id <= 0; @body is unchanged on failure.
 */
int proto_patch_open_reply(const struct fuse_out_header *out, void *body,
			   size_t len, int backing_id);

/* --- Requests ------------------------------------------------------------- */

/* A request's header, and the flags libfuse 3.14 does not pass on. */
struct proto_request {
	uint32_t opcode;
	uint64_t unique;
	uint64_t nodeid;
	uint32_t uid;
	uint32_t gid;
	uint32_t pid;
	/* OPEN, CREATE: fuse_open_in/fuse_create_in open_flags
	 * (FUSE_OPEN_KILL_SUIDGID); WRITE: fuse_write_in write_flags
	 * (FUSE_WRITE_KILL_SUIDGID); SETATTR: fuse_setattr_in valid
	 * (FATTR_KILL_SUIDGID).  0 for other opcodes. */
	uint32_t op_flags;
	/* The kernel asks the server to clear setuid/setgid (only with
	 * FUSE_HANDLE_KILLPRIV_V2 granted): the KILL_SUIDGID bit of
	 * op_flags. */
	bool kill_suidgid;
};

/*
 * Parse the request @req (@len bytes, as read from /dev/fuse) into @r.
 * Returns 0, or -EINVAL when @len is shorter than the header, than the
 * length the header claims, or than the argument of OPEN, CREATE, WRITE
 * or SETATTR.
 */
int proto_parse_request(const void *req, size_t len, struct proto_request *r);

#endif
