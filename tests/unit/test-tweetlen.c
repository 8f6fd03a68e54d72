/*
 * Unit tests: lib/tweetlen.c, lib/tweeturl.c, lib/utf8.c — X's weighted
 * length, after twitter-text's conformance tests (validate.yml, config v3).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tweeturl.h"
#include "tweetlen.h"
#include "utf8.h"

static long
weight(const char *s)
{
	struct ht_tweetlen tl;
	struct ht_err e;

	ht_err_clear(&e);
	assert_int_equal(ht_tweetlen(s, strlen(s), HT_TWEET_MAX, &tl, &e), 0);
	return tl.weighted;
}

static int
valid(const char *s)
{
	struct ht_tweetlen tl;
	struct ht_err e;

	assert_int_equal(ht_tweetlen(s, strlen(s), HT_TWEET_MAX, &tl, &e), 0);
	return tl.valid;
}

/* How many URLs ht_tweetlen finds: the count X bills by. */
static long
nurls(const char *s)
{
	struct ht_tweetlen tl;
	struct ht_err e;

	ht_err_clear(&e);
	assert_int_equal(ht_tweetlen(s, strlen(s), HT_TWEET_MAX, &tl, &e), 0);
	return tl.urls;
}

static char *
repeat(const char *unit, size_t n, const char *tail)
{
	size_t ul = strlen(unit), tl = strlen(tail), i;
	char *s = malloc(ul * n + tl + 1);

	assert_non_null(s);
	for (i = 0; i < n; i++)
		memcpy(s + i * ul, unit, ul);
	memcpy(s + n * ul, tail, tl + 1);
	return s;
}

static void
ascii(void **state)
{
	assert_int_equal(weight("This is a test."), 15);
	assert_int_equal(weight("I am a Tweet"), 12);
	assert_int_equal(weight(" "), 1);
	assert_int_equal(weight("line\nbreak"), 10);
}

static void
limit_280_281(void **state)
{
	char *s280 = repeat("x", 280, ""), *s281 = repeat("x", 281, "");
	char *c140 = repeat("\xe3\x81\xae", 140, "");	/* の */
	char *c141 = repeat("\xe3\x81\xae", 141, "");
	struct ht_tweetlen tl;
	struct ht_err e;

	assert_int_equal(weight(s280), 280);
	assert_true(valid(s280));
	assert_int_equal(ht_tweetlen(s281, 281, HT_TWEET_MAX, &tl, &e), 0);
	assert_int_equal(tl.weighted, 281);
	assert_false(tl.valid);
	assert_string_equal(tl.why, "too long");
	/* A larger limit, for accounts with longer posts. */
	assert_int_equal(ht_tweetlen(s281, 281, 4000, &tl, &e), 0);
	assert_true(tl.valid);
	assert_int_equal(weight(c140), 280);
	assert_true(valid(c140));
	assert_int_equal(weight(c141), 282);
	assert_false(valid(c141));
	free(s280);
	free(s281);
	free(c140);
	free(c141);
}

static void
cjk_and_ranges(void **state)
{
	assert_int_equal(weight("저찀쯿쿿"), 8);
	assert_int_equal(weight("故人西辞黄鹤楼"), 14);
	assert_int_equal(weight("the故人"), 7);
	/* Outside the BMP: 2 each. */
	assert_int_equal(weight("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"), 4);
	/* General punctuation that weighs 1: U+2000-U+200D, U+2010-U+201F,
	 * U+2032-U+2037; … (U+2026) and ‼ (U+203C) weigh 2. */
	assert_int_equal(weight("\xe2\x80\x80\xe2\x80\x8d\xe2\x80\x90"
	    "\xe2\x80\x9f\xe2\x80\xb2\xe2\x80\xb7"), 6);
	assert_int_equal(weight("\xe2\x80\xa6"), 2);
	assert_int_equal(weight("Hello \xe2\x80\x94 \xe2\x80\x9cworld\xe2\x80\x9d"),
	    15);
	/* U+10FF weighs 1, U+1100 (Hangul) 2. */
	assert_int_equal(weight("\xe1\x83\xbf\xe1\x84\x80"), 3);
}

