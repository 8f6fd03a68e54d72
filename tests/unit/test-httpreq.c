/* Unit tests: lib/httpreq.c, lib/secret.c, lib/webhook.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include <cmocka.h>

#include "httpreq.h"
#include "util.h"
#include "secret.h"
#include "webhook.h"

static const struct ht_httpreq_limits lim = { 8192, 1024, 200, 0 };

/* Read the request text through a socketpair; close the writer if eof. */
static int
read_req(const char *text, size_t len, int eof, ht_httpreq_head_fn *head,
    void *arg, struct ht_httpreq *r, struct ht_err *e)
{
	int sv[2], st;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], text, len), (ssize_t)len);
	if (eof)
		(void)shutdown(sv[1], SHUT_WR);
	ht_err_clear(e);
	st = ht_httpreq_read(sv[0], &lim, head, arg, r, e);
	(void)close(sv[0]);
	(void)close(sv[1]);
	return st;
}
#define REQ(s, eof, r, e)	read_req(s, sizeof s - 1, eof, NULL, NULL, r, e)

static void
query(void **state)
{
	static const char *const names[] = { "key", "dockerkey", NULL };
	size_t len;
	int nomem;
	char *v;

	v = ht_query_get("a=1&key=x%2Dy+z&key=no", names, &len, &nomem);
	assert_string_equal(v, "x-y z");
	assert_int_equal(len, 5);
	free(v);
	v = ht_query_get("keys=1&dockerkey=abc", names, &len, &nomem);
	assert_string_equal(v, "abc");
	free(v);
	v = ht_query_get("key", names, &len, &nomem);
	assert_string_equal(v, "");
	free(v);
	v = ht_query_get("k=%zz&key=%4", names, &len, &nomem);
	assert_string_equal(v, "%4");
	free(v);
	v = ht_query_get("key=a%00b", names, &len, &nomem);
	assert_int_equal(len, 3);
	free(v);
	assert_null(ht_query_get("x=1&keyx=2", names, &len, &nomem));
	assert_false(nomem);
	assert_null(ht_query_get(NULL, names, &len, &nomem));
}

static void
secret(void **state)
{
	struct ht_secret s;
	struct ht_err e;

	ht_err_clear(&e);
	assert_int_equal(ht_secret_str(&s, "abc", "k", &e), 0);
	assert_true(ht_secret_equal(&s, "abc", 3));
	assert_false(ht_secret_equal(&s, "ab", 2));
	assert_false(ht_secret_equal(&s, "abcd", 4));
	assert_false(ht_secret_equal(&s, "abd", 3));
	assert_false(ht_secret_equal(&s, "", 0));
	ht_secret_wipe(&s);
	assert_false(ht_secret_equal(&s, "", 0));
	assert_int_equal(ht_secret_str(&s, "", "DH_KEY", &e), -1);
	assert_string_equal(e.msg, "DH_KEY is empty");
	assert_int_equal(e.status, EX_CONFIG);
}

static void
request(void **state)
{
	struct ht_httpreq r;
	struct ht_err e;

	assert_int_equal(REQ("POST /hook?key=k&x=1 HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 4\r\n\r\n{\"a\"", 0, &r, &e), 0);
	assert_string_equal(r.body, "{\"a\"");
	ht_httpreq_free(&r);
	assert_int_equal(REQ("POST /hook?key=k&x=1 HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 7\r\n\r\n{\"a\":1}", 0, &r, &e), 0);
	assert_string_equal(r.method, "POST");
	assert_true(r.is_post);
	assert_string_equal(r.path, "/hook");
	assert_string_equal(r.query, "key=k&x=1");
	assert_int_equal(r.body_len, 7);
	assert_string_equal(r.body, "{\"a\":1}");
	ht_httpreq_free(&r);
	/* Chunked, with a trailer; absolute form. */
	assert_int_equal(REQ("POST http://h/p HTTP/1.1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n"
	    "X: y\r\n\r\n", 0, &r, &e), 0);
	assert_string_equal(r.path, "/p");
	assert_null(r.query);
	assert_string_equal(r.body, "abcde");
	assert_true(r.chunked);
	ht_httpreq_free(&r);
}

