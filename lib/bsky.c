#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "answer.h"
#include "bsky.h"
#include "tweeturl.h"
#include "utf8.h"
#include "util.h"

static int
has_scheme(const char *s, size_t len)
{
	return (len >= 7 && strncasecmp(s, "http://", 7) == 0) ||
	    (len >= 8 && strncasecmp(s, "https://", 8) == 0);
}

/* One facet: the link text[start..end) at those byte offsets. */
static json_t *
facet(const char *text, size_t start, size_t end)
{
	const char *u = text + start;
	size_t n = end - start, k = 0;
	char *uri;
	json_t *f;

	if ((uri = malloc(n + sizeof "https://")) == NULL)
		return NULL;
	if (!has_scheme(u, n)) {
		memcpy(uri, "https://", 8);
		k = 8;
	}
	memcpy(uri + k, u, n);
	/* With its length: the URI is the bytes, whatever they hold. */
	f = json_pack("{s:{s:I,s:I},s:[{s:s,s:s%}]}", "index", "byteStart",
	    (json_int_t)start, "byteEnd", (json_int_t)end, "features",
	    "$type", HT_BSKY_FACET_LINK, "uri", uri, n + k);
	free(uri);
	return f;
}

json_t *
ht_bsky_facets(const char *text, size_t len, struct ht_err *e)
{
	struct ht_urlspan *sp;
	json_t *a, *f;
	size_t bad;
	long n, i;

	if (ht_utf8_check(text, len, &bad) == -1) {
		ht_err_set(e, "invalid UTF-8 at byte %zu", bad);
		e->col = (long)bad + 1;
		return NULL;
	}
	if ((n = ht_url_find_utf8(text, len, &sp, e)) == -1)
		return NULL;
	if ((a = json_array()) == NULL)
		goto oom;
	for (i = 0; i < n; i++)
		if ((f = facet(text, sp[i].start, sp[i].end)) == NULL ||
		    json_array_append_new(a, f) == -1)
			goto oom;
	free(sp);
	return a;
oom:
	free(sp);
	json_decref(a);
	ht_err_set(e, "out of memory");
	return NULL;
}

/* Wipe and free *p, and forget it. */
static void
wipe_free(char **p)
{
	if (*p != NULL) {
		explicit_bzero(*p, strlen(*p));
		free(*p);
	}
	*p = NULL;
}

void
ht_bsky_session_clear(struct ht_bsky_session *s)
{
	wipe_free(&s->pds);
	wipe_free(&s->handle);
	wipe_free(&s->did);
	wipe_free(&s->access);
	wipe_free(&s->refresh);
}

/* A copy of a string member of o, or NULL. */
static char *
member(const json_t *o, const char *name)
{
	const char *s = json_string_value(json_object_get(o, name));

	return s != NULL && *s != '\0' ? strdup(s) : NULL;
}

/* Wipe a JSON string's bytes in place (Jansson has no wipe of its own). */
static void
wipe_string(json_t *j)
{
	const char *s = json_string_value(j);

	/* The string is Jansson's malloc'ed copy, strlen(s) long. */
	if (s != NULL)
		explicit_bzero((char *)(uintptr_t)s, strlen(s));
}

static void
wipe_members(json_t *o)
{
	void *it;

	for (it = json_object_iter(o); it != NULL;
	    it = json_object_iter_next(o, it))
		wipe_string(json_object_iter_value(it));
}

int
ht_bsky_session_load(const char *path, const char *pds, const char *handle,
    struct ht_bsky_session *s, struct ht_err *e)
{
	json_error_t je;
	struct stat st;
	json_t *o = NULL;
	int fd, r = -1;
	FILE *fp;