static void
nfc(void **state)
{
	/* A + combining acute: NFC makes Á, one character. */
	assert_int_equal(weight("A\xcc\x81" "B"), 2);
	assert_int_equal(weight("\xc3\x81" "B"), 2);
	/* שּׁ stays three code points (composition exclusions). */
	assert_int_equal(weight("A\xef\xac\xac"), 4);
	/* Hangul jamo compose into one syllable: 2, not 6. */
	assert_int_equal(weight("\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8"), 2);
}

static void
emoji(void **state)
{
	/* Families and other ZWJ sequences: 2 each. */
	assert_int_equal(weight("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9"
	    "\xe2\x80\x8d\xf0\x9f\x91\xa7\xe2\x80\x8d\xf0\x9f\x91\xa6"), 2);
	assert_int_equal(weight("H\xf0\x9f\x90\xb1\xe2\x98\xba\xf0\x9f\x91\xa8"
	    "\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7\xe2\x80"
	    "\x8d\xf0\x9f\x91\xa6"), 7);
	/* Skin tones: 🙋🏽 and 👨‍🎤. */
	assert_int_equal(weight("\xf0\x9f\x99\x8b\xf0\x9f\x8f\xbd\xf0\x9f\x91"
	    "\xa8\xe2\x80\x8d\xf0\x9f\x8e\xa4"), 4);
	assert_int_equal(weight("\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbf"), 2);
	assert_int_equal(weight("😷👾😡🔥💩"), 10);
	/* ❤️ (with U+FE0F) is one emoji; 🏳️‍🌈 too. */
	assert_int_equal(weight("\xe2\x9d\xa4\xef\xb8\x8f"), 2);
	assert_int_equal(weight("\xf0\x9f\x8f\xb3\xef\xb8\x8f\xe2\x80\x8d\xf0"
	    "\x9f\x8c\x88"), 2);
	/* Subdivision flag (tag sequence): 🏴󠁧󠁢󠁳󠁣󠁴󠁿 Scotland. */
	assert_int_equal(weight("\xf0\x9f\x8f\xb4\xf3\xa0\x81\xa7\xf3\xa0\x81"
	    "\xa2\xf3\xa0\x81\xb3\xf3\xa0\x81\xa3\xf3\xa0\x81\xb4\xf3\xa0\x81"
	    "\xbf"), 2);
}

static void
flags(void **state)
{
	assert_int_equal(weight("🇫🇷"), 2);
	assert_int_equal(weight("🇫🇷🇩🇪"), 4);
	/* Three indicators: one flag, one lone indicator. */
	assert_int_equal(weight("🇫🇷🇩"), 4);
	assert_int_equal(weight("Go 🇯🇵!"), 6);
}

static void
keycaps(void **state)
{
	assert_int_equal(weight("1\xe2\x83\xa3"), 2);		/* 1⃣ */
	assert_int_equal(weight("1\xef\xb8\x8f\xe2\x83\xa3"), 2);	/* 1️⃣ */
	assert_int_equal(weight("#\xef\xb8\x8f\xe2\x83\xa3*\xe2\x83\xa3"), 4);
	/* A digit and U+FE0F without the keycap are text: 1 + 2. */
	assert_int_equal(weight("1\xef\xb8\x8f"), 3);
	/* © and ® weigh 1 as text, 2 as emoji (with U+FE0F); ™ is 2. */
	assert_int_equal(weight("\xc2\xa9"), 1);
	assert_int_equal(weight("\xc2\xa9\xef\xb8\x8f"), 2);
	assert_int_equal(weight("\xe2\x84\xa2"), 2);
}

