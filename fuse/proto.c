// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * FUSE wire messages, bytes in and bytes out (see proto.h).  Messages are
 * read and written with memcpy through the uapi structs, so a buffer needs
 * no particular alignment.
 */
#include "proto.h"

#include <errno.h>
#include <string.h>

/* The layout this file relies on, from the protocol (7.40 and later). */
_Static_assert(sizeof(struct fuse_in_header) == 40, "fuse_in_header");
_Static_assert(sizeof(struct fuse_out_header) == 16, "fuse_out_header");
_Static_assert(sizeof(struct fuse_init_in) == 64, "fuse_init_in");
_Static_assert(sizeof(struct fuse_init_out) == 64, "fuse_init_out");
_Static_assert(offsetof(struct fuse_init_out, flags2) + 4 ==
		       PROTO_INIT_OUT_MAX_STACK_DEPTH,
	       "max_stack_depth follows flags2 in fuse_init_out");
_Static_assert(sizeof(struct fuse_open_out) == 16, "fuse_open_out");
_Static_assert(PROTO_OPEN_OUT_BACKING_ID ==
		       offsetof(struct fuse_open_out, open_flags) + 4,
	       "backing_id follows open_flags in fuse_open_out");
_Static_assert(sizeof(struct fuse_entry_out) == 128, "fuse_entry_out");
_Static_assert(sizeof(struct fuse_backing_map) == 16, "fuse_backing_map");

/* Bits of flags that mean nothing as a feature request: FUSE_INIT_EXT and
 * FUSE_INIT_RESERVED, bit 31, spelled here because the header's (1 << 31)
 * overflows an int (undefined behaviour, and sign-extended over flags2). */
#define PROTO_INIT_NOT_FEATURES                                                \
	((uint64_t)(uint32_t)FUSE_INIT_EXT | (UINT64_C(1) << 31))

static uint32_t proto_get32(const void *base, size_t off)
{
	uint32_t v;

	memcpy(&v, (const char *)base + off, sizeof(v));
	return v;
}

static void proto_put32(void *base, size_t off, uint32_t v)
{
	memcpy((char *)base + off, &v, sizeof(v));
}

/* Copy the header of @req and check the lengths: @len covers the header,
 * the length it claims, and @arglen bytes of argument. */
static int proto_header(const void *req, size_t len, size_t arglen,
			struct fuse_in_header *in)
{
	if (len < sizeof(*in))
		return -EINVAL;
	memcpy(in, req, sizeof(*in));
	if (in->len < sizeof(*in) + arglen || in->len > len)
		return -EINVAL;
	return 0;
}

int proto_parse_init(const void *req, size_t len,
		     struct proto_init_offer *offer)
{
	/* Kernels before 7.36 send no flags2: the fields up to flags. */
	const size_t min = offsetof(struct fuse_init_in, flags2);
	struct fuse_init_in init = { 0 };
	struct fuse_in_header in;
	size_t arglen;
	int err;

	err = proto_header(req, len, min, &in);
	if (err)
		return err;
	if (in.opcode != FUSE_INIT)
		return -EPROTO;
	arglen = in.len - sizeof(in);
	if (arglen > sizeof(init))
		arglen = sizeof(init);
	memcpy(&init, (const char *)req + sizeof(in), arglen);
	*offer = (struct proto_init_offer){
		.unique = in.unique,
		.major = init.major,
		.minor = init.minor,
		.flags = init.flags,
	};
	if ((init.flags & FUSE_INIT_EXT) &&
	    arglen >= offsetof(struct fuse_init_in, flags2) + 4)
		offer->flags |= (uint64_t)init.flags2 << 32;
	return 0;
}

struct proto_init_want proto_init_want(const struct proto_init_offer *offer,
				       uint64_t wanted,
				       uint32_t max_stack_depth)
{
	struct proto_init_want want = {
		.unique = offer->unique,
		.flags = offer->flags & wanted & ~PROTO_INIT_NOT_FEATURES,
	};

	if (want.flags & FUSE_PASSTHROUGH)
		want.max_stack_depth = max_stack_depth;
	return want;
}

