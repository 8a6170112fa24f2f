// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz idmap_parse(), the parser of -o uidmap=/gidmap= (text a user or
 * fstab hands a root daemon).  Invariants:
 *  - success: a kernel-valid map (fuzz_check_map) that, formatted back into
 *    the option syntax, parses to the very same map, and that the /proc
 *    parser reads identically from the kernel's uid_map format;
 *  - failure: -EINVAL, an empty map that maps nothing, and one printable
 *    line of error text that fits the buffer.
 */
#include <errno.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct idmap map, again;
	static char text[FUZZ_TEXT_MAX];
	char err[IDMAP_ERR_LEN];
	char *input;
	int ret;

	input = malloc(size + 1);
	if (!input)
		return 0;
	memcpy(input, data, size);
	input[size] = '\0';
	memset(err, 0x55, sizeof(err));
	ret = idmap_parse(&map, input, err, sizeof(err));
	free(input);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL);
		fuzz_check_message(err, sizeof(err));
		fuzz_check_empty(&map);
		return 0;
	}
	fuzz_check_map(&map);
	fuzz_format_option(&map, text, sizeof(text));
	FUZZ_CHECK(idmap_parse(&again, text, NULL, 0) == 0);
	FUZZ_CHECK(fuzz_same_map(&map, &again));
	fuzz_format_proc(&map, text, sizeof(text));
	FUZZ_CHECK(idmap_parse_proc(&again, text, NULL, 0) == 0);
	FUZZ_CHECK(fuzz_same_map(&map, &again));
	/* A short buffer is never overrun and still terminated. */
	FUZZ_CHECK(idmap_parse(&again, "x", err, 1) == -EINVAL);
	FUZZ_CHECK(err[0] == '\0');
	return 0;
}
