// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz runtime/spec.c with config.json text (untrusted input of the
 * runtime wrapper, which runs as root).  Invariants:
 *  - parse: 0, or -EINVAL with one printable line;
 *  - a parsed spec serialises to text that parses again and serialises to
 *    the very same text (a fixed point: nothing lost on the way);
 *  - idmounts: 0, or -EINVAL with one printable line; every map it
 *    reports is one uidmapfs itself accepts (idmap_parse()), every index
 *    is a mount;
 *  - redirecting every reported mount leaves no mount asking for an
 *    ID-mapping, one fewer after each, and the text still parses.
 */
#include <errno.h>

#include "fuzz_common.h"
#include "spec.h"

static void check_text(const char *text, size_t len)
{
	char err[SPEC_ERR_LEN];
	struct spec *again;
	char *text2;
	size_t len2;

	FUZZ_CHECK(text != NULL);
	FUZZ_CHECK(strlen(text) == len);
	FUZZ_CHECK(spec_parse(text, len, &again, err, sizeof(err)) == 0);
	text2 = spec_serialize(again, &len2);
	FUZZ_CHECK(text2 != NULL);
	FUZZ_CHECK(len2 == len && !memcmp(text, text2, len));
	free(text2);
	spec_free(again);
}

static void check_idmounts(struct spec *spec)
{
	static struct idmap map;
	char err[SPEC_ERR_LEN];
	struct spec_idmount *m;
	size_t n, left;
	char *text;
	size_t len;
	int ret;

	memset(err, 0x55, sizeof(err));
	ret = spec_idmounts(spec, &m, &n, err, sizeof(err));
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL);
		FUZZ_CHECK(m == NULL && n == 0);
		fuzz_check_message(err, sizeof(err));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(idmap_parse(&map, m[i].uidmap, NULL, 0) == 0);
		FUZZ_CHECK(idmap_parse(&map, m[i].gidmap, NULL, 0) == 0);
		FUZZ_CHECK(m[i].destination && m[i].source && *m[i].source);
		FUZZ_CHECK(i == 0 || m[i].index > m[i - 1].index);
	}
	for (size_t i = 0; i < n; i++) {
		struct spec_idmount *now;

		FUZZ_CHECK(spec_redirect_mount(spec, m[i].index, "/run/u", err,
					       sizeof(err)) == 0);
		FUZZ_CHECK(spec_idmounts(spec, &now, &left, err, sizeof(err)) ==
			   0);
		FUZZ_CHECK(left == n - i - 1);
		spec_idmounts_free(now, left);
	}
	spec_idmounts_free(m, n);
	text = spec_serialize(spec, &len);
	check_text(text, len);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[SPEC_ERR_LEN];
	struct spec *spec;
	char *text;
	size_t len;
	int ret;

	memset(err, 0x55, sizeof(err));
	ret = spec_parse((const char *)data, size, &spec, err, sizeof(err));
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL);
		FUZZ_CHECK(spec == NULL);
		fuzz_check_message(err, sizeof(err));
		return 0;
	}
	text = spec_serialize(spec, &len);
	check_text(text, len);
	free(text);
	check_idmounts(spec);
	spec_free(spec);
	return 0;
}
