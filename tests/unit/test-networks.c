/*
 * Unit tests: lib/net-mastodon.c and lib/net-bsky.c (requests, answers),
 * lib/bsky.c (the session file)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "bsky.h"
#include "net-bsky.h"
#include "net-mastodon.h"

#define NOW	1700000000LL

static json_t *hdrs;

/* An answer: status, body, headers (name, value, ...; NULL). */
static struct ht_http_ans
ans(int status, const char *body, ...)
{
	struct ht_http_ans a;
	const char *k, *v;
	va_list ap;

	memset(&a, 0, sizeof a);
	json_decref(hdrs);
	hdrs = json_object();
	va_start(ap, body);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		json_object_set_new(hdrs, k, json_string(v));
	}
	va_end(ap);
	a.status = status;
	a.headers = hdrs;
	a.body = body;
	a.body_len = strlen(body);
	return a;
}

static const char *
header(const struct ht_http_req *r, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < r->nheaders; i++)
		if (strncmp(r->headers[i], name, n) == 0 &&
		    r->headers[i][n] == ':')
			return r->headers[i] + n + 2;
	return NULL;
}

static void
mastodon_request(void **state)
{
	struct ht_net_mastodon_conf c = { "https://mastodon.example/", "tok",
	    "unlisted", "en" };
	struct ht_post p = { "h\xc3\xa9llo", NULL, "ev-1", NULL };
	struct ht_http_req r, r2;
	struct ht_net *n;
	struct ht_err e;
	json_t *b;

	n = ht_net_mastodon_new(&c, &e);
	assert_non_null(n);
	memset(&r, 0, sizeof r);
	assert_int_equal(n->ops->build(n, &p, &r, &e), 0);
	assert_string_equal(r.method, "POST");
	assert_string_equal(r.url, "https://mastodon.example/api/v1/statuses");
	assert_string_equal(header(&r, "Authorization"), "Bearer tok");
	assert_non_null(header(&r, "Idempotency-Key"));
	b = json_loadb(r.body, r.body_len, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(b, "status")),
	    "h\xc3\xa9llo");
	assert_string_equal(json_string_value(json_object_get(b,
	    "visibility")), "unlisted");
	assert_string_equal(json_string_value(json_object_get(b, "language")),
	    "en");
	json_decref(b);

	/* The same id: the same key, whatever the text; another: another. */
	p.text = "other";
	memset(&r2, 0, sizeof r2);
	assert_int_equal(n->ops->build(n, &p, &r2, &e), 0);
	assert_string_equal(header(&r, "Idempotency-Key"),
	    header(&r2, "Idempotency-Key"));
	ht_http_req_free(&r2);
	p.id = "ev-2";
	assert_int_equal(n->ops->build(n, &p, &r2, &e), 0);
	assert_string_not_equal(header(&r, "Idempotency-Key"),
	    header(&r2, "Idempotency-Key"));
	ht_http_req_free(&r2);
	/* No id: the text's. */
	p.id = NULL;
	assert_int_equal(n->ops->build(n, &p, &r2, &e), 0);
	assert_string_not_equal(header(&r, "Idempotency-Key"),
	    header(&r2, "Idempotency-Key"));
	ht_http_req_free(&r2);
	ht_http_req_free(&r);
	ht_net_free(n);
}

