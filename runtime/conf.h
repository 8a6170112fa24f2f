/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf: uidmapfs-runtime's configuration file, /etc/uidmapfs/runtime.conf
 * by default.  Pure: it parses text handed to it.
 *
 * One "key = value" a line; blank lines and lines starting with '#' are
 * ignored; white space around key and value is dropped.  Keys:
 *
 *   runtime    the real OCI runtime (default: crun, else runc, on PATH)
 *   uidmapfs   the uidmapfs daemon (default: the one installed with us)
 *   state-dir  where mounts and references are kept (/run/uidmapfs-runtime)
 *   options    extra -o options for every uidmapfs mount (default none)
 *   systemd    auto, yes or no: run each daemon as a transient systemd unit
 *              (auto: where systemd is PID 1)
 *   timeout    seconds to wait for a mount to come up or a daemon to stop
 *              (default 10, 1 to 600)
 */
#ifndef UIDMAPFS_RUNTIME_CONF_H
#define UIDMAPFS_RUNTIME_CONF_H

#include <stddef.h>

enum conf_systemd { CONF_SYSTEMD_AUTO, CONF_SYSTEMD_YES, CONF_SYSTEMD_NO };

struct conf {
	/* malloc'd strings, NULL where the file does not set them. */
	char *runtime;
	char *uidmapfs;
	char *state_dir;
	char *options;
	enum conf_systemd systemd;
	unsigned int timeout; /* seconds */
};

/* The defaults: every string NULL, systemd auto, timeout 10. */
void conf_init(struct conf *c);

/*
 * Apply the @len bytes of @text to @c.  Returns 0, -EINVAL with a reason
 * naming @name and the line in @err (an unknown key, a line without '=',
 * an empty or bad value, a NUL byte), or -ENOMEM.  On failure @c keeps
 * whatever earlier lines set; conf_free() releases it either way.
 */
int conf_parse(struct conf *c, const char *name, const char *text, size_t len,
	       char *err, size_t errlen);

void conf_free(struct conf *c);

#endif
