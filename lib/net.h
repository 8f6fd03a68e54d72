/*
 * Changed since first shown (15:56 UTC): ops->title; error_kind
 * "helper"; outcome.limit only when worth naming; ops->check and
 * ops->checked (who the credentials are: tw-post -C -O), both optional,
 * and outcome.account; HT_BUSY and HT_CORRUPT, the engine's words for a
 * queue's item.  For Mastodon and Bluesky: prepare is called before
 * every build (a session may expire mid-run), and a request's body may
 * be secret (a login's).
 *
 * net — what a network (X today; Mastodon and Bluesky next) adds to the
 * posting engine (post.h): it builds the HTTP request that publishes one
 * post, and it says what an answer means.  Nothing else: the engine sends
 * the request through the helper (sender.h), retries, waits for resets,
 * keeps the queue and prints nothing; a network neither does I/O (except
 * through the sender in prepare) nor sleeps.
 *
 * A second network is one new file, net-NAME.c, with a constructor
 * (struct ht_net *ht_net_NAME_new(..., struct ht_err *)) that fills a
 * struct ht_net with its ops and its private state.
 *
 * Memory: struct ht_post is borrowed from the caller for one call; a
 * struct ht_http_req is owned by whoever called build and freed (wiped:
 * it may carry a token or a signature) with ht_http_req_free; a struct
 * ht_http_ans is owned by the sender's caller and only borrowed by
 * classify.
 */
#ifndef HT_NET_H
#define HT_NET_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "err.h"

struct ht_sender;

/* One post to publish.  Borrowed. */
struct ht_post {
	const char *text;	/* UTF-8, already fitted to the network */
	const char *reply_to;	/* the network's id of the post answered,
				   or NULL */
	const char *id;		/* a stable name of this post (the queue
				   item's or the event's): an idempotency key
				   for networks that take one; may be NULL */
	const json_t *card;	/* the card of its first link, for a network
				   that shows one without fetching the page
				   (bsky.h: ht_bsky_card), or NULL */
};

#define HT_HTTP_MAX_HEADERS	16

/* A request for the sender.  Owned: free with ht_http_req_free. */
struct ht_http_req {
	char method[8];		/* "POST" */
	char *url;		/* absolute http(s) URL */
	char *headers[HT_HTTP_MAX_HEADERS];	/* "Name: value" */
	size_t nheaders;
	char *body;		/* may be NULL (no body) */
	size_t body_len;
	int body_secret;	/* the body holds a secret (a login's
				   password): --verbose does not show it */
};

/*
 * Add a header ("Name: value", printf-style) to r.  0, or -1 and e
 * (status 70 when the header table is full, 71 out of memory).
 */
