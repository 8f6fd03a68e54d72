/*
 * postkey — the keys that make a resent post harmless on networks that
 * have no duplicate check of their own.
 *
 * Mastodon keeps an Idempotency-Key for an hour: a request with a key it
 * has seen answers the status it made then.  Bluesky has none, but a
 * record key (rkey) chosen by the client names the record: the post of an
 * event always gets the same rkey, so a resend finds the record already
 * there (see bsky.h).  Both keys come from the event id when there is one
 * (dh-format --json passes it on), else from the text.
 */
#ifndef HT_POSTKEY_H
#define HT_POSTKEY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define HT_POSTKEY_IDEM_LEN	32	/* hex characters, without the NUL */
#define HT_POSTKEY_TID_LEN	13

/*
 * The Idempotency-Key of the post of event id (NULL or "": none, then of
 * text[0..len)): "hubtweet-" and 32 hex digits of SHA-256, into out
 * (size >= HT_POSTKEY_IDEM_LEN + 10).  Returns 0, or -1 with e set.
 */
int	ht_postkey_idem(const char *id, const char *text, size_t len,
	    char *out, size_t size, struct ht_err *e);

/*
 * The TID (atproto's 13-character base32-sortable timestamp identifier,
 * the record key of app.bsky.feed.post) with timestamp usec (microseconds
 * since 1970, below 2^53) and a 10-bit clock id taken from the SHA-256 of
 * the event id (or of the text), into out (size >= 14).  The caller keeps
 * usec with the post (the queue item's time), so a resend of the same
 * post gets the same key.  Returns 0, or -1 with e set.
 */
int	ht_postkey_tid(const char *id, const char *text, size_t len,
	    uint64_t usec, char *out, size_t size, struct ht_err *e);

/* Whether s is a TID: [2-7a-j][2-7a-z]{12}. */
int	ht_postkey_is_tid(const char *s);

#endif
