// SPDX-License-Identifier: GPL-2.0-or-later
/* daemon: see daemon.h. */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DAEMON_POLL_NS 10000000L /* 10 ms between looks at a starting mount */
#define DAEMON_KILL_WAIT_MS 5000 /* after SIGKILL */
#define DAEMON_LINE 512

/* The start time of process @pid (field 22 of /proc/PID/stat, clock ticks
 * since boot), or 0 if it is gone. */
static unsigned long long daemon_start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command name may hold spaces and ')': skip past the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* p[1] is the space before field 3, the state. */
	if (p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
		return 0;
	for (field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

/* Undo the octal escapes (\040 for a space) of a /proc mountinfo field. */
static void daemon_unescape(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
					(s[3] - '0'));
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

/* Is a FUSE filesystem mounted at @mnt in the mount namespace of @pid
 * ("self" for ours)? */
static bool daemon_mounted(const char *pid, const char *mnt)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/mountinfo", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0) {
		char *save = NULL, *field, *point = NULL, *type = NULL;
		int i = 0;
		bool dash = false;

		for (field = strtok_r(line, " \n", &save); field;
		     field = strtok_r(NULL, " \n", &save), i++) {
			if (i == 4)
				point = field;
			if (dash) {
				type = field;
				break;
			}
			if (i > 5 && strcmp(field, "-") == 0)
				dash = true;
		}
		if (!point || !type)
			continue;
		daemon_unescape(point);
		found = strcmp(point, mnt) == 0 &&
			(strcmp(type, "fuse") == 0 ||
			 strncmp(type, "fuse.", 5) == 0);
	}
	free(line);
	fclose(f);
	return found;
}

