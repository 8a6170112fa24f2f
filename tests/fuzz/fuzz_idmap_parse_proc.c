// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz idmap_parse_proc(), the parser of /proc/PID/uid_map text read for
 * -o userns=PID (a file whose process the daemon does not control).
 * Invariants as for idmap_parse(): a kernel-valid map that round-trips
 * through the kernel's print format and the option syntax, or -EINVAL with
 * an empty map and one printable line of error text.
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
	ret = idmap_parse_proc(&map, input, err, sizeof(err));
	free(input);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL);
		fuzz_check_message(err, sizeof(err));
		fuzz_check_empty(&map);
		return 0;
	}
	fuzz_check_map(&map);
	fuzz_format_proc(&map, text, sizeof(text));
	FUZZ_CHECK(idmap_parse_proc(&again, text, NULL, 0) == 0);
	FUZZ_CHECK(fuzz_same_map(&map, &again));
	fuzz_format_option(&map, text, sizeof(text));
	FUZZ_CHECK(idmap_parse(&again, text, NULL, 0) == 0);
	FUZZ_CHECK(fuzz_same_map(&map, &again));
	return 0;
}
