/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state: what uidmapfs-runtime remembers between its calls, under one
 * directory (/run/uidmapfs-runtime by default), changed only under an
 * exclusive lock on its file "lock" (containerd creates a pod's containers
 * in parallel):
 *
 *   volumes/KEY/info          the volume: source, maps, daemon pid, ...
 *   volumes/KEY/gate/         the container root's own (host ids, 0700):
 *                             only it and root may reach the mount
 *   volumes/KEY/gate/mnt/     where its uidmapfs is mounted
 *   volumes/KEY/users/ID      one empty file per container using it
 *   volumes/KEY/log           the daemon's stderr (no systemd)
 *   containers/ID             the KEYs container ID uses, one a line
 *
 * KEY is a hash of (source, uidmap, gidmap): one uidmapfs per source and
 * map, shared by every container asking for it.  A volume lives while
 * users/ holds a name.  `delete` arrives without the bundle and maybe from
 * another process and mount namespace than `create`: everything it needs is
 * here, keyed by container id.
 */
#ifndef UIDMAPFS_RUNTIME_STATE_H
#define UIDMAPFS_RUNTIME_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define STATE_KEY_LEN 16 /* hex digits */

struct state {
	int dir_fd;  /* the state directory */
	int lock_fd; /* holds the exclusive flock */
	char *path;  /* the state directory's path */
};

/* One shared uidmapfs. */
struct volume {
	char key[STATE_KEY_LEN + 1];
	char *source; /* absolute, resolved */
	char *uidmap; /* uidmapfs syntax */
	char *gidmap;
	char *mnt; /* absolute path of the mountpoint */
	/* The daemon: its pid and start time (clock ticks since boot, from
	 * /proc/PID/stat) so that a reused pid is never signalled; the
	 * systemd unit running it, or "" when it runs as a plain process. */
	pid_t pid;
	unsigned long long start_time;
	char unit[64];
};

/*
 * Create (mode 0711, so that a container's root can reach the mountpoints
 * below it) and open the state directory @path and take its lock, waiting
 * for other calls.  Returns 0 or -errno with a reason in @err.
 */
int state_lock(struct state *st, const char *path, char *err, size_t errlen);

/* Drop the lock and close everything. */
void state_unlock(struct state *st);

/*
 * Fill @v for (source, uidmap, gidmap): its key and mountpoint, and what
 * volumes/KEY/info says when it exists.  Returns 1 if the volume exists,
 * 0 if not (v->pid is 0), or -errno with a reason.  volume_free() @v.
 */
int state_volume_get(struct state *st, const char *source, const char *uidmap,
		     const char *gidmap, struct volume *v, char *err,
		     size_t errlen);

/* Fill @v from volumes/@key/info.  Returns 0, -ENOENT, or -errno. */
int state_volume_load(struct state *st, const char *key, struct volume *v);

/* Create volumes/KEY/{mnt,users} (existing ones are fine). */
int state_volume_prepare(struct state *st, const struct volume *v);

/* Write volumes/KEY/info atomically (after the daemon started). */
int state_volume_save(struct state *st, const struct volume *v);

/* The path of volumes/KEY/log in @buf.  Returns 0 or -ENAMETOOLONG. */
int state_volume_log(const struct state *st, const struct volume *v, char *buf,
		     size_t len);

/* Remove volumes/KEY and what is in it (the mount must be gone). */
int state_volume_remove(struct state *st, const struct volume *v);

/* Add or drop container @id as a user of volume @key. */
int state_volume_add_user(struct state *st, const char *key, const char *id);
int state_volume_drop_user(struct state *st, const char *key, const char *id);

/* How many containers use volume @key (0 when it does not exist), or
 * -errno. */
int state_volume_users(struct state *st, const char *key);

/* Record that container @id uses volume @key (once). */
int state_container_add(struct state *st, const char *id, const char *key);

/*
 * The volume keys container @id uses: *keys is a malloc'd array of
 * STATE_KEY_LEN + 1 strings, *n of them (0 and NULL when the container
 * is unknown).  Returns 0 or -errno.
 */
int state_container_keys(struct state *st, const char *id,
			 char (**keys)[STATE_KEY_LEN + 1], size_t *n);

/* Forget container @id (nothing to forget is fine). */
int state_container_remove(struct state *st, const char *id);

void volume_free(struct volume *v);

#endif
