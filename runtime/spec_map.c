// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * spec_map: the ID maps a mount of config.json asks for, in the three
 * forms runc and crun know (spec.c says what each runtime does and what we
 * chose): the mount's uidMappings/gidMappings, the container's
 * linux.uidMappings/gidMappings for a bare idmap/ridmap option, and crun's
 * "idmap=uids=...;gids=..." option.  Every map is checked as the kernel
 * checks a write to uid_map (mapper/idmap.c), so that the uidmapfs mount
 * made from it cannot fail on the map.
 *
 * crun's option grammar (src/libcrun/linux.c, parse_idmapped_mount_option()
 * and maybe_create_userns_for_idmapped_mount(); crun.1 "idmap mount
 * options"):
 *   idmap[=VALUE] | ridmap[=VALUE]        (empty VALUE: as without '=')
 *   VALUE   = PART *( ";" PART )          (empty parts skipped: strtok_r)
 *   PART    = "uids=" MAP | "gids=" MAP
 *   MAP     = TRIPLET *( "#" TRIPLET )
 *   TRIPLET = [ "@" ] fs-id "-" host-id "-" size
 * Each triplet is written as "fs-id host-id size" into the uid_map (gid_map)
 * of a new user namespace, the same order as a mount's {containerID,
 * hostID, size}: on-disk id fs-id shows as host-id.  '@': host-id is an id
 * of the container's user namespace; crun finds the linux.uidMappings
 * (gidMappings) extent that holds it and adds that extent's hostID -
 * containerID, looking up only the first id of the range.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec_internal.h"

/* One extent as text: "4294967295:4294967295:4294967295:". */
#define SPEC_EXTENT_TEXT 33

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* An OCI LinuxIDMapping field: an integer from 0 to 4294967295. */
static int get_u32(struct json_object *obj, const char *key, uint32_t *v,
		   const char *name, const char *what, size_t i, char *err,
		   size_t errlen)
{
	struct json_object *val;
	int ret = spec_get_member(obj, key, json_type_int, &val);
	int64_t x;

	if (ret) {
		spec_set_err(err, errlen, "%s: %s[%zu].%s is %s", name, what, i,
			     key, ret > 0 ? "missing" : "not an integer");
		return -EINVAL;
	}
	/* A uint64 above INT64_MAX reads as INT64_MAX: out of range too. */
	x = json_object_get_int64(val);
	if (x < 0 || x > UINT32_MAX) {
		spec_set_err(err, errlen,
			     "%s: %s[%zu].%s is not in 0..4294967295", name,
			     what, i, key);
		return -EINVAL;
	}
	*v = (uint32_t)x;
	return 0;
}

/*
 * Read an array of {containerID, hostID, size} (@what names it, e.g.
 * "uidMappings" or "linux.uidMappings") into @ms, unvalidated.
 */
static int read_oci_map(struct spec_map *ms, struct json_object *arr,
			const char *name, const char *what, char *err,
			size_t errlen)
{
	size_t n = json_object_array_length(arr);

	if (n == 0 || n > IDMAP_MAX_EXTENTS) {
		spec_set_err(err, errlen, "%s: %s has %zu extents, not 1 to %d",
			     name, what, n, IDMAP_MAX_EXTENTS);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		struct idmap_extent *x = &ms->ext[i];

		if (!json_object_is_type(e, json_type_object)) {
			spec_set_err(err, errlen,
				     "%s: %s[%zu] is not an object", name, what,
				     i);
			return -EINVAL;
		}
		if (get_u32(e, "containerID", &x->inside, name, what, i, err,
			    errlen) ||
		    get_u32(e, "hostID", &x->outside, name, what, i, err,
			    errlen) ||
		    get_u32(e, "size", &x->count, name, what, i, err, errlen))
			return -EINVAL;
	}
	ms->nr = (uint32_t)n;
	return 0;
}

/* Validate @ms as the kernel validates a uid_map write. */
static int check_map(struct spec_map *ms, const char *name, const char *what,
		     char *err, size_t errlen)
{
	char why[IDMAP_ERR_LEN];

	if (idmap_from_extents(&ms->map, ms->ext, ms->nr, why, sizeof(why))) {
		spec_set_err(err, errlen, "%s: %s: %s", name, what, why);
		return -EINVAL;
	}
	return 0;
}

