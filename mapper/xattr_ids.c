// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xattr_ids: translate the ids inside POSIX ACL and file capability xattr
 * values.
 *
 * Values are byte strings in a fixed little-endian layout, possibly at any
 * alignment in a FUSE request buffer, so every field is read and written
 * byte by byte: no casts to structs, no host-endian loads.
 */
#include "xattr_ids.h"

#include <errno.h>
#include <string.h>

/* include/uapi/linux/posix_acl_xattr.h and posix_acl.h */
#define ACL_VERSION 0x0002u
#define ACL_HEADER_SIZE 4u
#define ACL_ENTRY_SIZE 8u
#define ACL_ENTRY_ID_OFFSET 4u
#define ACL_TAG_USER 0x02u
#define ACL_TAG_GROUP 0x08u

/* include/uapi/linux/capability.h */
#define CAP_REVISION_2 0x02000000u
#define CAP_REVISION_3 0x03000000u
#define CAP_FLAGS_EFFECTIVE 0x000001u
#define CAP_ROOTID_OFFSET 20u

static uint32_t get_le16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)(v >> 8 & 0xff);
	p[2] = (unsigned char)(v >> 16 & 0xff);
	p[3] = (unsigned char)(v >> 24 & 0xff);
}

enum xattr_ids_kind xattr_ids_kind(const char *name)
{
	if (strcmp(name, XATTR_IDS_ACL_ACCESS) == 0 ||
	    strcmp(name, XATTR_IDS_ACL_DEFAULT) == 0)
		return XATTR_IDS_ACL;
	if (strcmp(name, XATTR_IDS_CAPABILITY) == 0)
		return XATTR_IDS_CAP;
	return XATTR_IDS_NONE;
}

/*
 * The number of entries of a well-formed ACL value, or -EINVAL.  Same
 * shape test as the kernel's posix_acl_xattr_count(); the kernel answers a
 * wrong version with -EOPNOTSUPP, our contract says -EINVAL.
 */
static int acl_entries(const unsigned char *v, size_t size, size_t *count)
{
	if (size < ACL_HEADER_SIZE ||
	    (size - ACL_HEADER_SIZE) % ACL_ENTRY_SIZE != 0)
		return -EINVAL;
	if (get_le32(v) != ACL_VERSION)
		return -EINVAL;
	*count = (size - ACL_HEADER_SIZE) / ACL_ENTRY_SIZE;
	return 0;
}

/* Entry @i of an ACL value. */
static unsigned char *acl_entry(void *value, size_t i)
{
	return (unsigned char *)value + ACL_HEADER_SIZE + i * ACL_ENTRY_SIZE;
}

/* Map an entry's id up; ids outside the map show as @unmapped. */
static void acl_entry_up(unsigned char *entry, const struct idmap *map,
			 uint32_t unmapped)
{
	unsigned char *idp = entry + ACL_ENTRY_ID_OFFSET;
	uint32_t id = idmap_up(map, get_le32(idp));

	put_le32(idp, id == IDMAP_UNMAPPED ? unmapped : id);
}

int xattr_ids_acl_up(void *value, size_t size, const struct idmap *uids,
		     const struct idmap *gids, uint32_t unmapped_uid,
		     uint32_t unmapped_gid)
{
	unsigned char *entry;
	size_t i, count;
	int ret;

	ret = acl_entries(value, size, &count);
	if (ret)
		return ret;
	for (i = 0; i < count; i++) {
		entry = acl_entry(value, i);
		switch (get_le16(entry)) {
		case ACL_TAG_USER:
			acl_entry_up(entry, uids, unmapped_uid);
			break;
		case ACL_TAG_GROUP:
			acl_entry_up(entry, gids, unmapped_gid);
			break;
		default:
			/* USER_OBJ, GROUP_OBJ, MASK, OTHER: no id. */
			break;
		}
	}
	return 0;
}

/* The map an entry's id goes through, or NULL if the entry has no id. */
static const struct idmap *acl_entry_map(const unsigned char *entry,
					 const struct idmap *uids,
					 const struct idmap *gids)
{
	switch (get_le16(entry)) {
	case ACL_TAG_USER:
		return uids;
	case ACL_TAG_GROUP:
		return gids;
	default:
		return NULL;
	}
}

