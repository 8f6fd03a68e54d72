/* Unit tests: lib/net-x.c, how X's answers are classified. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <cmocka.h>

#include "net-x.h"
#include "sender.h"

#define NOW 1700000000LL

/* What X would say to the network (v1: the legacy API) of answer a. */
static void
classify_ans(const struct ht_http_ans *a, int v1, struct ht_outcome *r)
{
	const struct ht_net_x_conf c = { NULL, v1 };
	const struct ht_oauth_cred cred = { "ck", "cs", "t", "ts" };
	struct ht_err e;
	struct ht_net *n;

	n = ht_net_x_new(&c, &cred, &e);
	assert_non_null(n);
	n->ops->classify(n, a, NOW, r);
	ht_net_free(n);
}

/* Classify an answer with status http, headers hdrs (JSON) and body. */
static void
classify(int http, const char *hdrs, const char *body, int v1,
    struct ht_outcome *r)
{
	struct ht_http_ans a = { 0 };
	json_t *h;

	h = json_loads(hdrs != NULL ? hdrs : "{}", 0, NULL);
	assert_non_null(h);
	a.status = http;
	a.headers = h;
	a.body = body;
	a.body_len = strlen(body);
	classify_ans(&a, v1, r);
	json_decref(h);
}

static void
posted(void **state)
{
	struct ht_outcome r;

	classify(201, NULL, "{\"data\":{\"id\":\"1445880548472328192\","
	    "\"text\":\"hi\"}}", 0, &r);
	assert_int_equal(r.kind, HT_POSTED);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.id, "1445880548472328192");
	classify(200, NULL, "{\"id\":123,\"id_str\":\"123\"}", 1, &r);
	assert_int_equal(r.kind, HT_POSTED);
	assert_string_equal(r.id, "123");
	/* Posted or not, nobody knows: try again, X refuses a duplicate. */
	classify(201, NULL, "<html>", 0, &r);
	assert_int_equal(r.kind, HT_KEPT);
	assert_string_equal(r.reason, "X answered 201 without a post id");
}

static void
duplicate(void **state)
{
	struct ht_outcome r;

	classify(403, NULL, "{\"detail\":\"You are not allowed to create a "
	    "Tweet with duplicate content.\",\"type\":\"about:blank\","
	    "\"title\":\"Forbidden\",\"status\":403}", 0, &r);
	assert_int_equal(r.kind, HT_ALREADY);
	assert_int_equal(r.status, 0);
	classify(403, NULL, "{\"errors\":[{\"code\":187,\"message\":"
	    "\"Status is a duplicate.\"}]}", 1, &r);
	assert_int_equal(r.kind, HT_ALREADY);
	assert_string_equal(r.reason,
	    "already posted (X: \"Status is a duplicate.\")");
}

static void
refused(void **state)
{
	struct ht_outcome r;

	classify(401, NULL, "{\"title\":\"Unauthorized\",\"type\":"
	    "\"about:blank\",\"status\":401,\"detail\":\"Unauthorized\"}", 0,
	    &r);
	assert_int_equal(r.kind, HT_DENIED);
	assert_int_equal(r.status, EX_NOPERM);
	assert_non_null(strstr(r.reason, "refused the credentials (401)"));
	classify(401, NULL, "{\"errors\":[{\"code\":89,\"message\":"
	    "\"Invalid or expired token.\"}]}", 1, &r);
	assert_non_null(strstr(r.reason, "refused the access token (401)"));
	classify(403, NULL, "{\"title\":\"Forbidden\",\"type\":"
	    "\"https://api.twitter.com/2/problems/oauth1-permissions\","
	    "\"detail\":\"Your client app is not configured with the "
	    "appropriate oauth1 app permissions for this endpoint.\"}", 0, &r);
	assert_int_equal(r.status, EX_NOPERM);
	assert_non_null(strstr(r.reason, "the app is read-only"));
	classify(403, NULL, "{\"reason\":\"client-not-enrolled\",\"type\":"
	    "\"https://api.twitter.com/2/problems/client-forbidden\","
	    "\"detail\":\"...must use keys and tokens from a Twitter "
	    "developer App that is attached to a Project.\"}", 0, &r);
	assert_non_null(strstr(r.reason, "not attached to a project"));
	classify(403, NULL, "{\"errors\":[{\"code\":64,\"message\":\"Your "
	    "account is suspended\"}]}", 1, &r);
	assert_non_null(strstr(r.reason, "the account is suspended"));
	classify(400, NULL, "{\"errors\":[{\"message\":\"Invalid text\"}],"
	    "\"title\":\"Invalid Request\",\"detail\":\"One or more "
	    "parameters to your request was invalid.\"}", 0, &r);
	assert_int_equal(r.kind, HT_REJECTED);
	assert_int_equal(r.status, EX_DATAERR);
	assert_string_equal(r.reason,
	    "X rejected the post (400) (X: \"Invalid text\")");
	classify(404, NULL, "Not Found", 0, &r);
	assert_int_equal(r.kind, HT_BROKEN);
	assert_int_equal(r.status, EX_UNAVAILABLE);
	assert_string_equal(r.reason, "unexpected answer 404 from X");
}