char *spec_map_format(const struct spec_map *ms)
{
	char *text = malloc((size_t)ms->nr * SPEC_EXTENT_TEXT + 1);
	size_t o = 0;

	if (!text)
		return NULL;
	for (uint32_t i = 0; i < ms->nr; i++)
		o += (size_t)snprintf(text + o, SPEC_EXTENT_TEXT + 1,
				      "%s%u:%u:%u", i ? ":" : "",
				      ms->ext[i].inside, ms->ext[i].outside,
				      ms->ext[i].count);
	return text;
}

/*
 * linux.uidMappings or linux.gidMappings (@key) of @root, read into @ms:
 * 0, 1 if the spec has none, -EINVAL with a message naming @name.
 */
static int read_linux_map(struct spec_map *ms, struct json_object *root,
			  const char *key, const char *name, char *err,
			  size_t errlen)
{
	struct json_object *linux_obj, *arr = NULL;
	char what[32];

	snprintf(what, sizeof(what), "linux.%s", key);
	if (spec_get_member(root, "linux", json_type_object, &linux_obj) < 0 ||
	    (linux_obj &&
	     spec_get_member(linux_obj, key, json_type_array, &arr) < 0)) {
		spec_set_err(err, errlen, "%s: %s is not an array in an object",
			     name, what);
		return -EINVAL;
	}
	if (!linux_obj || !arr)
		return 1;
	return read_oci_map(ms, arr, name, what, err, errlen);
}

/* Decimal digits at *@p worth at most 4294967295 (leading zeros are
 * fine, as in idmap_parse() and the kernel's uid_map). */
static bool parse_u32(const char **p, uint32_t *v)
{
	uint64_t x = 0;
	const char *s = *p;

	while (is_digit(*s) && x <= UINT32_MAX)
		x = x * 10 + (uint64_t)(*s++ - '0');
	if (s == *p || x > UINT32_MAX)
		return false;
	*v = (uint32_t)x;
	*p = s;
	return true;
}

/*
 * A relative ('@') crun triplet gives its host id as an id of the
 * container's user namespace: find the linux.*Mappings extent holding it
 * and turn it into the host id, as crun does; like crun, only the first
 * id of the range is looked up ("the caller's responsibility").
 */
static int crun_relative(uint32_t *host, const struct spec_map *lin,
			 const char *name, const char *what, char *err,
			 size_t errlen)
{
	for (uint32_t i = 0; i < lin->nr; i++) {
		const struct idmap_extent *e = &lin->ext[i];

		if (*host < e->inside || *host - e->inside >= e->count)
			continue;
		/* @lin is validated: its outside range ends by 4294967294. */
		*host = *host - e->inside + e->outside;
		return 0;
	}
	spec_set_err(err, errlen,
		     "%s: idmap option: %s: @%u is not mapped by linux.%s",
		     name, what, *host,
		     what[0] == 'u' ? "uidMappings" : "gidMappings");
	return -EINVAL;
}

/*
 * crun's map syntax after "uids=" or "gids=" (@what): triplets
 * "[@]fs-host-size" joined by '#', decimal numbers.  crun reads them with
 * strtol and also takes blanks, signs, a leading '#' or a missing '-';
 * only the documented form is accepted here.  @lin: the container's
 * linux.*Mappings for '@' triplets, or NULL if the spec has none.
 */
static int parse_crun_map(struct spec_map *ms, const char *text, size_t len,
			  const struct spec_map *lin, const char *name,
			  const char *what, char *err, size_t errlen)
{
	const char *p = text, *end = text + len;

	ms->nr = 0;
	while (p < end) {
		struct idmap_extent *x = &ms->ext[ms->nr];
		bool relative = *p == '@';

		if (ms->nr == IDMAP_MAX_EXTENTS) {
			spec_set_err(
				err, errlen,
				"%s: idmap option: %s: more than %d extents",
				name, what, IDMAP_MAX_EXTENTS);
			return -EINVAL;
		}
		p += relative;
		if (!parse_u32(&p, &x->inside) || *p++ != '-' ||
		    !parse_u32(&p, &x->outside) || *p++ != '-' ||
		    !parse_u32(&p, &x->count) || (p < end && *p != '#') ||
		    (p < end && ++p == end)) {
			spec_set_err(
				err, errlen,
				"%s: idmap option: %s: not [@]fs-host-size triplets joined by '#'",
				name, what);
			return -EINVAL;
		}
		if (relative && !lin) {
			spec_set_err(
				err, errlen,
				"%s: idmap option: %s: relative (@) map but the spec has no linux.%s",
				name, what,
				what[0] == 'u' ? "uidMappings" : "gidMappings");
			return -EINVAL;
		}
		if (relative &&
		    crun_relative(&x->outside, lin, name, what, err, errlen))
			return -EINVAL;
		ms->nr++;
	}
	return 0;
}

