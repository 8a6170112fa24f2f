// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for mapper/idmap.c: both parsers, the kernel's uid_map
 * validation rules, and lookups at every extent edge.
 *
 * Most tests are rows of a table; main() turns each row into its own
 * cmocka test named after the row, so a failure names its input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idmap.h"
#include "test_util.h"

#define U IDMAP_UNMAPPED

enum syntax { TRIPLE, PROC };

struct parse_case {
	enum syntax syntax;
	const char *text;
	/* On success: the number of extents.  Ignored on failure. */
	uint32_t nr;
	/* NULL: must parse.  Else a part of the expected error message. */
	const char *err;
};

/*
 * Leading zeros are accepted: the kernel parses uid_map fields with
 * simple_strtoul(s, &end, 10), which takes "007" as 7.  Signs, blanks
 * inside the triple syntax, base prefixes and values above 4294967295 are
 * refused (the kernel would truncate the latter to 32 bits).
 */
static const struct parse_case parse_cases[] = {
	/* Triple syntax: accepted. */
	{ TRIPLE, "0:524288:65536", 1, NULL },
	{ TRIPLE, "0:0:4294967295", 1, NULL },
	{ TRIPLE, "007:010:1", 1, NULL },
	{ TRIPLE, "00000000000000000000004294967294:0:1", 1, NULL },
	{ TRIPLE, "4294967294:4294967294:1", 1, NULL },
	{ TRIPLE, "4294967290:0:5", 1, NULL },
	{ TRIPLE, "100:2000:10:0:1000:50:200:100:20", 3, NULL },
	{ TRIPLE, "0:1000:10:10:2000:5", 2, NULL },
	{ TRIPLE, "0:1000:10:100:1010:5", 2, NULL },
	{ TRIPLE, "10:0:5:0:5:10", 2, NULL },
	/* Triple syntax: malformed. */
	{ TRIPLE, "", 0, "empty map" },
	{ TRIPLE, "0", 0, "extent 1: missing outside" },
	{ TRIPLE, "0:1", 0, "extent 1: missing count" },
	{ TRIPLE, "0:", 0, "extent 1: outside is empty" },
	{ TRIPLE, "0:1:", 0, "extent 1: count is empty" },
	{ TRIPLE, "0:1:2:", 0, "extent 2: inside is empty" },
	{ TRIPLE, "0:1:2:3", 0, "extent 2: missing outside" },
	{ TRIPLE, "0:1:2:3:4", 0, "extent 2: missing count" },
	{ TRIPLE, "0:1:2::", 0, "extent 2: inside is empty" },
	{ TRIPLE, ":0:1", 0, "extent 1: inside is empty" },
	{ TRIPLE, "0::1", 0, "extent 1: outside is empty" },
	{ TRIPLE, "::", 0, "extent 1: inside is empty" },
	{ TRIPLE, "a:1:1", 0, "extent 1: inside 'a' is not a decimal" },
	{ TRIPLE, "1:b:1", 0, "extent 1: outside 'b' is not a decimal" },
	{ TRIPLE, "1:1:c", 0, "extent 1: count 'c' is not a decimal" },
	{ TRIPLE, "-1:0:1", 0, "inside '-1' is not a decimal" },
	{ TRIPLE, "+1:0:1", 0, "inside '+1' is not a decimal" },
	{ TRIPLE, "0:-5:1", 0, "outside '-5' is not a decimal" },
	{ TRIPLE, " 0:0:1", 0, "inside ' 0' is not a decimal" },
	{ TRIPLE, "0:0:1 ", 0, "count '1 ' is not a decimal" },
	{ TRIPLE, "0 :0:1", 0, "inside '0 ' is not a decimal" },
	{ TRIPLE, "0:0:1\n", 0, "count '1\\n' is not a decimal" },
	{ TRIPLE, "0\t:0:1", 0, "inside '0\\t' is not a decimal" },
	{ TRIPLE, "\x01:0:1", 0, "inside '\\x01' is not a decimal" },
	{ TRIPLE, "\x7f\xff:0:1", 0, "inside '\\x7f\\xff' is not a decimal" },
	{ TRIPLE, "0x10:0:1", 0, "inside '0x10' is not a decimal" },
	{ TRIPLE, "1.0:0:1", 0, "inside '1.0' is not a decimal" },
	{ TRIPLE, "1e3:0:1", 0, "inside '1e3' is not a decimal" },
	{ TRIPLE, "0 0 1", 0, "inside '0 0 1' is not a decimal" },
	{ TRIPLE, "4294967296:0:1", 0,
	  "inside '4294967296' is larger than 4294967295" },
	{ TRIPLE, "0:4294967296:1", 0, "outside '4294967296' is larger" },
	{ TRIPLE, "0:0:4294967296", 0, "count '4294967296' is larger" },
	{ TRIPLE, "99999999999999999999999999999:0:1", 0,
	  "inside '999999999999999999999...' is larger" },
	{ TRIPLE, "0:0:1:0:0:1:junk", 0, "extent 3: inside 'junk'" },
	/* Triple syntax: well formed, refused by the kernel's rules. */
	{ TRIPLE, "0:0:0", 0, "extent 1 (0:0:0): count must be > 0" },
	{ TRIPLE, "0:0:1:100:200:0", 0,
	  "extent 2 (100:200:0): count must be > 0" },
	{ TRIPLE, "4294967295:0:1", 0, "inside range ends after 4294967294" },
	{ TRIPLE, "0:4294967295:1", 0, "outside range ends after 4294967294" },
	{ TRIPLE, "4294967290:0:10", 0, "inside range ends after" },
	{ TRIPLE, "0:4294967290:10", 0, "outside range ends after" },
	{ TRIPLE, "4294967290:0:6", 0, "inside range ends after" },
	{ TRIPLE, "0:4294967290:6", 0, "outside range ends after" },
	{ TRIPLE, "1:0:4294967295", 0, "inside range ends after" },
	{ TRIPLE, "0:1:4294967295", 0, "outside range ends after" },
	{ TRIPLE, "4294967295:4294967295:4294967295", 0, "inside range" },
	{ TRIPLE, "0:1000:10:9:2000:5", 0,
	  "extents 1 and 2 overlap on the inside (on-disk) side" },
	{ TRIPLE, "9:1000:5:0:2000:10", 0,
	  "extents 1 and 2 overlap on the inside" },
	{ TRIPLE, "0:1000:10:100:1009:5", 0,
	  "extents 1 and 2 overlap on the outside (shown) side" },
	{ TRIPLE, "100:1009:5:0:1000:10", 0,
	  "extents 1 and 2 overlap on the outside" },
	{ TRIPLE, "0:0:100:10:1000:5", 0,
	  "extents 1 and 2 overlap on the inside" },
	{ TRIPLE, "10:1000:5:0:0:100", 0,
	  "extents 1 and 2 overlap on the inside" },
	{ TRIPLE, "0:0:1:0:0:1", 0, "extents 1 and 2 overlap on the inside" },
	{ TRIPLE, "0:0:10:5:5:10", 0, "extents 1 and 2 overlap on the inside" },
	{ TRIPLE, "0:0:10:100:100:10:5:1000:1", 0,
	  "extents 1 and 3 overlap on the inside" },
	{ TRIPLE, "0:0:10:100:100:10:1000:105:1", 0,
	  "extents 2 and 3 overlap on the outside" },
	{ TRIPLE, "0:0:4294967295:5:5:1", 0,
	  "extents 1 and 2 overlap on the inside" },
	/* A syntax error later on wins over a rule broken earlier. */
	{ TRIPLE, "0:0:0:x", 0, "extent 2: inside 'x'" },

	/* /proc syntax: accepted. */
	{ PROC, "0 524288 65536", 1, NULL },
	{ PROC, "0 524288 65536\n", 1, NULL },
	{ PROC, "         0          0 4294967295\n", 1, NULL },
	{ PROC, "0\t0\t1\n", 1, NULL },
	{ PROC, " \t 0 \t 0 \t 1 \t \n", 1, NULL },
	{ PROC, "  0   100   10  \n  10 200 5\n", 2, NULL },
	{ PROC, "100 2000 10\n0 1000 50\n200 100 20", 3, NULL },
	{ PROC, "007 010 1\n", 1, NULL },
	/* /proc syntax: malformed. */
	{ PROC, "", 0, "empty map" },
	{ PROC, "\n", 0, "line 1 is blank" },
	{ PROC, " \t \n", 0, "line 1 is blank" },
	{ PROC, "\n0 0 1\n", 0, "line 1 is blank" },
	{ PROC, "0 0 1\n\n", 0, "line 2 is blank" },
	{ PROC, "0 0 1\n\n5 5 1\n", 0, "line 2 is blank" },
	{ PROC, "0 0 1\n   ", 0, "line 2 is blank" },
	{ PROC, "0", 0, "line 1: missing outside" },
	{ PROC, "0 0", 0, "line 1: missing count" },
	{ PROC, "0 0 \n1 1 1\n", 0, "line 1: missing count" },
	{ PROC, "0 0 1 2", 0, "line 1: trailing '2'" },
	{ PROC, "0 0 1 2 3\n4 4 4\n", 0, "line 1: trailing '2 3'" },
	{ PROC, "0 0 1 x\ty", 0, "line 1: trailing 'x\\ty'" },
	{ PROC, "0 0 1x", 0, "line 1: count '1x' is not a decimal" },
	{ PROC, "0,0,1", 0, "line 1: inside '0,0,1' is not a decimal" },
	{ PROC, "0:0:1", 0, "line 1: inside '0:0:1' is not a decimal" },
	{ PROC, "-1 0 1", 0, "line 1: inside '-1' is not a decimal" },
	{ PROC, "0 +1 1", 0, "line 1: outside '+1' is not a decimal" },
	{ PROC, "0 0 1\r\n", 0, "line 1: count '1\\r' is not a decimal" },
	{ PROC, "0\v0\v1", 0, "inside '0\\x0b0\\x0b1' is not a decimal" },
	{ PROC, "0 0 4294967296", 0, "count '4294967296' is larger" },
	{ PROC, "0 0 1\n1 1 1 1\n", 0, "line 2: trailing '1'" },
	/* /proc syntax: well formed, refused by the kernel's rules. */
	{ PROC, "0 0 0", 0, "extent 1 (0:0:0): count must be > 0" },
	{ PROC, "4294967295 0 1\n", 0, "inside range ends after" },
	{ PROC, "0 0 10\n5 100 1\n", 0,
	  "extents 1 and 2 overlap on the inside" },
	{ PROC, "0 0 1\n1 0 1\n", 0, "extents 1 and 2 overlap on the outside" },
};

