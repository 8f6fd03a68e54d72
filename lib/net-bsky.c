/*
 * net-bsky — Bluesky's session, request and the meaning of its answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sysexits.h>
#include <time.h>

#include "bsky.h"
#include "hash.h"
#include "net-bsky.h"
#include "postkey.h"
#include "sender.h"
#include "util.h"

struct netb {
	char *pds, *handle;
	char *password;		/* wiped */
	char **langs;
	size_t nlangs;
	char *session_file;	/* or NULL */
	struct ht_bsky_session s;
	int have;		/* s holds a session */
	int expired;		/* its access token was refused: refresh */
	/* The post of the last build, so that its resends keep its time. */
	unsigned char last[32];
	unsigned long long last_usec;
};

static void
wipe_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void
netb_free(void *priv)
{
	struct netb *b = priv;
	size_t i;

	if (b == NULL)
		return;
	ht_bsky_session_clear(&b->s);
	wipe_free(b->password);
	free(b->pds);
	free(b->handle);
	free(b->session_file);
	for (i = 0; i < b->nlangs; i++)
		free(b->langs[i]);
	free(b->langs);
	free(b);
}

/* An XRPC request: POST method with body (may be NULL), bearer token. */
static int
xrpc(const struct netb *b, const char *method, const char *bearer,
    json_t *body, struct ht_http_req *r, struct ht_err *e)
{
	memcpy(r->method, "POST", 5);
	if (asprintf(&r->url, "%s/xrpc/%s", b->pds, method) == -1) {
		r->url = NULL;
		goto nomem;
	}
	if (body != NULL) {
		if ((r->body = json_dumps(body, JSON_COMPACT)) == NULL)
			goto nomem;
		r->body_len = strlen(r->body);
		if (ht_http_req_header(r, e, "Content-Type: application/"
		    "json") == -1)
			return -1;
	}
	if (bearer != NULL && ht_http_req_header(r, e, "Authorization: "
	    "Bearer %s", bearer) == -1)
		return -1;
	return ht_http_req_header(r, e, "Accept: application/json");
nomem:
	ht_err_set(e, "out of memory");
	e->status = EX_OSERR;
	return -1;
}

/*
 * A session answer: 0 and b->s updated, or -1 and e (77: refused, 75:
 * limited, 69: unavailable).  *refused: the credentials (or the refresh
 * token) were refused, rather than the PDS unavailable.
 */
static int
session_answer(struct netb *b, const struct ht_http_ans *a, time_t now,
    const char *what, int *refused, struct ht_err *e)
{
	struct ht_outcome o;
	char said[300];
	json_t *body;
	long long at;
	int http;

	*refused = 0;
	if ((http = ht_answer_status(a, &o)) == 0) {
		ht_err_set(e, "Bluesky %s: %s", what, o.reason);
		e->status = o.status;
		return -1;
	}
	if (http == 200 && ht_bsky_session_from(a->body, a->body_len,
	    &b->s) == 0) {
		b->have = 1;
		b->expired = 0;
		return 0;
	}
	body = json_loadb(a->body, a->body_len, 0, NULL);
	ht_answer_quote(said, sizeof said, "Bluesky",
	    json_string_value(json_object_get(body, "message")));
	json_decref(body);
	if (http == 400 || http == 401) {
		*refused = 1;
		ht_err_set(e, "Bluesky refused the %s (%d)%s", what, http,
		    said);
		e->status = EX_NOPERM;
	} else if (http == 429) {
		at = ht_net_hold_until(json_string_value(json_object_get(
		    a->headers, "ratelimit-reset")), 0, (long long)now);
		ht_err_set(e, "rate limited by Bluesky (429) at the %s%s%s",
		    what, at > 0 ? ", until a later run" : "", said);
		e->status = EX_TEMPFAIL;
	} else {
		ht_err_set(e, "Bluesky answered %d to the %s%s", http, what,
		    said);
		e->status = EX_UNAVAILABLE;
	}
	return -1;
}

static int
exchange(struct netb *b, struct ht_sender *s, struct ht_http_req *r,
    const char *what, int *refused, struct ht_err *e)
{
	struct ht_http_ans a;
	int ret;

	*refused = 0;
	memset(&a, 0, sizeof a);
	if (ht_sender_exchange(s, r, 0, &a, e) == -1) {
		ht_http_req_free(r);
		return -1;
	}
	ht_http_req_free(r);
	ret = session_answer(b, &a, time(NULL), what, refused, e);
	if (a.body != NULL)
		explicit_bzero((char *)(uintptr_t)a.body, a.body_len);
	ht_http_ans_free(&a);
	return ret;
}