	memset(s, 0, sizeof *s);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno == ENOENT)
			return 0;
		ht_err_at(e, path, 0, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & (S_IRWXG | S_IRWXO)) != 0 ||
	    st.st_uid != geteuid()) {
		ht_err_at(e, path, 0, 0, "holds a session but is not a file "
		    "of this user's that only they can read; remove it");
		(void)close(fd);
		return -1;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		ht_err_at(e, path, 0, 0, "cannot read: %s", strerror(errno));
		(void)close(fd);
		return -1;
	}
	/* A session file is small; a broken one is only a new login. */
	if ((o = json_loadf(fp, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		r = 0;
		goto out;
	}
	if (!json_is_object(o) || json_object_size(o) > 8) {
		r = 0;
		goto out;
	}
	s->pds = member(o, "pds");
	s->handle = member(o, "handle");
	s->did = member(o, "did");
	s->access = member(o, "accessJwt");
	s->refresh = member(o, "refreshJwt");
	if (s->pds == NULL || s->handle == NULL || s->did == NULL ||
	    s->access == NULL || s->refresh == NULL ||
	    strcmp(s->pds, pds) != 0 || strcmp(s->handle, handle) != 0) {
		ht_bsky_session_clear(s);
		r = 0;
		goto out;
	}
	r = 1;
out:
	if (o != NULL) {
		wipe_members(o);
		json_decref(o);
	}
	(void)fclose(fp);
	return r;
}

int
ht_bsky_session_save(const char *path, const struct ht_bsky_session *s,
    struct ht_err *e)
{
	char tmp[4096];
	json_t *o;
	char *text = NULL;
	int fd = -1, r = -1;

	if (snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >=
	    (int)sizeof tmp) {
		ht_err_at(e, path, 0, 0, "path too long");
		return -1;
	}
	if ((o = json_pack("{s:s,s:s,s:s,s:s,s:s}", "pds", s->pds, "handle",
	    s->handle, "did", s->did, "accessJwt", s->access, "refreshJwt",
	    s->refresh)) == NULL || (text = json_dumps(o, JSON_COMPACT)) ==
	    NULL) {
		ht_err_set(e, "out of memory");
		goto out;
	}
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1 ||
	    ht_write_all(fd, text, strlen(text)) == -1 || fsync(fd) == -1) {
		ht_err_at(e, tmp, 0, 0, "cannot write: %s", strerror(errno));
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		ht_err_at(e, tmp, 0, 0, "cannot write: %s", strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		ht_err_at(e, path, 0, 0, "cannot rename %s to it: %s", tmp,
		    strerror(errno));
		goto out;
	}
	r = 0;
out:
	if (fd != -1)
		(void)close(fd);
	if (r == -1)
		(void)unlink(tmp);
	if (text != NULL) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
	if (o != NULL) {
		wipe_members(o);
		json_decref(o);
	}
	return r;
}

/* pds without trailing slashes, then /xrpc/method; caller frees. */
static char *
xrpc_url(const char *pds, const char *method)
{
	size_t n = strlen(pds);
	char *u;

	while (n > 0 && pds[n - 1] == '/')
		n--;
	if (asprintf(&u, "%.*s/xrpc/%s", (int)n, pds, method) == -1)
		return NULL;
	return u;
}

/*
 * A request: method, url pds/xrpc/xmethod (with query), body (a JSON
 * object, consumed; NULL: none) and the bearer token (NULL: none).
 */
static json_t *
request(const char *method, const char *pds, const char *xmethod,
    const char *bearer, json_t *body, struct ht_err *e)
{
	json_t *req = NULL, *hdr;
	char *url, *auth = NULL, *b = NULL;

	url = xrpc_url(pds, xmethod);
	if (bearer != NULL && asprintf(&auth, "Authorization: Bearer %s",
	    bearer) == -1)
		auth = NULL;
	if (url == NULL || (bearer != NULL && auth == NULL) ||
	    (body != NULL && (b = json_dumps(body, JSON_COMPACT)) == NULL) ||
	    (req = json_pack("{s:s,s:s,s:[s]}", "method", method, "url", url,
	    "headers", "Accept: application/json")) == NULL)
		goto oom;
	hdr = json_object_get(req, "headers");
	if ((auth != NULL && json_array_insert_new(hdr, 0,
	    json_string(auth)) == -1) ||
	    (b != NULL && (json_array_append_new(hdr,
	    json_string("Content-Type: application/json")) == -1 ||
	    json_object_set_new(req, "body", json_string(b)) == -1)))
		goto oom;
	goto out;
oom:
	ht_bsky_request_free(req);
	req = NULL;
	ht_err_set(e, "out of memory");
out:
	free(url);
	if (auth != NULL) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	if (b != NULL) {
		explicit_bzero(b, strlen(b));
		free(b);
	}
	if (body != NULL) {
		wipe_members(body);
		json_decref(body);
	}
	return req;
}

void
ht_bsky_request_free(json_t *req)
{
	if (req == NULL)
		return;
	wipe_string(json_array_get(json_object_get(req, "headers"), 0));
	wipe_string(json_object_get(req, "body"));
	json_decref(req);
}

json_t *
ht_bsky_login_request(const char *pds, const char *handle,
    const char *password, struct ht_err *e)
{
	json_t *b;

	if ((b = json_pack("{s:s,s:s}", "identifier", handle, "password",
	    password)) == NULL) {
		ht_err_set(e, "out of memory");
		return NULL;
	}
	return request("POST", pds, "com.atproto.server.createSession", NULL,
	    b, e);
}

json_t *
ht_bsky_refresh_request(const struct ht_bsky_session *s, struct ht_err *e)
{
	return request("POST", s->pds, "com.atproto.server.refreshSession",
	    s->refresh, NULL, e);
}

json_t *
ht_bsky_post_request(const struct ht_bsky_session *s, const char *text,
    size_t len, const char *const *langs, size_t n, const char *created,
    const char *rkey, struct ht_err *e)
{
	json_t *facets, *rec, *body, *l;
	size_t i;

	if ((facets = ht_bsky_facets(text, len, e)) == NULL)
		return NULL;
	if ((rec = json_pack("{s:s,s:s%,s:s}", "$type", "app.bsky.feed.post",
	    "text", text, len, "createdAt", created)) == NULL ||
	    (json_array_size(facets) > 0 && json_object_set(rec, "facets",
	    facets) == -1))
		goto oom;
	if (n > 0) {
		if ((l = json_array()) == NULL ||
		    json_object_set_new(rec, "langs", l) == -1)
			goto oom;
		for (i = 0; i < n; i++)
			if (json_array_append_new(l, json_string(langs[i])) ==
			    -1)
				goto oom;
	}
	if ((body = json_pack("{s:s,s:s,s:O}", "repo", s->did, "collection",
	    "app.bsky.feed.post", "record", rec)) == NULL ||
	    (rkey != NULL && json_object_set_new(body, "rkey",
	    json_string(rkey)) == -1))
		goto oom;
	json_decref(facets);
	json_decref(rec);
	return request("POST", s->pds, "com.atproto.repo.createRecord",
	    s->access, body, e);
oom:
	json_decref(facets);
	json_decref(rec);
	ht_err_set(e, "out of memory (or a language that is not UTF-8)");
	return NULL;
}

json_t *
ht_bsky_get_request(const struct ht_bsky_session *s, const char *rkey,
    struct ht_err *e)
{
	char m[512];

	/* A DID and a TID need no percent-encoding. */
	if (snprintf(m, sizeof m, "com.atproto.repo.getRecord?repo=%s&"
	    "collection=app.bsky.feed.post&rkey=%s", s->did, rkey) >=
	    (int)sizeof m) {
		ht_err_set(e, "record key or DID too long");
		return NULL;
	}
	return request("GET", s->pds, m, NULL, NULL, e);
}

/*
 * The parts of an answer every classification needs: the HTTP status
 * (0: none came, r then filled as transient), the parsed body (caller
 * json_decref()s it), the XRPC error name and " (Bluesky: "...")".
 */
static int
answer(const json_t *ans, struct ht_xapi_result *r, json_t **body,
    const char **name, char *said, size_t size)
{
	const char *s, *msg;
	int http;

	*body = NULL;
	*name = "";
	said[0] = '\0';
	if ((http = ht_answer_status(ans, r)) == 0)
		return 0;
	if ((s = json_string_value(json_object_get(ans, "body"))) != NULL)
		*body = json_loads(s, 0, NULL);
	if ((s = json_string_value(json_object_get(*body, "error"))) != NULL)
		*name = s;
	msg = json_string_value(json_object_get(*body, "message"));
	if (**name != '\0' || msg != NULL) {
		if (snprintf(said, size, " (Bluesky: %s%s\"%s\")", *name,
		    **name != '\0' ? ": " : "", msg != NULL ? msg : "") >=
		    (int)size && size > 5)
			memcpy(said + size - 5, "...)", 5);
	}
	return http;
}

/* 429 and 5xx: transient, held until ratelimit-reset or Retry-After. */
static void
transient(const json_t *ans, int http, long long now, const char *said,
    struct ht_xapi_result *r)
{
	const json_t *hdr = json_object_get(ans, "headers");

	r->kind = HT_XAPI_TRANSIENT;
	r->status = http == 429 ? EX_TEMPFAIL : EX_UNAVAILABLE;
	r->rate_limited = http == 429;
	if (http == 429)
		r->retry_at = ht_xapi_hold_until(json_string_value(
		    json_object_get(hdr, "ratelimit-reset")), 0, now);
	if (r->retry_at == 0)
		r->retry_at = ht_xapi_hold_until(json_string_value(
		    json_object_get(hdr, "retry-after")), 1, now);
	if (http == 429)
		ht_answer_reason(r, "rate limited by Bluesky (429)%s", said);
	else
		ht_answer_reason(r, "Bluesky is unavailable (%d)%s", http,
		    said);
}

void
ht_bsky_session_classify(const json_t *ans, long long now,
    struct ht_bsky_session *s, struct ht_xapi_result *r)
{
	const char *name;
	char said[300];
	json_t *body;
	int http;

	if ((http = answer(ans, r, &body, &name, said, sizeof said)) == 0)
		return;
	if (http == 200) {
		s->did = member(body, "did");
		s->access = member(body, "accessJwt");
		s->refresh = member(body, "refreshJwt");
		if (s->did == NULL || s->access == NULL || s->refresh == NULL) {
			r->kind = HT_XAPI_TRANSIENT;
			r->status = EX_UNAVAILABLE;
			ht_answer_reason(r, "Bluesky answered a login "
			    "without its tokens");
		} else
			r->kind = HT_XAPI_OK;
	} else if (http == 429 || http >= 500)
		transient(ans, http, now, said, r);
	else if (http == 401 || http == 400) {
		r->kind = HT_XAPI_PERMANENT;
		r->status = EX_NOPERM;
		ht_answer_reason(r, strcmp(name, "ExpiredToken") == 0 ||
		    strcmp(name, "InvalidToken") == 0 ?
		    "Bluesky refused the session (%d)%s" :
		    "Bluesky refused the login (%d): check the handle and the "
		    "app password%s", http, said);
	} else {
		r->kind = HT_XAPI_PERMANENT;
		r->status = EX_UNAVAILABLE;
		ht_answer_reason(r, "unexpected answer %d from Bluesky%s", http,
		    said);
	}
	if (body != NULL) {
		wipe_members(body);
		json_decref(body);
	}
}

void
ht_bsky_classify(const json_t *ans, long long now, int keyed,
    struct ht_xapi_result *r, enum ht_bsky_hint *hint)
{
	const char *name, *uri, *rkey;
	char said[300];
	json_t *body;
	int http;

	*hint = HT_BSKY_NONE;
	if ((http = answer(ans, r, &body, &name, said, sizeof said)) == 0)
		return;
	if (http == 200) {
		uri = json_string_value(json_object_get(body, "uri"));
		rkey = uri != NULL ? strrchr(uri, '/') : NULL;
		if (rkey == NULL || rkey[1] == '\0' ||
		    strlen(rkey + 1) >= sizeof r->id) {
			/* Made or not?  The key says, when there is one. */
			r->kind = HT_XAPI_TRANSIENT;
			r->status = EX_UNAVAILABLE;
			*hint = keyed ? HT_BSKY_MAY_EXIST : HT_BSKY_NONE;
			ht_answer_reason(r, "Bluesky answered without the "
			    "post's URI");
		} else {
			r->kind = HT_XAPI_OK;
			memcpy(r->id, rkey + 1, strlen(rkey + 1) + 1);
		}
	} else if (http == 400 && (strcmp(name, "ExpiredToken") == 0 ||
	    strcmp(name, "InvalidToken") == 0)) {
		r->kind = HT_XAPI_TRANSIENT;
		r->status = EX_NOPERM;
		*hint = HT_BSKY_EXPIRED;
		ht_answer_reason(r, "Bluesky refused the access token%s", said);
	} else if (keyed && (http == 500 || (http == 400 &&
	    strstr(name, "Exists") != NULL))) {
		/*
		 * A PDS answers 500 InternalServerError to createRecord
		 * with a key that is taken (atproto issues #3718, indigo
		 * #873); a named error may come instead.  Either way
		 * getRecord tells.
		 */
		transient(ans, http == 400 ? 500 : http, now, said, r);
		*hint = HT_BSKY_MAY_EXIST;
	} else if (http == 429 || http >= 500)
		transient(ans, http, now, said, r);
	else if (http == 401 || http == 403) {
		r->kind = HT_XAPI_PERMANENT;
		r->status = EX_NOPERM;
		ht_answer_reason(r, "Bluesky refused to post (%d)%s", http,
		    said);
	} else if (http == 400 || http == 413) {
		r->kind = HT_XAPI_PERMANENT;
		r->status = EX_DATAERR;
		ht_answer_reason(r, "Bluesky rejected the post (%d)%s", http,
		    said);
	} else {
		r->kind = HT_XAPI_PERMANENT;
		r->status = EX_UNAVAILABLE;
		ht_answer_reason(r, "unexpected answer %d from Bluesky%s", http,
		    said);
	}
	json_decref(body);
}

int
ht_bsky_get_classify(const json_t *ans, long long now, const char *text,
    size_t len, struct ht_xapi_result *r)
{
	const char *name, *t;
	char said[300];
	json_t *body, *v;
	int http, found = -1;

	if ((http = answer(ans, r, &body, &name, said, sizeof said)) == 0)
		return -1;
	if (http == 200) {
		v = json_object_get(json_object_get(body, "value"), "text");
		t = json_string_value(v);
		if (t != NULL && json_string_length(v) == len &&
		    memcmp(t, text, len) == 0)
			found = 1;
		else {
			/* Another post under this key: not ours. */
			r->kind = HT_XAPI_PERMANENT;
			r->status = EX_DATAERR;
			ht_answer_reason(r, "the record key of this post holds "
			    "another post");
		}
	} else if (http == 400 && strcmp(name, "RecordNotFound") == 0)
		found = 0;
	else if (http == 429 || http >= 500)
		transient(ans, http, now, said, r);
	else {
		r->kind = HT_XAPI_TRANSIENT;
		r->status = EX_UNAVAILABLE;
		ht_answer_reason(r, "cannot tell whether the post was made: "
		    "getRecord answered %d%s", http, said);
	}
	json_decref(body);
	return found;
}

int
ht_bsky_datetime(unsigned long long usec, char *buf, size_t size)
{
	struct tm tm;
	time_t t = (time_t)(usec / 1000000);
	char d[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(d, sizeof d, "%Y-%m-%dT%H:%M:%S", &tm) == 0 ||
	    snprintf(buf, size, "%s.%03uZ", d,
	    (unsigned)(usec % 1000000 / 1000)) >= (int)size)
		return -1;
	return 0;
}
