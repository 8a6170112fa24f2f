// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * spec_write: a json-c tree as compact JSON text.
 *
 * Why not json_object_to_json_string_ext(): json-c 0.16's serialiser
 * ignores a failed append to its buffer (json_object.c,
 * json_object_object_to_json_string() calls printbuf_strappend() without
 * looking at the result), so when memory runs short it returns a shorter,
 * often still valid, text: a member name gone, a ':' missing.  A wrapper
 * that writes that as config.json hands the runtime a different container.
 * tests/unit/test_spec_nomem.c caught it.  This writer checks every
 * append and fails whole.  It writes what json-c writes with
 * JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE (the fixtures'
 * round trip proves it byte for byte): members in their order, '/' plain,
 * control characters escaped, other bytes as they are, integers in full
 * (uint64 included), floating-point numbers in their original text.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec_internal.h"

struct out {
	char *buf;
	size_t len;
	size_t size;
	bool nomem; /* an append failed: the text is incomplete */
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->nomem)
		return;
	if (o->size - o->len <= n) {
		size_t size = o->size ? o->size : 4096;
		char *grown;

		while (size - o->len <= n)
			size *= 2;
		grown = realloc(o->buf, size);
		if (!grown) {
			o->nomem = true;
			return;
		}
		o->buf = grown;
		o->size = size;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void put_str(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* A JSON string of @n bytes, escaped as json-c escapes. */
static void put_string(struct out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	put(o, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7] = { '\\', 0, 0, 0, 0, 0, 0 };
		size_t elen = 2;

		switch (c) {
		case '"':
		case '\\':
			esc[1] = (char)c;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			if (c >= 0x20) {
				run++;
				continue;
			}
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			elen = 6;
		}
		put(o, s + i - run, run);
		run = 0;
		put(o, esc, elen);
	}
	put(o, s + n - run, run);
	put(o, "\"", 1);
}

static void put_value(struct out *o, struct json_object *v);

static void put_object(struct out *o, struct json_object *v)
{
	bool first = true;

	put(o, "{", 1);
	json_object_object_foreach(v, key, val)
	{
		if (!first)
			put(o, ",", 1);
		first = false;
		put_string(o, key, strlen(key));
		put(o, ":", 1);
		put_value(o, val);
	}
	put(o, "}", 1);
}

static void put_array(struct out *o, struct json_object *v)
{
	size_t n = json_object_array_length(v);

	put(o, "[", 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			put(o, ",", 1);
		put_value(o, json_object_array_get_idx(v, i));
	}
	put(o, "]", 1);
}

/*
 * An integer: json-c reads a uint64 above INT64_MAX back as INT64_MAX
 * through json_object_get_int64(), so that one value asks for the uint64.
 */
static void put_int(struct out *o, struct json_object *v)
{
	char num[24];
	int64_t i = json_object_get_int64(v);

	if (i == INT64_MAX)
		snprintf(num, sizeof(num), "%" PRIu64,
			 json_object_get_uint64(v));
	else
		snprintf(num, sizeof(num), "%" PRId64, i);
	put_str(o, num);
}

/*
 * A floating-point number as it was written: json-c keeps the parsed text
 * (json_object_new_double_s()) and hands it back as the number's string.
 * That goes through a buffer of json-c's own, which comes back empty when
 * memory runs out.
 */
static void put_double(struct out *o, struct json_object *v)
{
	const char *text = json_object_get_string(v);

	if (!text || !*text)
		o->nomem = true;
	else
		put_str(o, text);
}

/* Depth is bounded by the parser's (SPEC_MAX_DEPTH in spec.c). */
static void put_value(struct out *o, struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		put_str(o, "null");
		break;
	case json_type_boolean:
		put_str(o, json_object_get_boolean(v) ? "true" : "false");
		break;
	case json_type_int:
		put_int(o, v);
		break;
	case json_type_double:
		put_double(o, v);
		break;
	case json_type_string:
		put_string(o, json_object_get_string(v),
			   (size_t)json_object_get_string_len(v));
		break;
	case json_type_array:
		put_array(o, v);
		break;
	case json_type_object:
		put_object(o, v);
		break;
	}
}

char *spec_json_write(struct json_object *root, size_t *len)
{
	struct out o = { NULL, 0, 0, false };

	put_value(&o, root);
	if (o.nomem) {
		free(o.buf);
		return NULL;
	}
	if (len)
		*len = o.len;
	return o.buf;
}