static int
login(struct netb *b, struct ht_sender *s, struct ht_err *e)
{
	struct ht_http_req r;
	json_t *body;
	int refused, ret;

	memset(&r, 0, sizeof r);
	if ((body = json_pack("{s:s,s:s}", "identifier", b->handle,
	    "password", b->password)) == NULL) {
		ht_err_set(e, "out of memory");
		e->status = EX_OSERR;
		return -1;
	}
	ret = xrpc(b, "com.atproto.server.createSession", NULL, body, &r, e);
	r.body_secret = 1;
	explicit_bzero((char *)(uintptr_t)json_string_value(json_object_get(
	    body, "password")), strlen(b->password));
	json_decref(body);
	if (ret == -1) {
		ht_http_req_free(&r);
		return -1;
	}
	if (exchange(b, s, &r, "login", &refused, e) == -1) {
		if (refused) {
			ht_err_set(e, "Bluesky refused the login: check the "
			    "handle (BSKY_HANDLE) and the app password "
			    "(BSKY_APP_PASSWORD)");
			e->status = EX_NOPERM;
		}
		return -1;
	}
	return 0;
}

/* 0: refreshed; 1: the refresh token was refused; -1 and e. */
static int
refresh(struct netb *b, struct ht_sender *s, struct ht_err *e)
{
	struct ht_http_req r;
	int refused;

	memset(&r, 0, sizeof r);
	if (xrpc(b, "com.atproto.server.refreshSession", b->s.refresh, NULL,
	    &r, e) == -1) {
		ht_http_req_free(&r);
		return -1;
	}
	if (exchange(b, s, &r, "session refresh", &refused, e) == -1)
		return refused ? 1 : -1;
	return 0;
}

static int
keep(struct netb *b, struct ht_err *e)
{
	if (b->session_file == NULL)
		return 0;
	if ((b->s.pds = strdup(b->pds)) == NULL ||
	    (b->s.handle = strdup(b->handle)) == NULL) {
		ht_err_set(e, "out of memory");
		e->status = EX_OSERR;
		return -1;
	}
	if (ht_bsky_session_save(b->session_file, &b->s, e) == -1) {
		e->status = EX_CANTCREAT;
		return -1;
	}
	return 0;
}

static int
netb_prepare(struct ht_net *n, struct ht_sender *s, struct ht_err *e)
{
	struct netb *b = n->priv;
	int r;

	if (b->have && !b->expired)
		return 0;
	if (!b->have && b->session_file != NULL) {
		if ((r = ht_bsky_session_load(b->session_file, b->pds,
		    b->handle, &b->s, e)) == -1) {
			e->status = EX_CONFIG;
			return -1;
		}
		b->have = r;
		/* Only the tokens and the DID are kept in memory. */
		free(b->s.pds);
		free(b->s.handle);
		b->s.pds = b->s.handle = NULL;
		if (b->have)
			return 0;
	}
	/* A session whose access token expired: refresh it, else log in. */
	r = b->have ? refresh(b, s, e) : 1;
	if (r == -1)
		return -1;
	if (r == 1) {
		ht_bsky_session_clear(&b->s);
		b->have = 0;
		if (login(b, s, e) == -1)
			return -1;
	}
	/* pds and handle are set in the copy kept only. */
	r = keep(b, e);
	free(b->s.pds);
	free(b->s.handle);
	b->s.pds = b->s.handle = NULL;
	return r;
}

unsigned long long
ht_net_bsky_id_time(const char *id)
{
	unsigned long long sec = 0, usec = 0;
	size_t i = 0, k;

	if (id == NULL)
		return 0;
	for (; id[i] >= '0' && id[i] <= '9' && i < 12; i++)
		sec = sec * 10 + (unsigned long long)(id[i] - '0');
	if (i == 0 || id[i] != '.')
		return 0;
	for (k = ++i; id[i] >= '0' && id[i] <= '9' && i - k < 6; i++)
		usec = usec * 10 + (unsigned long long)(id[i] - '0');
	if (i - k != 6 || id[i] != '.')
		return 0;
	return sec * 1000000 + usec;
}

