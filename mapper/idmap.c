// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * idmap: parse, validate and look up ID maps.
 *
 * Validation follows the kernel's write to /proc/PID/uid_map (map_write()
 * and mappings_overlap() in kernel/user_namespace.c) rule for rule, so that
 * a map uidmapfs accepts is exactly a map a user namespace could hold, and
 * the translation matches the kernel's ID-mapped mount of that namespace.
 */
#include "idmap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How much of an offending field an error message quotes. */
#define QUOTE_MAX 24

static const char *const field_name[3] = { "inside", "outside", "count" };

/*
 * Parse the field s[0..len) as a decimal u32.  Only ASCII digits are
 * accepted: no sign, no blank, no base prefix.  Leading zeros are accepted
 * because the kernel's simple_strtoul(s, &end, 10) in map_write() accepts
 * them ("007" is 7).  The kernel silently truncates values above
 * 4294967295 to 32 bits; we reject them instead, since a truncated id is
 * never what the user meant.
 *
 * Returns 0, -EINVAL (empty or not a number) or -ERANGE (too large).
 */
static int parse_u32(const char *s, size_t len, uint32_t *val)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
		/* Stop before a long run of digits could wrap v. */
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	*val = (uint32_t)v;
	return 0;
}

/* Room for a quote of QUOTE_MAX characters, "..." and the terminator. */
#define QUOTE_SIZE (QUOTE_MAX + 4)

/*
 * Copy the start of s[0..len) into @out for an error message, escaping
 * control bytes, so that quoting user input keeps the message one short
 * printable line.  Truncation is marked with "...".
 */
static void quote(char out[QUOTE_SIZE], const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c;
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		/* An escape takes up to 4 characters. */
		if (o + 4 > QUOTE_MAX) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '\\';
		if (c == '\n') {
			out[o++] = 'n';
		} else if (c == '\t') {
			out[o++] = 't';
		} else if (c == '\r') {
			out[o++] = 'r';
		} else {
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
		}
	}
	out[o] = '\0';
}

/*
 * Parse one field and say what is wrong with it.  @where is "extent" or
 * "line", @nr the 1-based extent number, @f the field index.
 */
static int parse_field(const char *s, size_t len, uint32_t *val,
		       const char *where, uint32_t nr, unsigned int f,
		       char *err, size_t errlen)
{
	char q[QUOTE_SIZE];
	int ret = parse_u32(s, len, val);

	if (ret == 0)
		return 0;
	quote(q, s, len);
	if (len == 0)
		snprintf(err, errlen, "%s %u: %s is empty", where, nr,
			 field_name[f]);
	else if (ret == -EINVAL)
		snprintf(err, errlen, "%s %u: %s '%s' is not a decimal number",
			 where, nr, field_name[f], q);
	else
		snprintf(err, errlen, "%s %u: %s '%s' is larger than %u", where,
			 nr, field_name[f], q, (unsigned int)UINT32_MAX);
	return -EINVAL;
}

/* Say that field @f of extent @nr is missing; @form shows the syntax. */
static int missing_field(char *err, size_t errlen, const char *where,
			 uint32_t nr, unsigned int f, const char *form)
{
	snprintf(err, errlen, "%s %u: missing %s (expected %s)", where, nr,
		 field_name[f], form);
	return -EINVAL;
}

/*
 * Parse extent @nr (1-based) of the triple syntax at *pp, and step *pp
 * past it and past the ':' that follows, if any.
 */
static int parse_triple(const char **pp, uint32_t nr, struct idmap_extent *e,
			char *err, size_t errlen)
{
	const char *p = *pp;
	uint32_t vals[3];
	unsigned int f;
	size_t len;

	for (f = 0; f < 3; f++) {
		len = strcspn(p, ":");
		if (parse_field(p, len, &vals[f], "extent", nr, f, err, errlen))
			return -EINVAL;
		p += len;
		if (*p == ':') {
			p++;
		} else if (f < 2) {
			return missing_field(err, errlen, "extent", nr, f + 1,
					     "inside:outside:count");
		}
	}
	e->inside = vals[0];
	e->outside = vals[1];
	e->count = vals[2];
	*pp = p;
	return 0;
}

