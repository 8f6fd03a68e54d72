/*
 * tweetlen — the length of a post as X counts it (twitter-text config v3),
 * the one implementation dh-format and tw-post share.
 *
 * The text is normalised to NFC first.  Each code point then weighs 1 in
 * U+0000-U+10FF, U+2000-U+200D, U+2010-U+201F and U+2032-U+2037 and 2
 * elsewhere; every URL (found as tweeturl.h finds them) weighs 23 whatever
 * its length; every emoji sequence (ZWJ sequences, skin tones, flags,
 * keycaps, presentation sequences) weighs 2.  A text is valid when its
 * weight is above 0 and at most the maximum, and it holds none of U+FFFE,
 * U+FEFF, U+FFFF.
 */
#ifndef HT_TWEETLEN_H
#define HT_TWEETLEN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

#define HT_TWEET_MAX		280	/* weighted characters */
#define HT_TWEET_URL_WEIGHT	23	/* every URL, t.co-wrapped */

struct ht_tweetlen {
	long weighted;		/* X's weighted length of the NFC text */
	long urls;		/* the URLs X finds in it: a post with one is
				   billed at a higher price */
	int valid;		/* 1: X accepts it (0 < weighted <= max, no U+FFFE/U+FEFF/U+FFFF) */
	const char *why;	/* static text when !valid: "empty", "too long", "contains U+FEFF" ... */
};

/*
 * Weigh text[0..len) (UTF-8) against max (HT_TWEET_MAX for most accounts).
 * Returns 0 and fills out; -1 with e (column = byte offset+1) for invalid
 * UTF-8, or e for no Public Suffix List or out of memory.
 */
int	ht_tweetlen(const char *text, size_t len, long max,
	    struct ht_tweetlen *out, struct ht_err *e);

/*
 * The same on NFC code points already decoded, for callers that hold
 * them.  Returns the weighted length, or -1 with e set; *urls (when not
 * NULL) is the number of URLs found.
 */
long	ht_tweetlen_cps(const int32_t *cps, size_t n, long *urls,
	    struct ht_err *e);

/* The weight of one code point outside URLs and emoji: 1 or 2. */
int	ht_tweetlen_weight(int32_t cp);

/*
 * The number of code points of the emoji sequence that begins at cps[i],
 * or 0 when none does.
 */
size_t	ht_tweetlen_emoji(const int32_t *cps, size_t n, size_t i);

/*
 * {"text","weighted_length","valid","urls"}: what dh-format --json and
 * tw-post --dry-run --json say of text[0..len) weighed as tl.  NULL when
 * out of memory; caller decrefs.
 */
json_t	*ht_tweetlen_json(const char *text, size_t len,
	    const struct ht_tweetlen *tl);

#endif
