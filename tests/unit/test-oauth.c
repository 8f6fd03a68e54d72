/*
 * Unit tests: lib/oauth.c, against published examples: X's "Creating a
 * signature" and "Authorizing a request" pages and RFC 5849's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "oauth.h"

/* X's example credentials, nonce and time. */
static const struct ht_oauth_cred xcred = {
	"xvz1evFS4wEEPTGEFPHBog",
	"kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
	"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
	"LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
};
#define X_NONCE "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"
#define X_TIME 1318622958
#define X_FORM "status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21"

/*
 * The signature base string and signature of X's page.  The page now says
 * api.x.com in its prose but its signature was computed for
 * api.twitter.com, which the test therefore uses.
 */
static void
x_creating_a_signature(void **state)
{
	const struct ht_oauth_param p[] = {
		{ "oauth_consumer_key", "xvz1evFS4wEEPTGEFPHBog" },
		{ "oauth_nonce", X_NONCE },
		{ "oauth_signature_method", "HMAC-SHA1" },
		{ "oauth_timestamp", "1318622958" },
		{ "oauth_token", "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb" },
		{ "oauth_version", "1.0" },
	};
	struct ht_err e;
	char sig[HT_OAUTH_SIG_LEN], *base, *h;

	base = ht_oauth_base_string("POST",
	    "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
	    X_FORM, p, 6, &e);
	assert_non_null(base);
	assert_string_equal(base,
	    "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&"
	    "include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog"
	    "%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"
	    "%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958"
	    "%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"
	    "%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520"
	    "Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521");
	assert_int_equal(ht_oauth_hmac_sha1(xcred.consumer_secret,
	    xcred.token_secret, base, sig, &e), 0);
	assert_string_equal(sig, "hCtSmYh+iHYCEqBWrE7C7hYmtUk=");
	free(base);

	h = ht_oauth_header(&xcred, "POST",
	    "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
	    X_FORM, X_NONCE, X_TIME, &e);
	assert_non_null(h);
	assert_non_null(strstr(h,
	    "oauth_signature=\"hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D\""));
	free(h);
}

/* The whole header of "Authorizing a request" (the older /1/ URL). */
static void
x_authorizing_a_request(void **state)
{
	struct ht_err e;
	char *h;

	h = ht_oauth_header(&xcred, "POST",
	    "https://api.twitter.com/1/statuses/update.json?include_entities=true",
	    X_FORM, X_NONCE, X_TIME, &e);
	assert_non_null(h);
	assert_string_equal(h, "OAuth "
	    "oauth_consumer_key=\"xvz1evFS4wEEPTGEFPHBog\", "
	    "oauth_nonce=\"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg\", "
	    "oauth_signature=\"tnnArxj06cWHq44gCs1OSKk%2FjLY%3D\", "
	    "oauth_signature_method=\"HMAC-SHA1\", "
	    "oauth_timestamp=\"1318622958\", "
	    "oauth_token=\"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb\", "
	    "oauth_version=\"1.0\"");
	free(h);
}

/* RFC 5849 3.4.1.1: query and form parameters, repeated names, "+". */
static void
rfc5849_base_string(void **state)
{
	const struct ht_oauth_param p[] = {
		{ "oauth_consumer_key", "9djdj82h48djs9d2" },
		{ "oauth_token", "kkk9d7dh3k39sjv7" },
		{ "oauth_signature_method", "HMAC-SHA1" },
		{ "oauth_timestamp", "137131201" },
		{ "oauth_nonce", "7d8f3e4a" },
	};
	struct ht_err e;
	char *base;

	base = ht_oauth_base_string("POST",
	    "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
	    "c2&a3=2+q", p, 5, &e);
	assert_non_null(base);
	assert_string_equal(base,
	    "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q"
	    "%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_"
	    "key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_"
	    "method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk"
	    "9d7dh3k39sjv7");
	free(base);
}