/* Messages checked whole, to keep their wording deliberate. */
static const struct parse_case message_cases[] = {
	{ TRIPLE, "0:0:1:100:200:0", 0,
	  "extent 2 (100:200:0): count must be > 0" },
	{ TRIPLE, "0:0:10:100:100:10:5:1000:1", 0,
	  "extents 1 and 3 overlap on the inside (on-disk) side" },
	{ TRIPLE, "0:1000:10:100:1009:5", 0,
	  "extents 1 and 2 overlap on the outside (shown) side" },
	{ TRIPLE, "4294967290:0:10", 0,
	  "extent 1 (4294967290:0:10): inside range ends after 4294967294" },
	{ TRIPLE, "a:1:1", 0, "extent 1: inside 'a' is not a decimal number" },
	{ TRIPLE, "0:0:4294967296", 0,
	  "extent 1: count '4294967296' is larger than 4294967295" },
	{ TRIPLE, "0:1", 0,
	  "extent 1: missing count (expected inside:outside:count)" },
	{ TRIPLE, "", 0, "empty map" },
	{ PROC, "0 0", 0,
	  "line 1: missing count (expected 'inside outside count')" },
	{ PROC, "0 0 1 2", 0, "line 1: trailing '2'" },
	{ PROC, "0 0 1\n\n", 0, "line 2 is blank" },
	{ PROC, "0 x 1", 0, "line 1: outside 'x' is not a decimal number" },
};

