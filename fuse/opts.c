// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * All options, in one fuse_opt table.  Every option goes through
 * opts_arg() so that every message is ours, one line, and names the
 * offending option.
 */
#include "opts.h"

#include <errno.h>
#include <fuse_opt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#define OPTS_DEFAULT_TIMEOUT 1.0
#define OPTS_MAX_TIMEOUT 86400.0
/* At least this many worker threads by default (see opts_default_threads). */
#define OPTS_MIN_DEFAULT_THREADS 2
#define OPTS_LIMIT_MAX_THREADS 1024
/* fd_cache=N: no more fds than the kernel's nr_open ceiling allows. */
#define OPTS_LIMIT_FD_CACHE 1048576

/* What an option does with its value (its struct opts field). */
enum opts_kind {
	OPTS_TRUE,	     /* bool field = true */
	OPTS_FALSE,	     /* bool field = false */
	OPTS_STRING,	     /* char * field = a copy of the value */
	OPTS_SECONDS,	     /* double field = 0 to OPTS_MAX_TIMEOUT */
	OPTS_PID,	     /* pid_t field = 1 to .max */
	OPTS_UINT,	     /* unsigned int field = 1 to .max */
	OPTS_SIZE,	     /* size_t field = 1 to .max */
	OPTS_MOUNT_SET,	     /* mount_flags |= .flag */
	OPTS_MOUNT_CLEAR,    /* mount_flags &= ~.flag */
	OPTS_IGNORED,	     /* accepted, no effect */
	OPTS_IGNORED_PREFIX, /* any option starting with .name: no effect */
};

/* The headings of --help, in order. */
enum opts_section {
	OPTS_SEC_IDMAP,
	OPTS_SEC_CACHE,
	OPTS_SEC_DAEMON,
	OPTS_SEC_MOUNT,
	OPTS_SEC_IGNORED,
	OPTS_SEC_INFO,
	OPTS_NR_SECTIONS,
};

static const char *const opts_headings[OPTS_NR_SECTIONS] = {
	[OPTS_SEC_IDMAP] = "ID mapping:",
	[OPTS_SEC_CACHE] = "Caching (single-writer volumes can cache long; "
			   "shared NFS needs short):",
	[OPTS_SEC_DAEMON] = "Daemon:",
	[OPTS_SEC_MOUNT] = "Mount flags.  nodev and nosuid are on unless "
			   "relaxed, at the host's risk:",
	[OPTS_SEC_IGNORED] = "Accepted and ignored: allow_other and "
			     "default_permissions (always on), fstab's\n"
			     "bookkeeping, and the dev and suid that "
			     "mount.fuse3 adds to root's mounts:",
	[OPTS_SEC_INFO] = "",
};

/*
 * One option: the fuse_opt template it is matched by (a name starting with
 * '-' is a command-line flag, any other an -o option; "name=" takes a
 * value), what it does, and how --help shows it: on a line of its own
 * with @help, on the line of the entry before it if an @alias, or else in
 * a list after its section's lines.  tests/unit/opts-docs.sh checks that
 * every option --help shows is in README.md's table and in uidmapfs(1),
 * and back.
 */
struct opts_spec {
	const char *name;
	enum opts_kind kind;
	size_t field;	    /* offsetof(struct opts, ...) */
	unsigned long max;  /* OPTS_PID, OPTS_UINT, OPTS_SIZE */
	unsigned long flag; /* OPTS_MOUNT_*: an MS_* flag */
	enum opts_section section;
	const char *metavar; /* after the name in --help, e.g. "MAP" */
	const char *help;    /* lines after the first indented by --help */
	bool alias;	     /* another name for the entry before */
};

#define OPTS_FIELD(f) .field = offsetof(struct opts, f)

