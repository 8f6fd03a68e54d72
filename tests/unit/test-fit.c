/* Unit tests: lib/fit.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fit.h"
#include "utf8.h"

#define URL	"https://hub.docker.com/r/acme/widget"
#define ELL	HT_FIT_ELLIPSIS

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

static struct ht_fit_part
text(const char *s)
{
	struct ht_fit_part p = { s, strlen(s), 0 };

	return p;
}

static struct ht_fit_part
value(const char *s)
{
	struct ht_fit_part p = { s, strlen(s), 1 };

	return p;
}

static size_t
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

/* The case: a description of 1,000 characters. */
static void
long_description(void **state)
{
	char *d = repeat("x", 1000);
	struct ht_fit_part p[3];
	struct ht_fit f;
	struct ht_err e;

	p[0] = value(d);
	p[1] = text(" ");
	p[2] = value(URL);
	assert_int_equal(ht_fit(p, 3, HT_TWEET_MAX, 1, &f, &e), 0);
	assert_int_equal(f.tl.weighted, 280);
	assert_true(f.tl.valid);
	assert_int_equal(f.shortened, 1);
	assert_true(ends_with(f.text, "x" ELL " " URL));
	/* 254 x, "…" (2), " ", the URL (23). */
	assert_int_equal(f.len, 254 + 3 + 1 + strlen(URL));
	ht_fit_free(&f);
	free(d);
}

static void
no_need(void **state)
{
	struct ht_fit_part p[2];
	struct ht_fit f;
	struct ht_err e;

	p[0] = text("Release ");
	p[1] = value("v1");
	assert_int_equal(ht_fit(p, 2, HT_TWEET_MAX, 1, &f, &e), 0);
	assert_string_equal(f.text, "Release v1");
	assert_int_equal(f.tl.weighted, 10);
	assert_int_equal(f.shortened, 0);
	ht_fit_free(&f);
}

/* The longest value is cut, at a grapheme boundary, spaces dropped. */
static void
longest_graphemes(void **state)
{
	/* 👍🏽 is one grapheme of 8 bytes; é decomposed is one of 3. */
	char *emo = repeat("\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", 200);
	char *acc = repeat("e\xcc\x81 ", 40);
	struct ht_fit_part p[4];
	struct ht_fit f;
	struct ht_err e;

	p[0] = value(acc);
	p[1] = text(" | ");
	p[2] = value(emo);
	p[3] = value("short");
	assert_int_equal(ht_fit(p, 4, HT_TWEET_MAX, 1, &f, &e), 0);
	assert_true(f.tl.weighted <= 280 && f.tl.weighted >= 279);
	/* acc (80) and "short" are whole; the emoji run is cut. */
	assert_memory_equal(f.text, acc, strlen(acc));
	assert_true(ends_with(f.text, "\xf0\x9f\x8f\xbd" ELL "short"));
	ht_fit_free(&f);
	/* Spaces before the cut are dropped: "a a a…", not "a a a …". */
	free(acc);
	acc = repeat("ab ", 200);
	p[0] = value(acc);
	assert_int_equal(ht_fit(p, 1, 20, 1, &f, &e), 0);
	assert_string_equal(f.text, "ab ab ab ab ab ab" ELL);
	assert_int_equal(f.tl.weighted, 19);
	ht_fit_free(&f);
	free(acc);
	free(emo);
}

