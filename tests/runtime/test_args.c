// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for runtime/args.c: command lines as containerd's runc shim,
 * CRI-O, podman's conmon and a person write them.  Each row is its own
 * cmocka test named after the command line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "test_util.h"

#define MAX_ARGS 24

struct args_case {
	const char *argv[MAX_ARGS]; /* argv[0] is the wrapper */
	enum args_cmd cmd;
	const char *id;
	const char *bundle;
	const char *config_json;
	const char *log;
	const char *log_format;
	const char *config;  /* --uidmapfs-config */
	const char *runtime; /* --uidmapfs-runtime */
	bool detach;
	bool keep;
	bool help;
	bool version;
	/* What the runtime gets after its own path: NULL-terminated. */
	const char *pass[MAX_ARGS];
};

static const struct args_case cases[] = {
	/* containerd 2.x's runc shim (go-runc). */
	{ .argv = { "w", "--root", "/run/containerd/runc/k8s.io", "--log",
		    "/run/x/log.json", "--log-format", "json",
		    "--systemd-cgroup", "create", "--bundle", "/run/b",
		    "--pid-file", "/run/b/init.pid", "abc123" },
	  .cmd = ARGS_CMD_CREATE,
	  .id = "abc123",
	  .bundle = "/run/b",
	  .log = "/run/x/log.json",
	  .log_format = "json",
	  .pass = { "--root", "/run/containerd/runc/k8s.io", "--log",
		    "/run/x/log.json", "--log-format", "json",
		    "--systemd-cgroup", "create", "--bundle", "/run/b",
		    "--pid-file", "/run/b/init.pid", "abc123" } },
	/* "=" forms, and a flag between the options. */
	{ .argv = { "w", "--root=/r", "--log=/l", "--log-format=text", "create",
		    "--bundle=/b", "--no-pivot", "--console-socket", "/s",
		    "id1" },
	  .cmd = ARGS_CMD_CREATE,
	  .id = "id1",
	  .bundle = "/b",
	  .log = "/l",
	  .log_format = "text",
	  .pass = { "--root=/r", "--log=/l", "--log-format=text", "create",
		    "--bundle=/b", "--no-pivot", "--console-socket", "/s",
		    "id1" } },
	/* podman/conmon: crun's --cgroup-manager, -b, crun's --config. */
	{ .argv = { "w", "--cgroup-manager", "cgroupfs", "--root", "/r",
		    "create", "-b", "/b", "-f", "/b/other.json", "--pid-file",
		    "/p", "c9" },
	  .cmd = ARGS_CMD_CREATE,
	  .id = "c9",
	  .bundle = "/b",
	  .config_json = "/b/other.json",
	  .pass = { "--cgroup-manager", "cgroupfs", "--root", "/r", "create",
		    "-b", "/b", "-f", "/b/other.json", "--pid-file", "/p",
		    "c9" } },
	/* The wrapper's own options go; everything else stays in order. */
	{ .argv = { "w", "--uidmapfs-config", "/etc/x.conf", "--root", "/r",
		    "--uidmapfs-runtime=/usr/bin/runc", "run", "-d", "--keep",
		    "--bundle", "/b", "r1" },
	  .cmd = ARGS_CMD_RUN,
	  .id = "r1",
	  .bundle = "/b",
	  .config = "/etc/x.conf",
	  .runtime = "/usr/bin/runc",
	  .detach = true,
	  .keep = true,
	  .pass = { "--root", "/r", "run", "-d", "--keep", "--bundle", "/b",
		    "r1" } },
	/* crun's --log-level takes a value; --log=file:PATH is crun's. */
	{ .argv = { "w", "--log-level", "debug", "--log=file:/l", "delete",
		    "x1" },
	  .cmd = ARGS_CMD_DELETE,
	  .id = "x1",
	  .log = "file:/l",
	  .pass = { "--log-level", "debug", "--log=file:/l", "delete", "x1" } },
	/* delete: -f is --force, not a value. */
	{ .argv = { "w", "--root", "/r", "delete", "-f", "d1" },
	  .cmd = ARGS_CMD_DELETE,
	  .id = "d1",
	  .pass = { "--root", "/r", "delete", "-f", "d1" } },
	{ .argv = { "w", "delete", "--force", "d2" },
	  .cmd = ARGS_CMD_DELETE,
	  .id = "d2",
	  .pass = { "delete", "--force", "d2" } },
	/* Other subcommands pass untouched; an option after the subcommand
	 * that looks like ours is the runtime's. */
	{ .argv = { "w", "--root", "/r", "exec", "e1", "--uidmapfs-x", "sh" },
	  .cmd = ARGS_CMD_OTHER,
	  .id = "e1",
	  .pass = { "--root", "/r", "exec", "e1", "--uidmapfs-x", "sh" } },
	{ .argv = { "w", "features" },
	  .cmd = ARGS_CMD_OTHER,
	  .pass = { "features" } },
	/* No subcommand. */
	{ .argv = { "w", "--version" },
	  .cmd = ARGS_CMD_NONE,
	  .pass = { "--version" } },
	{ .argv = { "w", "--help" },
	  .cmd = ARGS_CMD_NONE,
	  .help = true,
	  .pass = { "--help" } },
	{ .argv = { "w", "--uidmapfs-help" },
	  .cmd = ARGS_CMD_NONE,
	  .help = true },
	{ .argv = { "w", "--uidmapfs-version" },
	  .cmd = ARGS_CMD_NONE,
	  .version = true },
	/* create without an id, the bundle's value missing at the end. */
	{ .argv = { "w", "create", "--bundle" },
	  .cmd = ARGS_CMD_CREATE,
	  .pass = { "create", "--bundle" } },
	/* "--" ends the options: the next argument is the id. */
	{ .argv = { "w", "create", "--bundle", "/b", "--", "-odd" },
	  .cmd = ARGS_CMD_CREATE,
	  .id = "-odd",
	  .bundle = "/b",
	  .pass = { "create", "--bundle", "/b", "--", "-odd" } },
	/* A global --log whose value is the last argument. */
	{ .argv = { "w", "--log" }, .cmd = ARGS_CMD_NONE, .pass = { "--log" } },
};

