// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for fuse/proto.c against hand-built kernel messages: what an
 * INIT request offers, the INIT reply for every combination of offered and
 * wanted features, OPEN/CREATE replies marked for passthrough, and request
 * headers with the KILL_SUIDGID flags.  Every reply test also checks that
 * the bytes it must not touch are unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "proto.h"
#include "test_util.h"

#define UNIQUE 0x1122334455667788ULL
/* Bits libfuse puts in its INIT reply on its own, kept by every patch. */
#define LIBFUSE_FLAGS (FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_DO_READDIRPLUS)
#define IDMAP FUSE_ALLOW_IDMAP
#define PT FUSE_PASSTHROUGH

/* A request: header and up to 128 bytes of argument, contiguous. */
struct request {
	struct fuse_in_header in;
	unsigned char arg[128];
};

static size_t request_make(struct request *r, uint32_t opcode, const void *arg,
			   size_t arglen)
{
	memset(r, 0, sizeof(*r));
	r->in = (struct fuse_in_header){
		.len = (uint32_t)(sizeof(r->in) + arglen),
		.opcode = opcode,
		.unique = UNIQUE,
		.nodeid = 42,
		.uid = 1000,
		.gid = 1001,
		.pid = 4242,
	};
	memcpy(r->arg, arg, arglen);
	return sizeof(r->in) + arglen;
}

static size_t init_request(struct request *r, uint32_t flags, uint32_t flags2)
{
	struct fuse_init_in init = {
		.major = 7,
		.minor = 45,
		.flags = flags,
		.flags2 = flags2,
	};

	return request_make(r, FUSE_INIT, &init, sizeof(init));
}

static const struct fuse_out_header ok_reply = { .unique = UNIQUE };

/* --- proto_parse_init ------------------------------------------------------
 */

static void test_init_offer_ext(void **state)
{
	struct proto_init_offer offer;
	struct request r;
	size_t len = init_request(&r, FUSE_INIT_EXT | FUSE_ASYNC_READ,
				  (uint32_t)((IDMAP | PT) >> 32));

	(void)state;
	assert_int_equal(proto_parse_init(&r, len, &offer), 0);
	assert_int_equal(offer.unique, UNIQUE);
	assert_int_equal(offer.major, 7);
	assert_int_equal(offer.minor, 45);
	assert_int_equal(offer.flags,
			 FUSE_INIT_EXT | FUSE_ASYNC_READ | IDMAP | PT);
}

/* flags2 counts only with FUSE_INIT_EXT. */
static void test_init_offer_no_ext(void **state)
{
	struct proto_init_offer offer;
	struct request r;
	size_t len = init_request(&r, FUSE_ASYNC_READ,
				  (uint32_t)((IDMAP | PT) >> 32));

	(void)state;
	assert_int_equal(proto_parse_init(&r, len, &offer), 0);
	assert_int_equal(offer.flags, FUSE_ASYNC_READ);
}

/* A pre-7.36 kernel sends fuse_init_in up to flags only. */
static void test_init_offer_old_kernel(void **state)
{
	struct fuse_init_in init = { .major = 7,
				     .minor = 31,
				     .flags = FUSE_INIT_EXT | FUSE_ASYNC_READ };
	struct proto_init_offer offer;
	struct request r;
	size_t len = request_make(&r, FUSE_INIT, &init,
				  offsetof(struct fuse_init_in, flags2));

	(void)state;
	assert_int_equal(proto_parse_init(&r, len, &offer), 0);
	assert_int_equal(offer.flags, FUSE_INIT_EXT | FUSE_ASYNC_READ);
}

static void test_init_offer_rejects(void **state)
{
	struct proto_init_offer offer;
	struct request r;
	size_t len = init_request(&r, FUSE_INIT_EXT, 0);

	(void)state;
	/* Shorter than a header, than its claimed length, or than flags. */
	assert_int_equal(proto_parse_init(&r, 0, &offer), -EINVAL);
	assert_int_equal(proto_parse_init(&r, sizeof(r.in) - 1, &offer),
			 -EINVAL);
	assert_int_equal(proto_parse_init(&r, len - 1, &offer), -EINVAL);
	r.in.len = sizeof(r.in) + offsetof(struct fuse_init_in, flags2) - 1;
	assert_int_equal(proto_parse_init(&r, len, &offer), -EINVAL);
	/* Not INIT. */
	len = init_request(&r, FUSE_INIT_EXT, 0);
	r.in.opcode = FUSE_LOOKUP;
	assert_int_equal(proto_parse_init(&r, len, &offer), -EPROTO);
}