static const struct opts_spec opts_specs[] = {
	{ "uidmap=", OPTS_STRING, OPTS_FIELD(uidmap), .metavar = "MAP",
	  .section = OPTS_SEC_IDMAP, .help = "user id map (with gidmap=)" },
	{ "gidmap=", OPTS_STRING, OPTS_FIELD(gidmap), .metavar = "MAP",
	  .section = OPTS_SEC_IDMAP, .help = "group id map (with uidmap=)" },
	{ "userns=", OPTS_PID, OPTS_FIELD(userns_pid), .max = INT_MAX,
	  .metavar = "PID", .section = OPTS_SEC_IDMAP,
	  .help = "copy both maps from /proc/PID/{uid,gid}_map" },
	{ "idmap_optional", OPTS_TRUE, OPTS_FIELD(idmap_optional),
	  .section = OPTS_SEC_IDMAP,
	  .help = "kernel mode on a kernel without FUSE ID-mapping:\n"
		  "run as a plain passthrough (and log it)" },

	{ "entry_timeout=", OPTS_SECONDS, OPTS_FIELD(entry_timeout),
	  .metavar = "SECS", .section = OPTS_SEC_CACHE,
	  .help = "name lookups are cached this long (default 1)" },
	{ "attr_timeout=", OPTS_SECONDS, OPTS_FIELD(attr_timeout),
	  .metavar = "SECS", .section = OPTS_SEC_CACHE,
	  .help = "attributes are cached this long (default 1)" },
	{ "negative_timeout=", OPTS_SECONDS, OPTS_FIELD(negative_timeout),
	  .metavar = "SECS", .section = OPTS_SEC_CACHE,
	  .help = "missing names are cached this long (default 0)" },
	{ "keep_cache", OPTS_TRUE, OPTS_FIELD(keep_cache),
	  .section = OPTS_SEC_CACHE,
	  .help = "keep file data cached across opens" },
	{ "nopassthrough", OPTS_FALSE, OPTS_FIELD(passthrough),
	  .section = OPTS_SEC_CACHE,
	  .help = "serve read/write in the daemon, not through the\n"
		  "kernel's FUSE passthrough (Linux 6.9)" },
	{ "nouring", OPTS_FALSE, OPTS_FIELD(uring), .section = OPTS_SEC_CACHE,
	  .help = "serve requests over /dev/fuse only, not over\n"
		  "FUSE io_uring (Linux 6.14, used where the\n"
		  "fuse module's enable_uring parameter is Y)" },

	{ "-f", OPTS_TRUE, OPTS_FIELD(foreground), .section = OPTS_SEC_DAEMON,
	  .help = "stay in the foreground" },
	/* opts_parse(): debug implies foreground. */
	{ "-d", OPTS_TRUE, OPTS_FIELD(debug), .section = OPTS_SEC_DAEMON,
	  .help = "foreground, and log every request" },
	{ "debug", OPTS_TRUE, OPTS_FIELD(debug), .section = OPTS_SEC_DAEMON,
	  .alias = true },
	{ "-s", OPTS_TRUE, OPTS_FIELD(single_thread),
	  .section = OPTS_SEC_DAEMON,
	  .help = "serve requests with a single thread" },
	{ "max_threads=", OPTS_UINT, OPTS_FIELD(max_threads),
	  .max = OPTS_LIMIT_MAX_THREADS, .metavar = "N",
	  .section = OPTS_SEC_DAEMON,
	  .help = "at most N worker threads (default: one per\n"
		  "CPU, at least 2; raise it for a slow store\n"
		  "with many concurrent callers, such as NFS)" },
	{ "clone_fd", OPTS_TRUE, OPTS_FIELD(clone_fd),
	  .section = OPTS_SEC_DAEMON,
	  .help = "one /dev/fuse fd per worker thread" },
	{ "fd_cache=", OPTS_SIZE, OPTS_FIELD(fd_cache),
	  .max = OPTS_LIMIT_FD_CACHE, .metavar = "N",
	  .section = OPTS_SEC_DAEMON,
	  .help = "keep at most N inode fds open; others are\n"
		  "reopened from file handles (default: the\n"
		  "RLIMIT_NOFILE hard limit less an eighth)" },

	{ "allow_dev", OPTS_MOUNT_CLEAR, .flag = MS_NODEV,
	  .section = OPTS_SEC_MOUNT,
	  .help = "honour device nodes on the volume" },
	{ "allow_suid", OPTS_MOUNT_CLEAR, .flag = MS_NOSUID,
	  .section = OPTS_SEC_MOUNT,
	  .help = "honour set-id bits and file capabilities" },
	{ "ro", OPTS_MOUNT_SET, .flag = MS_RDONLY, .section = OPTS_SEC_MOUNT },
	{ "rw", OPTS_MOUNT_CLEAR, .flag = MS_RDONLY,
	  .section = OPTS_SEC_MOUNT },
	{ "nodev", OPTS_MOUNT_SET, .flag = MS_NODEV,
	  .section = OPTS_SEC_MOUNT },
	{ "nosuid", OPTS_MOUNT_SET, .flag = MS_NOSUID,
	  .section = OPTS_SEC_MOUNT },
	{ "noexec", OPTS_MOUNT_SET, .flag = MS_NOEXEC,
	  .section = OPTS_SEC_MOUNT },
	{ "exec", OPTS_MOUNT_CLEAR, .flag = MS_NOEXEC,
	  .section = OPTS_SEC_MOUNT },
	{ "noatime", OPTS_MOUNT_SET, .flag = MS_NOATIME,
	  .section = OPTS_SEC_MOUNT },
	{ "atime", OPTS_MOUNT_CLEAR, .flag = MS_NOATIME,
	  .section = OPTS_SEC_MOUNT },
	{ "nodiratime", OPTS_MOUNT_SET, .flag = MS_NODIRATIME,
	  .section = OPTS_SEC_MOUNT },
	{ "diratime", OPTS_MOUNT_CLEAR, .flag = MS_NODIRATIME,
	  .section = OPTS_SEC_MOUNT },
	{ "relatime", OPTS_MOUNT_SET, .flag = MS_RELATIME,
	  .section = OPTS_SEC_MOUNT },
	{ "norelatime", OPTS_MOUNT_CLEAR, .flag = MS_RELATIME,
	  .section = OPTS_SEC_MOUNT },
	{ "strictatime", OPTS_MOUNT_SET, .flag = MS_STRICTATIME,
	  .section = OPTS_SEC_MOUNT },
	{ "lazytime", OPTS_MOUNT_SET, .flag = MS_LAZYTIME,
	  .section = OPTS_SEC_MOUNT },
	{ "sync", OPTS_MOUNT_SET, .flag = MS_SYNCHRONOUS,
	  .section = OPTS_SEC_MOUNT },
	{ "async", OPTS_MOUNT_CLEAR, .flag = MS_SYNCHRONOUS,
	  .section = OPTS_SEC_MOUNT },
	{ "dirsync", OPTS_MOUNT_SET, .flag = MS_DIRSYNC,
	  .section = OPTS_SEC_MOUNT },

	/*
	 * The two FUSE options uidmapfs always sets, mount(8) and fstab
	 * bookkeeping, and "dev"/"suid", which mount.fuse3 adds to every
	 * mount root makes and so cannot mean consent (allow_dev and
	 * allow_suid do).
	 */
	{ "allow_other", OPTS_IGNORED, .section = OPTS_SEC_IGNORED },
	{ "default_permissions", OPTS_IGNORED, .section = OPTS_SEC_IGNORED },
	{ "defaults", OPTS_IGNORED, .section = OPTS_SEC_IGNORED },
	{ "auto", OPTS_IGNORED, .section = OPTS_SEC_IGNORED },
	{ "noauto", OPTS_IGNORED, .section = OPTS_SEC_IGNORED },
	{ "user", OPTS_IGNORED, .section = OPTS_SEC_IGNORED },
	{ "nouser", OPTS_IGNORED, .section = OPTS_SEC_IGNORED },
	{ "users", OPTS_IGNORED, .section = OPTS_SEC_IGNORED },
	{ "owner", OPTS_IGNORED, .section = OPTS_SEC_IGNORED },
	{ "_netdev", OPTS_IGNORED, .section = OPTS_SEC_IGNORED },
	{ "nofail", OPTS_IGNORED, .section = OPTS_SEC_IGNORED },
	/* fstab's x-systemd.* and the like, and mount's comment=. */
	{ "x-", OPTS_IGNORED_PREFIX, .metavar = "*",
	  .section = OPTS_SEC_IGNORED },
	{ "comment=", OPTS_IGNORED, .section = OPTS_SEC_IGNORED },
	{ "dev", OPTS_IGNORED, .section = OPTS_SEC_IGNORED },
	{ "suid", OPTS_IGNORED, .section = OPTS_SEC_IGNORED },

	{ "-h", OPTS_TRUE, OPTS_FIELD(show_help), .section = OPTS_SEC_INFO,
	  .help = "show this help" },
	{ "--help", OPTS_TRUE, OPTS_FIELD(show_help), .section = OPTS_SEC_INFO,
	  .alias = true },
	{ "-V", OPTS_TRUE, OPTS_FIELD(show_version), .section = OPTS_SEC_INFO,
	  .help = "show the version" },
	{ "--version", OPTS_TRUE, OPTS_FIELD(show_version),
	  .section = OPTS_SEC_INFO, .alias = true },
};

