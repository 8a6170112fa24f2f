/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * spec: the pure part of uidmapfs-runtime.  An OCI bundle's config.json in;
 * which mounts ask for an ID-mapping, with which maps; the spec rewritten
 * so that such a mount takes its source from a uidmapfs mount in shift mode
 * instead; the spec out as JSON text.
 *
 * A mount asks for an ID-mapping in one of three forms (see spec.c for
 * what runc and crun do with each and what we chose where they differ):
 *  1. the runtime-spec 1.1 mount members "uidMappings" and "gidMappings"
 *     (containerd 2.x and CRI-O write them for hostUsers: false pods);
 *  2. the option "idmap" or "ridmap" alone: the container's own
 *     linux.uidMappings / linux.gidMappings (podman 4.3 writes "idmap");
 *  3. crun's option "idmap=uids=...;gids=..." (or "ridmap=..."), podman's
 *     ":idmap=uids=..." volume form.
 * Only bind mounts (option "bind" or "rbind") are reported: the ID-mapping
 * of any other mount type is left to the real runtime.
 *
 * config.json is untrusted: every function here checks what it reads and
 * answers a malformed spec with -EINVAL and one line of text.
 *
 * Pure: no I/O, no globals, no logging, no exit(); only memory allocation
 * (json-c itself seeds its hash function once per process, see spec.c).
 * Errors are 0 / negative errno; @err, if not NULL, receives one printable
 * line without newline, truncated to @errlen bytes (SPEC_ERR_LEN is always
 * enough for the whole message).
 */
#ifndef UIDMAPFS_SPEC_H
#define UIDMAPFS_SPEC_H

#include <stdbool.h>
#include <stddef.h>

/* Room for any message written into @err, including the terminator. */
#define SPEC_ERR_LEN 256

/* A parsed config.json.  Owned by the caller; free with spec_free(). */
struct spec;

/*
 * Parse @len bytes of @text (need not be NUL-terminated) as one JSON
 * object: RFC 8259 JSON only (no comments, no single quotes, no NaN, no
 * unescaped control characters, valid UTF-8, nothing after the object),
 * nested at most 64 deep, integers within [INT64_MIN, UINT64_MAX].
 * Returns 0 and a new spec in *@out, -EINVAL with a reason such as
 * "config.json: line 3: unexpected character" or "config.json: not a JSON
 * object" in @err, or -ENOMEM.  *@out is NULL on failure.
 */
int spec_parse(const char *text, size_t len, struct spec **out, char *err,
	       size_t errlen);

/* Free @spec (NULL is fine). */
void spec_free(struct spec *spec);

struct spec_idmount {
	size_t index;	   /* position in "mounts" */
	char *destination; /* the mount's "destination" */
	char *source;	   /* the mount's "source" */
	/* uidmapfs -o uidmap= syntax: "inside:outside:count[:i:o:c...]" */
	char *uidmap;
	char *gidmap; /* same for gids */
	/* rbind: the mount covers the source's submounts (see spec.c) */
	bool recursive;
};

/*
 * Every bind mount of @spec that asks for an ID-mapping, in the order of
 * "mounts".  The maps are validated as the kernel validates a uid_map
 * (1 to 340 extents, sizes > 0, no u32 overflow, no overlap) and written
 * in the order the spec gives the extents; extent "c:h:s" shows on-disk id
 * c as id h, as the kernel's ID-mapped mount with that mapping does.
 * On success returns 0 with *@out a malloc'd array of *@n entries (*@out
 * NULL when *@n == 0), every string malloc'd and owned by the array: free
 * with spec_idmounts_free().  Returns -EINVAL with a reason naming the
 * mount's destination, e.g. "mount /data: idmap option but the spec has no
 * linux.uidMappings", or -ENOMEM; then *@out is NULL and *@n is 0.
 * A malformed mount that asks for no ID-mapping is an error too
 * (destination not a string, options not an array of strings, ...).
 */
int spec_idmounts(const struct spec *spec, struct spec_idmount **out, size_t *n,
		  char *err, size_t errlen);

/* Free what spec_idmounts() returned (@m NULL is fine). */
void spec_idmounts_free(struct spec_idmount *m, size_t n);

/*
 * Point mount @index at @source (a NUL-terminated path, copied) and remove
 * its ID-mapping: the "uidMappings" and "gidMappings" members and every
 * idmap, ridmap, idmap=... and ridmap=... option ("bind", "rbind" and all
 * other options stay, in their order).  Every other member of the mount
 * and of the spec is kept as is, in its place.  Returns 0, -EINVAL with a
 * reason (no such mount, @source NULL or empty) or -ENOMEM; on an error
 * the spec may be half changed and must not be serialised.
 */
int spec_redirect_mount(struct spec *spec, size_t index, const char *source,
			char *err, size_t errlen);

/*
 * The spec as compact JSON text, malloc'd and NUL-terminated (owned by the
 * caller), '/' not escaped, members in their parsed order, floating-point
 * numbers in their original text; *@len (if @len is not NULL) set to its
 * length without the NUL.  NULL on ENOMEM.
 */
char *spec_serialize(const struct spec *spec, size_t *len);

#endif
