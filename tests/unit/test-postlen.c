/*
 * Unit tests: lib/postlen.c, fitting by a network's rule, Bluesky's link
 * and tag facets and link cards (lib/bsky.c), lib/postkey.c, a Mastodon
 * instance's limits (lib/instance.c)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "bsky.h"
#include "fit.h"
#include "instance.h"
#include "postkey.h"
#include "postlen.h"

static char *
repeat(const char *unit, size_t n)
{
	size_t ul = strlen(unit), i;
	char *s = malloc(ul * n + 1);

	assert_non_null(s);
	for (i = 0; i < n; i++)
		memcpy(s + i * ul, unit, ul);
	s[ul * n] = '\0';
	return s;
}

static long
len_of(enum ht_network net, const char *s)
{
	struct ht_lenrule r;
	struct ht_tweetlen tl;
	struct ht_err e;

	ht_lenrule_default(net, &r);
	assert_int_equal(ht_postlen(&r, s, strlen(s), &tl, &e), 0);
	return tl.weighted;
}

static void
networks(void **state)
{
	enum ht_network n;

	assert_int_equal(ht_network_parse("mastodon", &n), 0);
	assert_int_equal(n, HT_NET_MASTODON);
	assert_int_equal(ht_network_parse("bluesky", &n), 0);
	assert_int_equal(n, HT_NET_BLUESKY);
	assert_int_equal(ht_network_parse("x", &n), 0);
	assert_int_equal(n, HT_NET_X);
	assert_int_equal(ht_network_parse("twitter", &n), -1);
	assert_string_equal(ht_network_name(HT_NET_BLUESKY), "bluesky");
}

static void
mastodon(void **state)
{
	/* Code points: é is 1, an emoji of four code points is 4, CJK 1. */
	assert_int_equal(len_of(HT_NET_MASTODON, "h\xc3\xa9llo"), 5);
	assert_int_equal(len_of(HT_NET_MASTODON, "\xe6\x97\xa5"), 1);
	assert_int_equal(len_of(HT_NET_MASTODON,
	    "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb"), 3);
	/* A URL with a scheme is 23, however long. */
	assert_int_equal(len_of(HT_NET_MASTODON,
	    "see https://example.com/releases/tag/v1.2.3/a/very/long/path"),
	    4 + 23);
	assert_int_equal(len_of(HT_NET_MASTODON, "http://x.io"), 23);
	/* Without a scheme, Mastodon links nothing: its own length. */
	assert_int_equal(len_of(HT_NET_MASTODON,
	    "example.com/releases/tag/v1.2.3/and/more"), 40);
	/* @user@domain counts as @user; a lone @user as itself. */
	assert_int_equal(len_of(HT_NET_MASTODON,
	    "hi @alice@social.example.org!"), 3 + 6 + 1);
	assert_int_equal(len_of(HT_NET_MASTODON, "hi @alice"), 9);
	assert_int_equal(len_of(HT_NET_MASTODON, "@bob.smith@host.example"),
	    10);
	/* Not a mention after a word character: an e-mail address. */
	assert_int_equal(len_of(HT_NET_MASTODON, "me@host.example"), 15);
}

static void
mastodon_limit(void **state)
{
	struct ht_lenrule r;
	struct ht_tweetlen tl;
	struct ht_err e;
	char *s = repeat("\xc3\xa9", 501);

	ht_lenrule_default(HT_NET_MASTODON, &r);
	assert_int_equal(r.max, 500);
	assert_int_equal(ht_postlen(&r, s, 500 * 2, &tl, &e), 0);
	assert_int_equal(tl.weighted, 500);
	assert_true(tl.valid);
	assert_int_equal(ht_postlen(&r, s, 501 * 2, &tl, &e), 0);
	assert_false(tl.valid);
	assert_string_equal(tl.why, "too long");
	r.max = 1000;
	assert_int_equal(ht_postlen(&r, s, 501 * 2, &tl, &e), 0);
	assert_true(tl.valid);
	free(s);
}