/* --- proto_init_want + proto_patch_init_reply, every combination -----------
 */

static const uint64_t feature_sets[] = { 0, IDMAP, PT, IDMAP | PT };

static void test_init_want_combinations(void **state)
{
	(void)state;
	for (size_t o = 0; o < ARRAY_SIZE(feature_sets); o++) {
		for (size_t w = 0; w < ARRAY_SIZE(feature_sets); w++) {
			struct proto_init_offer offer = {
				.unique = UNIQUE,
				.flags = FUSE_INIT_EXT | FUSE_ASYNC_READ |
					 feature_sets[o],
			};
			struct proto_init_want want = proto_init_want(
				&offer, feature_sets[w] | FUSE_INIT_EXT, 1);
			uint64_t both = feature_sets[o] & feature_sets[w];

			assert_int_equal(want.unique, UNIQUE);
			/* Only offered, wanted bits; INIT_EXT is no
			 * feature. */
			assert_int_equal(want.flags, both);
			assert_int_equal(want.max_stack_depth,
					 (both & PT) ? 1 : 0);
		}
	}
}

static void init_reply_body(struct fuse_init_out *body)
{
	*body = (struct fuse_init_out){
		.major = 7,
		.minor = 38,
		.max_readahead = 131072,
		.flags = LIBFUSE_FLAGS,
		.max_background = 12,
		.congestion_threshold = 9,
		.max_write = 1 << 20,
		.time_gran = 1,
		.max_pages = 256,
	};
}

static void test_init_patch_combinations(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(feature_sets); i++) {
		struct proto_init_want want = {
			.unique = UNIQUE,
			.flags = feature_sets[i],
			.max_stack_depth = (feature_sets[i] & PT) ? 1 : 0,
		};
		struct fuse_init_out body, expect;
		uint32_t depth;

		init_reply_body(&body);
		expect = body;
		assert_int_equal(proto_patch_init_reply(&ok_reply, &body,
							sizeof(body), &want),
				 0);
		if (feature_sets[i]) {
			expect.flags |= FUSE_INIT_EXT;
			expect.flags2 = (uint32_t)(feature_sets[i] >> 32);
		}
		if (feature_sets[i] & PT) {
			depth = 1;
			memcpy((char *)&expect + PROTO_INIT_OUT_MAX_STACK_DEPTH,
			       &depth, sizeof(depth));
		}
		assert_memory_equal(&body, &expect, sizeof(body));
	}
}

/* A bit below 32 (FUSE_HANDLE_KILLPRIV_V2) goes in flags, without
 * INIT_EXT; a bit above (FUSE_OVER_IO_URING) in flags2, with it. */
static void test_init_patch_any_flag(void **state)
{
	struct proto_init_want low = { .unique = UNIQUE,
				       .flags = FUSE_HANDLE_KILLPRIV_V2 };
	struct proto_init_want high = { .unique = UNIQUE,
					.flags = FUSE_OVER_IO_URING };
	struct fuse_init_out body, expect;

	(void)state;
	init_reply_body(&body);
	expect = body;
	expect.flags |= FUSE_HANDLE_KILLPRIV_V2;
	assert_int_equal(
		proto_patch_init_reply(&ok_reply, &body, sizeof(body), &low),
		0);
	assert_memory_equal(&body, &expect, sizeof(body));

	init_reply_body(&body);
	expect = body;
	expect.flags |= FUSE_INIT_EXT;
	expect.flags2 = (uint32_t)(FUSE_OVER_IO_URING >> 32);
	assert_int_equal(
		proto_patch_init_reply(&ok_reply, &body, sizeof(body), &high),
		0);
	assert_memory_equal(&body, &expect, sizeof(body));
}

/* Error replies, other requests' replies and short bodies stay as they
 * are. */
