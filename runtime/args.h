/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * args: what uidmapfs-runtime needs to know of a runc/crun command line,
 * without understanding all of it.  Pure: no I/O, no globals.
 *
 * A runtime command line is GLOBAL-OPTIONS SUBCOMMAND [OPTIONS] [ID ...].
 * Global options differ between callers (containerd's shim passes --root,
 * --log, --log-format=json and --systemd-cgroup; podman's conmon passes
 * --root, --cgroup-manager, --log-format ...), so they are skipped
 * generically: an option is "--name=value", "--name value" for the few
 * names runc and crun define with a separate value, or a flag.  Every
 * argument is passed on unchanged except the wrapper's own global options,
 * which all begin with "--uidmapfs-" and are removed.
 */
#ifndef UIDMAPFS_RUNTIME_ARGS_H
#define UIDMAPFS_RUNTIME_ARGS_H

#include <stdbool.h>
#include <stddef.h>

/* The subcommands the wrapper acts on; every other one is passed on. */
enum args_cmd {
	ARGS_CMD_NONE,	 /* no subcommand (e.g. "--version") */
	ARGS_CMD_OTHER,	 /* start, state, kill, exec, features, ... */
	ARGS_CMD_CREATE, /* create */
	ARGS_CMD_RUN,	 /* run: create + start (+ delete unless detached) */
	ARGS_CMD_DELETE, /* delete */
};

struct args {
	/* The wrapper's own options (NULL: not given). */
	const char *config;  /* --uidmapfs-config FILE */
	const char *runtime; /* --uidmapfs-runtime PATH */
	bool help;	     /* --uidmapfs-help, or --help/-h alone */
	bool version;	     /* --uidmapfs-version */

	/* The real runtime's --log and --log-format: where containerd and
	 * CRI-O look for the reason a call failed. */
	const char *log;
	const char *log_format;

	enum args_cmd cmd;
	const char *cmd_name; /* the subcommand as given, or NULL */
	/* create/run: the bundle directory (NULL: the working directory)
	 * and crun's --config/-f file (NULL: BUNDLE/config.json). */
	const char *bundle;
	const char *config_json;
	/* The container id: the first argument after the subcommand that is
	 * not an option (create, run, delete, exec, ...); NULL if none. */
	const char *id;
	/* run: --detach/-d (the container outlives the call) and --keep
	 * (crun: not deleted when it exits). */
	bool detach;
	bool keep;

	/*
	 * The vector for the real runtime: pass[0] is left NULL for the
	 * caller to fill with the runtime's path, then every argument but
	 * the wrapper's own options, then NULL.  Points into argv; the array
	 * itself is malloc'd (args_free()).
	 */
	char **pass;
	int npass; /* entries before the NULL, pass[0] included */
};

/*
 * Analyse @argv (argc entries, argv[0] the wrapper's name).  Returns 0, or
 * -EINVAL with a one-line reason in @err (a wrapper option without its
 * value, an unknown --uidmapfs- option), or -ENOMEM.  @a borrows strings
 * from @argv.
 */
int args_parse(int argc, char **argv, struct args *a, char *err, size_t errlen);

/* Release what args_parse() allocated (safe on a zeroed struct). */
void args_free(struct args *a);

/*
 * Is @id a container id the wrapper can key its state on: 1 to 1024
 * characters of letters, digits and "_+-.", not "." or ".." (runc's rule;
 * containerd, CRI-O and podman ids all fit).
 */
bool args_valid_id(const char *id);

#endif
