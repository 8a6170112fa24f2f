// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uidmapfs-runtime: an OCI runtime in front of the real one (crun or runc).
 * It is invoked exactly like runc and passes every argument on; around
 * `create`, `run` and `delete` it gives the mounts that ask for an
 * ID-mapping the kernel cannot make a uidmapfs in shift mode
 * (container.c).  Every failure of its own is one line on stderr (and in
 * the runtime's --log, where containerd and CRI-O read it), exit status 1,
 * before the real runtime runs, with nothing left mounted.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "conf.h"
#include "container.h"
#include "fileio.h"

#define MAIN_ERR 1024
#define MAIN_CONF_MAX (64 * 1024)
#define MAIN_DEFAULT_STATE "/run/uidmapfs-runtime"
#define MAIN_DEFAULT_CONF SYSCONFDIR "/uidmapfs/runtime.conf"
#define MAIN_DEFAULT_UIDMAPFS BINDIR "/uidmapfs"

static void main_usage(FILE *f)
{
	fprintf(f,
		"usage: uidmapfs-runtime [--uidmapfs-config FILE] [--uidmapfs-runtime PATH]\n"
		"                        [RUNTIME-OPTIONS] COMMAND [ARGS...]\n"
		"\n"
		"An OCI runtime wrapper: every argument goes to the real runtime (crun or\n"
		"runc).  At create and run, each mount of config.json that asks for an\n"
		"ID-mapping the kernel cannot make gets a shared uidmapfs in shift mode\n"
		"with that mount's map; delete releases it.\n"
		"\n"
		"  --uidmapfs-config FILE   configuration (default " MAIN_DEFAULT_CONF
		")\n"
		"  --uidmapfs-runtime PATH  the real runtime (also $UIDMAPFS_RUNTIME, the\n"
		"                           config's runtime=; default crun, else runc)\n"
		"  --uidmapfs-help          this help\n"
		"  --uidmapfs-version       the wrapper's version\n"
		"\n"
		"See uidmapfs-runtime(1).\n");
}

/* Append one error line to the runtime's --log in its --log-format, where
 * containerd and CRI-O look for why a runtime call failed. */
static void main_log(const struct args *a, const char *msg)
{
	char when[64];
	struct json_object *o;
	struct tm tm;
	time_t now = time(NULL);
	FILE *f;

	const char *path = a->log;

	/* crun's --log also takes file:PATH, journald:ID and syslog:ID;
	 * only a file is ours to append to. */
	if (path && strncmp(path, "file:", 5) == 0)
		path += 5;
	if (!path || !*path || strncmp(path, "journald:", 9) == 0 ||
	    strncmp(path, "syslog:", 7) == 0)
		return;
	f = fopen(path, "ae");
	if (!f)
		return;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (a->log_format && strcmp(a->log_format, "json") == 0) {
		o = json_object_new_object();
		if (o) {
			json_object_object_add(o, "level",
					       json_object_new_string("error"));
			json_object_object_add(o, "msg",
					       json_object_new_string(msg));
			json_object_object_add(o, "time",
					       json_object_new_string(when));
			fprintf(f, "%s\n",
				json_object_to_json_string_ext(
					o,
					JSON_C_TO_STRING_PLAIN |
						JSON_C_TO_STRING_NOSLASHESCAPE));
			json_object_put(o);
		}
	} else {
		fprintf(f, "time=\"%s\" level=error msg=\"", when);
		for (; *msg; msg++)
			fprintf(f, *msg == '"' || *msg == '\\' ? "\\%c" : "%c",
				*msg);
		fprintf(f, "\"\n");
	}
	fclose(f);
}

static int main_fail(const struct args *a, const char *msg)
{
	char line[MAIN_ERR + 32];

	snprintf(line, sizeof(line), "uidmapfs-runtime: %s", msg);
	fprintf(stderr, "%s\n", line);
	if (a)
		main_log(a, line);
	return 1;
}

static int main_read_conf(struct conf *c, const char *path, bool must,
			  char *err, size_t errlen)
{
	size_t len = 0;
	char *buf;
	int ret;

	ret = fileio_read(AT_FDCWD, path, 0, MAIN_CONF_MAX, &buf, &len, NULL);
	if (ret == -ENOENT && !must)
		return 0;
	if (ret) {
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = conf_parse(c, path, buf, len, err, errlen);
	free(buf);
	return ret;
}

/* Is @path an executable file other than this program? */
static bool main_usable(const char *path)
{
	struct stat self, st;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
	    access(path, X_OK) < 0)
		return false;
	return stat("/proc/self/exe", &self) < 0 || self.st_dev != st.st_dev ||
	       self.st_ino != st.st_ino;
}

/* @name looked up in PATH (or taken as is when it has a '/'), into @out. */
static bool main_which(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p, *colon;

	if (strchr(name, '/')) {
		snprintf(out, len, "%s", name);
		return main_usable(out);
	}
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (p = path; p; p = colon ? colon + 1 : NULL) {
		colon = strchr(p, ':');
		snprintf(out, len, "%.*s/%s",
			 (int)(colon ? (size_t)(colon - p) : strlen(p)), p,
			 name);
		if (main_usable(out))
			return true;
	}
	return false;
}

/* The real runtime: --uidmapfs-runtime, $UIDMAPFS_RUNTIME, the config's
 * runtime=, else crun or runc from PATH; never this program. */
static int main_runtime(const struct args *a, const struct conf *c, char *out,
			size_t len, char *err, size_t errlen)
{
	const char *env = getenv("UIDMAPFS_RUNTIME");
	const char *want = a->runtime	 ? a->runtime
			   : env && *env ? env
					 : c->runtime;

	if (want) {
		if (main_which(want, out, len))
			return 0;
		snprintf(
			err, errlen,
			"runtime %s: not found, not executable, or this wrapper itself",
			want);
		return -ENOENT;
	}
	if (main_which("crun", out, len) || main_which("runc", out, len))
		return 0;
	snprintf(err, errlen, "no crun or runc on PATH (set runtime= in %s)",
		 MAIN_DEFAULT_CONF);
	return -ENOENT;
}

/* The signals a caller may send the runtime that the wrapper passes on:
 * held from the start (a signal during the preparation must not leave a
 * half-made volume behind) and forwarded once the runtime runs.  Only
 * while the sources are looked at, before anything changes, may the
 * stopping ones end the wrapper (main_create()). */
static void main_signal_set(sigset_t *set)
{
	static const int forward[] = { SIGHUP,	SIGINT,	 SIGQUIT,  SIGTERM,
				       SIGUSR1, SIGUSR2, SIGWINCH, SIGPWR,
				       SIGALRM, SIGCONT };
	size_t i;

	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	for (i = 0; i < sizeof(forward) / sizeof(forward[0]); i++)
		sigaddset(set, forward[i]);
}

/* Into @set, the signals that stop a process by default and that the
 * caller did not block in @orig. */
static void main_stop_signals(const sigset_t *orig, sigset_t *set)
{
	static const int stop[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM };
	size_t i;

	sigemptyset(set);
	for (i = 0; i < sizeof(stop) / sizeof(stop[0]); i++)
		if (!sigismember(orig, stop[i]))
			sigaddset(set, stop[i]);
}

/* Run the real runtime as a child with the caller's signal mask @orig,
 * passing on the signals a caller sends us (a foreground `run` forwards
 * them to the container), and return its wait status or -errno.  A signal
 * the terminal sent (SI_KERNEL) reached the runtime in the same process
 * group already: sending it again would deliver Ctrl-C twice. */
static int main_run_child(char *const argv[], const sigset_t *orig)
{
	siginfo_t info;
	sigset_t set;
	int status = 0;
	pid_t pid, got;

	main_signal_set(&set);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, orig, NULL);
		execv(argv[0], argv);
		fprintf(stderr, "uidmapfs-runtime: cannot execute %s: %s\n",
			argv[0], strerror(errno));
		_exit(127);
	}
	for (;;) {
		if (sigwaitinfo(&set, &info) < 0)
			continue;
		if (info.si_signo != SIGCHLD) {
			if (info.si_code != SI_KERNEL)
				kill(pid, info.si_signo);
			continue;
		}
		got = waitpid(pid, &status, WNOHANG);
		if (got == pid)
			return status;
		if (got < 0 && errno != EINTR)
			return -errno;
	}
}