static void test_init_patch_untouched(void **state)
{
	struct proto_init_want want = { .unique = UNIQUE,
					.flags = IDMAP | PT,
					.max_stack_depth = 1 };
	struct fuse_out_header error = { .error = -EPROTO, .unique = UNIQUE };
	struct fuse_out_header other = { .unique = UNIQUE + 1 };
	struct fuse_init_out body, expect;

	(void)state;
	init_reply_body(&body);
	expect = body;
	assert_int_equal(
		proto_patch_init_reply(&error, &body, sizeof(body), &want),
		-EPROTO);
	assert_int_equal(
		proto_patch_init_reply(&other, &body, sizeof(body), &want),
		-ENOMSG);
	/* Too short for max_stack_depth, for flags2 (an old libfuse's
	 * reply), for anything. */
	assert_int_equal(proto_patch_init_reply(
				 &ok_reply, &body,
				 PROTO_INIT_OUT_MAX_STACK_DEPTH + 3, &want),
			 -EINVAL);
	want.flags = IDMAP;
	assert_int_equal(proto_patch_init_reply(
				 &ok_reply, &body,
				 offsetof(struct fuse_init_out, flags2), &want),
			 -EINVAL);
	assert_int_equal(proto_patch_init_reply(&ok_reply, &body, 0, &want),
			 -EINVAL);
	assert_memory_equal(&body, &expect, sizeof(body));
}

/* --- proto_patch_open_reply ------------------------------------------------
 */

static void test_open_patch(void **state)
{
	struct fuse_open_out body = { .fh = 0xabcdef,
				      .open_flags = FOPEN_KEEP_CACHE };
	struct fuse_open_out expect = body;
	int32_t id = 7;

	(void)state;
	expect.open_flags |= FOPEN_PASSTHROUGH;
	memcpy((char *)&expect + PROTO_OPEN_OUT_BACKING_ID, &id, sizeof(id));
	assert_int_equal(
		proto_patch_open_reply(&ok_reply, &body, sizeof(body), 7), 0);
	assert_memory_equal(&body, &expect, sizeof(body));
}

static void test_create_patch(void **state)
{
	struct {
		struct fuse_entry_out entry;
		struct fuse_open_out open;
	} body, expect;
	int32_t id = 0x7fffffff;

	(void)state;
	_Static_assert(sizeof(body) == sizeof(struct fuse_entry_out) +
					       sizeof(struct fuse_open_out),
		       "no padding between entry and open");
	memset(&body, 0xa5, sizeof(body));
	body.open.open_flags = FOPEN_DIRECT_IO;
	expect = body;
	expect.open.open_flags |= FOPEN_PASSTHROUGH;
	memcpy((char *)&expect.open + PROTO_OPEN_OUT_BACKING_ID, &id,
	       sizeof(id));
	assert_int_equal(proto_patch_open_reply(&ok_reply, &body, sizeof(body),
						0x7fffffff),
			 0);
	assert_memory_equal(&body, &expect, sizeof(body));
}

static void test_open_patch_untouched(void **state)
{
	static const size_t bad_len[] = {
		0,
		sizeof(struct fuse_open_out) - 1,
		sizeof(struct fuse_open_out) + 1,
		sizeof(struct fuse_entry_out),
		sizeof(struct fuse_entry_out) + sizeof(struct fuse_open_out) -
			1,
		sizeof(struct fuse_entry_out) + sizeof(struct fuse_open_out) +
			1,
	};
	struct fuse_out_header error = { .error = -EIO, .unique = UNIQUE };
	unsigned char body[256], expect[256];

	(void)state;
	memset(body, 0x5a, sizeof(body));
	memcpy(expect, body, sizeof(body));
	for (size_t i = 0; i < ARRAY_SIZE(bad_len); i++)
		assert_int_equal(
			proto_patch_open_reply(&ok_reply, body, bad_len[i], 3),
			-EINVAL);
	assert_int_equal(proto_patch_open_reply(
				 &error, body, sizeof(struct fuse_open_out), 3),
			 -EPROTO);
	assert_int_equal(proto_patch_open_reply(&ok_reply, body,
						sizeof(struct fuse_open_out),
						0),
			 -EINVAL);
	assert_int_equal(proto_patch_open_reply(&ok_reply, body,
						sizeof(struct fuse_open_out),
						-1),
			 -EINVAL);
	assert_memory_equal(body, expect, sizeof(body));
}

/* --- proto_parse_request ---------------------------------------------------
 */

