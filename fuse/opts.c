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

enum opts_key {
	KEY_UIDMAP,
	KEY_GIDMAP,
	KEY_USERNS,
	KEY_ENTRY_TIMEOUT,
	KEY_ATTR_TIMEOUT,
	KEY_NEGATIVE_TIMEOUT,
	KEY_MAX_THREADS,
	KEY_FD_CACHE,
	KEY_KEEP_CACHE,
	KEY_NO_PASSTHROUGH,
	KEY_NO_URING,
	KEY_IDMAP_OPTIONAL,
	KEY_CLONE_FD,
	KEY_FOREGROUND,
	KEY_DEBUG,
	KEY_SINGLE,
	KEY_HELP,
	KEY_VERSION,
};

static const struct fuse_opt opts_table[] = {
	FUSE_OPT_KEY("uidmap=", KEY_UIDMAP),
	FUSE_OPT_KEY("gidmap=", KEY_GIDMAP),
	FUSE_OPT_KEY("userns=", KEY_USERNS),
	FUSE_OPT_KEY("entry_timeout=", KEY_ENTRY_TIMEOUT),
	FUSE_OPT_KEY("attr_timeout=", KEY_ATTR_TIMEOUT),
	FUSE_OPT_KEY("negative_timeout=", KEY_NEGATIVE_TIMEOUT),
	FUSE_OPT_KEY("max_threads=", KEY_MAX_THREADS),
	FUSE_OPT_KEY("fd_cache=", KEY_FD_CACHE),
	FUSE_OPT_KEY("keep_cache", KEY_KEEP_CACHE),
	FUSE_OPT_KEY("nopassthrough", KEY_NO_PASSTHROUGH),
	FUSE_OPT_KEY("nouring", KEY_NO_URING),
	FUSE_OPT_KEY("idmap_optional", KEY_IDMAP_OPTIONAL),
	FUSE_OPT_KEY("clone_fd", KEY_CLONE_FD),
	FUSE_OPT_KEY("debug", KEY_DEBUG),
	FUSE_OPT_KEY("-f", KEY_FOREGROUND),
	FUSE_OPT_KEY("-d", KEY_DEBUG),
	FUSE_OPT_KEY("-s", KEY_SINGLE),
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_END,
};

/* Generic mount options: set or clear one MS_* flag. */
struct opts_flag {
	const char *name;
	unsigned long flag;
	bool set;
};

static const struct opts_flag opts_flags[] = {
	{ "ro", MS_RDONLY, true },
	{ "rw", MS_RDONLY, false },
	{ "nodev", MS_NODEV, true },
	{ "allow_dev", MS_NODEV, false },
	{ "nosuid", MS_NOSUID, true },
	{ "allow_suid", MS_NOSUID, false },
	{ "noexec", MS_NOEXEC, true },
	{ "exec", MS_NOEXEC, false },
	{ "noatime", MS_NOATIME, true },
	{ "atime", MS_NOATIME, false },
	{ "nodiratime", MS_NODIRATIME, true },
	{ "diratime", MS_NODIRATIME, false },
	{ "relatime", MS_RELATIME, true },
	{ "norelatime", MS_RELATIME, false },
	{ "strictatime", MS_STRICTATIME, true },
	{ "lazytime", MS_LAZYTIME, true },
	{ "sync", MS_SYNCHRONOUS, true },
	{ "async", MS_SYNCHRONOUS, false },
	{ "dirsync", MS_DIRSYNC, true },
};

/*
 * Accepted and without effect: mount(8) and fstab bookkeeping, the two FUSE
 * options uidmapfs always sets, and "dev"/"suid", which mount.fuse3 adds to
 * every mount root makes and so cannot mean consent (allow_dev and
 * allow_suid do).
 */
static const char *const opts_ignored[] = {
	"defaults",
	"auto",
	"noauto",
	"user",
	"nouser",
	"users",
	"owner",
	"_netdev",
	"nofail",
	"allow_other",
	"default_permissions",
	"dev",
	"suid",
};

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

