/*
 * Fuzz target "mastodon-instance": a Mastodon instance's answer to
 * GET /api/v2/instance, as mastodon-post --check reads its limits
 * (ht_instance_parse, lib/instance.c).
 *
 * Checks: limits taken are within what is believed (max_characters 1 to
 * HT_INSTANCE_MAX, a link's count 0 or 1 to 1000); an answer refused is
 * a data error (65) that says why.
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "instance.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ht_instance in;
	struct ht_err e;

	memset(&in, 0, sizeof in);
	ht_err_clear(&e);
	if (ht_instance_parse((const char *)data, size, &in, &e) == 0) {
		if (in.max_characters < 1 ||
		    in.max_characters > HT_INSTANCE_MAX ||
		    in.url_chars < 0 || in.url_chars > 1000)
			abort();
	} else if (e.msg[0] == '\0' || e.status != EX_DATAERR)
		abort();
	return 0;
}