static void
urls(void **state)
{
	assert_int_equal(weight("http://test.com"), 23);
	assert_int_equal(weight("https://test.com"), 23);
	assert_int_equal(weight("test.com"), 23);
	assert_int_equal(weight("Hi http://test.co"), 26);
	assert_int_equal(weight("Test https://test.com test https://test.com "
	    "test.com test"), 86);
	assert_int_equal(weight("https://hub.docker.com/r/karolisr/keel/tags?"
	    "page=1&name=0.1.7"), 23);
	/* Trailing punctuation is not part of the URL. */
	assert_int_equal(weight("see https://example.com/foo."), 4 + 23 + 1);
	assert_int_equal(weight("(example.org),"), 1 + 23 + 2);
	assert_int_equal(weight("http://example.com/?q=1!"), 24);
	/* Balanced parentheses are. */
	assert_int_equal(weight("https://en.wikipedia.org/wiki/Primer_(film)"),
	    23);
	/* Scheme-less: only a known top-level domain makes a URL. */
	assert_int_equal(weight("example.notatld"), 15);
	assert_int_equal(weight("foo.co.jp www.example.com hub.docker.io"),
	    23 * 3 + 2);
	assert_int_equal(weight("example.comx"), 12);
	/* Not after - _ . or / ; not glued to letters or @. */
	assert_int_equal(weight("user@example.com"), 16);
	assert_int_equal(weight("x.-example.com"), 14);
	/* A label over 63 characters is no domain. */
	assert_int_equal(weight("randomurlrandomurlrandomurlrandomurlrandomurl"
	    "randomurlrandomurls.com"), 68);
	/* Version numbers and images are not URLs. */
	assert_int_equal(weight("docker pull karolisr/keel:0.1.7"), 31);
	/* Unicode domain with a scheme; without, only ASCII domains count. */
	assert_int_equal(weight("http://\xe2\x98\x83.net/"), 23);
	assert_int_equal(weight("\xe2\x98\x83.net"), 6);
	/* t.co keeps only its slug. */
	assert_int_equal(weight("http://t.co/abcdef/ghi"), 27);
	/* Ten URLs and spaces. */
	assert_int_equal(weight("https://www.twitter.com/aloha https://www."
	    "twitter.com/aloha https://www.twitter.com/aloha https://www."
	    "twitter.com/aloha https://www.twitter.com/aloha https://www."
	    "twitter.com/aloha https://www.twitter.com/aloha https://www."
	    "twitter.com/aloha https://www.twitter.com/aloha https://www."
	    "twitter.com/aloha "), 240);
}

/* The count comes from the same extraction as the weight. */
static void
url_count(void **state)
{
	assert_int_equal(nurls("v2.0 is out"), 0);
	assert_int_equal(nurls("New release 0.1.7 of acme/app: docker pull "
	    "acme/app:0.1.7"), 0);
	assert_int_equal(nurls("see https://example.com"), 1);
	assert_int_equal(nurls("test.com and https://test.com/x."), 2);
	assert_int_equal(nurls("user@example.com example.notatld"), 0);
	assert_int_equal(nurls(""), 0);
}

static void
url_spans(void **state)
{
	const char *s = "Go: https://example.com/a_(b). and x.io/p?q=1, then";
	struct ht_urlspan *sp;
	struct ht_err e;
	long n;

	n = ht_url_find_utf8(s, strlen(s), &sp, &e);
	assert_int_equal(n, 2);
	assert_int_equal(sp[0].start, 4);
	assert_int_equal(sp[0].end, strlen("Go: https://example.com/a_(b)"));
	assert_memory_equal(s + sp[1].start, "x.io/p?q=1", 10);
	assert_int_equal(sp[1].end - sp[1].start, 10);
	free(sp);
	assert_int_equal(ht_url_is_tld("com", 3, &e), 1);
	assert_int_equal(ht_url_is_tld("COM", 3, &e), 1);
	assert_int_equal(ht_url_is_tld("notatld", 7, &e), 0);
	assert_int_equal(ht_url_is_tld("\xd1\x80\xd1\x84", 4, &e), 1); /* рф */
}

