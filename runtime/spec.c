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
 * tests/unit/test_spec.c proves each of these (its round-trip rows run
 * json-c's own serialiser too).  Where json-c falls short we step in:
 *  - its "strict" mode still takes 'single quotes', NaN, Infinity, raw
 *    control characters in strings and \v as a blank; it clamps integers
 *    beyond the 64-bit range to the nearest end; it cuts member names at
 *    an escaped NUL.  token_check() below refuses such text, so every spec
 *    we accept means to us what it means to runc (Go) and crun;
 *  - its serialiser ignores failed appends and so returns a shortened
 *    text when memory runs out: spec_write.c writes the text instead, the
 *    same bytes json-c would write, failing whole;
 *  - its 0.16 parser crashes (NULL strdup() result) if an allocation
 *    fails at the wrong moment: a crash before anything is written, which
 *    we cannot fix here (fixed in json-c 0.17).
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
 *  - crun's "idmap=uids=...;gids=..." (grammar in spec_map.c): crun writes
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

#include "spec.h"
#include "spec_internal.h"

/* Nesting depth json-c may reach: OCI specs need about 8 levels. */
#define SPEC_MAX_DEPTH 64

/* Room for "mount <destination, escaped and cut>" or "mounts[N]". */
#define SPEC_NAME_LEN 96

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

void spec_set_err(char *err, size_t errlen, const char *fmt, ...)
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
 * character (JSON wants those escaped; json-c takes them) or, if it is a
 * member name (a ':' follows), the escape \u0000: json-c keeps names as C
 * strings and would cut "a\u0000b" to "a".
 */
static size_t skip_string(const char *text, size_t len, size_t i)
{
	bool nul = false;

	while (i < len && text[i] != '"') {
		if ((unsigned char)text[i] < 0x20)
			return 0;
		if (text[i] == '\\')
			nul = nul ||
			      (len - i >= 6 && !memcmp(text + i, "\\u0000", 6));
		i += text[i] == '\\' ? 2 : 1;
	}
	i++;
	for (size_t j = i; nul && j < len; j++) {
		if (text[j] == ':')
			return 0;
		if (!strchr(" \t\n\r", text[j]))
			break;
	}
	return i;
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
				spec_set_err(
					err, errlen,
					"config.json: line %zu: control character in a string, or NUL in a member name",
					line_of(text, i));
				return -EINVAL;
			}
		} else if (c == '-' || is_digit(c)) {
			next = skip_number(text, len, i);
			if (!next) {
				spec_set_err(
					err, errlen,
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
				spec_set_err(
					err, errlen,
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
		spec_set_err(err, errlen, "config.json: larger than %d bytes",
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

	/* json-c 0.16 has no error code for ENOMEM (see the top). */
	ret = -EINVAL;
	if (jerr == json_tokener_continue) {
		spec_set_err(err, errlen,
			     "config.json: line %zu: unexpected end",
			     line_of(text, len));
		goto out_put_root;
	}
	if (jerr != json_tokener_success) {
		spec_set_err(err, errlen, "config.json: line %zu: %s",
			     line_of(text, end), json_tokener_error_desc(jerr));
		goto out_put_root;
	}
	if (end != len) {
		spec_set_err(err, errlen,
			     "config.json: line %zu: data after the JSON value",
			     line_of(text, end));
		goto out_put_root;
	}
	ret = token_check(text, len, err, errlen);
	if (ret)
		goto out_put_root;
	if (!json_object_is_type(root, json_type_object)) {
		spec_set_err(err, errlen, "config.json: not a JSON object");
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

int spec_get_member(struct json_object *obj, const char *key,
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
	int ret = spec_get_member(mv->obj, key, json_type_string, &val);

	*s = NULL;
	if (ret < 0) {
		spec_set_err(err, errlen, "%s: %s is not a string", mv->name,
			     key);
		return ret;
	}
	if (ret > 0)
		return 1;
	*s = c_string(val);
	if (!*s) {
		spec_set_err(err, errlen, "%s: %s holds a NUL byte", mv->name,
			     key);
		return -EINVAL;
	}
	return 0;
}

/*
 * 1 for the options that ask for an ID-mapping: idmap, ridmap, idmap=...,
 * ridmap=...; -1 for other options that start with "idmap" or "ridmap"
 * (crun would take them for idmap, runc would pass them to mount(2));
 * 0 for the rest.
 */
static int idmap_option_kind(const char *opt)
{
	const char *rest;

	if (!strncmp(opt, "idmap", 5))
		rest = opt + 5;
	else if (!strncmp(opt, "ridmap", 6))
		rest = opt + 6;
	else
		return 0;
	return *rest == '\0' || *rest == '=' ? 1 : -1;
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
			spec_set_err(
				err, errlen,
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
			spec_set_err(
				err, errlen,
				"%s: option '%s' is none of idmap, ridmap, idmap=..., ridmap=...",
				mv->name, shown);
			return -EINVAL;
		}
		if (kind > 0 && mv->idmap_option) {
			spec_set_err(err, errlen,
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
		spec_set_err(err, errlen, "%s: not an object", mv->name);
		return -EINVAL;
	}
	ret = mount_string(mv, "destination", &mv->destination, err, errlen);
	if (ret > 0)
		spec_set_err(err, errlen, "%s: no destination", mv->name);
	if (ret)
		return -EINVAL;
	memcpy(mv->name, "mount ", 6);
	printable(mv->name + 6, sizeof(mv->name) - 6, mv->destination);

	if (mount_string(mv, "source", &mv->source, err, errlen) < 0 ||
	    mount_string(mv, "type", &type, err, errlen) < 0)
		return -EINVAL;
	ret = spec_get_member(mv->obj, "options", json_type_array, &opts);
	if (ret < 0) {
		spec_set_err(err, errlen, "%s: options is not an array",
			     mv->name);
		return ret;
	}
	if (opts && read_options(mv, opts, err, errlen))
		return -EINVAL;
	if (spec_get_member(mv->obj, "uidMappings", json_type_array,
			    &mv->uidmappings) < 0 ||
	    spec_get_member(mv->obj, "gidMappings", json_type_array,
			    &mv->gidmappings) < 0) {
		spec_set_err(err, errlen,
			     "%s: uidMappings or gidMappings is not an array",
			     mv->name);
		return -EINVAL;
	}
	return 0;
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
static int make_idmount(struct spec_idmount *im, struct spec_maps *mm,
			const struct mount_view *mv, struct json_object *root,
			char *err, size_t errlen)
{
	const struct spec_mount_request req = {
		mv->name,
		mv->uidmappings,
		mv->gidmappings,
		mv->idmap_option,
	};

	if (spec_maps_read(mm, &req, root, err, errlen))
		return -EINVAL;
	if (!mv->source) {
		spec_set_err(err, errlen, "%s: no source", mv->name);
		return -EINVAL;
	}
	im->index = mv->index;
	im->recursive = mv->rbind;
	im->destination = dup_string(mv->destination);
	im->source = dup_string(mv->source);
	im->uidmap = spec_map_format(&mm->uid);
	im->gidmap = spec_map_format(&mm->gid);
	if (!im->destination || !im->source || !im->uidmap || !im->gidmap)
		return -ENOMEM;
	return 0;
}

/* "mounts" of @root: 0 and the array, 1 if none, -EINVAL otherwise. */
static int get_mounts(struct json_object *root, struct json_object **mounts,
		      char *err, size_t errlen)
{
	int ret = spec_get_member(root, "mounts", json_type_array, mounts);

	if (ret < 0)
		spec_set_err(err, errlen,
			     "config.json: mounts is not an array");
	return ret;
}

int spec_idmounts(const struct spec *spec, struct spec_idmount **out, size_t *n,
		  char *err, size_t errlen)
{
	struct spec_idmount *list = NULL, *grown;
	struct spec_maps *mm = NULL;
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
		spec_set_err(err, errlen, "config.json: no mounts[%zu]", index);
		return -EINVAL;
	}
	mount = json_object_array_get_idx(mounts, index);
	if (!json_object_is_type(mount, json_type_object)) {
		spec_set_err(err, errlen, "mounts[%zu]: not an object", index);
		return -EINVAL;
	}
	if (!source || !*source) {
		spec_set_err(err, errlen, "mounts[%zu]: new source is empty",
			     index);
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
	if (spec_get_member(mount, "options", json_type_array, &opts))
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
	return spec_json_write(spec->root, len);
}
