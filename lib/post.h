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
#include "queue.h"
#include "sender.h"

struct ht_engine_conf {
	/*
	 * The network, made when the first request is (so that a post only
	 * queued needs no credentials): NULL and e (status set; an empty
	 * message when the callback said why itself) when it cannot be.
	 */
	struct ht_net *(*connect)(void *arg, struct ht_err *e);
	void	*connect_arg;
	/* The helper, the timeouts of each request, --verbose. */
	struct ht_sender_conf sender;
};

struct ht_engine;

/* The strings of c are copied.  NULL and e (status 71) out of memory. */
struct ht_engine *ht_engine_new(const struct ht_engine_conf *c,
	    struct ht_err *e);
/* Stops the helper and frees the network (wiping its secrets). */
void	ht_engine_free(struct ht_engine *);

/*
 * One attempt at p, with a total time of at most budget_ms (0: the
 * configured timeout).  Returns 0 and fills o; -1 and e (status 69: the
 * helper cannot run, or the network's prepare failed; the connect
 * callback's; 70, 71) when p cannot even be tried.
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

/*
 * What became of one post of the queue, for the caller's words: the
 * item's name, its text and event id (NULL when the item could not be
 * read, or is only a name), the outcome, and where the post is now.
 */
struct ht_report {
	const char *name;	/* new/NAME */
	const char *text;	/* or NULL */
	const char *event;	/* or NULL */
	const struct ht_outcome *o;
	int tried;		/* 0: not sent (held, busy, posted before,
				   corrupt) */
	int queued;		/* still in new/ */
	int failed;		/* moved to failed/ */
};

/*
 * A run through the queue: ht_engine_queue (one post) or ht_engine_flush
 * (all of them).  The caller sets report, arg and wait; the rest is what
 * was done.
 */
struct ht_flush {
	void	(*report)(void *arg, const struct ht_report *);	/* or NULL */
	void	*arg;
	long	wait;		/* seconds a window used up is waited for
				   rather than stop at (0: stop) */
	long	budget_ms;	/* each post's, as for ht_engine_send */
	long	sent, dups, failed, corrupt, already, busy, kept;
	long	left;		/* flush: items queued at the end */
	struct ht_qrecover recovered;	/* flush: housekeeping */
	time_t	held;		/* limited until, 0: not */
	int	stopped;	/* stopped early: the next would fail too */
	int	blocked;	/* stopped at HT_UNPAID */
	int	status;		/* the first failed/ post's status, or 0 */
};

/*
 * The queue's part of the engine.  A post is done (removed, its event
 * marked sent) when POSTED or ALREADY; it stays queued when KEPT, LIMITED
 * (the queue is then held until retry_at), UNPAID (the queue is marked
 * blocked until a post is made) or BUSY, and the run stops there; it is
 * moved to failed/ when REJECTED, BROKEN, CORRUPT or DENIED, and DENIED or
 * BROKEN stops the run (the next would fail the same).  When the queue is held,
 * nothing is tried: a hold ending within f->wait seconds is waited for,
 * else the run stops with HT_LIMITED (no attempt).  After a post, a
 * window the answer says is used up holds the queue.
 *
 * ht_engine_send_item: send new/name (tw-post --queue, after adding it).
 * ht_engine_flush: take the flusher lock (1: another process holds it),
 * recover, then send every queued item, oldest first, until a stop.
 * Both return 0 (see f) or -1 and e.
 */
int	ht_engine_send_item(struct ht_engine *, struct ht_queue *,
	    const char *name, struct ht_flush *f, struct ht_err *e);
int	ht_engine_flush(struct ht_engine *, struct ht_queue *,
	    struct ht_flush *f, struct ht_err *e);

#endif