static void
transient(void **state)
{
	struct ht_outcome r;
	struct ht_http_ans a = { 0 };
	json_t *h;

	classify(429, "{\"x-rate-limit-remaining\":\"0\","
	    "\"x-rate-limit-reset\":\"1700000900\"}", "{\"title\":"
	    "\"Too Many Requests\",\"detail\":\"Too Many Requests\"}", 0, &r);
	assert_int_equal(r.kind, HT_LIMITED);
	assert_int_equal(r.status, EX_TEMPFAIL);
	assert_int_equal(r.kind, HT_LIMITED);
	assert_int_equal(r.retry_at, 1700000900);
	/* The daily cap ran out: its reset is the one that matters. */
	classify(429, "{\"x-rate-limit-reset\":\"1700000900\","
	    "\"x-user-limit-24hour-remaining\":\"0\","
	    "\"x-user-limit-24hour-reset\":\"1700050000\"}", "{}", 0, &r);
	assert_int_equal(r.retry_at, 1700050000);
	classify(503, "{\"retry-after\":\"7\"}", "{\"title\":\"Service "
	    "Unavailable\",\"detail\":\"Service Unavailable\"}", 0, &r);
	assert_int_equal(r.kind, HT_KEPT);
	assert_int_equal(r.status, EX_UNAVAILABLE);
	assert_int_equal(r.retry_at, NOW + 7);
	classify(502, NULL, "<html>bad gateway</html>", 0, &r);
	assert_string_equal(r.reason, "X is unavailable (502)");
	assert_int_equal(r.retry_at, 0);
	a.headers = h = json_object();
	a.body = "";
	a.error = "Timeout was reached";
	a.error_kind = "timeout";
	classify_ans(&a, 0, &r);
	json_decref(h);
	assert_int_equal(r.kind, HT_KEPT);
	assert_int_equal(r.status, EX_UNAVAILABLE);
	assert_string_equal(r.reason, "no answer in time: Timeout was reached");
}

