/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * idmap: ID maps in the shape of /proc/PID/uid_map, and the two directions
 * uidmapfs translates in.
 *
 * Vocabulary (Documentation/filesystems/idmappings.rst): an extent maps the
 * range [inside, inside + count) to [outside, outside + count).  For
 * uidmapfs "inside" is the id stored on the backing filesystem and "outside"
 * is the id the mount shows (the host's id of a user-namespaced process).
 *
 *   idmap_up(map, backing)  -> the id the mount shows for an on-disk id
 *   idmap_down(map, shown)  -> the on-disk id for an id the caller uses
 *
 * Either returns IDMAP_UNMAPPED when the id falls in no extent.  The same
 * struct serves uids and gids; callers keep one of each.
 *
 * Pure ISO C: no I/O, no globals, no logging; errors are negative errno
 * values and an optional message written into a caller's buffer.
 */
#ifndef UIDMAPFS_IDMAP_H
#define UIDMAPFS_IDMAP_H

#include <stddef.h>
#include <stdint.h>

/* The kernel's limit on extents in one uid_map (UID_GID_MAP_MAX_EXTENTS). */
#define IDMAP_MAX_EXTENTS 340

/* (uint32_t)-1: never a valid id, the answer for "not in the map". */
#define IDMAP_UNMAPPED UINT32_MAX

/* Room for any message the parsers write, including the terminator. */
#define IDMAP_ERR_LEN 128

struct idmap_extent {
	uint32_t inside;  /* first on-disk id */
	uint32_t outside; /* first id shown by the mount */
	uint32_t count;	  /* > 0 */
};

/*
 * A validated map.  Fill it only through idmap_parse(), idmap_parse_proc()
 * or idmap_identity(); the fields are read-only for everyone else.
 */
struct idmap {
	uint32_t nr_extents;
	/* Sorted by inside, for idmap_up(). */
	struct idmap_extent up[IDMAP_MAX_EXTENTS];
	/* The same extents sorted by outside, for idmap_down(). */
	struct idmap_extent down[IDMAP_MAX_EXTENTS];
};

/*
 * Parse the option syntax "inside:outside:count[:inside:outside:count...]"
 * (fuse-overlayfs's uidmapping= syntax).  Numbers are decimal digits only:
 * no sign, no blank, no base prefix, no empty field.  Leading zeros are
 * accepted ("007" is 7), as the kernel's uid_map parser (simple_strtoul,
 * base 10) accepts them; a value above 4294967295 is refused where the
 * kernel would silently truncate it.  On success fills @map and returns 0.
 * On failure returns -EINVAL, leaves @map empty (every lookup answers
 * IDMAP_UNMAPPED) and, if @err is not NULL, writes a one-line reason (no
 * trailing newline, printable ASCII) of at most @errlen bytes; messages fit
 * in IDMAP_ERR_LEN.
 */
int idmap_parse(struct idmap *map, const char *text, char *err, size_t errlen);

/*
 * Parse the text of /proc/PID/uid_map or gid_map: one extent per line,
 * "inside outside count" separated by runs of spaces or tabs, with leading
 * and trailing blanks allowed, as the kernel prints it ("%10u %10u %10u\n").
 * The text may end with one newline; a blank line is refused, as the
 * kernel refuses it on write.  Numbers as in idmap_parse().  Same returns
 * as idmap_parse().
 */
int idmap_parse_proc(struct idmap *map, const char *text, char *err,
		     size_t errlen);

/*
 * Validate extents as the kernel validates a write to uid_map: 1 to
 * IDMAP_MAX_EXTENTS extents, every count > 0, no u32 overflow of
 * first + count, IDMAP_UNMAPPED never inside any range, no two extents
 * overlapping on the inside side nor on the outside side.  On success sorts
 * them into @map and returns 0; otherwise -EINVAL with a message in @err,
 * and @map is empty as after a failed idmap_parse().  @extents may point
 * into @map itself (map->up or map->down).
 */
int idmap_from_extents(struct idmap *map, const struct idmap_extent *extents,
		       uint32_t nr, char *err, size_t errlen);

/* The identity map 0:0:4294967295 (every id but IDMAP_UNMAPPED). */
void idmap_identity(struct idmap *map);

/*
 * Backing id -> shown id, or IDMAP_UNMAPPED.  O(1) for a one-extent map,
 * else a binary search; safe to call from many threads on a map that is
 * no longer being filled.
 */
uint32_t idmap_up(const struct idmap *map, uint32_t backing);

/* Shown (caller's) id -> backing id, or IDMAP_UNMAPPED. */
uint32_t idmap_down(const struct idmap *map, uint32_t shown);

#endif
