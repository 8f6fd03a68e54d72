/*
 * xapi — tw-post's X client: the posting engine (post.h) on X (net-x.h),
 * with the result tw-post and its queue wiring read.  A stage of the move
 * to post.h: it goes when tw-post talks to the engine itself.
 */
#ifndef HT_XAPI_H
#define HT_XAPI_H

#include "err.h"
#include "net-x.h"
#include "oauth.h"
#include "post.h"
#include "sender.h"

#define HT_XAPI_DEFAULT_URL	HT_NET_X_DEFAULT_URL

enum ht_xapi_kind {
	HT_XAPI_OK,		/* HT_POSTED */
	HT_XAPI_DUPLICATE,	/* HT_ALREADY */
	HT_XAPI_PERMANENT,	/* HT_REJECTED, HT_DENIED, HT_BROKEN */
	HT_XAPI_NO_CREDITS,	/* HT_UNPAID */
	HT_XAPI_TRANSIENT	/* HT_KEPT, HT_LIMITED */
};

struct ht_xapi_result {
	enum ht_xapi_kind kind;
	int status;		/* the outcome's */
	int rate_limited;	/* HT_LIMITED */
	long long retry_at, next_at;
	char id[32];
	char reason[512];
};

struct ht_xapi_conf {
	const char *api_url;	/* NULL: HT_XAPI_DEFAULT_URL */
	int v1;
	long timeout_ms;
	long connect_timeout_ms;
	const char *helper;
	void	(*trace)(void *arg, const char *line);
	void	*trace_arg;
};

struct ht_xapi;

struct ht_xapi *ht_xapi_new(const struct ht_xapi_conf *c,
	    const struct ht_oauth_cred *cred, struct ht_err *e);
void	ht_xapi_free(struct ht_xapi *);
/* ht_engine_send, its outcome in r. */
int	ht_xapi_post_within(struct ht_xapi *, const char *text,
	    const char *reply_to, long budget_ms, struct ht_xapi_result *r,
	    struct ht_err *e);

/*
 * Who the credentials are (ht_engine_check): 0 and r (OK: user is the
 * account's @name; else why, as for a post), or -1 and e.
 */
int	ht_xapi_whoami(struct ht_xapi *, char *user, size_t len,
	    struct ht_xapi_result *r, struct ht_err *e);

#define ht_xapi_body		ht_net_x_body
#define ht_xapi_helper_path	ht_sender_path

#endif
