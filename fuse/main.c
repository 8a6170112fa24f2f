// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uidmapfs: parse, validate, mount, serve, tear down.  Every failure before
 * the mount is one line on stderr and exit status 1, with nothing mounted.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"
#include "fs_ops.h"
#include "opts.h"
#include "session.h"
#include "setup.h"
#include "uring.h"

#define MAIN_ERR_LEN 512

static int main_fail(const char *msg)
{
	fprintf(stderr, "uidmapfs: %s\n", msg);
	return 1;
}

/*
 * Before INIT is answered: make the rings when the transport can be used,
 * so that the INIT reply may ask for it.  Returns NULL, or why /dev/fuse
 * alone will serve (in @err when it is a failure).
 */
static const char *main_uring_prepare(const struct opts *o,
				      struct session_features *feat,
				      struct uring **ring, char *err,
				      size_t errlen)
{
	const char *why;

	if (!o->uring)
		return "-o nouring";
	if (o->single_thread)
		return "-s: one thread serves";
	why = uring_kernel_refusal();
	if (why)
		return why;
	if (uring_create(ring, feat->dev_fd, err, errlen) < 0)
		return err;
	feat->want_uring = true;
	return NULL;
}

/* After INIT: keep the rings only if the kernel granted the transport.
 * Returns why /dev/fuse alone serves (@why from main_uring_prepare()), or
 * NULL. */
static const char *main_uring_granted(const struct session_features *feat,
				      struct uring **ring, const char *why)
{
	if (*ring && !feat->uring) {
		uring_stop(*ring);
		*ring = NULL;
		return "the kernel did not offer it in INIT";
	}
	return why;
}

/*
 * After the fork of fuse_daemonize() (threads do not survive it): start
 * the ring threads the kernel granted, and say in one line which transport
 * serves.  Returns 0, or -EIO when the mount cannot serve at all.
 */
static int main_uring_start(struct fuse_session *se,
			    const struct session_features *feat,
			    struct uring *ring, char *err, size_t errlen)
{
	/* The test build's fault: buffers the kernel refuses. */
	size_t payload =
		feat->uring_payload - (feat->fail_uring_register ? 1 : 0);
	int n;

	n = uring_start(ring, se, payload, err, errlen);
	if (n == -EIO)
		return n;
	if (n < 0)
		fuse_log(FUSE_LOG_INFO, "uidmapfs: transport: /dev/fuse (%s)\n",
			 err);
	else
		fuse_log(FUSE_LOG_INFO,
			 "uidmapfs: transport: io_uring (%d queues)\n", n);
	return 0;
}

/*
 * Hold (@how SIG_BLOCK) or release (SIG_UNBLOCK) the signals libfuse's
 * handlers take as "stop": SIGHUP, SIGINT, SIGTERM.  They are held from
 * before the handlers exist until INIT is served.  A handler only sets the
 * session's exit flag, and libfuse's receive then reports the INIT request
 * it read as nothing read, which session_handshake() must take for a
 * closed connection: a stop right after the mount appeared failed the
 * start-up with exit status 1 ("the kernel sent no INIT request") instead
 * of the clean unmount and exit 0 of any other stop (cli.sh step 2 under
 * load: 9 of 400 SIGINTs sent as the mount appeared, every one with
 * strace delaying mount(2)'s return; 0 of 500 held).  Held, the stop
 * arrives once the mount is served, and the loop ends before it reads a
 * request.  (pthread_sigmask only fails for a bad @how.)
 */
static void main_hold_stop_signals(int how)
{
	sigset_t stop;

	sigemptyset(&stop);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	(void)pthread_sigmask(how, &stop, NULL);
}

static int main_loop(struct fuse_session *se, const struct opts *o)
{
	struct fuse_loop_config *cfg;
	int ret;

	if (o->single_thread)
		return fuse_session_loop(se);
	cfg = fuse_loop_cfg_create();
	if (!cfg)
		return -ENOMEM;
	fuse_loop_cfg_set_clone_fd(cfg, o->clone_fd);
	fuse_loop_cfg_set_max_threads(cfg, o->max_threads);
	ret = fuse_session_loop_mt(se, cfg);
	fuse_loop_cfg_destroy(cfg);
	return ret;
}

/* Which transport serves the mounted connection. */
struct main_transport {
	struct uring *ring; /* the rings the kernel granted, or NULL */
	const char *why;    /* why /dev/fuse alone serves, or NULL */
	char err[MAIN_ERR_LEN];
};

/*
 * Mount @fs at @mountpoint and answer the kernel's INIT, with the rings
 * ready in case the kernel grants them.  Returns 0, or 1 with the reason
 * printed and nothing left mounted.
 */
static int main_mount(struct fuse_session *se, const struct opts *o,
		      struct fs *fs, const char *source, const char *mountpoint,
		      struct main_transport *t)
{
	struct session_mount m = {
		.source = source,
		.mountpoint = mountpoint,
		.flags = o->mount_flags,
	};
	char err[MAIN_ERR_LEN];
	int ret;

