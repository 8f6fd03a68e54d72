/*
 * instance — a Mastodon instance's own limits, as it says them in
 * GET /api/v2/instance: configuration.statuses.max_characters (500 on a
 * stock instance, far more on many) and characters_reserved_per_url
 * (what a link counts, 23 on a stock one).
 *
 * mastodon-post --check asks the instance and keeps what it said in the
 * state directory (HT_INSTANCE_FILE, with the instance's URL), so that
 * dh-format --for mastodon and mastodon-post, which ask nothing, fit and
 * check posts to the instance's limit: the kept limits, else the config's
 * mastodon.max_characters, else 500.  Limits kept for another instance
 * than the configured one are not used.
 */
#ifndef HT_INSTANCE_H
#define HT_INSTANCE_H

#include <stddef.h>

#include "conf.h"
#include "err.h"
#include "net.h"
#include "postlen.h"

#define HT_INSTANCE_FILE	"mastodon-instance.json"
#define HT_INSTANCE_PATH	"/api/v2/instance"
#define HT_INSTANCE_MAX		100000	/* the most believed of an answer */

struct ht_instance {
	long	max_characters;	/* a post's limit, in characters */
	long	url_chars;	/* what a link counts; 0: not said */
};

/*
 * The request that asks the instance at url (https://host, no trailing
 * path) for its limits, into r (zeroed by the caller; freed with
 * ht_http_req_free).  0, or -1 and e (status 71).
 */
int	ht_instance_request(const char *url, struct ht_http_req *r,
	    struct ht_err *e);

/*
 * The limits in the answer body[0..len).  0 and *in, or -1 and e (status
 * 65) when it is not JSON, or holds no max_characters from 1 to
 * HT_INSTANCE_MAX, or a characters_reserved_per_url out of 1 to 1000.
 */
int	ht_instance_parse(const char *body, size_t len, struct ht_instance *in,
	    struct ht_err *e);

/*
 * Keep in for the instance url in dir/HT_INSTANCE_FILE, written whole and
 * renamed.  0, or -1 and e (status 73).
 */
int	ht_instance_save(const char *dir, const char *url,
	    const struct ht_instance *in, struct ht_err *e);

/*
 * What dir/HT_INSTANCE_FILE keeps for the instance url: 1 and *in; 0 when
 * there is no such file, or it is another instance's; -1 and e (status
 * 65) when it cannot be read or makes no sense.
 */
int	ht_instance_load(const char *dir, const char *url,
	    struct ht_instance *in, struct ht_err *e);

/*
 * Mastodon's length rule r with what mastodon-post --check kept in the
 * state directory (ht_conf_state_dir) for the instance of c's
 * mastodon.url, when it did: its limit (unless keep_max: an option gave
 * one) and what a URL counts.  1 when it did; 0 when nothing is kept for
 * that instance, or no instance or state directory is known (r
 * untouched: the config's limit or the default stands); -1 and e as
 * ht_instance_load.
 */
int	ht_instance_conf_rule(const struct ht_conf *c, int keep_max,
	    struct ht_lenrule *r, struct ht_err *e);

#endif