int xattr_ids_acl_down(void *value, size_t size, const struct idmap *uids,
		       const struct idmap *gids)
{
	const struct idmap *map;
	unsigned char *entry, *idp;
	size_t i, count;
	int ret;

	ret = acl_entries(value, size, &count);
	if (ret)
		return ret;
	/*
	 * Two passes: a caller must never see its ACL half translated, and
	 * the backing store must never get one, so refuse before writing.
	 */
	for (i = 0; i < count; i++) {
		entry = acl_entry(value, i);
		idp = entry + ACL_ENTRY_ID_OFFSET;
		map = acl_entry_map(entry, uids, gids);
		if (map && idmap_down(map, get_le32(idp)) == IDMAP_UNMAPPED)
			return -EOVERFLOW;
	}
	for (i = 0; i < count; i++) {
		entry = acl_entry(value, i);
		idp = entry + ACL_ENTRY_ID_OFFSET;
		map = acl_entry_map(entry, uids, gids);
		if (map)
			put_le32(idp, idmap_down(map, get_le32(idp)));
	}
	return 0;
}

/*
 * 2 or 3 for a well-formed capability value, else -EINVAL.  Mirrors the
 * kernel's validheader(): the magic without the effective flag must be
 * exactly the revision (no other flag bits), and the size must be that
 * revision's size.
 */
static int cap_revision(const unsigned char *v, size_t size)
{
	uint32_t magic;

	if (size != XATTR_IDS_CAP_V2_SIZE && size != XATTR_IDS_CAP_V3_SIZE)
		return -EINVAL;
	magic = get_le32(v) & ~(uint32_t)CAP_FLAGS_EFFECTIVE;
	if (magic == CAP_REVISION_2 && size == XATTR_IDS_CAP_V2_SIZE)
		return 2;
	if (magic == CAP_REVISION_3 && size == XATTR_IDS_CAP_V3_SIZE)
		return 3;
	return -EINVAL;
}

int xattr_ids_cap_up(void *buf, size_t size, size_t bufsize,
		     const struct idmap *uids)
{
	unsigned char *v = buf;
	unsigned char *rootid = v + CAP_ROOTID_OFFSET;
	int rev = cap_revision(v, size);

	if (rev < 0)
		return rev;
	if (rev == 3) {
		put_le32(rootid, idmap_up(uids, get_le32(rootid)));
		return XATTR_IDS_CAP_V3_SIZE;
	}
	/*
	 * v2 means "root of the filesystem's namespace", on-disk uid 0.  The
	 * mount shows it as the v3 value the kernel's cap_inode_getsecurity()
	 * builds: same effective flag and capability sets (v2 and v3 share
	 * bytes 4..19), plus the root id.
	 */
	if (bufsize < XATTR_IDS_CAP_V3_SIZE)
		return -ERANGE;
	put_le32(v, CAP_REVISION_3 | (get_le32(v) & CAP_FLAGS_EFFECTIVE));
	put_le32(rootid, idmap_up(uids, 0));
	return XATTR_IDS_CAP_V3_SIZE;
}

int xattr_ids_cap_down(void *buf, size_t size, size_t bufsize,
		       const struct idmap *uids)
{
	unsigned char *v = buf;
	unsigned char *rootid = v + CAP_ROOTID_OFFSET;
	int rev = cap_revision(v, size);
	uint32_t id;

	if (rev < 0)
		return rev;
	if (rev == 3) {
		id = idmap_down(uids, get_le32(rootid));
		if (id == IDMAP_UNMAPPED)
			return -EOVERFLOW;
		put_le32(rootid, id);
		return XATTR_IDS_CAP_V3_SIZE;
	}
	/*
	 * v2 reaches us only from a writer privileged over the mount's own
	 * namespace (cap_convert_nscap() turns anyone else's v2 into v3
	 * first): its root is that namespace's root, shown id 0.
	 */
	id = idmap_down(uids, 0);
	if (id == IDMAP_UNMAPPED)
		return -EOVERFLOW;
	if (id == 0)
		return XATTR_IDS_CAP_V2_SIZE;
	if (bufsize < XATTR_IDS_CAP_V3_SIZE)
		return -ERANGE;
	put_le32(v, CAP_REVISION_3 | (get_le32(v) & CAP_FLAGS_EFFECTIVE));
	put_le32(rootid, id);
	return XATTR_IDS_CAP_V3_SIZE;
}