int idmap_parse(struct idmap *map, const char *text, char *err, size_t errlen)
{
	struct idmap_extent ext[IDMAP_MAX_EXTENTS];
	const char *p = text;
	uint32_t nr = 0;

	/* snprintf(NULL, 0, ...) is valid C and writes nothing. */
	if (!err)
		errlen = 0;
	map->nr_extents = 0;

	if (*p == '\0') {
		snprintf(err, errlen, "empty map");
		return -EINVAL;
	}
	for (;;) {
		if (nr == IDMAP_MAX_EXTENTS) {
			snprintf(err, errlen, "more than %d extents",
				 IDMAP_MAX_EXTENTS);
			return -EINVAL;
		}
		if (parse_triple(&p, nr + 1, &ext[nr], err, errlen))
			return -EINVAL;
		nr++;
		/*
		 * After "0:0:1:" p is at the end but a ':' was stepped over:
		 * go on, and extent 2 reports its empty inside field.
		 */
		if (p[-1] != ':')
			break;
	}
	return idmap_from_extents(map, ext, nr, err, errlen);
}

/* Spaces and tabs only: the kernel prints uid_map with spaces. */
static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * Parse line @nr (1-based) of the /proc syntax at *pp, and step *pp to the
 * '\n' or the '\0' that ends it.
 */
static int parse_proc_line(const char **pp, uint32_t nr, struct idmap_extent *e,
			   char *err, size_t errlen)
{
	const char *p = skip_blanks(*pp);
	char q[QUOTE_SIZE];
	uint32_t vals[3];
	unsigned int f;
	size_t len;

	if (*p == '\n' || *p == '\0') {
		snprintf(err, errlen, "line %u is blank", nr);
		return -EINVAL;
	}
	for (f = 0; f < 3; f++) {
		p = skip_blanks(p);
		len = strcspn(p, " \t\n");
		if (len == 0)
			return missing_field(err, errlen, "line", nr, f,
					     "'inside outside count'");
		if (parse_field(p, len, &vals[f], "line", nr, f, err, errlen))
			return -EINVAL;
		p += len;
	}
	p = skip_blanks(p);
	if (*p != '\n' && *p != '\0') {
		quote(q, p, strcspn(p, "\n"));
		snprintf(err, errlen, "line %u: trailing '%s'", nr, q);
		return -EINVAL;
	}
	e->inside = vals[0];
	e->outside = vals[1];
	e->count = vals[2];
	*pp = p;
	return 0;
}

int idmap_parse_proc(struct idmap *map, const char *text, char *err,
		     size_t errlen)
{
	struct idmap_extent ext[IDMAP_MAX_EXTENTS];
	const char *p = text;
	uint32_t nr = 0;

	if (!err)
		errlen = 0;
	map->nr_extents = 0;

	if (*p == '\0') {
		snprintf(err, errlen, "empty map");
		return -EINVAL;
	}
	/* One extent per line, as map_write() splits its input at '\n'. */
	while (*p != '\0') {
		if (nr == IDMAP_MAX_EXTENTS) {
			snprintf(err, errlen, "more than %d extents",
				 IDMAP_MAX_EXTENTS);
			return -EINVAL;
		}
		if (parse_proc_line(&p, nr + 1, &ext[nr], err, errlen))
			return -EINVAL;
		nr++;
		/*
		 * One final newline ends the text; any other is followed by
		 * a line that must hold an extent, so a blank line fails
		 * in parse_proc_line(), as in map_write().
		 */
		if (*p == '\n')
			p++;
	}
	return idmap_from_extents(map, ext, nr, err, errlen);
}

/*
 * The kernel rejects first + count wrapping in u32, and first == -1; both
 * mean the range would reach IDMAP_UNMAPPED, so one test covers them.
 */
static bool range_valid(uint32_t first, uint32_t count)
{
	return (uint64_t)first + count <= UINT32_MAX;
}

/* Both ranges are valid, so first + count - 1 cannot wrap. */
static bool ranges_overlap(uint32_t a, uint32_t a_count, uint32_t b,
			   uint32_t b_count)
{
	return a <= b + (b_count - 1) && b <= a + (a_count - 1);
}

/*
 * Check extent @i against its own limits, then against every earlier
 * extent, as map_write() checks each line.  (Syntax is checked for the
 * whole text first, so a syntax error in a later extent is reported before
 * a rule broken by an earlier one; either way the answer is -EINVAL.)
 */