static void
mastodon_answers(void **state)
{
	struct ht_net_mastodon_conf c = { "https://m.example", "tok", NULL,
	    NULL };
	struct ht_outcome o;
	struct ht_http_ans a;
	struct ht_net *n;
	struct ht_err e;

	n = ht_net_mastodon_new(&c, &e);
	a = ans(200, "{\"id\":\"110000000000000001\"}", NULL);
	n->ops->classify(n, &a, NOW, &o);
	assert_int_equal(o.kind, HT_POSTED);
	assert_string_equal(o.id, "110000000000000001");
	assert_string_equal(o.url, "https://m.example/statuses/"
	    "110000000000000001");

	a = ans(401, "{\"error\":\"The access token is invalid\"}", NULL);
	n->ops->classify(n, &a, NOW, &o);
	assert_int_equal(o.kind, HT_DENIED);
	assert_int_equal(o.status, EX_NOPERM);
	assert_non_null(strstr(o.reason, "The access token is invalid"));

	a = ans(403, "{}", NULL);
	n->ops->classify(n, &a, NOW, &o);
	assert_int_equal(o.status, EX_NOPERM);
	assert_non_null(strstr(o.reason, "write:statuses"));

	a = ans(422, "{\"error\":\"Validation failed: Text can't be blank\"}",
	    NULL);
	n->ops->classify(n, &a, NOW, &o);
	assert_int_equal(o.kind, HT_REJECTED);
	assert_int_equal(o.status, EX_DATAERR);

	/* 2023-11-14T22:13:20Z is NOW; the reset is 100 s later. */
	a = ans(429, "{\"error\":\"Too many requests\"}", "x-ratelimit-reset",
	    "2023-11-14T22:15:00.000Z", NULL);
	n->ops->classify(n, &a, NOW, &o);
	assert_int_equal(o.kind, HT_LIMITED);
	assert_int_equal(o.status, EX_TEMPFAIL);
	assert_int_equal(o.retry_at, NOW + 100);

	a = ans(503, "", NULL);
	n->ops->classify(n, &a, NOW, &o);
	assert_int_equal(o.kind, HT_KEPT);
	assert_int_equal(o.status, EX_UNAVAILABLE);

	a = ans(0, "", NULL);
	a.error = "refused";
	a.error_kind = "connect";
	n->ops->classify(n, &a, NOW, &o);
	assert_int_equal(o.kind, HT_KEPT);
	assert_non_null(strstr(o.reason, "cannot connect: refused"));

	a = ans(404, "<html>", NULL);
	n->ops->classify(n, &a, NOW, &o);
	assert_int_equal(o.kind, HT_BROKEN);
	ht_net_free(n);

	assert_int_equal(ht_net_mastodon_reset("2023-11-14T22:15:00Z", NOW),
	    NOW + 100);
	assert_int_equal(ht_net_mastodon_reset("2023-11-14T22:10:00Z", NOW),
	    0);
	assert_int_equal(ht_net_mastodon_reset("soon", NOW), 0);
	assert_int_equal(ht_net_mastodon_reset(NULL, NOW), 0);
}

static void
bsky_answers(void **state)
{
	static const char *const langs[] = { "en" };
	struct ht_net_bsky_conf c = { "http://pds.example", "me.example",
	    "pw", langs, 1, NULL };
	struct ht_outcome o;
	struct ht_http_ans a;
	struct ht_net *n;
	struct ht_err e;

	n = ht_net_bsky_new(&c, &e);
	assert_non_null(n);
	a = ans(200, "{\"uri\":\"at://did:plc:x/app.bsky.feed.post/"
	    "3kabcdefghijk\",\"cid\":\"bafy\"}", NULL);
	n->ops->classify(n, &a, NOW, &o);
	assert_int_equal(o.kind, HT_POSTED);
	assert_string_equal(o.id, "3kabcdefghijk");
	assert_string_equal(o.url, "https://bsky.app/profile/me.example/post/"
	    "3kabcdefghijk");

	a = ans(400, "{\"error\":\"ExpiredToken\",\"message\":\"Token has "
	    "expired\"}", NULL);
	n->ops->classify(n, &a, NOW, &o);
	assert_int_equal(o.kind, HT_KEPT);
	assert_non_null(strstr(o.reason, "refreshing"));

	a = ans(400, "{\"error\":\"InvalidRequest\",\"message\":\"Record/text "
	    "must not be longer than 300 graphemes\"}", NULL);
	n->ops->classify(n, &a, NOW, &o);
	assert_int_equal(o.kind, HT_REJECTED);
	assert_int_equal(o.status, EX_DATAERR);
	assert_non_null(strstr(o.reason, "300 graphemes"));

	a = ans(401, "{\"error\":\"AuthenticationRequired\"}", NULL);
	n->ops->classify(n, &a, NOW, &o);
	assert_int_equal(o.kind, HT_DENIED);

	a = ans(429, "{\"error\":\"RateLimitExceeded\"}", "ratelimit-reset",
	    "1700000300", NULL);
	n->ops->classify(n, &a, NOW, &o);
	assert_int_equal(o.kind, HT_LIMITED);
	assert_int_equal(o.retry_at, NOW + 300);

	a = ans(500, "{\"error\":\"InternalServerError\"}", NULL);
	n->ops->classify(n, &a, NOW, &o);
	assert_int_equal(o.kind, HT_KEPT);
	ht_net_free(n);

	assert_int_equal(ht_net_bsky_id_time("1700000000.123456.42.1.abc"),
	    1700000000123456ULL);
	assert_int_equal(ht_net_bsky_id_time("ev-1"), 0);
	assert_int_equal(ht_net_bsky_id_time("1700000000.12345.42"), 0);
	assert_int_equal(ht_net_bsky_id_time(NULL), 0);
	assert_int_equal(ht_net_bsky_event_time("acme/w:v1@2023-11-14T22:13:20Z"),
	    1700000000000000ULL);
	assert_int_equal(ht_net_bsky_event_time("a@b@2023-11-14T22:13:20.5Z"),
	    1700000000000000ULL);
	assert_int_equal(ht_net_bsky_event_time("acme/w:v1"), 0);
	assert_int_equal(ht_net_bsky_event_time("x@2023-11-14 22:13:20"), 0);
}