	if (session_mount(se, &m, &fs->features, err, sizeof(err)) < 0)
		return main_fail(err);
	t->why = main_uring_prepare(o, &fs->features, &t->ring, t->err,
				    sizeof(t->err));
	ret = session_handshake(se, &fs->features, err, sizeof(err));
	if (ret < 0 && !(ret == -EOPNOTSUPP && o->idmap_optional)) {
		session_unmount(mountpoint);
		uring_stop(t->ring);
		t->ring = NULL;
		return main_fail(err);
	}
	if (ret < 0)
		fuse_log(
			FUSE_LOG_WARNING,
			"uidmapfs: this kernel has no FUSE ID-mapping support: "
			"serving %s as a plain passthrough (idmap_optional)\n",
			mountpoint);
	t->why = main_uring_granted(&fs->features, &t->ring, t->why);
	return 0;
}

/*
 * Detach (without -f), start the transport, serve until unmounted or
 * stopped, and unmount.  Returns the exit status.
 */
static int main_serve(struct fuse_session *se, const struct opts *o,
		      struct fs *fs, const char *mountpoint,
		      struct main_transport *t)
{
	int status = 1;

	/* The mount exists before the parent returns: a caller that waits
	 * for our exit status can use it at once. */
	fuse_daemonize(o->foreground);
	/* After detaching, like the io_uring line: a successful mount says
	 * nothing to mount(8)'s caller; in the foreground (-f, systemd-run,
	 * uidmapfs-runtime) the line is in the log. */
	if (t->why)
		fuse_log(FUSE_LOG_INFO, "uidmapfs: transport: /dev/fuse (%s)\n",
			 t->why);
	if (t->ring && main_uring_start(se, &fs->features, t->ring, t->err,
					sizeof(t->err)) < 0)
		fuse_log(FUSE_LOG_ERR, "uidmapfs: %s\n", t->err);
	else
		status = main_loop(se, o) < 0 ? 1 : 0;
	/* The ring threads serve through the session: stop them first. */
	uring_stop(t->ring);
	t->ring = NULL;
	session_unmount(mountpoint);
	return status;
}

int main(int argc, char **argv)
{
	char *fuse_argv[] = { argv[0], "-d", NULL };
	struct fuse_args fuse_args;
	struct main_transport transport = { .ring = NULL };
	char err[MAIN_ERR_LEN];
	char mountpoint[PATH_MAX];
	char source[PATH_MAX];
	struct fuse_session *se;
	struct opts o;
	struct fs fs;
	int ret = 1;

	if (opts_parse(&o, argc, argv, err, sizeof(err)) < 0) {
		opts_free(&o);
		return main_fail(err);
	}
	if (o.show_help || o.show_version) {
		if (o.show_help)
			opts_print_help(stdout, "uidmapfs");
		else
			printf("uidmapfs %s (libfuse %s)\n", UIDMAPFS_VERSION,
			       fuse_pkgversion());
		opts_free(&o);
		return 0;
	}
	if (geteuid() != 0) {
		opts_free(&o);
		return main_fail("must run as root (it mounts, and serves "
				 "other users with allow_other)");
	}
	if (setup_fs(&fs, &o, err, sizeof(err)) < 0) {
		ret = main_fail(err);
		goto out_free_opts;
	}
	/* After fuse_daemonize() the cwd is /: keep absolute paths (the
	 * source's only as the mount's label). */
	if (!realpath(o.source, source) ||
	    !realpath(o.mountpoint, mountpoint)) {
		snprintf(err, sizeof(err), "cannot resolve %s or %s: %s",
			 o.source, o.mountpoint, strerror(errno));
		ret = main_fail(err);
		goto out_close_fs;
	}
	fuse_args =
		(struct fuse_args)FUSE_ARGS_INIT(o.debug ? 2 : 1, fuse_argv);
	se = fuse_session_new(&fuse_args, &fs_ops, sizeof(fs_ops), &fs);
	/* libfuse rewrites the vector it parses into one of its own. */
	fuse_opt_free_args(&fuse_args);
	if (!se) {
		ret = main_fail("cannot create the FUSE session");
		goto out_close_fs;
	}
	main_hold_stop_signals(SIG_BLOCK);
	if (fuse_set_signal_handlers(se) < 0) {
		ret = main_fail("cannot install signal handlers");
		goto out_destroy_session;
	}
	ret = main_mount(se, &o, &fs, source, mountpoint, &transport);
	if (ret)
		goto out_remove_handlers;
	/* Before any worker thread exists: they inherit the mask. */
	main_hold_stop_signals(SIG_UNBLOCK);
	ret = main_serve(se, &o, &fs, mountpoint, &transport);

out_remove_handlers:
	fuse_remove_signal_handlers(se);
out_destroy_session:
	fuse_session_destroy(se);
out_close_fs:
	setup_release(&fs);
out_free_opts:
	opts_free(&o);
	return ret;
}
