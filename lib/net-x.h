/*
 * net-x — X as a network of the posting engine (net.h): API v2 POST
 * /2/tweets, or the legacy v1.1 statuses/update.json, signed with OAuth
 * 1.0a (oauth.h), and what X's answers mean.
 *
 * Outcomes: posted (with its id), duplicate (HT_ALREADY: X has this text
 * already), 400/422 rejected, 401/403 denied, 402 unpaid (a pay-per-use
 * account's credits are used up), 429 limited, 5xx and no answer kept.
 *
 * Rate limits: X announces its windows in headers, the per-user one
 * (x-rate-limit-*, 100 posts per 15 minutes) and the daily caps of a
 * pay-per-use app (x-user-limit-24hour-*, x-app-limit-24hour-*).  When an
 * answer says a window is used up, the latest reset of those that are is
 * when X takes a post again: retry_at after a 429, next_at after any
 * answer.
 *
 * Credentials given to ht_net_x_new are copied and wiped when the network
 * is freed (ht_net_free).
 */
#ifndef HT_NET_X_H
#define HT_NET_X_H

#include "conf.h"
#include "err.h"
#include "net.h"
#include "oauth.h"

#define HT_NET_X_DEFAULT_URL	"https://api.x.com"

struct ht_net_x_conf {
	const char *api_url;	/* NULL: HT_NET_X_DEFAULT_URL */
	int v1;			/* the legacy v1.1 statuses/update.json */
};

/* NULL and e (status 71) when out of memory. */
struct ht_net *ht_net_x_new(const struct ht_net_x_conf *c,
	    const struct ht_oauth_cred *cred, struct ht_err *e);

/* The credentials' settings, and the variables that override them. */
struct ht_net_x_cred {
	const char *setting, *env;
};
extern const struct ht_net_x_cred ht_net_x_creds[4];

/*
 * ht_net_x_new with the four credentials of conf (hubtweet.conf(5), where
 * the TW_* variables override the file), which are then wiped where they
 * were found: the environment (so that no child inherits them) and the
 * config's memory.  NULL and e: status 78 and which are missing, and the
 * files searched; 71.
 */
struct ht_net *ht_net_x_from_conf(struct ht_conf *conf,
	    const struct ht_net_x_conf *c, struct ht_err *e);

/*
 * The body of the request that posts text: {"text":...} for v2, a form
 * (status=...) for v1.1.  NULL when out of memory; caller frees.
 */
char	*ht_net_x_body(int v1, const char *text, const char *reply_to);

#endif
