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
 * What the create of a container needs, found without changing anything
 * and without the state lock (opaque): its spec, parsed, and every mount
 * that asks for an ID-mapping the kernel cannot make.
 */
struct container_plan;

/*
 * Read the spec @spec_path (relative mount sources resolve against
 * @bundle) and ask the kernel about every ID-mapped bind mount's source.
 * Changes nothing, so a caller's signal may end it: a source on a store
 * that does not answer blocks here, killably.  Nothing about the
 * container's id is checked yet: a create of an id the runtime already
 * runs looks at its sources first, then container_prepare() refuses it.
 * Returns 0 with *@out to free with container_plan_free(), or -errno with
 * one line naming the mount and the cause in @err.
 */
int container_plan(const char *bundle, const char *spec_path,
		   struct container_plan **out, char *err, size_t errlen);

/* Free what container_plan() made (@plan NULL is fine). */
void container_plan_free(struct container_plan *plan);

/*
 * Prepare container @id as @plan says, under the state lock: give every
 * mount the kernel cannot ID-map a shared uidmapfs and rewrite the spec
 * to use it.  Returns 0 when the spec was left alone (nothing to serve)
 * or rewritten with every mount in place, or -errno with one line naming
 * the mount and the cause in @err; then nothing is left mounted for @id
 * and the spec is untouched (-EEXIST: the runtime already has a container
 * @id, whose volumes are left alone).
 */
int container_prepare(const struct container_ctx *x, const char *id,
		      struct container_plan *plan, char *err, size_t errlen);

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