/* -o options with no table key: mount flags, ignored ones, or an error. */
static int opts_other(struct opts_ctx *ctx, const char *arg)
{
	for (size_t i = 0; i < sizeof(opts_flags) / sizeof(opts_flags[0]);
	     i++) {
		const struct opts_flag *f = &opts_flags[i];

		if (strcmp(arg, f->name) != 0)
			continue;
		if (f->set)
			ctx->o->mount_flags |= f->flag;
		else
			ctx->o->mount_flags &= ~f->flag;
		return 0;
	}
	for (size_t i = 0; i < sizeof(opts_ignored) / sizeof(opts_ignored[0]);
	     i++)
		if (strcmp(arg, opts_ignored[i]) == 0)
			return 0;
	/* fstab's x-systemd.* and the like, and mount's comment=. */
	if (strncmp(arg, "x-", 2) == 0 || strncmp(arg, "comment=", 8) == 0)
		return 0;
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

static int opts_arg(void *data, const char *arg, int key,
		    struct fuse_args *outargs)
{
	struct opts_ctx *ctx = data;
	struct opts *o = ctx->o;
	unsigned long n;
	int ret = 0;

	(void)outargs;
	switch (key) {
	case KEY_UIDMAP:
		return opts_string(ctx, arg, &o->uidmap);
	case KEY_GIDMAP:
		return opts_string(ctx, arg, &o->gidmap);
	case KEY_USERNS:
		ret = opts_uint(ctx, arg, INT_MAX, &n);
		o->userns_pid = (pid_t)n;
		return ret;
	case KEY_ENTRY_TIMEOUT:
		return opts_timeout(ctx, arg, &o->entry_timeout);
	case KEY_ATTR_TIMEOUT:
		return opts_timeout(ctx, arg, &o->attr_timeout);
	case KEY_NEGATIVE_TIMEOUT:
		return opts_timeout(ctx, arg, &o->negative_timeout);
	case KEY_MAX_THREADS:
		ret = opts_uint(ctx, arg, OPTS_LIMIT_MAX_THREADS, &n);
		o->max_threads = (unsigned int)n;
		return ret;
	case KEY_FD_CACHE:
		ret = opts_uint(ctx, arg, OPTS_LIMIT_FD_CACHE, &n);
		o->fd_cache = (size_t)n;
		return ret;
	case KEY_KEEP_CACHE:
		o->keep_cache = true;
		return 0;
	case KEY_NO_PASSTHROUGH:
		o->passthrough = false;
		return 0;
	case KEY_NO_URING:
		o->uring = false;
		return 0;
	case KEY_IDMAP_OPTIONAL:
		o->idmap_optional = true;
		return 0;
	case KEY_CLONE_FD:
		o->clone_fd = true;
		return 0;
	case KEY_DEBUG:
		o->debug = true;
		o->foreground = true;
		return 0;
	case KEY_FOREGROUND:
		o->foreground = true;
		return 0;
	case KEY_SINGLE:
		o->single_thread = true;
		return 0;
	case KEY_HELP:
		o->show_help = true;
		return 0;
	case KEY_VERSION:
		o->show_version = true;
		return 0;
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
	int ret;

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
	ret = fuse_opt_parse(&args, &ctx, opts_table, opts_arg);
	fuse_opt_free_args(&args);
	if (ret < 0) {
		if (!err[0]) /* libfuse's own parse error, e.g. "-o" alone */
			snprintf(err, errlen,
				 "invalid command line (see --help)");
		return -EINVAL;
	}
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
		"A Kubernetes pod with uid_map \"0 524288 65536\" needs 0:524288:65536.\n"
		"\n"
		"ID mapping:\n"
		"  -o uidmap=MAP            user id map (with gidmap=)\n"
		"  -o gidmap=MAP            group id map (with uidmap=)\n"
		"  -o userns=PID            copy both maps from /proc/PID/{uid,gid}_map\n"
		"  -o idmap_optional        kernel mode on a kernel without FUSE ID-mapping:\n"
		"                           run as a plain passthrough (and log it)\n"
		"\n"
		"Caching (single-writer volumes can cache long; shared NFS needs short):\n"
		"  -o entry_timeout=SECS    name lookups are cached this long (default 1)\n"
		"  -o attr_timeout=SECS     attributes are cached this long (default 1)\n"
		"  -o negative_timeout=SECS missing names are cached this long (default 0)\n"
		"  -o keep_cache            keep file data cached across opens\n"
		"  -o nopassthrough         serve read/write in the daemon, not through the\n"
		"                           kernel's FUSE passthrough (Linux 6.9)\n"
		"  -o nouring               serve requests over /dev/fuse only, not over\n"
		"                           FUSE io_uring (Linux 6.14, used where the\n"
		"                           fuse module's enable_uring parameter is Y)\n"
		"\n"
		"Daemon:\n"
		"  -f                       stay in the foreground\n"
		"  -d, -o debug             foreground, and log every request\n"
		"  -s                       serve requests with a single thread\n"
		"  -o max_threads=N         at most N worker threads (default: one per\n"
		"                           CPU, at least 2; raise it for a slow store\n"
		"                           with many concurrent callers, such as NFS)\n"
		"  -o clone_fd              one /dev/fuse fd per worker thread\n"
		"  -o fd_cache=N            keep at most N inode fds open; others are\n"
		"                           reopened from file handles (default: the\n"
		"                           RLIMIT_NOFILE hard limit less an eighth)\n"
		"\n"
		"Mount flags: ro, rw, noexec, exec, noatime, atime, nodiratime, relatime,\n"
		"strictatime, lazytime, sync, async, dirsync.  nodev and nosuid are always\n"
		"on unless relaxed, at the host's risk, with:\n"
		"  -o allow_dev             honour device nodes on the volume\n"
		"  -o allow_suid            honour set-id bits and file capabilities\n"
		"allow_other and default_permissions are always on.  fstab's defaults,\n"
		"auto, noauto, user, _netdev, nofail, x-*, and the dev and suid that\n"
		"mount.fuse3 adds, are accepted and ignored.\n"
		"\n"
		"  -h, --help               show this help\n"
		"  -V, --version            show the version\n"
		"\n"
		"See uidmapfs(1).\n",
		progname, progname, progname);
}
