/*
 * mastodon — the Mastodon API requests mastodon-post makes, and what their
 * answers mean.
 *
 * A post is POST {url}/api/v1/statuses with a JSON body {"status",
 * "visibility"?, "language"?}, "Authorization: Bearer TOKEN" and an
 * Idempotency-Key (postkey.h): Mastodon answers a request whose key it
 * saw in the last hour with the status it made then, so a retry after a
 * timeout never posts twice.  Requests are in tw-send's protocol (a JSON
 * object: method, url, headers, body); answers too.
 *
 * Outcomes use struct ht_xapi_result (xapi.h), the outcome of every post:
 * 200 posted (id: the status id); 401 and 403 refused, status 77; 422
 * (blank, too long) refused, status 65; 429 held until X-RateLimit-Reset
 * (an ISO 8601 time), status 75; 5xx, no answer: try again, status 69.
 */
#ifndef HT_MASTODON_H
#define HT_MASTODON_H

#include <jansson.h>

#include "err.h"
#include "xapi.h"

struct ht_mastodon_conf {
	const char *url;	/* the instance, https://host (no path) */
	const char *visibility;	/* NULL: the account's default */
	const char *language;	/* NULL: none */
};

/*
 * The request that posts text with Idempotency-Key key, authorised by
 * token: a new object (caller json_decref()s it; it holds the token: see
 * ht_mastodon_request_wipe), or NULL with e set.
 */
json_t	*ht_mastodon_request(const struct ht_mastodon_conf *c,
	    const char *token, const char *text, const char *key,
	    struct ht_err *e);

/* Wipe the token from a request, then free it. */
void	ht_mastodon_request_wipe(json_t *req);

/*
 * The request that asks the instance its settings (GET /api/v2/instance,
 * no token), or NULL with e set; caller json_decref()s it.
 */
json_t	*ht_mastodon_instance_request(const char *url, struct ht_err *e);

/*
 * The instance's limit of characters per post from the answer to that
 * request (configuration.statuses.max_characters), or 0 when it does not
 * say one (any other answer).
 */
long	ht_mastodon_max_characters(const json_t *answer);

/* Classify an answer to a post.  now: epoch seconds. */
void	ht_mastodon_classify(const json_t *answer, long long now,
	    struct ht_xapi_result *r);

/*
 * An ISO 8601 UTC time as Mastodon writes X-RateLimit-Reset
 * ("2026-11-30T16:05:00.000Z"): epoch seconds when it is a sane reset
 * (ht_xapi_reset_check), else 0.
 */
long long ht_mastodon_reset(const char *iso, long long now);

#endif