unsigned long long
ht_net_bsky_event_time(const char *id)
{
	const char *at, *p;
	struct tm tm;
	time_t t;

	if (id == NULL || (at = strrchr(id, '@')) == NULL)
		return 0;
	memset(&tm, 0, sizeof tm);
	if ((p = strptime(at + 1, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return 0;
	if (*p == '.')
		p += 1 + strspn(p + 1, "0123456789");
	if ((strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0) ||
	    (t = timegm(&tm)) == (time_t)-1 || t <= 0)
		return 0;
	return (unsigned long long)t * 1000000;
}

/*
 * The time of post p, the same for every send of it: its id's when the id
 * is a queue item's name or an event's (plus microseconds from its hash,
 * as two events of one second differ); else the time of its first build
 * in this run.
 */
static unsigned long long
post_time(struct netb *b, const struct ht_post *p)
{
	unsigned char md[HT_SHA256_LEN];
	struct timeval tv;
	unsigned long long t;

	if ((t = ht_net_bsky_id_time(p->id)) != 0)
		return t;
	ht_sha256_2(p->id != NULL ? p->id : "", p->id != NULL ?
	    strlen(p->id) + 1 : 0, p->text, strlen(p->text), md);
	if ((t = ht_net_bsky_event_time(p->id)) != 0)
		return t + ((unsigned long long)md[0] << 16 | md[1] << 8 |
		    md[2]) % 1000000;
	if (b->last_usec != 0 && memcmp(md, b->last, sizeof md) == 0)
		return b->last_usec;
	(void)gettimeofday(&tv, NULL);
	memcpy(b->last, md, sizeof md);
	b->last_usec = (unsigned long long)tv.tv_sec * 1000000 +
	    (unsigned long long)tv.tv_usec;
	return b->last_usec;
}

/*
 * The post's record: its text, time, facets, card (embed, or NULL) and
 * languages.  NULL: no memory.
 */
static json_t *
post_record(const struct netb *b, const char *text, const char *created,
    json_t *facets, json_t *embed)
{
	json_t *rec, *l;
	size_t i;

	if ((rec = json_pack("{s:s,s:s,s:s}", "$type", "app.bsky.feed.post",
	    "text", text, "createdAt", created)) == NULL)
		return NULL;
	if (json_array_size(facets) > 0 && json_object_set(rec, "facets",
	    facets) == -1)
		goto fail;
	if (embed != NULL && json_object_set(rec, "embed", embed) == -1)
		goto fail;
	if (b->nlangs == 0)
		return rec;
	if ((l = json_array()) == NULL ||
	    json_object_set_new(rec, "langs", l) == -1)
		goto fail;
	for (i = 0; i < b->nlangs; i++)
		if (json_array_append_new(l, json_string(b->langs[i])) == -1)
			goto fail;
	return rec;
fail:
	json_decref(rec);
	return NULL;
}

static int
netb_build(struct ht_net *n, const struct ht_post *p, struct ht_http_req *r,
    struct ht_err *e)
{
	struct netb *b = n->priv;
	char rkey[HT_POSTKEY_TID_LEN + 1], created[40];
	unsigned long long t = post_time(b, p);
	json_t *facets, *rec, *body = NULL, *embed = NULL;
	int ret;

	if (ht_postkey_tid(p->id, p->text, strlen(p->text), t, rkey,
	    sizeof rkey, e) == -1 || ht_bsky_datetime(t, created,
	    sizeof created) == -1) {
		e->status = EX_SOFTWARE;
		return -1;
	}
	if (p->card != NULL && (embed = ht_bsky_embed(p->card, e)) == NULL)
		return -1;
	if ((facets = ht_bsky_facets(p->text, strlen(p->text), e)) == NULL) {
		json_decref(embed);
		e->status = EX_DATAERR;
		return -1;
	}
	if ((rec = post_record(b, p->text, created, facets, embed)) == NULL ||
	    (body = json_pack("{s:s,s:s,s:s,s:O}", "repo", b->s.did,
	    "collection", "app.bsky.feed.post", "rkey", rkey, "record",
	    rec)) == NULL)
		ret = ht_err_fail(e, EX_OSERR, "out of memory");
	else
		ret = xrpc(b, "com.atproto.repo.putRecord", b->s.access, body,
		    r, e);
	json_decref(body);
	json_decref(rec);
	json_decref(facets);
	json_decref(embed);
	return ret;
}

static void
classify_ok(const struct netb *b, const json_t *body, struct ht_outcome *o)
{
	const char *uri = json_string_value(json_object_get(body, "uri"));
	const char *k = uri != NULL ? strrchr(uri, '/') : NULL;

	if (k == NULL || !ht_net_token_ok(k + 1, sizeof o->id)) {
		/* Made or not?  A resend writes the same record. */
		ht_outcome_set(o, HT_KEPT, "Bluesky answered without the "
		    "post's URI");
		return;
	}
	ht_outcome_set(o, HT_POSTED, "posted");
	memcpy(o->id, k + 1, strlen(k + 1) + 1);
	(void)snprintf(o->url, sizeof o->url,
	    "https://bsky.app/profile/%s/post/%s", b->handle, k + 1);
}

static void
netb_classify(struct ht_net *n, const struct ht_http_ans *a, time_t now,
    struct ht_outcome *o)
{
	struct netb *b = n->priv;
	const char *name;
	char said[300];
	json_t *body;
	long long at;
	int http;

	if ((http = ht_answer_status(a, o)) == 0)
		return;
	body = json_loadb(a->body, a->body_len, 0, NULL);
	name = json_string_value(json_object_get(body, "error"));
	ht_answer_quote(said, sizeof said, "Bluesky",
	    json_string_value(json_object_get(body, "message")));
	if (name == NULL)
		name = "";
	if (http == 200)
		classify_ok(b, body, o);
	else if (http == 400 && (strcmp(name, "ExpiredToken") == 0 ||
	    strcmp(name, "InvalidToken") == 0)) {
		/* prepare refreshes the session before the next try. */
		b->expired = 1;
		ht_outcome_set(o, HT_KEPT, "Bluesky refused the access token "
		    "(%s): refreshing the session", name);
	} else if (http == 401 || http == 403)
		ht_outcome_set(o, HT_DENIED, "Bluesky refused to post (%d)%s",
		    http, said);
	else if (http == 400 || http == 413)
		ht_outcome_set(o, HT_REJECTED, "Bluesky rejected the post "
		    "(%d %s)%s", http, name, said);
	else {
		at = http == 429 ? ht_net_hold_until(json_string_value(
		    json_object_get(a->headers, "ratelimit-reset")), 0,
		    (long long)now) : 0;
		ht_outcome_later(o, a, at, now, "Bluesky", said);
	}
	json_decref(body);
}

static const char *const trace_headers[] = {
	"ratelimit-", "retry-after", NULL
};

static const struct ht_net_ops netb_ops = {
	.name = "bluesky",
	.title = "Bluesky",
	.prepare = netb_prepare,
	.build = netb_build,
	.classify = netb_classify,
	.free = netb_free,
	.trace_headers = trace_headers,
};

struct ht_net *
ht_net_bsky_new(const struct ht_net_bsky_conf *c, struct ht_err *e)
{
	const char *pds = c->pds != NULL ? c->pds : HT_NET_BSKY_DEFAULT_PDS;
	size_t plen = strlen(pds), i;
	struct ht_net *n = NULL;
	struct netb *b;

	while (plen > 0 && pds[plen - 1] == '/')
		plen--;
	if ((b = calloc(1, sizeof *b)) == NULL ||
	    (b->pds = strndup(pds, plen)) == NULL ||
	    (b->handle = strdup(c->handle != NULL ? c->handle : "")) ==
	    NULL ||
	    (b->password = strdup(c->password != NULL ? c->password : "")) ==
	    NULL ||
	    (c->session_file != NULL && (b->session_file =
	    strdup(c->session_file)) == NULL) ||
	    (c->nlangs > 0 && (b->langs = calloc(c->nlangs,
	    sizeof *b->langs)) == NULL))
		goto nomem;
	for (i = 0; i < c->nlangs; i++, b->nlangs++)
		if ((b->langs[i] = strdup(c->langs[i])) == NULL)
			goto nomem;
	if ((n = calloc(1, sizeof *n)) == NULL)
		goto nomem;
	n->ops = &netb_ops;
	n->priv = b;
	return n;
nomem:
	ht_err_set(e, "out of memory");
	e->status = EX_OSERR;
	netb_free(b);
	return NULL;
}