static void
bluesky(void **state)
{
	struct ht_lenrule r;
	struct ht_tweetlen tl;
	struct ht_err e;
	char *s;

	/* Grapheme clusters: e + U+0301, a ZWJ sequence, a flag: one each. */
	assert_int_equal(len_of(HT_NET_BLUESKY, "e\xcc\x81"), 1);
	assert_int_equal(len_of(HT_NET_BLUESKY,
	    "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb"), 1);
	assert_int_equal(len_of(HT_NET_BLUESKY,
	    "\xf0\x9f\x87\xab\xf0\x9f\x87\xb7"), 1);
	/* A URL counts its full length: the text carries it whole. */
	assert_int_equal(len_of(HT_NET_BLUESKY, "https://example.com/abc"),
	    23);
	assert_int_equal(len_of(HT_NET_BLUESKY, "https://example.com/abcd"),
	    24);

	ht_lenrule_default(HT_NET_BLUESKY, &r);
	s = repeat("a", 301);
	assert_int_equal(ht_postlen(&r, s, 300, &tl, &e), 0);
	assert_true(tl.valid);
	assert_int_equal(ht_postlen(&r, s, 301, &tl, &e), 0);
	assert_false(tl.valid);
	free(s);
	/* 300 clusters of 11 bytes: 3300 bytes, over the 3000-byte limit. */
	s = repeat("\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb", 300);
	assert_int_equal(ht_postlen(&r, s, strlen(s), &tl, &e), 0);
	assert_int_equal(tl.weighted, 300);
	assert_false(tl.valid);
	assert_string_equal(tl.why, "too long");
	free(s);
	assert_int_equal(ht_postlen(&r, "", 0, &tl, &e), 0);
	assert_string_equal(tl.why, "empty");
	/* Spaces, a tab, U+00A0, U+3000, U+200B: blank. */
	assert_int_equal(ht_postlen(&r, " \t\xc2\xa0\xe3\x80\x80\xe2\x80\x8b",
	    10, &tl, &e), 0);
	assert_false(tl.valid);
	assert_string_equal(tl.why, "blank: only white space");
	assert_int_equal(ht_postlen(&r, " a ", 3, &tl, &e), 0);
	assert_true(tl.valid);
	assert_int_equal(ht_postlen(&r, "a\xff", 2, &tl, &e), -1);
}

/* The issue's case: a 400-grapheme description under each network's limit. */
static void
fit_for(void **state)
{
	static const char url[] = "https://example.com/releases/tag/v1.2.3";
	struct ht_fit_part p[3];
	struct ht_lenrule r;
	struct ht_tweetlen tl;
	struct ht_fit f;
	struct ht_err e;
	char *d = repeat("e\xcc\x81", 400), *x;

	p[0] = (struct ht_fit_part){ d, strlen(d), 1 };
	p[1] = (struct ht_fit_part){ " ", 1, 0 };
	p[2] = (struct ht_fit_part){ url, strlen(url), 1 };

	ht_lenrule_default(HT_NET_BLUESKY, &r);
	assert_int_equal(ht_fit_for(&r, p, 3, 1, &f, &e), 0);
	assert_true(f.tl.valid);
	assert_int_equal(f.tl.weighted, 300);
	x = strstr(f.text, url);
	assert_non_null(x);
	assert_string_equal(x, url);	/* the URL whole, at the end */
	assert_int_equal(ht_postlen(&r, f.text, f.len, &tl, &e), 0);
	assert_true(tl.valid);
	ht_fit_free(&f);

	/*
	 * Mastodon: e+U+0301 is two code points, cut between clusters only;
	 * 237 clusters (474) + "…" (1) + " " (1) + the URL (23) = 499.
	 */
	ht_lenrule_default(HT_NET_MASTODON, &r);
	assert_int_equal(ht_fit_for(&r, p, 3, 1, &f, &e), 0);
	assert_true(f.tl.valid);
	assert_int_equal(f.tl.weighted, 499);
	assert_non_null(strstr(f.text, url));
	ht_fit_free(&f);

	/* Without cutting: measured, over. */
	ht_lenrule_default(HT_NET_BLUESKY, &r);
	assert_int_equal(ht_fit_for(&r, p, 3, 0, &f, &e), 1);
	assert_int_equal(f.over, 400 + 1 + 39 - 300);
	ht_fit_free(&f);
	free(d);
}

