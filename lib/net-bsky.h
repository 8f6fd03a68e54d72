/*
 * net-bsky — Bluesky as a network of the posting engine (net.h), through
 * the account's PDS (AT Protocol XRPC):
 *
 *   prepare  the session: the one kept in session_file when it is this
 *            account's, else com.atproto.server.createSession with the
 *            handle and an app password; after an access token expired,
 *            com.atproto.server.refreshSession, and a new login only when
 *            the refresh token is refused.  Kept again (mode 600) after
 *            each change.
 *   build    com.atproto.repo.putRecord of an app.bsky.feed.post record:
 *            the text, its link and tag facets (bsky.h), the post's card
 *            as an app.bsky.embed.external when it has one, createdAt and
 *            langs.
 *   classify 200 posted (id: the record key, url: its bsky.app page);
 *            400 ExpiredToken kept, the session refreshed before the next
 *            try; 401, 403 denied (77); 400 and 413 rejected (65); 429
 *            limited until ratelimit-reset (75); 5xx and no answer kept.
 *
 * No double post: Bluesky has no idempotency key and no duplicate check.
 * The record key is a TID (the post lexicon's key type) made from the
 * post's id (or text) and a time that stays the same for every send of
 * the post, and putRecord writes "this record under this key", creating
 * it or, when a send whose answer was lost already made it, writing the
 * same record again: a resend changes nothing.  (createRecord with a key
 * that exists is an error, a 500 from today's PDS.)  The time, which
 * is the record's createdAt too, is the one in the post's id: a queue
 * item's name (SECONDS.MICROSECONDS...) or an event's id (IMAGE@PUSHED_AT,
 * from dh-parse); else, for a post without an id, the time of its first
 * send in this run, so that only its resends within the run are
 * harmless.
 *
 * The app password and the tokens are copied and wiped when the network
 * is freed.
 */
#ifndef HT_NET_BSKY_H
#define HT_NET_BSKY_H

#include <stddef.h>

#include "err.h"
#include "net.h"

#define HT_NET_BSKY_DEFAULT_PDS	"https://bsky.social"
#define HT_NET_BSKY_SESSION	"bsky-session.json"

struct ht_net_bsky_conf {
	const char *pds;	/* NULL: HT_NET_BSKY_DEFAULT_PDS */
	const char *handle;
	const char *password;	/* an app password */
	const char *const *langs; /* BCP 47 tags, or NULL */
	size_t nlangs;
	const char *session_file; /* where the session is kept, or NULL:
				   a login per run */
};

/* NULL and e (status 71) when out of memory. */
struct ht_net *ht_net_bsky_new(const struct ht_net_bsky_conf *c,
	    struct ht_err *e);

/*
 * The time (microseconds since the epoch) at the start of a queue item's
 * name, "SECONDS.MICROSECONDS....", or 0 when id is not one.
 */
unsigned long long ht_net_bsky_id_time(const char *id);
/*
 * The push time of an event id, "IMAGE@2026-11-30T16:05:00Z", in
 * microseconds since the epoch, or 0 when id is not one.
 */
unsigned long long ht_net_bsky_event_time(const char *id);

#endif
