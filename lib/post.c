/*
 * post — the posting engine.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "post.h"
#include "sender.h"
#include "util.h"

struct ht_engine {
	struct ht_net *(*connect)(void *, struct ht_err *);
	void *connect_arg;
	struct ht_net *net;	/* made by connect on first use */
	struct ht_sender *sender;
	int tracing;		/* --verbose */
	time_t not_before;	/* no request before this: the last answer
				   said a window is used up (epoch s), or 0 */
	const char *not_limit;	/* that window, static text, or NULL */
};

struct ht_engine *
ht_engine_new(const struct ht_engine_conf *c, struct ht_err *e)
{
	struct ht_engine *g;

	if ((g = calloc(1, sizeof *g)) == NULL) {
		(void)ht_err_fail(e, EX_OSERR, "out of memory");
		return NULL;
	}
	g->connect = c->connect;
	g->connect_arg = c->connect_arg;
	g->tracing = c->sender.trace != NULL;
	if ((g->sender = ht_sender_new(&c->sender, e)) == NULL) {
		ht_engine_free(g);
		return NULL;
	}
	return g;
}

void
ht_engine_free(struct ht_engine *g)
{
	if (g == NULL)
		return;
	ht_sender_free(g->sender);
	ht_net_free(g->net);
	free(g);
}

/*
 * The network, and its prepare, before every request: a session may have
 * expired since the last (the network's prepare returns at once when
 * there is nothing to do).  0 or -1.
 */
static int
ready(struct ht_engine *g, struct ht_err *e)
{
	if (g->net == NULL && (g->net = g->connect(g->connect_arg, e)) ==
	    NULL)
		return -1;
	if (g->net->ops->prepare != NULL &&
	    g->net->ops->prepare(g->net, g->sender, e) == -1)
		return -1;
	return 0;
}

/* --verbose: the answer, its status, the headers worth seeing, its body. */
static void
trace_answer(struct ht_engine *g, const struct ht_http_ans *a,
    const struct ht_outcome *o)
{
	const char *const *p = g->net->ops->trace_headers;
	const char *k;
	json_t *v;
	size_t i;

	if (!g->tracing)
		return;
	if (a->status == 0) {
		ht_sender_trace(g->sender, "< %s", o->reason);
		return;
	}
	ht_sender_trace(g->sender, "< %d (%ld ms)", a->status, a->time_ms);
	json_object_foreach((json_t *)a->headers, k, v)
		for (i = 0; p != NULL && p[i] != NULL; i++)
			if (strncmp(k, p[i], strlen(p[i])) == 0) {
				ht_sender_trace(g->sender, "< %s: %s", k,
				    json_string_value(v));
				break;
			}
	ht_sender_trace(g->sender, "< %.*s", (int)(a->body_len < 900 ?
	    a->body_len : 900), a->body);
}

/*
 * Send req (built by build, or by check when p is NULL) and say what its
 * answer means: 0 and o, or -1 and e.
 */
static int
ask(struct ht_engine *g, const struct ht_post *p, long budget_ms,
    struct ht_outcome *o, struct ht_err *e)
{
	const struct ht_net_ops *ops = g->net->ops;
	struct ht_http_req req;
	struct ht_http_ans ans;
	int ret = -1;

	memset(&req, 0, sizeof req);
	memset(&ans, 0, sizeof ans);
	if ((p != NULL ? ops->build(g->net, p, &req, e) :
	    ops->check(g->net, &req, e)) == -1 ||
	    ht_sender_exchange(g->sender, &req, budget_ms, &ans, e) == -1)
		goto out;
	if (ans.status == 0 && ans.error_kind != NULL &&
	    strcmp(ans.error_kind, "helper") == 0)
		ht_outcome_set(o, HT_KEPT, "%s", ans.error);
	else
		(p != NULL ? ops->classify : ops->checked)(g->net, &ans,
		    time(NULL), o);
	trace_answer(g, &ans, o);
	ret = 0;
out:
	ht_http_req_free(&req);
	ht_http_ans_free(&ans);
	return ret;
}

