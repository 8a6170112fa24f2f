// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * spec: read config.json, find the mounts that ask for an ID-mapping, and
 * rewrite them to take a uidmapfs mount as their source.
 *
 * Why json-c (Debian libjson-c-dev 0.16) and not a smaller parser: the
 * rewritten config.json must keep everything we do not touch in meaning,
 * including fields we have never heard of, and json-c
 *  - keeps the members of an object in their parsed order on output;
 *  - keeps the original text of a floating-point number ("1.50", "1e400")
 *    and writes it back unchanged;
 *  - holds every integer from INT64_MIN to UINT64_MAX exactly;
 *  - tells where a parse failed (json_tokener_get_parse_end()), so that
 *    the error names a line;
 *  - can write '/' unescaped (JSON_C_TO_STRING_NOSLASHESCAPE), so paths
 *    stay readable.
 * tests/unit/test_spec.c proves each of these.  Where json-c is more
 * lenient than JSON (its "strict" mode still takes 'single quotes', NaN,
 * raw control characters in strings, \v as blank) or silently clamps an
 * integer beyond the 64-bit range, token_check() below refuses the text,
 * so every spec we accept means to us what it means to runc (Go) and crun.
 * json-c seeds its string hash once per process (getrandom or
 * /dev/urandom, json-c's random_seed.c): the only system call behind this
 * module apart from memory allocation.
 *
 * What runc (1.2+, libcontainer/specconv) and crun (src/libcrun/linux.c)
 * do, and what we chose:
 *  - A mount is a bind mount when its options hold "bind" or "rbind"
 *    (both runtimes look at the options only, never at "type").  runc
 *    refuses an ID-mapping on any other mount; crun ID-maps a fresh mount
 *    of that type (fsopen + mount_setattr, e.g. tmpfs).  uidmapfs needs a
 *    source directory, so non-bind mounts are not reported and the real
 *    runtime does (or refuses) what it does.
 *  - Mount "uidMappings" without "gidMappings" or the reverse: the
 *    runtime-spec says both MUST be given; runc ("id-mapped mounts must
 *    have both uid and gid mappings specified") and crun ("invalid
 *    mappings specified for the mount") refuse it; so do we.  An empty
 *    array is refused as runc refuses it; null counts as absent, as in Go.
 *  - The mount's own mappings win over any idmap option, as the
 *    runtime-spec requires and crun does (crun then ignores an
 *    "idmap=uids=..." value).
 *  - "idmap"/"ridmap" alone take linux.uidMappings and linux.gidMappings.
 *    Without them (no user namespace, or one joined by path, whose map a
 *    pure function cannot read) it is an error, as the runtime-spec says.
 *  - crun matches any option that starts with "idmap"/"ridmap" and uses
 *    the first; runc matches "idmap"/"ridmap" exactly and the last wins.
 *    We accept "idmap", "ridmap", "idmap=..." and "ridmap=..." and refuse
 *    any other option starting so, and more than one of them.
 *  - crun's "idmap=uids=...;gids=..." (see parse_crun_map()): crun writes
 *    each triplet "fs-host-size" to the uid_map/gid_map of a fresh user
 *    namespace as "fs host size", the same order as a mount's uidMappings
 *    {containerID, hostID, size}: no inversion.  With only one of uids= /
 *    gids=, crun leaves the other map of that namespace empty, so every id
 *    of that kind is unmapped; uidmapfs cannot express an empty map, so
 *    that is refused.
 *  - recursive is "rbind".  The kernel ID-maps an rbind's submounts only
 *    with ridmap; a uidmapfs mount shows its source's submounts mapped.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "idmap.h"
#include "spec.h"

/* Nesting depth json-c may reach: OCI specs need about 8 levels. */
#define SPEC_MAX_DEPTH 64

/* Room for "mount <destination, escaped and cut>" or "mounts[N]". */
#define SPEC_NAME_LEN 96

/* One extent as text: "4294967295:4294967295:4294967295:". */
#define SPEC_EXTENT_TEXT 33

struct spec {
	struct json_object *root;
};

/* What spec_idmounts() needs while it looks at one mount. */
struct mount_view {
	size_t index;
	/* The mount as error messages name it. */
	char name[SPEC_NAME_LEN];
	struct json_object *obj;
	const char *destination;
	const char *source;		 /* NULL if absent */
	struct json_object *uidmappings; /* NULL if absent or null */
	struct json_object *gidmappings;
	const char *idmap_option; /* the idmap/ridmap option, or NULL */
	bool bind;
	bool rbind;
};

/* Scratch room for one map: its extents and the validated map. */
struct map_scratch {
	struct idmap_extent ext[IDMAP_MAX_EXTENTS];
	uint32_t nr;
	struct idmap map;
};

__attribute__((format(printf, 3, 4))) static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Copy untrusted text into @out for a message: printable ASCII stays,
 * every other byte becomes \xNN, so that a message stays one line; cut
 * with "..." when it does not fit.
 */
static void printable(char *out, size_t outlen, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	/* Keep room for one escape (4), "..." (3) and the NUL. */
	for (; *p && o + 8 < outlen; p++) {
		if (*p >= 0x20 && *p < 0x7f)
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x",
					      *p);
	}
	if (*p)
		o += (size_t)snprintf(out + o, outlen - o, "...");
	out[o] = '\0';
}

static size_t line_of(const char *text, size_t offset)
{
	size_t line = 1;

	for (size_t i = 0; i < offset; i++)
		line += text[i] == '\n';
	return line;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * @i is just past the opening quote of a string json-c accepted; return
 * the offset just past its closing quote, or 0 if it holds a raw control
 * character (JSON wants those escaped; json-c takes them).
 */
static size_t skip_string(const char *text, size_t len, size_t i)
{
	while (i < len && text[i] != '"') {
		if ((unsigned char)text[i] < 0x20)
			return 0;
		i += text[i] == '\\' ? 2 : 1;
	}
	return i + 1;
}

/*
 * @i is at the start of a number json-c accepted; return the offset past
 * it, or 0 if it is an integer outside [INT64_MIN, UINT64_MAX], which
 * json-c would clamp.  JSON forbids leading zeros (json-c too), so the
 * number of digits and then their order decide.
 */
static size_t skip_number(const char *text, size_t len, size_t i)
{
	bool neg = text[i] == '-';
	const char *limit =
		neg ? "9223372036854775808" : "18446744073709551615";
	size_t start = i + neg, ndig;

	i = start;
	while (i < len && is_digit(text[i]))
		i++;
	ndig = i - start;
	if (i < len && text[i] && strchr(".eE", text[i])) {
		while (i < len && text[i] && strchr("0123456789.eE+-", text[i]))
			i++;
		return i;
	}
	if (ndig > strlen(limit) ||
	    (ndig == strlen(limit) && memcmp(text + start, limit, ndig) > 0))
		return 0;
	return i;
}

/*
 * Refuse what json-c's strict mode still accepts but JSON does not, by
 * looking at every token of a text json-c parsed: only JSON blanks,
 * punctuation, strings, numbers and the words true, false and null.
 */
static int token_check(const char *text, size_t len, char *err, size_t errlen)
{
	static const char *const words[] = { "true", "false", "null" };
	size_t i = 0, next;

	while (i < len) {
		char c = text[i];

		next = 0;
		if (c == '"') {
			next = skip_string(text, len, i + 1);
			if (!next) {
				set_err(err, errlen,
					"config.json: line %zu: control character in a string",
					line_of(text, i));
				return -EINVAL;
			}
		} else if (c == '-' || is_digit(c)) {
			next = skip_number(text, len, i);
			if (!next) {
				set_err(err, errlen,
					"config.json: line %zu: integer out of the 64-bit range",
					line_of(text, i));
				return -EINVAL;
			}
		} else if (c && strchr(" \t\n\r{}[]:,", c)) {
			next = i + 1;
		} else {
			for (size_t w = 0; w < 3; w++) {
				size_t wl = strlen(words[w]);

				if (len - i >= wl &&
				    !memcmp(text + i, words[w], wl))
					next = i + wl;
			}
			if (!next) {
				set_err(err, errlen,
					"config.json: line %zu: not JSON (byte 0x%02x)",
					line_of(text, i), (unsigned char)c);
				return -EINVAL;
			}
		}
		i = next;
	}
	return 0;
}

int spec_parse(const char *text, size_t len, struct spec **out, char *err,
	       size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *root;
	enum json_tokener_error jerr;
	size_t end;
	int ret;

	*out = NULL;
	if (len > INT_MAX) {
		set_err(err, errlen, "config.json: larger than %d bytes",
			INT_MAX);
		return -EINVAL;
	}
	if (!text)
		text = "";
	tok = json_tokener_new_ex(SPEC_MAX_DEPTH);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
					    JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);

	/* json-c 0.16 has no error code for ENOMEM: it shows as a parse error.
	 */
	ret = -EINVAL;
	if (jerr == json_tokener_continue) {
		set_err(err, errlen, "config.json: line %zu: unexpected end",
			line_of(text, len));
		goto out_put_root;
	}
	if (jerr != json_tokener_success) {
		set_err(err, errlen, "config.json: line %zu: %s",
			line_of(text, end), json_tokener_error_desc(jerr));
		goto out_put_root;
	}
	if (end != len) {
		set_err(err, errlen,
			"config.json: line %zu: data after the JSON value",
			line_of(text, end));
		goto out_put_root;
	}
	ret = token_check(text, len, err, errlen);
	if (ret)
		goto out_put_root;
	if (!json_object_is_type(root, json_type_object)) {
		set_err(err, errlen, "config.json: not a JSON object");
		ret = -EINVAL;
		goto out_put_root;
	}
	*out = malloc(sizeof(**out));
	if (!*out) {
		ret = -ENOMEM;
		goto out_put_root;
	}
	(*out)->root = root;
	return 0;

out_put_root:
	json_object_put(root);
	return ret;
}

void spec_free(struct spec *spec)
{
	if (!spec)
		return;
	json_object_put(spec->root);
	free(spec);
}

/*
 * Member @key of @obj: 0 and *@val if present and not null, 1 (*@val
 * NULL) if absent or null, -EINVAL if present with another type than @type.
 */
static int get_member(struct json_object *obj, const char *key,
		      enum json_type type, struct json_object **val)
{
	*val = NULL;
	if (!json_object_object_get_ex(obj, key, val) ||
	    json_object_is_type(*val, json_type_null)) {
		*val = NULL;
		return 1;
	}
	if (!json_object_is_type(*val, type))
		return -EINVAL;
	return 0;
}

/* A JSON string as a C string, or NULL if it holds a NUL byte. */
static const char *c_string(struct json_object *str)
{
	const char *s = json_object_get_string(str);

	if (strlen(s) != (size_t)json_object_get_string_len(str))
		return NULL;
	return s;
}

/*
 * String member @key of the mount in @mv: 0 and *@s, 1 if absent or null,
 * -EINVAL (with a message) if not a string or holding a NUL byte.
 */
static int mount_string(const struct mount_view *mv, const char *key,
			const char **s, char *err, size_t errlen)
{
	struct json_object *val;
	int ret = get_member(mv->obj, key, json_type_string, &val);

	*s = NULL;
	if (ret < 0) {
		set_err(err, errlen, "%s: %s is not a string", mv->name, key);
		return ret;
	}
	if (ret > 0)
		return 1;
	*s = c_string(val);
	if (!*s) {
		set_err(err, errlen, "%s: %s holds a NUL byte", mv->name, key);
		return -EINVAL;
	}
	return 0;
}

/* 1 for idmap[=...], 2 for ridmap[=...], 0 for other options, -1 for
 * other options that start with "idmap" or "ridmap". */
static int idmap_option_kind(const char *opt)
{
	const char *rest;
	int kind;

	if (!strncmp(opt, "idmap", 5)) {
		rest = opt + 5;
		kind = 1;
	} else if (!strncmp(opt, "ridmap", 6)) {
		rest = opt + 6;
		kind = 2;
	} else {
		return 0;
	}
	return *rest == '\0' || *rest == '=' ? kind : -1;
}

/* Check the options array of @mv and note bind, rbind and idmap. */
static int read_options(struct mount_view *mv, struct json_object *opts,
			char *err, size_t errlen)
{
	size_t n = json_object_array_length(opts);

	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(opts, i);
		const char *s = NULL;
		int kind;

		if (json_object_is_type(o, json_type_string))
			s = c_string(o);
		if (!s) {
			set_err(err, errlen,
				"%s: options[%zu] is not a string without NUL",
				mv->name, i);
			return -EINVAL;
		}
		if (!strcmp(s, "bind") || !strcmp(s, "rbind")) {
			mv->bind = true;
			mv->rbind = mv->rbind || s[0] == 'r';
		}
		kind = idmap_option_kind(s);
		if (kind < 0) {
			char shown[48];

			printable(shown, sizeof(shown), s);
			set_err(err, errlen,
				"%s: option '%s' is none of idmap, ridmap, idmap=..., ridmap=...",
				mv->name, shown);
			return -EINVAL;
		}
		if (kind > 0 && mv->idmap_option) {
			set_err(err, errlen,
				"%s: more than one idmap/ridmap option",
				mv->name);
			return -EINVAL;
		}
		if (kind > 0)
			mv->idmap_option = s;
	}
	return 0;
}