#define OPTS_NR_SPECS (sizeof(opts_specs) / sizeof(opts_specs[0]))

struct opts_ctx {
	struct opts *o;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int opts_fail(struct opts_ctx *ctx,
							   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->err, ctx->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *opts_value(const char *arg)
{
	return strchr(arg, '=') + 1;
}

static int opts_timeout(struct opts_ctx *ctx, const char *arg, double *out)
{
	const char *v = opts_value(arg);
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (!*v || *end || errno || !isfinite(d) || d < 0 ||
	    d > OPTS_MAX_TIMEOUT)
		return opts_fail(ctx,
				 "invalid option '%s': expected seconds from "
				 "0 to 86400",
				 arg);
	*out = d;
	return 0;
}

static int opts_uint(struct opts_ctx *ctx, const char *arg, unsigned long max,
		     unsigned long *out)
{
	const char *v = opts_value(arg);
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (*v < '0' || *v > '9' || *end || errno || n == 0 || n > max)
		return opts_fail(ctx,
				 "invalid option '%s': expected a number "
				 "from 1 to %lu",
				 arg, max);
	*out = n;
	return 0;
}

static int opts_string(struct opts_ctx *ctx, const char *arg, char **out)
{
	const char *v = opts_value(arg);

	if (!*v)
		return opts_fail(ctx, "option '%s' needs a value", arg);
	free(*out);
	*out = strdup(v);
	if (!*out)
		return opts_fail(ctx, "out of memory parsing '%s'", arg);
	return 0;
}

/* Apply @spec, which matched @arg. */
static int opts_apply(struct opts_ctx *ctx, const struct opts_spec *spec,
		      const char *arg)
{
	char *field = (char *)ctx->o + spec->field;
	unsigned long n = 0;
	int ret;

	switch (spec->kind) {
	case OPTS_TRUE:
		*(bool *)field = true;
		return 0;
	case OPTS_FALSE:
		*(bool *)field = false;
		return 0;
	case OPTS_STRING:
		return opts_string(ctx, arg, (char **)field);
	case OPTS_SECONDS:
		return opts_timeout(ctx, arg, (double *)field);
	case OPTS_PID:
		ret = opts_uint(ctx, arg, spec->max, &n);
		*(pid_t *)field = (pid_t)n;
		return ret;
	case OPTS_UINT:
		ret = opts_uint(ctx, arg, spec->max, &n);
		*(unsigned int *)field = (unsigned int)n;
		return ret;
	case OPTS_SIZE:
		ret = opts_uint(ctx, arg, spec->max, &n);
		*(size_t *)field = (size_t)n;
		return ret;
	case OPTS_MOUNT_SET:
		ctx->o->mount_flags |= spec->flag;
		return 0;
	case OPTS_MOUNT_CLEAR:
		ctx->o->mount_flags &= ~spec->flag;
		return 0;
	case OPTS_IGNORED:
	case OPTS_IGNORED_PREFIX:
		return 0;
	}
	return opts_fail(ctx, "unexpected argument '%s'", arg);
}

/* -o options no template matched: a prefix we ignore, or an error. */
static int opts_other(struct opts_ctx *ctx, const char *arg)
{
	for (size_t i = 0; i < OPTS_NR_SPECS; i++) {
		const struct opts_spec *spec = &opts_specs[i];

		if (spec->kind == OPTS_IGNORED_PREFIX &&
		    strncmp(arg, spec->name, strlen(spec->name)) == 0)
			return 0;
	}
	return opts_fail(ctx, "unknown option '%s' (see --help)", arg);
}

static int opts_positional(struct opts_ctx *ctx, const char *arg)
{
	char **slot;

	if (!ctx->o->source)
		slot = &ctx->o->source;
	else if (!ctx->o->mountpoint)
		slot = &ctx->o->mountpoint;
	else
		return opts_fail(ctx, "unexpected argument '%s' (see --help)",
				 arg);
	*slot = strdup(arg);
	if (!*slot)
		return opts_fail(ctx, "out of memory parsing '%s'", arg);
	return 0;
}

/* fuse_opt_parse()'s callback: @key is an index into opts_specs. */
static int opts_arg(void *data, const char *arg, int key,
		    struct fuse_args *outargs)
{
	struct opts_ctx *ctx = data;

	(void)outargs;
	if (key >= 0 && (size_t)key < OPTS_NR_SPECS)
		return opts_apply(ctx, &opts_specs[key], arg);
	switch (key) {
	case FUSE_OPT_KEY_OPT:
		if (arg[0] == '-')
			return opts_fail(
				ctx, "unknown option '%s' (see --help)", arg);
		return opts_other(ctx, arg);
	case FUSE_OPT_KEY_NONOPT:
		return opts_positional(ctx, arg);
	default:
		return opts_fail(ctx, "unexpected argument '%s'", arg);
	}
}

/*
 * One worker thread per CPU, at least two.  No request waits in the daemon
 * for long (locks are the kernel's), so threads beyond the CPUs only sit
 * idle: the kernel hands each request to the reader that has waited
 * longest, rotating serial requests over them.  On 2 CPUs the full
 * benchmark found 2 threads and 10 alike (tests/bench/RESULTS.md, "Thread
 * count").  A store with high latency and many concurrent callers (NFS)
 * can raise it.
 */
static unsigned int opts_default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > OPTS_MIN_DEFAULT_THREADS ? (unsigned int)n
					    : OPTS_MIN_DEFAULT_THREADS;
}

int opts_parse(struct opts *o, int argc, char **argv, char *err, size_t errlen)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct opts_ctx ctx = { .o = o, .err = err, .errlen = errlen };
	struct fuse_opt table[OPTS_NR_SPECS + 1];
	size_t n = 0;
	int ret;

