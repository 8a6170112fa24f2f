// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for mapper/xattr_ids.c: POSIX ACL and file capability values,
 * both directions, built byte by byte in little-endian order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "idmap.h"
#include "test_util.h"
#include "xattr_ids.h"

#define UID_MAP "0:100000:65536"
#define GID_MAP "0:200000:65536"
#define OVERFLOW_UID 65534
#define OVERFLOW_GID 65533 /* differs from the uid, to tell them apart */

#define USER_OBJ 0x01
#define USER 0x02
#define GROUP_OBJ 0x04
#define GROUP 0x08
#define MASK 0x10
#define OTHER 0x20
#define NO_ID 0xffffffffu /* ACL_UNDEFINED_ID */

enum dir { UP, DOWN };

static void put_le16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)(v >> 8 & 0xff);
}

static void put_le32(unsigned char *p, uint32_t v)
{
	put_le16(p, v & 0xffff);
	put_le16(p + 2, v >> 16);
}

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void load_maps(struct idmap *uids, struct idmap *gids)
{
	assert_int_equal(idmap_parse(uids, UID_MAP, NULL, 0), 0);
	assert_int_equal(idmap_parse(gids, GID_MAP, NULL, 0), 0);
}

/* ---- POSIX ACLs ---- */

#define ACL_MAX 8

/* One entry: its tag, its id, and the id expected after translation. */
struct acl_pair {
	uint32_t tag;
	uint32_t in;
	uint32_t out;
};

struct acl_case {
	const char *name;
	enum dir dir;
	/* On error the value must come back unchanged. */
	int ret;
	/* Up to ACL_MAX entries, ended by tag 0 (no ACL tag is 0). */
	struct acl_pair e[ACL_MAX];
};

static const struct acl_case acl_cases[] = {
	{ "header only up", UP, 0, { { 0 } } },
	{ "header only down", DOWN, 0, { { 0 } } },
	{ "USER up", UP, 0, { { USER, 5, 100005 } } },
	{ "GROUP up", UP, 0, { { GROUP, 5, 200005 } } },
	{ "USER down", DOWN, 0, { { USER, 100005, 5 } } },
	{ "GROUP down", DOWN, 0, { { GROUP, 200005, 5 } } },
	{ "edges up",
	  UP,
	  0,
	  {
		  { USER, 0, 100000 },
		  { USER, 65535, 165535 },
		  { GROUP, 0, 200000 },
		  { GROUP, 65535, 265535 },
	  } },
	{ "edges down",
	  DOWN,
	  0,
	  {
		  { USER, 100000, 0 },
		  { USER, 165535, 65535 },
		  { GROUP, 200000, 0 },
		  { GROUP, 265535, 65535 },
	  } },
	{ "full ACL up",
	  UP,
	  0,
	  {
		  { USER_OBJ, NO_ID, NO_ID },
		  { USER, 1000, 101000 },
		  { USER, 0, 100000 },
		  { GROUP_OBJ, NO_ID, NO_ID },
		  { GROUP, 1000, 201000 },
		  { MASK, NO_ID, NO_ID },
		  { OTHER, NO_ID, NO_ID },
	  } },
	{ "full ACL down",
	  DOWN,
	  0,
	  {
		  { USER_OBJ, NO_ID, NO_ID },
		  { USER, 101000, 1000 },
		  { USER, 100000, 0 },
		  { GROUP_OBJ, NO_ID, NO_ID },
		  { GROUP, 201000, 1000 },
		  { MASK, NO_ID, NO_ID },
		  { OTHER, NO_ID, NO_ID },
	  } },
	/* Tags without an id keep whatever they carry, even a mapped id. */
	{ "id-less tags untouched up",
	  UP,
	  0,
	  {
		  { USER_OBJ, 5, 5 },
		  { GROUP_OBJ, 5, 5 },
		  { MASK, 5, 5 },
		  { OTHER, 5, 5 },
		  { 0x40, 5, 5 },
		  { 0x0102, 5, 5 }, /* USER in the low byte only */
	  } },
	{ "id-less tags untouched down",
	  DOWN,
	  0,
	  {
		  { USER_OBJ, 100005, 100005 },
		  { GROUP_OBJ, 100005, 100005 },
		  { MASK, 100005, 100005 },
		  { OTHER, 100005, 100005 },
		  { 0x40, 100005, 100005 },
		  { 0x0802, 100005, 100005 }, /* USER in the low byte only */
	  } },
	/* Up: what is not in the map shows as the overflow ids. */
	{ "unmapped up",
	  UP,
	  0,
	  {
		  { USER, 65536, OVERFLOW_UID },
		  { GROUP, 70000, OVERFLOW_GID },
		  { USER, NO_ID, OVERFLOW_UID },
		  { GROUP, NO_ID, OVERFLOW_GID },
		  { USER, 3, 100003 },
	  } },
	/* Down: refused whole, even when earlier entries could be mapped. */
	{ "unmapped USER down",
	  DOWN,
	  -EOVERFLOW,
	  {
		  { USER, 100005, 0 },
		  { GROUP, 200005, 0 },
		  { USER, 5, 0 },
	  } },
	{ "unmapped GROUP down",
	  DOWN,
	  -EOVERFLOW,
	  {
		  { USER, 100005, 0 },
		  { GROUP, 200005, 0 },
		  { GROUP, 165535, 0 },
	  } },
	{ "USER with a gid down", DOWN, -EOVERFLOW, { { USER, 200000, 0 } } },
	{ "USER -1 down", DOWN, -EOVERFLOW, { { USER, NO_ID, 0 } } },
	{ "GROUP -1 down", DOWN, -EOVERFLOW, { { GROUP, NO_ID, 0 } } },
};

