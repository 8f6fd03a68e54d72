#include <stdint.h>
#include <stdlib.h>

#include <utf8proc.h>

#include "tweeturl.h"
#include "tweetlen.h"
#include "utf8.h"

/* twitter-text config v3, weights scaled by 100 there, by 1 here. */
#define WEIGHT_DEFAULT	2
#define WEIGHT_EMOJI	2

/* The code point ranges of config v3 that weigh 1. */
static const struct {
	int32_t lo, hi;
} light[] = {
	{ 0x0000, 0x10ff },
	{ 0x2000, 0x200d },
	{ 0x2010, 0x201f },
	{ 0x2032, 0x2037 },
};

/* The code points of emoji sequences (Unicode TS #51, ED-14 to ED-17). */
#define CP_VS16		0xfe0f	/* emoji presentation selector */
#define CP_KEYCAP	0x20e3	/* combining enclosing keycap */
#define CP_TAG_FIRST	0xe0020	/* tag_spec and tag_end */
#define CP_TAG_LAST	0xe007f

int
ht_tweetlen_weight(int32_t cp)
{
	size_t i;

	for (i = 0; i < sizeof light / sizeof light[0]; i++)
		if (cp >= light[i].lo && cp <= light[i].hi)
			return 1;
	return WEIGHT_DEFAULT;
}

static int
pictographic(int32_t cp)
{
	switch (utf8proc_get_property(cp)->boundclass) {
	case UTF8PROC_BOUNDCLASS_EXTENDED_PICTOGRAPHIC:
	/* What older utf8proc releases called the same characters. */
	case UTF8PROC_BOUNDCLASS_E_BASE:
	case UTF8PROC_BOUNDCLASS_E_BASE_GAZ:
	case UTF8PROC_BOUNDCLASS_GLUE_AFTER_ZWJ:
		return 1;
	default:
		return 0;
	}
}

/* A skin tone: an emoji modifier, the only Extend characters of class Sk. */
static int
modifier(int32_t cp)
{
	const utf8proc_property_t *p = utf8proc_get_property(cp);

	return (p->boundclass == UTF8PROC_BOUNDCLASS_EXTEND ||
	    p->boundclass == UTF8PROC_BOUNDCLASS_E_MODIFIER) &&
	    p->category == UTF8PROC_CATEGORY_SK;
}

static int
regional(int32_t cp)
{
	return utf8proc_get_property(cp)->boundclass ==
	    UTF8PROC_BOUNDCLASS_REGIONAL_INDICATOR;
}

size_t
ht_tweetlen_emoji(const int32_t *cps, size_t n, size_t i)
{
	int32_t c = cps[i];
	size_t j = i + 1;

	/* Keycaps: 1⃣ or 1️⃣. */
	if ((c >= '0' && c <= '9') || c == '#' || c == '*') {
		if (j < n && cps[j] == CP_VS16)
			j++;
		return j < n && cps[j] == CP_KEYCAP ? j + 1 - i : 0;
	}
	/* No emoji begins below ©: spare ASCII the property look-ups. */
	if (c < 0xa9)
		return 0;
	/* Flags: a pair of regional indicators (a lone one weighs 2 too). */
	if (regional(c))
		return j < n && regional(cps[j]) ? 2 : 1;
	if (!pictographic(c))
		return 0;
	/*
	 * © and ® are text unless U+FE0F asks for the emoji: they keep their
	 * weight of 1, as twitter-text's emoji parser leaves them alone.
	 */
	if (ht_tweetlen_weight(c) == 1 && (j >= n || cps[j] != CP_VS16))
		return 0;
	for (;;) {
		while (j < n && (cps[j] == CP_VS16 || cps[j] == CP_KEYCAP ||
		    modifier(cps[j]) ||
		    (cps[j] >= CP_TAG_FIRST && cps[j] <= CP_TAG_LAST)))
			j++;
		if (j + 1 < n && utf8proc_get_property(cps[j])->boundclass ==
		    UTF8PROC_BOUNDCLASS_ZWJ && pictographic(cps[j + 1])) {
			j += 2;
			continue;
		}
		return j - i;
	}
}

long
ht_tweetlen_cps(const int32_t *cps, size_t n, long *nurlsp, struct ht_err *e)
{
	struct ht_urlspan *urls;
	long nurls, u = 0;
	size_t i = 0, k;
	long w = 0;

	if ((nurls = ht_url_find(cps, n, &urls, e)) == -1)
		return -1;
	while (i < n) {
		while (u < nurls && urls[u].start < i)
			u++;
		if (u < nurls && urls[u].start == i) {
			w += HT_TWEET_URL_WEIGHT;
			i = urls[u].end;
		} else if ((k = ht_tweetlen_emoji(cps, n, i)) > 0) {
			w += WEIGHT_EMOJI;
			i += k;
		} else
			w += ht_tweetlen_weight(cps[i++]);
	}
	free(urls);
	if (nurlsp != NULL)
		*nurlsp = nurls;
	return w;
}

int
ht_tweetlen(const char *text, size_t len, long max, struct ht_tweetlen *out,
    struct ht_err *e)
{
	int32_t *cps;
	long n, w;
	size_t i;

	out->weighted = 0;
	out->urls = 0;
	out->valid = 0;
	out->why = "invalid UTF-8";
	if ((n = ht_utf8_nfc32(text, len, &cps, e)) == -1)
		return -1;
	if ((w = ht_tweetlen_cps(cps, (size_t)n, &out->urls, e)) == -1) {
		free(cps);
		return -1;
	}
	out->weighted = w;
	out->why = NULL;
	for (i = 0; i < (size_t)n && out->why == NULL; i++)
		if (cps[i] == 0xfeff)
			out->why = "contains U+FEFF";
		else if (cps[i] == 0xfffe)
			out->why = "contains U+FFFE";
		else if (cps[i] == 0xffff)
			out->why = "contains U+FFFF";
	if (out->why == NULL && w == 0)
		out->why = "empty";
	if (out->why == NULL && w > max)
		out->why = "too long";
	out->valid = out->why == NULL;
	free(cps);
	return 0;
}

json_t *
ht_tweetlen_json(const char *text, size_t len, const struct ht_tweetlen *tl)
{
	return json_pack("{s:s%,s:I,s:b,s:I}", "text", text, len,
	    "weighted_length", (json_int_t)tl->weighted, "valid", tl->valid,
	    "urls", (json_int_t)tl->urls);
}
