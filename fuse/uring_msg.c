// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * FUSE over io_uring messages <-> classic /dev/fuse messages (see
 * uring_msg.h).  Layouts are checked here against the kernel's uapi: a
 * header or command that does not have the kernel's size would be misread
 * silently.
 */
#include "uring_msg.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(struct fuse_uring_ent_in_out) == 32,
	       "fuse_uring_ent_in_out is 32 bytes in the kernel's uapi");
_Static_assert(offsetof(struct fuse_uring_req_header, ring_ent_in_out) ==
		       FUSE_URING_IN_OUT_HEADER_SZ + FUSE_URING_OP_IN_OUT_SZ,
	       "ring_ent_in_out follows in_out and op_in");
_Static_assert(sizeof(struct fuse_uring_req_header) == 288,
	       "fuse_uring_req_header is 288 bytes in the kernel's uapi");
_Static_assert(sizeof(struct fuse_uring_cmd_req) == 24,
	       "fuse_uring_cmd_req is 24 bytes in the kernel's uapi");
_Static_assert(sizeof(struct fuse_in_header) <= FUSE_URING_IN_OUT_HEADER_SZ &&
		       sizeof(struct fuse_out_header) <=
			       FUSE_URING_IN_OUT_HEADER_SZ,
	       "the classic headers fit in in_out");
_Static_assert(URING_MSG_HEADROOM >=
		       sizeof(struct fuse_in_header) + FUSE_URING_OP_IN_OUT_SZ,
	       "the headroom holds the rebuilt header and op_in");

/* One CPU number of a cpu list: decimal, no sign, no leading garbage. */
static int uring_msg_cpu_number(const char **p, unsigned long *out)
{
	char *end;

	if (**p < '0' || **p > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoul(*p, &end, 10);
	if (errno || *out > INT_MAX - 1)
		return -EINVAL;
	*p = end;
	return 0;
}

int uring_msg_parse_cpus(const char *text)
{
	const char *p = text;
	unsigned long next = 0; /* the lowest CPU not yet seen */
	unsigned long first, last;

	for (;;) {
		if (uring_msg_cpu_number(&p, &first) < 0)
			return -EINVAL;
		last = first;
		if (*p == '-') {
			p++;
			if (uring_msg_cpu_number(&p, &last) < 0 || last < first)
				return -EINVAL;
		}
		/* Ranges in order and without a gap, starting at 0. */
		if (first != next)
			return -EINVAL;
		next = last + 1;
		if (*p != ',')
			break;
		p++;
	}
	if (*p == '\n')
		p++;
	if (*p != '\0')
		return -EINVAL;
	return (int)next;
}

unsigned int uring_msg_queue_depth(unsigned int nr_queues)
{
	unsigned int depth;

	if (nr_queues == 0)
		return 0;
	depth = URING_MSG_ENTRIES_MAX / nr_queues;
	if (depth > URING_MSG_DEPTH_MAX)
		return URING_MSG_DEPTH_MAX;
	return depth ? depth : 1;
}

long uring_msg_payload_size(const void *init_out, size_t len, size_t page_size)
{
	struct fuse_init_out out;
	size_t need = offsetof(struct fuse_init_out, max_pages) +
		      sizeof(out.max_pages);
	size_t size = URING_MSG_MIN_PAYLOAD;

	if (len < need)
		return -EINVAL;
	memset(&out, 0, sizeof(out));
	memcpy(&out, init_out, need);
	if (out.max_write > size)
		size = out.max_write;
	if ((size_t)out.max_pages * page_size > size)
		size = (size_t)out.max_pages * page_size;
	return (long)size;
}

int uring_msg_request(const struct fuse_uring_req_header *hdr,
		      unsigned char *payload, size_t payload_cap,
		      unsigned char **req, size_t *len, uint64_t *commit_id)
{
	const size_t in_sz = sizeof(struct fuse_in_header);
	struct fuse_uring_ent_in_out ent;
	struct fuse_in_header in;
	unsigned char *start;
	size_t op_sz;

	memcpy(&in, hdr->in_out, sizeof(in));
	memcpy(&ent, &hdr->ring_ent_in_out, sizeof(ent));
	if (ent.payload_sz > payload_cap || in.len < in_sz ||
	    in.len - in_sz < ent.payload_sz)
		return -EPROTO;
	op_sz = in.len - in_sz - ent.payload_sz;
	if (op_sz > FUSE_URING_OP_IN_OUT_SZ)
		return -EPROTO;
	/* The kernel finds the request by this id; a reply to another one
	 * would be refused and this entry lost. */
	if (ent.commit_id != in.unique || in.unique == 0)
		return -EPROTO;
	start = payload - op_sz - in_sz;
	memcpy(start, &in, in_sz);
	memcpy(start + in_sz, hdr->op_in, op_sz);
	*req = start;
	*len = in.len;
	*commit_id = ent.commit_id;
	return 0;
}

long uring_msg_reply(struct fuse_uring_req_header *hdr, unsigned char *payload,
		     size_t payload_cap, const struct iovec *iov, int count)
{
	struct fuse_uring_ent_in_out ent;
	struct fuse_out_header out;
	size_t rest = 0, off = 0;
	int i;

	if (count < 1 || iov[0].iov_len != sizeof(out))
		return -EPROTO;
	memcpy(&out, iov[0].iov_base, sizeof(out));
	for (i = 1; i < count; i++) {
		if (iov[i].iov_len > payload_cap - rest)
			return -EMSGSIZE;
		rest += iov[i].iov_len;
	}
	if (out.len != sizeof(out) + rest)
		return -EPROTO;
	for (i = 1; i < count; i++) {
		if (iov[i].iov_len && iov[i].iov_base != payload + off)
			memcpy(payload + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	memcpy(hdr->in_out, &out, sizeof(out));
	memcpy(&ent, &hdr->ring_ent_in_out, sizeof(ent));
	ent.payload_sz = (uint32_t)rest;
	memcpy(&hdr->ring_ent_in_out, &ent, sizeof(ent));
	return (long)(sizeof(out) + rest);
}
