// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for runtime/conf.c: the configuration file's every key,
 * comments and white space, and each kind of bad line with the message
 * that names it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "conf.h"
#include "test_util.h"

static int parse(struct conf *c, const char *text, char *err, size_t len)
{
	conf_init(c);
	return conf_parse(c, "runtime.conf", text, strlen(text), err, len);
}

static void test_defaults(void **state)
{
	char err[128] = "";
	struct conf c;

	(void)state;
	assert_int_equal(parse(&c, "", err, sizeof(err)), 0);
	assert_null(c.runtime);
	assert_null(c.uidmapfs);
	assert_null(c.state_dir);
	assert_null(c.options);
	assert_int_equal(c.systemd, CONF_SYSTEMD_AUTO);
	assert_int_equal(c.timeout, 10);
	conf_free(&c);
}

static void test_every_key(void **state)
{
	static const char text[] =
		"# the real runtime\n"
		"runtime = /usr/bin/runc\n"
		"\n"
		"   uidmapfs=/opt/uidmapfs  \r\n"
		"state-dir =\t/run/x\n"
		"options = entry_timeout=60,attr_timeout=60\n"
		"systemd = no\n"
		"timeout = 600"; /* no final newline */
	char err[128] = "";
	struct conf c;

	(void)state;
	assert_int_equal(parse(&c, text, err, sizeof(err)), 0);
	assert_string_equal(c.runtime, "/usr/bin/runc");
	assert_string_equal(c.uidmapfs, "/opt/uidmapfs");
	assert_string_equal(c.state_dir, "/run/x");
	assert_string_equal(c.options, "entry_timeout=60,attr_timeout=60");
	assert_int_equal(c.systemd, CONF_SYSTEMD_NO);
	assert_int_equal(c.timeout, 600);
	conf_free(&c);
}

static void test_later_line_wins(void **state)
{
	char err[128] = "";
	struct conf c;

	(void)state;
	assert_int_equal(parse(&c,
			       "runtime = a\nruntime = b\nsystemd = yes\n"
			       "systemd = auto\n",
			       err, sizeof(err)),
			 0);
	assert_string_equal(c.runtime, "b");
	assert_int_equal(c.systemd, CONF_SYSTEMD_AUTO);
	conf_free(&c);
	assert_int_equal(parse(&c, "systemd=yes", err, sizeof(err)), 0);
	assert_int_equal(c.systemd, CONF_SYSTEMD_YES);
	conf_free(&c);
}

struct bad_case {
	const char *text;
	const char *err;
};

static const struct bad_case bad_cases[] = {
	{ "runtime /usr/bin/crun\n", "runtime.conf:1: expected key = value" },
	{ "\n\nbogus = 1\n", "runtime.conf:3: unknown key 'bogus'" },
	{ "runtime =\n", "runtime.conf:1: bad value for runtime: ''" },
	{ "systemd = maybe\n", "bad value for systemd: 'maybe'" },
	{ "timeout = 0\n", "bad value for timeout: '0'" },
	{ "timeout = 601\n", "bad value for timeout: '601'" },
	{ "timeout = 1000\n", "bad value for timeout" },
	{ "timeout = 5s\n", "bad value for timeout: '5s'" },
	{ "timeout = -1\n", "bad value for timeout" },
	{ "= x\n", "unknown key ''" },
};

static void test_bad(void **state)
{
	const struct bad_case *b = *state;
	char err[128] = "";
	struct conf c;

	assert_int_equal(parse(&c, b->text, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, b->err));
	conf_free(&c);
}

static void test_nul_byte(void **state)
{
	static const char text[] = "runtime = a\0b\n";
	char err[128] = "";
	struct conf c;

	(void)state;
	conf_init(&c);
	assert_int_equal(
		conf_parse(&c, "f", text, sizeof(text) - 1, err, sizeof(err)),
		-EINVAL);
	assert_non_null(strstr(err, "f: not a text file"));
	conf_free(&c);
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(bad_cases) + 4];
	static char names[ARRAY_SIZE(bad_cases)][TEST_NAME_LEN];
	size_t i, n = 0;

	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_defaults);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_every_key);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_later_line_wins);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_nul_byte);
	for (i = 0; i < ARRAY_SIZE(bad_cases); i++, n++) {
		test_name(names[i], "bad", NULL, bad_cases[i].text);
		tests[n] = row_test(test_bad, names[i], &bad_cases[i]);
	}
	return _cmocka_run_group_tests("conf", tests, n, NULL, NULL);
}