/*
 * The xattr form: le32 version 2, then { le16 tag, le16 perm, le32 id }
 * per entry.  Perms are arbitrary, all 16 bits used, and must never change.
 */
static size_t acl_build(unsigned char *buf, const struct acl_pair *e,
			int want_out)
{
	size_t n;

	put_le32(buf, 2);
	for (n = 0; n < ACL_MAX && e[n].tag; n++) {
		unsigned char *p = buf + 4 + 8 * n;

		put_le16(p, e[n].tag);
		put_le16(p + 2, 0xfff0 + n);
		put_le32(p + 4, want_out ? e[n].out : e[n].in);
	}
	return 4 + 8 * n;
}

static int acl_translate(enum dir dir, unsigned char *value, size_t size,
			 const struct idmap *uids, const struct idmap *gids)
{
	if (dir == UP)
		return xattr_ids_acl_up(value, size, uids, gids, OVERFLOW_UID,
					OVERFLOW_GID);
	return xattr_ids_acl_down(value, size, uids, gids);
}

static void test_acl_case(void **state)
{
	const struct acl_case *c = *state;
	/* One spare byte in front: values need not be aligned. */
	unsigned char raw[1 + 4 + 8 * ACL_MAX], want[4 + 8 * ACL_MAX];
	unsigned char *value = raw + 1;
	struct idmap uids, gids;
	size_t size;

	load_maps(&uids, &gids);
	size = acl_build(value, c->e, 0);
	if (c->ret == 0)
		acl_build(want, c->e, 1);
	else
		memcpy(want, value, size);
	assert_int_equal(acl_translate(c->dir, value, size, &uids, &gids),
			 c->ret);
	assert_memory_equal(value, want, size);
}

/* The layout spelt out in bytes, independent of the helpers above. */
static void test_acl_bytes(void **state)
{
	unsigned char value[] = {
		0x02, 0x00, 0x00, 0x00, /* version 2 */
		0x02, 0x00, 0x06, 0x00, /* ACL_USER, rw- */
		0x05, 0x00, 0x00, 0x00, /* uid 5 */
		0x08, 0x00, 0x04, 0x00, /* ACL_GROUP, r-- */
		0x00, 0x01, 0x00, 0x00, /* gid 256 */
	};
	const unsigned char shown[] = {
		0x02, 0x00, 0x00, 0x00, /* version 2 */
		0x02, 0x00, 0x06, 0x00, /* ACL_USER, rw- */
		0xa5, 0x86, 0x01, 0x00, /* uid 100005 = 0x186a5 */
		0x08, 0x00, 0x04, 0x00, /* ACL_GROUP, r-- */
		0x40, 0x0e, 0x03, 0x00, /* gid 200256 = 0x30e40 */
	};
	unsigned char orig[sizeof(value)];
	struct idmap uids, gids;

	(void)state;
	memcpy(orig, value, sizeof(value));
	load_maps(&uids, &gids);
	assert_int_equal(xattr_ids_acl_up(value, sizeof(value), &uids, &gids,
					  OVERFLOW_UID, OVERFLOW_GID),
			 0);
	assert_memory_equal(value, shown, sizeof(shown));
	assert_int_equal(xattr_ids_acl_down(value, sizeof(value), &uids, &gids),
			 0);
	assert_memory_equal(value, orig, sizeof(orig));
}

