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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "conf.h"
#include "container.h"

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

	if (!a->log || !*a->log)
		return;
	f = fopen(a->log, "ae");
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
	char *buf;
	ssize_t n;
	size_t len = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && !must)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	buf = malloc(MAIN_CONF_MAX);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len < MAIN_CONF_MAX &&
	       (n = read(fd, buf + len, MAIN_CONF_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
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

/* Run the real runtime as a child, passing on the signals a caller sends
 * us (a foreground `run` forwards them to the container), and return its
 * wait status. */
static int main_run_child(char *const argv[])
{
	static const int forward[] = { SIGHUP,	SIGINT,	 SIGQUIT, SIGTERM,
				       SIGUSR1, SIGUSR2, SIGWINCH };
	sigset_t set, old;
	siginfo_t info;
	int status, i;
	pid_t pid;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (i = 0; i < (int)(sizeof(forward) / sizeof(forward[0])); i++)
		sigaddset(&set, forward[i]);
	sigprocmask(SIG_BLOCK, &set, &old);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		execv(argv[0], argv);
		fprintf(stderr, "uidmapfs-runtime: cannot execute %s: %s\n",
			argv[0], strerror(errno));
		_exit(127);
	}
	for (;;) {
		if (sigwaitinfo(&set, &info) < 0)
			continue;
		if (info.si_signo != SIGCHLD) {
			kill(pid, info.si_signo);
			continue;
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}

/* Leave as the runtime left: its exit status, or its signal. */
static int main_exit_as(int status)
{
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
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

static int main_create(const struct args *a, const struct container_ctx *x)
{
	char bundle[PATH_MAX], spec[PATH_MAX], err[MAIN_ERR], ignored[MAIN_ERR];
	int status;

	if (main_spec_path(a, bundle, spec, sizeof(bundle)) < 0) {
		snprintf(err, sizeof(err), "bundle %s: %s",
			 a->bundle ? a->bundle : ".", strerror(errno));
		return main_fail(a, err);
	}
	if (container_prepare(x, a->id, bundle, spec, err, sizeof(err)) < 0)
		return main_fail(a, err);
	status = main_run_child(a->pass);
	if (status < 0)
		return main_fail(a, strerror(-status));
	/* A create that failed leaves nothing mounted, unless the runtime
	 * kept the container (then its delete releases it).  A foreground
	 * run is over: the runtime deleted the container (unless --keep). */
	if ((status != 0 && container_runtime_knows(x, a->id) != 1) ||
	    (a->cmd == ARGS_CMD_RUN && !a->detach && !a->keep))
		container_release(x, a->id, ignored, sizeof(ignored));
	return main_exit_as(status);
}

static int main_delete(const struct args *a, const struct container_ctx *x)
{
	char err[MAIN_ERR];
	int status, ret;

	status = main_run_child(a->pass);
	if (status < 0)
		return main_fail(a, strerror(-status));
	/* Released once the container is gone: deleted now, or unknown to
	 * the runtime (a create that failed, a second delete). */
	if (status == 0 || container_runtime_knows(x, a->id) != 1) {
		ret = container_release(x, a->id, err, sizeof(err));
		if (ret < 0 && status == 0)
			return main_fail(a, err);
	}
	return main_exit_as(status);
}

int main(int argc, char **argv)
{
	char runtime[PATH_MAX], err[MAIN_ERR];
	struct container_ctx x;
	char **globals;
	struct args a;
	struct conf c;
	int ret = 1, i;

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
		x = (struct container_ctx){
			.state_dir = c.state_dir ? c.state_dir
						 : MAIN_DEFAULT_STATE,
			.runtime = runtime,
			.daemon = {
				.uidmapfs = c.uidmapfs ? c.uidmapfs
						       : MAIN_DEFAULT_UIDMAPFS,
				.options = c.options,
				.systemd = c.systemd == CONF_SYSTEMD_YES ||
					   (c.systemd == CONF_SYSTEMD_AUTO &&
					    access("/run/systemd/system",
						   F_OK) == 0),
				.timeout = c.timeout,
			},
		};
		/* The runtime's global options, to ask it about an id:
		 * everything between its name and the subcommand. */
		for (i = 1; i < a.npass && a.pass[i] != a.cmd_name; i++)
			;
		globals = calloc((size_t)i, sizeof(*globals));
		if (!globals) {
			ret = main_fail(&a, strerror(ENOMEM));
			goto out_free;
		}
		memcpy(globals, a.pass + 1, (size_t)(i - 1) * sizeof(*globals));
		x.globals = globals;
		ret = a.cmd == ARGS_CMD_DELETE ? main_delete(&a, &x)
					       : main_create(&a, &x);
		free(globals);
		goto out_free;
	}
	execv(runtime, a.pass);
	ret = main_fail(&a, strerror(errno));
out_free:
	conf_free(&c);
	args_free(&a);
	return ret;
}