/* twitter-text's URL extraction conformance tests (extract.yml). */
static const struct {
	const char *text, *urls;
} extract_cases[] = {
	{ "http://ああ.com",
	    "http://ああ.com" },
	{ "text http://foobar.com/#",
	    "http://foobar.com/#" },
	{ "text http://somehost.com:3000",
	    "http://somehost.com:3000" },
	{ "text http://xo.com/~matthew+%ff-,.;x",
	    "http://xo.com/~matthew+%ff-,.;x" },
	{ "text http://✪df.ws/ejp",
	    "http://✪df.ws/ejp" },
	{ "test http://example.comだよね.comtest/hogehoge",
	    "http://example.com" },
	{ "text http://chilp.it/?77e8fd",
	    "http://chilp.it/?77e8fd" },
	{ "text http://msdn.microsoft.com/ja-jp/library/system.net.httpwebrequest(v=VS.100).aspx",
	    "http://msdn.microsoft.com/ja-jp/library/system.net.httpwebrequest(v=VS.100).aspx" },
	{ "text https://www.youtube.com/watch?v=LOxOAuDHzaw&list=PLPoq910Q9jXhuH6pit_KwIsck9fEz_9U-",
	    "https://www.youtube.com/watch?v=LOxOAuDHzaw&list=PLPoq910Q9jXhuH6pit_KwIsck9fEz_9U-" },
	{ "text http://no-tld",
	    "" },
	{ "text http://tld-too-short.x",
	    "" },
	{ "(http://twitter.com",
	    "http://twitter.com" },
	{ "text http://foo.com?#foo text",
	    "http://foo.com?#foo" },
	{ "foo.com foo.net foo.org foo.edu foo.gov",
	    "foo.com|foo.net|foo.org|foo.edu|foo.gov" },
	{ "foo.baz foo.co.jp www.xxxxxxx.baz www.foo.co.uk wwwww.xxxxxxx foo.comm foo.somecom foo.govedu foo.jp",
	    "foo.co.jp|www.foo.co.uk|foo.jp" },
	{ "t.co/abcde bit.ly/abcde",
	    "t.co/abcde|bit.ly/abcde" },
	{ "Go to http://example.com/a+ or http://example.com/a-",
	    "http://example.com/a+|http://example.com/a-" },
	{ "Go to https://en.m.wikipedia.org/wiki/Hatfield–McCoy_feud please",
	    "https://en.m.wikipedia.org/wiki/Hatfield–McCoy_feud" },
	{ "@user Try http:// example.com/path",
	    "example.com/path" },
	{ "これは日本語です。example.com/path/index.html中国語example.com/path한국",
	    "example.com/path/index.html|example.com/path" },
	{ "http://twitter.com/これは日本語です。example.com中国語http://t.co/abcde한국twitter.comテストexample2.comテストhttp://twitter.com/abcde",
	    "http://twitter.com/|example.com|http://t.co/abcde|twitter.com|example2.com|http://twitter.com/abcde" },
	{ "Go to http://twitter.com/Русские_слова",
	    "http://twitter.com/Русские_слова" },
	{ "twitter.jp日本語it.so中国語foo.jp it.so foo.jp",
	    "twitter.jp|it.so|foo.jp|it.so|foo.jp" },
	{ "Hello http://xn--はじめよう.com/index.html",
	    "" },
	{ "text http://domain-dash_2314352345_dfasd.foo-cow_4352.com",
	    "" },
	{ "MLB.tv vine.co twitch.tv t.co",
	    "MLB.tv|vine.co|twitch.tv|t.co" },
	{ "test http://sub_domain-dash.twitter.com",
	    "http://sub_domain-dash.twitter.com" },
	{ "test http://a.b.cd",
	    "http://a.b.cd" },
	{ "test http://-leadingdash.twitter.com http://trailingdash-.twitter.com http://twitter_underscore.com http://twitter.c_o_m",
	    "" },
	{ "test http://www.foo.com/foo/path-with-period./",
	    "http://www.foo.com/foo/path-with-period./" },
	{ "test http://www.foo.org.za/foo/bar/688.1",
	    "http://www.foo.org.za/foo/bar/688.1" },
	{ "test http://foo.com/bar/123/foo_&_bar/",
	    "http://foo.com/bar/123/foo_&_bar/" },
	{ "test ELPAÍS.com",
	    "ELPAÍS.com" },
	{ "test http://twitter.com/.",
	    "http://twitter.com/" },
	{ "Test a ton of periods http://example.com/path..........................................",
	    "http://example.com/path" },
	{ "Test a ton of periods http://example.com/path/!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
	    "http://example.com/path/" },
	{ "#test.com @test.com #http://test.com @http://test.com #t.co/abcde @t.co/abcde",
	    "" },
	{ "http://t.co/pbY2NfTZ's http://t.co/2vYHpAc5; http://t.co/ulYGBYSo: http://t.co/8MkmHU0k+c http://t.co/TKLp64dY.x http://t.co/8t7G3ddS#a http://t.co/FNkPfmii-",
	    "http://t.co/pbY2NfTZ|http://t.co/2vYHpAc5|http://t.co/ulYGBYSo|http://t.co/8MkmHU0k|http://t.co/TKLp64dY|http://t.co/8t7G3ddS|http://t.co/FNkPfmii" },
	{ "I really like http://t.co/abcdefghijklmnopqrstuvwxyz012345678901234",
	    "" },
	{ "example.comてすとですtwitter.みんなです",
	    "example.com|twitter.みんな" },
	{ "$http://twitter.com $twitter.com $http://t.co/abcde $t.co/abcde $t.co $TVI.CA $RBS.CA",
	    "" },
	{ "long.test.tar.bz2 test.tar.bz2 tar.bz2",
	    "" },
	{ "john.doe.gov@mail.com john.doe.jp@mail.com",
	    "" },
	{ "http://www.foo.com?referer=https://t.co/abcde http://t.co/xyzzy",
	    "http://www.foo.com?referer=https://t.co/abcde|http://t.co/xyzzy" },
	{ "test http://xn--ls8h.XN--ls8h.la/",
	    "http://xn--ls8h.XN--ls8h.la/" },
	{ "test http://foobar.みんな/ http://foobar.中国/ http://foobar.پاکستان/ ",
	    "http://foobar.みんな/|http://foobar.中国/|http://foobar.پاکستان/" },
	{ "\xe2\x81\xa6" "\xe2\x80\xaa" "test abcdef.com پاکستان http://twitter.com/\xe2\x80\xac" "\xe2\x81\xa9" "",
	    "abcdef.com|http://twitter.com/" },
	{ "text https://t.co/asdfdf?a=b#123",
	    "https://t.co/asdfdf?a=b#123" },
	{ "This is a test \xe2\x81\xa6" "\xe2\x80\xaa" "twitter.com\xe2\x80\xac" "\xe2\x81\xa9" " \xe2\x81\xa6" "\xe2\x80\xaa" "http://foobar.پاکستان/\xe2\x80\xac" "\xe2\x81\xa9" " قطر فلسطين عمان",
	    "twitter.com|http://foobar.پاکستان/" },
};