static void
refusals(void **state)
{
	struct ht_httpreq r;
	struct ht_err e;
	char big[9000 + 64];

	assert_int_equal(REQ("POST / HTTP/1.1\r\n\r\n", 0, &r, &e), 411);
	ht_httpreq_free(&r);
	assert_int_equal(REQ("POST / HTTP/1.1\r\nContent-Length: 1025\r\n\r\n",
	    0, &r, &e), 413);
	assert_string_equal(e.msg,
	    "body of 1025 bytes is over the limit of 1024 bytes");
	ht_httpreq_free(&r);
	assert_int_equal(REQ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked"
	    "\r\n\r\n401\r\n", 0, &r, &e), 408);	/* the chunk never comes */
	ht_httpreq_free(&r);
	assert_int_equal(REQ("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab",
	    0, &r, &e), 408);
	assert_string_equal(e.msg, "request not complete after 0 s");
	ht_httpreq_free(&r);
	assert_int_equal(REQ("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab",
	    1, &r, &e), 400);
	assert_string_equal(e.msg,
	    "connection closed before the request was complete");
	ht_httpreq_free(&r);
	assert_int_equal(REQ("POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
	    0, &r, &e), 400);
	ht_httpreq_free(&r);
	assert_int_equal(REQ("\x01\r\n\r\n", 0, &r, &e), 400);
	ht_httpreq_free(&r);
	memcpy(big, "POST / HTTP/1.1\r\nX: ", 20);
	memset(big + 20, 'a', 9000);
	memcpy(big + 9020, "\r\n\r\n", 4);
	assert_int_equal(read_req(big, 9024, 1, NULL, NULL, &r, &e), 431);
	ht_httpreq_free(&r);
}

/* The request line and headers have a deadline of their own. */
static void
head_deadline(void **state)
{
	static const struct ht_httpreq_limits l = { 8192, 1024, 5000, 1000 };
	static const char head[] = "POST /x HTTP/1.1\r\nHost: x\r\n";
	static const char full[] = "POST /x HTTP/1.1\r\nContent-Length: 2"
	    "\r\n\r\n{";
	struct ht_httpreq r;
	struct ht_err e;
	long long t0;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], head, sizeof head - 1),
	    (ssize_t)(sizeof head - 1));
	t0 = ht_now_ms();
	assert_int_equal(ht_httpreq_read(sv[0], &l, NULL, NULL, &r, &e), 408);
	assert_string_equal(e.msg, "request line and headers not complete "
	    "after 1 s");
	assert_true(ht_now_ms() - t0 < 4000);
	ht_httpreq_free(&r);
	(void)close(sv[0]);
	(void)close(sv[1]);
	/* Once the head is in, the body has the rest of the whole deadline. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], full, sizeof full - 1),
	    (ssize_t)(sizeof full - 1));
	t0 = ht_now_ms();
	assert_int_equal(ht_httpreq_read(sv[0], &l, NULL, NULL, &r, &e), 408);
	assert_string_equal(e.msg, "request not complete after 5 s");
	assert_true(ht_now_ms() - t0 >= 4000);
	ht_httpreq_free(&r);
	(void)close(sv[0]);
	(void)close(sv[1]);
}

static void
judge(void **state)
{
	struct ht_secret key;
	struct ht_filter f = { .skip_latest = 1 };
	struct ht_webhook w = { .path = "/dockerhub", .key = &key,
	    .filter = &f, .max_body = 1024 };
	struct ht_httpreq r;
	struct ht_err e;
	json_t *ev;
	char why[128], *s;

	assert_int_equal(ht_secret_str(&key, "k1", "k", &e), 0);
#define JREQ(s)	read_req(s, sizeof s - 1, 0, ht_webhook_head, &w, &r, &e)
	assert_int_equal(JREQ("GET /dockerhub?key=k1 HTTP/1.1\r\n\r\n"), 405);
	ht_httpreq_free(&r);
	assert_int_equal(JREQ("POST /x?key=k1 HTTP/1.1\r\n\r\n"), 404);
	ht_httpreq_free(&r);
	assert_int_equal(JREQ("POST /dockerhub?key=k2 HTTP/1.1\r\n\r\n"), 403);
	assert_int_equal(e.status, EX_NOPERM);
	ht_httpreq_free(&r);
	/*
	 * The key is checked as soon as the request line is read: neither a
	 * malformed header nor a head that never ends gets further.
	 */
	assert_int_equal(JREQ("POST /dockerhub?key=k2 HTTP/1.1\r\n"
	    "Bad header line\r\n\r\n"), 403);
	ht_httpreq_free(&r);
	assert_int_equal(JREQ("POST /dockerhub?key=k2 HTTP/1.1\r\nHost: x"),
	    403);
	ht_httpreq_free(&r);
	/* The key is checked before the length. */
	assert_int_equal(JREQ("POST /dockerhub?dockerkey=k1 HTTP/1.1\r\n\r\n"),
	    411);
	ht_httpreq_free(&r);
	ht_secret_wipe(&key);

	assert_int_equal(ht_webhook_event(&w, "", 0, &ev, why, sizeof why, &e),
	    -1);
	assert_string_equal(e.msg, "empty body");
	assert_int_equal(ht_webhook_event(&w, "{} {}", 5, &ev, why,
	    sizeof why, &e), -1);
	assert_string_equal(e.msg, "more than one JSON value in the body");
	s = "{\"push_data\":{\"tag\":\"latest\",\"pushed_at\":1},"
	    "\"repository\":{\"repo_name\":\"a/b\"}}";
	assert_int_equal(ht_webhook_event(&w, s, strlen(s), &ev, why,
	    sizeof why, &e), 0);
	assert_string_equal(why, "tag 'latest' is skipped");
	json_decref(ev);
	f.skip_latest = 0;
	assert_int_equal(ht_webhook_event(&w, s, strlen(s), &ev, why,
	    sizeof why, &e), 1);
	assert_int_equal(json_array_size(ev), 1);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(ev, 0), "id")), "a/b:latest@1970-01-01T00:00:01Z");
	json_decref(ev);

	s = ht_webhook_answer("error", NULL, "bad \"x\"");
	assert_string_equal(s, "{\"status\":\"error\",\"reason\":\"bad \\\"x\\\"\"}");
	free(s);
}

