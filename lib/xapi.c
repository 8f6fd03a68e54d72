#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "xapi.h"

struct ht_xapi {
	struct ht_engine *engine;
};

struct ht_xapi *
ht_xapi_new(const struct ht_xapi_conf *c, const struct ht_oauth_cred *cred,
    struct ht_err *e)
{
	const struct ht_net_x_conf xc = { c->api_url, c->v1 };
	const struct ht_engine_conf ec = { c->helper, c->timeout_ms,
	    c->connect_timeout_ms, c->trace, c->trace_arg };
	struct ht_net *net;
	struct ht_xapi *x;

	if ((x = calloc(1, sizeof *x)) == NULL) {
		ht_err_set(e, "out of memory");
		e->status = EX_OSERR;
		return NULL;
	}
	if ((net = ht_net_x_new(&xc, cred, e)) == NULL ||
	    (x->engine = ht_engine_new(net, &ec, e)) == NULL) {
		free(x);
		return NULL;
	}
	return x;
}

void
ht_xapi_free(struct ht_xapi *x)
{
	if (x != NULL)
		ht_engine_free(x->engine);
	free(x);
}

static void result(const struct ht_outcome *, struct ht_xapi_result *);

int
ht_xapi_post_within(struct ht_xapi *x, const char *text,
    const char *reply_to, long budget_ms, struct ht_xapi_result *r,
    struct ht_err *e)
{
	const struct ht_post p = { text, reply_to, NULL };
	struct ht_outcome o;

	memset(r, 0, sizeof *r);
	if (ht_engine_send(x->engine, &p, budget_ms, &o, e) == -1)
		return -1;
	result(&o, r);
	return 0;
}

/* The outcome o as a result r. */
static void
result(const struct ht_outcome *o, struct ht_xapi_result *r)
{
	switch (o->kind) {
	case HT_POSTED:
		r->kind = HT_XAPI_OK;
		break;
	case HT_ALREADY:
		r->kind = HT_XAPI_DUPLICATE;
		break;
	case HT_UNPAID:
		r->kind = HT_XAPI_NO_CREDITS;
		break;
	case HT_KEPT:
	case HT_LIMITED:
		r->kind = HT_XAPI_TRANSIENT;
		break;
	case HT_REJECTED:
	case HT_DENIED:
	case HT_BROKEN:
		r->kind = HT_XAPI_PERMANENT;
		break;
	}
	r->status = o->status;
	r->rate_limited = o->kind == HT_LIMITED;
	r->retry_at = (long long)o->retry_at;
	r->next_at = (long long)o->next_at;
	/* X's ids are digits, far shorter. */
	memcpy(r->id, o->id, strnlen(o->id, sizeof r->id - 1));
	memcpy(r->reason, o->reason, sizeof r->reason);
}

int
ht_xapi_whoami(struct ht_xapi *x, char *user, size_t len,
    struct ht_xapi_result *r, struct ht_err *e)
{
	struct ht_outcome o;

	memset(r, 0, sizeof *r);
	if (len > 0)
		*user = '\0';
	if (ht_engine_check(x->engine, &o, e) == -1)
		return -1;
	result(&o, r);
	if (o.kind == HT_POSTED)
		(void)snprintf(user, len, "%s", o.account);
	return 0;
}