static void
url_conformance(void **state)
{
	struct ht_urlspan *sp;
	struct ht_err e;
	char got[1024];
	size_t i, k;
	long n, j;

	for (i = 0; i < sizeof extract_cases / sizeof extract_cases[0]; i++) {
		const char *t = extract_cases[i].text;

		n = ht_url_find_utf8(t, strlen(t), &sp, &e);
		assert_true(n >= 0);
		got[0] = '\0';
		for (j = 0, k = 0; j < n; j++) {
			k += (size_t)snprintf(got + k, sizeof got - k, "%s%.*s",
			    j > 0 ? "|" : "", (int)(sp[j].end - sp[j].start),
			    t + sp[j].start);
			assert_true(k < sizeof got);
		}
		free(sp);
		if (strcmp(got, extract_cases[i].urls) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", t, got,
			    extract_cases[i].urls);
	}
}

static void
invalid(void **state)
{
	struct ht_tweetlen tl;
	struct ht_err e;

	assert_int_equal(ht_tweetlen("", 0, HT_TWEET_MAX, &tl, &e), 0);
	assert_false(tl.valid);
	assert_string_equal(tl.why, "empty");
	assert_int_equal(ht_tweetlen("a\xef\xbb\xbf", 4, HT_TWEET_MAX, &tl,
	    &e), 0);
	assert_false(tl.valid);
	assert_string_equal(tl.why, "contains U+FEFF");
	assert_int_equal(ht_tweetlen("\xef\xbf\xbe", 3, HT_TWEET_MAX, &tl, &e),
	    0);
	assert_string_equal(tl.why, "contains U+FFFE");
	assert_int_equal(ht_tweetlen("\xef\xbf\xbf", 3, HT_TWEET_MAX, &tl, &e),
	    0);
	assert_string_equal(tl.why, "contains U+FFFF");
	/* Invalid UTF-8: an error with the byte offset + 1. */
	ht_err_clear(&e);
	assert_int_equal(ht_tweetlen("ab\xff", 3, HT_TWEET_MAX, &tl, &e), -1);
	assert_int_equal(e.col, 3);
	assert_string_equal(e.msg, "invalid UTF-8");
	ht_err_clear(&e);
	/* A surrogate encoded in UTF-8 (CESU) is invalid too. */
	assert_int_equal(ht_tweetlen("x\xed\xa0\x80", 4, HT_TWEET_MAX, &tl,
	    &e), -1);
	assert_int_equal(e.col, 2);
}

