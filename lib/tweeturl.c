/*
 * URL matching after twitter-text's extractUrlsWithIndices (config v3).
 *
 * twitter-text runs one global regular expression,
 *
 *	(preceding char | ^) (https?://)? domain (:port)? (/path)? (?query)?
 *
 * and then filters its matches.  Everything after the domain is optional
 * and greedy, so the first match at a position is the longest one, and
 * that is what url_at() computes directly.  The regular expression moves
 * on from the end of each match, valid or not; ht_url_find() does too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpsl.h>
#include <utf8proc.h>

#include "tweeturl.h"
#include "utf8.h"

#define URL_MAX_LEN	4096	/* UTF-16 units, as twitter-text counts */
#define TCO_SLUG_MAX	40
#define LABEL_MAX	63	/* DNS label, punycode-encoded */
/*
 * Labels looked at in one domain.  Real names have a handful; the bound
 * keeps a text such as "a.a.a.a..." linear.  A longer name is then found
 * in pieces, each counted 23: never less than X counts.
 */
#define LABELS_MAX	32

/*
 * One scan of a text.  What every match attempt would compute again is
 * computed once: where each run of label characters ends, where the next
 * underscore is, and which positions begin a top-level domain.
 */
struct scan {
	const int32_t *c;
	size_t n;
	uint32_t *run;		/* run[i]: end of the label run from i */
	uint32_t *us;		/* us[i]: the first '_' at or after i, or n */
	uint32_t *tld;		/* tld[i]: 0 unknown, TLD_NONE, or its end */
};
#define TLD_NONE	UINT32_MAX

static const psl_ctx_t *psl;

static void	punct_init(void);

static int
psl_ready(struct ht_err *e)
{
	if (psl == NULL)
		punct_init();
	if (psl == NULL && (psl = psl_latest(NULL)) == NULL &&
	    (psl = psl_builtin()) == NULL) {
		ht_err_set(e, "no Public Suffix List (libpsl has no data)");
		return -1;
	}
	return 0;
}

