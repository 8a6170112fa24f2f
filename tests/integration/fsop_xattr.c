// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fsop ops on extended attributes.  Values travel as hex so any byte
 * string can be set and compared; getacl/setacl and getcap/setcap are the
 * same system calls with the value encoded or decoded here, for the two
 * xattrs uidmapfs translates (system.posix_acl_* and security.capability),
 * so scripts stay readable.  The l-variants do not follow symlinks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "fsop.h"

#define XATTR_VALUE_MAX 65536
#define XATTR_LIST_MAX 65536

/* Wire format of POSIX ACL xattrs (include/uapi/linux/posix_acl_xattr.h). */
#define ACL_XATTR_VERSION 2
#define ACL_HEADER_SIZE 4
#define ACL_ENTRY_SIZE 8
#define ACL_MAX_ENTRIES 64
#define ACL_UNDEFINED_ID 0xffffffffu

/* Tags, each with its one-letter name as getfacl -c abbreviates them. */
static const struct {
	char letter;
	uint16_t tag;
	int has_id;
} acl_tags[] = {
	{ 'u', 0x01, 0 }, /* ACL_USER_OBJ */
	{ 'u', 0x02, 1 }, /* ACL_USER */
	{ 'g', 0x04, 0 }, /* ACL_GROUP_OBJ */
	{ 'g', 0x08, 1 }, /* ACL_GROUP */
	{ 'm', 0x10, 0 }, /* ACL_MASK */
	{ 'o', 0x20, 0 }, /* ACL_OTHER */
};

/* File capability xattr (include/uapi/linux/capability.h). */
#define CAP_REVISION_MASK 0xff000000u
#define CAP_FLAGS_EFFECTIVE 0x1u
#define CAP_REVISION_2 0x02000000u
#define CAP_REVISION_3 0x03000000u
#define CAP_V2_SIZE 20
#define CAP_V3_SIZE 24

static void put_le16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint16_t get_le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

void fsop_put_hex(FILE *out, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (!len)
		fputc('-', out);
	for (size_t i = 0; i < len; i++)
		fprintf(out, "%02x", p[i]);
}

/* "-" is the empty value. */
static int parse_hex(const char *s, unsigned char *buf, size_t cap, size_t *len)
{
	size_t n = strlen(s);

	*len = 0;
	if (!strcmp(s, "-"))
		return 0;
	if (n % 2 || n / 2 > cap)
		return FSOP_BADARG;
	for (size_t i = 0; i < n; i += 2) {
		char byte[3] = { s[i], s[i + 1], '\0' };
		char *end;

		buf[i / 2] = (unsigned char)strtoul(byte, &end, 16);
		if (*end)
			return FSOP_BADARG;
	}
	*len = n / 2;
	return 0;
}

static ssize_t get_value(const char *path, const char *name, void *buf,
			 size_t cap, int nofollow)
{
	ssize_t r = nofollow ? lgetxattr(path, name, buf, cap)
			     : getxattr(path, name, buf, cap);

	return r < 0 ? -errno : r;
}

static int do_getxattr(char **a, FILE *out, int nofollow)
{
	static unsigned char buf[XATTR_VALUE_MAX];
	ssize_t r = get_value(a[0], a[1], buf, sizeof(buf), nofollow);

	if (r < 0)
		return (int)r;
	fsop_put_hex(out, buf, (size_t)r);
	return 0;
}

static int op_getxattr(char **a, int n, FILE *out)
{
	(void)n;
	return do_getxattr(a, out, 0);
}

static int op_lgetxattr(char **a, int n, FILE *out)
{
	(void)n;
	return do_getxattr(a, out, 1);
}

static int set_value(const char *path, const char *name, const void *buf,
		     size_t len, int flags, int nofollow)
{
	int r = nofollow ? lsetxattr(path, name, buf, len, flags)
			 : setxattr(path, name, buf, len, flags);

	return r < 0 ? -errno : 0;
}

static int do_setxattr(char **a, int n, int nofollow)
{
	static unsigned char buf[XATTR_VALUE_MAX];
	size_t len;
	int flags = 0;

	if (parse_hex(a[2], buf, sizeof(buf), &len))
		return FSOP_BADARG;
	if (n == 4 && !strcmp(a[3], "create"))
		flags = XATTR_CREATE;
	else if (n == 4 && !strcmp(a[3], "replace"))
		flags = XATTR_REPLACE;
	else if (n == 4)
		return FSOP_BADARG;
	return set_value(a[0], a[1], buf, len, flags, nofollow);
}

static int op_setxattr(char **a, int n, FILE *out)
{
	(void)out;
	return do_setxattr(a, n, 0);
}

