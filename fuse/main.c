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
#include "opts.h"
#include "session.h"

#define MAIN_ERR_LEN 512

static int main_fail(const char *msg)
{
	fprintf(stderr, "uidmapfs: %s\n", msg);
	return 1;
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

int main(int argc, char **argv)
{
	char *fuse_argv[] = { argv[0], "-d", NULL };
	struct fuse_args fuse_args;
	char err[MAIN_ERR_LEN];
	char mountpoint[PATH_MAX];
	char source[PATH_MAX];
	struct fuse_session *se;
	struct session_mount m;
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
	if (fs_setup(&fs, &o, err, sizeof(err)) < 0) {
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
	m = (struct session_mount){
		.source = source,
		.mountpoint = mountpoint,
		.flags = o.mount_flags,
	};
	if (session_mount(se, &m, &fs.features, err, sizeof(err)) < 0) {
		ret = main_fail(err);
		goto out_remove_handlers;
	}
	ret = session_handshake(se, &fs.features, err, sizeof(err));
	if (ret < 0 && !(ret == -EOPNOTSUPP && o.idmap_optional)) {
		session_unmount(mountpoint);
		ret = main_fail(err);
		goto out_remove_handlers;
	}
	if (ret < 0)
		fuse_log(
			FUSE_LOG_WARNING,
			"uidmapfs: this kernel has no FUSE ID-mapping support: "
			"serving %s as a plain passthrough (idmap_optional)\n",
			mountpoint);
	/* Before any worker thread exists: they inherit the mask. */
	main_hold_stop_signals(SIG_UNBLOCK);
	/* The mount exists before the parent returns: a caller that waits
	 * for our exit status can use it at once. */
	fuse_daemonize(o.foreground);
	ret = main_loop(se, &o) < 0 ? 1 : 0;
	session_unmount(mountpoint);

out_remove_handlers:
	fuse_remove_signal_handlers(se);
out_destroy_session:
	fuse_session_destroy(se);
out_close_fs:
	fs_teardown(&fs);
out_free_opts:
	opts_free(&o);
	return ret;
}
