// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * args: see args.h.  The option tables hold only what decides where the
 * subcommand, the bundle and the id are: the options of runc and crun that
 * take their value as the next argument.  An option not in a table is a
 * flag; "--name=value" carries its value whatever the name.
 */
#include "args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARGS_OWN_PREFIX "--uidmapfs-"

/* Global options of runc and crun whose value is the next argument. */
static const char *const args_global_valued[] = {
	"--log",  "--log-format", "--log-level",      "--root",
	"--criu", "--rootless",	  "--cgroup-manager", NULL,
};

/* create and run options whose value is the next argument (runc, crun).
 * -f is crun's --config for these two; for delete it is --force. */
static const char *const args_create_valued[] = {
	"--bundle",
	"-b",
	"--console-socket",
	"--pid-file",
	"--preserve-fds",
	"--pidfd-socket",
	"--config",
	"-f",
	NULL,
};

static const struct {
	const char *name;
	enum args_cmd cmd;
} args_cmds[] = {
	{ "create", ARGS_CMD_CREATE },
	{ "run", ARGS_CMD_RUN },
	{ "delete", ARGS_CMD_DELETE },
};

static bool args_in(const char *const *table, const char *name)
{
	for (; *table; table++)
		if (strcmp(*table, name) == 0)
			return true;
	return false;
}

/* Does the option @arg ("--name" or "--name=value") take its value from
 * the next argument?  Only the bare form of a name in @table does. */
static bool args_takes_next(const char *const *table, const char *arg)
{
	return !strchr(arg, '=') && args_in(table, arg);
}

/* The value of option @name in @arg ("--name=value") or NULL. */
static const char *args_inline_value(const char *arg, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(arg, name, n) == 0 && arg[n] == '=')
		return arg + n + 1;
	return NULL;
}

/* The wrapper's own option at argv[*i]; consumes its value.  Returns 0 or
 * -EINVAL with a reason. */
static int args_own(int argc, char **argv, int *i, struct args *a, char *err,
		    size_t errlen)
{
	static const char *const valued[] = { "--uidmapfs-config",
					      "--uidmapfs-runtime", NULL };
	const char *arg = argv[*i], *value = NULL;
	char name[64];
	const char *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : strlen(arg);

	if (n >= sizeof(name))
		goto out_unknown;
	memcpy(name, arg, n);
	name[n] = '\0';
	if (strcmp(name, "--uidmapfs-help") == 0 && !eq) {
		a->help = true;
		return 0;
	}
	if (strcmp(name, "--uidmapfs-version") == 0 && !eq) {
		a->version = true;
		return 0;
	}
	if (!args_in(valued, name))
		goto out_unknown;
	if (eq) {
		value = eq + 1;
	} else if (*i + 1 < argc) {
		value = argv[++*i];
	}
	if (!value || !*value) {
		snprintf(err, errlen, "%s needs a value", name);
		return -EINVAL;
	}
	if (strcmp(name, "--uidmapfs-config") == 0)
		a->config = value;
	else
		a->runtime = value;
	return 0;

out_unknown:
	snprintf(err, errlen, "unknown option %s (see --uidmapfs-help)", arg);
	return -EINVAL;
}

/* The options and id after a create, run or delete subcommand. */
static void args_subcommand(int argc, char **argv, int first, struct args *a)
{
	bool creating = a->cmd == ARGS_CMD_CREATE || a->cmd == ARGS_CMD_RUN;
	const char *v;
	int i;

	for (i = first; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--") == 0) {
			if (!a->id && i + 1 < argc)
				a->id = argv[i + 1];
			return;
		}
		if (arg[0] != '-' || arg[1] == '\0') {
			/* runc and crun take one positional: the id. */
			if (!a->id)
				a->id = arg;
			continue;
		}
		if (!creating)
			continue;
		if (strcmp(arg, "--detach") == 0 || strcmp(arg, "-d") == 0)
			a->detach = true;
		else if (strcmp(arg, "--keep") == 0)
			a->keep = true;
		if ((v = args_inline_value(arg, "--bundle")) ||
		    (v = args_inline_value(arg, "-b")))
			a->bundle = v;
		else if ((v = args_inline_value(arg, "--config")) ||
			 (v = args_inline_value(arg, "-f")))
			a->config_json = v;
		if (!args_takes_next(args_create_valued, arg) || i + 1 >= argc)
			continue;
		i++;
		if (strcmp(arg, "--bundle") == 0 || strcmp(arg, "-b") == 0)
			a->bundle = argv[i];
		else if (strcmp(arg, "--config") == 0 || strcmp(arg, "-f") == 0)
			a->config_json = argv[i];
	}
}

/* Note the global options the wrapper reads: --log and --log-format, as
 * "--name=value" or "--name value" (@next: the argument after @arg). */
static void args_global(struct args *a, const char *arg, const char *next)
{
	const char *v;

	if ((v = args_inline_value(arg, "--log")))
		a->log = v;
	else if ((v = args_inline_value(arg, "--log-format")))
		a->log_format = v;
	else if (strcmp(arg, "--log") == 0)
		a->log = next;
	else if (strcmp(arg, "--log-format") == 0)
		a->log_format = next;
}

static void args_set_cmd(struct args *a, const char *name)
{
	size_t k;

	a->cmd_name = name;
	a->cmd = ARGS_CMD_OTHER;
	for (k = 0; k < sizeof(args_cmds) / sizeof(args_cmds[0]); k++)
		if (strcmp(args_cmds[k].name, name) == 0)
			a->cmd = args_cmds[k].cmd;
}

int args_parse(int argc, char **argv, struct args *a, char *err, size_t errlen)
{
	int i, ret;

	*a = (struct args){ .cmd = ARGS_CMD_NONE };
	a->pass = calloc((size_t)argc + 1, sizeof(*a->pass));
	if (!a->pass)
		return -ENOMEM;
	a->npass = 1; /* pass[0]: the runtime, filled by the caller */
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (a->cmd != ARGS_CMD_NONE) {
			a->pass[a->npass++] = argv[i];
			continue;
		}
		if (strncmp(arg, ARGS_OWN_PREFIX, strlen(ARGS_OWN_PREFIX)) ==
		    0) {
			ret = args_own(argc, argv, &i, a, err, errlen);
			if (ret < 0)
				goto out_free;
			continue;
		}
		a->pass[a->npass++] = argv[i];
		if (arg[0] != '-') {
			args_set_cmd(a, arg);
			args_subcommand(argc, argv, i + 1, a);
			continue;
		}
		args_global(a, arg, i + 1 < argc ? argv[i + 1] : NULL);
		if (args_takes_next(args_global_valued, arg) && i + 1 < argc)
			a->pass[a->npass++] = argv[++i];
	}
	/* "uidmapfs-runtime --help" alone: the wrapper's help first. */
	if (argc == 2 && a->cmd == ARGS_CMD_NONE &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		a->help = true;
	return 0;

out_free:
	args_free(a);
	return ret;
}

void args_free(struct args *a)
{
	free(a->pass);
	a->pass = NULL;
	a->npass = 0;
}

bool args_valid_id(const char *id)
{
	size_t n;

	if (!id)
		return false;
	n = strlen(id);
	if (n == 0 || n > 1024 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return false;
	for (; *id; id++) {
		char c = *id;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '+' ||
		      c == '-' || c == '.'))
			return false;
	}
	return true;
}