/* Over the byte limit only: cut until the bytes fit too. */
static void
fit_bytes(void **state)
{
	struct ht_fit_part p;
	struct ht_lenrule r;
	struct ht_fit f;
	struct ht_err e;
	char *d = repeat("\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb", 290);

	p = (struct ht_fit_part){ d, strlen(d), 1 };
	ht_lenrule_default(HT_NET_BLUESKY, &r);
	assert_int_equal(ht_fit_for(&r, &p, 1, 1, &f, &e), 0);
	assert_true(f.len <= 3000);
	assert_true(f.len > 3000 - 11 - 3);
	assert_true(f.tl.valid);
	ht_fit_free(&f);
	free(d);
}

static void
check_facet(json_t *fa, size_t i, long start, long end, const char *uri)
{
	json_t *f = json_array_get(fa, i);

	assert_non_null(f);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(f,
	    "index"), "byteStart")), start);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(f,
	    "index"), "byteEnd")), end);
	f = json_array_get(json_object_get(f, "features"), 0);
	assert_string_equal(json_string_value(json_object_get(f, "$type")),
	    HT_BSKY_FACET_LINK);
	assert_string_equal(json_string_value(json_object_get(f, "uri")), uri);
}

static void
facets(void **state)
{
	/* "héllo " is 7 bytes (é is 2), 6 code points: bytes it is. */
	static const char t[] =
	    "h\xc3\xa9llo https://example.com/releases/tag/v1.2.3";
	static const char t2[] = "\xf0\x9f\x9a\x80 v2 at example.org/x, and "
	    "https://a.example.net.";
	struct ht_err e;
	json_t *fa;

	fa = ht_bsky_facets(t, strlen(t), &e);
	assert_non_null(fa);
	assert_int_equal(json_array_size(fa), 1);
	check_facet(fa, 0, 7, (long)strlen(t),
	    "https://example.com/releases/tag/v1.2.3");
	json_decref(fa);

	/* No scheme: https:// in the URI; trailing punctuation left out. */
	fa = ht_bsky_facets(t2, strlen(t2), &e);
	assert_non_null(fa);
	assert_int_equal(json_array_size(fa), 2);
	check_facet(fa, 0, 11, 24, "https://example.org/x");
	check_facet(fa, 1, 30, 51, "https://a.example.net");
	json_decref(fa);

	fa = ht_bsky_facets("no link", 7, &e);
	assert_int_equal(json_array_size(fa), 0);
	json_decref(fa);
	assert_null(ht_bsky_facets("a\xff", 2, &e));
}

/* The tags of text, "BYTES=TAG" each, space-separated, into buf. */
static const char *
tags_of(const char *text, char *buf, size_t size)
{
	struct ht_err e;
	const json_t *f, *ft, *ix;
	json_t *fa;
	size_t i, n = 0;
	long s, t;

	fa = ht_bsky_facets(text, strlen(text), &e);
	assert_non_null(fa);
	buf[0] = '\0';
	json_array_foreach(fa, i, f) {
		ft = json_array_get(json_object_get(f, "features"), 0);
		if (strcmp(json_string_value(json_object_get(ft, "$type")),
		    HT_BSKY_FACET_TAG) != 0)
			continue;
		ix = json_object_get(f, "index");
		s = (long)json_integer_value(json_object_get(ix, "byteStart"));
		t = (long)json_integer_value(json_object_get(ix, "byteEnd"));
		n += (size_t)snprintf(buf + n, size - n, "%s%.*s=%s",
		    n > 0 ? " " : "", (int)(t - s), text + s,
		    json_string_value(json_object_get(ft, "tag")));
		assert_true(n < size);
	}
	json_decref(fa);
	return buf;
}