static int parse(const struct parse_case *c, struct idmap *map, char *err,
		 size_t errlen)
{
	if (c->syntax == TRIPLE)
		return idmap_parse(map, c->text, err, errlen);
	return idmap_parse_proc(map, c->text, err, errlen);
}

static void test_parse_case(void **state)
{
	const struct parse_case *c = *state;
	struct idmap map;
	char err[IDMAP_ERR_LEN];
	int ret;

	memset(err, 0, sizeof(err));
	ret = parse(c, &map, err, sizeof(err));
	if (!c->err) {
		if (ret != 0)
			fail_msg("unexpected error: %s", err);
		assert_int_equal(map.nr_extents, c->nr);
		assert_string_equal(err, "");
		return;
	}
	assert_int_equal(ret, -EINVAL);
	if (!strstr(err, c->err))
		fail_msg("message \"%s\" lacks \"%s\"", err, c->err);
	/* One printable line, never cut short by the buffer. */
	assert_true(strlen(err) < sizeof(err) - 1);
	for (size_t i = 0; err[i]; i++)
		assert_true(err[i] >= 0x20 && err[i] < 0x7f);
	/* A failed parse leaves a map that translates nothing. */
	assert_int_equal(map.nr_extents, 0);
	assert_int_equal(idmap_up(&map, 0), U);
	assert_int_equal(idmap_down(&map, 0), U);
}

