/*
 * post — the posting engine: publish one post on a network (net.h)
 * through the helper (sender.h), retrying within a time budget, and say
 * what became of it in one word (struct ht_outcome).
 *
 * The engine knows no network: the network builds the request and says
 * what the answer means; the engine sends, waits for resets, backs off,
 * and remembers a window used up so that the next post of the run waits
 * for its reset instead of earning a 429.  It prints nothing: --verbose
 * lines go to the trace callback, secrets already redacted.
 */
#ifndef HT_POST_H
#define HT_POST_H

#include "err.h"
#include "net.h"

struct ht_engine_conf {
	const char *helper;	/* path of tw-send (ht_sender_path) */
	long timeout_ms;	/* each request, at most (0: 30 s) */
	long connect_timeout_ms; /* each connection, at most (0: 10 s) */
	void	(*trace)(void *arg, const char *line);
	void	*trace_arg;
};

struct ht_engine;

/*
 * An engine posting on net, which it then owns (freed by ht_engine_free,
 * or here on failure).  NULL and e (status 71) when out of memory.
 */
struct ht_engine *ht_engine_new(struct ht_net *net,
	    const struct ht_engine_conf *c, struct ht_err *e);
/* Stops the helper and frees the network (wiping its secrets). */
void	ht_engine_free(struct ht_engine *);
/* The network's ops (its name and title, for messages). */
const struct ht_net_ops *ht_engine_net(const struct ht_engine *);

/*
 * One attempt at p, with a total time of at most budget_ms (0: the
 * configured timeout).  Returns 0 and fills o; -1 and e (status 69: the
 * helper cannot run, or the network's prepare failed; 70, 71) when p
 * cannot even be tried.
 */
int	ht_engine_try(struct ht_engine *, const struct ht_post *p,
	    long budget_ms, struct ht_outcome *o, struct ht_err *e);

/*
 * Post p, retrying what is kept (HT_KEPT, HT_LIMITED) within budget_ms:
 * exponential backoff from 0.5 s with jitter; a retry_at (a reset, a
 * Retry-After) is waited for when it falls within the budget, and a
 * HT_LIMITED gives up at once when it does not.  When the budget is
 * spent the last outcome is returned.  When the last answer of this
 * engine said a window is used up (next_at), it waits for the reset in
 * the same way before the first request (o->attempts 0 and HT_LIMITED
 * when it gives up without one).  Returns as ht_engine_try.
 */
int	ht_engine_send(struct ht_engine *, const struct ht_post *p,
	    long budget_ms, struct ht_outcome *o, struct ht_err *e);

/*
 * Who the credentials are (ops->check; 0 and HT_BROKEN when the network
 * cannot say): o->id and o->account, or why not.  Returns as
 * ht_engine_try.
 */
int	ht_engine_check(struct ht_engine *, struct ht_outcome *o,
	    struct ht_err *e);

#endif
