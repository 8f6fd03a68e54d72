/*
 * net-x — X's request and the meaning of X's answers.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "net-x.h"
#include "util.h"

struct netx {
	char *url;		/* the endpoint */
	char *me;		/* GET /2/users/me: who the credentials are */
	int v1;
	char *secret[4];	/* consumer key and secret, token and secret:
				   owned copies, wiped */
};

static void
free_secret(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void
netx_free(void *priv)
{
	struct netx *x = priv;
	size_t i;

	if (x == NULL)
		return;
	free(x->url);
	free(x->me);
	for (i = 0; i < 4; i++)
		free_secret(x->secret[i]);
	free(x);
}

char *
ht_net_x_body(int v1, const char *text, const char *reply_to)
{
	json_t *o;
	char *s = NULL, *t;

	if (v1) {
		if ((t = ht_oauth_encode(text, strlen(text))) == NULL)
			return NULL;
		if (reply_to != NULL) {
			if (asprintf(&s, "status=%s&in_reply_to_status_id=%s&"
			    "auto_populate_reply_metadata=true", t,
			    reply_to) == -1)
				s = NULL;
		} else if (asprintf(&s, "status=%s", t) == -1)
			s = NULL;
		free(t);
		return s;
	}
	if (reply_to != NULL)
		o = json_pack("{s:s,s:{s:s}}", "text", text, "reply",
		    "in_reply_to_tweet_id", reply_to);
	else
		o = json_pack("{s:s}", "text", text);
	if (o != NULL)
		s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static int
netx_build(struct ht_net *n, const struct ht_post *p, struct ht_http_req *r,
    struct ht_err *e)
{
	const struct netx *x = n->priv;
	const struct ht_oauth_cred cred = { x->secret[0], x->secret[1],
	    x->secret[2], x->secret[3] };
	char *auth;
	int ret;

	memcpy(r->method, "POST", 5);
	if ((r->url = strdup(x->url)) == NULL ||
	    (r->body = ht_net_x_body(x->v1, p->text, p->reply_to)) == NULL) {
		ht_err_set(e, "out of memory");
		e->status = EX_OSERR;
		return -1;
	}
	r->body_len = strlen(r->body);
	if ((auth = ht_oauth_header(&cred, "POST", x->url, x->v1 ?
	    r->body : NULL, NULL, -1, e)) == NULL)
		return -1;
	ret = ht_http_req_header(r, e, "Authorization: %s", auth);
	explicit_bzero(auth, strlen(auth));
	free(auth);
	if (ret == -1)
		return -1;
	return ht_http_req_header(r, e, "Content-Type: %s", x->v1 ?
	    "application/x-www-form-urlencoded" : "application/json");
}

/* X's own words, from a v2 problem or a v1.1 error list. */
static const char *
x_words(const json_t *body, long long *code)
{
	const json_t *err;
	const char *s;

	*code = 0;
	err = json_array_get(json_object_get(body, "errors"), 0);
	if (err != NULL)
		*code = json_integer_value(json_object_get(err, "code"));
	if ((s = json_string_value(json_object_get(body, "detail"))) != NULL)
		return s;
	if ((s = json_string_value(json_object_get(err, "message"))) != NULL)
		return s;
	if ((s = json_string_value(json_object_get(body, "title"))) != NULL)
		return s;
	return "";
}

static int
has(const char *s, const char *needle)
{
	return s != NULL && strcasestr(s, needle) != NULL;
}

/* Whether the header name says 0 (a window's remaining count). */
static int
header_zero(const json_t *hdr, const char *name)
{
	long long v;

	return ht_parse_num(json_string_value(json_object_get(hdr, name)), 0,
	    LLONG_MAX, &v) == 0 && v == 0;
}

/*
 * X's windows for posting: what each is called in messages (NULL: the
 * usual one, not worth naming).
 */
static const struct {
	const char *remaining, *reset, *name;
} windows[] = {
	{ "x-rate-limit-remaining", "x-rate-limit-reset", NULL },
	{ "x-user-limit-24hour-remaining", "x-user-limit-24hour-reset",
	    "the user's 24-hour limit" },
	{ "x-app-limit-24hour-remaining", "x-app-limit-24hour-reset",
	    "the app's 24-hour limit" },
};

/*
 * When X takes a post again: the latest reset of the windows hdr says are
 * used up (remaining 0), and which one that is; 0 when none is.
 */
static long long
used_up_until(const json_t *hdr, long long now, const char **which)
{
	long long at = 0, t;
	size_t i;

	*which = NULL;
	for (i = 0; i < sizeof windows / sizeof windows[0]; i++) {
		if (!header_zero(hdr, windows[i].remaining))
			continue;
		t = ht_net_hold_until(json_string_value(json_object_get(hdr,
		    windows[i].reset)), 0, now);
		if (t > at) {
			at = t;
			*which = windows[i].name;
		}
	}
	return at;
}

/* A 2xx: the post's id, or an answer that proves nothing. */
static void
classify_ok(const struct netx *x, int http, const json_t *body,
    struct ht_outcome *o)
{
	const char *s;

	s = x->v1 ? json_string_value(json_object_get(body, "id_str")) :
	    json_string_value(json_object_get(json_object_get(body, "data"),
	    "id"));
	if (s == NULL || *s == '\0' || strlen(s) >= sizeof o->id ||
	    strspn(s, "0123456789") != strlen(s)) {
		/* Posted or not?  A retry is safe: X refuses duplicates. */
		ht_outcome_set(o, HT_KEPT, "X answered %d without a post id",
		    http);
		return;
	}
	ht_outcome_set(o, HT_POSTED, "posted");
	memcpy(o->id, s, strlen(s) + 1);
	(void)snprintf(o->url, sizeof o->url,
	    "https://x.com/i/web/status/%s", s);
}

/* A 401 or a 403 that is not a duplicate: which permission is missing. */
static void
classify_denied(int http, const json_t *body, const char *words,
    long long code, const char *said, struct ht_outcome *o)
{
	const char *type = json_string_value(json_object_get(body, "type"));
	const char *s = json_string_value(json_object_get(body, "reason"));

	if (http == 401 && (code == 89 || has(words, "token")))
		ht_outcome_set(o, HT_DENIED, "X refused the access token "
		    "(401): it is invalid, expired or revoked; generate a new "
		    "one%s", said);
	else if (http == 401)
		ht_outcome_set(o, HT_DENIED, "X refused the credentials (401): "
		    "check the consumer key and secret and the access token "
		    "and secret, which may have been regenerated or revoked%s",
		    said);
	else if (code == 261 || has(type, "oauth1-permissions") ||
	    has(words, "permission"))
		ht_outcome_set(o, HT_DENIED, "X refused to post (403): the app "
		    "is read-only; give it Read and Write permission, then "
		    "regenerate the access token%s", said);
	else if (code == 453 || has(s, "client-not-enrolled") ||
	    has(type, "client-forbidden") || has(words, "project"))
		ht_outcome_set(o, HT_DENIED, "X refused the app (403): it is "
		    "not attached to a project, which API v2 requires; attach "
		    "it in the developer portal%s", said);
	else if (code == 64 || has(words, "suspended"))
		ht_outcome_set(o, HT_DENIED, "X refused to post (403): the "
		    "account is suspended%s", said);
	else
		ht_outcome_set(o, HT_DENIED, "X refused to post (403)%s",
		    said);
}

/* A 429 or a 5xx: when to try again. */
static void
classify_later(const struct ht_http_ans *a, time_t now, const char *said,
    struct ht_outcome *o)
{
	long long at;

	/*
	 * A 429: the latest reset of the windows used up; without one that
	 * says so, x-rate-limit-reset.  Else Retry-After.
	 */
	at = o->next_at;
	if (a->status == 429 && at == 0)
		at = ht_net_hold_until(json_string_value(json_object_get(
		    a->headers, "x-rate-limit-reset")), 0, (long long)now);
	ht_outcome_later(o, a, at, now, "X", said);
	if (a->status == 429 && o->limit != NULL)
		ht_outcome_set(o, HT_LIMITED, "rate limited by X (429): %s is "
		    "used up%s", o->limit, said);
}

static void
netx_classify(struct ht_net *n, const struct ht_http_ans *a, time_t now,
    struct ht_outcome *o)
{
	const struct netx *x = n->priv;
	const char *words, *s;
	char said[300];
	json_t *body;
	long long code;

	if (ht_answer_status(a, o) == 0)
		return;
	body = json_loadb(a->body, a->body_len, 0, NULL);
	words = x_words(body, &code);
	ht_answer_quote(said, sizeof said, "X", words);
	/* Whatever the answer, a window it says is used up holds the next. */
	o->next_at = (time_t)used_up_until(a->headers, (long long)now,
	    &o->limit);
	if (a->status >= 200 && a->status < 300) {
		classify_ok(x, a->status, body, o);
	} else if (a->status == 403 && (code == 187 ||
	    has(words, "duplicate"))) {
		ht_outcome_set(o, HT_ALREADY, "already posted%s", said);
	} else if (a->status == 402) {
		/*
		 * Pay-per-use accounts: the prepaid credits ran out (X's
		 * problem title reads like "CreditsDepleted").  Not the post's
		 * fault, and every post fails the same until the owner acts.
		 */
		ht_outcome_set(o, HT_UNPAID, "no credits left on the X account "
		    "(402): top up the account's credits%s", said);
	} else if (a->status == 401 || a->status == 403) {
		classify_denied(a->status, body, words, code, said, o);
	} else if (a->status == 400 || a->status == 422) {
		s = json_string_value(json_object_get(json_array_get(
		    json_object_get(body, "errors"), 0), "message"));
		if (s != NULL)
			ht_answer_quote(said, sizeof said, "X", s);
		ht_outcome_set(o, HT_REJECTED, "X rejected the post (%d)%s",
		    a->status, said);
	} else if (a->status == 429 || a->status >= 500) {
		classify_later(a, now, said, o);
	} else {
		/* A wrong api_url, most likely: retrying will not help. */
		ht_outcome_other(o, a->status, 0, "X", said);
	}
	json_decref(body);
}

static int
netx_check(struct ht_net *n, struct ht_http_req *r, struct ht_err *e)
{
	const struct netx *x = n->priv;
	const struct ht_oauth_cred cred = { x->secret[0], x->secret[1],
	    x->secret[2], x->secret[3] };
	char *auth;
	int ret;

	memcpy(r->method, "GET", 4);
	if ((r->url = strdup(x->me)) == NULL)
		return ht_err_fail(e, EX_OSERR, "out of memory");
	if ((auth = ht_oauth_header(&cred, "GET", x->me, NULL, NULL, -1,
	    e)) == NULL)
		return -1;
	ret = ht_http_req_header(r, e, "Authorization: %s", auth);
	explicit_bzero(auth, strlen(auth));
	free(auth);
	return ret;
}

/* The same judgement as a post's; data.id and data.username. */
static void
netx_checked(struct ht_net *n, const struct ht_http_ans *a, time_t now,
    struct ht_outcome *o)
{
	const char *u;
	json_t *body;

	netx_classify(n, a, now, o);
	if (o->kind != HT_POSTED)
		return;
	o->url[0] = '\0';
	body = json_loadb(a->body, a->body_len, 0, NULL);
	u = json_string_value(json_object_get(json_object_get(body, "data"),
	    "username"));
	(void)snprintf(o->account, sizeof o->account, "%s", u != NULL ? u :
	    "?");
	json_decref(body);
}

static const char *const trace_headers[] = {
	"x-rate-limit-", "x-user-limit-", "retry-after", NULL
};

static const struct ht_net_ops netx_ops = {
	.name = "x",
	.title = "X",
	.prepare = NULL,
	.build = netx_build,
	.classify = netx_classify,
	.check = netx_check,
	.checked = netx_checked,
	.free = netx_free,
	.trace_headers = trace_headers,
};

struct ht_net *
ht_net_x_new(const struct ht_net_x_conf *c, const struct ht_oauth_cred *cred,
    struct ht_err *e)
{
	struct ht_net *n = NULL;
	struct netx *x;
	const char *const in[4] = { cred->consumer_key,
	    cred->consumer_secret, cred->token, cred->token_secret };
	size_t i;
	const char *base = c->api_url != NULL ? c->api_url :
	    HT_NET_X_DEFAULT_URL;
	size_t blen = strlen(base);

	if ((x = calloc(1, sizeof *x)) == NULL)
		goto nomem;
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if (asprintf(&x->url, "%.*s%s", (int)blen, base, c->v1 ?
	    "/1.1/statuses/update.json" : "/2/tweets") == -1) {
		x->url = NULL;
		goto nomem;
	}
	if (asprintf(&x->me, "%.*s/2/users/me", (int)blen, base) == -1) {
		x->me = NULL;
		goto nomem;
	}
	x->v1 = c->v1;
	for (i = 0; i < 4; i++)
		if ((x->secret[i] = strdup(in[i] != NULL ? in[i] : "")) ==
		    NULL)
			goto nomem;
	if ((n = calloc(1, sizeof *n)) == NULL)
		goto nomem;
	n->ops = &netx_ops;
	n->priv = x;
	return n;
nomem:
	ht_err_set(e, "out of memory");
	e->status = EX_OSERR;
	netx_free(x);
	return NULL;
}

const struct ht_net_x_cred ht_net_x_creds[4] = {
	{ "x.consumer_key", "TW_CONSUMER_KEY" },
	{ "x.consumer_secret", "TW_CONSUMER_SECRET" },
	{ "x.access_token", "TW_ACCESS_TOKEN" },
	{ "x.access_secret", "TW_ACCESS_SECRET" },
};

struct ht_net *
ht_net_x_from_conf(struct ht_conf *conf, const struct ht_net_x_conf *c,
    struct ht_err *e)
{
	struct ht_oauth_cred cred;
	const char *v[4];
	char missing[256], cf[600];
	struct ht_net *x;
	size_t i, off = 0;
	int n;

	missing[0] = '\0';
	for (i = 0; i < 4; i++) {
		v[i] = ht_conf_str(conf, ht_net_x_creds[i].setting, NULL);
		if (v[i] != NULL && *v[i] != '\0')
			continue;
		n = snprintf(missing + off, sizeof missing - off, "%s%s (%s)",
		    off > 0 ? ", " : "", ht_net_x_creds[i].setting,
		    ht_net_x_creds[i].env);
		/* The names are short: the buffer holds all four. */
		off = n < 0 || (size_t)n >= sizeof missing - off ?
		    sizeof missing - 1 : off + (size_t)n;
	}
	if (off > 0) {
		(void)ht_err_fail(e, EX_CONFIG, "missing credentials: %s; "
		    "searched the environment and %s", missing,
		    ht_conf_searched(conf, cf, sizeof cf));
		return NULL;
	}
	cred.consumer_key = v[0];
	cred.consumer_secret = v[1];
	cred.token = v[2];
	cred.token_secret = v[3];
	x = ht_net_x_new(c, &cred, e);
	for (i = 0; i < 4; i++)
		explicit_bzero((char *)v[i], strlen(v[i]));
	ht_env_wipe_secrets(HT_ENV_TW);
	return x;
}