/* RFC 5849 1.2: temporary credentials (no token) and token requests. */
static void
rfc5849_signatures(void **state)
{
	const struct ht_oauth_param tmp[] = {
		{ "oauth_consumer_key", "dpf43f3p2l4k3l03" },
		{ "oauth_signature_method", "HMAC-SHA1" },
		{ "oauth_timestamp", "137131200" },
		{ "oauth_nonce", "wIjqoS" },
		{ "oauth_callback", "http://printer.example.com/ready" },
	};
	const struct ht_oauth_param tok[] = {
		{ "oauth_consumer_key", "dpf43f3p2l4k3l03" },
		{ "oauth_token", "hh5s93j4hdidpola" },
		{ "oauth_signature_method", "HMAC-SHA1" },
		{ "oauth_timestamp", "137131201" },
		{ "oauth_nonce", "walatlh" },
		{ "oauth_verifier", "hfdp7dh39dks9884" },
	};
	struct ht_err e;
	char sig[HT_OAUTH_SIG_LEN], *base;

	base = ht_oauth_base_string("POST",
	    "https://photos.example.net/initiate", NULL, tmp, 5, &e);
	assert_non_null(base);
	assert_int_equal(ht_oauth_hmac_sha1("kd94hf93k423kf44", "", base, sig,
	    &e), 0);
	assert_string_equal(sig, "74KNZJeDHnMBp0EMJ9ZHt/XKycU=");
	free(base);
	base = ht_oauth_base_string("POST", "https://photos.example.net/token",
	    NULL, tok, 6, &e);
	assert_non_null(base);
	assert_int_equal(ht_oauth_hmac_sha1("kd94hf93k423kf44",
	    "hdhd0244k9j7ao03", base, sig, &e), 0);
	assert_string_equal(sig, "gKgrFCywp7rO0OXSjdot/IHF7IU=");
	free(base);
}

/* RFC 5849 3.4.1.2: scheme and host lower case, default ports dropped. */
static void
base_string_uri(void **state)
{
	struct ht_err e;
	char *b;

	b = ht_oauth_base_string("get", "HTTP://EXAMPLE.COM:80/r%20v/X?id=123",
	    NULL, NULL, 0, &e);
	assert_non_null(b);
	assert_string_equal(b, "GET&http%3A%2F%2Fexample.com%2Fr%2520v%2FX&id%3D123");
	free(b);
	b = ht_oauth_base_string("GET", "https://www.example.net:8080/?q=1",
	    NULL, NULL, 0, &e);
	assert_non_null(b);
	assert_string_equal(b,
	    "GET&https%3A%2F%2Fwww.example.net%3A8080%2F&q%3D1");
	free(b);
	b = ht_oauth_base_string("POST", "https://Api.X.com:443", NULL, NULL, 0,
	    &e);
	assert_non_null(b);
	assert_string_equal(b, "POST&https%3A%2F%2Fapi.x.com%2F&");
	free(b);
	assert_null(ht_oauth_base_string("POST", "api.x.com/2/tweets", NULL,
	    NULL, 0, &e));
	assert_string_equal(e.msg, "api.x.com/2/tweets: not an absolute URL");
}

/* The encoder agrees with libcurl's for every byte, and on UTF-8. */
static void
encode_like_curl(void **state)
{
	char in[2], *a, *b;
	int c;

	for (c = 1; c < 256; c++) {
		in[0] = (char)c;
		in[1] = '\0';
		a = ht_oauth_encode(in, 1);
		b = curl_easy_escape(NULL, in, 1);
		assert_non_null(a);
		assert_non_null(b);
		assert_string_equal(a, b);
		free(a);
		curl_free(b);
	}
	a = ht_oauth_encode("caf\xc3\xa9 \xe2\x98\x83!*'()", 14);
	assert_string_equal(a, "caf%C3%A9%20%E2%98%83%21%2A%27%28%29");
	free(a);
	a = ht_oauth_encode("a\0b", 3);
	assert_string_equal(a, "a%00b");
	free(a);
}

/* Fresh nonces differ; the header never carries a secret. */
static void
fresh_nonce(void **state)
{
	struct ht_err e;
	char *a, *b;

	a = ht_oauth_header(&xcred, "POST", "https://api.x.com/2/tweets", NULL,
	    NULL, -1, &e);
	b = ht_oauth_header(&xcred, "POST", "https://api.x.com/2/tweets", NULL,
	    NULL, -1, &e);
	assert_non_null(a);
	assert_non_null(b);
	assert_string_not_equal(a, b);
	assert_null(strstr(a, xcred.consumer_secret));
	assert_null(strstr(a, xcred.token_secret));
	free(a);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(x_creating_a_signature),
		cmocka_unit_test(x_authorizing_a_request),
		cmocka_unit_test(rfc5849_base_string),
		cmocka_unit_test(rfc5849_signatures),
		cmocka_unit_test(base_string_uri),
		cmocka_unit_test(encode_like_curl),
		cmocka_unit_test(fresh_nonce),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