static void
tags(void **state)
{
	char buf[1024], *t64, *t65;

	assert_string_equal(tags_of("#docker", buf, sizeof buf),
	    "#docker=docker");
	assert_string_equal(tags_of("new: #docker, #v1.2! #1.2 #_ #", buf,
	    sizeof buf), "#docker=docker #v1.2=v1.2");
	/* After white space only; a tag ends at white space or U+200B. */
	assert_string_equal(tags_of("a#b (#c) x\t#d\xe2\x80\x8b#e #f\xe2\x80"
	    "\x8bg", buf, sizeof buf), "#d=d #f=f");
	/* U+3000 is white space; the full-width sign; keycap #️⃣ is none. */
	assert_string_equal(tags_of("\xe3\x80\x80#\xc3\xa9t\xc3\xa9 "
	    "\xef\xbc\x83wide #\xef\xb8\x8f\xe2\x83\xa3", buf, sizeof buf),
	    "#\xc3\xa9t\xc3\xa9=\xc3\xa9t\xc3\xa9 \xef\xbc\x83wide=wide");
	/* Not inside a link. */
	assert_string_equal(tags_of("see https://example.org/#frag #x", buf,
	    sizeof buf), "#x=x");
	/* 64 UTF-16 units at most: an emoji is two. */
	t64 = repeat("a", 64);
	t65 = repeat("a", 65);
	(void)snprintf(buf, sizeof buf, "#%s", t64);
	assert_int_equal(strlen(tags_of(buf, buf + 100, sizeof buf - 100)),
	    2 * 64 + 2);
	(void)snprintf(buf, sizeof buf, "#%s", t65);
	assert_string_equal(tags_of(buf, buf + 100, sizeof buf - 100), "");
	free(t64);
	free(t65);
	t64 = repeat("\xf0\x9f\x90\xb3", 33);
	(void)snprintf(buf, sizeof buf, "#%s", t64);
	assert_string_equal(tags_of(buf, buf + 200, sizeof buf - 200), "");
	free(t64);
}

static void
cards(void **state)
{
	static const char t[] = "v1 of a/b: a.example.org/x and https://c.example.org";
	struct ht_err e;
	json_t *ev, *card, *em;

	ev = json_pack("{s:s,s:s,s:s}", "repo_name", "a/b", "tag", "v1",
	    "description", "Does things");
	assert_int_equal(ht_bsky_card(t, strlen(t), ev, &card, &e), 1);
	assert_string_equal(json_string_value(json_object_get(card, "uri")),
	    "https://a.example.org/x");
	assert_string_equal(json_string_value(json_object_get(card, "title")),
	    "a/b v1");
	assert_string_equal(json_string_value(json_object_get(card,
	    "description")), "Does things");
	em = ht_bsky_embed(card, &e);
	assert_non_null(em);
	assert_string_equal(json_string_value(json_object_get(em, "$type")),
	    HT_BSKY_EMBED_EXTERNAL);
	json_decref(em);
	json_decref(card);
	assert_int_equal(json_object_set_new(ev, "description", json_null()),
	    0);
	assert_int_equal(ht_bsky_card(t, strlen(t), ev, &card, &e), 1);
	assert_string_equal(json_string_value(json_object_get(card,
	    "description")), HT_BSKY_CARD_DESCRIPTION);
	json_decref(card);
	assert_int_equal(ht_bsky_card("no link", 7, ev, &card, &e), 0);
	assert_null(card);
	json_decref(ev);
	ev = json_pack("{s:s}", "tag", "v1");
	assert_int_equal(ht_bsky_card(t, strlen(t), ev, &card, &e), 0);
	json_decref(ev);
	card = json_pack("{s:s,s:s,s:s}", "uri", "javascript:x", "title", "t",
	    "description", "d");
	assert_null(ht_bsky_embed(card, &e));
	assert_int_equal(e.status, 65);
	json_decref(card);
}