int
ht_engine_try(struct ht_engine *g, const struct ht_post *p, long budget_ms,
    struct ht_outcome *o, struct ht_err *e)
{
	memset(o, 0, sizeof *o);
	if (ready(g, e) == -1)
		return -1;
	return ask(g, p, budget_ms, o, e);
}

int
ht_engine_check(struct ht_engine *g, struct ht_outcome *o, struct ht_err *e)
{
	memset(o, 0, sizeof *o);
	if (ready(g, e) == -1)
		return -1;
	if (g->net->ops->check == NULL || g->net->ops->checked == NULL) {
		ht_outcome_set(o, HT_BROKEN, "%s cannot say who the "
		    "credentials are", g->net->ops->title);
		return 0;
	}
	return ask(g, NULL, 0, o, e);
}

/* o, limited until o->retry_at, beyond the time budget: say so. */
static void
beyond_budget(struct ht_engine *g, struct ht_outcome *o, time_t now)
{
	char when[32];
	struct tm tm;

	if (gmtime_r(&o->retry_at, &tm) == NULL ||
	    strftime(when, sizeof when, "%H:%M:%S UTC", &tm) == 0)
		(void)snprintf(when, sizeof when, "?");
	if (o->limit != NULL)
		ht_outcome_set(o, HT_LIMITED, "rate limited by %s until %s "
		    "(%lld s from now: %s is used up), beyond the time budget",
		    g->net->ops->title, when, (long long)(o->retry_at - now),
		    o->limit);
	else
		ht_outcome_set(o, HT_LIMITED, "rate limited by %s until %s "
		    "(%lld s from now), beyond the time budget",
		    g->net->ops->title, when, (long long)(o->retry_at - now));
}

/*
 * The last answer said a window is used up: a request now would only earn
 * a 429.  Wait for the reset (0), or give up (1, o filled) when it falls
 * beyond deadline (monotonic ms).
 */
static int
wait_window(struct ht_engine *g, long long deadline, int attempts,
    struct ht_outcome *o)
{
	time_t now = time(NULL);
	long long wait;

	if (g->not_before <= now)
		return 0;
	/* A second's margin: the reset is a whole second. */
	wait = (long long)(g->not_before - now) * 1000 + 1000;
	if (wait >= deadline - ht_now_ms()) {
		memset(o, 0, sizeof *o);
		o->retry_at = o->next_at = g->not_before;
		o->limit = g->not_limit;
		o->attempts = attempts;
		beyond_budget(g, o, now);
		return 1;
	}
	ht_sender_trace(g->sender, "%s is used up: waiting %lld ms for its "
	    "reset", g->not_limit != NULL ? g->not_limit : "a limit", wait);
	ht_sleep_ms(wait);
	return 0;
}

int
ht_engine_send(struct ht_engine *g, const struct ht_post *p, long budget_ms,
    struct ht_outcome *o, struct ht_err *e)
{
	long long start = ht_now_ms(), deadline = start + budget_ms, left, wait;
	long long backoff = 500;
	time_t now;
	size_t n;
	int attempts = 0;

