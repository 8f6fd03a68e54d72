#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "answer.h"
#include "mastodon.h"

/* url without trailing slashes, then path; caller frees. */
static char *
api_url(const char *url, const char *path)
{
	size_t n = strlen(url);
	char *u;

	while (n > 0 && url[n - 1] == '/')
		n--;
	if (asprintf(&u, "%.*s%s", (int)n, url, path) == -1)
		return NULL;
	return u;
}

json_t *
ht_mastodon_instance_request(const char *url, struct ht_err *e)
{
	json_t *req = NULL;
	char *u;

	if ((u = api_url(url, "/api/v2/instance")) == NULL ||
	    (req = json_pack("{s:s,s:s,s:[s]}", "method", "GET", "url", u,
	    "headers", "Accept: application/json")) == NULL)
		ht_err_set(e, "out of memory");
	free(u);
	return req;
}

long
ht_mastodon_max_characters(const json_t *ans)
{
	const char *s;
	json_t *body, *v;
	long n = 0;

	if (json_integer_value(json_object_get(ans, "status")) != 200 ||
	    (s = json_string_value(json_object_get(ans, "body"))) == NULL ||
	    (body = json_loads(s, 0, NULL)) == NULL)
		return 0;
	v = json_object_get(json_object_get(json_object_get(body,
	    "configuration"), "statuses"), "max_characters");
	/* As format.max_length allows: a sane limit, or none. */
	if (json_is_integer(v) && json_integer_value(v) > 0 &&
	    json_integer_value(v) <= 100000)
		n = (long)json_integer_value(v);
	json_decref(body);
	return n;
}

json_t *
ht_mastodon_request(const struct ht_mastodon_conf *c, const char *token,
    const char *text, const char *key, struct ht_err *e)
{
	json_t *body = NULL, *req = NULL;
	char *url = NULL, *auth = NULL, *idem = NULL, *b = NULL;

	url = api_url(c->url, "/api/v1/statuses");
	if (asprintf(&auth, "Authorization: Bearer %s", token) == -1)
		auth = NULL;
	if (asprintf(&idem, "Idempotency-Key: %s", key) == -1)
		idem = NULL;
	if (url == NULL || auth == NULL || idem == NULL ||
	    (body = json_pack("{s:s}", "status", text)) == NULL ||
	    (c->visibility != NULL && json_object_set_new(body, "visibility",
	    json_string(c->visibility)) == -1) ||
	    (c->language != NULL && json_object_set_new(body, "language",
	    json_string(c->language)) == -1) ||
	    (b = json_dumps(body, JSON_COMPACT)) == NULL ||
	    (req = json_pack("{s:s,s:s,s:[s,s,s,s],s:s}", "method", "POST",
	    "url", url, "headers", auth, idem,
	    "Content-Type: application/json", "Accept: application/json",
	    "body", b)) == NULL)
		ht_err_set(e, "out of memory");
	free(url);
	if (auth != NULL) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	free(idem);
	free(b);
	json_decref(body);
	return req;
}

void
ht_mastodon_request_wipe(json_t *req)
{
	const char *s = json_string_value(json_array_get(json_object_get(req,
	    "headers"), 0));

	/*
	 * Jansson has no wipe of its own: the header's bytes are zeroed in
	 * place (the string is Jansson's malloc'ed copy, strlen(s) long)
	 * before json_decref frees them.
	 */
	if (s != NULL)
		explicit_bzero((char *)(uintptr_t)s, strlen(s));
	json_decref(req);
}

long long
ht_mastodon_reset(const char *iso, long long now)
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
	return ht_xapi_reset_check((long long)t, now);
}

void
ht_mastodon_classify(const json_t *ans, long long now,
    struct ht_xapi_result *r)
{
	const json_t *hdr = json_object_get(ans, "headers");
	const char *s;
	json_t *body = NULL;
	char said[300];
	int http;

	if ((http = ht_answer_status(ans, r)) == 0)
		return;
	if ((s = json_string_value(json_object_get(ans, "body"))) != NULL)
		body = json_loads(s, 0, NULL);
	ht_answer_quote(said, sizeof said, "Mastodon",
	    json_string_value(json_object_get(body, "error")));
	if (http >= 200 && http < 300) {
		s = json_string_value(json_object_get(body, "id"));
		if (s == NULL || *s == '\0' || strlen(s) >= sizeof r->id) {
			/* Posted or not?  A retry is safe: same key. */
			r->kind = HT_XAPI_TRANSIENT;
			r->status = EX_UNAVAILABLE;
			ht_answer_reason(r, "Mastodon answered %d without a "
			    "status id", http);
		} else {
			r->kind = HT_XAPI_OK;
			memcpy(r->id, s, strlen(s) + 1);
		}
	} else if (http == 401 || http == 403) {
		r->kind = HT_XAPI_PERMANENT;
		r->status = EX_NOPERM;
		ht_answer_reason(r, http == 401 ? "Mastodon refused the "
		    "access token (401): check MASTODON_TOKEN or "
		    "mastodon.token%s" : "Mastodon refused to post (403): the "
		    "token needs the write:statuses scope%s", said);
	} else if (http == 422 || http == 400) {
		r->kind = HT_XAPI_PERMANENT;
		r->status = EX_DATAERR;
		ht_answer_reason(r, "Mastodon rejected the post (%d)%s", http,
		    said);
	} else if (http == 429 || http >= 500) {
		r->kind = HT_XAPI_TRANSIENT;
		r->status = http == 429 ? EX_TEMPFAIL : EX_UNAVAILABLE;
		r->rate_limited = http == 429;
		if (http == 429)
			r->retry_at = ht_mastodon_reset(json_string_value(
			    json_object_get(hdr, "x-ratelimit-reset")), now);
		if (r->retry_at == 0)
			r->retry_at = ht_xapi_hold_until(json_string_value(
			    json_object_get(hdr, "retry-after")), 1, now);
		if (http == 429)
			ht_answer_reason(r, "rate limited by Mastodon "
			    "(429)%s", said);
		else
			ht_answer_reason(r, "Mastodon is unavailable (%d)%s",
			    http, said);
	} else {
		r->kind = HT_XAPI_PERMANENT;
		r->status = EX_UNAVAILABLE;
		ht_answer_reason(r, "unexpected answer %d from Mastodon%s",
		    http, said);
	}
	json_decref(body);
}
