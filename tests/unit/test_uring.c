// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for fuse/uring_msg.c: the possible-CPU list, the payload size
 * the kernel demands, and ring entry <-> classic message at every edge
 * (empty op_in, full op_in, empty and full payload, lengths that do not add
 * up, a commit id that is not the request's, replies that do not fit).
 *
 * The CPU-list and request rows are tables; main() names each row's test
 * after its input.  Shown to fail by dropping the op_in size check from
 * uring_msg_request(): the row "op_in too big" then fails.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "uring_msg.h"

struct cpus_case {
	const char *text;
	int want; /* queues, or -EINVAL */
};

static const struct cpus_case cpus_cases[] = {
	{ "0\n", 1 },
	{ "0", 1 },
	{ "0-1\n", 2 },
	{ "0-63\n", 64 },
	{ "0-3,4-7\n", 8 },
	{ "0,1,2\n", 3 },
	{ "0-0\n", 1 },
	/* The kernel numbers queues 0..n-1 and picks one by CPU id: a set
	 * that does not start at 0 or has a gap would index a queue it
	 * never made, so it is refused rather than guessed at. */
	{ "1-3\n", -EINVAL },
	{ "0,2\n", -EINVAL },
	{ "0-1,3\n", -EINVAL },
	{ "3-1\n", -EINVAL },
	{ "", -EINVAL },
	{ "\n", -EINVAL },
	{ "0-\n", -EINVAL },
	{ "-1\n", -EINVAL },
	{ "+0\n", -EINVAL },
	{ "0 \n", -EINVAL },
	{ "0\n\n", -EINVAL },
	{ "0,\n", -EINVAL },
	{ "x\n", -EINVAL },
	{ "0-99999999999999999999\n", -EINVAL },
};

static void test_cpus_case(void **state)
{
	const struct cpus_case *c = *state;

	assert_int_equal(uring_msg_parse_cpus(c->text), c->want);
}

/* The depth per queue at its edges: the full depth while all queues fit
 * the budget (8 x 8 = 64), the budget shared once they do not (9 CPUs: 7),
 * and 1 from 33 CPUs on, where the budget gives less than one each. */
static void test_queue_depth(void **state)
{
	static const struct {
		unsigned int queues, depth;
	} rows[] = {
		{ 0, 0 },  { 1, 8 },	{ 2, 8 },	 { 8, 8 },  { 9, 7 },
		{ 16, 4 }, { 21, 3 },	{ 32, 2 },	 { 33, 1 }, { 64, 1 },
		{ 65, 1 }, { 4096, 1 }, { UINT_MAX, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		unsigned int d = uring_msg_queue_depth(rows[i].queues);

		if (d != rows[i].depth)
			fail_msg("%u queues: depth %u, want %u", rows[i].queues,
				 d, rows[i].depth);
		/* The bound itself, whatever the rows say. */
		assert_true(d <= URING_MSG_DEPTH_MAX);
		assert_true(rows[i].queues == 0 || d >= 1);
		assert_true(rows[i].queues > URING_MSG_ENTRIES_MAX ||
			    (unsigned long)d * rows[i].queues <=
				    URING_MSG_ENTRIES_MAX);
	}
}

/* A fuse_init_out with the two fields that size the payload. */
static long payload_for(uint32_t max_write, uint16_t max_pages, size_t len)
{
	struct fuse_init_out out;

	memset(&out, 0, sizeof(out));
	out.max_write = max_write;
	out.max_pages = max_pages;
	return uring_msg_payload_size(&out, len, 4096);
}

static void test_payload_size(void **state)
{
	(void)state;
	/* libfuse 3.14's defaults: 1 MiB writes, 256 pages. */
	assert_int_equal(
		payload_for(1 << 20, 256, sizeof(struct fuse_init_out)),
		1 << 20);
	/* max_pages above max_write wins, as in the kernel. */
	assert_int_equal(payload_for(4096, 32, sizeof(struct fuse_init_out)),
			 32 * 4096);
	assert_int_equal(payload_for(200000, 1, sizeof(struct fuse_init_out)),
			 200000);
	/* Never below FUSE_MIN_READ_BUFFER. */
	assert_int_equal(payload_for(0, 0, sizeof(struct fuse_init_out)),
			 URING_MSG_MIN_PAYLOAD);
	assert_int_equal(payload_for(4096, 1, sizeof(struct fuse_init_out)),
			 URING_MSG_MIN_PAYLOAD);
	/* A reply too short for max_pages (protocol < 7.28) is refused. */
	assert_int_equal(
		payload_for(4096, 1, offsetof(struct fuse_init_out, max_pages)),
		-EINVAL);
	assert_int_equal(
		payload_for(4096, 1,
			    offsetof(struct fuse_init_out, max_pages) + 2),
		URING_MSG_MIN_PAYLOAD);
}

#define CAP 64
#define NO_OP ((size_t)-1)

/* An entry's buffers: headroom right before the payload, as uring.c
 * allocates them, with guard bytes to catch a write out of bounds. */
struct entry {
	struct fuse_uring_req_header hdr;
	unsigned char buf[URING_MSG_HEADROOM + CAP + 16];
};

struct request_case {
	const char *name;
	uint32_t len;	     /* in.len */
	uint32_t payload_sz; /* ring_ent_in_out.payload_sz */
	uint64_t unique;
	uint64_t commit_id;
	int want; /* 0 or -EPROTO */
};

static const struct request_case request_cases[] = {
	/* LOOKUP-like: no op_in, the name in the payload. */
	{ "no op_in", 40 + 6, 6, 2, 2, 0 },
	/* GETATTR-like: op_in only. */
	{ "op_in only", 40 + 16, 0, 4, 4, 0 },
	{ "op_in and payload", 40 + 40 + 24, 24, 6, 6, 0 },
	{ "full op_in", 40 + FUSE_URING_OP_IN_OUT_SZ + 1, 1, 8, 8, 0 },
	{ "full payload", 40 + 8 + CAP, CAP, 10, 10, 0 },
	{ "header only", 40, 0, 12, 12, 0 },
	{ "op_in too big", 40 + FUSE_URING_OP_IN_OUT_SZ + 1 + 1, 1, 14, 14,
	  -EPROTO },
	{ "payload over cap", 40 + CAP + 1, CAP + 1, 16, 16, -EPROTO },
	{ "len below header", 39, 0, 18, 18, -EPROTO },
	{ "len below payload", 40 + 3, 4, 20, 20, -EPROTO },
	{ "commit id not unique", 40 + 8, 0, 22, 24, -EPROTO },
	{ "unique 0", 40 + 8, 0, 0, 0, -EPROTO },
};

static void fill(unsigned char *p, size_t n, unsigned char seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i);
}

static void test_request_case(void **state)
{
	const struct request_case *c = *state;
	struct fuse_uring_ent_in_out ent = { .commit_id = c->commit_id,
					     .payload_sz = c->payload_sz };
	struct fuse_in_header in = { .len = c->len,
				     .opcode = FUSE_GETATTR,
				     .unique = c->unique,
				     .nodeid = 77 };
	struct entry *e = calloc(1, sizeof(*e));
	unsigned char *payload = e->buf + URING_MSG_HEADROOM;
	unsigned char *req = NULL, copy[sizeof(e->buf)];
	size_t len = 0, op_sz;
	uint64_t commit = 0;
	int ret;

	memcpy(e->hdr.in_out, &in, sizeof(in));
	fill((unsigned char *)e->hdr.op_in, sizeof(e->hdr.op_in), 0x10);
	memcpy(&e->hdr.ring_ent_in_out, &ent, sizeof(ent));
	fill(payload, CAP, 0x80);
	memcpy(copy, e->buf, sizeof(copy));
	ret = uring_msg_request(&e->hdr, payload, CAP, &req, &len, &commit);
	assert_int_equal(ret, c->want);
	if (ret < 0) {
		/* Nothing written on failure. */
		assert_memory_equal(copy, e->buf, sizeof(copy));
		free(e);
		return;
	}
	op_sz = c->len - 40 - c->payload_sz;
	assert_int_equal(len, c->len);
	assert_int_equal(commit, c->unique);
	assert_ptr_equal(req, payload - op_sz - 40);
	assert_memory_equal(req, &in, sizeof(in));
	assert_memory_equal(req + 40, e->hdr.op_in, op_sz);
	/* The payload is where it was, untouched: never copied. */
	assert_memory_equal(payload, copy + URING_MSG_HEADROOM, CAP + 16);
	free(e);
}

static void test_reply_gathers(void **state)
{
	struct entry *e = calloc(1, sizeof(*e));
	unsigned char *payload = e->buf + URING_MSG_HEADROOM;
	unsigned char a[10], b[CAP - 10];
	struct fuse_out_header out = { .len = 16 + CAP, .unique = 42 };
	struct iovec iov[3] = { { &out, sizeof(out) },
				{ a, sizeof(a) },
				{ b, sizeof(b) } };
	struct fuse_uring_ent_in_out ent;

	(void)state;
	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 100);
	assert_int_equal(uring_msg_reply(&e->hdr, payload, CAP, iov, 3),
			 16 + CAP);
	assert_memory_equal(e->hdr.in_out, &out, sizeof(out));
	assert_memory_equal(payload, a, sizeof(a));
	assert_memory_equal(payload + sizeof(a), b, sizeof(b));
	memcpy(&ent, &e->hdr.ring_ent_in_out, sizeof(ent));
	assert_int_equal(ent.payload_sz, CAP);
	/* Guard bytes past the payload untouched. */
	assert_int_equal(payload[CAP], 0);
	free(e);
}

