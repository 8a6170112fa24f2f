/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uring_msg: the bytes of FUSE over io_uring (Linux 6.14, protocol 7.42),
 * and their translation to and from the classic /dev/fuse messages that
 * libfuse 3.14 understands.
 *
 * Pure: memory in, memory out; no I/O, no libfuse, no liburing.  The ring
 * transport (uring.c) is built on it, and tests/unit/test_uring.c checks it
 * at every edge.
 *
 * What the kernel puts in a ring entry (fs/fuse/dev_uring.c): the request's
 * fuse_in_header in header.in_out, its first argument (the per-opcode
 * struct, e.g. fuse_open_in; empty for LOOKUP and the like) in
 * header.op_in, every further argument (names, write data) back to back in
 * the entry's payload buffer, and the payload length and the commit id in
 * header.ring_ent_in_out.  The header's len counts all three parts, which
 * is how the size of the op_in part is known.  A reply goes the same way:
 * the fuse_out_header in header.in_out, everything after it in the payload.
 */
#ifndef UIDMAPFS_URING_MSG_H
#define UIDMAPFS_URING_MSG_H

#include <linux/fuse.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* --- Protocol 7.42 (Linux 6.14), absent from Debian 12's header (7.38) --- */
#if FUSE_KERNEL_MINOR_VERSION < 42
#define FUSE_URING_IN_OUT_HEADER_SZ 128
#define FUSE_URING_OP_IN_OUT_SZ 128

struct fuse_uring_ent_in_out {
	uint64_t flags;
	/* The request's unique: what a commit names. */
	uint64_t commit_id;
	/* Bytes used in the payload buffer, in either direction. */
	uint32_t payload_sz;
	uint32_t padding;
	uint64_t reserved;
};

struct fuse_uring_req_header {
	char in_out[FUSE_URING_IN_OUT_HEADER_SZ];
	char op_in[FUSE_URING_OP_IN_OUT_SZ];
	struct fuse_uring_ent_in_out ring_ent_in_out;
};

enum fuse_uring_cmd {
	FUSE_IO_URING_CMD_INVALID = 0,
	FUSE_IO_URING_CMD_REGISTER = 1,
	FUSE_IO_URING_CMD_COMMIT_AND_FETCH = 2,
};

/* In the 80-byte command area of a 128-byte SQE. */
struct fuse_uring_cmd_req {
	uint64_t flags;
	uint64_t commit_id;
	uint16_t qid;
	uint8_t padding[6];
};
#endif

/* The kernel's FUSE_MIN_READ_BUFFER: no payload buffer is ever smaller. */
#define URING_MSG_MIN_PAYLOAD 8192

/*
 * Room a payload buffer must have in front of it: the classic request is
 * rebuilt there (fuse_in_header, then op_in), so that the payload, which
 * may be a megabyte of write data, is never copied.
 */
#define URING_MSG_HEADROOM 256

/*
 * The number of queues the kernel expects: one per possible CPU, from the
 * text of /sys/devices/system/cpu/possible (@text, NUL-terminated, e.g.
 * "0-1\n" or "0,2-5").  The kernel sizes the ring with num_possible_cpus()
 * and picks a queue by CPU number, so this returns the highest CPU + 1
 * when the set is contiguous from 0, and -EINVAL for anything else (bad
 * syntax, empty, a gap: the kernel would index queues it never made).
 */
int uring_msg_parse_cpus(const char *text);

/* Entries one queue registers at most, and all queues together. */
#define URING_MSG_DEPTH_MAX 8
#define URING_MSG_ENTRIES_MAX 64

/*
 * How many entries each of @nr_queues queues registers: requests one CPU's
 * callers can have in flight before the next waits in the kernel.  Every
 * entry holds a payload buffer of max_write bytes (1 MiB by default) and
 * the kernel wants a queue per possible CPU, so the depth shrinks on large
 * machines: URING_MSG_DEPTH_MAX while all queues together stay within
 * URING_MSG_ENTRIES_MAX, then fewer, never below 1 (a queue without an
 * entry would stall the ring).  0 queues: 0.
 */
unsigned int uring_msg_queue_depth(unsigned int nr_queues);

/*
 * The payload buffer size the kernel demands at REGISTER
 * (max(FUSE_MIN_READ_BUFFER, max_write, max_pages * page size)), read from
 * the INIT reply @init_out (@len bytes of struct fuse_init_out) that the
 * kernel accepted; @page_size is sysconf(_SC_PAGESIZE).  Returns the size,
 * or -EINVAL when @len is too short to hold max_pages.
 */
long uring_msg_payload_size(const void *init_out, size_t len, size_t page_size);

/*
 * Rebuild the classic request of a ring entry in front of its payload:
 * @hdr is the entry's header, @payload its payload buffer of @payload_cap
 * bytes, with URING_MSG_HEADROOM writable bytes before it.  On success
 * *@req points at fuse_in_header + op_in + payload (contiguous, *@len
 * bytes, in the headroom and the payload buffer) and the commit id is in
 * *@commit_id.  Returns 0, or -EPROTO when the entry is inconsistent (a
 * header length that does not add up, a payload larger than the buffer, an
 * op_in part larger than its field, a commit id that is not the request's
 * unique).
 */
int uring_msg_request(const struct fuse_uring_req_header *hdr,
		      unsigned char *payload, size_t payload_cap,
		      unsigned char **req, size_t *len, uint64_t *commit_id);

/*
 * Put a classic reply (@iov, @count >= 1: fuse_out_header first, as libfuse
 * hands it to the writev hook) into a ring entry: the header into
 * @hdr->in_out, the rest, gathered, into @payload (@payload_cap bytes),
 * and its length into @hdr->ring_ent_in_out.payload_sz.  Returns the
 * reply's total length, or -EPROTO when iov[0] is not an out header or
 * the header's len disagrees with the iovecs, -EMSGSIZE when the rest does
 * not fit (nothing is written then).  An iovec that already lies where
 * it belongs in @payload (a reply read straight into it) is not copied.
 */
long uring_msg_reply(struct fuse_uring_req_header *hdr, unsigned char *payload,
		     size_t payload_cap, const struct iovec *iov, int count);

#endif
