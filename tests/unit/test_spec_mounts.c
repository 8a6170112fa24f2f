// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for runtime/spec.c, one mount at a time: every form of
 * ID-mapping a mount can ask for that is accepted (and the maps it gives),
 * and every malformed one, refused with a message that names the mount.
 * The fixtures, the round trip and the rewrite are in test_spec.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "test_spec_util.h"
#include "test_util.h"

/* ---- one mount at a time: accepted forms ----------------------------- */

#define LINUX_MAPS                                                                                                                           \
	"\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":1},{\"containerID\":1,\"hostID\":100002,\"size\":1000}]," \
	"\"gidMappings\":[{\"containerID\":0,\"hostID\":200000,\"size\":65536}]}"
#define OCI_MAP "[{\"containerID\":0,\"hostID\":524288,\"size\":65536}]"

struct mount_case {
	const char *what;
	const char *linux_part; /* "" or a "linux" member and a comma */
	const char *mount;	/* one mount object */
	/* Expected: NULL uidmap means "not reported"; else the maps. */
	const char *uidmap;
	const char *gidmap;
	bool recursive;
};

static const struct mount_case mount_cases[] = {
	{ "OCI mappings, bind", "",
	  "{\"destination\":\"/d\",\"source\":\"/s\",\"options\":[\"bind\"],\"uidMappings\":" OCI_MAP
	  ",\"gidMappings\":" OCI_MAP "}",
	  "0:524288:65536", "0:524288:65536", false },
	{ "OCI mappings with idmap option", "",
	  "{\"destination\":\"/d\",\"source\":\"/s\",\"options\":[\"rbind\",\"idmap\"],\"uidMappings\":" OCI_MAP
	  ",\"gidMappings\":" OCI_MAP "}",
	  "0:524288:65536", "0:524288:65536", true },
	{ "OCI mappings win over idmap=uids=", "",
	  "{\"destination\":\"/d\",\"source\":\"/s\",\"options\":[\"rbind\",\"idmap=uids=5-6-7;gids=5-6-7\"],\"uidMappings\":" OCI_MAP
	  ",\"gidMappings\":" OCI_MAP "}",
	  "0:524288:65536", "0:524288:65536", true },
	{ "several extents, order kept", "",
	  "{\"destination\":\"/d\",\"source\":\"/s\",\"options\":[\"bind\"],\"uidMappings\":[{\"containerID\":1000,\"hostID\":5000,\"size\":10},{\"containerID\":0,\"hostID\":4000,\"size\":1,\"comment\":\"extra member ignored\"}],\"gidMappings\":[{\"size\":4294967295,\"hostID\":0,\"containerID\":0}]}",
	  "1000:5000:10:0:4000:1", "0:0:4294967295", false },
	{ "last id 4294967294", "",
	  "{\"destination\":\"/d\",\"source\":\"/s\",\"options\":[\"bind\"],\"uidMappings\":[{\"containerID\":4294967294,\"hostID\":4294967294,\"size\":1}],\"gidMappings\":" OCI_MAP
	  "}",
	  "4294967294:4294967294:1", "0:524288:65536", false },
	{ "idmap alone takes linux maps", LINUX_MAPS ",",
	  "{\"destination\":\"/d\",\"source\":\"/s\",\"options\":[\"idmap\",\"bind\"]}",
	  "0:100000:1:1:100002:1000", "0:200000:65536", false },
	{ "idmap= empty is idmap", LINUX_MAPS ",",
	  "{\"destination\":\"/d\",\"source\":\"/s\",\"options\":[\"rbind\",\"idmap=\"]}",
	  "0:100000:1:1:100002:1000", "0:200000:65536", true },
	{ "ridmap alone", LINUX_MAPS ",",
	  "{\"destination\":\"/d\",\"source\":\"/s\",\"options\":[\"ridmap\",\"rbind\"]}",
	  "0:100000:1:1:100002:1000", "0:200000:65536", true },
	{ "crun uids/gids", "",
	  "{\"destination\":\"/d\",\"source\":\"/s\",\"options\":[\"bind\",\"idmap=uids=0-1-10#10-11-10;gids=0-100-10\"]}",
	  "0:1:10:10:11:10", "0:100:10", false },
	{ "crun gids first, empty parts", "",
	  "{\"destination\":\"/d\",\"source\":\"/s\",\"options\":[\"bind\",\"idmap=;gids=0-100-10;;uids=007-1-10;\"]}",
	  "7:1:10", "0:100:10", false },
	{ "crun ridmap=", "",
	  "{\"destination\":\"/d\",\"source\":\"/s\",\"options\":[\"rbind\",\"ridmap=uids=0-1-10;gids=0-1-10\"]}",
	  "0:1:10", "0:1:10", true },
	/*
	 * crun.1's example: "uids=@1-3-10" with uid_map 0 0 1 / 1 2 1000
	 * gives 1-4-10.  Our linux map is 0 100000 1 / 1 100002 1000, so
	 * container id 3 is host 100004; "@0-0-1" in gids is host 200000.
	 */
	{ "crun relative (crun.1 example)", LINUX_MAPS ",",
	  "{\"destination\":\"/d\",\"source\":\"/s\",\"options\":[\"bind\",\"idmap=uids=@1-3-10;gids=@0-0-1#1-1-1000\"]}",
	  "1:100004:10", "0:200000:1:1:1:1000", false },
	{ "crun relative, first id only looked up", LINUX_MAPS ",",
	  "{\"destination\":\"/d\",\"source\":\"/s\",\"options\":[\"bind\",\"idmap=uids=@1-3-10#@100-0-1;gids=@0-65535-1\"]}",
	  "1:100004:10:100:100000:1", "0:265535:1", false },
	{ "crun 340 extents", "", NULL, NULL, NULL, false },
	{ "bind without mapping", "",
	  "{\"destination\":\"/d\",\"source\":\"/s\",\"options\":[\"rbind\",\"rprivate\"]}",
	  NULL, NULL, false },
	{ "tmpfs with OCI mappings is left alone", "",
	  "{\"destination\":\"/d\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"uidMappings\":" OCI_MAP
	  ",\"gidMappings\":[]}",
	  NULL, NULL, false },
	{ "type bind without bind option is left alone", "",
	  "{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/s\",\"options\":[\"idmap\"]}",
	  NULL, NULL, false },
	{ "null members count as absent", "",
	  "{\"destination\":\"/d\",\"type\":null,\"source\":\"/s\",\"options\":null,\"uidMappings\":null,\"gidMappings\":null}",
	  NULL, NULL, false },
	{ "no options at all", "", "{\"destination\":\"/d\"}", NULL, NULL,
	  false },
	{ "other options that look alike", "",
	  "{\"destination\":\"/d\",\"source\":\"/s\",\"options\":[\"bind\",\"idma\",\"xidmap\",\"rbin\",\"binding\"]}",
	  NULL, NULL, false },
};

/* Build {<linux_part>"mounts":[<mount>]} and parse it. */
static struct spec *mount_spec(const char *linux_part, const char *mount)
{
	size_t len = strlen(linux_part) + strlen(mount) + 32;
	char *text = malloc(len);
	struct spec *spec;

	assert_non_null(text);
	snprintf(text, len, "{%s\"mounts\":[%s]}", linux_part, mount);
	spec = parse_ok(text);
	free(text);
	return spec;
}

/* A mount at @dest whose crun option has @nr uid triplets
 * "i-(i+1000)-1" joined by '#'. */
static char *crun_many(const char *dest, unsigned nr)
{
	size_t len = 200 + (size_t)nr * 24;
	char *mount = malloc(len);
	size_t o;

	assert_non_null(mount);
	o = (size_t)snprintf(
		mount, len,
		"{\"destination\":\"%s\",\"source\":\"/s\",\"options\":[\"bind\",\"idmap=gids=0-0-1;uids=",
		dest);
	for (unsigned i = 0; i < nr; i++)
		o += (size_t)snprintf(mount + o, len - o, "%s%u-%u-1",
				      i ? "#" : "", i, i + 1000);
	snprintf(mount + o, len - o, "\"]}");
	return mount;
}

static void test_mount_case(void **state)
{
	const struct mount_case *c = *state;
	char err[SPEC_ERR_LEN] = "";
	struct spec_idmount *m;
	struct spec *spec;
	size_t n;
	char *many = NULL;

	if (!c->mount) {
		/* 340 extents: the kernel's limit, accepted. */
		many = crun_many("/d", 340);
		spec = mount_spec(c->linux_part, many);
		assert_int_equal(spec_idmounts(spec, &m, &n, err, sizeof(err)),
				 0);
		assert_int_equal(n, 1);
		assert_non_null(strstr(m[0].uidmap, "339:1339:1"));
		assert_string_equal(m[0].gidmap, "0:0:1");
		spec_idmounts_free(m, n);
		spec_free(spec);
		free(many);
		return;
	}
	spec = mount_spec(c->linux_part, c->mount);
	if (spec_idmounts(spec, &m, &n, err, sizeof(err)))
		fail_msg("spec_idmounts: %s", err);
	if (!c->uidmap) {
		assert_int_equal(n, 0);
		assert_null(m);
	} else {
		assert_int_equal(n, 1);
		assert_int_equal(m[0].index, 0);
		assert_string_equal(m[0].destination, "/d");
		assert_string_equal(m[0].source, "/s");
		assert_string_equal(m[0].uidmap, c->uidmap);
		assert_string_equal(m[0].gidmap, c->gidmap);
		assert_int_equal(m[0].recursive, c->recursive);
	}
	spec_idmounts_free(m, n);
	spec_free(spec);
}

/* ---- one mount at a time: refused ------------------------------------ */

struct bad_case {
	const char *what;
	const char *linux_part;
	const char *mount; /* NULL: the whole spec is @linux_part */
	const char *err;
};

#define UM(x)                                                                                     \
	"{\"destination\":\"/data\",\"source\":\"/s\",\"options\":[\"rbind\"],\"uidMappings\":" x \
	",\"gidMappings\":" OCI_MAP "}"
#define GM(x)                                                                                           \
	"{\"destination\":\"/data\",\"source\":\"/s\",\"options\":[\"rbind\"],\"uidMappings\":" OCI_MAP \
	",\"gidMappings\":" x "}"
#define OPT(x)                                                                     \
	"{\"destination\":\"/data\",\"source\":\"/s\",\"options\":[\"rbind\",\"" x \
	"\"]}"

static const struct bad_case bad_cases[] = {
	/* The spec's shape. */
	{ "mounts an object", "{\"mounts\":{}}", NULL,
	  "config.json: mounts is not an array" },
	{ "mounts a string", "{\"mounts\":\"x\"}", NULL,
	  "config.json: mounts is not an array" },
	{ "mount a number", "", "1", "mounts[0]: not an object" },
	{ "mount an array", "", "[]", "mounts[0]: not an object" },
	{ "mount null", "", "null", "mounts[0]: not an object" },
	{ "no destination", "", "{\"source\":\"/s\"}",
	  "mounts[0]: no destination" },
	{ "destination null", "", "{\"destination\":null}",
	  "mounts[0]: no destination" },
	{ "destination a number", "", "{\"destination\":5}",
	  "mounts[0]: destination is not a string" },
	{ "destination with NUL", "", "{\"destination\":\"/a\\u0000b\"}",
	  "mounts[0]: destination holds a NUL byte" },
	{ "source a number", "", "{\"destination\":\"/data\",\"source\":1}",
	  "mount /data: source is not a string" },
	{ "source with NUL", "",
	  "{\"destination\":\"/data\",\"source\":\"/x\\u0000\"}",
	  "mount /data: source holds a NUL byte" },
	{ "type an array", "", "{\"destination\":\"/data\",\"type\":[]}",
	  "mount /data: type is not a string" },
	{ "options a string", "",
	  "{\"destination\":\"/data\",\"options\":\"bind\"}",
	  "mount /data: options is not an array" },
	{ "options with a number", "",
	  "{\"destination\":\"/data\",\"options\":[\"bind\",7]}",
	  "mount /data: options[1] is not a string" },
	{ "options with null", "",
	  "{\"destination\":\"/data\",\"options\":[null]}",
	  "mount /data: options[0] is not a string" },
	{ "option with NUL", "",
	  "{\"destination\":\"/data\",\"options\":[\"idmap\\u0000x\"]}",
	  "mount /data: options[0] is not a string without NUL" },
	{ "idmapx", "", OPT("idmapx"),
	  "mount /data: option 'idmapx' is none of idmap, ridmap" },
	{ "ridmapped", "", OPT("ridmapped"),
	  "mount /data: option 'ridmapped'" },
	{ "two idmap options", LINUX_MAPS ",",
	  "{\"destination\":\"/data\",\"source\":\"/s\",\"options\":[\"idmap\",\"bind\",\"ridmap\"]}",
	  "mount /data: more than one idmap/ridmap option" },
	{ "uidMappings an object", "", UM("{}"),
	  "mount /data: uidMappings or gidMappings is not an array" },
	{ "gidMappings a number", "", GM("3"),
	  "mount /data: uidMappings or gidMappings is not an array" },
	{ "uidMappings alone", "",
	  "{\"destination\":\"/data\",\"source\":\"/s\",\"options\":[\"bind\"],\"uidMappings\":" OCI_MAP
	  "}",
	  "mount /data: uidMappings without gidMappings" },
	{ "gidMappings alone", "",
	  "{\"destination\":\"/data\",\"source\":\"/s\",\"options\":[\"bind\"],\"gidMappings\":" OCI_MAP
	  "}",
	  "mount /data: gidMappings without uidMappings" },
	{ "uidMappings empty", "", UM("[]"),
	  "mount /data: uidMappings has 0 extents, not 1 to 340" },
	{ "gidMappings empty", "", GM("[]"),
	  "mount /data: gidMappings has 0 extents" },
	{ "extent a number", "", UM("[1]"),
	  "mount /data: uidMappings[0] is not an object" },
	{ "extent null", "", GM("[" OCI_MAP ",null]"),
	  "mount /data: gidMappings[0] is not an object" },
	{ "containerID missing", "", UM("[{\"hostID\":1,\"size\":1}]"),
	  "mount /data: uidMappings[0].containerID is missing" },
	{ "hostID missing", "", UM("[{\"containerID\":1,\"size\":1}]"),
	  "mount /data: uidMappings[0].hostID is missing" },
	{ "size missing", "", GM("[{\"containerID\":1,\"hostID\":1}]"),
	  "mount /data: gidMappings[0].size is missing" },
	{ "size null", "",
	  UM("[{\"containerID\":1,\"hostID\":1,\"size\":null}]"),
	  "mount /data: uidMappings[0].size is missing" },
	{ "hostID a string", "",
	  UM("[{\"containerID\":0,\"hostID\":\"1\",\"size\":1}]"),
	  "mount /data: uidMappings[0].hostID is not an integer" },
	{ "hostID 1.0", "",
	  UM("[{\"containerID\":0,\"hostID\":1.0,\"size\":1}]"),
	  "mount /data: uidMappings[0].hostID is not an integer" },
	{ "size 1e3", "", UM("[{\"containerID\":0,\"hostID\":1,\"size\":1e3}]"),
	  "uidMappings[0].size is not an integer" },
	{ "size true", "",
	  UM("[{\"containerID\":0,\"hostID\":1,\"size\":true}]"),
	  "uidMappings[0].size is not an integer" },
	{ "containerID -1", "",
	  UM("[{\"containerID\":-1,\"hostID\":1,\"size\":1}]"),
	  "mount /data: uidMappings[0].containerID is not in 0..4294967295" },
	{ "hostID 2^32", "",
	  UM("[{\"containerID\":0,\"hostID\":4294967296,\"size\":1}]"),
	  "uidMappings[0].hostID is not in 0..4294967295" },
	{ "size u64 max", "",
	  UM("[{\"containerID\":0,\"hostID\":0,\"size\":18446744073709551615}]"),
	  "uidMappings[0].size is not in 0..4294967295" },
	{ "size i64 min", "",
	  UM("[{\"containerID\":0,\"hostID\":0,\"size\":-9223372036854775808}]"),
	  "uidMappings[0].size is not in 0..4294967295" },
	{ "size 0", "", UM("[{\"containerID\":0,\"hostID\":0,\"size\":0}]"),
	  "mount /data: uid map: extent 1 (0:0:0): count must be > 0" },
	{ "inside overflow", "",
	  UM("[{\"containerID\":4294967295,\"hostID\":0,\"size\":1}]"),
	  "mount /data: uid map: extent 1 (4294967295:0:1): inside range ends after 4294967294" },
	{ "outside overflow", "",
	  GM("[{\"containerID\":0,\"hostID\":4294967000,\"size\":1000}]"),
	  "mount /data: gid map: extent 1 (0:4294967000:1000): outside range ends after" },
	{ "size 2^32-1 from 1", "",
	  UM("[{\"containerID\":1,\"hostID\":0,\"size\":4294967295}]"),
	  "inside range ends after" },
	{ "overlap inside", "",
	  UM("[{\"containerID\":0,\"hostID\":0,\"size\":10},{\"containerID\":5,\"hostID\":100,\"size\":1}]"),
	  "mount /data: uid map: extents 1 and 2 overlap on the inside" },
	{ "overlap outside", "",
	  GM("[{\"containerID\":0,\"hostID\":0,\"size\":10},{\"containerID\":50,\"hostID\":9,\"size\":1}]"),
	  "mount /data: gid map: extents 1 and 2 overlap on the outside" },
	{ "341 extents", "", NULL,
	  "mount /data: uidMappings has 341 extents, not 1 to 340" },
	{ "idmap without linux", "", OPT("idmap"),
	  "mount /data: idmap option but the spec has no linux.uidMappings" },
	{ "idmap with linux {}", "\"linux\":{},", OPT("idmap"),
	  "mount /data: idmap option but the spec has no linux.uidMappings" },
	{ "idmap with linux gids only",
	  "\"linux\":{\"gidMappings\":" OCI_MAP "},", OPT("ridmap"),
	  "mount /data: idmap option but the spec has no linux.uidMappings" },
	{ "idmap with linux uids only",
	  "\"linux\":{\"uidMappings\":" OCI_MAP "},", OPT("idmap"),
	  "mount /data: idmap option but the spec has no linux.gidMappings" },
	{ "linux an array", "\"linux\":[],", OPT("idmap"),
	  "mount /data: linux.uidMappings is not an array in an object" },
	{ "linux.uidMappings a string",
	  "\"linux\":{\"uidMappings\":\"0 0 1\"},", OPT("idmap"),
	  "mount /data: linux.uidMappings is not an array in an object" },
	{ "linux.gidMappings bad size",
	  "\"linux\":{\"uidMappings\":" OCI_MAP
	  ",\"gidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":-5}]},",
	  OPT("idmap"),
	  "mount /data: linux.gidMappings[0].size is not in 0..4294967295" },
	{ "linux map overlapping",
	  "\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":5},{\"containerID\":1,\"hostID\":100,\"size\":5}],\"gidMappings\":" OCI_MAP
	  "},",
	  OPT("idmap"),
	  "mount /data: uid map: extents 1 and 2 overlap on the inside" },
	{ "bind without source", "",
	  "{\"destination\":\"/data\",\"options\":[\"bind\"],\"uidMappings\":" OCI_MAP
	  ",\"gidMappings\":" OCI_MAP "}",
	  "mount /data: no source" },
	/* crun's idmap=... syntax. */
	{ "crun unknown part", "", OPT("idmap=foo=1"),
	  "mount /data: idmap option: only uids= and gids= are known" },
	{ "crun uids only", "", OPT("idmap=uids=0-1-2"),
	  "mount /data: idmap option gives no gids= (crun then maps no gid at all" },
	{ "crun gids only", "", OPT("ridmap=gids=0-1-2"),
	  "mount /data: idmap option gives no uids=" },
	{ "crun only semicolons", "", OPT("idmap=;;"),
	  "mount /data: idmap option gives no uids=" },
	{ "crun uids twice", "", OPT("idmap=uids=0-1-2;gids=0-1-2;uids=5-6-7"),
	  "mount /data: idmap option: uids= twice" },
	{ "crun uids empty", "", OPT("idmap=uids=;gids=0-1-2"),
	  "mount /data: uid map: no extents" },
	{ "crun two numbers", "", OPT("idmap=uids=0-1;gids=0-1-2"),
	  "mount /data: idmap option: uids: not [@]fs-host-size triplets joined by '#'" },
	{ "crun trailing #", "", OPT("idmap=uids=0-1-2#;gids=0-1-2"),
	  "idmap option: uids: not [@]fs-host-size" },
	{ "crun leading #", "", OPT("idmap=uids=#0-1-2;gids=0-1-2"),
	  "idmap option: uids: not [@]fs-host-size" },
	{ "crun ## ", "", OPT("idmap=uids=0-1-2##3-4-5;gids=0-1-2"),
	  "idmap option: uids: not [@]fs-host-size" },
	{ "crun missing #", "", OPT("idmap=uids=0-1-2 3-4-5;gids=0-1-2"),
	  "idmap option: uids: not [@]fs-host-size" },
	{ "crun sign", "", OPT("idmap=uids=0-+1-2;gids=0-1-2"),
	  "idmap option: uids: not [@]fs-host-size" },
	{ "crun negative", "", OPT("idmap=uids=-1-1-2;gids=0-1-2"),
	  "idmap option: uids: not [@]fs-host-size" },
	{ "crun blank", "", OPT("idmap=uids= 0-1-2;gids=0-1-2"),
	  "idmap option: uids: not [@]fs-host-size" },
	{ "crun colon syntax", "", OPT("idmap=uids=0:1:2;gids=0-1-2"),
	  "idmap option: uids: not [@]fs-host-size" },
	{ "crun 2^32", "", OPT("idmap=uids=0-4294967296-2;gids=0-1-2"),
	  "idmap option: uids: not [@]fs-host-size" },
	{ "crun 11 digits", "", OPT("idmap=uids=0-1-2;gids=99999999999-1-2"),
	  "idmap option: gids: not [@]fs-host-size" },
	{ "crun leading zeros are fine", "",
	  OPT("idmap=uids=00000000000000000001-1-0;gids=0-1-2"),
	  "mount /data: uid map: extent 1 (1:1:0): count must be > 0" },
	{ "crun @ twice", "", OPT("idmap=uids=@@0-1-2;gids=0-1-2"),
	  "idmap option: uids: not [@]fs-host-size" },
	{ "crun @ mid-triplet", LINUX_MAPS ",",
	  OPT("idmap=uids=0-@1-2;gids=0-1-2"),
	  "idmap option: uids: not [@]fs-host-size" },
	{ "crun size 0", "", OPT("idmap=uids=0-1-0;gids=0-1-2"),
	  "mount /data: uid map: extent 1 (0:1:0): count must be > 0" },
	{ "crun overflow", "", OPT("idmap=uids=0-1-2;gids=0-4294967295-1"),
	  "mount /data: gid map: extent 1 (0:4294967295:1): outside range ends after" },
	{ "crun overlap", "", OPT("idmap=uids=0-1-2#1-10-2;gids=0-1-2"),
	  "mount /data: uid map: extents 1 and 2 overlap on the inside" },
	{ "crun 341 extents", "", NULL,
	  "mount /data: idmap option: uids: more than 340 extents" },
	{ "crun @ without linux", "", OPT("idmap=uids=@0-1-2;gids=0-1-2"),
	  "mount /data: idmap option: uids: relative (@) map but the spec has no linux.uidMappings" },
	{ "crun @ gids without linux gids",
	  "\"linux\":{\"uidMappings\":" OCI_MAP "},",
	  OPT("idmap=uids=@0-1-2;gids=@0-1-2"),
	  "mount /data: idmap option: gids: relative (@) map but the spec has no linux.gidMappings" },
	{ "crun @ outside linux map", LINUX_MAPS ",",
	  OPT("idmap=uids=@0-1001-2;gids=0-1-2"),
	  "mount /data: idmap option: uids: @1001 is not mapped by linux.uidMappings" },
	{ "crun @ gid outside linux map", LINUX_MAPS ",",
	  OPT("idmap=uids=0-1-2;gids=@0-65536-1"),
	  "mount /data: idmap option: gids: @65536 is not mapped by linux.gidMappings" },
	{ "crun @ with a bad linux map",
	  "\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":4294967290,\"size\":10}]},",
	  OPT("idmap=uids=@0-9-1;gids=0-1-2"),
	  "mount /data: linux.uidMappings: extent 1 (0:4294967290:10): outside range ends after" },
	{ "crun relative runs past the end", LINUX_MAPS ",",
	  OPT("idmap=uids=@0-999-4294967295;gids=0-1-2"),
	  "mount /data: uid map: extent 1 (0:101000:4294967295)" },
	/* Messages stay one line whatever the destination holds. */
	{ "destination with newline", "",
	  "{\"destination\":\"/a\\nb\\u00e9\",\"options\":[\"rbind\",\"idmap\"]}",
	  "mount /a\\x0ab\\xc3\\xa9: idmap option but" },
	{ "long destination", "",
	  "{\"destination\":\"/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"options\":[\"rbind\",\"idmap\"]}",
	  "aaaaaaaaaa...: idmap option but" },
	{ "long option", "",
	  OPT("idmapxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\\n"),
	  "xxxxxxxxxx...' is none of" },
	/* An error in a later mount fails the whole spec. */
	{ "good then bad", "",
	  "{\"destination\":\"/ok\",\"source\":\"/s\",\"options\":[\"bind\"],\"uidMappings\":" OCI_MAP
	  ",\"gidMappings\":" OCI_MAP "}," OPT("idmap"),
	  "mount /data: idmap option but the spec has no linux.uidMappings" },
};