/* A URL value is never cut; nor a URL inside a value. */
static void
urls_intact(void **state)
{
	char *d = repeat("y", 300);
	char *mixed;
	struct ht_fit_part p[3];
	struct ht_fit f;
	struct ht_err e;
	size_t n;

	p[0] = value(URL "/very/long/path/that/is/not/cut/even/if/long");
	p[1] = text(" ");
	p[2] = value(d);
	assert_int_equal(ht_fit(p, 3, HT_TWEET_MAX, 1, &f, &e), 0);
	assert_memory_equal(f.text, p[0].s, p[0].len);
	assert_int_equal(f.tl.weighted, 280);
	ht_fit_free(&f);

	/* The value holds a URL: cut before it, not inside. */
	n = strlen("words  ") + strlen(URL) + 300;
	mixed = malloc(n + 1);
	assert_non_null(mixed);
	memcpy(mixed, "words " URL " ", n - 300);
	memset(mixed + n - 300, 'z', 300);
	mixed[n] = '\0';
	p[0] = value(mixed);
	assert_int_equal(ht_fit(p, 1, 20, 1, &f, &e), 0);
	assert_string_equal(f.text, "words" ELL);
	ht_fit_free(&f);
	/* Inside the word after the URL: back to the end of the URL. */
	assert_int_equal(ht_fit(p, 1, 40, 1, &f, &e), 0);
	assert_string_equal(f.text, "words " URL ELL);
	assert_int_equal(f.tl.weighted, 31);
	ht_fit_free(&f);
	free(mixed);
	free(d);
}

/* A cut inside a word moves to the end of a word within reach. */
static void
word_boundary(void **state)
{
	struct ht_fit_part p[2];
	struct ht_fit f;
	struct ht_err e;

	p[0] = value("Lightweight relay with apparently endless options");
	p[1] = text(" - docker pull x");
	assert_int_equal(ht_fit(p, 2, 40, 1, &f, &e), 0);
	assert_string_equal(f.text, "Lightweight relay with" ELL
	    " - docker pull x");
	ht_fit_free(&f);
	/* No word end within reach: cut inside the word, as much as fits. */
	p[0] = value("x Supercalifragilisticexpialidociouslyextraordinarily");
	p[1] = text(".");
	assert_int_equal(ht_fit(p, 2, 40, 1, &f, &e), 0);
	assert_int_equal(f.tl.weighted, 40);
	ht_fit_free(&f);
}

static void
cannot_fit(void **state)
{
	char *t = repeat("T", 300), *d = repeat("d", 50);
	struct ht_fit_part p[2];
	struct ht_fit f;
	struct ht_err e;

	p[0] = text(t);
	p[1] = value(d);
	/* The template's text alone is 300: 22 over with the value as "…". */
	assert_int_equal(ht_fit(p, 2, HT_TWEET_MAX, 1, &f, &e), 1);
	assert_int_equal(f.over, 22);
	ht_fit_free(&f);
	/* Without cutting: 350, 70 over. */
	assert_int_equal(ht_fit(p, 2, HT_TWEET_MAX, 0, &f, &e), 1);
	assert_int_equal(f.over, 70);
	assert_int_equal(f.tl.weighted, 350);
	ht_fit_free(&f);
	free(t);
	free(d);
}

/* Two values: when the longest as "…" is not enough, the next is cut. */
static void
next_longest(void **state)
{
	char *a = repeat("a", 200), *b = repeat("b", 150);
	struct ht_fit_part p[3];
	struct ht_fit f;
	struct ht_err e;

	p[0] = value(b);
	p[1] = text("/");
	p[2] = value(a);
	assert_int_equal(ht_fit(p, 3, 100, 1, &f, &e), 0);
	assert_int_equal(f.tl.weighted, 100);
	assert_true(ends_with(f.text, "b" ELL "/" ELL));
	assert_int_equal(f.shortened, 2);
	ht_fit_free(&f);
	free(a);
	free(b);
}

static void
graphemes_cut(void **state)
{
	struct ht_err e;

	/* e + U+0301 is one cluster: never split. */
	assert_int_equal(ht_utf8_cut("ae\xcc\x81x", 5, 2, &e), 1);
	assert_int_equal(ht_utf8_cut("ae\xcc\x81x", 5, 4, &e), 4);
	assert_int_equal(ht_utf8_cut("ae\xcc\x81x", 5, 99, &e), 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(long_description),
		cmocka_unit_test(no_need),
		cmocka_unit_test(longest_graphemes),
		cmocka_unit_test(urls_intact),
		cmocka_unit_test(word_boundary),
		cmocka_unit_test(cannot_fit),
		cmocka_unit_test(next_longest),
		cmocka_unit_test(graphemes_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
