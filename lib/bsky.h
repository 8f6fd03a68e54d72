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
 *
 * Then the XRPC requests bsky-post makes, in tw-send's protocol (a JSON
 * object: method, url, headers, body), and what their answers mean:
 *
 *   com.atproto.server.createSession   handle and app password -> tokens
 *   com.atproto.server.refreshSession  refresh token -> new tokens
 *   com.atproto.repo.createRecord      the post, with its record key
 *   com.atproto.repo.getRecord         whether a record key is taken
 *
 * Logging in is limited (30 sessions per 5 minutes, 300 a day per
 * account) and the webhook path runs a process per delivery, so the
 * session is kept in a file (mode 600) and refreshed when the access
 * token expires; a new login happens only when the refresh is refused.
 *
 * Bluesky has no idempotency key and no duplicate check.  A post's record
 * key is a TID derived from the event and its queue time (postkey.h), so
 * a resend after a crash names the same record: the PDS refuses to create
 * it twice (today with a 500, see ht_bsky_classify), and getRecord tells
 * whether it is there.
 *
 * Outcomes use struct ht_xapi_result (xapi.h), the outcome of every post.
 * Requests and sessions hold secrets: free them with the functions here,
 * which wipe them.
 */
#ifndef HT_BSKY_H
#define HT_BSKY_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "xapi.h"

#define HT_BSKY_FACET_LINK	"app.bsky.richtext.facet#link"

/*
 * The facets of text[0..len) (UTF-8): a new JSON array (caller
 * json_decref()s it; empty when there is no link), or NULL with e set
 * (invalid UTF-8, out of memory, no Public Suffix List).
 */
json_t	*ht_bsky_facets(const char *text, size_t len, struct ht_err *e);

#define HT_BSKY_DEFAULT_PDS	"https://bsky.social"

struct ht_bsky_session {
	char *pds;		/* the PDS it was made on */
	char *handle;		/* the handle it was made for */
	char *did;		/* the account's DID, the repo of its posts */
	char *access;		/* accessJwt (secret) */
	char *refresh;		/* refreshJwt (secret) */
};

/* Wipe and free what s holds (s itself is the caller's). */
void	ht_bsky_session_clear(struct ht_bsky_session *s);

/*
 * Read the session kept in path: 1 when it is there and for this pds and
 * handle, 0 when there is none (or another account's), -1 with e when the
 * file cannot be read or group or others may read it.
 */
int	ht_bsky_session_load(const char *path, const char *pds,
	    const char *handle, struct ht_bsky_session *s, struct ht_err *e);

/* Keep s in path: written whole (mode 600) and renamed.  -1 with e. */
int	ht_bsky_session_save(const char *path, const struct ht_bsky_session *s,
	    struct ht_err *e);

/* Requests: new objects (caller frees with ht_bsky_request_free), or NULL. */
json_t	*ht_bsky_login_request(const char *pds, const char *handle,
	    const char *password, struct ht_err *e);
json_t	*ht_bsky_refresh_request(const struct ht_bsky_session *s,
	    struct ht_err *e);
/*
 * The post text[0..len) with its link facets, langs (n of them, may be
 * 0), createdAt created (RFC 3339) and record key rkey (NULL: the PDS
 * picks one).
 */
json_t	*ht_bsky_post_request(const struct ht_bsky_session *s,
	    const char *text, size_t len, const char *const *langs, size_t n,
	    const char *created, const char *rkey, struct ht_err *e);
json_t	*ht_bsky_get_request(const struct ht_bsky_session *s,
	    const char *rkey, struct ht_err *e);
/* Wipe a request's secrets (Authorization, a login's body) and free it. */
void	ht_bsky_request_free(json_t *req);

/*
 * A session answer (createSession, refreshSession): r->kind OK and s
 * filled (pds and handle are the caller's to set), or refused (401, or a
 * refresh token that expired: 400 ExpiredToken; status 77), or transient
 * (429 until ratelimit-reset, status 75; 5xx, no answer, status 69).
 */
void	ht_bsky_session_classify(const json_t *answer, long long now,
	    struct ht_bsky_session *s, struct ht_xapi_result *r);

enum ht_bsky_hint {
	HT_BSKY_NONE,
	HT_BSKY_EXPIRED,	/* the access token expired: refresh, retry */
	HT_BSKY_MAY_EXIST	/* the record key may be taken: getRecord */
};

/*
 * A createRecord answer: OK (r->id: the record key), refused (401: 77;
 * 400 InvalidRequest and others: 65), transient (429: 75; 5xx: 69).  *hint
 * says what to do before trying again: refresh the session, or, when the
 * request named a record key, look it up (a PDS answers 500 to a key that
 * exists, or an error named ...Exists).
 */
void	ht_bsky_classify(const json_t *answer, long long now, int keyed,
	    struct ht_xapi_result *r, enum ht_bsky_hint *hint);

/*
 * A getRecord answer for the post text[0..len): 1 when the record is
 * there with that text (the post was made), 0 when there is none, -1 when
 * the answer says neither (r filled: the outcome to report).
 */
int	ht_bsky_get_classify(const json_t *answer, long long now,
	    const char *text, size_t len, struct ht_xapi_result *r);

/* createdAt for a time in microseconds: "2026-11-30T15:49:22.123Z". */
int	ht_bsky_datetime(unsigned long long usec, char *buf, size_t size);

#endif
