// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * runtime/spec.c when memory runs out: make the 1st, 2nd, 3rd, ...
 * allocation fail (ours and json-c's alike) during parse, idmounts,
 * redirect and serialise, until one run sees no failure.  Every run must
 * end in -ENOMEM or in exactly the result of a run without failures:
 * never a crash, never a silently shortened spec.
 *
 * Not failed: json-c's allocations inside json_tokener_parse_ex().  json-c
 * 0.16 crashes there itself (json_tokener.c passes the NULL of a failed
 * strdup() of a member name to json_object_object_add_ex(), which calls
 * strlen() on it; 0.17 added json_tokener_error_memory).  Everything else
 * is failed: our allocations, json-c's in json_tokener_new_ex() (the first
 * TOKENER_ALLOCS of spec_parse(), checked to give -ENOMEM), in
 * json_object_new_string() and json_object_object_add() (redirect) and in
 * its printbuf (serialise).
 *
 * The allocator is replaced by defining malloc, calloc, realloc and free
 * here (glibc supports that; its own allocator stays reachable as
 * __libc_malloc() etc.), so this test is built only without sanitizers,
 * whose runtimes replace the allocator themselves.
 *
 * Proven able to fail: it is what found that json-c's own serialiser
 * returns shortened text when an append fails (with spec_serialize() on
 * json_object_to_json_string_length() every fixture fails here with texts
 * like {"ociVersion":"1.0.2-dev","":{"terminal":false,...).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "test_spec_util.h"
#include "test_util.h"

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t nmemb, size_t size);
void *__libc_realloc(void *ptr, size_t size);
void __libc_free(void *ptr);

/* The linker's bounds of this executable's code (spec.c is linked in). */
extern char __executable_start[], etext[];

/* json_tokener_new_ex(): the tokener, its stack, its printbuf and buffer. */
#define TOKENER_ALLOCS 4

enum phase { PH_OTHER, PH_PARSE, PH_REST };

/*
 * Mutable globals: an allocator replacement has no other place for its
 * state.  Eligible allocations left before one fails (-1: none fails),
 * whether one did, which call is running, how many allocations
 * spec_parse() has made so far and which of them failed.
 */
static long countdown = -1;
static bool failed;
static enum phase phase;
static long parse_allocs;
static long failed_parse_alloc;

static bool fail_now(const void *caller)
{
	uintptr_t at = (uintptr_t)caller;
	bool ours =
		at >= (uintptr_t)__executable_start && at < (uintptr_t)etext;
	long nr = phase == PH_PARSE ? parse_allocs++ : -1;

	if (countdown < 0 || phase == PH_OTHER)
		return false;
	if (phase == PH_PARSE && !ours && nr >= TOKENER_ALLOCS)
		return false;
	if (countdown-- > 0)
		return false;
	failed = true;
	failed_parse_alloc = nr;
	return true;
}

void *malloc(size_t size)
{
	return fail_now(__builtin_return_address(0)) ? NULL
						     : __libc_malloc(size);
}

void *calloc(size_t nmemb, size_t size)
{
	return fail_now(__builtin_return_address(0))
		       ? NULL
		       : __libc_calloc(nmemb, size);
}

void *realloc(void *ptr, size_t size)
{
	return fail_now(__builtin_return_address(0))
		       ? NULL
		       : __libc_realloc(ptr, size);
}

void free(void *ptr)
{
	__libc_free(ptr);
}

/*
 * Parse, list, redirect every ID-mapped mount, serialise.  Returns the
 * text (malloc'd) or NULL after checking that the step that failed did so
 * because an allocation failed.
 */
static char *pipeline(const char *text, size_t len)
{
	char err[SPEC_ERR_LEN];
	struct spec_idmount *m;
	struct spec *spec;
	char *out = NULL;
	size_t n;
	int ret;

	phase = PH_PARSE;
	parse_allocs = 0;
	failed_parse_alloc = -1;
	ret = spec_parse(text, len, &spec, err, sizeof(err));
	phase = PH_REST;
	if (ret) {
		phase = PH_OTHER;
		assert_true(failed);
		assert_int_equal(ret, -ENOMEM);
		return NULL;
	}
	/* A failure in json_tokener_new_ex() must have failed the parse. */
	assert_false(failed && failed_parse_alloc >= 0 &&
		     failed_parse_alloc < TOKENER_ALLOCS);
	ret = spec_idmounts(spec, &m, &n, err, sizeof(err));
	if (ret) {
		phase = PH_OTHER;
		assert_true(failed);
		assert_int_equal(ret, -ENOMEM);
		goto out_free_spec;
	}
	for (size_t i = 0; i < n; i++) {
		ret = spec_redirect_mount(spec, m[i].index, "/run/uidmapfs/m",
					  err, sizeof(err));
		if (ret) {
			phase = PH_OTHER;
			assert_true(failed);
			assert_int_equal(ret, -ENOMEM);
			goto out_free_list;
		}
	}
	out = spec_serialize(spec, NULL);
	phase = PH_OTHER;
	if (!out)
		assert_true(failed);
out_free_list:
	spec_idmounts_free(m, n);
out_free_spec:
	spec_free(spec);
	phase = PH_OTHER;
	return out;
}

static void test_nomem(void **state)
{
	const char *file = *state;
	size_t len;
	char *text = load_fixture(file, &len);
	char *want = pipeline(text, len), *got;
	long k;

	assert_non_null(want);
	for (k = 0;; k++) {
		countdown = k;
		failed = false;
		got = pipeline(text, len);
		countdown = -1;
		/* Whatever came out is the whole answer. */
		if (got)
			assert_string_equal(got, want);
		free(got);
		if (!failed)
			break;
	}
	/* Each run failed a different allocation: there were k of them. */
	assert_true(k > 10);
	free(want);
	free(text);
}

int main(void)
{
	static const char *const files[] = {
		"containerd-hostusers-false.json",
		"crio-hostusers-false.json",
		"podman-4.3-idmap.json",
		"crun-idmap-option.json",
	};
	struct CMUnitTest tests[ARRAY_SIZE(files)];
	char names[ARRAY_SIZE(files)][TEST_NAME_LEN];

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		test_name(names[i], "out of memory", NULL, files[i]);
		tests[i] = row_test(test_nomem, names[i], files[i]);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