static void test_reply_errors(void **state)
{
	struct entry *e = calloc(1, sizeof(*e));
	unsigned char *payload = e->buf + URING_MSG_HEADROOM;
	unsigned char big[CAP + 1] = { 0 };
	struct fuse_out_header out = { .len = 16,
				       .error = -ENOENT,
				       .unique = 9 };
	struct fuse_uring_ent_in_out ent;
	struct iovec iov[2] = { { &out, sizeof(out) }, { big, 0 } };
	struct entry before;

	(void)state;
	/* An error reply: the header only, an empty payload. */
	assert_int_equal(uring_msg_reply(&e->hdr, payload, CAP, iov, 1), 16);
	memcpy(&ent, &e->hdr.ring_ent_in_out, sizeof(ent));
	assert_int_equal(ent.payload_sz, 0);
	assert_memory_equal(e->hdr.in_out, &out, sizeof(out));

	memcpy(&before, e, sizeof(before));
	/* One byte too many: refused, nothing written. */
	out = (struct fuse_out_header){ .len = 16 + CAP + 1, .unique = 9 };
	iov[1].iov_len = CAP + 1;
	assert_int_equal(uring_msg_reply(&e->hdr, payload, CAP, iov, 2),
			 -EMSGSIZE);
	assert_memory_equal(e, &before, sizeof(before));
	/* Exactly full fits. */
	out.len = 16 + CAP;
	iov[1].iov_len = CAP;
	assert_int_equal(uring_msg_reply(&e->hdr, payload, CAP, iov, 2),
			 16 + CAP);
	/* A header whose len disagrees with the iovecs. */
	out.len = 16 + CAP - 1;
	assert_int_equal(uring_msg_reply(&e->hdr, payload, CAP, iov, 2),
			 -EPROTO);
	/* iov[0] that is not an out header. */
	iov[0].iov_len = 8;
	assert_int_equal(uring_msg_reply(&e->hdr, payload, CAP, iov, 2),
			 -EPROTO);
	assert_int_equal(uring_msg_reply(&e->hdr, payload, CAP, iov, 0),
			 -EPROTO);
	free(e);
}