static int count(const char *const *v)
{
	int n = 0;

	while (v[n])
		n++;
	return n;
}

static void assert_str(const char *want, const char *got)
{
	if (!want)
		assert_null(got);
	else
		assert_string_equal(want, got);
}

static void test_args_case(void **state)
{
	const struct args_case *c = *state;
	char *argv[MAX_ARGS + 1];
	char err[256] = "";
	struct args a;
	int argc = count(c->argv), i;

	for (i = 0; i < argc; i++)
		argv[i] = (char *)c->argv[i];
	argv[argc] = NULL;
	assert_int_equal(args_parse(argc, argv, &a, err, sizeof(err)), 0);
	assert_int_equal(a.cmd, c->cmd);
	assert_str(c->id, a.id);
	assert_str(c->bundle, a.bundle);
	assert_str(c->config_json, a.config_json);
	assert_str(c->log, a.log);
	assert_str(c->log_format, a.log_format);
	assert_str(c->config, a.config);
	assert_str(c->runtime, a.runtime);
	assert_int_equal(a.detach, c->detach);
	assert_int_equal(a.keep, c->keep);
	assert_int_equal(a.help, c->help);
	assert_int_equal(a.version, c->version);
	assert_null(a.pass[0]);
	assert_int_equal(a.npass, 1 + count(c->pass));
	for (i = 0; c->pass[i]; i++)
		assert_string_equal(a.pass[1 + i], c->pass[i]);
	assert_null(a.pass[a.npass]);
	args_free(&a);
}

struct bad_case {
	const char *argv[4];
	const char *err; /* part of the message */
};

static const struct bad_case bad_cases[] = {
	{ { "w", "--uidmapfs-config" }, "--uidmapfs-config needs a value" },
	{ { "w", "--uidmapfs-runtime=" }, "--uidmapfs-runtime needs a value" },
	{ { "w", "--uidmapfs-bogus", "run" },
	  "unknown option --uidmapfs-bogus" },
	{ { "w", "--uidmapfs-help=yes" },
	  "unknown option --uidmapfs-help=yes" },
	{ { "w", "--uidmapfs-a-very-long-option-name-that-fills-the-buffer-"
		 "of-the-parser-and-more" },
	  "unknown option" },
};

static void test_args_bad(void **state)
{
	const struct bad_case *c = *state;
	char *argv[4] = { 0 };
	char err[256] = "";
	struct args a;
	int argc = count(c->argv), i;

	for (i = 0; i < argc; i++)
		argv[i] = (char *)c->argv[i];
	assert_int_equal(args_parse(argc, argv, &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, c->err));
	assert_null(a.pass);
}

static void test_valid_id(void **state)
{
	static const char *const good[] = { "a", "abc-123_x.y+z", "..a",
					    "0123456789abcdef" };
	static const char *const bad[] = { "",	  ".",	  "..",	  "a/b",
					   "a b", "a\nb", "../x", "é" };
	char big[1026];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(good); i++)
		assert_true(args_valid_id(good[i]));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_false(args_valid_id(bad[i]));
	assert_false(args_valid_id(NULL));
	memset(big, 'a', 1024);
	big[1024] = '\0';
	assert_true(args_valid_id(big));
	big[1024] = 'a';
	big[1025] = '\0';
	assert_false(args_valid_id(big));
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(cases) + ARRAY_SIZE(bad_cases) + 1];
	static char names[ARRAY_SIZE(cases) + ARRAY_SIZE(bad_cases)]
			 [TEST_NAME_LEN];
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(cases); i++, n++) {
		char line[256] = "";
		int k;

		for (k = 1; cases[i].argv[k]; k++) {
			if (k > 1)
				strcat(line, " ");
			strncat(line, cases[i].argv[k],
				sizeof(line) - strlen(line) - 2);
		}
		test_name(names[n], "args", NULL, line);
		tests[n] = row_test(test_args_case, names[n], &cases[i]);
	}
	for (i = 0; i < ARRAY_SIZE(bad_cases); i++, n++) {
		test_name(names[n], "bad", NULL, bad_cases[i].argv[1]);
		tests[n] = row_test(test_args_bad, names[n], &bad_cases[i]);
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_valid_id);
	return _cmocka_run_group_tests("args", tests, n, NULL, NULL);
}