/* The whole spec for a bad case; the two big ones are built here. */
static char *bad_text(const struct bad_case *c)
{
	size_t len;
	char *text;

	if (!c->mount && strstr(c->what, "341")) {
		char *mount;

		if (strstr(c->what, "crun")) {
			mount = crun_many("/data", 341);
		} else {
			size_t ml = 200 + 341 * 60, o;

			mount = malloc(ml);
			assert_non_null(mount);
			o = (size_t)snprintf(
				mount, ml,
				"{\"destination\":\"/data\",\"source\":\"/s\",\"options\":[\"bind\"],\"gidMappings\":" OCI_MAP
				",\"uidMappings\":[");
			for (unsigned i = 0; i < 341; i++)
				o += (size_t)snprintf(
					mount + o, ml - o,
					"%s{\"containerID\":%u,\"hostID\":%u,\"size\":1}",
					i ? "," : "", i, i + 1000);
			snprintf(mount + o, ml - o, "]}");
		}
		len = strlen(mount) + 32;
		text = malloc(len);
		assert_non_null(text);
		snprintf(text, len, "{\"mounts\":[%s]}", mount);
		free(mount);
		return text;
	}
	if (!c->mount) {
		text = malloc(strlen(c->linux_part) + 1);
		assert_non_null(text);
		strcpy(text, c->linux_part);
		return text;
	}
	len = strlen(c->linux_part) + strlen(c->mount) + 32;
	text = malloc(len);
	assert_non_null(text);
	snprintf(text, len, "{%s\"mounts\":[%s]}", c->linux_part, c->mount);
	return text;
}

static void test_bad_case(void **state)
{
	const struct bad_case *c = *state;
	char err[SPEC_ERR_LEN] = "";
	struct spec_idmount *m = (struct spec_idmount *)1;
	char *text = bad_text(c);
	struct spec *spec = parse_ok(text);
	size_t n = 99;

	assert_int_equal(spec_idmounts(spec, &m, &n, err, sizeof(err)),
			 -EINVAL);
	assert_null(m);
	assert_int_equal(n, 0);
	if (!strstr(err, c->err))
		fail_msg("error \"%s\" lacks \"%s\"", err, c->err);
	for (const char *p = err; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	/* No error buffer: same answer, no crash. */
	assert_int_equal(spec_idmounts(spec, &m, &n, NULL, 0), -EINVAL);
	spec_free(spec);
	free(text);
}

/* ---- main ------------------------------------------------------------- */

int main(void)
{
	enum { N_TESTS = ARRAY_SIZE(mount_cases) + ARRAY_SIZE(bad_cases) };
	struct CMUnitTest tests[N_TESTS];
	static char names[N_TESTS][TEST_NAME_LEN];
	size_t n = 0;

	ROWS(mount_cases, test_mount_case, "mount", what);
	ROWS(bad_cases, test_bad_case, "refused", what);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