	for (;;) {
		if (wait_window(g, deadline, attempts, o))
			return 0;
		left = deadline - ht_now_ms();
		if (ht_engine_try(g, p, left > 0 ? (long)left : 1, o, e) == -1)
			return -1;
		o->attempts = ++attempts;
		g->not_before = o->next_at;
		g->not_limit = o->limit;
		if (o->kind != HT_KEPT && o->kind != HT_LIMITED)
			return 0;
		now = time(NULL);
		left = deadline - ht_now_ms();
		if (o->retry_at > 0) {
			wait = (long long)(o->retry_at - now) * 1000;
			/* A second's margin: the reset is a whole second. */
			wait = (wait < 0 ? 0 : wait) + 1000;
		} else {
			/* Full backoff, half of it jittered. */
			wait = backoff / 2 + (long long)arc4random_uniform(
			    (uint32_t)(backoff / 2 + 1));
			backoff = backoff < 32000 ? backoff * 2 : 64000;
		}
		if (wait < left) {
			ht_sender_trace(g->sender, "retrying in %lld ms", wait);
			ht_sleep_ms(wait);
			continue;
		}
		if (o->kind == HT_LIMITED && o->retry_at > 0) {
			beyond_budget(g, o, now);
		} else if (attempts > 1) {
			n = strlen(o->reason);
			(void)snprintf(o->reason + n, sizeof o->reason - n,
			    " (%d attempts in %lld s)", attempts,
			    (ht_now_ms() - start + 500) / 1000);
		}
		return 0;
	}
}

/* Tell the caller what became of a post of the queue. */
static void
report(struct ht_flush *f, const char *name, const struct ht_qitem *it,
    const struct ht_outcome *o, int queued, int failed)
{
	const struct ht_report r = { name, it != NULL ? it->text : NULL,
	    it != NULL ? it->id : NULL, o, it != NULL, queued, failed };

	if (f->report != NULL)
		f->report(f->arg, &r);
}

/*
 * A window is used up: a request before its reset would only earn a 429.
 * Wait for it when it ends within f->wait seconds (a second's margin:
 * resets are whole seconds).  0 to go on, 1 held (reported), -1 error.
 */
static int
queue_held(struct ht_queue *q, const char *name, struct ht_flush *f,
    struct ht_err *e)
{
	struct ht_outcome o;
	time_t until, now = time(NULL);

	if ((until = ht_queue_held(q, now, e)) == (time_t)-1)
		return -1;
	if (until == 0)
		return 0;
	if (until - now < f->wait) {
		ht_sleep_ms((long long)(until - now + 1) * 1000);
		return 0;
	}
	memset(&o, 0, sizeof o);
	o.retry_at = until;
	ht_outcome_set(&o, HT_LIMITED, "held until the reset");
	f->held = until;
	f->stopped = 1;
	report(f, name, NULL, &o, 1, 0);
	return 1;
}

/* Take new/name.  0 and *it; 1 when it is not to be sent; -1 error. */
static int
queue_take(struct ht_queue *q, const char *name, struct ht_qitem **it,
    struct ht_flush *f, struct ht_err *e)
{
	struct ht_outcome o;
	struct ht_err te;

	memset(&o, 0, sizeof o);
	ht_err_clear(&te);
	switch (ht_queue_take(q, name, it, &te)) {
	case HT_QTAKE_OK:
		return 0;
	case HT_QTAKE_GONE:
		return 1;
	case HT_QTAKE_BUSY:
		f->busy++;
		ht_outcome_set(&o, HT_BUSY, "being sent by another process");
		report(f, name, NULL, &o, 1, 0);
		return 1;
	case HT_QTAKE_SENT:
		f->already++;
		ht_outcome_set(&o, HT_ALREADY, "its event was posted before");
		report(f, name, NULL, &o, 0, 0);
		return 1;
	case HT_QTAKE_CORRUPT:
		f->corrupt++;
		ht_outcome_set(&o, HT_CORRUPT, "%s", te.msg);
		report(f, name, NULL, &o, 0, 1);
		return 1;
	default:
		*e = te;
		return -1;
	}
}

/* Posted: the item goes, and the queue learns of the windows. */
static int
queue_done(struct ht_queue *q, struct ht_qitem *it,
    const struct ht_outcome *o, struct ht_flush *f, struct ht_err *e)
{
	if (o->kind == HT_POSTED)
		f->sent++;
	else
		f->dups++;
	report(f, it->name, it, o, 0, 0);
	/* Posted: a failure to remove it costs a duplicate. */
	if (ht_queue_done(q, it, e) == -1)
		return -1;
	/*
	 * The network takes posts again; and when it said that was the last
	 * of a window, the next sender waits for the reset.  Both are
	 * advice: failing to write them costs one request.
	 */
	(void)ht_queue_unblock(q, NULL);
	if (o->next_at > time(NULL))
		(void)ht_queue_hold(q, o->next_at, NULL);
	return 0;
}