/* A reply already read into the payload (the splice path) stays put. */
static void test_reply_in_place(void **state)
{
	struct entry *e = calloc(1, sizeof(*e));
	unsigned char *payload = e->buf + URING_MSG_HEADROOM;
	struct fuse_out_header out = { .len = 16 + 20, .unique = 3 };
	struct iovec iov[2] = { { &out, sizeof(out) }, { payload, 20 } };
	unsigned char want[20];

	(void)state;
	fill(payload, 20, 7);
	memcpy(want, payload, sizeof(want));
	assert_int_equal(uring_msg_reply(&e->hdr, payload, CAP, iov, 2), 36);
	assert_memory_equal(payload, want, sizeof(want));
	free(e);
}

/* A request rebuilt and answered round trip, as uring.c does it. */
static void test_round_trip(void **state)
{
	struct entry *e = calloc(1, sizeof(*e));
	unsigned char *payload = e->buf + URING_MSG_HEADROOM;
	struct fuse_in_header in = { .len = 40 + 8 + 5,
				     .opcode = FUSE_MKDIR,
				     .unique = 1000 };
	struct fuse_uring_ent_in_out ent = { .commit_id = 1000,
					     .payload_sz = 5 };
	struct fuse_mkdir_in mk = { .mode = 0755, .umask = 022 };
	struct fuse_out_header out = { .len = 16 + 4, .unique = 1000 };
	unsigned char body[4] = { 1, 2, 3, 4 };
	struct iovec iov[2] = { { &out, sizeof(out) }, { body, 4 } };
	unsigned char *req;
	size_t len;
	uint64_t commit;

	(void)state;
	memcpy(e->hdr.in_out, &in, sizeof(in));
	memcpy(e->hdr.op_in, &mk, sizeof(mk));
	memcpy(&e->hdr.ring_ent_in_out, &ent, sizeof(ent));
	memcpy(payload, "name", 5);
	assert_int_equal(
		uring_msg_request(&e->hdr, payload, CAP, &req, &len, &commit),
		0);
	assert_int_equal(len, 53);
	assert_memory_equal(req + 40, &mk, sizeof(mk));
	assert_string_equal((const char *)req + 48, "name");
	assert_int_equal(uring_msg_reply(&e->hdr, payload, CAP, iov, 2), 20);
	memcpy(&ent, &e->hdr.ring_ent_in_out, sizeof(ent));
	/* The commit id stays for COMMIT_AND_FETCH. */
	assert_int_equal(ent.commit_id, 1000);
	assert_int_equal(ent.payload_sz, 4);
	free(e);
}

int main(void)
{
	enum {
		N_CPUS = ARRAY_SIZE(cpus_cases),
		N_REQ = ARRAY_SIZE(request_cases),
		N_FIXED = 6,
		N_TESTS = N_FIXED + N_CPUS + N_REQ,
	};
	struct CMUnitTest tests[N_TESTS] = {
		cmocka_unit_test(test_payload_size),
		cmocka_unit_test(test_reply_gathers),
		cmocka_unit_test(test_reply_errors),
		cmocka_unit_test(test_reply_in_place),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_queue_depth),
	};
	char names[N_TESTS][TEST_NAME_LEN];
	size_t i, n = N_FIXED;

	for (i = 0; i < N_CPUS; i++, n++) {
		test_name(names[n], "cpus", NULL, cpus_cases[i].text);
		tests[n] = row_test(test_cpus_case, names[n], &cpus_cases[i]);
	}
	for (i = 0; i < N_REQ; i++, n++) {
		test_name(names[n], "request", NULL, request_cases[i].name);
		tests[n] = row_test(test_request_case, names[n],
				    &request_cases[i]);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
