/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the cmocka unit tests: turning table rows into named
 * tests.  Include after <cmocka.h>.
 */
#ifndef UIDMAPFS_TEST_UTIL_H
#define UIDMAPFS_TEST_UTIL_H

#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Room for a test name built by test_name(). */
#define TEST_NAME_LEN 96

/*
 * Write "kind [syntax] \"text\"" into @out (TEST_NAME_LEN bytes), with
 * control bytes and '#' escaped: names end up in TAP output, where a raw
 * newline would break the line and '#' would start a directive.
 */
static inline void test_name(char *out, const char *kind, const char *syntax,
			     const char *text)
{
	int off = snprintf(out, TEST_NAME_LEN, "%s%s%s \"", kind,
			   syntax ? " " : "", syntax ? syntax : "");
	size_t o = (size_t)off;
	const unsigned char *p = (const unsigned char *)text;

	/* Keep 6 bytes: one escape (4), the closing quote and the NUL. */
	for (; *p && o + 6 < TEST_NAME_LEN; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '#')
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, TEST_NAME_LEN - o,
					      "\\x%02x", *p);
	}
	out[o++] = '"';
	out[o] = '\0';
}

/*
 * A test running @func on one table row.  cmocka passes state as void *;
 * the row stays const in spirit: the tests only read it.
 */
static inline struct CMUnitTest row_test(CMUnitTestFunction func,
					 const char *name, const void *row)
{
	struct CMUnitTest t = { name, func, NULL, NULL, (void *)row };

	return t;
}

#endif