/* Not posted: failed/ or kept.  0 to go on, 1 to stop, -1 error. */
static int
queue_not_done(struct ht_queue *q, struct ht_qitem *it,
    const struct ht_outcome *o, struct ht_flush *f, struct ht_err *e)
{
	switch (o->kind) {
	case HT_REJECTED:
	case HT_BROKEN:
	case HT_DENIED:
		f->failed++;
		if (f->status == 0)
			f->status = o->status;
		report(f, it->name, it, o, 0, 1);
		if (ht_queue_fail(q, it, o->reason, e) == -1)
			return -1;
		/* Only a bad text is the post's own problem. */
		f->stopped = o->kind != HT_REJECTED;
		return f->stopped;
	case HT_UNPAID:
		/* For --queue-status: why nothing goes out. */
		(void)ht_queue_block(q, o->reason, NULL);
		f->blocked = 1;
		break;
	case HT_LIMITED:
		if (o->retry_at > time(NULL)) {
			f->held = o->retry_at;
			if (ht_queue_hold(q, o->retry_at, e) == -1) {
				ht_queue_release(it);
				return -1;
			}
		}
		break;
	default:
		break;
	}
	f->kept++;
	f->stopped = 1;
	report(f, it->name, it, o, 1, 0);
	/* The attempt count is only information. */
	(void)ht_queue_keep(q, it, o->reason, NULL);
	return 1;
}

/* Send one item.  0 to go on, 1 to stop, -1 error. */
static int
queue_send(struct ht_engine *g, struct ht_queue *q, const char *name,
    struct ht_flush *f, struct ht_err *e)
{
	struct ht_qitem *it;
	struct ht_post p;
	struct ht_outcome o;
	int r;

	if ((r = queue_held(q, name, f, e)) != 0)
		return r;
	if ((r = queue_take(q, name, &it, f, e)) != 0)
		return r == -1 ? -1 : 0;
	p.text = it->text;
	p.reply_to = it->reply_to;
	p.card = it->card;
	/* The event's id, else the item's name: both name the post. */
	p.id = it->id != NULL ? it->id : it->name;
	if (ht_engine_send(g, &p, f->budget_ms, &o, e) == -1) {
		ht_queue_release(it);
		return -1;
	}
	if (ht_outcome_done(o.kind))
		return queue_done(q, it, &o, f, e);
	return queue_not_done(q, it, &o, f, e);
}

int
ht_engine_send_item(struct ht_engine *g, struct ht_queue *q,
    const char *name, struct ht_flush *f, struct ht_err *e)
{
	return queue_send(g, q, name, f, e) == -1 ? -1 : 0;
}

int
ht_engine_flush(struct ht_engine *g, struct ht_queue *q, struct ht_flush *f,
    struct ht_err *e)
{
	char **names = NULL;
	long n = 0, i;
	int r, rv = -1;

	if ((r = ht_queue_lock(q, e)) != 0)
		return r;
	if (ht_queue_recover(q, time(NULL), &f->recovered, e) == -1)
		goto out;
	if ((n = ht_queue_names(q, HT_QUEUE_NEW, &names, e)) == -1) {
		n = 0;
		goto out;
	}
	for (i = 0; i < n; i++)
		if ((r = queue_send(g, q, names[i], f, e)) != 0)
			break;
	if (r == -1)
		goto out;
	ht_queue_names_free(names, n);
	if ((n = ht_queue_names(q, HT_QUEUE_NEW, &names, e)) == -1) {
		n = 0;
		goto out;
	}
	f->left = n;
	rv = 0;
out:
	ht_queue_names_free(names, n);
	ht_queue_unlock(q);
	return rv;
}
