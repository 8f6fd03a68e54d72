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
 * A hashtag is plain text too unless a facet with a #tag feature marks
 * it; the hashtags are found by the rules Bluesky's own app follows
 * (bsky.c).  Mentions stay text: a #mention facet needs the account's
 * DID, which only a request to resolve the handle gives.
 *
 * Nor does Bluesky fetch a link's page to show a card: the post's record
 * carries it, an app.bsky.embed.external.  dh-format builds what it shows
 * from the event alone (ht_bsky_card), and bsky-post embeds it as given.
 *
 * And the session bsky-post keeps between runs: logging in is limited (30
 * sessions per 5 minutes, 300 a day per account) and the webhook path
 * runs a process per delivery, so the tokens are kept in a file, mode
 * 600, and refreshed when the access token expires (net-bsky.h).
 * Sessions hold secrets: ht_bsky_session_clear wipes them.
 */
#ifndef HT_BSKY_H
#define HT_BSKY_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"

#define HT_BSKY_FACET_LINK	"app.bsky.richtext.facet#link"
#define HT_BSKY_FACET_TAG	"app.bsky.richtext.facet#tag"
#define HT_BSKY_TAG_MAX		64	/* a tag's UTF-16 units, '#' aside */
#define HT_BSKY_EMBED_EXTERNAL	"app.bsky.embed.external"
/* A card's description when the repository has none. */
#define HT_BSKY_CARD_DESCRIPTION	"A new release of this container image."

/*
 * The facets of text[0..len) (UTF-8): a new JSON array (caller
 * json_decref()s it; empty when there is no link), or NULL with e set
 * (invalid UTF-8, out of memory, no Public Suffix List).
 */
json_t	*ht_bsky_facets(const char *text, size_t len, struct ht_err *e);

/*
 * The card of a post of text[0..len) made from event ev, for its first
 * link: {"uri": the link (with "https://" when it has no scheme),
 * "title": "REPO_NAME TAG", "description": the event's description, else
 * HT_BSKY_CARD_DESCRIPTION}.  1 and *card (caller json_decref()s it); 0
 * and NULL when the text holds no link or ev no repo_name and tag; -1
 * and e (out of memory, no Public Suffix List).
 */
int	ht_bsky_card(const char *text, size_t len, const json_t *ev,
	    json_t **card, struct ht_err *e);

/*
 * The record's embed for card (as ht_bsky_card makes it): a new
 * app.bsky.embed.external object (caller json_decref()s it), or NULL and
 * e when card is not an object of an http(s) "uri", a "title" and a
 * "description" (status 65), or memory is short (71).
 */
json_t	*ht_bsky_embed(const json_t *card, struct ht_err *e);

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

/*
 * ht_bsky_session_load on a session file's content buf[0..len), already
 * read: 1 when it is whole and for this pds and handle, else 0.
 */
int	ht_bsky_session_parse(const char *buf, size_t len, const char *pds,
	    const char *handle, struct ht_bsky_session *s);

/*
 * The tokens of a createSession or refreshSession answer body[0..len) into
 * s (did, access, refresh; what s held before is wiped).  0, or -1 when
 * the body does not hold them all.
 */
int	ht_bsky_session_from(const char *body, size_t len,
	    struct ht_bsky_session *s);

/* Keep s in path: written whole (mode 600) and renamed.  -1 with e. */
int	ht_bsky_session_save(const char *path, const struct ht_bsky_session *s,
	    struct ht_err *e);

/* createdAt for a time in microseconds: "2026-11-30T15:49:22.123Z". */
int	ht_bsky_datetime(unsigned long long usec, char *buf, size_t size);

#endif
