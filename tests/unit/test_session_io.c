// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for the writev hook of fuse/session.c, driven with a pipe:
 * an OPEN/CREATE reply carries a backing id only when this thread marked
 * it with session_reply_passthrough() right before, and never a stale one.
 * Shown to fail by making the hook read the mark without clearing it
 * (test_no_stale_id_after_reply then sees the id in the second reply).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"
#include "session.h"

struct open_reply {
	struct fuse_out_header out;
	struct fuse_open_out open;
};

/* The test's state: a pipe standing in for /dev/fuse. */
static int setup(void **state)
{
	int *fds = malloc(2 * sizeof(*fds));

	if (!fds || pipe(fds) < 0) {
		free(fds);
		return -1;
	}
	session_reply_passthrough(0);
	*state = fds;
	return 0;
}

static int teardown(void **state)
{
	int *fds = *state;

	close(fds[0]);
	close(fds[1]);
	free(fds);
	return 0;
}

/* Send an OPEN reply (error @error) through the hook as libfuse does, and
 * read back what reached the "kernel". */
static struct open_reply send_open(void **state, int32_t error)
{
	const int *fds = *state;
	struct fuse_out_header out = {
		.len = sizeof(struct open_reply),
		.error = error,
		.unique = 99,
	};
	struct fuse_open_out open = { .fh = 3 };
	struct iovec iov[2] = {
		{ .iov_base = &out, .iov_len = sizeof(out) },
		{ .iov_base = &open, .iov_len = sizeof(open) },
	};
	struct open_reply got;

	assert_int_equal(session_writev(fds[1], iov, 2, NULL), sizeof(got));
	assert_int_equal(read(fds[0], &got, sizeof(got)), sizeof(got));
	/* libfuse's own buffer is never written. */
	assert_int_equal(open.open_flags, 0);
	return got;
}

static int32_t backing_id(const struct open_reply *r)
{
	int32_t id;

	memcpy(&id, (const char *)&r->open + PROTO_OPEN_OUT_BACKING_ID,
	       sizeof(id));
	return id;
}

static void test_marked_reply(void **state)
{
	struct open_reply r;

	session_reply_passthrough(5);
	r = send_open(state, 0);
	session_reply_passthrough(0);
	assert_int_equal(r.open.open_flags, FOPEN_PASSTHROUGH);
	assert_int_equal(backing_id(&r), 5);
	assert_int_equal(r.open.fh, 3);
}

static void test_unmarked_reply(void **state)
{
	struct open_reply r = send_open(state, 0);

	assert_int_equal(r.open.open_flags, 0);
	assert_int_equal(backing_id(&r), 0);
}

/* The caller forgot to clear the mark: the next reply still has no id. */
static void test_no_stale_id_after_reply(void **state)
{
	struct open_reply r;

	session_reply_passthrough(6);
	r = send_open(state, 0);
	assert_int_equal(backing_id(&r), 6);
	r = send_open(state, 0);
	assert_int_equal(r.open.open_flags, 0);
	assert_int_equal(backing_id(&r), 0);
}

static void test_cleared_mark(void **state)
{
	struct open_reply r;

	session_reply_passthrough(7);
	session_reply_passthrough(0);
	r = send_open(state, 0);
	assert_int_equal(backing_id(&r), 0);
}

/* An error reply is never patched, and consumes the mark. */
static void test_error_reply(void **state)
{
	struct open_reply r;

	session_reply_passthrough(8);
	r = send_open(state, -EACCES);
	assert_int_equal(r.open.open_flags, 0);
	assert_int_equal(backing_id(&r), 0);
	r = send_open(state, 0);
	assert_int_equal(backing_id(&r), 0);
}

static void *mark_in_thread(void *arg)
{
	(void)arg;
	session_reply_passthrough(9);
	return NULL;
}

/* A mark set by another thread does not reach this thread's reply. */
static void test_other_thread_mark(void **state)
{
	struct open_reply r;
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, mark_in_thread, NULL), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	r = send_open(state, 0);
	assert_int_equal(backing_id(&r), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_marked_reply, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unmarked_reply, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_stale_id_after_reply,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_cleared_mark, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_error_reply, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_other_thread_mark, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