int	ht_http_req_header(struct ht_http_req *r, struct ht_err *e,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Wipe and free what r holds (not r itself); r is then empty. */
void	ht_http_req_free(struct ht_http_req *r);

/* An answer from the sender.  Free with ht_http_ans_free. */
struct ht_http_ans {
	int status;		/* the HTTP status; 0: no answer (transport) */
	const json_t *headers;	/* object, names in lower case (last of a
				   repeated header wins); never NULL */
	const char *body;	/* "" when none; cut at HT_WIRE_MAX_BODY */
	size_t body_len;
	const char *error;	/* status 0: the transport's message */
	const char *error_kind;	/* status 0: "timeout", "connect", "other";
				   or "helper" when tw-send itself failed,
				   which the engine reports (KEPT) without
				   calling classify */
	long time_ms;		/* how long the exchange took */
	json_t *root;		/* private: what the fields point into */
};
void	ht_http_ans_free(struct ht_http_ans *a);

/*
 * What became of a post.  One word each, and one sysexits status per
 * word (ht_outcome_status); the engine decides what the queue does with
 * it (post.h: posted and already: done; kept, limited, unpaid and busy:
 * stays queued, and a post left queued is status 75 whatever kept it;
 * rejected, broken and corrupt: failed/; denied: failed/ and stops a
 * flush).  HT_ALREADY with no attempt is an event the queue knows was
 * posted; HT_LIMITED with no attempt, a post not tried as a window is
 * used up.
 */
enum ht_outcome_kind {
	HT_POSTED,	/* published; id (and url when known) set	 0 */
	HT_ALREADY,	/* the network has it already (a duplicate):
			   as good as posted				 0 */
	HT_KEPT,	/* failed for now (5xx, timeout, no connection,
			   an answer without an id): retry, not before
			   retry_at when that is set			69 */
	HT_LIMITED,	/* rate limited (429, or a window used up):
			   retry at retry_at				75 */
	HT_UNPAID,	/* no credits left (X's 402): nothing goes
			   through until the owner pays			69 */
	HT_REJECTED,	/* the post itself is refused (400, 422):
			   retrying cannot help				65 */
	HT_DENIED,	/* the credentials or the app's permissions are
			   refused (401, 403): nothing will go through	77 */
	HT_BROKEN,	/* an answer that makes no sense (wrong URL?):
			   retrying will not help			69 */
	/* The engine's own words for a queued post, never a network's: */
	HT_BUSY,	/* another process is sending it: not tried	75 */
	HT_CORRUPT	/* the queue's item cannot be read: moved to
			   failed/					65 */
};

struct ht_outcome {
	enum ht_outcome_kind kind;
	int status;		/* ht_outcome_status(kind): set with kind */
	int http;		/* the HTTP status, 0 when none came */
	time_t retry_at;	/* KEPT, LIMITED: epoch s, 0 when unknown */
	time_t next_at;		/* any answer: the network takes no post
				   before this (a window is used up), or 0 */
	const char *limit;	/* static text naming the window behind
				   retry_at/next_at when it is worth saying
				   ("the app's 24-hour limit"), or NULL */
	int attempts;		/* requests made for this post */
	char id[160];		/* POSTED: the network's id of the post */
	char url[256];		/* POSTED: its address, or "" */
	char account[128];	/* ops->checked: the account's name */
	char reason[512];	/* not POSTED: why, one line, the network's
				   own words quoted */
};

/* The sysexits status of a kind (the numbers in the enum above). */
int	ht_outcome_status(enum ht_outcome_kind);
/*
 * Set o's kind, status and reason (printf-style; control characters
 * become spaces; cut short, it is cut between characters).  Keeps the
 * other fields.
 */
void	ht_outcome_set(struct ht_outcome *o, enum ht_outcome_kind,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * The answers every network reads alike, once its own are ruled out: 429
 * (LIMITED), 5xx (KEPT), retried not before retry_at (0: unknown), and
 * anything else (BROKEN: a wrong URL, most likely, which retrying will not
 * mend).  title names the network; said is its quoted words, or "".
 */
void	ht_outcome_other(struct ht_outcome *o, int http, long long retry_at,
	    const char *title, const char *said);
/*
 * Whether s, an id or an address a network answered, may be shown and
 * kept as it is: printable ASCII, no space, shorter than max bytes.
 */
int	ht_net_token_ok(const char *s, size_t max);
/*
 * ht_outcome_other with its retry time: reset, the network's own (epoch
 * seconds, 0: none), else for a 429 or a 5xx the answer's Retry-After.
 */
void	ht_outcome_later(struct ht_outcome *o, const struct ht_http_ans *a,
	    long long reset, time_t now, const char *title, const char *said);

/*
 * What every network's classification of an answer starts with: clear o
 * and set its http; when no HTTP answer came (a->status 0), fill o
 * (HT_KEPT: "no answer in time: ...", "cannot connect: ..." or "request
 * failed: ..." with the transport's words) and return 0; else return the
 * HTTP status.
 */
int	ht_answer_status(const struct ht_http_ans *a, struct ht_outcome *o);

/*
 * " (NETWORK: \"words\")" into buf, to end a reason with; "" when words is
 * NULL or empty; cut with "...)" when too long.
 */
void	ht_answer_quote(char *buf, size_t size, const char *network,
	    const char *words);

/*
 * The one place where a reset header becomes a time: value is epoch
 * seconds (x-*-reset, ratelimit-reset), or seconds from now when relative
 * (Retry-After).  Returns epoch seconds, or 0 when value is not a usable
 * time: not digits, or a time that ht_net_reset_check does not believe.
 */
long long ht_net_hold_until(const char *value, int relative,
	    long long now);
/*
 * Sanity of a reset time (epoch seconds; now the current time): reset when
 * it is in the future and at most HT_NET_RESET_MAX seconds away, else 0
 * ("unknown"), for which callers fall back to their bounded exponential
 * backoff.  A reset in the past would have a poster retry once a second
 * against a 429; an absurd one would hold the queue for ever, or overflow
 * what is computed from it.
 */
#define HT_NET_RESET_MAX	(86400 + 3600)	/* a day, and an hour of skew */
long long ht_net_reset_check(long long reset, long long now);
/* Whether a kind means the post is published (POSTED, ALREADY). */
int	ht_outcome_done(enum ht_outcome_kind);

struct ht_net;

struct ht_net_ops {
	const char *name;	/* "x": in the queue and in options */
	const char *title;	/* "X": in messages ("rate limited by X") */
	/*
	 * Optional (NULL: nothing to do).  Called before every build, e.g.
	 * to log in and keep a session token, or to refresh it after
	 * classify saw it expire (it returns at once when there is nothing
	 * to do); it may exchange requests through s (ht_sender_exchange).
	 * 0, or -1 and e with e->status set (77: credentials refused, 69:
	 * unreachable).
	 */
	int	(*prepare)(struct ht_net *, struct ht_sender *s,
		    struct ht_err *e);
	/*
	 * The request that publishes p, into r (zeroed by the caller).
	 * 0, or -1 and e (status set; r is freed by the caller either way).
	 */
	int	(*build)(struct ht_net *, const struct ht_post *p,
		    struct ht_http_req *r, struct ht_err *e);
	/*
	 * What the answer a means (now: epoch seconds).  Fills o entirely
	 * (it starts zeroed), always: an answer that makes no sense is
	 * HT_BROKEN or HT_KEPT, never an error.
	 */
	void	(*classify)(struct ht_net *, const struct ht_http_ans *a,
		    time_t now, struct ht_outcome *o);
	/*
	 * Optional (NULL: the network cannot say): the request that asks
	 * who the credentials are (a GET that posts nothing), into r as for
	 * build; and what its answer means: HT_POSTED with o->id the
	 * account's id and o->account its name (without "@"), or why not,
	 * as for a post.
	 */
	int	(*check)(struct ht_net *, struct ht_http_req *r,
		    struct ht_err *e);
	void	(*checked)(struct ht_net *, const struct ht_http_ans *a,
		    time_t now, struct ht_outcome *o);
	/* Free the private state (wipe its secrets). */
	void	(*free)(void *priv);
	/*
	 * Prefixes of answer header names that --verbose shows
	 * (NULL-terminated), e.g. the rate-limit headers; may be NULL.
	 */
	const char *const *trace_headers;
};

struct ht_net {
	const struct ht_net_ops *ops;
	void *priv;		/* the network's own state */
};

/* Calls ops->free(priv) and frees n.  NULL is fine. */
void	ht_net_free(struct ht_net *n);

#endif
