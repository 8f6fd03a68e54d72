/*
 * net-mastodon — Mastodon's request and the meaning of its answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "net-mastodon.h"
#include "postkey.h"

struct netm {
	char *url;		/* the instance's statuses endpoint */
	char *base;		/* the instance, for status URLs */
	char *token;		/* wiped */
	char *visibility, *language;
};

static void
netm_free(void *priv)
{
	struct netm *m = priv;

	if (m == NULL)
		return;
	if (m->token != NULL) {
		explicit_bzero(m->token, strlen(m->token));
		free(m->token);
	}
	free(m->url);
	free(m->base);
	free(m->visibility);
	free(m->language);
	free(m);
}

static int
netm_build(struct ht_net *n, const struct ht_post *p, struct ht_http_req *r,
    struct ht_err *e)
{
	const struct netm *m = n->priv;
	char key[HT_POSTKEY_IDEM_LEN + 16];
	json_t *body;

	memcpy(r->method, "POST", 5);
	if (ht_postkey_idem(p->id, p->text, strlen(p->text), key, sizeof key,
	    e) == -1) {
		e->status = EX_SOFTWARE;
		return -1;
	}
	if ((body = json_pack("{s:s}", "status", p->text)) == NULL ||
	    (m->visibility != NULL && json_object_set_new(body, "visibility",
	    json_string(m->visibility)) == -1) ||
	    (m->language != NULL && json_object_set_new(body, "language",
	    json_string(m->language)) == -1) ||
	    (p->reply_to != NULL && json_object_set_new(body,
	    "in_reply_to_id", json_string(p->reply_to)) == -1) ||
	    (r->url = strdup(m->url)) == NULL ||
	    (r->body = json_dumps(body, JSON_COMPACT)) == NULL) {
		json_decref(body);
		ht_err_set(e, "out of memory");
		e->status = EX_OSERR;
		return -1;
	}
	json_decref(body);
	r->body_len = strlen(r->body);
	if (ht_http_req_header(r, e, "Authorization: Bearer %s", m->token) ==
	    -1 || ht_http_req_header(r, e, "Idempotency-Key: %s", key) == -1)
		return -1;
	return ht_http_req_header(r, e, "Content-Type: application/json");
}

long long
ht_net_mastodon_reset(const char *iso, long long now)
{
	struct tm tm;
	const char *p;
	time_t t;

	if (iso == NULL)
		return 0;
	memset(&tm, 0, sizeof tm);
	if ((p = strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return 0;
	/* Fractions of a second, then Z: the reset is UTC. */
	if (*p == '.')
		p += 1 + strspn(p + 1, "0123456789");
	if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0)
		return 0;
	if ((t = timegm(&tm)) == (time_t)-1)
		return 0;
	return ht_net_reset_check((long long)t, now);
}

/* A 2xx: the status's id, or an answer that proves nothing. */
static void
classify_ok(const struct netm *m, int http, const json_t *body,
    struct ht_outcome *o)
{
	const char *s = json_string_value(json_object_get(body, "id"));
	const char *u = json_string_value(json_object_get(body, "url"));

	if (!ht_net_token_ok(s, sizeof o->id)) {
		/* Posted or not?  A retry is safe: the key is the same. */
		ht_outcome_set(o, HT_KEPT, "Mastodon answered %d without a "
		    "status id", http);
		return;
	}
	ht_outcome_set(o, HT_POSTED, "posted");
	memcpy(o->id, s, strlen(s) + 1);
	if (ht_net_token_ok(u, sizeof o->url))
		memcpy(o->url, u, strlen(u) + 1);
	else
		(void)snprintf(o->url, sizeof o->url, "%s/statuses/%s",
		    m->base, s);
}

static void
netm_classify(struct ht_net *n, const struct ht_http_ans *a, time_t now,
    struct ht_outcome *o)
{
	const struct netm *m = n->priv;
	char said[300];
	json_t *body;
	long long at;
	int http;

	if ((http = ht_answer_status(a, o)) == 0)
		return;
	body = json_loadb(a->body, a->body_len, 0, NULL);
	ht_answer_quote(said, sizeof said, "Mastodon",
	    json_string_value(json_object_get(body, "error")));
	if (http >= 200 && http < 300)
		classify_ok(m, http, body, o);
	else if (http == 401)
		ht_outcome_set(o, HT_DENIED, "Mastodon refused the access "
		    "token (401): check MASTODON_TOKEN or mastodon.token%s",
		    said);
	else if (http == 403)
		ht_outcome_set(o, HT_DENIED, "Mastodon refused to post (403): "
		    "the token needs the write:statuses scope%s", said);
	else if (http == 422 || http == 400)
		ht_outcome_set(o, HT_REJECTED, "Mastodon rejected the post "
		    "(%d)%s", http, said);
	else {
		/* Mastodon's reset is an ISO time. */
		at = http == 429 ? ht_net_mastodon_reset(json_string_value(
		    json_object_get(a->headers, "x-ratelimit-reset")),
		    (long long)now) : 0;
		ht_outcome_later(o, a, at, now, "Mastodon", said);
	}
	json_decref(body);
}

static const char *const trace_headers[] = {
	"x-ratelimit-", "retry-after", NULL
};

static const struct ht_net_ops netm_ops = {
	.name = "mastodon",
	.title = "Mastodon",
	.prepare = NULL,
	.build = netm_build,
	.classify = netm_classify,
	.free = netm_free,
	.trace_headers = trace_headers,
};

struct ht_net *
ht_net_mastodon_new(const struct ht_net_mastodon_conf *c, struct ht_err *e)
{
	struct ht_net *n = NULL;
	struct netm *m;
	size_t blen = strlen(c->url);

	while (blen > 0 && c->url[blen - 1] == '/')
		blen--;
	if ((m = calloc(1, sizeof *m)) == NULL ||
	    (m->base = strndup(c->url, blen)) == NULL)
		goto nomem;
	if (asprintf(&m->url, "%s/api/v1/statuses", m->base) == -1) {
		m->url = NULL;
		goto nomem;
	}
	if ((m->token = strdup(c->token != NULL ? c->token : "")) == NULL ||
	    (c->visibility != NULL && (m->visibility =
	    strdup(c->visibility)) == NULL) ||
	    (c->language != NULL && (m->language = strdup(c->language)) ==
	    NULL) ||
	    (n = calloc(1, sizeof *n)) == NULL)
		goto nomem;
	n->ops = &netm_ops;
	n->priv = m;
	return n;
nomem:
	ht_err_set(e, "out of memory");
	e->status = EX_OSERR;
	netm_free(m);
	return NULL;
}
