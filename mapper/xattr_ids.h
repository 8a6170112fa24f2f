/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xattr_ids: translation of the ids carried inside extended attribute
 * values, in the two directions of idmap.h.
 *
 * POSIX ACLs ("system.posix_acl_access", "system.posix_acl_default"): the
 * kernel's xattr form is a 4-byte little-endian version (2) followed by
 * 8-byte entries { le16 tag, le16 perm, le32 id }.  Only ACL_USER (0x02)
 * entries carry a uid and ACL_GROUP (0x08) entries a gid; the others carry
 * ACL_UNDEFINED_ID and are left alone.
 *
 * File capabilities ("security.capability"): v2 (20 bytes, magic
 * 0x02000000) has no root id and means "root of the filesystem's
 * namespace", i.e. on-disk uid 0; v3 (24 bytes, magic 0x03000000) carries a
 * le32 rootid after the v2 fields.  The low bit of the magic
 * (VFS_CAP_FLAGS_EFFECTIVE) is preserved.
 *
 * All functions work in place on a caller's buffer, validate the whole blob
 * before changing a byte (so a rejected value is never half translated) and
 * return 0 or a negative errno.  None allocates.
 */
#ifndef UIDMAPFS_XATTR_IDS_H
#define UIDMAPFS_XATTR_IDS_H

#include <stddef.h>
#include <stdint.h>

#include "idmap.h"

#define XATTR_IDS_ACL_ACCESS "system.posix_acl_access"
#define XATTR_IDS_ACL_DEFAULT "system.posix_acl_default"
#define XATTR_IDS_CAPABILITY "security.capability"

/* Sizes of the capability forms. */
#define XATTR_IDS_CAP_V2_SIZE 20
#define XATTR_IDS_CAP_V3_SIZE 24

/* Which translator, if any, an xattr name needs. */
enum xattr_ids_kind {
	XATTR_IDS_NONE,
	XATTR_IDS_ACL,
	XATTR_IDS_CAP,
};

/* Exact, case-sensitive match of the three names above; others: NONE. */
enum xattr_ids_kind xattr_ids_kind(const char *name);

/*
 * ACL value read from the backing store -> value shown by the mount.
 * Entry ids that are not in the map become @unmapped_uid / @unmapped_gid
 * (the caller passes the kernel's overflowuid/overflowgid, which is what
 * the kernel's ID-mapped mount shows).  -EINVAL for a malformed blob (size
 * not 4 + 8n, wrong version).  A header-only value (4 bytes) is valid and
 * left as it is; an empty value (size 0) is malformed.  Note: the kernel's
 * posix_acl_from_xattr() answers a wrong version with -EOPNOTSUPP, not
 * -EINVAL; a caller that must match it checks the version itself.
 */
int xattr_ids_acl_up(void *value, size_t size, const struct idmap *uids,
		     const struct idmap *gids, uint32_t unmapped_uid,
		     uint32_t unmapped_gid);

/*
 * ACL value written by a caller -> value to store.  -EINVAL for a malformed
 * blob, -EOVERFLOW if an entry names an id that is not in the map (nothing
 * is changed then).
 */
int xattr_ids_acl_down(void *value, size_t size, const struct idmap *uids,
		       const struct idmap *gids);

/*
 * Capability value read from the backing store -> value shown.  @buf holds
 * @size bytes and has room for @bufsize (>= XATTR_IDS_CAP_V3_SIZE to turn
 * v2 into v3).  A v2 value becomes v3 with rootid idmap_up(0); a v3 rootid r
 * becomes idmap_up(r), IDMAP_UNMAPPED if r is not mapped.  On success
 * returns the new size (20 or 24).  -EINVAL for a malformed value (bad size
 * for its magic, unknown revision), -ERANGE if a v2 value must grow and
 * @bufsize is too small.
 */
int xattr_ids_cap_up(void *buf, size_t size, size_t bufsize,
		     const struct idmap *uids);

/*
 * Capability value written by a caller -> value to store.  @buf holds @size
 * bytes and has room for @bufsize.  A v3 rootid r is stored as
 * idmap_down(r).  A v2 value has no root id of its own: it stands for root
 * id 0 of the mount's namespace (the kernel passes v2 on only from a writer
 * privileged there), so it is mapped like rootid 0: kept as v2 if
 * idmap_down(0) is 0, grown to v3 with that root id otherwise (-ERANGE if
 * @bufsize < XATTR_IDS_CAP_V3_SIZE).  Returns the new size (20 or 24),
 * -EINVAL for a malformed value, -EOVERFLOW if the root id is not in the
 * map (nothing is changed on any error).  The kernel's ID-mapped mount
 * answers that last case with -EINVAL (cap_convert_nscap()); a caller that
 * must match it turns -EOVERFLOW into -EINVAL.
 */
int xattr_ids_cap_down(void *buf, size_t size, size_t bufsize,
		       const struct idmap *uids);

#endif