/* The last non-empty line of file @path, in @buf ("" if none). */
static void daemon_last_line(const char *path, char *buf, size_t len)
{
	char tail[2048], *end, *start;
	ssize_t n;
	off_t size;
	int fd;

	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	if (size > (off_t)sizeof(tail) - 1)
		lseek(fd, size - (off_t)sizeof(tail) + 1, SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, tail, sizeof(tail) - 1);
	close(fd);
	if (n <= 0)
		return;
	tail[n] = '\0';
	end = tail + n;
	while (end > tail && (end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	start = strrchr(tail, '\n');
	start = start ? start + 1 : tail;
	n = (ssize_t)strlen(start);
	if ((size_t)n >= len)
		n = (ssize_t)len - 1; /* a line is cut, never overrun */
	memcpy(buf, start, (size_t)n);
	buf[n] = '\0';
}

static void daemon_sleep_tick(void)
{
	struct timespec ts = { 0, DAEMON_POLL_NS };

	nanosleep(&ts, NULL);
}

/* In a forked child: detach from the caller (session, descriptors,
 * signal dispositions) with stdout/stderr on @log, then exec @argv. */
static void daemon_exec(char *const argv[], const char *log)
{
	struct rlimit lim;
	sigset_t none;
	int fd, null, sig;

	if (setsid() < 0 || chdir("/") < 0)
		_exit(127);
	umask(022);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	fd = log ? open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)
		 : null;
	if (null < 0 || fd < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 ||
	    dup2(fd, 2) < 0)
		_exit(127);
	/* Nothing of the caller's may stay open in a long-lived daemon:
	 * containerd waits for EOF on the runtime's pipes.  close_range()
	 * may be filtered (seccomp): then one close() per possible fd. */
	if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0) {
		if (getrlimit(RLIMIT_NOFILE, &lim) < 0)
			_exit(127);
		for (fd = 3; (rlim_t)fd < lim.rlim_cur; fd++)
			close(fd);
	}
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* PATH for systemd-run, systemctl and journalctl, which live in
	 * /usr/bin or /bin depending on the distribution. */
	execvp(argv[0], argv);
	dprintf(2, "cannot execute %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Run @argv to completion with output to @log (or nowhere); its status. */
static int daemon_run(char *const argv[], const char *log)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		daemon_exec(argv, log);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void daemon_unit_name(const struct volume *v, char *buf, size_t len)
{
	snprintf(buf, len, "uidmapfs-runtime-%s.service", v->key);
}

/* The main pid of systemd unit @unit, or 0. */
static pid_t daemon_unit_pid(const char *unit, const char *log)
{
	char *argv[] = { "systemctl", "show",	    "-p", "MainPID",
			 "--value",   (char *)unit, NULL };
	char line[DAEMON_LINE];

	if (daemon_run(argv, log) != 0)
		return 0;
	daemon_last_line(log, line, sizeof(line));
	return (pid_t)strtol(line, NULL, 10);
}

/* The unit's last journal line (the daemon's own error) into @log. */
static void daemon_journal(const char *unit, const char *log)
{
	char *argv[] = { "journalctl", "--no-pager", "-o",	   "cat", "-n",
			 "1",	       "-u",	     (char *)unit, NULL };

	daemon_run(argv, log);
}

/* Build the uidmapfs command line for @v into @argv (room for 8). */
static int daemon_argv(const struct daemon_conf *c, const struct volume *v,
		       char *argv[], char **opts)
{
	if (asprintf(opts, "uidmap=%s,gidmap=%s%s%s", v->uidmap, v->gidmap,
		     c->options ? "," : "", c->options ? c->options : "") < 0)
		return -ENOMEM;
	argv[0] = (char *)c->uidmapfs;
	argv[1] = v->source;
	argv[2] = v->mnt;
	argv[3] = "-o";
	argv[4] = *opts;
	argv[5] = "-f";
	argv[6] = NULL;
	return 0;
}

/* Wait, bounded by the timeout, until @v's mount is up; the daemon's
 * exit means failure (@child: it is our own child, to be reaped). */
static int daemon_wait_mount(const struct daemon_conf *c, struct volume *v,
			     bool child)
{
	struct timespec now, deadline;
	bool elsewhere = false;
	char pid[32];
	struct stat st;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += c->timeout;
	for (;;) {
		if (child && waitpid(v->pid, &status, WNOHANG) == v->pid) {
			v->pid = 0;
			return -ECHILD;
		}
		if (!child && daemon_start_time(v->pid) != v->start_time)
			return -ECHILD; /* the unit's process ended */
		if (v->pid > 0) {
			snprintf(pid, sizeof(pid), "%ld", (long)v->pid);
			/* Mounted in the daemon's namespace and in ours (a
			 * systemd unit mounts in PID 1's, which must share
			 * it with us), and the INIT exchange done: stat
			 * answers. */
			elsewhere = daemon_mounted(pid, v->mnt);
			if (elsewhere && daemon_mounted("self", v->mnt) &&
			    stat(v->mnt, &st) == 0)
				return 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > deadline.tv_sec ||
		    (now.tv_sec == deadline.tv_sec &&
		     now.tv_nsec >= deadline.tv_nsec))
			return elsewhere ? -EXDEV : -ETIMEDOUT;
		daemon_sleep_tick();
	}
}

static int daemon_start_unit(const struct daemon_conf *c, struct volume *v,
			     char *argv[], const char *log)
{
	char unit[64], desc[80], stop[48];
	char *run[24];
	int i = 0, k, ret;

	daemon_unit_name(v, unit, sizeof(unit));
	snprintf(desc, sizeof(desc), "--description=uidmapfs volume %s",
		 v->key);
	snprintf(stop, sizeof(stop), "--property=TimeoutStopSec=%u",
		 c->timeout);
	run[i++] = "systemd-run";
	run[i++] = "--quiet";
	run[i++] = "--collect";
	run[i++] = "--unit";
	run[i++] = unit;
	run[i++] = desc;
	/* Type=exec: started means uidmapfs was executed; SIGTERM makes it
	 * unmount and exit. */
	run[i++] = "--property=Type=exec";
	run[i++] = "--property=KillMode=mixed";
	run[i++] = stop;
	run[i++] = "--";
	for (k = 0; argv[k]; k++)
		run[i++] = argv[k];
	run[i] = NULL;
	ret = daemon_run(run, log);
	if (ret != 0)
		return ret < 0 ? ret : -EIO;
	snprintf(v->unit, sizeof(v->unit), "%s", unit);
	v->pid = daemon_unit_pid(unit, log);
	return v->pid > 0 ? 0 : -ESRCH;
}

int daemon_start(const struct daemon_conf *c, struct volume *v, const char *log,
		 char *err, size_t errlen)
{
	char *argv[8], *opts = NULL, line[DAEMON_LINE];
	int ret;

	v->unit[0] = '\0';
	v->pid = 0;
	ret = daemon_argv(c, v, argv, &opts);
	if (ret)
		goto out_fail;
	if (c->systemd) {
		ret = daemon_start_unit(c, v, argv, log);
	} else {
		v->pid = fork();
		if (v->pid < 0) {
			ret = -errno;
			v->pid = 0;
			goto out_fail;
		}
		if (v->pid == 0)
			daemon_exec(argv, log);
	}
	/* Set at fork, kept across exec: what delete checks the pid by. */
	v->start_time = v->pid > 0 ? daemon_start_time(v->pid) : 0;
	if (!ret)
		ret = daemon_wait_mount(c, v, !c->systemd);
	if (ret == 0) {
		free(opts);
		return 0;
	}
	if (v->unit[0])
		daemon_journal(v->unit, log);
	daemon_last_line(log, line, sizeof(line));
	daemon_stop(c, v, err, errlen);
	if (line[0])
		snprintf(err, errlen, "%s", line);
	else if (ret == -EXDEV)
		snprintf(
			err, errlen,
			"uidmapfs mounted %s in another mount namespace than this runtime's (is /run shared with systemd's?)",
			v->mnt);
	else if (ret == -ETIMEDOUT)
		snprintf(err, errlen,
			 "uidmapfs did not mount %s within %u s (log: %s)",
			 v->mnt, c->timeout, log);
	else
		snprintf(err, errlen, "cannot start uidmapfs: %s",
			 strerror(-ret));
	free(opts);
	return ret < 0 ? ret : -EIO;

out_fail:
	snprintf(err, errlen, "cannot start uidmapfs: %s", strerror(-ret));
	free(opts);
	return ret;
}

bool daemon_healthy(const struct volume *v)
{
	char pid[32];

	if (v->pid <= 0 || daemon_start_time(v->pid) != v->start_time)
		return false;
	snprintf(pid, sizeof(pid), "%ld", (long)v->pid);
	return daemon_mounted(pid, v->mnt);
}

bool daemon_visible(const struct volume *v)
{
	return daemon_mounted("self", v->mnt);
}

/* Wait up to @ms for the process behind @pidfd to end. */
static bool daemon_wait_exit(int pidfd, int ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int n;

	do {
		n = poll(&p, 1, ms);
	} while (n < 0 && errno == EINTR);
	return n > 0;
}

/* Detach whatever is still mounted at @mnt, inside the mount namespace
 * @ns_fd (-1: ours). */
static void daemon_detach(int ns_fd, const char *mnt)
{
	int status;
	pid_t pid;

	if (ns_fd < 0) {
		umount2(mnt, MNT_DETACH | UMOUNT_NOFOLLOW);
		return;
	}
	/* setns() into another mount namespace changes the whole process
	 * (and needs a single-threaded one): do it in a child. */
	pid = fork();
	if (pid == 0) {
		if (setns(ns_fd, CLONE_NEWNS) < 0)
			_exit(1);
		umount2(mnt, MNT_DETACH | UMOUNT_NOFOLLOW);
		_exit(0);
	}
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
}

int daemon_stop(const struct daemon_conf *c, const struct volume *v, char *err,
		size_t errlen)
{
	char path[64];
	int pidfd = -1, ns_fd = -1;
	bool gone = true;

	if (v->pid > 0 && v->start_time != 0 &&
	    daemon_start_time(v->pid) == v->start_time) {
		pidfd = (int)syscall(SYS_pidfd_open, v->pid, 0);
		/* Checked again with the pidfd held: the pid cannot be
		 * reused from here on. */
		if (pidfd >= 0 && daemon_start_time(v->pid) != v->start_time) {
			close(pidfd);
			pidfd = -1;
		}
	}
	if (pidfd >= 0) {
		snprintf(path, sizeof(path), "/proc/%ld/ns/mnt", (long)v->pid);
		ns_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (v->unit[0]) {
			char *argv[] = { "systemctl", "stop", (char *)v->unit,
					 NULL };

			daemon_run(argv, NULL);
		} else {
			syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0);
		}
		gone = daemon_wait_exit(pidfd, (int)c->timeout * 1000);
		if (!gone) {
			syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
			gone = daemon_wait_exit(pidfd, DAEMON_KILL_WAIT_MS);
		}
		/* Reap it if it is our own child (a create that failed). */
		waitpid(v->pid, NULL, WNOHANG);
		close(pidfd);
	}
	daemon_detach(ns_fd, v->mnt);
	if (ns_fd >= 0)
		close(ns_fd);
	if (!gone) {
		snprintf(err, errlen, "uidmapfs (pid %ld) for %s did not stop",
			 (long)v->pid, v->mnt);
		return -ETIMEDOUT;
	}
	return 0;
}
