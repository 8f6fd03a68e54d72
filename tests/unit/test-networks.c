/* Unit tests: lib/mastodon.c and lib/bsky.c (requests, answers, sessions) */
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
#include "mastodon.h"

#define NOW	1700000000LL

/* A tw-send answer: status, body, headers (name, value, ...; NULL). */
static json_t *
ans(int status, const char *body, ...)
{
	json_t *a = json_pack("{s:i,s:{},s:s}", "status", status, "headers",
	    "body", body);
	const char *k, *v;
	va_list ap;

	assert_non_null(a);
	va_start(ap, body);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		json_object_set_new(json_object_get(a, "headers"), k,
		    json_string(v));
	}
	va_end(ap);
	return a;
}

static const char *
header(const json_t *req, size_t i)
{
	return json_string_value(json_array_get(json_object_get(req,
	    "headers"), i));
}

static void
mastodon_request(void **state)
{
	struct ht_mastodon_conf c = { "https://mastodon.example/", "unlisted",
	    "en" };
	struct ht_err e;
	json_t *req, *b;

	req = ht_mastodon_request(&c, "tok", "h\xc3\xa9llo", "hubtweet-k1",
	    &e);
	assert_non_null(req);
	assert_string_equal(json_string_value(json_object_get(req, "url")),
	    "https://mastodon.example/api/v1/statuses");
	assert_string_equal(json_string_value(json_object_get(req, "method")),
	    "POST");
	assert_string_equal(header(req, 0), "Authorization: Bearer tok");
	assert_string_equal(header(req, 1), "Idempotency-Key: hubtweet-k1");
	b = json_loads(json_string_value(json_object_get(req, "body")), 0,
	    NULL);
	assert_non_null(b);
	assert_string_equal(json_string_value(json_object_get(b, "status")),
	    "h\xc3\xa9llo");
	assert_string_equal(json_string_value(json_object_get(b,
	    "visibility")), "unlisted");
	assert_string_equal(json_string_value(json_object_get(b, "language")),
	    "en");
	json_decref(b);
	ht_mastodon_request_wipe(req);

	c.visibility = c.language = NULL;
	req = ht_mastodon_request(&c, "tok", "x", "k", &e);
	b = json_loads(json_string_value(json_object_get(req, "body")), 0,
	    NULL);
	assert_int_equal(json_object_size(b), 1);
	json_decref(b);
	ht_mastodon_request_wipe(req);
}

static void
mastodon_answers(void **state)
{
	struct ht_xapi_result r;
	json_t *a;

	a = ans(200, "{\"id\":\"110000000000000001\"}", NULL);
	ht_mastodon_classify(a, NOW, &r);
	assert_int_equal(r.kind, HT_XAPI_OK);
	assert_string_equal(r.id, "110000000000000001");
	json_decref(a);

	a = ans(401, "{\"error\":\"The access token is invalid\"}", NULL);
	ht_mastodon_classify(a, NOW, &r);
	assert_int_equal(r.kind, HT_XAPI_PERMANENT);
	assert_int_equal(r.status, EX_NOPERM);
	assert_non_null(strstr(r.reason, "The access token is invalid"));
	json_decref(a);

	a = ans(403, "{}", NULL);
	ht_mastodon_classify(a, NOW, &r);
	assert_int_equal(r.status, EX_NOPERM);
	assert_non_null(strstr(r.reason, "write:statuses"));
	json_decref(a);

	a = ans(422, "{\"error\":\"Validation failed: Text can't be blank\"}",
	    NULL);
	ht_mastodon_classify(a, NOW, &r);
	assert_int_equal(r.kind, HT_XAPI_PERMANENT);
	assert_int_equal(r.status, EX_DATAERR);
	json_decref(a);

	/* 2023-11-14T22:13:20Z is NOW; the reset is 100 s later. */
	a = ans(429, "{\"error\":\"Too many requests\"}", "x-ratelimit-reset",
	    "2023-11-14T22:15:00.000Z", NULL);
	ht_mastodon_classify(a, NOW, &r);
	assert_int_equal(r.kind, HT_XAPI_TRANSIENT);
	assert_int_equal(r.status, EX_TEMPFAIL);
	assert_int_equal(r.retry_at, NOW + 100);
	json_decref(a);

	a = ans(503, "", NULL);
	ht_mastodon_classify(a, NOW, &r);
	assert_int_equal(r.kind, HT_XAPI_TRANSIENT);
	assert_int_equal(r.status, EX_UNAVAILABLE);
	json_decref(a);

	a = json_pack("{s:i,s:s,s:s}", "status", 0, "error", "refused",
	    "kind", "connect");
	ht_mastodon_classify(a, NOW, &r);
	assert_int_equal(r.kind, HT_XAPI_TRANSIENT);
	assert_non_null(strstr(r.reason, "cannot connect"));
	json_decref(a);

	assert_int_equal(ht_mastodon_reset("2023-11-14T22:15:00Z", NOW),
	    NOW + 100);
	assert_int_equal(ht_mastodon_reset("2023-11-14T22:10:00Z", NOW), 0);
	assert_int_equal(ht_mastodon_reset("soon", NOW), 0);
	assert_int_equal(ht_mastodon_reset(NULL, NOW), 0);
}

