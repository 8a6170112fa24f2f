// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz the file capability translators (security.capability) with values
 * a pod writes (down) and values found on a backing store (up).  Byte 0
 * picks the uid map; the rest is the value.  Invariants, against a
 * reference computed here:
 *  - a malformed value (size not that of its revision, unknown magic or
 *    flag bits) is -EINVAL, a root id outside the map on write is
 *    -EOVERFLOW, a v2 value that must grow into a too small buffer is
 *    -ERANGE, and in each case not one byte of the buffer changes;
 *  - the capability sets (bytes 4..19) and the effective flag are never
 *    changed; only the revision (v2 <-> v3) and the root id are;
 *  - a value written and read back shows the root id that was written (v2
 *    reads back as v3 with root id 0).
 */
#include <errno.h>

#include "fuzz_common.h"
#include "xattr_ids.h"

#define V2 XATTR_IDS_CAP_V2_SIZE
#define V3 XATTR_IDS_CAP_V3_SIZE

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* 2, 3, or 0 for a malformed value. */
static int revision(const uint8_t *v, size_t size)
{
	uint32_t magic = size >= 4 ? le32(v) & ~1u : 0;

	if (size == V2 && magic == 0x02000000u)
		return 2;
	if (size == V3 && magic == 0x03000000u)
		return 3;
	return 0;
}

/* @out is @in (revision @rev) shown or stored as v3 with @rootid. */
static void check_v3(const uint8_t *out, const uint8_t *in, uint32_t rootid)
{
	FUZZ_CHECK(le32(out) == (0x03000000u | (le32(in) & 1u)));
	FUZZ_CHECK(memcmp(out + 4, in + 4, 16) == 0);
	FUZZ_CHECK(le32(out + 20) == rootid);
}

static void check_down(const uint8_t *value, size_t size,
		       const struct idmap *uids, size_t bufsize)
{
	uint8_t *buf = malloc(bufsize ? bufsize : 1);
	int rev = revision(value, size), ret;
	uint32_t id = 0;

	FUZZ_CHECK(buf);
	memset(buf, 0xa5, bufsize);
	memcpy(buf, value, size);
	ret = xattr_ids_cap_down(buf, size, bufsize, uids);
	if (rev == 0) {
		FUZZ_CHECK(ret == -EINVAL);
		goto out_unchanged;
	}
	id = idmap_down(uids, rev == 3 ? le32(value + 20) : 0);
	if (id == IDMAP_UNMAPPED) {
		FUZZ_CHECK(ret == -EOVERFLOW);
		goto out_unchanged;
	}
	if (rev == 2 && id == 0) {
		FUZZ_CHECK(ret == V2);
		goto out_unchanged;
	}
	if (bufsize < V3) {
		FUZZ_CHECK(ret == -ERANGE);
		goto out_unchanged;
	}
	FUZZ_CHECK(ret == V3);
	check_v3(buf, value, id);
	/* Read back: the root id the writer named (v2: its root, 0). */
	FUZZ_CHECK(xattr_ids_cap_up(buf, V3, bufsize, uids) == V3);
	check_v3(buf, value, rev == 3 ? le32(value + 20) : 0);
	goto out;
out_unchanged:
	FUZZ_CHECK(memcmp(buf, value, size) == 0);
	for (size_t i = size; i < bufsize; i++)
		FUZZ_CHECK(buf[i] == 0xa5);
out:
	free(buf);
}

static void check_up(const uint8_t *value, size_t size,
		     const struct idmap *uids, size_t bufsize)
{
	uint8_t *buf = malloc(bufsize ? bufsize : 1);
	int rev = revision(value, size), ret;

	FUZZ_CHECK(buf);
	memset(buf, 0xa5, bufsize);
	memcpy(buf, value, size);
	ret = xattr_ids_cap_up(buf, size, bufsize, uids);
	if (rev == 0 || (rev == 2 && bufsize < V3)) {
		FUZZ_CHECK(ret == (rev == 0 ? -EINVAL : -ERANGE));
		FUZZ_CHECK(memcmp(buf, value, size) == 0);
		for (size_t i = size; i < bufsize; i++)
			FUZZ_CHECK(buf[i] == 0xa5);
	} else {
		FUZZ_CHECK(ret == V3);
		check_v3(buf, value,
			 idmap_up(uids, rev == 3 ? le32(value + 20) : 0));
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct idmap uids, gids;
	size_t n;

	if (size < 1)
		return 0;
	fuzz_pick_maps(data[0], &uids, &gids);
	n = size - 1;
	/* Room for v3, as the daemon gives; then exactly the value's size. */
	check_down(data + 1, n, &uids, n > V3 ? n : V3);
	check_down(data + 1, n, &uids, n);
	check_up(data + 1, n, &uids, n > V3 ? n : V3);
	check_up(data + 1, n, &uids, n);
	return 0;
}
