/*
 * tweeturl — find the URLs in a text as X's twitter-text does, since X
 * counts every URL as 23 whatever its length.
 *
 * The rules are twitter-text's URL extraction: an optional http:// or
 * https://, a domain whose last label is a known top-level domain, an
 * optional port, path and query; trailing punctuation is left out; a URL
 * without a scheme counts only when its domain is ASCII (or Latin with
 * accents) and it does not follow - _ . or /.  "Known" top-level domains
 * come from the Public Suffix List through libpsl, not from a list kept
 * here.  The matching is written by hand because twitter-text defines it
 * as a set of regular expressions, which POSIX regex cannot express
 * (Unicode classes, lookahead); see the comments in tweeturl.c.
 *
 * Span arrays are allocated here; the caller frees them with free(3).
 */
#ifndef HT_TWEETURL_H
#define HT_TWEETURL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct ht_urlspan {
	size_t start;		/* first code point (or byte) of the URL */
	size_t end;		/* one past its last */
};

/*
 * The URLs of the code points cps[0..n), in order: returns their number
 * and *spans in code point indices (caller frees; NULL when none), or -1
 * with e set (no Public Suffix List, out of memory).
 */
long	ht_url_find(const int32_t *cps, size_t n, struct ht_urlspan **spans,
	    struct ht_err *e);

/* The same over UTF-8 text, spans in byte offsets. */
long	ht_url_find_utf8(const char *s, size_t len,
	    struct ht_urlspan **spans, struct ht_err *e);

/* Whether label (UTF-8) is a known top-level domain, in any case.  -1: error. */
int	ht_url_is_tld(const char *label, size_t len, struct ht_err *e);

#endif