	/* The fuse_opt table, from opts_specs: each key is its index. */
	for (size_t i = 0; i < OPTS_NR_SPECS; i++)
		if (opts_specs[i].kind != OPTS_IGNORED_PREFIX)
			table[n++] = (struct fuse_opt)FUSE_OPT_KEY(
				opts_specs[i].name, (int)i);
	table[n] = (struct fuse_opt)FUSE_OPT_END;

	*o = (struct opts){
		.entry_timeout = OPTS_DEFAULT_TIMEOUT,
		.attr_timeout = OPTS_DEFAULT_TIMEOUT,
		.negative_timeout = 0.0,
		.max_threads = opts_default_threads(),
		.passthrough = true,
		.uring = true,
		.mount_flags = MS_NODEV | MS_NOSUID,
	};
	err[0] = '\0';
	ret = fuse_opt_parse(&args, &ctx, table, opts_arg);
	fuse_opt_free_args(&args);
	if (ret < 0) {
		if (!err[0]) /* libfuse's own parse error, e.g. "-o" alone */
			snprintf(err, errlen,
				 "invalid command line (see --help)");
		return -EINVAL;
	}
	if (o->debug)
		o->foreground = true;
	if (o->show_help || o->show_version)
		return 0;
	if (!o->source || !o->mountpoint) {
		snprintf(err, errlen,
			 "usage: uidmapfs SOURCE MOUNTPOINT [-o OPTIONS] "
			 "(see --help)");
		return -EINVAL;
	}
	if (o->userns_pid && (o->uidmap || o->gidmap)) {
		snprintf(err, errlen,
			 "userns= cannot be combined with uidmap= or gidmap=");
		return -EINVAL;
	}
	if (o->idmap_optional && (o->userns_pid || o->uidmap || o->gidmap)) {
		snprintf(err, errlen,
			 "idmap_optional is for kernel mode (no map given)");
		return -EINVAL;
	}
	if (!o->userns_pid && !o->uidmap != !o->gidmap) {
		snprintf(err, errlen, "%s given without %s: give both maps",
			 o->uidmap ? "uidmap=" : "gidmap=",
			 o->uidmap ? "gidmap=" : "uidmap=");
		return -EINVAL;
	}
	return 0;
}

