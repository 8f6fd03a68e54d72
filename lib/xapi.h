/*
 * xapi — post to X (API v2 POST /2/tweets, or the legacy v1.1
 * statuses/update.json) and say what became of the post.
 *
 * One call sends one post and classifies the outcome: posted (with its id),
 * duplicate (X already has this text: as good as posted), a permanent
 * rejection (bad credentials, read-only app, invalid text: retrying cannot
 * help), no credits left (402: the pay-per-use account must be topped up
 * before any post goes through) or a transient failure (5xx, timeout, no
 * connection, rate limit: try again, not before retry_at).  The durable
 * queue and tw-post share it.
 *
 * Rate limits: X announces its windows in headers, the per-user one
 * (x-rate-limit-*, 100 posts per 15 minutes) and the daily caps of a
 * pay-per-use app (x-user-limit-24hour-*, x-app-limit-24hour-*).  When an
 * answer says a window is used up, the latest reset of those that are is
 * when X takes a post again: retry_at after a 429, next_at after any
 * answer, and the client does not call X before it.
 *
 * Requests are signed here (oauth.c); the HTTP exchange happens in the
 * helper program tw-send, which this file starts on first use and talks to
 * over a socket, so that the calling process never loads libcurl and the
 * helper never sees a secret.  The helper's environment is the caller's
 * without TW_* and DH_KEY.
 *
 * Credentials given to ht_xapi_new are copied and wiped at ht_xapi_free.
 */
#ifndef HT_XAPI_H
#define HT_XAPI_H

#include <jansson.h>

#include "err.h"
#include "oauth.h"

#define HT_XAPI_DEFAULT_URL	"https://api.x.com"
#define HT_XAPI_HELPER		"tw-send"
/*
 * The helper's environment names its parent (tw-post), which it dies with
 * (PR_SET_PDEATHSIG); a helper whose parent is already another refuses to
 * run.
 */
#define HT_PARENT_ENV		"HUBTWEET_PARENT_PID"

enum ht_xapi_kind {
	HT_XAPI_OK,		/* posted; id is set */
	HT_XAPI_DUPLICATE,	/* X has this text already */
	HT_XAPI_PERMANENT,	/* rejected; do not retry */
	HT_XAPI_NO_CREDITS,	/* 402: no credits left; not retried, as
				   every post fails until the owner tops
				   them up */
	HT_XAPI_TRANSIENT	/* failed for now; retry (not before retry_at) */
};

struct ht_xapi_result {
	enum ht_xapi_kind kind;
	int http;		/* the HTTP status, 0 when none came */
	int status;		/* sysexits.h: 0, 65, 69, 75 or 77 */
	int rate_limited;	/* 429, or not tried: a window is used up */
	long long retry_at;	/* TRANSIENT: epoch seconds, 0 when unknown */
	long long next_at;	/* any answer: X takes no post before this, as
				   a window is used up (epoch seconds), or 0 */
	const char *limit;	/* the window that decided retry_at or
				   next_at: static text ("the app's 24-hour
				   limit"), or NULL */
	int attempts;		/* ht_xapi_post_within: requests made */
	char id[32];		/* OK: the post's id */
	char reason[512];	/* not OK: why, one line, X's words quoted */
};

struct ht_xapi_conf {
	const char *api_url;	/* NULL: HT_XAPI_DEFAULT_URL */
	int v1;			/* the legacy v1.1 statuses/update.json */
	long timeout_ms;	/* each request, at most (0: 30 s) */
	long connect_timeout_ms; /* each connection, at most (0: 10 s) */
	const char *helper;	/* path of tw-send; see ht_xapi_helper_path */
	/* --verbose: one line at a time, secrets already redacted. */
	void	(*trace)(void *arg, const char *line);
	void	*trace_arg;
};

struct ht_xapi;

/* The strings of c are copied.  NULL and e when out of memory. */
struct ht_xapi *ht_xapi_new(const struct ht_xapi_conf *c,
	    const struct ht_oauth_cred *cred, struct ht_err *e);
/* Stops the helper and wipes the credentials. */
void	ht_xapi_free(struct ht_xapi *);

/*
 * One attempt at posting text (reply_to: a post id, or NULL), with a total
 * time of at most budget_ms (0: the configured timeout).  Returns 0 and fills
 * r; -1 and e (status 69, 70 or 71) when the post cannot even be tried: the
 * helper cannot run, or memory is short.
 */
int	ht_xapi_post(struct ht_xapi *, const char *text, const char *reply_to,
	    long budget_ms, struct ht_xapi_result *r, struct ht_err *e);

/*
 * Post, retrying transient failures within budget_ms: exponential backoff
 * from 0.5 s with jitter, a 429 waits for its reset (see above) when that
 * falls within the budget and gives up at once (status 75) when it does
 * not; a Retry-After is honoured.  When the budget is spent the last
 * transient result is returned (status 69, or 75 when rate limited).  A
 * 402 is returned at once.  When the last answer this client had said a
 * window is used up, it waits for the reset in the same way before the
 * first request (attempts 0 when it gives up without one).
 */
int	ht_xapi_post_within(struct ht_xapi *, const char *text,
	    const char *reply_to, long budget_ms, struct ht_xapi_result *r,
	    struct ht_err *e);

/*
 * Who the credentials are: GET /2/users/me, once.  Returns 0 and r (OK:
 * r->id is the account's id, user its @name; else why, as for a post), or
 * -1 and e when the request cannot even be made.
 */
int	ht_xapi_whoami(struct ht_xapi *, char *user, size_t len,
	    struct ht_xapi_result *r, struct ht_err *e);

/*
 * The body of the request that posts text: {"text":...} for v2, a form
 * (status=...) for v1.1.  NULL when out of memory; caller frees.
 */
char	*ht_xapi_body(int v1, const char *text, const char *reply_to);

/*
 * The one place where a reset header becomes a time: value is epoch
 * seconds (x-*-reset), or seconds from now when relative (Retry-After).
 * Returns epoch seconds, or 0 when value is not a usable time: not digits,
 * or a time that ht_xapi_reset_check does not believe.
 */
long long ht_xapi_hold_until(const char *value, int relative, long long now);
/*
 * Sanity of a reset time (epoch seconds; now the current time): reset when
 * it is in the future and at most HT_XAPI_RESET_MAX seconds away, else 0
 * ("unknown"), for which callers fall back to their bounded exponential
 * backoff.  A reset in the past would have tw-post retry once a second
 * against a 429; an absurd one would hold the queue for ever, or overflow
 * what is computed from it.
 */
#define HT_XAPI_RESET_MAX	(86400 + 3600)	/* a day, and an hour of skew */
long long ht_xapi_reset_check(long long reset, long long now);

/*
 * Classify an answer of tw-send ({"status":...,"headers":{...},"body":...}
 * or {"status":0,"error":...}).  now: epoch seconds.
 */
void	ht_xapi_classify(const json_t *answer, int v1, long long now,
	    struct ht_xapi_result *r);

/*
 * Where tw-send is: $HUBTWEET_LIBEXECDIR/tw-send when that is set; else
 * ../libexec/hubtweet/tw-send from the directory of the running program
 * (/proc/self/exe) when that exists, which serves the build tree and a
 * relocated installation; else LIBEXECDIR/tw-send.  Caller frees.
 */
char	*ht_xapi_helper_path(const char *libexecdir);

#endif