/* Fill @mv from mount @index, checking the members we read. */
static int read_mount(struct mount_view *mv, struct json_object *mounts,
		      size_t index, char *err, size_t errlen)
{
	struct json_object *opts;
	const char *type;
	int ret;

	memset(mv, 0, sizeof(*mv));
	mv->index = index;
	mv->obj = json_object_array_get_idx(mounts, index);
	snprintf(mv->name, sizeof(mv->name), "mounts[%zu]", index);
	if (!json_object_is_type(mv->obj, json_type_object)) {
		set_err(err, errlen, "%s: not an object", mv->name);
		return -EINVAL;
	}
	ret = mount_string(mv, "destination", &mv->destination, err, errlen);
	if (ret > 0)
		set_err(err, errlen, "%s: no destination", mv->name);
	if (ret)
		return -EINVAL;
	memcpy(mv->name, "mount ", 6);
	printable(mv->name + 6, sizeof(mv->name) - 6, mv->destination);

	if (mount_string(mv, "source", &mv->source, err, errlen) < 0 ||
	    mount_string(mv, "type", &type, err, errlen) < 0)
		return -EINVAL;
	ret = get_member(mv->obj, "options", json_type_array, &opts);
	if (ret < 0) {
		set_err(err, errlen, "%s: options is not an array", mv->name);
		return ret;
	}
	if (opts && read_options(mv, opts, err, errlen))
		return -EINVAL;
	if (get_member(mv->obj, "uidMappings", json_type_array,
		       &mv->uidmappings) < 0 ||
	    get_member(mv->obj, "gidMappings", json_type_array,
		       &mv->gidmappings) < 0) {
		set_err(err, errlen,
			"%s: uidMappings or gidMappings is not an array",
			mv->name);
		return -EINVAL;
	}
	return 0;
}