static void
bsky_session_file(void **state)
{
	struct ht_bsky_session s = { strdup("http://pds.example"),
	    strdup("me.example"), strdup("did:plc:abc"), strdup("acc"),
	    strdup("ref") }, t;
	static const char login[] = "{\"did\":\"did:plc:x\",\"accessJwt\":"
	    "\"A\",\"refreshJwt\":\"R\",\"handle\":\"me.example\"}";
	struct ht_err e;
	struct stat st;
	char path[] = "/tmp/ht-session-XXXXXX";
	char file[64];
	int fd;

	assert_non_null(mkdtemp(path));
	snprintf(file, sizeof file, "%s/bsky-session.json", path);
	assert_int_equal(ht_bsky_session_load(file, s.pds, s.handle, &t, &e),
	    0);
	assert_int_equal(ht_bsky_session_save(file, &s, &e), 0);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(ht_bsky_session_load(file, s.pds, s.handle, &t, &e),
	    1);
	assert_string_equal(t.access, "acc");
	assert_string_equal(t.refresh, "ref");
	assert_string_equal(t.did, "did:plc:abc");
	/* A login's answer replaces the tokens. */
	assert_int_equal(ht_bsky_session_from(login, strlen(login), &t), 0);
	assert_string_equal(t.access, "A");
	assert_string_equal(t.refresh, "R");
	assert_string_equal(t.did, "did:plc:x");
	assert_int_equal(ht_bsky_session_from("{}", 2, &t), -1);
	assert_string_equal(t.access, "A");
	ht_bsky_session_clear(&t);
	/* Another account's, or another PDS's: none. */
	assert_int_equal(ht_bsky_session_load(file, s.pds, "you.example", &t,
	    &e), 0);
	assert_int_equal(ht_bsky_session_load(file, "https://bsky.social",
	    s.handle, &t, &e), 0);
	/* Readable by others: refused. */
	assert_int_equal(chmod(file, 0644), 0);
	assert_int_equal(ht_bsky_session_load(file, s.pds, s.handle, &t, &e),
	    -1);
	assert_non_null(strstr(e.msg, "only they can read"));
	/* A broken one: none, a new login. */
	assert_int_equal(unlink(file), 0);
	fd = open(file, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"pds\":", 7), 7);
	close(fd);
	assert_int_equal(ht_bsky_session_load(file, s.pds, s.handle, &t, &e),
	    0);
	unlink(file);
	rmdir(path);
	ht_bsky_session_clear(&s);
}

static void
datetime(void **state)
{
	char b[40];

	assert_int_equal(ht_bsky_datetime(1700000000123456ULL, b, sizeof b),
	    0);
	assert_string_equal(b, "2023-11-14T22:13:20.123Z");
	assert_int_equal(ht_bsky_datetime(1700000000123456ULL, b, 10), -1);
}

static int
teardown(void **state)
{
	json_decref(hdrs);
	hdrs = NULL;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mastodon_request),
		cmocka_unit_test(mastodon_answers),
		cmocka_unit_test(bsky_answers),
		cmocka_unit_test(bsky_session_file),
		cmocka_unit_test(datetime),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
