// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for runtime/spec.c: which mounts of a config.json ask for an
 * ID-mapping and with which maps, the rewrite of one mount, and the JSON
 * round trip (one mount's every accepted and refused form: test_spec_mounts.c),
 * on specs shaped like those containerd 2.x, CRI-O, podman 4.3 and crun users
 * write (tests/unit/specs/, see its README), and on every malformed input we
 * could think of.
 *
 * The round-trip checks compare bytes: a fixture, minified, must come out
 * of parse + serialise byte for byte; after a redirect, every mount but the
 * changed one and every other member must still serialise identically.
 *
 * Shown to fail when the code is broken (each mutation once, then undone):
 * redirect keeping gidMappings (5 tests fail), '@' triplets not turned
 * into host ids (4), no check of the 64-bit integer range (4), non-bind
 * mounts reported (4), uint64 written through int64 (5), crun option with
 * only uids= accepted (2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "spec.h"
#include "test_spec_util.h"
#include "test_util.h"

/* ---- helpers ---------------------------------------------------------- */

/* @text without blanks outside strings (our fixtures use no escapes that
 * json-c would write differently). */
static char *minify(const char *text)
{
	char *out = malloc(strlen(text) + 1);
	bool in_string = false;
	size_t o = 0;

	assert_non_null(out);
	for (const char *p = text; *p; p++) {
		if (in_string) {
			out[o++] = *p;
			if (*p == '\\')
				out[o++] = *++p;
			else if (*p == '"')
				in_string = false;
		} else if (!strchr(" \t\n\r", *p)) {
			out[o++] = *p;
			in_string = *p == '"';
		}
	}
	out[o] = '\0';
	return out;
}

static char *serialize_ok(const struct spec *spec)
{
	size_t len = 0;
	char *text = spec_serialize(spec, &len);

	assert_non_null(text);
	assert_int_equal(len, strlen(text));
	return text;
}

/* What json-c writes for @o (compact, '/' unescaped), copied. */
static char *json_text(struct json_object *o)
{
	const char *t = json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	char *copy = malloc(strlen(t) + 1);

	assert_non_null(copy);
	strcpy(copy, t);
	return copy;
}

static void assert_same_json(struct json_object *a, struct json_object *b)
{
	char *ta = json_text(a), *tb = json_text(b);

	assert_string_equal(ta, tb);
	free(ta);
	free(tb);
}

/* ---- json-c claims (the reasons spec.c gives for choosing json-c) ---- */

struct roundtrip_case {
	const char *what;
	const char *in;
	const char *out; /* NULL: same as in */
};

static const struct roundtrip_case roundtrip_cases[] = {
	{ "member order kept",
	  "{\"z\":1,\"a\":2,\"m\":{\"y\":[3,{\"b\":1,\"a\":0}],\"b\":2}}",
	  NULL },
	{ "duplicate key: last value, first place (as Go)",
	  "{\"b\":1,\"a\":2,\"b\":3}", "{\"b\":3,\"a\":2}" },
	{ "float text kept",
	  "{\"a\":1.50,\"b\":1e400,\"c\":-0.0,\"d\":0.1000,\"e\":1.0e+2,\"f\":1E-7,\"g\":2.0}",
	  NULL },
	{ "u64 and i64 ends",
	  "{\"u\":18446744073709551615,\"i\":9223372036854775807,\"n\":-9223372036854775808,\"z\":0,\"m\":-1}",
	  NULL },
	{ "slash not escaped", "{\"p\":\"/var/lib/kubelet/pods\"}", NULL },
	{ "escaped slash written plain", "{\"p\":\"\\/x\\/y\"}",
	  "{\"p\":\"/x/y\"}" },
	{ "NUL escape kept", "{\"a\":\"x\\u0000y\"}", NULL },
	{ "every short escape, DEL raw",
	  "{\"a\":\"\\b\\f\\n\\r\\t\\u001f\\u007f\\u0020\"}",
	  "{\"a\":\"\\b\\f\\n\\r\\t\\u001f\x7f \"}" },
	{ "NUL in a value, escaped backslash in a name",
	  "{\"\\\\u0000\":\"\\u0000\"}", NULL },
	{ "control escape kept", "{\"a\":\"\\t\\n\\u0001\\\"\\\\\"}",
	  "{\"a\":\"\\t\\n\\u0001\\\"\\\\\"}" },
	{ "UTF-8 kept, \\u escapes decoded",
	  "{\"a\":\"\xc3\xa9\\u20ac\\ud83d\\ude00\"}",
	  "{\"a\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}" },
	{ "blanks dropped", " {\n\t\"a\" : [ 1 , 2 ] ,\r\n \"b\":{ } } \n",
	  "{\"a\":[1,2],\"b\":{}}" },
	{ "literals", "{\"t\":true,\"f\":false,\"n\":null,\"e\":[],\"o\":{}}",
	  NULL },
	{ "-0 is the integer 0", "{\"a\":-0}", "{\"a\":0}" },
};

/*
 * spec_serialize() (our writer, see runtime/spec_write.c) and json-c's own
 * serialiser (PLAIN | NOSLASHESCAPE) both give the expected text: the
 * claims hold for json-c itself, and our writer writes what json-c would.
 */
static void test_roundtrip(void **state)
{
	const struct roundtrip_case *c = *state;
	const char *want = c->out ? c->out : c->in;
	struct spec *spec = parse_ok(c->in);
	char *out = serialize_ok(spec);
	struct json_object *jc = json_tokener_parse(c->in);
	char *jc_out = json_text(jc);

	assert_string_equal(out, want);
	assert_string_equal(jc_out, want);
	free(jc_out);
	json_object_put(jc);
	free(out);
	spec_free(spec);
}

/* ---- parse errors ----------------------------------------------------- */

struct parse_error_case {
	const char *what;
	const char *text;
	size_t len; /* 0: strlen(text) */
	const char *err;
};

static const struct parse_error_case parse_error_cases[] = {
	{ "empty", "", 0, "config.json: line 1: unexpected end" },
	{ "blank", " \n ", 0, "config.json: line 2: unexpected end" },
	{ "cut", "{\n\"a\": [1,\n", 0, "config.json: line 3: unexpected end" },
	{ "trailing comma", "{\n\"a\":\n1\n,\n}", 0,
	  "config.json: line 5: unexpected character" },
	{ "array", "[1]", 0, "config.json: not a JSON object" },
	{ "string", "\"x\"", 0, "config.json: not a JSON object" },
	{ "number", "17 ", 0, "config.json: not a JSON object" },
	{ "two objects", "{} {}", 0,
	  "config.json: line 1: unexpected character" },
	{ "NUL after", "{}\0", 3,
	  "config.json: line 1: data after the JSON value" },
	{ "NUL inside", "{\"a\":\"x\0y\"}", 11, "config.json: line 1:" },
	{ "single quotes", "{\n'a':1}", 0,
	  "config.json: line 2: not JSON (byte 0x27)" },
	{ "NaN", "{\"a\":NaN}", 0, "not JSON (byte 0x4e)" },
	{ "nan", "{\"a\":nan}", 0, "config.json: line 1:" },
	{ "Infinity", "{\"a\":-Infinity}", 0, "config.json: line 1:" },
	{ "True", "{\"a\":True}", 0, "config.json: line 1: boolean expected" },
	{ "leading zero", "{\"a\":01}", 0, "config.json: line 1:" },
	{ "comment", "/* c */{}", 0, "config.json: line 1:" },
	{ "vertical tab", "\v{}", 0, "config.json: line 1:" },
	{ "raw control char", "{\"a\":\"\x01\"}", 0,
	  "control character in a string" },
	{ "raw newline in string", "{\"a\":\"x\ny\"}", 0,
	  "config.json: line 1: control character in a string" },
	{ "bad UTF-8", "{\"a\":\"\xff\"}", 0,
	  "config.json: line 1: invalid utf-8" },
	{ "u64 + 1", "{\"a\":18446744073709551616}", 0,
	  "config.json: line 1: integer out of the 64-bit range" },
	{ "20 digits", "{\"a\":99999999999999999999}", 0,
	  "integer out of the 64-bit range" },
	{ "i64 - 1", "{\"a\":\n-9223372036854775809}", 0,
	  "config.json: line 2: integer out of the 64-bit range" },
	{ "huge negative", "{\"a\":-123456789012345678901234567890}", 0,
	  "integer out of the 64-bit range" },
	{ "NUL in a member name", "{\"a\\u0000b\" \n :1}", 0,
	  "config.json: line 1: control character in a string, or NUL in a member name" },
	{ "bad escape", "{\"a\":\"\\q\"}", 0, "config.json: line 1:" },
	{ "unquoted key", "{a:1}", 0, "config.json: line 1:" },
};

static void test_parse_error(void **state)
{
	const struct parse_error_case *c = *state;
	size_t len = c->len ? c->len : strlen(c->text);
	char err[SPEC_ERR_LEN] = "";
	struct spec *spec = (struct spec *)1;

	assert_int_equal(spec_parse(c->text, len, &spec, err, sizeof(err)),
			 -EINVAL);
	assert_null(spec);
	if (!strstr(err, c->err))
		fail_msg("error \"%s\" lacks \"%s\"", err, c->err);
	assert_null(strchr(err, '\n'));
}

static void test_parse_odd_arguments(void **state)
{
	char err[SPEC_ERR_LEN];
	struct spec *spec;

	(void)state;
	/* NULL text of length 0, no error buffer: no crash. */
	assert_int_equal(spec_parse(NULL, 0, &spec, NULL, 0), -EINVAL);
	assert_null(spec);
	/* Too large for json-c's int length: refused before reading. */
	assert_int_equal(
		spec_parse("{}", (size_t)INT_MAX + 1, &spec, err, sizeof(err)),
		-EINVAL);
	assert_non_null(strstr(err, "larger than"));
	/* Not NUL-terminated: only @len bytes are read. */
	assert_int_equal(spec_parse("{}xyz", 2, &spec, err, sizeof(err)), 0);
	spec_free(spec);
	/* A short error buffer is cut and terminated. */
	assert_int_equal(spec_parse("[", 1, &spec, err, 8), -EINVAL);
	assert_string_equal(err, "config.");
	spec_free(NULL);
	spec_idmounts_free(NULL, 0);
}

/* Deep and large input: an error or a result, never a crash. */
static void test_parse_deep_and_huge(void **state)
{
	size_t n = 1000000, o;
	char *text = malloc(2 * n + 8);
	char err[SPEC_ERR_LEN];
	struct spec *spec;
	struct spec_idmount *m;
	size_t nm;

	(void)state;
	assert_non_null(text);
	/* One million nested arrays. */
	memset(text, '[', n);
	memset(text + n, ']', n);
	assert_int_equal(spec_parse(text, 2 * n, &spec, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "nesting too deep"));
	/* 63 levels inside the object still parse. */
	strcpy(text, "{\"a\":");
	memset(text + 5, '[', 63);
	memset(text + 68, ']', 63);
	strcpy(text + 131, "}");
	assert_int_equal(
		spec_parse(text, strlen(text), &spec, err, sizeof(err)), 0);
	spec_free(spec);
	free(text);
	/* 200000 bind mounts without mappings: none reported. */
	text = malloc(32 + 200000 * 48);
	assert_non_null(text);
	o = (size_t)sprintf(text, "{\"mounts\":[");
	for (size_t k = 0; k < 200000; k++)
		o += (size_t)sprintf(
			text + o,
			"%s{\"destination\":\"/\",\"options\":[\"bind\"]}",
			k ? "," : "");
	o += (size_t)sprintf(text + o, "]}");
	assert_int_equal(spec_parse(text, o, &spec, err, sizeof(err)), 0);
	assert_int_equal(spec_idmounts(spec, &m, &nm, err, sizeof(err)), 0);
	assert_int_equal(nm, 0);
	assert_null(m);
	spec_free(spec);
	free(text);
}

/* ---- fixtures: what is found ---------------------------------------- */

struct want_mount {
	size_t index;
	const char *destination;
	const char *source;
	const char *uidmap;
	const char *gidmap;
	bool recursive;
};

#define K8S_MAP "0:524288:65536"
#define CRIO_MAP "0:2147483648:65536"
#define PODMAN_MAP "0:100000:65536"
#define KUBELET "/var/lib/kubelet/pods/6f1c4e2a-3b8d-4c1e-9a57-0d2b8e7f4a91"
#define SANDBOX                                                                \
	"/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/8d2f6a1c9e4b7d3f0a5c8e1b2d4f6a8c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d1f"
#define CRIO_POD "/var/lib/kubelet/pods/0b7e2d4a-6c1f-4a9e-8d3b-5f2c7e1a9b40"

struct fixture_case {
	const char *file;
	size_t n;
	struct want_mount m[8];
};

static const struct fixture_case fixture_cases[] = {
	{ "containerd-hostusers-false.json",
	  7,
	  {
		  { 6, "/data",
		    KUBELET
		    "/volumes/kubernetes.io~csi/pvc-1d0f7a3e-5c2b-4e8f-b6a9-7e3c2d1f0b54/mount",
		    K8S_MAP, K8S_MAP, true },
		  { 7, "/etc/hosts", KUBELET "/etc-hosts", K8S_MAP, K8S_MAP,
		    true },
		  { 8, "/dev/termination-log",
		    KUBELET "/containers/web/3a9c1f2e", K8S_MAP, K8S_MAP,
		    true },
		  { 9, "/etc/hostname", SANDBOX "/hostname", K8S_MAP, K8S_MAP,
		    true },
		  { 10, "/etc/resolv.conf", SANDBOX "/resolv.conf", K8S_MAP,
		    K8S_MAP, true },
		  { 11, "/dev/shm",
		    "/run/containerd/io.containerd.grpc.v1.cri/sandboxes/8d2f6a1c9e4b7d3f0a5c8e1b2d4f6a8c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d1f/shm",
		    K8S_MAP, K8S_MAP, true },
		  { 12, "/var/run/secrets/kubernetes.io/serviceaccount",
		    KUBELET
		    "/volumes/kubernetes.io~projected/kube-api-access-x7k2p",
		    K8S_MAP, K8S_MAP, true },
	  } },
	{ "crio-hostusers-false.json",
	  5,
	  {
		  { 10, "/etc/hosts", CRIO_POD "/etc-hosts", CRIO_MAP, CRIO_MAP,
		    true },
		  { 11, "/dev/termination-log",
		    CRIO_POD "/containers/worker/c4f1a8e2", CRIO_MAP, CRIO_MAP,
		    true },
		  { 12, "/srv/cache",
		    CRIO_POD "/volumes/kubernetes.io~empty-dir/cache", CRIO_MAP,
		    CRIO_MAP, true },
		  { 13, "/var/run/secrets/kubernetes.io/serviceaccount",
		    CRIO_POD
		    "/volumes/kubernetes.io~projected/kube-api-access-9qzrt",
		    CRIO_MAP, CRIO_MAP, true },
		  { 14, "/mnt/nfs",
		    CRIO_POD
		    "/volumes/kubernetes.io~csi/pvc-8a3d1f6b-2e9c-4b7a-a5d0-c1e8f3b6d2a9/mount",
		    CRIO_MAP, CRIO_MAP, true },
	  } },
	{ "podman-4.3-idmap.json",
	  1,
	  {
		  { 5, "/data", "/srv/podman/data", PODMAN_MAP, PODMAN_MAP,
		    true },
	  } },
	/* Written by a real podman 4.3.1 (tests/runtime/runtime-podman.sh). */
	{ "podman-4.3.1-real.json",
	  1,
	  {
		  { 0, "/vol", "/tmp/uidmapfs-it.tfWJgr/fuse", "0:524288:65536",
		    "0:524288:65536", true },
	  } },
	/*
	 * crun's form: uids given absolutely; gids=@0-0-65536 relative to
	 * linux.gidMappings (container 0 is host 100000); "@1-3-10" finds
	 * container id 3 in the second extent (1 -> 100002), so host 100004,
	 * as crun.1's own example computes.  The tmpfs asking for "idmap" is
	 * left to the runtime.
	 */
	{ "crun-idmap-option.json",
	  3,
	  {
		  { 1, "/data", "/srv/shared/data",
		    "0:100000:1000:1000:300000:64536", "0:100000:65536", true },
		  { 2, "/cache", "/srv/shared/cache",
		    "0:100000:1:1:100002:65535", "0:100000:65536", true },
		  { 3, "/logs", "/srv/shared/logs", "1:100004:10",
		    "0:100000:1:1:100001:1000", false },
	  } },
};

static void test_fixture_idmounts(void **state)
{
	const struct fixture_case *c = *state;
	char err[SPEC_ERR_LEN] = "";
	struct spec_idmount *m;
	struct spec *spec;
	size_t len, n;
	char *text = load_fixture(c->file, &len);

	assert_int_equal(spec_parse(text, len, &spec, err, sizeof(err)), 0);
	if (spec_idmounts(spec, &m, &n, err, sizeof(err)))
		fail_msg("spec_idmounts: %s", err);
	assert_int_equal(n, c->n);
	for (size_t i = 0; i < n; i++) {
		const struct want_mount *w = &c->m[i];

		assert_int_equal(m[i].index, w->index);
		assert_string_equal(m[i].destination, w->destination);
		assert_string_equal(m[i].source, w->source);
		assert_string_equal(m[i].uidmap, w->uidmap);
		assert_string_equal(m[i].gidmap, w->gidmap);
		assert_int_equal(m[i].recursive, w->recursive);
	}
	spec_idmounts_free(m, n);
	spec_free(spec);
	free(text);
}

/* A fixture, minified, comes back byte for byte. */
static void test_fixture_roundtrip(void **state)
{
	const struct fixture_case *c = *state;
	char err[SPEC_ERR_LEN] = "";
	struct spec *spec;
	size_t len;
	char *text = load_fixture(c->file, &len);
	char *want = minify(text), *out;

	assert_int_equal(spec_parse(text, len, &spec, err, sizeof(err)), 0);
	out = serialize_ok(spec);
	assert_string_equal(out, want);
	free(out);
	/* json-c's own serialiser agrees. */
	{
		struct json_object *jc = json_tokener_parse(text);

		out = json_text(jc);
		assert_string_equal(out, want);
		free(out);
		json_object_put(jc);
	}
	free(want);
	spec_free(spec);
	free(text);
}

/* Is @opt one of the ID-mapping options redirect must remove? */
static bool is_idmap_option(const char *opt)
{
	return !strcmp(opt, "idmap") || !strcmp(opt, "ridmap") ||
	       !strncmp(opt, "idmap=", 6) || !strncmp(opt, "ridmap=", 7);
}

/*
 * Mount @changed of @after must be mount @changed of @before with
 * "source" replaced by @source in its place, no uidMappings/gidMappings
 * and its ID-mapping options gone; everything else identical.
 */
static void assert_only_redirected(struct json_object *before,
				   struct json_object *after, size_t changed,
				   const char *source)
{
	struct json_object *mb, *ma, *ob, *oa;
	size_t nb, na, k = 0;

	assert_true(json_object_object_get_ex(before, "mounts", &mb));
	assert_true(json_object_object_get_ex(after, "mounts", &ma));
	assert_int_equal(json_object_array_length(mb),
			 json_object_array_length(ma));
	for (size_t i = 0; i < json_object_array_length(mb); i++)
		if (i != changed)
			assert_same_json(json_object_array_get_idx(mb, i),
					 json_object_array_get_idx(ma, i));
	/* Everything but "mounts", in order. */
	{
		struct json_object_iterator ib = json_object_iter_begin(before);
		struct json_object_iterator eb = json_object_iter_end(before);
		struct json_object_iterator ia = json_object_iter_begin(after);

		for (; !json_object_iter_equal(&ib, &eb);
		     json_object_iter_next(&ib), json_object_iter_next(&ia)) {
			assert_string_equal(json_object_iter_peek_name(&ib),
					    json_object_iter_peek_name(&ia));
			if (strcmp(json_object_iter_peek_name(&ib), "mounts"))
				assert_same_json(
					json_object_iter_peek_value(&ib),
					json_object_iter_peek_value(&ia));
		}
	}
	ob = json_object_array_get_idx(mb, changed);
	oa = json_object_array_get_idx(ma, changed);
	/* The changed mount: same members in the same order, minus two. */
	json_object_object_foreach(ob, key, val)
	{
		struct json_object *got;

		if (!strcmp(key, "uidMappings") ||
		    !strcmp(key, "gidMappings")) {
			assert_false(json_object_object_get_ex(oa, key, NULL));
			continue;
		}
		assert_true(json_object_object_get_ex(oa, key, &got));
		if (!strcmp(key, "source")) {
			assert_string_equal(json_object_get_string(got),
					    source);
		} else if (!strcmp(key, "options")) {
			nb = json_object_array_length(val);
			na = json_object_array_length(got);
			for (size_t i = 0; i < nb; i++) {
				const char *s = json_object_get_string(
					json_object_array_get_idx(val, i));

				if (is_idmap_option(s))
					continue;
				assert_true(k < na);
				assert_string_equal(
					s, json_object_get_string(
						   json_object_array_get_idx(
							   got, k++)));
			}
			assert_int_equal(k, na);
		} else {
			assert_same_json(val, got);
		}
	}
	/* Nothing added, and the order kept. */
	{
		struct json_object_iterator ia = json_object_iter_begin(oa);
		struct json_object_iterator ea = json_object_iter_end(oa);
		struct json_object_iterator ib = json_object_iter_begin(ob);
		struct json_object_iterator eb = json_object_iter_end(ob);

		for (; !json_object_iter_equal(&ia, &ea);
		     json_object_iter_next(&ia)) {
			while (!strcmp(json_object_iter_peek_name(&ib),
				       "uidMappings") ||
			       !strcmp(json_object_iter_peek_name(&ib),
				       "gidMappings"))
				json_object_iter_next(&ib);
			assert_false(json_object_iter_equal(&ib, &eb));
			assert_string_equal(json_object_iter_peek_name(&ia),
					    json_object_iter_peek_name(&ib));
			json_object_iter_next(&ib);
		}
	}
}

/*
 * Redirect each ID-mapped mount in turn (each on a fresh parse), then
 * all of them: serialise, parse the text with json-c itself, and check
 * that exactly the mapping went and the rest stayed.
 */
static void test_fixture_redirect(void **state)
{
	const struct fixture_case *c = *state;
	char err[SPEC_ERR_LEN] = "";
	struct json_object *before, *after;
	size_t len;
	char *text = load_fixture(c->file, &len);
	char *out;

	before = json_tokener_parse(text);
	assert_non_null(before);
	for (size_t i = 0; i < c->n; i++) {
		struct spec *spec;
		struct spec_idmount *m;
		size_t n;

		assert_int_equal(spec_parse(text, len, &spec, err, sizeof(err)),
				 0);
		assert_int_equal(spec_redirect_mount(spec, c->m[i].index,
						     "/run/uidmapfs/42/mnt",
						     err, sizeof(err)),
				 0);
		out = serialize_ok(spec);
		after = json_tokener_parse(out);
		assert_non_null(after);
		assert_only_redirected(before, after, c->m[i].index,
				       "/run/uidmapfs/42/mnt");
		/* The redirected mount no longer asks for an ID-mapping. */
		assert_int_equal(spec_idmounts(spec, &m, &n, err, sizeof(err)),
				 0);
		assert_int_equal(n, c->n - 1);
		for (size_t j = 0; j < n; j++)
			assert_int_not_equal(m[j].index, c->m[i].index);
		spec_idmounts_free(m, n);
		json_object_put(after);
		free(out);
		spec_free(spec);
	}
	json_object_put(before);
	free(text);
}

static void test_fixture_redirect_all(void **state)
{
	const struct fixture_case *c = *state;
	char err[SPEC_ERR_LEN] = "";
	struct spec_idmount *m;
	struct spec *spec, *again;
	size_t len, n;
	char *text = load_fixture(c->file, &len);
	char *out, *out2;

	assert_int_equal(spec_parse(text, len, &spec, err, sizeof(err)), 0);
	assert_int_equal(spec_idmounts(spec, &m, &n, err, sizeof(err)), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(spec_redirect_mount(spec, m[i].index, "/run/x",
						     err, sizeof(err)),
				 0);
	spec_idmounts_free(m, n);
	assert_int_equal(spec_idmounts(spec, &m, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	/* Output parses back to the same text: a fixed point. */
	out = serialize_ok(spec);
	again = parse_ok(out);
	out2 = serialize_ok(again);
	assert_string_equal(out, out2);
	free(out);
	free(out2);
	spec_free(again);
	spec_free(spec);
	free(text);
}

/* ---- redirect ---------------------------------------------------------- */

static void test_redirect_errors(void **state)
{
	char err[SPEC_ERR_LEN];
	struct spec *spec;

	(void)state;
	spec = parse_ok("{\"a\":1}");
	assert_int_equal(spec_redirect_mount(spec, 0, "/x", err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "config.json: no mounts[0]");
	spec_free(spec);

	spec = parse_ok("{\"mounts\":5}");
	assert_int_equal(spec_redirect_mount(spec, 0, "/x", err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "config.json: mounts is not an array");
	spec_free(spec);

	spec = parse_ok("{\"mounts\":[{\"destination\":\"/d\"},7]}");
	assert_int_equal(spec_redirect_mount(spec, 2, "/x", err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "config.json: no mounts[2]");
	assert_int_equal(spec_redirect_mount(spec, 1, "/x", err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "mounts[1]: not an object");
	assert_int_equal(spec_redirect_mount(spec, 0, "", err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "mounts[0]: new source is empty");
	assert_int_equal(spec_redirect_mount(spec, 0, NULL, NULL, 0), -EINVAL);
	spec_free(spec);
}

struct redirect_case {
	const char *what;
	const char *in;
	const char *out;
};

static const struct redirect_case redirect_cases[] = {
	{ "source replaced in place, mappings and idmap gone",
	  "{\"mounts\":[{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/s\",\"options\":[\"idmap\",\"rw\",\"rprivate\",\"rbind\"],\"uidMappings\":[],\"x\":1,\"gidMappings\":[]}]}",
	  "{\"mounts\":[{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/run/u\",\"options\":[\"rw\",\"rprivate\",\"rbind\"],\"x\":1}]}" },
	{ "every idmap form goes, look-alikes stay",
	  "{\"mounts\":[{\"destination\":\"/d\",\"source\":\"/s\",\"options\":[\"ridmap\",\"bind\",\"idmap=uids=0-1-2;gids=0-1-2\",\"idmapx\",\"ridmap=\",\"idma\",\"xidmap\",\"idmap\"]}]}",
	  "{\"mounts\":[{\"destination\":\"/d\",\"source\":\"/run/u\",\"options\":[\"bind\",\"idmapx\",\"idma\",\"xidmap\"]}]}" },
	{ "no source: added at the end",
	  "{\"mounts\":[{\"destination\":\"/d\",\"options\":[\"bind\"]}]}",
	  "{\"mounts\":[{\"destination\":\"/d\",\"options\":[\"bind\"],\"source\":\"/run/u\"}]}" },
	{ "no options",
	  "{\"mounts\":[{\"source\":\"/s\",\"destination\":\"/d\",\"uidMappings\":null}]}",
	  "{\"mounts\":[{\"source\":\"/run/u\",\"destination\":\"/d\"}]}" },
	{ "options null, non-string options stay",
	  "{\"mounts\":[{\"destination\":\"/d\",\"options\":null}],\"z\":[{\"options\":[\"idmap\"]}]}",
	  "{\"mounts\":[{\"destination\":\"/d\",\"options\":null,\"source\":\"/run/u\"}],\"z\":[{\"options\":[\"idmap\"]}]}" },
	{ "only idmap options: empty array",
	  "{\"mounts\":[{\"destination\":\"/d\",\"options\":[\"idmap\",1,\"ridmap\"]},{\"destination\":\"/e\",\"options\":[\"idmap\"]}]}",
	  "{\"mounts\":[{\"destination\":\"/d\",\"options\":[1],\"source\":\"/run/u\"},{\"destination\":\"/e\",\"options\":[\"idmap\"]}]}" },
};

static void test_redirect_case(void **state)
{
	const struct redirect_case *c = *state;
	char err[SPEC_ERR_LEN] = "";
	struct spec *spec = parse_ok(c->in);
	char *out;

	assert_int_equal(
		spec_redirect_mount(spec, 0, "/run/u", err, sizeof(err)), 0);
	out = spec_serialize(spec, NULL);
	assert_non_null(out);
	assert_string_equal(out, c->out);
	free(out);
	spec_free(spec);
}

static void test_idmounts_empty(void **state)
{
	static const char *const texts[] = {
		"{}",
		"{\"mounts\":null}",
		"{\"mounts\":[]}",
		"{\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}]}",
	};
	char err[SPEC_ERR_LEN];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		struct spec *spec = parse_ok(texts[i]);
		struct spec_idmount *m = (struct spec_idmount *)1;
		size_t n = 5;

		assert_int_equal(spec_idmounts(spec, &m, &n, err, sizeof(err)),
				 0);
		assert_int_equal(n, 0);
		assert_null(m);
		spec_free(spec);
	}
}

/* Many ID-mapped mounts: the result array grows past its first size. */
static void test_idmounts_many(void **state)
{
	size_t cnt = 100, len = 64 + cnt * 200, o;
	char *text = malloc(len);
	char err[SPEC_ERR_LEN];
	struct spec_idmount *m;
	struct spec *spec;
	size_t n;

	(void)state;
	assert_non_null(text);
	o = (size_t)snprintf(text, len, "{\"mounts\":[");
	for (size_t i = 0; i < cnt; i++)
		o += (size_t)snprintf(
			text + o, len - o,
			"%s{\"destination\":\"/d%zu\",\"source\":\"/s%zu\",\"options\":[\"bind\",\"idmap=uids=%zu-1-1;gids=0-%zu-1\"]}",
			i ? "," : "", i, i, i, i);
	snprintf(text + o, len - o, "]}");
	spec = parse_ok(text);
	assert_int_equal(spec_idmounts(spec, &m, &n, err, sizeof(err)), 0);
	assert_int_equal(n, cnt);
	for (size_t i = 0; i < cnt; i++) {
		char want[64];

		assert_int_equal(m[i].index, i);
		snprintf(want, sizeof(want), "%zu:1:1", i);
		assert_string_equal(m[i].uidmap, want);
		snprintf(want, sizeof(want), "0:%zu:1", i);
		assert_string_equal(m[i].gidmap, want);
	}
	spec_idmounts_free(m, n);
	spec_free(spec);
	free(text);
}

/* ---- main ------------------------------------------------------------- */

int main(void)
{
	enum {
		N_FIXED = 5,
		N_TESTS = N_FIXED + ARRAY_SIZE(roundtrip_cases) +
			  ARRAY_SIZE(parse_error_cases) +
			  4 * ARRAY_SIZE(fixture_cases) +
			  ARRAY_SIZE(redirect_cases),
	};
	struct CMUnitTest tests[N_TESTS] = {
		cmocka_unit_test(test_parse_odd_arguments),
		cmocka_unit_test(test_parse_deep_and_huge),
		cmocka_unit_test(test_redirect_errors),
		cmocka_unit_test(test_idmounts_empty),
		cmocka_unit_test(test_idmounts_many),
	};
	static char names[N_TESTS][TEST_NAME_LEN];
	size_t n = N_FIXED;

	ROWS(roundtrip_cases, test_roundtrip, "roundtrip", what);
	ROWS(parse_error_cases, test_parse_error, "parse error", what);
	ROWS(fixture_cases, test_fixture_idmounts, "idmounts", file);
	ROWS(fixture_cases, test_fixture_roundtrip, "roundtrip", file);
	ROWS(fixture_cases, test_fixture_redirect, "redirect each", file);
	ROWS(fixture_cases, test_fixture_redirect_all, "redirect all", file);
	ROWS(redirect_cases, test_redirect_case, "redirect", what);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
