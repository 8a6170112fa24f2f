/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the unit tests of runtime/spec.c share (test_spec.c,
 * test_spec_mounts.c, test_spec_nomem.c): reading a fixture of specs/,
 * parsing a spec that must parse, and turning table rows into named tests.
 * Include after <cmocka.h>, "spec.h" and "test_util.h".
 */
#ifndef UIDMAPFS_TEST_SPEC_UTIL_H
#define UIDMAPFS_TEST_SPEC_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef SPECS_DIR
/* The fixture @name of tests/unit/specs, malloc'd and NUL-terminated;
 * *@len gets its size.  Fails the test if it cannot be read or is empty. */
static inline char *load_fixture(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	long size;
	char *text;

	snprintf(path, sizeof(path), "%s/%s", SPECS_DIR, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	text = malloc((size_t)size + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
	text[size] = '\0';
	fclose(f);
	*len = (size_t)size;
	return text;
}
#endif

/* @text parsed; fails the test with spec_parse()'s reason otherwise. */
static inline struct spec *parse_ok(const char *text)
{
	char err[SPEC_ERR_LEN] = "";
	struct spec *spec = NULL;
	int ret = spec_parse(text, strlen(text), &spec, err, sizeof(err));

	if (ret)
		fail_msg("spec_parse: %d %s", ret, err);
	assert_non_null(spec);
	return spec;
}

/* One named test per row of @table (names[], tests[] and n in scope). */
#define ROWS(table, func, kind, field)                                         \
	for (size_t i = 0; i < ARRAY_SIZE(table); i++, n++) {                  \
		test_name(names[n], kind, NULL, table[i].field);               \
		tests[n] = row_test(func, names[n], &table[i]);                \
	}

#endif