/* What a pay-per-use account meets: no credits, daily caps. */
static void
pay_per_use(void **state)
{
	struct ht_outcome r;

	classify(402, NULL, "{\"title\":\"CreditsDepleted\",\"status\":402,"
	    "\"type\":\"https://api.x.com/2/problems/credits-depleted\","
	    "\"detail\":\"Your enrolled account does not have any credits.\"}",
	    0, &r);
	assert_int_equal(r.kind, HT_UNPAID);
	assert_int_equal(r.status, EX_UNAVAILABLE);
	assert_string_equal(r.reason, "no credits left on the X account (402): "
	    "top up the account's credits (X: \"Your enrolled account does "
	    "not have any credits.\")");
	/* Whatever the body says, or none: 402 is payment. */
	classify(402, NULL, "", 1, &r);
	assert_int_equal(r.kind, HT_UNPAID);

	/* The app's cap resets last: it decides, and the message says so. */
	classify(429, "{\"x-rate-limit-remaining\":\"0\","
	    "\"x-rate-limit-reset\":\"1700000900\","
	    "\"x-user-limit-24hour-remaining\":\"0\","
	    "\"x-user-limit-24hour-reset\":\"1700040000\","
	    "\"x-app-limit-24hour-remaining\":\"0\","
	    "\"x-app-limit-24hour-reset\":\"1700050000\"}", "{}", 0, &r);
	assert_int_equal(r.kind, HT_LIMITED);
	assert_int_equal(r.status, EX_TEMPFAIL);
	assert_int_equal(r.retry_at, 1700050000);
	assert_string_equal(r.limit, "the app's 24-hour limit");
	assert_string_equal(r.reason,
	    "rate limited by X (429): the app's 24-hour limit is used up");
	/* A window with requests left does not hold, however late. */
	classify(429, "{\"x-rate-limit-remaining\":\"0\","
	    "\"x-rate-limit-reset\":\"1700000900\","
	    "\"x-app-limit-24hour-remaining\":\"3\","
	    "\"x-app-limit-24hour-reset\":\"1700050000\"}", "{}", 0, &r);
	assert_int_equal(r.retry_at, 1700000900);
	assert_string_equal(r.reason, "rate limited by X (429)");
	/* The 15-minute window has room, the user's day has not. */
	classify(429, "{\"x-rate-limit-remaining\":\"40\","
	    "\"x-rate-limit-reset\":\"1700000060\","
	    "\"x-user-limit-24hour-remaining\":\"0\","
	    "\"x-user-limit-24hour-reset\":\"1700030000\"}", "{}", 0, &r);
	assert_int_equal(r.retry_at, 1700030000);

	/* Posted, and that was the window's last: the next waits. */
	classify(201, "{\"x-rate-limit-remaining\":\"0\","
	    "\"x-rate-limit-reset\":\"1700000900\"}",
	    "{\"data\":{\"id\":\"1\"}}", 0, &r);
	assert_int_equal(r.kind, HT_POSTED);
	assert_int_equal(r.next_at, 1700000900);
	classify(201, "{\"x-rate-limit-remaining\":\"99\","
	    "\"x-rate-limit-reset\":\"1700000900\"}",
	    "{\"data\":{\"id\":\"1\"}}", 0, &r);
	assert_int_equal(r.next_at, 0);
	/* Not a count, not a time: no hold. */
	classify(201, "{\"x-rate-limit-remaining\":\"none\","
	    "\"x-rate-limit-reset\":\"1700000900\"}",
	    "{\"data\":{\"id\":\"1\"}}", 0, &r);
	assert_int_equal(r.next_at, 0);
	classify(201, "{\"x-rate-limit-remaining\":\"0\","
	    "\"x-rate-limit-reset\":\"soon\"}",
	    "{\"data\":{\"id\":\"1\"}}", 0, &r);
	assert_int_equal(r.next_at, 0);
}

static void
hold_until(void **state)
{
	assert_int_equal(ht_net_hold_until("1700000900", 0, NOW), 1700000900);
	assert_int_equal(ht_net_hold_until("7", 1, NOW), NOW + 7);
	assert_int_equal(ht_net_hold_until("", 0, NOW), 0);
	assert_int_equal(ht_net_hold_until(NULL, 1, NOW), 0);
	assert_int_equal(ht_net_hold_until("-5", 1, NOW), 0);
	assert_int_equal(ht_net_hold_until("12abc", 0, NOW), 0);
	assert_int_equal(ht_net_hold_until("99999999999999999999", 0, NOW), 0);
	/* In the past, or more than a day away: not believed. */
	assert_int_equal(ht_net_hold_until("1699999999", 0, NOW), 0);
	assert_int_equal(ht_net_hold_until("99999999999", 0, NOW), 0);
	assert_int_equal(ht_net_hold_until("99999999999", 1, NOW), 0);
}

