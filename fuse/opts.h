/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * opts: the command line, `uidmapfs SOURCE MOUNTPOINT [-o OPTIONS]`, also as
 * run by mount.fuse3 for `mount -t fuse.uidmapfs` and /etc/fstab.
 * Parsing only: no file is opened and no map is read here.
 */
#ifndef UIDMAPFS_OPTS_H
#define UIDMAPFS_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct opts {
	char *source;	  /* as given */
	char *mountpoint; /* as given */
	char *uidmap;	  /* triple syntax, or NULL */
	char *gidmap;
	pid_t userns_pid; /* 0: not given */
	double entry_timeout;
	double attr_timeout;
	double negative_timeout;
	bool keep_cache;
	bool passthrough;    /* ask for kernel passthrough (default) */
	bool uring;	     /* FUSE over io_uring where offered (default) */
	bool idmap_optional; /* kernel mode may run without FUSE idmap */
	bool foreground;
	bool debug;
	bool single_thread;
	bool clone_fd;
	unsigned int max_threads;
	size_t fd_cache;	   /* 0: from RLIMIT_NOFILE (setup.c) */
	unsigned long mount_flags; /* MS_* */
	bool show_help;
	bool show_version;
};

/*
 * Parse argv into @o (defaults first).  Returns 0, or -EINVAL with a
 * one-line reason in @err.  On success and on failure opts_free() releases
 * what was allocated.
 */
int opts_parse(struct opts *o, int argc, char **argv, char *err, size_t errlen);

void opts_free(struct opts *o);

/* The --help text. */
void opts_print_help(FILE *out, const char *progname);

#endif