static void
mastodon_instance(void **state)
{
	struct ht_err e;
	json_t *req, *a;

	req = ht_mastodon_instance_request("https://m.example//", &e);
	assert_string_equal(json_string_value(json_object_get(req, "url")),
	    "https://m.example/api/v2/instance");
	assert_string_equal(json_string_value(json_object_get(req, "method")),
	    "GET");
	json_decref(req);
	a = ans(200, "{\"configuration\":{\"statuses\":{\"max_characters\":"
	    "5000}}}", NULL);
	assert_int_equal(ht_mastodon_max_characters(a), 5000);
	json_decref(a);
	a = ans(200, "{\"configuration\":{}}", NULL);
	assert_int_equal(ht_mastodon_max_characters(a), 0);
	json_decref(a);
	a = ans(200, "{\"configuration\":{\"statuses\":{\"max_characters\":"
	    "-1}}}", NULL);
	assert_int_equal(ht_mastodon_max_characters(a), 0);
	json_decref(a);
	a = ans(404, "{}", NULL);
	assert_int_equal(ht_mastodon_max_characters(a), 0);
	json_decref(a);
}

static struct ht_bsky_session
session(void)
{
	struct ht_bsky_session s = { strdup("http://pds.example"),
	    strdup("me.example"), strdup("did:plc:abc"), strdup("acc"),
	    strdup("ref") };

	return s;
}

static void
bsky_requests(void **state)
{
	static const char text[] = "h\xc3\xa9llo https://example.com/r/v1";
	static const char *const langs[] = { "en", "fr" };
	struct ht_bsky_session s = session();
	struct ht_err e;
	json_t *req, *b, *rec, *f;

	req = ht_bsky_login_request("http://pds.example/", "me.example", "pw",
	    &e);
	assert_string_equal(json_string_value(json_object_get(req, "url")),
	    "http://pds.example/xrpc/com.atproto.server.createSession");
	b = json_loads(json_string_value(json_object_get(req, "body")), 0,
	    NULL);
	assert_string_equal(json_string_value(json_object_get(b,
	    "identifier")), "me.example");
	assert_string_equal(json_string_value(json_object_get(b, "password")),
	    "pw");
	json_decref(b);
	ht_bsky_request_free(req);

	req = ht_bsky_refresh_request(&s, &e);
	assert_string_equal(header(req, 0), "Authorization: Bearer ref");
	assert_null(json_object_get(req, "body"));
	ht_bsky_request_free(req);

	req = ht_bsky_post_request(&s, text, strlen(text), langs, 2,
	    "2023-11-14T22:13:20.000Z", "3kabcdefghijk", &e);
	assert_non_null(req);
	assert_string_equal(header(req, 0), "Authorization: Bearer acc");
	b = json_loads(json_string_value(json_object_get(req, "body")), 0,
	    NULL);
	assert_string_equal(json_string_value(json_object_get(b, "repo")),
	    "did:plc:abc");
	assert_string_equal(json_string_value(json_object_get(b, "rkey")),
	    "3kabcdefghijk");
	rec = json_object_get(b, "record");
	assert_string_equal(json_string_value(json_object_get(rec, "text")),
	    text);
	assert_string_equal(json_string_value(json_object_get(rec,
	    "createdAt")), "2023-11-14T22:13:20.000Z");
	assert_int_equal(json_array_size(json_object_get(rec, "langs")), 2);
	f = json_array_get(json_object_get(rec, "facets"), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(f,
	    "index"), "byteStart")), 7);
	json_decref(b);
	ht_bsky_request_free(req);

	/* No link, no key, no langs: none of those members. */
	req = ht_bsky_post_request(&s, "plain", 5, NULL, 0, "t", NULL, &e);
	b = json_loads(json_string_value(json_object_get(req, "body")), 0,
	    NULL);
	assert_null(json_object_get(b, "rkey"));
	assert_null(json_object_get(json_object_get(b, "record"), "facets"));
	assert_null(json_object_get(json_object_get(b, "record"), "langs"));
	json_decref(b);
	ht_bsky_request_free(req);

	req = ht_bsky_get_request(&s, "3kabcdefghijk", &e);
	assert_string_equal(json_string_value(json_object_get(req, "url")),
	    "http://pds.example/xrpc/com.atproto.repo.getRecord?repo="
	    "did:plc:abc&collection=app.bsky.feed.post&rkey=3kabcdefghijk");
	ht_bsky_request_free(req);
	ht_bsky_session_clear(&s);
}