static void test_message_case(void **state)
{
	const struct parse_case *c = *state;
	struct idmap map;
	char err[IDMAP_ERR_LEN];

	assert_int_equal(parse(c, &map, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, c->err);
}

/*
 * One row: a map in triple syntax and an id looked up in both directions.
 * Each id is tried both as an on-disk id (up) and as a shown id (down).
 */
struct lookup_case {
	const char *map;
	uint32_t id;
	uint32_t up;
	uint32_t down;
};

#define ONE "0:524288:65536"
#define MID "1000:2000:100"
#define TWO "0:10:1:5:0:1"
/* Unsorted on both sides: inside 100, 0, 200; outside 2000, 1000, 100. */
#define MULTI "100:2000:10:0:1000:50:200:100:20"
#define HIGH "4294967290:0:5:0:4294967290:5"
#define IDENT "0:0:4294967295"

static const struct lookup_case lookup_cases[] = {
	{ ONE, 0, 524288, U },
	{ ONE, 1, 524289, U },
	{ ONE, 65535, 589823, U },
	{ ONE, 65536, U, U },
	{ ONE, 524287, U, U },
	{ ONE, 524288, U, 0 },
	{ ONE, 524289, U, 1 },
	{ ONE, 589823, U, 65535 },
	{ ONE, 589824, U, U },
	{ ONE, 4294967294, U, U },
	{ ONE, 4294967295, U, U },

	{ MID, 0, U, U },
	{ MID, 999, U, U },
	{ MID, 1000, 2000, U },
	{ MID, 1099, 2099, U },
	{ MID, 1100, U, U },
	{ MID, 1999, U, U },
	{ MID, 2000, U, 1000 },
	{ MID, 2099, U, 1099 },
	{ MID, 2100, U, U },
	{ MID, 4294967295, U, U },

	{ TWO, 0, 10, 5 },
	{ TWO, 1, U, U },
	{ TWO, 4, U, U },
	{ TWO, 5, 0, U },
	{ TWO, 6, U, U },
	{ TWO, 9, U, U },
	{ TWO, 10, U, 0 },
	{ TWO, 11, U, U },

	{ MULTI, 0, 1000, U },
	{ MULTI, 49, 1049, U },
	{ MULTI, 50, U, U },
	{ MULTI, 99, U, U },
	{ MULTI, 100, 2000, 200 },
	{ MULTI, 109, 2009, 209 },
	{ MULTI, 110, U, 210 },
	{ MULTI, 119, U, 219 },
	{ MULTI, 120, U, U },
	{ MULTI, 199, U, U },
	{ MULTI, 200, 100, U },
	{ MULTI, 219, 119, U },
	{ MULTI, 220, U, U },
	{ MULTI, 999, U, U },
	{ MULTI, 1000, U, 0 },
	{ MULTI, 1049, U, 49 },
	{ MULTI, 1050, U, U },
	{ MULTI, 1999, U, U },
	{ MULTI, 2000, U, 100 },
	{ MULTI, 2009, U, 109 },
	{ MULTI, 2010, U, U },
	{ MULTI, 4294967295, U, U },

	{ HIGH, 0, 4294967290, 4294967290 },
	{ HIGH, 4, 4294967294, 4294967294 },
	{ HIGH, 5, U, U },
	{ HIGH, 4294967289, U, U },
	{ HIGH, 4294967290, 0, 0 },
	{ HIGH, 4294967294, 4, 4 },
	{ HIGH, 4294967295, U, U },

	{ IDENT, 0, 0, 0 },
	{ IDENT, 1, 1, 1 },
	{ IDENT, 65534, 65534, 65534 },
	{ IDENT, 4294967294, 4294967294, 4294967294 },
	{ IDENT, 4294967295, U, U },

	/* Leading zeros are decimal, not octal. */
	{ "007:010:1", 7, 10, U },
	{ "007:010:1", 10, U, 7 },
};

static void test_lookup_case(void **state)
{
	const struct lookup_case *c = *state;
	struct idmap map;
	char err[IDMAP_ERR_LEN];

	if (idmap_parse(&map, c->map, err, sizeof(err)))
		fail_msg("%s: %s", c->map, err);
	assert_int_equal(idmap_up(&map, c->id), c->up);
	assert_int_equal(idmap_down(&map, c->id), c->down);
}

/* The kernel's map_id_up_base(): a linear scan, the reference. */
static uint32_t ref_up(const struct idmap_extent *ext, uint32_t nr, uint32_t id)
{
	for (uint32_t i = 0; i < nr; i++)
		if (id >= ext[i].inside && id - ext[i].inside < ext[i].count)
			return ext[i].outside + (id - ext[i].inside);
	return U;
}

static uint32_t ref_down(const struct idmap_extent *ext, uint32_t nr,
			 uint32_t id)
{
	for (uint32_t i = 0; i < nr; i++)
		if (id >= ext[i].outside && id - ext[i].outside < ext[i].count)
			return ext[i].inside + (id - ext[i].outside);
	return U;
}

/* Every edge of every extent, on both sides, against the reference. */
static void check_edges(const struct idmap *map, const struct idmap_extent *ext,
			uint32_t nr)
{
	for (uint32_t i = 0; i < nr; i++) {
		const uint32_t firsts[2] = { ext[i].inside, ext[i].outside };

		for (int side = 0; side < 2; side++) {
			uint32_t f = firsts[side];
			const uint32_t ids[] = { f - 1,
						 f,
						 f + 1,
						 f + ext[i].count / 2,
						 f + ext[i].count - 1,
						 f + ext[i].count };

			for (size_t k = 0; k < ARRAY_SIZE(ids); k++) {
				uint32_t up = idmap_up(map, ids[k]);
				uint32_t down = idmap_down(map, ids[k]);

				assert_int_equal(up, ref_up(ext, nr, ids[k]));
				assert_int_equal(down,
						 ref_down(ext, nr, ids[k]));
				/* Round trips, where defined. */
				if (up != U)
					assert_int_equal(idmap_down(map, up),
							 ids[k]);
				if (down != U)
					assert_int_equal(idmap_up(map, down),
							 ids[k]);
			}
		}
	}
}

/*
 * 340 extents, outside in the reverse order of inside, of growing sizes:
 * compare every id in their span with the reference.
 */
static void test_max_map_exhaustive(void **state)
{
	struct idmap_extent ext[IDMAP_MAX_EXTENTS];
	struct idmap map;
	char err[IDMAP_ERR_LEN];
	uint32_t i, id;

	(void)state;
	for (i = 0; i < IDMAP_MAX_EXTENTS; i++) {
		ext[i].inside = i * 1000;
		ext[i].outside = (IDMAP_MAX_EXTENTS - 1 - i) * 1000 + 500;
		ext[i].count = 1 + i;
	}
	if (idmap_from_extents(&map, ext, IDMAP_MAX_EXTENTS, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(map.nr_extents, IDMAP_MAX_EXTENTS);
	for (id = 0; id < IDMAP_MAX_EXTENTS * 1000 + 1000; id++) {
		assert_int_equal(idmap_up(&map, id),
				 ref_up(ext, IDMAP_MAX_EXTENTS, id));
		assert_int_equal(idmap_down(&map, id),
				 ref_down(ext, IDMAP_MAX_EXTENTS, id));
	}
	check_edges(&map, ext, IDMAP_MAX_EXTENTS);
}

/* A small deterministic generator; the state lives with the caller. */
static uint32_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005u + 1442695040888963407u;
	return (uint32_t)(*s >> 32);
}

/*
 * Random valid maps of every size from 1 to 340: extents laid out at
 * random gaps on the inside, shuffled on the outside.
 */
static void test_random_maps(void **state)
{
	struct idmap_extent ext[IDMAP_MAX_EXTENTS];
	uint32_t order[IDMAP_MAX_EXTENTS];
	struct idmap map;
	char err[IDMAP_ERR_LEN];
	uint64_t seed = 42;
	uint32_t nr, i, j, tmp, in, out;

	(void)state;
	for (nr = 1; nr <= IDMAP_MAX_EXTENTS; nr++) {
		for (i = 0; i < nr; i++)
			order[i] = i;
		for (i = nr - 1; i > 0; i--) {
			j = lcg(&seed) % (i + 1);
			tmp = order[i];
			order[i] = order[j];
			order[j] = tmp;
		}
		in = lcg(&seed) % 3;
		for (i = 0; i < nr; i++) {
			ext[i].inside = in;
			ext[i].count = 1 + lcg(&seed) % 5000;
			in += ext[i].count + lcg(&seed) % 3;
		}
		out = lcg(&seed) % 3;
		for (i = 0; i < nr; i++) {
			ext[order[i]].outside = out;
			out += ext[order[i]].count + lcg(&seed) % 3;
		}
		if (idmap_from_extents(&map, ext, nr, err, sizeof(err)))
			fail_msg("%u extents: %s", nr, err);
		check_edges(&map, ext, nr);
		for (i = 0; i < 200; i++) {
			uint32_t id = lcg(&seed) % (in > out ? in : out);

			assert_int_equal(idmap_up(&map, id),
					 ref_up(ext, nr, id));
			assert_int_equal(idmap_down(&map, id),
					 ref_down(ext, nr, id));
		}
	}
}

/* The extents are kept sorted by inside in up[] and by outside in down[]. */
static void test_sorted(void **state)
{
	struct idmap map;

	(void)state;
	assert_int_equal(idmap_parse(&map, MULTI, NULL, 0), 0);
	assert_int_equal(map.nr_extents, 3);
	assert_int_equal(map.up[0].inside, 0);
	assert_int_equal(map.up[1].inside, 100);
	assert_int_equal(map.up[2].inside, 200);
	assert_int_equal(map.up[2].outside, 100);
	assert_int_equal(map.up[2].count, 20);
	assert_int_equal(map.down[0].outside, 100);
	assert_int_equal(map.down[1].outside, 1000);
	assert_int_equal(map.down[2].outside, 2000);
	assert_int_equal(map.down[2].inside, 100);
	assert_int_equal(map.down[2].count, 10);
}

static void test_identity(void **state)
{
	struct idmap id, parsed;
	const uint32_t ids[] = { 0, 1, 1000, 65534, 65535, 4294967294 };

	(void)state;
	idmap_identity(&id);
	assert_int_equal(idmap_parse(&parsed, IDENT, NULL, 0), 0);
	assert_int_equal(id.nr_extents, 1);
	assert_memory_equal(&id.up[0], &parsed.up[0], sizeof(id.up[0]));
	assert_memory_equal(&id.down[0], &parsed.down[0], sizeof(id.down[0]));
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		assert_int_equal(idmap_up(&id, ids[i]), ids[i]);
		assert_int_equal(idmap_down(&id, ids[i]), ids[i]);
	}
	assert_int_equal(idmap_up(&id, 4294967295), U);
	assert_int_equal(idmap_down(&id, 4294967295), U);
}

/* Build nr extents "i*10:i*10:1" in either syntax, heap allocated. */
static char *many_extents(enum syntax syntax, uint32_t nr)
{
	size_t size = (size_t)nr * 32 + 1, off = 0;
	char *text = malloc(size);

	assert_non_null(text);
	text[0] = '\0';
	for (uint32_t i = 0; i < nr; i++) {
		int n = syntax == TRIPLE
				? snprintf(text + off, size - off, "%s%u:%u:1",
					   i ? ":" : "", i * 10, i * 10)
				: snprintf(text + off, size - off, "%u %u 1\n",
					   i * 10, i * 10);

		assert_true(n > 0 && (size_t)n < size - off);
		off += (size_t)n;
	}
	return text;
}

static void test_extent_limit(void **state)
{
	const enum syntax syntaxes[] = { TRIPLE, PROC };
	struct idmap map;
	char err[IDMAP_ERR_LEN];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(syntaxes); i++) {
		struct parse_case c = { syntaxes[i], NULL, 0, NULL };
		char *text;

		text = many_extents(syntaxes[i], IDMAP_MAX_EXTENTS);
		c.text = text;
		assert_int_equal(parse(&c, &map, err, sizeof(err)), 0);
		assert_int_equal(map.nr_extents, IDMAP_MAX_EXTENTS);
		assert_int_equal(idmap_up(&map, 3390), 3390);
		free(text);

		text = many_extents(syntaxes[i], IDMAP_MAX_EXTENTS + 1);
		c.text = text;
		assert_int_equal(parse(&c, &map, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, "more than 340 extents");
		assert_int_equal(map.nr_extents, 0);
		free(text);
	}
}

static void test_from_extents_limits(void **state)
{
	struct idmap_extent ext[IDMAP_MAX_EXTENTS + 1];
	struct idmap map;
	char err[IDMAP_ERR_LEN];

	(void)state;
	for (uint32_t i = 0; i < ARRAY_SIZE(ext); i++)
		ext[i] = (struct idmap_extent){ i * 2, i * 3, 1 };
	assert_int_equal(idmap_from_extents(&map, ext, 0, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "no extents");
	assert_int_equal(idmap_from_extents(&map, ext, IDMAP_MAX_EXTENTS + 1,
					    err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "341 extents, at most 340 allowed");
	assert_int_equal(idmap_from_extents(&map, ext, IDMAP_MAX_EXTENTS, err,
					    sizeof(err)),
			 0);
	assert_int_equal(idmap_up(&map, 678), 1017);
	assert_int_equal(idmap_down(&map, 1017), 678);
	assert_int_equal(idmap_up(&map, 679), U);
}

/* @extents may be the map's own arrays (re-validating a map in place). */
static void test_from_extents_in_place(void **state)
{
	struct idmap map;

	(void)state;
	assert_int_equal(idmap_parse(&map, MULTI, NULL, 0), 0);
	assert_int_equal(idmap_from_extents(&map, map.down, 3, NULL, 0), 0);
	assert_int_equal(idmap_up(&map, 200), 100);
	assert_int_equal(idmap_down(&map, 2009), 109);
	assert_int_equal(idmap_from_extents(&map, map.up, 3, NULL, 0), 0);
	assert_int_equal(idmap_up(&map, 49), 1049);
	assert_int_equal(idmap_down(&map, 119), 219);
}

/* The message buffer: optional, and never overrun. */
static void test_error_buffer(void **state)
{
	struct idmap map;
	char err[16];

	(void)state;
	assert_int_equal(idmap_parse(&map, "0:0:0", NULL, 0), -EINVAL);
	assert_int_equal(idmap_parse(&map, "0:0:0", NULL, 100), -EINVAL);
	assert_int_equal(idmap_parse_proc(&map, "x", NULL, 100), -EINVAL);
	assert_int_equal(idmap_from_extents(&map, NULL, 0, NULL, 100), -EINVAL);

	memset(err, 'Z', sizeof(err));
	assert_int_equal(idmap_parse(&map, "0:0:0", err, 0), -EINVAL);
	assert_int_equal(err[0], 'Z');

	memset(err, 'Z', sizeof(err));
	assert_int_equal(idmap_parse(&map, "0:0:0", err, 1), -EINVAL);
	assert_int_equal(err[0], '\0');
	assert_int_equal(err[1], 'Z');

	memset(err, 'Z', sizeof(err));
	assert_int_equal(idmap_parse(&map, "0:0:0", err, 8), -EINVAL);
	assert_string_equal(err, "extent ");
	assert_int_equal(err[8], 'Z');
}

/* A map that fails to parse must not keep translating with old extents. */
static void test_failed_parse_clears(void **state)
{
	struct idmap map;

	(void)state;
	assert_int_equal(idmap_parse(&map, ONE, NULL, 0), 0);
	assert_int_equal(idmap_up(&map, 0), 524288);
	assert_int_equal(idmap_parse(&map, "0:0:0", NULL, 0), -EINVAL);
	assert_int_equal(idmap_up(&map, 0), U);

	assert_int_equal(idmap_parse(&map, ONE, NULL, 0), 0);
	assert_int_equal(idmap_parse_proc(&map, "x", NULL, 0), -EINVAL);
	assert_int_equal(idmap_down(&map, 524288), U);
}

int main(void)
{
	enum {
		N_PARSE = ARRAY_SIZE(parse_cases),
		N_MESSAGE = ARRAY_SIZE(message_cases),
		N_LOOKUP = ARRAY_SIZE(lookup_cases),
		N_FIXED = 9,
		N_TESTS = N_FIXED + N_PARSE + N_MESSAGE + N_LOOKUP,
	};
	static const char *const syntax_name[] = { "triple", "proc" };
	struct CMUnitTest tests[N_TESTS] = {
		cmocka_unit_test(test_max_map_exhaustive),
		cmocka_unit_test(test_random_maps),
		cmocka_unit_test(test_sorted),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_extent_limit),
		cmocka_unit_test(test_from_extents_limits),
		cmocka_unit_test(test_from_extents_in_place),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_failed_parse_clears),
	};
	char names[N_TESTS][TEST_NAME_LEN];
	char what[TEST_NAME_LEN];
	size_t i, n = N_FIXED;

	for (i = 0; i < N_PARSE; i++, n++) {
		test_name(names[n], "parse", syntax_name[parse_cases[i].syntax],
			  parse_cases[i].text);
		tests[n] = row_test(test_parse_case, names[n], &parse_cases[i]);
	}
	for (i = 0; i < N_MESSAGE; i++, n++) {
		test_name(names[n], "message",
			  syntax_name[message_cases[i].syntax],
			  message_cases[i].text);
		tests[n] = row_test(test_message_case, names[n],
				    &message_cases[i]);
	}
	for (i = 0; i < N_LOOKUP; i++, n++) {
		snprintf(what, sizeof(what), "%u in %s", lookup_cases[i].id,
			 lookup_cases[i].map);
		test_name(names[n], "lookup", NULL, what);
		tests[n] =
			row_test(test_lookup_case, names[n], &lookup_cases[i]);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