static int op_lsetxattr(char **a, int n, FILE *out)
{
	(void)out;
	return do_setxattr(a, n, 1);
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int do_listxattr(const char *path, FILE *out, int nofollow)
{
	static char buf[XATTR_LIST_MAX];
	static char *names[XATTR_LIST_MAX / 2];
	size_t nr = 0;
	ssize_t r;

	r = nofollow ? llistxattr(path, buf, sizeof(buf))
		     : listxattr(path, buf, sizeof(buf));
	if (r < 0)
		return -errno;
	for (char *p = buf; p < buf + r; p += strlen(p) + 1)
		names[nr++] = p;
	qsort(names, nr, sizeof(*names), cmp_str);
	for (size_t i = 0; i < nr; i++)
		fprintf(out, "%s%s", i ? " " : "", names[i]);
	return 0;
}

static int op_listxattr(char **a, int n, FILE *out)
{
	(void)n;
	return do_listxattr(a[0], out, 0);
}

static int op_llistxattr(char **a, int n, FILE *out)
{
	(void)n;
	return do_listxattr(a[0], out, 1);
}

static int op_removexattr(char **a, int n, FILE *out)
{
	(void)n;
	(void)out;
	return removexattr(a[0], a[1]) < 0 ? -errno : 0;
}

static int op_lremovexattr(char **a, int n, FILE *out)
{
	(void)n;
	(void)out;
	return lremovexattr(a[0], a[1]) < 0 ? -errno : 0;
}

static const char *acl_xattr_name(const char *kind)
{
	if (!strcmp(kind, "access"))
		return "system.posix_acl_access";
	if (!strcmp(kind, "default"))
		return "system.posix_acl_default";
	return NULL;
}

/* Print "u::rw-,u:1000:r--,..." or, if it does not parse, "raw HEX". */
static void put_acl(FILE *out, const unsigned char *buf, size_t len)
{
	if (len < ACL_HEADER_SIZE || (len - ACL_HEADER_SIZE) % ACL_ENTRY_SIZE ||
	    get_le32(buf) != ACL_XATTR_VERSION)
		goto raw;
	for (size_t off = ACL_HEADER_SIZE; off < len; off += ACL_ENTRY_SIZE) {
		uint16_t tag = get_le16(buf + off),
			 perm = get_le16(buf + off + 2);
		size_t t;

		for (t = 0; t < sizeof(acl_tags) / sizeof(*acl_tags); t++)
			if (acl_tags[t].tag == tag)
				break;
		if (t == sizeof(acl_tags) / sizeof(*acl_tags) || perm > 7)
			goto raw;
		fprintf(out, "%s%c:", off > ACL_HEADER_SIZE ? "," : "",
			acl_tags[t].letter);
		if (acl_tags[t].has_id)
			fprintf(out, "%u", get_le32(buf + off + 4));
		fprintf(out, ":%c%c%c", perm & 4 ? 'r' : '-',
			perm & 2 ? 'w' : '-', perm & 1 ? 'x' : '-');
	}
	return;
raw:
	fputs("raw ", out);
	fsop_put_hex(out, buf, len);
}

static int op_getacl(char **a, int n, FILE *out)
{
	unsigned char buf[ACL_HEADER_SIZE + ACL_MAX_ENTRIES * ACL_ENTRY_SIZE];
	const char *name = acl_xattr_name(a[1]);
	ssize_t r;

	(void)n;
	if (!name)
		return FSOP_BADARG;
	r = get_value(a[0], name, buf, sizeof(buf), 0);
	if (r < 0)
		return (int)r;
	put_acl(out, buf, (size_t)r);
	return 0;
}

/* One entry "u:ID:rwx", "u::r-x", "g:...", "m::...", "o::..." */
static int encode_acl_entry(const char *text, unsigned char *entry)
{
	char letter, perm[4];
	unsigned int id = ACL_UNDEFINED_ID;
	int has_id, len = 0;
	uint16_t bits = 0;
	size_t t;

	if (sscanf(text, "%c::%3s%n", &letter, perm, &len) == 2 && !text[len]) {
		has_id = 0;
	} else if (sscanf(text, "%c:%u:%3s%n", &letter, &id, perm, &len) == 3 &&
		   !text[len]) {
		has_id = 1;
	} else {
		return FSOP_BADARG;
	}
	for (t = 0; t < sizeof(acl_tags) / sizeof(*acl_tags); t++)
		if (acl_tags[t].letter == letter &&
		    acl_tags[t].has_id == has_id)
			break;
	if (t == sizeof(acl_tags) / sizeof(*acl_tags) || strlen(perm) != 3)
		return FSOP_BADARG;
	for (int i = 0; i < 3; i++) {
		if (perm[i] == "rwx"[i])
			bits |= (uint16_t)(4 >> i);
		else if (perm[i] != '-')
			return FSOP_BADARG;
	}
	put_le16(entry, acl_tags[t].tag);
	put_le16(entry + 2, bits);
	put_le32(entry + 4, id);
	return 0;
}

/* Entries are encoded in the order given: the kernel checks the order. */
static int op_setacl(char **a, int n, FILE *out)
{
	unsigned char buf[ACL_HEADER_SIZE + ACL_MAX_ENTRIES * ACL_ENTRY_SIZE];
	const char *name = acl_xattr_name(a[1]);
	char spec[1024], *save = NULL, *tok;
	size_t len = ACL_HEADER_SIZE;

	(void)n;
	(void)out;
	if (!name || strlen(a[2]) >= sizeof(spec))
		return FSOP_BADARG;
	strcpy(spec, a[2]);
	put_le32(buf, ACL_XATTR_VERSION);
	for (tok = strtok_r(spec, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (len == sizeof(buf) || encode_acl_entry(tok, buf + len))
			return FSOP_BADARG;
		len += ACL_ENTRY_SIZE;
	}
	return set_value(a[0], name, buf, len, 0, 0);
}

/* "v2 eff permitted=0x2000 inheritable=0x0 [rootid=N]" or "raw HEX". */
static void put_cap(FILE *out, const unsigned char *buf, size_t len)
{
	uint32_t magic = len >= 4 ? get_le32(buf) : 0;
	uint32_t rev = magic & CAP_REVISION_MASK;
	uint64_t perm, inh;

	if (!((rev == CAP_REVISION_2 && len == CAP_V2_SIZE) ||
	      (rev == CAP_REVISION_3 && len == CAP_V3_SIZE))) {
		fputs("raw ", out);
		fsop_put_hex(out, buf, len);
		return;
	}
	perm = get_le32(buf + 4) | (uint64_t)get_le32(buf + 12) << 32;
	inh = get_le32(buf + 8) | (uint64_t)get_le32(buf + 16) << 32;
	fprintf(out, "v%u %s permitted=0x%llx inheritable=0x%llx", rev >> 24,
		magic & CAP_FLAGS_EFFECTIVE ? "eff" : "noeff",
		(unsigned long long)perm, (unsigned long long)inh);
	if (rev == CAP_REVISION_3)
		fprintf(out, " rootid=%u", get_le32(buf + 20));
}

static int op_getcap(char **a, int n, FILE *out)
{
	unsigned char buf[64];
	ssize_t r;

	(void)n;
	r = get_value(a[0], "security.capability", buf, sizeof(buf), 0);
	if (r < 0)
		return (int)r;
	put_cap(out, buf, (size_t)r);
	return 0;
}

/* setcap PATH v2|v3 PERMITTED eff|noeff [ROOTID]: inheritable is 0. */
static int op_setcap(char **a, int n, FILE *out)
{
	unsigned char buf[CAP_V3_SIZE] = { 0 };
	int v3 = !strcmp(a[1], "v3");
	unsigned long long perm;
	long long rootid = 0;
	uint32_t magic;
	char *end;

	(void)out;
	errno = 0;
	perm = strtoull(a[2], &end, 0);
	if ((!v3 && strcmp(a[1], "v2")) || errno || *end ||
	    (strcmp(a[3], "eff") && strcmp(a[3], "noeff")) || (n == 5) != v3 ||
	    (v3 && fsop_parse_num(a[4], 0, UINT32_MAX, &rootid)))
		return FSOP_BADARG;
	magic = (v3 ? CAP_REVISION_3 : CAP_REVISION_2) |
		(!strcmp(a[3], "eff") ? CAP_FLAGS_EFFECTIVE : 0);
	put_le32(buf, magic);
	put_le32(buf + 4, (uint32_t)perm);
	put_le32(buf + 12, (uint32_t)(perm >> 32));
	put_le32(buf + 20, (uint32_t)rootid);
	return set_value(a[0], "security.capability", buf,
			 v3 ? CAP_V3_SIZE : CAP_V2_SIZE, 0, 0);
}

const struct fsop_op fsop_xattr_ops[] = {
	{ "getxattr", 2, 2, op_getxattr,
	  "PATH NAME (value in hex, - if empty)" },
	{ "lgetxattr", 2, 2, op_lgetxattr, "PATH NAME" },
	{ "setxattr", 3, 4, op_setxattr, "PATH NAME HEX|- [create|replace]" },
	{ "lsetxattr", 3, 4, op_lsetxattr, "PATH NAME HEX|- [create|replace]" },
	{ "listxattr", 1, 1, op_listxattr, "PATH (sorted names)" },
	{ "llistxattr", 1, 1, op_llistxattr, "PATH" },
	{ "removexattr", 2, 2, op_removexattr, "PATH NAME" },
	{ "lremovexattr", 2, 2, op_lremovexattr, "PATH NAME" },
	{ "getacl", 2, 2, op_getacl, "PATH access|default" },
	{ "setacl", 3, 3, op_setacl,
	  "PATH access|default u::rwx,u:ID:r--,g::r-x,g:ID:---,m::rwx,o::r--" },
	{ "getcap", 1, 1, op_getcap, "PATH" },
	{ "setcap", 4, 5, op_setcap,
	  "PATH v2|v3 PERMITTED eff|noeff [ROOTID (v3 only)]" },
	{ NULL, 0, 0, NULL, NULL },
};
