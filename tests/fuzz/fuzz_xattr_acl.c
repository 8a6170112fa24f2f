// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz the POSIX ACL translators with values a pod writes (down) and
 * values found on a backing store (up).  Byte 0 picks the uid and gid maps;
 * the rest is the xattr value, in a buffer of exactly its size so that
 * AddressSanitizer sees any read or write past it.  Invariants, checked
 * against a reference computed here entry by entry:
 *  - a malformed value is -EINVAL and not one byte of it changes;
 *  - down: an entry naming an id outside the map is -EOVERFLOW and not one
 *    byte changes (never half translated); otherwise exactly the ids of
 *    ACL_USER/ACL_GROUP entries change, to idmap_down(), and up() of the
 *    result gives back the value written;
 *  - up: exactly those ids change, to idmap_up() or the overflow id.
 */
#include <errno.h>

#include "fuzz_common.h"
#include "xattr_ids.h"

#define OVERFLOW_UID 65534u
#define OVERFLOW_GID 65533u
#define TAG_USER 0x02u
#define TAG_GROUP 0x08u

static uint32_t le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | le16(p + 2) << 16;
}

static int well_formed(const uint8_t *v, size_t size)
{
	return size >= 4 && (size - 4) % 8 == 0 && le32(v) == 2;
}

/* What @v must become; returns 0, or -EOVERFLOW (down only). */
static int expect(uint8_t *v, size_t size, const struct idmap *uids,
		  const struct idmap *gids, int down)
{
	for (size_t off = 4; off < size; off += 8) {
		uint32_t tag = le16(v + off), id = le32(v + off + 4), to;
		const struct idmap *map;

		if (tag == TAG_USER)
			map = uids;
		else if (tag == TAG_GROUP)
			map = gids;
		else
			continue;
		to = down ? idmap_down(map, id) : idmap_up(map, id);
		if (to == IDMAP_UNMAPPED) {
			if (down)
				return -EOVERFLOW;
			to = map == uids ? OVERFLOW_UID : OVERFLOW_GID;
		}
		for (int b = 0; b < 4; b++)
			v[off + 4 + (size_t)b] = (uint8_t)(to >> (8 * b));
	}
	return 0;
}

static void check_down(const uint8_t *value, size_t size,
		       const struct idmap *uids, const struct idmap *gids)
{
	uint8_t *buf = malloc(size ? size : 1);
	uint8_t *want = malloc(size ? size : 1);
	int ret, want_ret = -EINVAL;

	FUZZ_CHECK(buf && want);
	memcpy(buf, value, size);
	memcpy(want, value, size);
	if (well_formed(value, size))
		want_ret = expect(want, size, uids, gids, 1);
	ret = xattr_ids_acl_down(buf, size, uids, gids);
	FUZZ_CHECK(ret == want_ret);
	if (ret) {
		FUZZ_CHECK(memcmp(buf, value, size) == 0);
		goto out;
	}
	FUZZ_CHECK(memcmp(buf, want, size) == 0);
	/* What was stored reads back as what was written. */
	FUZZ_CHECK(xattr_ids_acl_up(buf, size, uids, gids, OVERFLOW_UID,
				    OVERFLOW_GID) == 0);
	FUZZ_CHECK(memcmp(buf, value, size) == 0);
out:
	free(want);
	free(buf);
}

static void check_up(const uint8_t *value, size_t size,
		     const struct idmap *uids, const struct idmap *gids)
{
	uint8_t *buf = malloc(size ? size : 1);
	uint8_t *want = malloc(size ? size : 1);
	int ret, want_ret = -EINVAL;

	FUZZ_CHECK(buf && want);
	memcpy(buf, value, size);
	memcpy(want, value, size);
	if (well_formed(value, size))
		want_ret = expect(want, size, uids, gids, 0);
	ret = xattr_ids_acl_up(buf, size, uids, gids, OVERFLOW_UID,
			       OVERFLOW_GID);
	FUZZ_CHECK(ret == want_ret);
	FUZZ_CHECK(memcmp(buf, want, size) == 0);
	free(want);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct idmap uids, gids;

	if (size < 1)
		return 0;
	fuzz_pick_maps(data[0], &uids, &gids);
	check_down(data + 1, size - 1, &uids, &gids);
	check_up(data + 1, size - 1, &uids, &gids);
	return 0;
}