/*
 * crun's "idmap=uids=...;gids=..." value @value into @mm: ';'-separated
 * (empty parts skipped, as crun's strtok_r does), each "uids=" or "gids="
 * once, both needed.
 */
static int read_crun_option(struct spec_maps *mm, struct json_object *root,
			    const char *value, const char *name, char *err,
			    size_t errlen)
{
	bool seen[2] = { false, false };

	while (*value) {
		size_t len = strcspn(value, ";");
		int kind = !strncmp(value, "uids=", 5)	 ? 0
			   : !strncmp(value, "gids=", 5) ? 1
							 : -1;
		struct spec_map *ms = kind ? &mm->gid : &mm->uid;
		const char *what = kind ? "gids" : "uids";
		int ret;

		if (len == 0) {
			value++;
			continue;
		}
		if (kind < 0) {
			spec_set_err(
				err, errlen,
				"%s: idmap option: only uids= and gids= are known",
				name);
			return -EINVAL;
		}
		if (seen[kind]) {
			spec_set_err(err, errlen, "%s: idmap option: %s= twice",
				     name, what);
			return -EINVAL;
		}
		seen[kind] = true;
		ret = read_linux_map(&mm->lin, root,
				     kind ? "gidMappings" : "uidMappings", name,
				     err, errlen);
		if (!ret)
			ret = check_map(&mm->lin, name,
					kind ? "linux.gidMappings"
					     : "linux.uidMappings",
					err, errlen);
		if (ret < 0)
			return ret;
		ret = parse_crun_map(ms, value + 5, len - 5,
				     ret ? NULL : &mm->lin, name, what, err,
				     errlen);
		if (ret)
			return ret;
		value += len;
	}
	if (!seen[0] || !seen[1]) {
		spec_set_err(
			err, errlen,
			"%s: idmap option gives no %s= (crun then maps no %s at all, which uidmapfs cannot express)",
			name, seen[0] ? "gids" : "uids",
			seen[0] ? "gid" : "uid");
		return -EINVAL;
	}
	return 0;
}

/* The maps @req asks for, unvalidated. */
static int read_maps(struct spec_maps *mm, const struct spec_mount_request *req,
		     struct json_object *root, char *err, size_t errlen)
{
	const char *value;
	int ret;

	if (req->uidmappings || req->gidmappings) {
		if (!req->uidmappings || !req->gidmappings) {
			spec_set_err(
				err, errlen,
				"%s: %s without %s (runc and crun need both)",
				req->name,
				req->uidmappings ? "uidMappings"
						 : "gidMappings",
				req->uidmappings ? "gidMappings"
						 : "uidMappings");
			return -EINVAL;
		}
		if (read_oci_map(&mm->uid, req->uidmappings, req->name,
				 "uidMappings", err, errlen) ||
		    read_oci_map(&mm->gid, req->gidmappings, req->name,
				 "gidMappings", err, errlen))
			return -EINVAL;
		return 0;
	}
	value = strchr(req->idmap_option, '=');
	if (value && value[1])
		return read_crun_option(mm, root, value + 1, req->name, err,
					errlen);
	ret = read_linux_map(&mm->uid, root, "uidMappings", req->name, err,
			     errlen);
	if (!ret)
		ret = read_linux_map(&mm->gid, root, "gidMappings", req->name,
				     err, errlen);
	if (ret > 0)
		spec_set_err(err, errlen,
			     "%s: idmap option but the spec has no linux.%s",
			     req->name,
			     mm->uid.nr ? "gidMappings" : "uidMappings");
	return ret ? -EINVAL : 0;
}

int spec_maps_read(struct spec_maps *mm, const struct spec_mount_request *req,
		   struct json_object *root, char *err, size_t errlen)
{
	memset(mm, 0, sizeof(*mm));
	if (read_maps(mm, req, root, err, errlen) ||
	    check_map(&mm->uid, req->name, "uid map", err, errlen) ||
	    check_map(&mm->gid, req->name, "gid map", err, errlen))
		return -EINVAL;
	return 0;
}