void opts_free(struct opts *o)
{
	free(o->source);
	free(o->mountpoint);
	free(o->uidmap);
	free(o->gidmap);
	o->source = o->mountpoint = o->uidmap = o->gidmap = NULL;
}

/* How --help names @spec: "-o name=METAVAR", or as typed for a flag. */
static void opts_print_name(FILE *out, const struct opts_spec *spec,
			    bool with_o)
{
	fprintf(out, "%s%s%s", with_o && spec->name[0] != '-' ? "-o " : "",
		spec->name, spec->metavar ? spec->metavar : "");
}

/* @text with its second and later lines indented by @indent. */
static void opts_print_text(FILE *out, const char *text, int indent)
{
	for (const char *nl; (nl = strchr(text, '\n')); text = nl + 1)
		fprintf(out, "%.*s\n%*s", (int)(nl - text), text, indent, "");
	fprintf(out, "%s\n", text);
}

#define OPTS_HELP_COLUMN 24 /* width of the name column */
#define OPTS_HELP_WIDTH 76  /* lists wrap before this column */

static void opts_print_section(FILE *out, enum opts_section sec)
{
	int col = 0;

	fprintf(out, "\n");
	if (opts_headings[sec][0])
		opts_print_text(out, opts_headings[sec], 0);
	for (size_t i = 0; i < OPTS_NR_SPECS; i++) {
		const struct opts_spec *spec = &opts_specs[i];
		char name[64];
		FILE *mem;

		if (spec->section != sec || !spec->help)
			continue;
		/* The name column: the entry and its aliases. */
		mem = fmemopen(name, sizeof(name), "w");
		if (!mem)
			return;
		opts_print_name(mem, spec, true);
		for (size_t a = i + 1; a < OPTS_NR_SPECS && opts_specs[a].alias;
		     a++) {
			fprintf(mem, ", ");
			opts_print_name(mem, &opts_specs[a], true);
		}
		fclose(mem);
		fprintf(out, "  %-*s ", OPTS_HELP_COLUMN, name);
		opts_print_text(out, spec->help, OPTS_HELP_COLUMN + 3);
	}
	for (size_t i = 0; i < OPTS_NR_SPECS; i++) {
		const struct opts_spec *spec = &opts_specs[i];
		int len;

		if (spec->section != sec || spec->help || spec->alias)
			continue;
		len = (int)strlen(spec->name) +
		      (spec->metavar ? (int)strlen(spec->metavar) : 0);
		if (col && col + 2 + len >= OPTS_HELP_WIDTH) {
			fprintf(out, ",\n");
			col = 0;
		}
		col += fprintf(out, col ? ", " : "  ");
		opts_print_name(out, spec, false);
		col += len;
	}
	if (col)
		fprintf(out, "\n");
}

