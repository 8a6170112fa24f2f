/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the three files of the spec module share (not for other modules):
 * spec.c reads the mounts and rewrites them, spec_map.c reads the ID maps
 * a mount asks for, spec_write.c writes the JSON text.  Same conventions
 * as spec.h: pure, 0 / -errno, one-line messages in @err.
 */
#ifndef UIDMAPFS_SPEC_INTERNAL_H
#define UIDMAPFS_SPEC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "idmap.h"

/* One ID map: its extents in the spec's order, and the validated map. */
struct spec_map {
	struct idmap_extent ext[IDMAP_MAX_EXTENTS];
	uint32_t nr;
	struct idmap map;
};

/* The maps of one mount, and room for the container's own map. */
struct spec_maps {
	struct spec_map uid, gid, lin;
};

/* What a mount asks for, as spec.c found it in the mount. */
struct spec_mount_request {
	const char *name;		 /* "mount /data", for messages */
	struct json_object *uidmappings; /* the mount's, NULL if none */
	struct json_object *gidmappings;
	const char *idmap_option; /* "idmap", "ridmap=uids=...", or NULL */
};

/* snprintf() into @err (if not NULL and @errlen > 0). */
__attribute__((format(printf, 3, 4))) void
spec_set_err(char *err, size_t errlen, const char *fmt, ...);

/*
 * Member @key of @obj: 0 and *@val if present and not null, 1 (*@val
 * NULL) if absent or null, -EINVAL if present with another type than @type.
 */
int spec_get_member(struct json_object *obj, const char *key,
		    enum json_type type, struct json_object **val);

/*
 * The uid and gid maps @req asks for, read from the mount, from its crun
 * option or from @root's linux.uidMappings/gidMappings, into @mm->uid and
 * @mm->gid, validated as the kernel validates a uid_map.  0 or -EINVAL
 * with a message naming req->name.  @mm is scratch space (~37 KiB).
 */
int spec_maps_read(struct spec_maps *mm, const struct spec_mount_request *req,
		   struct json_object *root, char *err, size_t errlen);

/* @m in uidmapfs's "inside:outside:count[:...]" syntax, malloc'd; NULL on
 * ENOMEM. */
char *spec_map_format(const struct spec_map *m);

/*
 * @root as compact JSON text, malloc'd, NUL-terminated, *@len (if not
 * NULL) its length; NULL on ENOMEM.
 */
char *spec_json_write(struct json_object *root, size_t *len);

#endif
