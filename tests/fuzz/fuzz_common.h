/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the mapper fuzz harnesses share: a failed invariant aborts with a
 * message (libFuzzer then saves the input as a crash file), a reference
 * map lookup by linear search, and a few fixed maps.
 *
 * Each harness defines LLVMFuzzerTestOneInput() and nothing else, so that
 * it links both with libFuzzer (tests/fuzz/run.sh, clang) and with
 * replay.c (meson, any compiler), which feeds it the stored corpus.
 */
#ifndef UIDMAPFS_FUZZ_COMMON_H
#define UIDMAPFS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: invariant broken: %s\n",       \
				__FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

/* What idmap_up()/idmap_down() must answer, by brute force over the
 * extents in the order given (up: search by inside; down: by outside). */
static inline uint32_t fuzz_ref_lookup(const struct idmap_extent *ext,
				       uint32_t nr, uint32_t id, int down)
{
	for (uint32_t i = 0; i < nr; i++) {
		uint32_t from = down ? ext[i].outside : ext[i].inside;
		uint32_t to = down ? ext[i].inside : ext[i].outside;

		if (id >= from && id - from < ext[i].count)
			return to + (id - from);
	}
	return IDMAP_UNMAPPED;
}

/* A message the parsers write must be one short printable line. */
static inline void fuzz_check_message(const char *err, size_t errlen)
{
	const char *end = memchr(err, '\0', errlen);
	size_t len;

	FUZZ_CHECK(end != NULL);
	len = (size_t)(end - err);
	FUZZ_CHECK(len > 0);
	for (size_t i = 0; i < len; i++)
		FUZZ_CHECK(err[i] >= 0x20 && err[i] < 0x7f);
}

/* Every lookup on a map that failed to parse must answer unmapped. */
static inline void fuzz_check_empty(const struct idmap *map)
{
	FUZZ_CHECK(map->nr_extents == 0);
	FUZZ_CHECK(idmap_up(map, 0) == IDMAP_UNMAPPED);
	FUZZ_CHECK(idmap_down(map, 0) == IDMAP_UNMAPPED);
	FUZZ_CHECK(idmap_up(map, 1000) == IDMAP_UNMAPPED);
}

/*
 * A parsed map: at every extent edge (first, last, one below, one past)
 * and at a few fixed ids, idmap_up()/idmap_down() agree with the brute
 * force reference, and mapped ids round-trip (down(up(x)) == x).
 */
static inline void fuzz_check_map(const struct idmap *map)
{
	static const uint32_t fixed[] = { 0,	      1,	   1000,
					  65534,      65535,	   65536,
					  524288,     2147483648u, 4294967294u,
					  4294967295u };
	uint32_t nr = map->nr_extents;

	FUZZ_CHECK(nr >= 1 && nr <= IDMAP_MAX_EXTENTS);
	for (uint32_t i = 0; i < nr; i++) {
		const struct idmap_extent *e = &map->up[i];
		uint32_t probes[] = { e->inside,      e->inside + e->count - 1,
				      e->inside - 1,  e->inside + e->count,
				      e->outside,     e->outside + e->count - 1,
				      e->outside - 1, e->outside + e->count };

		FUZZ_CHECK(e->count > 0);
		FUZZ_CHECK((uint64_t)e->inside + e->count <= UINT32_MAX);
		FUZZ_CHECK((uint64_t)e->outside + e->count <= UINT32_MAX);
		if (i > 0) {
			FUZZ_CHECK(map->up[i - 1].inside < e->inside);
			FUZZ_CHECK(map->down[i - 1].outside <
				   map->down[i].outside);
		}
		for (size_t p = 0; p < sizeof(probes) / sizeof(*probes); p++) {
			uint32_t id = probes[p];
			uint32_t up = idmap_up(map, id);
			uint32_t down = idmap_down(map, id);

			FUZZ_CHECK(up == fuzz_ref_lookup(map->up, nr, id, 0));
			FUZZ_CHECK(down == fuzz_ref_lookup(map->up, nr, id, 1));
			if (up != IDMAP_UNMAPPED)
				FUZZ_CHECK(idmap_down(map, up) == id);
			if (down != IDMAP_UNMAPPED)
				FUZZ_CHECK(idmap_up(map, down) == id);
		}
	}
	for (size_t p = 0; p < sizeof(fixed) / sizeof(*fixed); p++) {
		FUZZ_CHECK(idmap_up(map, fixed[p]) ==
			   fuzz_ref_lookup(map->up, nr, fixed[p], 0));
		FUZZ_CHECK(idmap_down(map, fixed[p]) ==
			   fuzz_ref_lookup(map->up, nr, fixed[p], 1));
	}
	FUZZ_CHECK(idmap_up(map, IDMAP_UNMAPPED) == IDMAP_UNMAPPED);
	FUZZ_CHECK(idmap_down(map, IDMAP_UNMAPPED) == IDMAP_UNMAPPED);
}

/* Two maps hold the same extents in the same order. */
static inline int fuzz_same_map(const struct idmap *a, const struct idmap *b)
{
	return a->nr_extents == b->nr_extents &&
	       memcmp(a->up, b->up, a->nr_extents * sizeof(*a->up)) == 0 &&
	       memcmp(a->down, b->down, a->nr_extents * sizeof(*a->down)) == 0;
}

/* The text of @map in the option syntax, into @buf (room for 340 * 33). */
static inline void fuzz_format_option(const struct idmap *map, char *buf,
				      size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < map->nr_extents; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%u:%u:%u",
				      i ? ":" : "", map->up[i].inside,
				      map->up[i].outside, map->up[i].count);
}

/* The text of @map as the kernel prints /proc/PID/uid_map. */
static inline void fuzz_format_proc(const struct idmap *map, char *buf,
				    size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < map->nr_extents; i++)
		o += (size_t)snprintf(buf + o, size - o, "%10u %10u %10u\n",
				      map->up[i].inside, map->up[i].outside,
				      map->up[i].count);
}

#define FUZZ_TEXT_MAX (IDMAP_MAX_EXTENTS * 40 + 1)

/*
 * A fixed map chosen by @sel, for the xattr harnesses: a pod's map, a
 * multi-extent map, one where on-disk 0 maps to shown 0 (v2 capabilities
 * stay v2) and one where root is not mapped at all.
 */
static inline void fuzz_pick_maps(uint8_t sel, struct idmap *uids,
				  struct idmap *gids)
{
	static const char *const maps[] = {
		"0:524288:65536",
		"0:100000:1000:1000:0:1:1001:200000:64535",
		"0:0:1:1:524289:65535",
		"1000:1000:10:70000:5000:1",
	};
	const char *u = maps[sel % 4];
	const char *g = maps[(sel / 4) % 4];

	FUZZ_CHECK(idmap_parse(uids, u, NULL, 0) == 0);
	FUZZ_CHECK(idmap_parse(gids, g, NULL, 0) == 0);
}

#endif