static int
ascii_alnum(int32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
in_set(int32_t c, const char *set)
{
	return c > 0 && c < 0x80 && strchr(set, (int)c) != NULL;
}

/*
 * The ASCII punctuation twitter-text keeps out of domains, as a table:
 * domain_char() runs on every character of a text.
 */
static const char punct[] = "!'#%&()*+,\\-./:;<=>?@[]^_{|}~$";
static unsigned char punct_table[128];

static void
punct_init(void)
{
	const char *p;

	for (p = punct; *p != '\0'; p++)
		punct_table[(unsigned char)*p] = 1;
}

/* twitter-text's spaces. */
static int
is_space(int32_t c)
{
	return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 ||
	    c == 0xa0 || c == 0x1680 || c == 0x180e ||
	    (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
	    c == 0x202f || c == 0x205f || c == 0x3000;
}

/* Characters that make a post invalid. */
static int
is_invalid(int32_t c)
{
	return c == 0xfffe || c == 0xfeff || c == 0xffff;
}

/* Bidirectional marks, which may wrap a URL but are no part of it. */
static int
is_directional(int32_t c)
{
	return (c >= 0x202a && c <= 0x202e) || c == 0x061c || c == 0x200e ||
	    c == 0x200f || (c >= 0x2066 && c <= 0x2069);
}

/* Any character but ASCII punctuation, spaces, marks and invalid ones. */
static int
domain_char(int32_t c)
{
	if (c < 0x80)
		return !punct_table[c] && !is_space(c);
	return !is_space(c) && !is_invalid(c) && !is_directional(c);
}

/* Latin letters with accents and combining marks, as twitter-text lists them. */
static int
latin_accent(int32_t c)
{
	return (c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xf6) ||
	    (c >= 0xf8 && c <= 0x24f) || c == 0x253 || c == 0x254 ||
	    c == 0x256 || c == 0x257 || c == 0x259 || c == 0x25b ||
	    c == 0x263 || c == 0x268 || c == 0x26f || c == 0x272 ||
	    c == 0x289 || c == 0x28b || c == 0x2bb ||
	    (c >= 0x300 && c <= 0x36f) || (c >= 0x1e00 && c <= 0x1eff);
}

static int
cyrillic(int32_t c)
{
	return c >= 0x400 && c <= 0x4ff;
}

static int
path_char(int32_t c)
{
	return ascii_alnum(c) || cyrillic(c) || latin_accent(c) ||
	    in_set(c, "!*';:=+,.$/%#[]-_~@|&") || c == 0x2013;
}

/* Characters a path may end with (so "/foo." leaves the period out). */
static int
path_end_char(int32_t c)
{
	return ascii_alnum(c) || cyrillic(c) || latin_accent(c) ||
	    in_set(c, "+-=_#/");
}

static int
query_char(int32_t c)
{
	return ascii_alnum(c) || in_set(c, "!?*'@();:&=+$/%#[]-_.,~|");
}

static int
query_end_char(int32_t c)
{
	return ascii_alnum(c) || in_set(c, "-_&=#/");
}

/* The character before a URL: not a letter, digit, @, $ or #. */
static int
preceding_ok(int32_t c)
{
	return !ascii_alnum(c) && !in_set(c, "@$#") && c != 0xff20 &&
	    c != 0xff03 && !is_invalid(c);
}

static int32_t
lower(int32_t c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : utf8proc_tolower(c);
}

/*
 * The list names some top-level domains only through the names below them
 * (".za" has "co.za", "ac.za", ... but no line of its own): a label under
 * which a usual second-level public suffix is listed is a top-level
 * domain too.
 */
static int
registry_below(const char *tld, size_t len)
{
	static const char *const second[] = {
		"co", "com", "ac", "org", "net", "gov", "edu"
	};
	char name[LABEL_MAX * 4 + 8];
	size_t i;
	int n;

	for (i = 0; i < sizeof second / sizeof second[0]; i++) {
		n = snprintf(name, sizeof name, "%s.%s", second[i], tld);
		if (n < 0 || (size_t)n >= sizeof name || (size_t)n < len)
			return 0;
		if (psl_is_public_suffix2(psl, name,
		    PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) == 1)
			return 1;
	}
	return 0;
}

/*
 * Labels already looked up.  Posts name the same few domains over and over
 * (hub.docker.com, github.com), and a label that is not a top-level domain
 * costs up to eight lookups in the list; a small direct-mapped table of
 * short labels saves them.  Per process, like the list itself.
 */
#define TLD_CACHE	256
#define TLD_CACHED_LEN	24
static struct {
	char label[TLD_CACHED_LEN];
	int known;
} tld_cache[TLD_CACHE];

/* Whether cps[a..b) is a known top-level domain. */
static int
known_tld(const int32_t *cps, size_t a, size_t b)
{
	char buf[LABEL_MAX * 4 + 1];
	size_t i, k = 0;
	uint32_t h = 2166136261u;	/* FNV-1a */
	int known;

	if (b - a > LABEL_MAX)
		return 0;
	for (i = a; i < b; i++)
		k += (size_t)utf8proc_encode_char(lower(cps[i]),
		    (utf8proc_uint8_t *)buf + k);
	buf[k] = '\0';
	/*
	 * A label holding U+0000 is no domain; the list and the cache, which
	 * take C strings, would read it cut short ("" matched every entry
	 * not yet filled: a text weighed differently the second time).
	 */
	if (memchr(buf, '\0', k) != NULL)
		return 0;
	for (i = 0; i < k; i++)
		h = (h ^ (unsigned char)buf[i]) * 16777619u;
	h %= TLD_CACHE;
	if (k < TLD_CACHED_LEN && strcmp(tld_cache[h].label, buf) == 0 && k > 0)
		return tld_cache[h].known;
	known = psl_is_public_suffix2(psl, buf,
	    PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) == 1 ||
	    registry_below(buf, k);
	if (k < TLD_CACHED_LEN && k > 0) {
		memcpy(tld_cache[h].label, buf, k + 1);
		tld_cache[h].known = known;
	}
	return known;
}

/*
 * A top-level domain at cps[i], within cps[0..n): returns its end, or 0.
 * It must not be followed by a letter, digit, @, + or - (twitter-text's
 * lookahead), so "example.community" is not "example.com".  A Punycode
 * label (xn--...) is taken as a top-level domain as it is.
 */
static size_t
tld_at(const int32_t *cps, size_t n, size_t i)
{
	size_t j, k;

	if (i >= n)
		return 0;
	if (i + 4 < n && lower(cps[i]) == 'x' && lower(cps[i + 1]) == 'n' &&
	    cps[i + 2] == '-' && cps[i + 3] == '-' &&
	    (ascii_alnum(cps[i + 4]) || cps[i + 4] == '-')) {
		for (j = i + 4; j < n && (ascii_alnum(cps[j]) ||
		    cps[j] == '-'); j++)
			;
		return j;
	}
	if (ascii_alnum(cps[i])) {
		for (j = i; j < n && ascii_alnum(cps[j]); j++)
			;
		if (j < n && in_set(cps[j], "@+-"))
			return 0;
		return known_tld(cps, i, j) ? j : 0;
	}
	/*
	 * A top-level domain in another script (.рф, .みんな): the longest
	 * known prefix of the run of domain characters, not followed by an
	 * ASCII letter or digit.
	 */
	for (j = i; j < n && j - i < LABEL_MAX && domain_char(cps[j]) &&
	    !ascii_alnum(cps[j]); j++)
		;
	for (k = j; k > i; k--) {
		if (k < n && (ascii_alnum(cps[k]) || in_set(cps[k], "@+-")))
			continue;
		if (known_tld(cps, i, k))
			return k;
	}
	return 0;
}

/*
 * A domain at cps[s]: labels of domain characters separated by dots, each
 * beginning and ending with a domain character ("-" and, except in the
 * label before the top-level domain, "_" allowed inside), then a known
 * top-level domain.  As the regular expression does, take the most labels
 * that work.  Returns the end, or 0.
 */
static int
label_char(int32_t c)
{
	return domain_char(c) || c == '-' || c == '_';
}

static size_t
tld_memo(struct scan *sc, size_t i)
{
	size_t t;

	if (i >= sc->n)
		return 0;
	if (sc->tld[i] == 0) {
		t = tld_at(sc->c, sc->n, i);
		sc->tld[i] = t == 0 ? TLD_NONE : (uint32_t)t;
	}
	return sc->tld[i] == TLD_NONE ? 0 : sc->tld[i];
}

static size_t
domain_at(struct scan *sc, size_t s)
{
	const int32_t *cps = sc->c;
	size_t end[LABELS_MAX], i = s, j, nl = 0, k, t;
	int underscore[LABELS_MAX] = { 0 };

	while (nl < LABELS_MAX && i < sc->n) {
		j = sc->run[i];
		if (j == i || j >= sc->n || cps[j] != '.' ||
		    !domain_char(cps[i]) || !domain_char(cps[j - 1]))
			break;
		underscore[nl] = sc->us[i] < j;
		end[nl++] = j;
		i = j + 1;
	}
	for (k = nl; k-- > 0;) {
		if (underscore[k])
			continue;
		if ((t = tld_memo(sc, end[k] + 1)) != 0)
			return t;
	}
	return 0;
}

/*
 * Balanced parentheses in a path, two levels at most, as in
 * /wiki/Primer_(film) or /track/We_Up_(Album_Version_(Edited))/.
 * Returns the end, or 0.
 */
static size_t
parens_at(const int32_t *cps, size_t n, size_t i)
{
	size_t j = i + 1, a;

	if (i >= n || cps[i] != '(')
		return 0;
	for (a = j; j < n && path_char(cps[j]); j++)
		;
	if (j < n && cps[j] == ')')
		return j > a ? j + 1 : 0;
	if (j >= n || cps[j] != '(')
		return 0;
	for (a = ++j; j < n && path_char(cps[j]); j++)
		;
	if (j == a || j >= n || cps[j] != ')')
		return 0;
	for (j++; j < n && path_char(cps[j]); j++)
		;
	return j < n && cps[j] == ')' ? j + 1 : 0;
}

/* A path at cps[i] == '/': returns its end. */
static size_t
path_at(const int32_t *cps, size_t n, size_t i)
{
	size_t j = i + 1, last = i + 1, p;

	for (;;) {
		if (j < n && path_char(cps[j])) {
			if (path_end_char(cps[j]))
				last = j + 1;
			j++;
		} else if ((p = parens_at(cps, n, j)) != 0) {
			last = j = p;
		} else
			break;
	}
	return last;
}

/* A query at cps[i] == '?', within cps[0..n): returns its end, or i. */
static size_t
query_at(const int32_t *cps, size_t n, size_t i)
{
	size_t j, last = i;

	for (j = i + 1; j < n && query_char(cps[j]); j++)
		if (query_end_char(cps[j]))
			last = j + 1;
	return last;
}

static int
has_scheme(const int32_t *cps, size_t n, size_t i, size_t *len)
{
	static const char http[] = "http";
	size_t k;

	for (k = 0; k < 4; k++)
		if (i + k >= n || lower(cps[i + k]) != http[k])
			return 0;
	k = 4;
	if (i + k < n && lower(cps[i + k]) == 's')
		k++;
	if (i + k + 2 < n && cps[i + k] == ':' && cps[i + k + 1] == '/' &&
	    cps[i + k + 2] == '/') {
		*len = k + 3;
		return 1;
	}
	return 0;
}

struct match {
	size_t start, end;		/* the URL */
	size_t scheme;			/* length of http:// or https:// */
	size_t dstart, dend;		/* the domain */
	int path;			/* whether it has a path */
	int32_t before;			/* preceding char, or 0 at ^ */
};

/* The URL the regular expression matches at u, if any. */
static int
url_at(struct scan *sc, size_t u, struct match *m)
{
	const int32_t *cps = sc->c;
	size_t d, e, n = sc->n;

	m->start = u;
	m->scheme = 0;
	m->path = 0;
	d = u;
	if (has_scheme(cps, n, u, &m->scheme))
		d = u + m->scheme;
	if ((e = domain_at(sc, d)) == 0)
		return 0;
	m->dstart = d;
	m->dend = e;
	if (e + 1 < n && cps[e] == ':' && cps[e + 1] >= '0' &&
	    cps[e + 1] <= '9')
		for (e++; e < n && cps[e] >= '0' && cps[e] <= '9'; e++)
			;
	if (e < n && cps[e] == '/') {
		e = path_at(cps, n, e);
		m->path = 1;
	}
	if (e < n && cps[e] == '?')
		e = query_at(cps, n, e);
	m->end = e;
	return 1;
}

/* The next match of the regular expression from position pos. */
static int
next_match(struct scan *sc, size_t pos, struct match *m)
{
	size_t i;

	for (i = pos; i < sc->n; i++) {
		if (preceding_ok(sc->c[i]) && url_at(sc, i + 1, m)) {
			m->before = sc->c[i];
			return 1;
		}
		if (i == 0 && url_at(sc, 0, m)) {
			m->before = 0;
			return 1;
		}
	}
	return 0;
}

/* UTF-16 length of cps[a..b), as JavaScript measures strings. */
static size_t
utf16_len(const int32_t *cps, size_t a, size_t b)
{
	size_t i, k = 0;

	for (i = a; i < b; i++)
		k += cps[i] > 0xffff ? 2 : 1;
	return k;
}

static size_t
puny_adapt(uint64_t delta, uint64_t points, int first)
{
	size_t k = 0;

	delta = first ? delta / 700 : delta / 2;
	delta += delta / points;
	while (delta > ((36 - 1) * 26) / 2) {
		delta /= 36 - 1;
		k += 36;
	}
	return k + (size_t)((36 * delta) / (delta + 38));
}

/*
 * The length of the Punycode form (RFC 3492) of cps[a..b), "xn--"
 * included when it is not all ASCII.  Only the length is computed: it
 * decides whether a label is too long.  IDNA libraries also apply
 * IDNA2008 mappings, which reject names twitter-text accepts (☃.net).
 */
static size_t
puny_len(const int32_t *cps, size_t a, size_t b)
{
	uint64_t n = 128, delta = 0, q, m;
	size_t bias = 72, h, basic = 0, out, i, k, t;

	for (i = a; i < b; i++)
		if (cps[i] < 0x80)
			basic++;
	if (basic == b - a)
		return basic;
	if (b - a > LABEL_MAX)
		return LABEL_MAX + 1;	/* every code point costs one */
	out = 4 + basic + (basic > 0);
	h = basic;
	while (h < b - a) {
		m = UINT64_MAX;
		for (i = a; i < b; i++)
			if ((uint64_t)cps[i] >= n && (uint64_t)cps[i] < m)
				m = (uint64_t)cps[i];
		delta += (m - n) * (h + 1);
		n = m;
		for (i = a; i < b; i++) {
			if ((uint64_t)cps[i] < n)
				delta++;
			if ((uint64_t)cps[i] != n)
				continue;
			q = delta;
			for (k = 36;; k += 36) {
				t = k <= bias ? 1 : k >= bias + 26 ? 26 :
				    k - bias;
				if (q < t)
					break;
				out++;
				q = (q - t) / (36 - t);
			}
			out++;
			bias = puny_adapt(delta, h + 1, h == basic);
			delta = 0;
			h++;
		}
		delta++;
		n++;
	}
	return out;
}

/*
 * twitter-text's isValidUrl: every label of the domain, Punycode-encoded,
 * is 1 to 63 characters, and the URL so encoded is at most 4096 long.
 */
static int
valid_url(const int32_t *cps, const struct match *m)
{
	size_t i, a = m->dstart, puny = 0, l;

	for (i = m->dstart; i <= m->dend; i++) {
		if (i < m->dend && cps[i] != '.')
			continue;
		l = puny_len(cps, a, i);
		if (l < 1 || l > LABEL_MAX)
			return 0;
		puny += l + (i < m->dend);
		a = i + 1;
	}
	/* The scheme counted twice, as twitter-text does. */
	return (m->scheme > 0 ? m->scheme : strlen("https://")) +
	    utf16_len(cps, m->start, m->end) + puny -
	    utf16_len(cps, m->dstart, m->dend) <= URL_MAX_LEN;
}

/*
 * An ASCII domain inside cps[p..de): labels of ASCII letters, digits,
 * hyphens and accented Latin letters, then a top-level domain.  Returns
 * its end, or 0.
 */
static size_t
ascii_domain_at(const int32_t *cps, size_t de, size_t p)
{
	size_t end[LABELS_MAX], i = p, j, nl = 0, t;

	while (nl < LABELS_MAX) {
		for (j = i; j < de && (ascii_alnum(cps[j]) || cps[j] == '-' ||
		    latin_accent(cps[j])); j++)
			;
		if (j == i || j >= de || cps[j] != '.')
			break;
		end[nl++] = j;
		i = j + 1;
	}
	while (nl-- > 0)
		if ((t = tld_at(cps, de, end[nl] + 1)) != 0)
			return t;
	return 0;
}

/*
 * A domain that says it is Punycode (xn--...) must hold an ASCII domain,
 * as twitter-text's toAscii requires.
 */
static int
bad_punycode(const int32_t *cps, const struct match *m)
{
	size_t p;

	if (m->dend - m->dstart < 4 || cps[m->dstart] != 'x' ||
	    cps[m->dstart + 1] != 'n' || cps[m->dstart + 2] != '-' ||
	    cps[m->dstart + 3] != '-')
		return 0;
	for (p = m->dstart; p < m->dend; p++)
		if (ascii_domain_at(cps, m->dend, p) != 0)
			return 0;
	return 1;
}

struct spans {
	struct ht_urlspan *v;
	size_t n, cap;
};

static int
push(struct spans *s, size_t a, size_t b)
{
	struct ht_urlspan *nv;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4;
		if ((nv = realloc(s->v, s->cap * sizeof *nv)) == NULL)
			return -1;
		s->v = nv;
	}
	s->v[s->n].start = a;
	s->v[s->n++].end = b;
	return 0;
}

/* A t.co link keeps only its slug and query; a slug over 40 is no link. */
static int
tco(const int32_t *cps, struct match *m)
{
	static const char tco_host[] = "t.co";
	size_t i, j;

	if (m->dend - m->dstart != 4)
		return 1;
	for (i = 0; i < 4; i++)
		if (lower(cps[m->dstart + i]) != tco_host[i])
			return 1;
	i = m->dend;
	if (i >= m->end || cps[i] != '/')
		return 1;
	for (j = ++i; j < m->end && ascii_alnum(cps[j]); j++)
		;
	if (j == i)
		return 1;
	if (j - i > TCO_SLUG_MAX)
		return 0;
	if (j < m->end && cps[j] == '?')
		j = query_at(cps, m->end, j);
	m->end = j;
	return 1;
}

long
ht_url_find(const int32_t *cps, size_t n, struct ht_urlspan **out,
    struct ht_err *e)
{
	struct spans s = { NULL, 0, 0 };
	struct scan sc = { cps, n, NULL, NULL, NULL };
	struct match m;
	size_t i, pos = 0, p, q, last;
	int dot = 0;

	*out = NULL;
	if (psl_ready(e) == -1)
		return -1;
	for (i = 0; i < n && !dot; i++)
		dot = cps[i] == '.';
	if (!dot)
		return 0;
	if (n >= UINT32_MAX) {
		ht_err_set(e, "text too long");
		return -1;
	}
	if ((sc.run = malloc((n + 1) * sizeof *sc.run)) == NULL ||
	    (sc.us = malloc((n + 1) * sizeof *sc.us)) == NULL ||
	    (sc.tld = calloc(n + 1, sizeof *sc.tld)) == NULL)
		goto oom;
	sc.run[n] = sc.us[n] = (uint32_t)n;
	for (i = n; i-- > 0;) {
		sc.run[i] = label_char(cps[i]) ? sc.run[i + 1] : (uint32_t)i;
		sc.us[i] = cps[i] == '_' ? (uint32_t)i : sc.us[i + 1];
	}
	while (pos < n && next_match(&sc, pos, &m)) {
		pos = m.end;
		if (!valid_url(cps, &m) || bad_punycode(cps, &m))
			continue;
		if (m.scheme > 0) {
			if (tco(cps, &m) && push(&s, m.start, m.end) == -1)
				goto oom;
			continue;
		}
		if (m.before != 0 && in_set(m.before, "-_./"))
			continue;
		/* Without a scheme, only the ASCII domains inside count. */
		last = SIZE_MAX;
		for (p = m.dstart; p < m.dend;) {
			if ((q = ascii_domain_at(cps, m.dend, p)) == 0) {
				p++;
				continue;
			}
			if (push(&s, p, q) == -1)
				goto oom;
			last = s.n - 1;
			p = q;
		}
		if (last != SIZE_MAX && m.path)
			s.v[last].end = m.end;
	}
	free(sc.run);
	free(sc.us);
	free(sc.tld);
	*out = s.v;
	return (long)s.n;
oom:
	free(sc.run);
	free(sc.us);
	free(sc.tld);
	free(s.v);
	ht_err_set(e, "out of memory");
	return -1;
}

long
ht_url_find_utf8(const char *s, size_t len, struct ht_urlspan **spans,
    struct ht_err *e)
{
	int32_t *cps;
	size_t *offs;
	long n, k, i;

	*spans = NULL;
	if ((n = ht_utf8_decode(s, len, &cps, &offs, e)) == -1)
		return -1;
	k = ht_url_find(cps, (size_t)n, spans, e);
	for (i = 0; i < k; i++) {
		(*spans)[i].start = offs[(*spans)[i].start];
		(*spans)[i].end = offs[(*spans)[i].end];
	}
	free(cps);
	free(offs);
	return k;
}

int
ht_url_is_tld(const char *label, size_t len, struct ht_err *e)
{
	int32_t *cps;
	long n;
	int r;

	if (psl_ready(e) == -1 ||
	    (n = ht_utf8_decode(label, len, &cps, NULL, e)) == -1)
		return -1;
	r = n > 0 && tld_at(cps, (size_t)n, 0) == (size_t)n;
	free(cps);
	return r;
}