/* Leave as the runtime left: its exit status, or its signal (without a
 * core file of ours: the crash was the runtime's). */
static int main_exit_as(int status)
{
	struct rlimit none = { 0, 0 };
	sigset_t sig;

	if (WIFSIGNALED(status)) {
		setrlimit(RLIMIT_CORE, &none);
		signal(WTERMSIG(status), SIG_DFL);
		sigemptyset(&sig);
		sigaddset(&sig, WTERMSIG(status));
		sigprocmask(SIG_UNBLOCK, &sig, NULL);
		raise(WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* config.json of a create or run: crun's --config, else BUNDLE/config.json
 * (the working directory when no bundle is given). */
static int main_spec_path(const struct args *a, char *bundle, char *spec,
			  size_t len)
{
	int n;

	if (!realpath(a->bundle ? a->bundle : ".", bundle))
		return -errno;
	if (a->config_json)
		n = snprintf(spec, len, "%s", a->config_json);
	else
		n = snprintf(spec, len, "%s/config.json", bundle);
	return n < (int)len ? 0 : -ENAMETOOLONG;
}

static int main_create(const struct args *a, const struct container_ctx *x,
		       const sigset_t *orig)
{
	char bundle[PATH_MAX], spec[PATH_MAX], err[MAIN_ERR], ignored[MAIN_ERR];
	struct container_plan *plan;
	sigset_t stop;
	int status, ret;

	ret = main_spec_path(a, bundle, spec, sizeof(bundle));
	if (ret < 0) {
		snprintf(err, sizeof(err), "bundle %s: %s",
			 a->bundle ? a->bundle : ".", strerror(-ret));
		return main_fail(a, err);
	}
	/* Until the state lock is taken nothing changes, so a stopping
	 * signal may end us (a source on a store that does not answer
	 * blocks the look at it, and the caller's timeout must work); the
	 * others stay held for the runtime, as before and after. */
	main_stop_signals(orig, &stop);
	sigprocmask(SIG_UNBLOCK, &stop, NULL);
	ret = container_plan(bundle, spec, &plan, err, sizeof(err));
	sigprocmask(SIG_BLOCK, &stop, NULL);
	if (ret < 0)
		return main_fail(a, err);
	ret = container_prepare(x, a->id, plan, err, sizeof(err));
	container_plan_free(plan);
	if (ret < 0)
		return main_fail(a, err);
	status = main_run_child(a->pass, orig);
	if (status < 0) {
		container_release(x, a->id, ignored, sizeof(ignored));
		return main_fail(a, strerror(-status));
	}
	/* A create that failed leaves nothing mounted, unless the runtime
	 * kept the container (then its delete releases it).  A foreground
	 * run is over: the runtime deleted the container (unless --keep). */
	if ((status != 0 && container_runtime_knows(x, a->id) == 0) ||
	    (a->cmd == ARGS_CMD_RUN && !a->detach && !a->keep))
		container_release(x, a->id, ignored, sizeof(ignored));
	return main_exit_as(status);
}

static int main_delete(const struct args *a, const struct container_ctx *x,
		       const sigset_t *orig)
{
	char err[MAIN_ERR];
	int status, ret;

	status = main_run_child(a->pass, orig);
	if (status < 0)
		return main_fail(a, strerror(-status));
	/* Released once the container is gone: deleted now, or unknown to
	 * the runtime (a create that failed, a second delete). */
	if (status == 0 || container_runtime_knows(x, a->id) == 0) {
		ret = container_release(x, a->id, err, sizeof(err));
		if (ret < 0 && status == 0)
			return main_fail(a, err);
	}
	return main_exit_as(status);
}

/* Is @arg the runtime's --log or --log-format, as "--name=value" (0 is
 * returned for the value's place: none) or "--name VALUE" (1)?  -1: not. */
static int main_log_option(const char *arg)
{
	static const char *const names[] = { "--log", "--log-format" };
	size_t k, n;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		n = strlen(names[k]);
		if (strncmp(arg, names[k], n) != 0)
			continue;
		if (arg[n] == '\0')
			return 1;
		if (arg[n] == '=')
			return 0;
	}
	return -1;
}

/*
 * The runtime's global options (everything between its name and the
 * subcommand) for the wrapper's own `RUNTIME state ID` query, NULL-ended,
 * malloc'd (the strings are @a's).  --log and --log-format stay out: crun
 * writes the query's "does not exist" to that log, after the real error of
 * a create that failed, and containerd reports a log's last error line as
 * the reason.  NULL on ENOMEM.
 */
static char **main_query_globals(const struct args *a)
{
	char **globals;
	int i, n = 0, skip;

	globals = calloc((size_t)a->npass, sizeof(*globals));
	if (!globals)
		return NULL;
	for (i = 1; i < a->npass && a->pass[i] != a->cmd_name; i++) {
		skip = main_log_option(a->pass[i]);
		if (skip >= 0) {
			i += skip; /* args.c paired "--log VALUE" */
			continue;
		}
		globals[n++] = a->pass[i];
	}
	return globals;
}

/* create, run or delete of a valid id: the wrapper's own work around the
 * runtime's. */
static int main_wrap(const struct args *a, const struct conf *c,
		     const char *runtime, const sigset_t *orig)
{
	struct container_ctx x = {
		.state_dir = c->state_dir ? c->state_dir : MAIN_DEFAULT_STATE,
		.runtime = runtime,
		.daemon = {
			.uidmapfs = c->uidmapfs ? c->uidmapfs
						: MAIN_DEFAULT_UIDMAPFS,
			.options = c->options,
			.systemd = c->systemd == CONF_SYSTEMD_YES ||
				   (c->systemd == CONF_SYSTEMD_AUTO &&
				    access("/run/systemd/system", F_OK) == 0),
			.timeout = c->timeout,
		},
	};
	char **globals;
	int ret;

	/* A relative one would follow each bundle's working directory and
	 * split the reference counts. */
	if (x.state_dir[0] != '/')
		return main_fail(a, "state-dir must be an absolute path");
	globals = main_query_globals(a);
	if (!globals)
		return main_fail(a, strerror(ENOMEM));
	x.globals = globals;
	ret = a->cmd == ARGS_CMD_DELETE ? main_delete(a, &x, orig)
					: main_create(a, &x, orig);
	free(globals);
	return ret;
}

int main(int argc, char **argv)
{
	char runtime[PATH_MAX], err[MAIN_ERR];
	sigset_t held, orig;
	struct args a;
	struct conf c;
	int ret = 1;

	/* Our children are ours to wait for, whatever the caller ignored;
	 * the caller's signals wait until the runtime runs. */
	signal(SIGCHLD, SIG_DFL);
	main_signal_set(&held);
	sigprocmask(SIG_BLOCK, &held, &orig);
	if (args_parse(argc, argv, &a, err, sizeof(err)) < 0)
		return main_fail(NULL, err);
	conf_init(&c);
	if (main_read_conf(&c, a.config ? a.config : MAIN_DEFAULT_CONF,
			   a.config != NULL, err, sizeof(err)) < 0) {
		ret = main_fail(&a, err);
		goto out_free;
	}
	if (a.help || a.version) {
		if (a.help)
			main_usage(stdout);
		else
			printf("uidmapfs-runtime %s\n", UIDMAPFS_VERSION);
		ret = 0;
		goto out_free;
	}
	if (main_runtime(&a, &c, runtime, sizeof(runtime), err, sizeof(err)) <
	    0) {
		ret = main_fail(&a, err);
		goto out_free;
	}
	a.pass[0] = runtime;
	if ((a.cmd == ARGS_CMD_CREATE || a.cmd == ARGS_CMD_RUN ||
	     a.cmd == ARGS_CMD_DELETE) &&
	    args_valid_id(a.id)) {
		ret = main_wrap(&a, &c, runtime, &orig);
		goto out_free;
	}
	sigprocmask(SIG_SETMASK, &orig, NULL);
	execv(runtime, a.pass);
	ret = main_fail(&a, strerror(errno));
out_free:
	conf_free(&c);
	args_free(&a);
	return ret;
}