/* The other sources: their paths, their proofs, 404 without a secret. */
static void
sources(void **state)
{
	struct ht_secret gh, hb;
	struct ht_filter f = { .skip_latest = 1 };
	struct ht_route routes[] = {
		{ "/github", HT_SRC_GITHUB, &gh },
		{ "/harbor", HT_SRC_HARBOR, &hb },
		{ "/quay", HT_SRC_QUAY, NULL },
	};
	struct ht_webhook w = { .path = "/dockerhub", .key = NULL,
	    .filter = &f, .max_body = 1024, .routes = routes, .n_routes = 3 };
	/* RFC 4231, test case 2. */
	const char *mac = "sha256=5bdcc146bf60754e6a042426089575c75a003f089"
	    "d2739839dec58b964ec3843";
	struct ht_httpreq r;
	struct ht_err e;
	char buf[512];

	(void)state;
	assert_int_equal(ht_secret_str(&gh, "Jefe", "g", &e), 0);
	assert_int_equal(ht_secret_str(&hb, "Basic aGFyYm9y", "h", &e), 0);
	/* No secret, no path: Docker Hub's and Quay's here. */
	assert_int_equal(JREQ("POST /dockerhub?key=x HTTP/1.1\r\n\r\n"), 404);
	ht_httpreq_free(&r);
	assert_int_equal(JREQ("POST /quay?key=x HTTP/1.1\r\n\r\n"), 404);
	ht_httpreq_free(&r);
	(void)snprintf(buf, sizeof buf, "POST /github HTTP/1.1\r\n"
	    "X-Hub-Signature-256: %s\r\nContent-Length: 28\r\n\r\n"
	    "what do ya want for nothing?", mac);
	assert_int_equal(read_req(buf, strlen(buf), 0, ht_webhook_head, &w,
	    &r, &e), 0);
	assert_int_equal(w.source, HT_SRC_GITHUB);
	assert_int_equal(ht_webhook_proof(&w, &r, &e), 0);
	ht_httpreq_free(&r);
	/* One byte of the body changed, or no signature: 401. */
	buf[strlen(buf) - 1] = '!';
	assert_int_equal(read_req(buf, strlen(buf), 0, ht_webhook_head, &w,
	    &r, &e), 0);
	assert_int_equal(ht_webhook_proof(&w, &r, &e), 401);
	assert_string_equal(e.msg, "wrong X-Hub-Signature-256");
	assert_int_equal(e.status, EX_NOPERM);
	ht_httpreq_free(&r);
	assert_int_equal(JREQ("POST /github HTTP/1.1\r\nContent-Length: 2"
	    "\r\n\r\n{}"), 0);
	assert_int_equal(ht_webhook_proof(&w, &r, &e), 401);
	assert_string_equal(e.msg, "no X-Hub-Signature-256");
	ht_httpreq_free(&r);
	/* Harbor: the Authorization value itself; sent twice proves nothing. */
	assert_int_equal(JREQ("POST /harbor HTTP/1.1\r\nAuthorization:  "
	    "Basic aGFyYm9y \r\nContent-Length: 2\r\n\r\n{}"), 0);
	assert_int_equal(ht_webhook_proof(&w, &r, &e), 0);
	ht_httpreq_free(&r);
	assert_int_equal(JREQ("POST /harbor HTTP/1.1\r\nAuthorization: "
	    "Basic aGFyYm9y\r\nAuthorization: Basic aGFyYm9y\r\n"
	    "Content-Length: 2\r\n\r\n{}"), 0);
	assert_int_equal(ht_webhook_proof(&w, &r, &e), 401);
	assert_string_equal(e.msg, "wrong Authorization");
	ht_httpreq_free(&r);
	ht_secret_wipe(&gh);
	ht_secret_wipe(&hb);
}

