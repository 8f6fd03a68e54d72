#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "postlen.h"
#include "tweeturl.h"
#include "utf8.h"

static const char *const names[] = {
	[HT_NET_X] = "x",
	[HT_NET_MASTODON] = "mastodon",
	[HT_NET_BLUESKY] = "bluesky",
};

int
ht_network_parse(const char *s, enum ht_network *net)
{
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i]) == 0) {
			*net = (enum ht_network)i;
			return 0;
		}
	return -1;
}

const char *
ht_network_name(enum ht_network net)
{
	return (size_t)net < sizeof names / sizeof names[0] ? names[net] : "?";
}

void
ht_lenrule_default(enum ht_network net, struct ht_lenrule *r)
{
	r->net = net;
	r->max_bytes = 0;
	r->url_chars = 0;
	switch (net) {
	case HT_NET_MASTODON:
		r->max = HT_MASTODON_MAX;
		break;
	case HT_NET_BLUESKY:
		r->max = HT_BSKY_MAX;
		r->max_bytes = HT_BSKY_MAX_BYTES;
		break;
	case HT_NET_X:
	default:
		r->max = HT_TWEET_MAX;
		break;
	}
}

/* Ruby's [[:word:]], which Mastodon's mention pattern uses. */
static int
word(int32_t c)
{
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
	case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO: case UTF8PROC_CATEGORY_PC:
		return 1;
	default:
		return 0;
	}
}

static int
user_char(int32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

/*
 * A mention at cps[i] ('@'), as Mastodon's MENTION_RE finds it:
 *   (?<![=/[:word:]])@([a-z0-9_]+([a-z0-9_.-]+[a-z0-9_]+)?)
 *   (@[[:word:].-]+[[:word:]]+)?
 * Returns the number of code points it spans (0: none) and *user the
 * length of "@user", which is what Mastodon counts.  Written by hand: the
 * pattern needs Unicode classes and a lookbehind, which POSIX regex lacks.
 */
static size_t
mention(const int32_t *cps, size_t n, size_t i, size_t *user)
{
	size_t j, end, d;

	if (cps[i] != '@' || (i > 0 && (cps[i - 1] == '=' ||
	    cps[i - 1] == '/' || word(cps[i - 1]))))
		return 0;
	j = i + 1;
	while (j < n && (user_char(cps[j]) || cps[j] == '.' || cps[j] == '-'))
		j++;
	/* Back to the last [a-z0-9_]; the name must begin with one too. */
	while (j > i + 1 && !user_char(cps[j - 1]))
		j--;
	if (j == i + 1 || !user_char(cps[i + 1]))
		return 0;
	*user = j - i;
	end = j;
	if (j < n && cps[j] == '@') {
		d = j + 1;
		while (d < n && (word(cps[d]) || cps[d] == '.' ||
		    cps[d] == '-'))
			d++;
		while (d > j + 1 && !word(cps[d - 1]))
			d--;
		/* [[:word:].-]+ then [[:word:]]+: two characters at least. */
		if (d >= j + 3)
			end = d;
	}
	return end - i;
}

/* Whether cps[i..) begins with s (lowercase ASCII), in any case. */
static int
prefix(const int32_t *cps, size_t n, size_t i, const char *s)
{
	int32_t c;

	for (; *s != '\0'; s++, i++) {
		if (i >= n)
			return 0;
		c = cps[i] >= 'A' && cps[i] <= 'Z' ? cps[i] + 0x20 : cps[i];
		if (c != *s)
			return 0;
	}
	return 1;
}

static int
has_scheme(const int32_t *cps, size_t n, size_t i)
{
	return prefix(cps, n, i, "http://") || prefix(cps, n, i, "https://");
}

static long
mastodon_len(const int32_t *cps, size_t n, long url, long *nurls,
    struct ht_err *e)
{
	struct ht_urlspan *urls;
	long nu, u = 0, w = 0;
	size_t i = 0, k, user;

	if ((nu = ht_url_find(cps, n, &urls, e)) == -1)
		return -1;
	while (i < n) {
		while (u < nu && urls[u].start < i)
			u++;
		if (u < nu && urls[u].start == i && has_scheme(cps, n, i)) {
			w += url;
			i = urls[u].end;
		} else if (u < nu && urls[u].start == i) {
			w += (long)(urls[u].end - i);
			i = urls[u].end;
		} else if ((k = mention(cps, n, i, &user)) > 0) {
			w += (long)user;
			i += k;
		} else {
			w++;
			i++;
		}
	}
	free(urls);
	*nurls = nu;
	return w;
}

static void
judge(const struct ht_lenrule *r, size_t len, int isblank,
    struct ht_tweetlen *out)
{
	out->why = NULL;
	if (out->weighted == 0)
		out->why = "empty";
	else if (isblank)
		out->why = "blank: only white space";
	else if (!ht_postlen_fits(r, out, len))
		out->why = "too long";
	out->valid = out->why == NULL;
}

int
ht_postlen(const struct ht_lenrule *r, const char *text, size_t len,
    struct ht_tweetlen *out, struct ht_err *e)
{
	struct ht_urlspan *sp;
	int32_t *cps = NULL;
	size_t *b = NULL;
	long ncp, n;
	int rc = -1;

	if (r->net == HT_NET_X) {
		if (ht_tweetlen(text, len, r->max, out, e) == -1)
			return -1;
		if (out->valid && !ht_postlen_fits(r, out, len)) {
			out->valid = 0;
			out->why = "too long";
		}
		return 0;
	}
	out->weighted = 0;
	out->urls = 0;
	out->valid = 0;
	out->why = "invalid UTF-8";
	if ((ncp = ht_utf8_decode(text, len, &cps, NULL, e)) == -1)
		return -1;
	if (r->net == HT_NET_MASTODON) {
		if ((out->weighted = mastodon_len(cps, (size_t)ncp,
		    r->url_chars > 0 ? r->url_chars : HT_MASTODON_URL_WEIGHT,
		    &out->urls, e)) == -1)
			goto out;
	} else {
		if ((n = ht_utf8_graphemes(text, len, &b, e)) == -1)
			goto out;
		out->weighted = n - 1;
		if ((n = ht_url_find_utf8(text, len, &sp, e)) == -1)
			goto out;
		free(sp);
		out->urls = n;
	}
	judge(r, len, ht_utf8_blank(text, len), out);
	rc = 0;
out:
	free(cps);
	free(b);
	return rc;
}

int
ht_postlen_fits(const struct ht_lenrule *r, const struct ht_tweetlen *tl,
    size_t len)
{
	return tl->weighted <= r->max &&
	    (r->max_bytes == 0 || len <= r->max_bytes);
}