static void test_request_header(void **state)
{
	struct proto_request pr;
	struct request r;
	size_t len = request_make(&r, FUSE_GETATTR, "", 0);

	(void)state;
	assert_int_equal(proto_parse_request(&r, len, &pr), 0);
	assert_int_equal(pr.opcode, FUSE_GETATTR);
	assert_int_equal(pr.unique, UNIQUE);
	assert_int_equal(pr.nodeid, 42);
	assert_int_equal(pr.uid, 1000);
	assert_int_equal(pr.gid, 1001);
	assert_int_equal(pr.pid, 4242);
	assert_int_equal(pr.op_flags, 0);
	assert_false(pr.kill_suidgid);
	assert_int_equal(proto_parse_request(&r, sizeof(r.in) - 1, &pr),
			 -EINVAL);
	r.in.len = (uint32_t)len + 1;
	assert_int_equal(proto_parse_request(&r, len, &pr), -EINVAL);
}

struct kill_case {
	const char *name;
	uint32_t opcode;
	size_t arglen;
	size_t flags_at; /* offset of the flags field in the argument */
	uint32_t flags;
	bool kill;
};

static const struct kill_case kill_cases[] = {
	{ "open kill", FUSE_OPEN, sizeof(struct fuse_open_in),
	  offsetof(struct fuse_open_in, open_flags), FUSE_OPEN_KILL_SUIDGID,
	  true },
	{ "open", FUSE_OPEN, sizeof(struct fuse_open_in),
	  offsetof(struct fuse_open_in, open_flags), 0, false },
	{ "create kill", FUSE_CREATE, sizeof(struct fuse_create_in),
	  offsetof(struct fuse_create_in, open_flags), FUSE_OPEN_KILL_SUIDGID,
	  true },
	{ "write kill", FUSE_WRITE, sizeof(struct fuse_write_in),
	  offsetof(struct fuse_write_in, write_flags),
	  FUSE_WRITE_KILL_SUIDGID | FUSE_WRITE_CACHE, true },
	{ "write", FUSE_WRITE, sizeof(struct fuse_write_in),
	  offsetof(struct fuse_write_in, write_flags), FUSE_WRITE_CACHE,
	  false },
	{ "setattr kill", FUSE_SETATTR, sizeof(struct fuse_setattr_in),
	  offsetof(struct fuse_setattr_in, valid),
	  FATTR_MODE | FATTR_KILL_SUIDGID, true },
	{ "setattr", FUSE_SETATTR, sizeof(struct fuse_setattr_in),
	  offsetof(struct fuse_setattr_in, valid), FATTR_SIZE, false },
};

static void test_request_kill(void **state)
{
	const struct kill_case *c = *state;
	unsigned char arg[128] = { 0 };
	struct proto_request pr;
	struct request r;
	size_t len;

	memcpy(arg + c->flags_at, &c->flags, sizeof(c->flags));
	len = request_make(&r, c->opcode, arg, c->arglen);
	assert_int_equal(proto_parse_request(&r, len, &pr), 0);
	assert_int_equal(pr.opcode, c->opcode);
	assert_int_equal(pr.op_flags, c->flags);
	assert_int_equal(pr.kill_suidgid, c->kill);
	/* An argument one byte short is refused. */
	len = request_make(&r, c->opcode, arg, c->arglen - 1);
	assert_int_equal(proto_parse_request(&r, len, &pr), -EINVAL);
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(kill_cases) + 16];
	size_t n = 0;

#define ADD(fn) tests[n++] = (struct CMUnitTest)cmocka_unit_test(fn)
	ADD(test_init_offer_ext);
	ADD(test_init_offer_no_ext);
	ADD(test_init_offer_old_kernel);
	ADD(test_init_offer_rejects);
	ADD(test_init_want_combinations);
	ADD(test_init_patch_combinations);
	ADD(test_init_patch_any_flag);
	ADD(test_init_patch_untouched);
	ADD(test_open_patch);
	ADD(test_create_patch);
	ADD(test_open_patch_untouched);
	ADD(test_request_header);
#undef ADD
	for (size_t i = 0; i < ARRAY_SIZE(kill_cases); i++)
		tests[n++] = (struct CMUnitTest){
			.name = kill_cases[i].name,
			.test_func = test_request_kill,
			.initial_state = (void *)&kill_cases[i],
		};
	return _cmocka_run_group_tests("proto", tests, n, NULL, NULL);
}