/* Reset times that make no sense are unknown: the caller backs off. */
static void
resets(void **state)
{
	struct ht_outcome r;

	assert_int_equal(ht_net_reset_check(NOW + 900, NOW), NOW + 900);
	assert_int_equal(ht_net_reset_check(NOW + 86400, NOW), NOW + 86400);
	assert_int_equal(ht_net_reset_check(NOW, NOW), 0);
	assert_int_equal(ht_net_reset_check(NOW - 1, NOW), 0);
	assert_int_equal(ht_net_reset_check(NOW + HT_NET_RESET_MAX + 1,
	    NOW), 0);
	assert_int_equal(ht_net_reset_check(9223372036854775807LL, NOW), 0);
	assert_int_equal(ht_net_reset_check(NOW + 10, -5), 0);
	/* In the past: once a second against a 429 it was. */
	classify(429, "{\"x-rate-limit-reset\":\"1\"}", "{}", 0, &r);
	assert_int_equal(r.kind, HT_LIMITED);
	assert_int_equal(r.retry_at, 0);
	/* Overflowing, huge, negative or not a number. */
	classify(429, "{\"x-rate-limit-reset\":"
	    "\"99999999999999999999999\"}", "{}", 0, &r);
	assert_int_equal(r.retry_at, 0);
	classify(429, "{\"x-rate-limit-reset\":\"9223372036854775807\"}",
	    "{}", 0, &r);
	assert_int_equal(r.retry_at, 0);
	classify(429, "{\"x-rate-limit-reset\":\"-5\"}", "{}", 0, &r);
	assert_int_equal(r.retry_at, 0);
	classify(429, "{\"x-rate-limit-reset\":\"17e8\"}", "{}", 0, &r);
	assert_int_equal(r.retry_at, 0);
	/* A daily cap's reset goes through the same check. */
	classify(429, "{\"x-user-limit-24hour-remaining\":\"0\","
	    "\"x-user-limit-24hour-reset\":\"4000000000\"}", "{}", 0, &r);
	assert_int_equal(r.retry_at, 0);
	/* Retry-After too: now + a huge number must not overflow. */
	classify(503, "{\"retry-after\":\"9223372036854775807\"}", "{}", 0,
	    &r);
	assert_int_equal(r.retry_at, 0);
	classify(503, "{\"retry-after\":\"999999999999\"}", "{}", 0, &r);
	assert_int_equal(r.retry_at, 0);
	/* A bad reset, a good Retry-After: the latter. */
	classify(429, "{\"x-rate-limit-reset\":\"1\",\"retry-after\":"
	    "\"30\"}", "{}", 0, &r);
	assert_int_equal(r.retry_at, NOW + 30);
}

static void
bodies(void **state)
{
	char *b;

	b = ht_net_x_body(0, "a \"b\"\n", "42");
	assert_string_equal(b, "{\"text\":\"a \\\"b\\\"\\n\",\"reply\":"
	    "{\"in_reply_to_tweet_id\":\"42\"}}");
	free(b);
	b = ht_net_x_body(1, "a+b c", NULL);
	assert_string_equal(b, "status=a%2Bb%20c");
	free(b);
}

static void
helper_path(void **state)
{
	char *p;

	setenv("HUBTWEET_LIBEXECDIR", "/opt/x", 1);
	p = ht_sender_path("/usr/libexec/hubtweet");
	assert_string_equal(p, "/opt/x/tw-send");
	free(p);
	unsetenv("HUBTWEET_LIBEXECDIR");
	/* bin/test/net-x: ../libexec/hubtweet is bin/libexec, absent. */
	p = ht_sender_path("/usr/libexec/hubtweet");
	assert_string_equal(p, "/usr/libexec/hubtweet/tw-send");
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(posted),
		cmocka_unit_test(duplicate),
		cmocka_unit_test(refused),
		cmocka_unit_test(transient),
		cmocka_unit_test(pay_per_use),
		cmocka_unit_test(hold_until),
		cmocka_unit_test(resets),
		cmocka_unit_test(bodies),
		cmocka_unit_test(helper_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