static void
graphemes(void **state)
{
	const char *s = "e\xcc\x81" "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd" "x";
	size_t *b;
	struct ht_err e;
	long n;

	n = ht_utf8_graphemes(s, strlen(s), &b, &e);
	assert_int_equal(n, 4);
	assert_int_equal(b[0], 0);
	assert_int_equal(b[1], 3);
	assert_int_equal(b[2], 11);
	assert_int_equal(b[3], 12);
	free(b);
}

/*
 * A label holding U+0000 is not a top-level domain, however often it is
 * weighed: "a.<NUL><NUL>" once weighed 3, and 23 (a URL) once another
 * label had taken its place in the cache of labels (the fuzz target
 * tweetlen found it).
 */
static void
nul_label(void **state)
{
	static const char t[] = "a.\0\0";
	static const char other[] = "a.\x10\x10\x10\x10\x10\x10\x10"
	    "\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10";
	struct ht_tweetlen tl;
	struct ht_err e;
	int i;

	for (i = 0; i < 3; i++) {
		ht_err_clear(&e);
		assert_int_equal(ht_tweetlen(t, sizeof t - 1, HT_TWEET_MAX,
		    &tl, &e), 0);
		assert_int_equal(tl.weighted, 4);
		assert_int_equal(tl.urls, 0);
		assert_int_equal(ht_tweetlen(other, sizeof other - 1,
		    HT_TWEET_MAX, &tl, &e), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ascii),
		cmocka_unit_test(limit_280_281),
		cmocka_unit_test(cjk_and_ranges),
		cmocka_unit_test(nfc),
		cmocka_unit_test(emoji),
		cmocka_unit_test(flags),
		cmocka_unit_test(keycaps),
		cmocka_unit_test(urls),
		cmocka_unit_test(url_count),
		cmocka_unit_test(url_spans),
		cmocka_unit_test(url_conformance),
		cmocka_unit_test(invalid),
		cmocka_unit_test(graphemes),
		cmocka_unit_test(nul_label),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
