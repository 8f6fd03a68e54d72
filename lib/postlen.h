/*
 * postlen — the length of a post as each network counts it, for fitting
 * (dh-format --for) and checking (the posting tools).
 *
 *   x         X's weighted length (tweetlen.h): NFC, weights 1 or 2, every
 *             URL 23; limit 280.
 *   mastodon  code points; every URL with http:// or https:// counts 23
 *             (Mastodon does not shorten a URL without a scheme, so that
 *             one counts its own length), or what the instance says;
 *             @user@domain counts as @user; limit the instance's (500 by
 *             default; see instance.h).  Newer Mastodon
 *             releases count grapheme clusters, never more than code
 *             points: a post that fits here fits there.
 *   bluesky   grapheme clusters (utf8proc), at most 300, and at most
 *             3000 bytes of UTF-8; URLs count their full length, as the
 *             text carries them whole (the link facet makes them
 *             clickable, see bsky.h).
 *
 * The URLs are those tweeturl.h finds, for every network, so that the
 * fitting (which never cuts one) and Bluesky's link facets agree.
 */
#ifndef HT_POSTLEN_H
#define HT_POSTLEN_H

#include <stddef.h>

#include "err.h"
#include "tweetlen.h"

enum ht_network {
	HT_NET_X,
	HT_NET_MASTODON,
	HT_NET_BLUESKY
};

#define HT_MASTODON_MAX		500	/* characters, unless the instance
					   says otherwise */
#define HT_MASTODON_URL_WEIGHT	23
#define HT_BSKY_MAX		300	/* grapheme clusters */
#define HT_BSKY_MAX_BYTES	3000

struct ht_lenrule {
	enum ht_network net;
	long max;		/* the limit in the network's unit */
	size_t max_bytes;	/* 0: none (Bluesky: 3000) */
	long url_chars;		/* Mastodon: what a URL counts (the
				   instance's characters_reserved_per_url);
				   0: HT_MASTODON_URL_WEIGHT */
};

/*
 * The network named s ("x", "mastodon", "bluesky"): 0 and *net, or -1.
 * ht_network_name is its name (static).
 */
int	ht_network_parse(const char *s, enum ht_network *net);
const char *ht_network_name(enum ht_network net);

/* The rule of net with its default limit. */
void	ht_lenrule_default(enum ht_network net, struct ht_lenrule *r);

/*
 * Measure text[0..len) (UTF-8) by rule r: out->weighted is the length in
 * the network's unit, out->urls the URLs, out->valid and out->why as in
 * tweetlen.h ("too long" also when over max_bytes).  Returns 0, or -1
 * with e (invalid UTF-8: column = byte offset + 1; out of memory).
 */
int	ht_postlen(const struct ht_lenrule *r, const char *text, size_t len,
	    struct ht_tweetlen *out, struct ht_err *e);

/* Whether a measured post is within r's limits (only the length). */
int	ht_postlen_fits(const struct ht_lenrule *r,
	    const struct ht_tweetlen *tl, size_t len);

#endif