static void
peer(void **state)
{
	char buf[80];
	int sv[2];

	unsetenv("SOCAT_PEERADDR");
	unsetenv("REMOTE_ADDR");
	unsetenv("TCPREMOTEIP");
	setenv("TCPREMOTEIP", "192.0.2.7", 1);
	setenv("TCPREMOTEPORT", "4711", 1);
	assert_string_equal(ht_peer_name(-1, buf, sizeof buf),
	    "192.0.2.7:4711");
	setenv("REMOTE_ADDR", "2001:db8::1", 1);
	setenv("REMOTE_PORT", "80", 1);
	assert_string_equal(ht_peer_name(-1, buf, sizeof buf),
	    "[2001:db8::1]:80");
	/* Not an address: the next source is asked. */
	setenv("SOCAT_PEERADDR", "evil\nline", 1);
	assert_string_equal(ht_peer_name(-1, buf, sizeof buf),
	    "[2001:db8::1]:80");
	setenv("SOCAT_PEERADDR", "10.0.0.1", 1);
	setenv("SOCAT_PEERPORT", "x", 1);
	assert_string_equal(ht_peer_name(-1, buf, sizeof buf), "10.0.0.1");
	unsetenv("SOCAT_PEERADDR");
	unsetenv("REMOTE_ADDR");
	unsetenv("TCPREMOTEIP");
	/* A socket that is not TCP, or none at all. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_string_equal(ht_peer_name(sv[0], buf, sizeof buf), "-");
	(void)close(sv[0]);
	(void)close(sv[1]);
	assert_string_equal(ht_peer_name(-1, buf, sizeof buf), "-");
}

static void
reply(void **state)
{
	char buf[512];
	ssize_t n;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(ht_http_reply(sv[0], 405, "Allow: POST\r\n", "{}", 2),
	    0);
	n = read(sv[1], buf, sizeof buf - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "HTTP/1.1 405 Method Not Allowed\r\n"
	    "Allow: POST\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 2\r\n"
	    "Connection: close\r\n"
	    "\r\n"
	    "{}");
	(void)close(sv[0]);
	(void)close(sv[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(query),
		cmocka_unit_test(secret),
		cmocka_unit_test(request),
		cmocka_unit_test(refusals),
		cmocka_unit_test(judge),
		cmocka_unit_test(sources),
		cmocka_unit_test(head_deadline),
		cmocka_unit_test(peer),
		cmocka_unit_test(reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