/* An OCI LinuxIDMapping field: an integer from 0 to 4294967295. */
static int get_u32(struct json_object *obj, const char *key, uint32_t *v,
		   const char *name, const char *what, size_t i, char *err,
		   size_t errlen)
{
	struct json_object *val;
	int ret = get_member(obj, key, json_type_int, &val);
	int64_t x;

	if (ret) {
		set_err(err, errlen, "%s: %s[%zu].%s is %s", name, what, i, key,
			ret > 0 ? "missing" : "not an integer");
		return -EINVAL;
	}
	/* A uint64 above INT64_MAX reads as INT64_MAX: out of range too. */
	x = json_object_get_int64(val);
	if (x < 0 || x > UINT32_MAX) {
		set_err(err, errlen, "%s: %s[%zu].%s is not in 0..4294967295",
			name, what, i, key);
		return -EINVAL;
	}
	*v = (uint32_t)x;
	return 0;
}

/*
 * Read an array of {containerID, hostID, size} (@what names it, e.g.
 * "uidMappings" or "linux.uidMappings") into @ms, unvalidated.
 */
static int read_oci_map(struct map_scratch *ms, struct json_object *arr,
			const char *name, const char *what, char *err,
			size_t errlen)
{
	size_t n = json_object_array_length(arr);

	if (n == 0 || n > IDMAP_MAX_EXTENTS) {
		set_err(err, errlen, "%s: %s has %zu extents, not 1 to %d",
			name, what, n, IDMAP_MAX_EXTENTS);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		struct idmap_extent *x = &ms->ext[i];

		if (!json_object_is_type(e, json_type_object)) {
			set_err(err, errlen, "%s: %s[%zu] is not an object",
				name, what, i);
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
static int check_map(struct map_scratch *ms, const char *name, const char *what,
		     char *err, size_t errlen)
{
	char why[IDMAP_ERR_LEN];

	if (idmap_from_extents(&ms->map, ms->ext, ms->nr, why, sizeof(why))) {
		set_err(err, errlen, "%s: %s: %s", name, what, why);
		return -EINVAL;
	}
	return 0;
}

/* @ms in uidmapfs's option syntax, malloc'd; NULL on ENOMEM. */
static char *format_map(const struct map_scratch *ms)
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
static int read_linux_map(struct map_scratch *ms, struct json_object *root,
			  const char *key, const char *name, char *err,
			  size_t errlen)
{
	struct json_object *linux_obj, *arr = NULL;
	char what[32];

	snprintf(what, sizeof(what), "linux.%s", key);
	if (get_member(root, "linux", json_type_object, &linux_obj) < 0 ||
	    (linux_obj &&
	     get_member(linux_obj, key, json_type_array, &arr) < 0)) {
		set_err(err, errlen, "%s: %s is not an array in an object",
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
static int crun_relative(uint32_t *host, const struct map_scratch *lin,
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
	set_err(err, errlen,
		"%s: idmap option: %s: @%u is not mapped by linux.%s", name,
		what, *host, what[0] == 'u' ? "uidMappings" : "gidMappings");
	return -EINVAL;
}

/*
 * crun's map syntax after "uids=" or "gids=" (@what): triplets
 * "[@]fs-host-size" joined by '#', decimal numbers.  crun reads them with
 * strtol and also takes blanks, signs, a leading '#' or a missing '-';
 * only the documented form is accepted here.  @lin: the container's
 * linux.*Mappings for '@' triplets, or NULL if the spec has none.
 */
static int parse_crun_map(struct map_scratch *ms, const char *text, size_t len,
			  const struct map_scratch *lin, const char *name,
			  const char *what, char *err, size_t errlen)
{
	const char *p = text, *end = text + len;

	ms->nr = 0;
	while (p < end) {
		struct idmap_extent *x = &ms->ext[ms->nr];
		bool relative = *p == '@';

		if (ms->nr == IDMAP_MAX_EXTENTS) {
			set_err(err, errlen,
				"%s: idmap option: %s: more than %d extents",
				name, what, IDMAP_MAX_EXTENTS);
			return -EINVAL;
		}
		p += relative;
		if (!parse_u32(&p, &x->inside) || *p++ != '-' ||
		    !parse_u32(&p, &x->outside) || *p++ != '-' ||
		    !parse_u32(&p, &x->count) || (p < end && *p != '#') ||
		    (p < end && ++p == end)) {
			set_err(err, errlen,
				"%s: idmap option: %s: not [@]fs-host-size triplets joined by '#'",
				name, what);
			return -EINVAL;
		}
		if (relative && !lin) {
			set_err(err, errlen,
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

/* The two maps of one mount, text included. */
struct mount_maps {
	struct map_scratch uid, gid, lin;
};

/*
 * crun's "idmap=uids=...;gids=..." value @value into @mm: ';'-separated
 * (empty parts skipped, as crun's strtok_r does), each "uids=" or "gids="
 * once, both needed.
 */
static int read_crun_option(struct mount_maps *mm, struct json_object *root,
			    const char *value, const char *name, char *err,
			    size_t errlen)
{
	bool seen[2] = { false, false };

	while (*value) {
		size_t len = strcspn(value, ";");
		int kind = !strncmp(value, "uids=", 5)	 ? 0
			   : !strncmp(value, "gids=", 5) ? 1
							 : -1;
		struct map_scratch *ms = kind ? &mm->gid : &mm->uid;
		const char *what = kind ? "gids" : "uids";
		int ret;

		if (len == 0) {
			value++;
			continue;
		}
		if (kind < 0) {
			set_err(err, errlen,
				"%s: idmap option: only uids= and gids= are known",
				name);
			return -EINVAL;
		}
		if (seen[kind]) {
			set_err(err, errlen, "%s: idmap option: %s= twice",
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
		set_err(err, errlen,
			"%s: idmap option gives no %s= (crun then maps no %s at all, which uidmapfs cannot express)",
			name, seen[0] ? "gids" : "uids",
			seen[0] ? "gid" : "uid");
		return -EINVAL;
	}
	return 0;
}

/* The maps a mount that asks for an ID-mapping asks for, unvalidated. */
static int read_mount_maps(struct mount_maps *mm, const struct mount_view *mv,
			   struct json_object *root, char *err, size_t errlen)
{
	const char *value;
	int ret;

	if (mv->uidmappings || mv->gidmappings) {
		if (!mv->uidmappings || !mv->gidmappings) {
			set_err(err, errlen,
				"%s: %s without %s (runc and crun need both)",
				mv->name,
				mv->uidmappings ? "uidMappings" : "gidMappings",
				mv->uidmappings ? "gidMappings"
						: "uidMappings");
			return -EINVAL;
		}
		if (read_oci_map(&mm->uid, mv->uidmappings, mv->name,
				 "uidMappings", err, errlen) ||
		    read_oci_map(&mm->gid, mv->gidmappings, mv->name,
				 "gidMappings", err, errlen))
			return -EINVAL;
		return 0;
	}
	value = strchr(mv->idmap_option, '=');
	if (value && value[1])
		return read_crun_option(mm, root, value + 1, mv->name, err,
					errlen);
	ret = read_linux_map(&mm->uid, root, "uidMappings", mv->name, err,
			     errlen);
	if (!ret)
		ret = read_linux_map(&mm->gid, root, "gidMappings", mv->name,
				     err, errlen);
	if (ret > 0)
		set_err(err, errlen,
			"%s: idmap option but the spec has no linux.%s",
			mv->name, mm->uid.nr ? "gidMappings" : "uidMappings");
	return ret ? -EINVAL : 0;
}

/* strdup() is POSIX, not C17. */
static char *dup_string(const char *s)
{
	size_t len = strlen(s) + 1;
	char *copy = malloc(len);

	if (copy)
		memcpy(copy, s, len);
	return copy;
}

/* Fill @im for the ID-mapped bind mount @mv; strings malloc'd. */
static int make_idmount(struct spec_idmount *im, struct mount_maps *mm,
			const struct mount_view *mv, struct json_object *root,
			char *err, size_t errlen)
{
	memset(mm, 0, sizeof(*mm));
	if (read_mount_maps(mm, mv, root, err, errlen) ||
	    check_map(&mm->uid, mv->name, "uid map", err, errlen) ||
	    check_map(&mm->gid, mv->name, "gid map", err, errlen))
		return -EINVAL;
	if (!mv->source) {
		set_err(err, errlen, "%s: no source", mv->name);
		return -EINVAL;
	}
	im->index = mv->index;
	im->recursive = mv->rbind;
	im->destination = dup_string(mv->destination);
	im->source = dup_string(mv->source);
	im->uidmap = format_map(&mm->uid);
	im->gidmap = format_map(&mm->gid);
	if (!im->destination || !im->source || !im->uidmap || !im->gidmap)
		return -ENOMEM;
	return 0;
}

/* "mounts" of @root: 0 and the array, 1 if none, -EINVAL otherwise. */
static int get_mounts(struct json_object *root, struct json_object **mounts,
		      char *err, size_t errlen)
{
	int ret = get_member(root, "mounts", json_type_array, mounts);

	if (ret < 0)
		set_err(err, errlen, "config.json: mounts is not an array");
	return ret;
}

int spec_idmounts(const struct spec *spec, struct spec_idmount **out, size_t *n,
		  char *err, size_t errlen)
{
	struct spec_idmount *list = NULL, *grown;
	struct mount_maps *mm = NULL;
	struct json_object *mounts;
	size_t count = 0, room = 0, len;
	int ret;

	*out = NULL;
	*n = 0;
	ret = get_mounts(spec->root, &mounts, err, errlen);
	if (ret)
		return ret < 0 ? ret : 0;
	len = json_object_array_length(mounts);
	for (size_t i = 0; i < len; i++) {
		struct mount_view mv;

		ret = read_mount(&mv, mounts, i, err, errlen);
		if (ret)
			goto out_free_list;
		if (!mv.bind ||
		    (!mv.uidmappings && !mv.gidmappings && !mv.idmap_option))
			continue;
		if (!mm) {
			mm = malloc(sizeof(*mm));
			if (!mm) {
				ret = -ENOMEM;
				goto out_free_list;
			}
		}
		if (count == room) {
			room = room ? 2 * room : 4;
			grown = realloc(list, room * sizeof(*list));
			if (!grown) {
				ret = -ENOMEM;
				goto out_free_list;
			}
			list = grown;
		}
		memset(&list[count], 0, sizeof(list[count]));
		/* Counted before it is filled: a half-made entry is freed too.
		 */
		count++;
		ret = make_idmount(&list[count - 1], mm, &mv, spec->root, err,
				   errlen);
		if (ret)
			goto out_free_list;
	}
	free(mm);
	*out = list;
	*n = count;
	return 0;

out_free_list:
	free(mm);
	spec_idmounts_free(list, count);
	return ret;
}

void spec_idmounts_free(struct spec_idmount *m, size_t n)
{
	if (!m)
		return;
	for (size_t i = 0; i < n; i++) {
		free(m[i].destination);
		free(m[i].source);
		free(m[i].uidmap);
		free(m[i].gidmap);
	}
	free(m);
}

int spec_redirect_mount(struct spec *spec, size_t index, const char *source,
			char *err, size_t errlen)
{
	struct json_object *mounts, *mount, *opts, *str;
	size_t nopts;
	int ret;

	ret = get_mounts(spec->root, &mounts, err, errlen);
	if (ret < 0)
		return ret;
	if (ret > 0 || index >= json_object_array_length(mounts)) {
		set_err(err, errlen, "config.json: no mounts[%zu]", index);
		return -EINVAL;
	}
	mount = json_object_array_get_idx(mounts, index);
	if (!json_object_is_type(mount, json_type_object)) {
		set_err(err, errlen, "mounts[%zu]: not an object", index);
		return -EINVAL;
	}
	if (!source || !*source) {
		set_err(err, errlen, "mounts[%zu]: new source is empty", index);
		return -EINVAL;
	}
	str = json_object_new_string(source);
	/* json-c replaces the value of an existing key in its place. */
	if (!str || json_object_object_add(mount, "source", str)) {
		json_object_put(str);
		return -ENOMEM;
	}
	json_object_object_del(mount, "uidMappings");
	json_object_object_del(mount, "gidMappings");
	if (get_member(mount, "options", json_type_array, &opts))
		return 0;
	nopts = json_object_array_length(opts);
	for (size_t i = nopts; i-- > 0;) {
		struct json_object *o = json_object_array_get_idx(opts, i);

		if (json_object_is_type(o, json_type_string) &&
		    idmap_option_kind(json_object_get_string(o)) > 0)
			json_object_array_del_idx(opts, i, 1);
	}
	return 0;
}

char *spec_serialize(const struct spec *spec, size_t *len)
{
	const char *text;
	size_t l;
	char *copy;

	text = json_object_to_json_string_length(
		spec->root,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &l);
	if (!text)
		return NULL;
	copy = malloc(l + 1);
	if (!copy)
		return NULL;
	memcpy(copy, text, l + 1);
	if (len)
		*len = l;
	return copy;
}