static void
instance(void **state)
{
	static const char ok[] = "{\"configuration\":{\"statuses\":"
	    "{\"max_characters\":1000,\"characters_reserved_per_url\":30}}}";
	static const char none[] = "{\"configuration\":{}}";
	static const char big[] = "{\"configuration\":{\"statuses\":"
	    "{\"max_characters\":100001}}}";
	static const char badurl[] = "{\"configuration\":{\"statuses\":"
	    "{\"max_characters\":900,\"characters_reserved_per_url\":0}}}";
	struct ht_instance in;
	struct ht_lenrule r;
	struct ht_tweetlen tl;
	struct ht_err e;

	assert_int_equal(ht_instance_parse(ok, strlen(ok), &in, &e), 0);
	assert_int_equal(in.max_characters, 1000);
	assert_int_equal(in.url_chars, 30);
	assert_int_equal(ht_instance_parse(none, strlen(none), &in, &e), -1);
	assert_int_equal(e.status, 65);
	assert_int_equal(ht_instance_parse(big, strlen(big), &in, &e), -1);
	assert_int_equal(ht_instance_parse(badurl, strlen(badurl), &in, &e),
	    -1);
	assert_int_equal(ht_instance_parse("<html>", 6, &in, &e), -1);
	/* What a link counts on the instance. */
	ht_lenrule_default(HT_NET_MASTODON, &r);
	r.url_chars = 30;
	assert_int_equal(ht_postlen(&r, "a https://example.org/x", 23, &tl,
	    &e), 0);
	assert_int_equal(tl.weighted, 32);
}

static void
keys(void **state)
{
	char a[64], b[64];
	struct ht_err e;

	assert_int_equal(ht_postkey_idem("ev1", "x", 1, a, sizeof a, &e), 0);
	assert_int_equal(ht_postkey_idem("ev1", "other", 5, b, sizeof b, &e),
	    0);
	assert_string_equal(a, b);	/* the id decides, not the text */
	assert_int_equal(strlen(a), 9 + HT_POSTKEY_IDEM_LEN);
	assert_int_equal(ht_postkey_idem("ev2", "x", 1, b, sizeof b, &e), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(ht_postkey_idem(NULL, "hello", 5, a, sizeof a, &e),
	    0);
	assert_int_equal(ht_postkey_idem("", "hello", 5, b, sizeof b, &e), 0);
	assert_string_equal(a, b);
	assert_int_equal(ht_postkey_idem(NULL, "hellO", 5, b, sizeof b, &e),
	    0);
	assert_string_not_equal(a, b);
	assert_int_equal(ht_postkey_idem("ev1", "x", 1, a, 20, &e), -1);

	/* TIDs: 13 characters, sorted by time, the same for the same input. */
	assert_int_equal(ht_postkey_tid("ev1", NULL, 0, 1700000000000000ULL, a,
	    sizeof a, &e), 0);
	assert_true(ht_postkey_is_tid(a));
	assert_int_equal(ht_postkey_tid("ev1", NULL, 0, 1700000000000000ULL, b,
	    sizeof b, &e), 0);
	assert_string_equal(a, b);
	assert_int_equal(ht_postkey_tid("ev1", NULL, 0, 1700000000000001ULL, b,
	    sizeof b, &e), 0);
	assert_true(strcmp(a, b) < 0);
	assert_int_equal(ht_postkey_tid("ev1", NULL, 0, 0, a, sizeof a, &e), 0);
	assert_int_equal(strncmp(a, "22222222222", 11), 0);
	assert_int_equal(ht_postkey_tid("ev1", NULL, 0, (uint64_t)1 << 53, a,
	    sizeof a, &e), -1);
	assert_true(ht_postkey_is_tid("3jzfcijpj2z2a"));
	assert_false(ht_postkey_is_tid("kjzfcijpj2z2a"));
	assert_false(ht_postkey_is_tid("3jzfcijpj2z2"));
	assert_false(ht_postkey_is_tid("3jzfcijpj2z2A"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(networks),
		cmocka_unit_test(mastodon),
		cmocka_unit_test(mastodon_limit),
		cmocka_unit_test(bluesky),
		cmocka_unit_test(fit_for),
		cmocka_unit_test(fit_bytes),
		cmocka_unit_test(facets),
		cmocka_unit_test(tags),
		cmocka_unit_test(cards),
		cmocka_unit_test(instance),
		cmocka_unit_test(keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
