/*
 * net-mastodon — Mastodon as a network of the posting engine (net.h):
 * POST {url}/api/v1/statuses with a JSON body {"status", "visibility"?,
 * "language"?}, "Authorization: Bearer TOKEN", and an Idempotency-Key
 * derived from the post's id, or from its text when it has none
 * (postkey.h): Mastodon answers a request whose key it saw in the last
 * hour with the status it made then, so a retry after a timeout, or the
 * same event given twice, never posts twice.
 *
 * Outcomes: 200 posted (id: the status id, url: its page); 401, 403
 * denied (77); 422 (blank, too long) rejected (65); 429 limited until
 * X-RateLimit-Reset, an ISO 8601 time (75); 5xx and no answer kept (69).
 *
 * The token is copied and wiped when the network is freed.  The helper
 * that sends the request sees it: a bearer token is the credential
 * itself, there is no signature to give instead.
 */
#ifndef HT_NET_MASTODON_H
#define HT_NET_MASTODON_H

#include "err.h"
#include "net.h"

struct ht_net_mastodon_conf {
	const char *url;	/* the instance, https://host */
	const char *token;	/* an access token with write:statuses */
	const char *visibility;	/* NULL: the account's default */
	const char *language;	/* NULL: none given */
};

/* NULL and e (status 71) when out of memory. */
struct ht_net *ht_net_mastodon_new(const struct ht_net_mastodon_conf *c,
	    struct ht_err *e);

/*
 * An ISO 8601 UTC time as Mastodon writes X-RateLimit-Reset
 * ("2026-11-30T16:05:00.000Z"): epoch seconds when it is a sane reset
 * (ht_net_reset_check), else 0.
 */
long long ht_net_mastodon_reset(const char *iso, long long now);

#endif