static void
bsky_answers(void **state)
{
	struct ht_bsky_session s = { 0 };
	struct ht_xapi_result r;
	enum ht_bsky_hint h;
	json_t *a;

	a = ans(200, "{\"did\":\"did:plc:x\",\"accessJwt\":\"A\","
	    "\"refreshJwt\":\"R\"}", NULL);
	ht_bsky_session_classify(a, NOW, &s, &r);
	assert_int_equal(r.kind, HT_XAPI_OK);
	assert_string_equal(s.did, "did:plc:x");
	assert_string_equal(s.access, "A");
	assert_string_equal(s.refresh, "R");
	ht_bsky_session_clear(&s);
	json_decref(a);

	a = ans(401, "{\"error\":\"AuthenticationRequired\",\"message\":"
	    "\"Invalid identifier or password\"}", NULL);
	ht_bsky_session_classify(a, NOW, &s, &r);
	assert_int_equal(r.kind, HT_XAPI_PERMANENT);
	assert_int_equal(r.status, EX_NOPERM);
	assert_non_null(strstr(r.reason, "app password"));
	json_decref(a);

	a = ans(429, "{\"error\":\"RateLimitExceeded\"}", "ratelimit-reset",
	    "1700000300", NULL);
	ht_bsky_session_classify(a, NOW, &s, &r);
	assert_int_equal(r.status, EX_TEMPFAIL);
	assert_int_equal(r.retry_at, NOW + 300);
	json_decref(a);

	a = ans(200, "{\"uri\":\"at://did:plc:x/app.bsky.feed.post/"
	    "3kabcdefghijk\",\"cid\":\"bafy\"}", NULL);
	ht_bsky_classify(a, NOW, 1, &r, &h);
	assert_int_equal(r.kind, HT_XAPI_OK);
	assert_string_equal(r.id, "3kabcdefghijk");
	assert_int_equal(h, HT_BSKY_NONE);
	json_decref(a);

	a = ans(400, "{\"error\":\"ExpiredToken\",\"message\":\"Token has "
	    "expired\"}", NULL);
	ht_bsky_classify(a, NOW, 1, &r, &h);
	assert_int_equal(h, HT_BSKY_EXPIRED);
	json_decref(a);

	/* A key that exists: 500 from today's PDS, or a named error. */
	a = ans(500, "{\"error\":\"InternalServerError\"}", NULL);
	ht_bsky_classify(a, NOW, 1, &r, &h);
	assert_int_equal(r.kind, HT_XAPI_TRANSIENT);
	assert_int_equal(h, HT_BSKY_MAY_EXIST);
	ht_bsky_classify(a, NOW, 0, &r, &h);
	assert_int_equal(h, HT_BSKY_NONE);
	json_decref(a);
	a = ans(400, "{\"error\":\"RecordAlreadyExists\"}", NULL);
	ht_bsky_classify(a, NOW, 1, &r, &h);
	assert_int_equal(h, HT_BSKY_MAY_EXIST);
	json_decref(a);

	a = ans(400, "{\"error\":\"InvalidRequest\",\"message\":\"Record/text "
	    "must not be longer than 300 graphemes\"}", NULL);
	ht_bsky_classify(a, NOW, 1, &r, &h);
	assert_int_equal(r.kind, HT_XAPI_PERMANENT);
	assert_int_equal(r.status, EX_DATAERR);
	assert_non_null(strstr(r.reason, "300 graphemes"));
	json_decref(a);

	a = ans(401, "{\"error\":\"AuthenticationRequired\"}", NULL);
	ht_bsky_classify(a, NOW, 1, &r, &h);
	assert_int_equal(r.status, EX_NOPERM);
	json_decref(a);

	/* getRecord: ours, none, another post. */
	a = ans(200, "{\"value\":{\"text\":\"h\xc3\xa9llo\"}}", NULL);
	assert_int_equal(ht_bsky_get_classify(a, NOW, "h\xc3\xa9llo", 6, &r),
	    1);
	assert_int_equal(ht_bsky_get_classify(a, NOW, "other", 5, &r), -1);
	assert_int_equal(r.kind, HT_XAPI_PERMANENT);
	json_decref(a);
	a = ans(400, "{\"error\":\"RecordNotFound\"}", NULL);
	assert_int_equal(ht_bsky_get_classify(a, NOW, "x", 1, &r), 0);
	json_decref(a);
}

static void
bsky_session_file(void **state)
{
	struct ht_bsky_session s = session(), t;
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mastodon_request),
		cmocka_unit_test(mastodon_answers),
		cmocka_unit_test(mastodon_instance),
		cmocka_unit_test(bsky_requests),
		cmocka_unit_test(bsky_answers),
		cmocka_unit_test(bsky_session_file),
		cmocka_unit_test(datetime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
