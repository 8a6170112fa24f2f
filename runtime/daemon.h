/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daemon: start and stop the uidmapfs of one volume, so that it outlives
 * the runtime call and the shim that made it.  Where systemd is PID 1 it
 * runs as a transient unit (uidmapfs-runtime-KEY.service, its own cgroup);
 * elsewhere as a plain process in a session of its own with its output in
 * the volume's log, every descriptor of the caller closed (a daemon that
 * kept containerd's pipes open would make the runtime call hang).
 *
 * Stopping never assumes the caller's mount namespace holds the mount
 * (podman's cleanup and a failed create's delete come from elsewhere): the
 * daemon is signalled through a pidfd checked against its recorded start
 * time, and unmounts itself on SIGTERM; one that does not stop in time is
 * killed and its mount detached from inside the daemon's own mount
 * namespace.
 */
#ifndef UIDMAPFS_RUNTIME_DAEMON_H
#define UIDMAPFS_RUNTIME_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

#include "state.h"

struct daemon_conf {
	const char *uidmapfs; /* the daemon binary */
	const char *options;  /* extra -o options, or NULL */
	bool systemd;	      /* run it as a transient unit */
	unsigned int timeout; /* seconds to wait for a mount or a stop */
};

/*
 * Mount uidmapfs for @v (shift mode, v->uidmap/v->gidmap) on v->mnt and
 * fill v->pid, v->start_time and v->unit.  Waits, bounded, until the mount
 * answers.  @log: the file for the daemon's output (plain process).
 * Returns 0, or -errno with the daemon's own last line (or the cause) in
 * @err; nothing is left running or mounted on failure.
 */
int daemon_start(const struct daemon_conf *c, struct volume *v, const char *log,
		 char *err, size_t errlen);

/*
 * Is @v's daemon still the recorded process, and is its mount there
 * (in this mount namespace) and answering?
 */
bool daemon_healthy(const struct volume *v);

/* Is @v's mount there in the caller's own mount namespace? */
bool daemon_visible(const struct volume *v);

/*
 * Stop @v's daemon and make sure its mount is gone.  A daemon already gone
 * is fine.  Returns 0 or -errno with a reason.
 */
int daemon_stop(const struct daemon_conf *c, const struct volume *v, char *err,
		size_t errlen);

#endif