/* One map object may serve as both uid and gid map. */
static void test_acl_same_map(void **state)
{
	static const struct acl_pair ents[] = {
		{ USER, 1, 1001 },
		{ GROUP, 2, 1002 },
		{ 0 },
	};
	unsigned char value[4 + 8 * 2], want[sizeof(value)];
	struct idmap map;

	(void)state;
	assert_int_equal(idmap_parse(&map, "0:1000:10", NULL, 0), 0);
	acl_build(value, ents, 0);
	acl_build(want, ents, 1);
	assert_int_equal(
		xattr_ids_acl_up(value, sizeof(value), &map, &map, 7, 8), 0);
	assert_memory_equal(value, want, sizeof(value));
	assert_int_equal(xattr_ids_acl_down(value, sizeof(value), &map, &map),
			 0);
	acl_build(want, ents, 0);
	assert_memory_equal(value, want, sizeof(value));
}

/* Malformed values: -EINVAL both ways, nothing written. */
static void test_acl_malformed(void **state)
{
	static const size_t bad_sizes[] = { 0, 1, 3, 5, 8, 11, 13, 19, 21, 27 };
	static const uint32_t bad_versions[] = {
		0, 1, 3, 0x02000000, 0x00020000, 0x00010002, 0xffff0002, 0x102
	};
	static const struct acl_pair ents[] = {
		{ USER, 100001, 0 },
		{ GROUP, 200001, 0 },
		{ USER, 100002, 0 },
		{ 0 },
	};
	unsigned char value[4 + 8 * 3], orig[sizeof(value)];
	struct idmap uids, gids;
	enum dir dir;
	size_t i;

	(void)state;
	load_maps(&uids, &gids);
	acl_build(value, ents, 0);
	memcpy(orig, value, sizeof(value));
	for (dir = UP; dir <= DOWN; dir++) {
		for (i = 0; i < ARRAY_SIZE(bad_sizes); i++) {
			assert_int_equal(acl_translate(dir, value, bad_sizes[i],
						       &uids, &gids),
					 -EINVAL);
			assert_memory_equal(value, orig, sizeof(orig));
		}
		for (i = 0; i < ARRAY_SIZE(bad_versions); i++) {
			put_le32(value, bad_versions[i]);
			memcpy(orig, value, sizeof(value));
			assert_int_equal(acl_translate(dir, value,
						       sizeof(value), &uids,
						       &gids),
					 -EINVAL);
			assert_memory_equal(value, orig, sizeof(orig));
		}
		put_le32(value, 2);
		memcpy(orig, value, sizeof(value));
	}
}

/* ---- File capabilities ---- */

#define V2 0x02000000u
#define V3 0x03000000u
#define EFF 0x000001u
#define NONE 0 /* no rootid: a v2 value */

struct cap_case {
	const char *name;
	enum dir dir;
	uint32_t magic;
	size_t size;
	uint32_t rootid; /* written at bytes 20..23 when size >= 24 */
	size_t bufsize;
	int ret;
	/* Expected when ret > 0; on error the buffer is unchanged. */
	uint32_t out_magic;
	uint32_t out_rootid;
};

