/*
 * Fuzz target "bsky-session": the Bluesky session file bsky-post keeps
 * (lib/bsky.c), as read back (ht_bsky_session_parse, what
 * ht_bsky_session_load does with the file's bytes), for the account it
 * was made for and for another.
 *
 * Checks: a session taken is whole (every string set and not empty) and
 * this account's; a session not taken holds nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "bsky.h"
#include "fuzz.h"

static void
load(const uint8_t *data, size_t size, const char *pds, const char *handle)
{
	struct ht_bsky_session s;
	int r;

	r = ht_bsky_session_parse((const char *)data, size, pds, handle, &s);
	if (r == 1) {
		if (s.pds == NULL || s.handle == NULL || s.did == NULL ||
		    s.access == NULL || s.refresh == NULL || *s.did == '\0' ||
		    *s.access == '\0' || *s.refresh == '\0' ||
		    strcmp(s.pds, pds) != 0 || strcmp(s.handle, handle) != 0)
			abort();
	} else if (r != 0 || s.pds != NULL || s.handle != NULL ||
	    s.did != NULL || s.access != NULL || s.refresh != NULL)
		abort();
	ht_bsky_session_clear(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	load(data, size, "https://bsky.social", "alice.bsky.social");
	load(data, size, "https://pds.test", "bob.test");
	return 0;
}