void opts_print_help(FILE *out, const char *progname)
{
	fprintf(out,
		"usage: %s SOURCE MOUNTPOINT -o uidmap=MAP,gidmap=MAP [OPTIONS]   (shift mode)\n"
		"       %s SOURCE MOUNTPOINT -o userns=PID [OPTIONS]              (shift mode)\n"
		"       %s SOURCE MOUNTPOINT [OPTIONS]                            (kernel mode)\n"
		"\n"
		"Re-expose the directory SOURCE at MOUNTPOINT for processes in a user\n"
		"namespace (a Kubernetes hostUsers: false pod, a podman --userns\n"
		"container), with the semantics of the kernel's ID-mapped mounts.\n"
		"\n"
		"Shift mode: uidmapfs translates ids with the given map; the runtime must\n"
		"not ID-map the mount again.  Kernel mode (no map): ids pass unchanged and\n"
		"the mount accepts an ID-mapped mount on top (FUSE_ALLOW_IDMAP, Linux 6.12),\n"
		"as container runtimes make for every volume of a hostUsers: false pod.\n"
		"\n"
		"MAP is inside:outside:count[:inside:outside:count...] as in\n"
		"/proc/PID/uid_map: on-disk id `inside` is shown as `outside`.\n"
		"A Kubernetes pod with uid_map \"0 524288 65536\" needs 0:524288:65536.\n",
		progname, progname, progname);
	for (int sec = 0; sec < OPTS_NR_SECTIONS; sec++)
		opts_print_section(out, (enum opts_section)sec);
	fprintf(out, "\nSee uidmapfs(1).\n");
}