static const struct cap_case cap_cases[] = {
	{ "v2 up grows to v3", UP, V2, 20, NONE, 24, 24, V3, 100000 },
	{ "v2 up keeps effective", UP, V2 | EFF, 20, NONE, 24, 24, V3 | EFF,
	  100000 },
	{ "v2 up into a large buffer", UP, V2, 20, NONE, 64, 24, V3, 100000 },
	{ "v2 up, buffer of 20", UP, V2, 20, NONE, 20, -ERANGE, 0, 0 },
	{ "v2 up, buffer of 23", UP, V2, 20, NONE, 23, -ERANGE, 0, 0 },
	{ "v3 up root 0", UP, V3, 24, 0, 24, 24, V3, 100000 },
	{ "v3 up last", UP, V3, 24, 65535, 24, 24, V3, 165535 },
	{ "v3 up keeps effective", UP, V3 | EFF, 24, 7, 24, 24, V3 | EFF,
	  100007 },
	{ "v3 up unmapped", UP, V3, 24, 65536, 24, 24, V3, 4294967295u },
	{ "v3 up -1", UP, V3, 24, 4294967295u, 24, 24, V3, 4294967295u },
	{ "v3 down", DOWN, V3, 24, 100000, 24, 24, V3, 0 },
	{ "v3 down last", DOWN, V3, 24, 165535, 24, 24, V3, 65535 },
	{ "v3 down keeps effective", DOWN, V3 | EFF, 24, 100007, 24, 24,
	  V3 | EFF, 7 },
	{ "v3 down unmapped", DOWN, V3, 24, 5, 24, -EOVERFLOW, 0, 0 },
	{ "v3 down first-1", DOWN, V3, 24, 99999, 24, -EOVERFLOW, 0, 0 },
	{ "v3 down last+1", DOWN, V3, 24, 165536, 24, -EOVERFLOW, 0, 0 },
	{ "v3 down -1", DOWN, V3, 24, 4294967295u, 24, -EOVERFLOW, 0, 0 },
	/* Shown 0 is not in this map: a v2 value cannot be stored. */
	{ "v2 down, root 0 unmapped", DOWN, V2, 20, NONE, 24, -EOVERFLOW, 0,
	  0 },
};

/* Malformed: -EINVAL in both directions, before any -ERANGE. */
static const struct cap_case cap_bad_cases[] = {
	{ "v2 magic, size 24", UP, V2, 24, 0, 24, -EINVAL, 0, 0 },
	{ "v3 magic, size 20", UP, V3, 20, NONE, 24, -EINVAL, 0, 0 },
	{ "v2 magic, size 19", UP, V2, 19, NONE, 24, -EINVAL, 0, 0 },
	{ "v2 magic, size 21", UP, V2, 21, NONE, 24, -EINVAL, 0, 0 },
	{ "v3 magic, size 23", UP, V3, 23, NONE, 24, -EINVAL, 0, 0 },
	{ "v3 magic, size 25", UP, V3, 25, 0, 25, -EINVAL, 0, 0 },
	{ "size 0", UP, V3, 0, NONE, 24, -EINVAL, 0, 0 },
	{ "size 4", UP, V3, 4, NONE, 24, -EINVAL, 0, 0 },
	{ "v1 (12 bytes)", UP, 0x01000000, 12, NONE, 24, -EINVAL, 0, 0 },
	{ "v1 magic, size 20", UP, 0x01000000, 20, NONE, 24, -EINVAL, 0, 0 },
	{ "revision 4", UP, 0x04000000, 24, 0, 24, -EINVAL, 0, 0 },
	{ "revision 0", UP, 0, 20, NONE, 24, -EINVAL, 0, 0 },
	{ "unknown flag 0x2", UP, V2 | 0x2, 20, NONE, 24, -EINVAL, 0, 0 },
	{ "unknown flag 0x100", UP, V3 | 0x100, 24, 0, 24, -EINVAL, 0, 0 },
	{ "unknown flag 0x10000", UP, V3 | 0x10000, 24, 0, 24, -EINVAL, 0, 0 },
	{ "revision bits 0x82", UP, 0x82000000, 20, NONE, 24, -EINVAL, 0, 0 },
	{ "big-endian v2 magic", UP, 0x00000002, 20, NONE, 24, -EINVAL, 0, 0 },
	{ "bad before small buffer", UP, V2 | 0x2, 20, NONE, 20, -EINVAL, 0,
	  0 },
};

/*
 * Fill @buf (32 bytes) with a capability value of @size bytes: magic, the
 * capability sets 0x10..0x1f, the rootid if the size has room, then filler.
 */
static void cap_build(unsigned char *buf, uint32_t magic, size_t size,
		      uint32_t rootid)
{
	memset(buf, 0xee, 32);
	if (size >= 4)
		put_le32(buf, magic);
	for (size_t i = 4; i < 20 && i < size; i++)
		buf[i] = (unsigned char)(0x10 + i - 4);
	if (size >= 24)
		put_le32(buf + 20, rootid);
}

static int cap_translate(const struct cap_case *c, unsigned char *buf,
			 const struct idmap *uids)
{
	if (c->dir == UP)
		return xattr_ids_cap_up(buf, c->size, c->bufsize, uids);
	return xattr_ids_cap_down(buf, c->size, c->bufsize, uids);
}