int proto_patch_init_reply(const struct fuse_out_header *out, void *body,
			   size_t len, const struct proto_init_want *want)
{
	const size_t flags = offsetof(struct fuse_init_out, flags);
	const size_t flags2 = offsetof(struct fuse_init_out, flags2);
	uint32_t lo = (uint32_t)want->flags;
	uint32_t hi = (uint32_t)(want->flags >> 32);
	size_t need = flags + 4;

	if (out->unique != want->unique)
		return -ENOMSG;
	if (out->error != 0)
		return -EPROTO;
	if (hi)
		need = flags2 + 4;
	if (want->flags & FUSE_PASSTHROUGH)
		need = PROTO_INIT_OUT_MAX_STACK_DEPTH + 4;
	if (!want->flags)
		return 0;
	if (len < need)
		return -EINVAL;
	if (hi) {
		lo |= FUSE_INIT_EXT;
		proto_put32(body, flags2, proto_get32(body, flags2) | hi);
	}
	proto_put32(body, flags, proto_get32(body, flags) | lo);
	if (want->flags & FUSE_PASSTHROUGH)
		proto_put32(body, PROTO_INIT_OUT_MAX_STACK_DEPTH,
			    want->max_stack_depth);
	return 0;
}

int proto_patch_open_reply(const struct fuse_out_header *out, void *body,
			   size_t len, int backing_id)
{
	const size_t open_flags = offsetof(struct fuse_open_out, open_flags);
	size_t at;

	if (out->error != 0)
		return -EPROTO;
	if (backing_id <= 0)
		return -EINVAL;
	if (len == sizeof(struct fuse_open_out))
		at = 0; /* OPEN */
	else if (len ==
		 sizeof(struct fuse_entry_out) + sizeof(struct fuse_open_out))
		at = sizeof(struct fuse_entry_out); /* CREATE */
	else
		return -EINVAL;
	proto_put32(body, at + open_flags,
		    proto_get32(body, at + open_flags) | FOPEN_PASSTHROUGH);
	proto_put32(body, at + PROTO_OPEN_OUT_BACKING_ID, (uint32_t)backing_id);
	return 0;
}

/* The argument size that holds the flags of @opcode, and where they are;
 * 0 for opcodes without such flags. */
static size_t proto_op_flags_at(uint32_t opcode, size_t *off)
{
	switch (opcode) {
	case FUSE_OPEN:
		*off = offsetof(struct fuse_open_in, open_flags);
		return sizeof(struct fuse_open_in);
	case FUSE_CREATE:
		*off = offsetof(struct fuse_create_in, open_flags);
		return sizeof(struct fuse_create_in);
	case FUSE_WRITE:
		*off = offsetof(struct fuse_write_in, write_flags);
		return sizeof(struct fuse_write_in);
	case FUSE_SETATTR:
		*off = offsetof(struct fuse_setattr_in, valid);
		return sizeof(struct fuse_setattr_in);
	default:
		return 0;
	}
}

static uint32_t proto_kill_bit(uint32_t opcode)
{
	switch (opcode) {
	case FUSE_OPEN:
	case FUSE_CREATE:
		return FUSE_OPEN_KILL_SUIDGID;
	case FUSE_WRITE:
		return FUSE_WRITE_KILL_SUIDGID;
	case FUSE_SETATTR:
		return FATTR_KILL_SUIDGID;
	default:
		return 0;
	}
}

int proto_parse_request(const void *req, size_t len, struct proto_request *r)
{
	struct fuse_in_header in;
	size_t arglen, off = 0;
	int err;

	err = proto_header(req, len, 0, &in);
	if (err)
		return err;
	arglen = proto_op_flags_at(in.opcode, &off);
	if (in.len < sizeof(in) + arglen)
		return -EINVAL;
	*r = (struct proto_request){
		.opcode = in.opcode,
		.unique = in.unique,
		.nodeid = in.nodeid,
		.uid = in.uid,
		.gid = in.gid,
		.pid = in.pid,
	};
	if (arglen) {
		r->op_flags = proto_get32(req, sizeof(in) + off);
		r->kill_suidgid =
			(r->op_flags & proto_kill_bit(in.opcode)) != 0;
	}
	return 0;
}
