/*
 * bsky — what a Bluesky post needs beside its text.
 *
 * Bluesky does not find links in a post's text: a link is clickable only
 * when the record carries an app.bsky.richtext.facet whose index gives
 * the link's place as UTF-8 byte offsets into the text (byteStart
 * inclusive, byteEnd exclusive) with a #link feature holding the full
 * URI.  The links are those tweeturl.h finds, the same the length rules
 * and the fitting see (postlen.h), so a link the fitting kept whole is a
 * link here.  A link written without a scheme gets "https://" in its URI.
 */
#ifndef HT_BSKY_H
#define HT_BSKY_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"

#define HT_BSKY_FACET_LINK	"app.bsky.richtext.facet#link"

/*
 * The facets of text[0..len) (UTF-8): a new JSON array (caller
 * json_decref()s it; empty when there is no link), or NULL with e set
 * (invalid UTF-8, out of memory, no Public Suffix List).
 */
json_t	*ht_bsky_facets(const char *text, size_t len, struct ht_err *e);

#endif