static void test_cap_case(void **state)
{
	const struct cap_case *c = *state;
	/* One spare byte in front: values need not be aligned. */
	unsigned char raw[1 + 32], orig[32];
	unsigned char *buf = raw + 1;
	struct idmap uids, gids;
	int ret;

	load_maps(&uids, &gids);
	cap_build(buf, c->magic, c->size, c->rootid);
	memcpy(orig, buf, sizeof(orig));
	ret = cap_translate(c, buf, &uids);
	assert_int_equal(ret, c->ret);
	if (ret < 0) {
		assert_memory_equal(buf, orig, sizeof(orig));
		return;
	}
	assert_int_equal(get_le32(buf), c->out_magic);
	/* The capability sets never change. */
	assert_memory_equal(buf + 4, orig + 4, 16);
	if (ret == 24)
		assert_int_equal(get_le32(buf + 20), c->out_rootid);
	/* Nothing is written past the returned size. */
	assert_memory_equal(buf + ret, orig + ret, sizeof(orig) - (size_t)ret);
}

/* Each malformed value, in the other direction too. */
static void test_cap_bad_down(void **state)
{
	const struct cap_case *c = *state;
	struct cap_case down = *c;
	unsigned char buf[32], orig[32];
	struct idmap uids, gids;

	load_maps(&uids, &gids);
	down.dir = DOWN;
	cap_build(buf, c->magic, c->size, 100000);
	memcpy(orig, buf, sizeof(orig));
	assert_int_equal(cap_translate(&down, buf, &uids), -EINVAL);
	assert_memory_equal(buf, orig, sizeof(orig));
}

/* Up then down gives back what was stored, except that v2 becomes v3. */
static void test_cap_round_trip(void **state)
{
	const uint32_t roots[] = { 0, 1, 1000, 65535 };
	unsigned char buf[32], orig[32];
	struct idmap uids, gids;

	(void)state;
	load_maps(&uids, &gids);
	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		cap_build(buf, V3 | EFF, 24, roots[i]);
		memcpy(orig, buf, sizeof(buf));
		assert_int_equal(xattr_ids_cap_up(buf, 24, 24, &uids), 24);
		assert_int_equal(xattr_ids_cap_down(buf, 24, 24, &uids), 24);
		assert_memory_equal(buf, orig, sizeof(buf));
	}
	cap_build(buf, V2, 20, NONE);
	memcpy(orig, buf, sizeof(buf));
	assert_int_equal(xattr_ids_cap_up(buf, 20, 24, &uids), 24);
	assert_int_equal(xattr_ids_cap_down(buf, 24, 24, &uids), 24);
	assert_int_equal(get_le32(buf), V3);
	assert_memory_equal(buf + 4, orig + 4, 16);
	assert_int_equal(get_le32(buf + 20), 0);
}

/*
 * v2 written through the mount stands for shown root 0: kept as v2 where
 * shown 0 is on-disk 0, grown to v3 where it is another on-disk id, with
 * -ERANGE (and nothing changed) when the buffer cannot grow.
 */
static void test_cap_v2_down(void **state)
{
	static const struct {
		const char *map;
		size_t bufsize;
		int ret;
		uint32_t out_magic;
		uint32_t out_rootid;
	} cases[] = {
		{ "0:0:1:1:100001:65535", 20, 20, V2 | EFF, NONE },
		{ "5:0:1", 24, 24, V3 | EFF, 5 },
		{ "5:0:1", 23, -ERANGE, 0, 0 },
		{ "0:100000:65536", 24, -EOVERFLOW, 0, 0 },
	};
	unsigned char buf[32], orig[32];
	struct idmap uids;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int ret;

		assert_int_equal(idmap_parse(&uids, cases[i].map, NULL, 0), 0);
		cap_build(buf, V2 | EFF, 20, NONE);
		memcpy(orig, buf, sizeof(orig));
		ret = xattr_ids_cap_down(buf, 20, cases[i].bufsize, &uids);
		assert_int_equal(ret, cases[i].ret);
		if (ret < 0) {
			assert_memory_equal(buf, orig, sizeof(orig));
			continue;
		}
		assert_int_equal(get_le32(buf), cases[i].out_magic);
		assert_memory_equal(buf + 4, orig + 4, 16);
		if (ret == 24)
			assert_int_equal(get_le32(buf + 20),
					 cases[i].out_rootid);
		assert_memory_equal(buf + ret, orig + ret,
				    sizeof(orig) - (size_t)ret);
	}
}

