/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * container: what the wrapper does around the real runtime for one
 * container — before `create`/`run`, give every mount that asks for an
 * ID-mapping the kernel cannot make a shared uidmapfs in shift mode and
 * rewrite the bundle's config.json to use it; after `delete` (or a failed
 * create), let go of those uidmapfs mounts.
 */
#ifndef UIDMAPFS_RUNTIME_CONTAINER_H
#define UIDMAPFS_RUNTIME_CONTAINER_H

#include <stddef.h>

#include "daemon.h"

struct container_ctx {
	const char *state_dir;
	const char *runtime;  /* the real runtime, to ask it about an id */
	char *const *globals; /* its global options, NULL-terminated */
	struct daemon_conf daemon;
};

/*
 * Prepare container @id whose spec is @spec_path (relative mount sources
 * resolve against @bundle).  Returns 0 when the spec was left alone or
 * rewritten with every mount in place, or -errno with one line naming the
 * mount and the cause in @err; then nothing is left mounted for @id and
 * the spec is untouched (-EEXIST: the runtime already has a container @id,
 * whose volumes are left alone).
 */
int container_prepare(const struct container_ctx *x, const char *id,
		      const char *bundle, const char *spec_path, char *err,
		      size_t errlen);

/*
 * Let go of every uidmapfs container @id uses: its references are dropped
 * and a volume nobody uses any more is unmounted and forgotten.  An id the
 * wrapper does not know is fine.  Returns 0 or -errno with a reason.
 */
int container_release(const struct container_ctx *x, const char *id, char *err,
		      size_t errlen);

/* Does the real runtime know container @id: 1 (`RUNTIME state ID`
 * succeeds), 0 (it fails), or -errno when it could not be asked (callers
 * then keep what they hold: only a "no" releases). */
int container_runtime_knows(const struct container_ctx *x, const char *id);

#endif
