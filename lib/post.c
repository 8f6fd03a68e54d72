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
	struct ht_net *net;
	struct ht_sender *sender;
	int prepared;
	int tracing;		/* --verbose */
	time_t not_before;	/* no request before this: the last answer
				   said a window is used up (epoch s), or 0 */
	const char *not_limit;	/* that window, static text, or NULL */
};

struct ht_engine *
ht_engine_new(struct ht_net *net, const struct ht_engine_conf *c,
    struct ht_err *e)
{
	const struct ht_sender_conf sc = { c->helper, c->timeout_ms,
	    c->connect_timeout_ms, c->trace, c->trace_arg };
	struct ht_engine *g;

	if ((g = calloc(1, sizeof *g)) == NULL) {
		ht_err_set(e, "out of memory");
		e->status = EX_OSERR;
		ht_net_free(net);
		return NULL;
	}
	g->net = net;
	g->tracing = c->trace != NULL;
	if ((g->sender = ht_sender_new(&sc, e)) == NULL) {
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

const struct ht_net_ops *
ht_engine_net(const struct ht_engine *g)
{
	return g->net->ops;
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

int
ht_engine_try(struct ht_engine *g, const struct ht_post *p, long budget_ms,
    struct ht_outcome *o, struct ht_err *e)
{
	const struct ht_net_ops *ops = g->net->ops;
	struct ht_http_req req;
	struct ht_http_ans ans;
	int ret = -1;

	memset(o, 0, sizeof *o);
	memset(&req, 0, sizeof req);
	memset(&ans, 0, sizeof ans);
	if (!g->prepared && ops->prepare != NULL &&
	    ops->prepare(g->net, g->sender, e) == -1)
		goto out;
	g->prepared = 1;
	if (ops->build(g->net, p, &req, e) == -1 ||
	    ht_sender_exchange(g->sender, &req, budget_ms, &ans, e) == -1)
		goto out;
	if (ans.status == 0 && ans.error_kind != NULL &&
	    strcmp(ans.error_kind, "helper") == 0)
		ht_outcome_set(o, HT_KEPT, "%s", ans.error);
	else
		ops->classify(g->net, &ans, time(NULL), o);
	trace_answer(g, &ans, o);
	ret = 0;
out:
	ht_http_req_free(&req);
	ht_http_ans_free(&ans);
	return ret;
}

int
ht_engine_check(struct ht_engine *g, struct ht_outcome *o, struct ht_err *e)
{
	const struct ht_net_ops *ops = g->net->ops;
	struct ht_http_req req;
	struct ht_http_ans ans;
	int ret = -1;

	memset(o, 0, sizeof *o);
	memset(&req, 0, sizeof req);
	memset(&ans, 0, sizeof ans);
	if (ops->check == NULL || ops->checked == NULL) {
		ht_outcome_set(o, HT_BROKEN, "%s cannot say who the "
		    "credentials are", ops->title);
		return 0;
	}
	if (!g->prepared && ops->prepare != NULL &&
	    ops->prepare(g->net, g->sender, e) == -1)
		goto out;
	g->prepared = 1;
	if (ops->check(g->net, &req, e) == -1 ||
	    ht_sender_exchange(g->sender, &req, 0, &ans, e) == -1)
		goto out;
	if (ans.status == 0 && ans.error_kind != NULL &&
	    strcmp(ans.error_kind, "helper") == 0)
		ht_outcome_set(o, HT_KEPT, "%s", ans.error);
	else
		ops->checked(g->net, &ans, time(NULL), o);
	trace_answer(g, &ans, o);
	ret = 0;
out:
	ht_http_req_free(&req);
	ht_http_ans_free(&ans);
	return ret;
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