/* The layout spelt out in bytes, and the identity map. */
static void test_cap_bytes(void **state)
{
	unsigned char buf[24] = {
		0x01, 0x00, 0x00, 0x02, /* v2, effective */
		1,    2,    3,	  4,	5,  6,	7,  8,
		9,    10,   11,	  12,	13, 14, 15, 16,
	};
	const unsigned char
		shown[24] = {
			0x01, 0x00, 0x00, 0x03, /* v3, effective */
			1,    2,    3,	  4,	5,    6,    7,
			8,    9,    10,	  11,	12,   13,   14,
			15,   16,   0x00, 0x00, 0x00, 0x00, /* rootid 0 */
		};
	struct idmap ident;

	(void)state;
	idmap_identity(&ident);
	assert_int_equal(xattr_ids_cap_up(buf, 20, sizeof(buf), &ident), 24);
	assert_memory_equal(buf, shown, sizeof(shown));
}

/* ---- Names ---- */

struct kind_case {
	const char *name;
	enum xattr_ids_kind kind;
};

static const struct kind_case kind_cases[] = {
	{ "system.posix_acl_access", XATTR_IDS_ACL },
	{ "system.posix_acl_default", XATTR_IDS_ACL },
	{ "security.capability", XATTR_IDS_CAP },
	{ "", XATTR_IDS_NONE },
	{ "user.foo", XATTR_IDS_NONE },
	{ "system.posix_acl", XATTR_IDS_NONE },
	{ "system.posix_acl_access2", XATTR_IDS_NONE },
	{ "System.posix_acl_access", XATTR_IDS_NONE },
	{ "security.capabilit", XATTR_IDS_NONE },
	{ "security.capability.x", XATTR_IDS_NONE },
	{ "security.selinux", XATTR_IDS_NONE },
	{ "trusted.overlay.opaque", XATTR_IDS_NONE },
	{ "system.nfs4_acl", XATTR_IDS_NONE },
};

static void test_kind_case(void **state)
{
	const struct kind_case *c = *state;

	assert_int_equal(xattr_ids_kind(c->name), c->kind);
}

int main(void)
{
	enum {
		N_ACL = ARRAY_SIZE(acl_cases),
		N_CAP = ARRAY_SIZE(cap_cases),
		N_CAP_BAD = ARRAY_SIZE(cap_bad_cases),
		N_KIND = ARRAY_SIZE(kind_cases),
		N_FIXED = 5,
		N_TESTS = N_FIXED + N_ACL + N_CAP + 2 * N_CAP_BAD + N_KIND,
	};
	struct CMUnitTest tests[N_TESTS] = {
		cmocka_unit_test(test_acl_bytes),
		cmocka_unit_test(test_acl_same_map),
		cmocka_unit_test(test_acl_malformed),
		cmocka_unit_test(test_cap_round_trip),
		cmocka_unit_test(test_cap_v2_down),
		cmocka_unit_test(test_cap_bytes),
	};
	char names[N_TESTS][TEST_NAME_LEN];
	size_t i, n = N_FIXED;

	for (i = 0; i < N_ACL; i++, n++) {
		test_name(names[n], "acl", NULL, acl_cases[i].name);
		tests[n] = row_test(test_acl_case, names[n], &acl_cases[i]);
	}
	for (i = 0; i < N_CAP; i++, n++) {
		test_name(names[n], "cap", NULL, cap_cases[i].name);
		tests[n] = row_test(test_cap_case, names[n], &cap_cases[i]);
	}
	for (i = 0; i < N_CAP_BAD; i++, n++) {
		test_name(names[n], "cap up", NULL, cap_bad_cases[i].name);
		tests[n] = row_test(test_cap_case, names[n], &cap_bad_cases[i]);
	}
	for (i = 0; i < N_CAP_BAD; i++, n++) {
		test_name(names[n], "cap down", NULL, cap_bad_cases[i].name);
		tests[n] = row_test(test_cap_bad_down, names[n],
				    &cap_bad_cases[i]);
	}
	for (i = 0; i < N_KIND; i++, n++) {
		test_name(names[n], "kind", NULL, kind_cases[i].name);
		tests[n] = row_test(test_kind_case, names[n], &kind_cases[i]);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