static int extent_check(const struct idmap_extent *ext, uint32_t i, char *err,
			size_t errlen)
{
	const struct idmap_extent *e = &ext[i];
	const char *why = NULL;
	const char *side = NULL;
	uint32_t j;

	if (e->count == 0)
		why = "count must be > 0";
	else if (!range_valid(e->inside, e->count))
		why = "inside range ends after 4294967294";
	else if (!range_valid(e->outside, e->count))
		why = "outside range ends after 4294967294";
	if (why) {
		snprintf(err, errlen, "extent %u (%u:%u:%u): %s", i + 1,
			 e->inside, e->outside, e->count, why);
		return -EINVAL;
	}

	for (j = 0; j < i; j++) {
		if (ranges_overlap(ext[j].inside, ext[j].count, e->inside,
				   e->count))
			side = "inside (on-disk)";
		else if (ranges_overlap(ext[j].outside, ext[j].count,
					e->outside, e->count))
			side = "outside (shown)";
		if (side) {
			snprintf(err, errlen,
				 "extents %u and %u overlap on the %s side",
				 j + 1, i + 1, side);
			return -EINVAL;
		}
	}
	return 0;
}

static int cmp_inside(const void *a, const void *b)
{
	uint32_t x = ((const struct idmap_extent *)a)->inside;
	uint32_t y = ((const struct idmap_extent *)b)->inside;

	return (x > y) - (x < y);
}

static int cmp_outside(const void *a, const void *b)
{
	uint32_t x = ((const struct idmap_extent *)a)->outside;
	uint32_t y = ((const struct idmap_extent *)b)->outside;

	return (x > y) - (x < y);
}

int idmap_from_extents(struct idmap *map, const struct idmap_extent *extents,
		       uint32_t nr, char *err, size_t errlen)
{
	uint32_t i;

	if (!err)
		errlen = 0;
	/* A map that failed validation must not translate anything. */
	map->nr_extents = 0;

	if (nr == 0) {
		snprintf(err, errlen, "no extents");
		return -EINVAL;
	}
	if (nr > IDMAP_MAX_EXTENTS) {
		snprintf(err, errlen, "%u extents, at most %d allowed", nr,
			 IDMAP_MAX_EXTENTS);
		return -EINVAL;
	}
	/* 340 * 339 / 2 comparisons at most: cheap, and the kernel's way. */
	for (i = 0; i < nr; i++)
		if (extent_check(extents, i, err, errlen))
			return -EINVAL;

	/* memmove: @extents may be map->up or map->down. */
	memmove(map->up, extents, nr * sizeof(*extents));
	memcpy(map->down, map->up, nr * sizeof(*extents));
	/* No two extents share a first id on either side: order is total. */
	qsort(map->up, nr, sizeof(*extents), cmp_inside);
	qsort(map->down, nr, sizeof(*extents), cmp_outside);
	map->nr_extents = nr;
	return 0;
}

void idmap_identity(struct idmap *map)
{
	static const struct idmap_extent all = { 0, 0, UINT32_MAX };

	map->nr_extents = 1;
	map->up[0] = all;
	map->down[0] = all;
}

/* The side of an extent a lookup searches by, and the side it returns. */
static uint32_t ext_inside(const struct idmap_extent *e)
{
	return e->inside;
}

static uint32_t ext_outside(const struct idmap_extent *e)
{
	return e->outside;
}

/*
 * Map @id through extents sorted by from(): find the last extent whose
 * first id is <= @id, then check @id is within its count.
 */
static uint32_t lookup(const struct idmap_extent *ext, uint32_t nr, uint32_t id,
		       uint32_t (*from)(const struct idmap_extent *),
		       uint32_t (*to)(const struct idmap_extent *))
{
	const struct idmap_extent *e = ext;
	uint32_t lo = 0, hi = nr, mid, offset;

	if (nr == 0)
		return IDMAP_UNMAPPED;
	/* Most maps are one extent (a pod's 0:N:65536): skip the search. */
	if (nr > 1) {
		/* Invariant: the answer, if any, is in [lo, hi). */
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			if (from(&ext[mid]) <= id)
				lo = mid;
			else
				hi = mid;
		}
		e = &ext[lo];
	}
	/*
	 * For @id below the first extent the subtraction wraps to at least
	 * 2^32 - first, which exceeds any valid count (first + count <
	 * 2^32), so one unsigned compare catches both sides.
	 */
	offset = id - from(e);
	if (offset >= e->count)
		return IDMAP_UNMAPPED;
	return to(e) + offset;
}

uint32_t idmap_up(const struct idmap *map, uint32_t backing)
{
	return lookup(map->up, map->nr_extents, backing, ext_inside,
		      ext_outside);
}

uint32_t idmap_down(const struct idmap *map, uint32_t shown)
{
	return lookup(map->down, map->nr_extents, shown, ext_outside,
		      ext_inside);
}
