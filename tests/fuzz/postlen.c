/*
 * Fuzz target "postlen": the length rules of Mastodon and Bluesky
 * (lib/postlen.c), fitting by them (lib/fit.c) and Bluesky's link facets
 * (lib/bsky.c) on any text.
 *
 * Input: the first byte chooses the network (its value mod 3) and the
 * limit (its default when below 96); the rest is text, cut into parts at
 * each 0x01 byte; every other part may be shortened.
 * Checks: lengths are sane; a post that fit is within the rule when
 * measured again; every facet covers whole characters of the text, in
 * order, and its URI is those bytes (with https:// when they have no
 * scheme).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bsky.h"
#include "fit.h"
#include "postlen.h"
#include "fuzz.h"

#define MAX_PARTS	64

/* Whether byte b of s starts a UTF-8 character (or is its end). */
static int
boundary(const char *s, size_t len, size_t b)
{
	return b == len || ((unsigned char)s[b] & 0xc0) != 0x80;
}

static void
check_facets(const char *s, size_t len)
{
	struct ht_err e;
	json_t *fa, *f, *ix, *ft;
	const char *uri;
	size_t i, ulen, start, end, prev = 0;

	ht_err_clear(&e);
	if ((fa = ht_bsky_facets(s, len, &e)) == NULL) {
		if (e.msg[0] == '\0')
			abort();
		return;
	}
	for (i = 0; i < json_array_size(fa); i++) {
		f = json_array_get(fa, i);
		ix = json_object_get(f, "index");
		start = (size_t)json_integer_value(json_object_get(ix,
		    "byteStart"));
		end = (size_t)json_integer_value(json_object_get(ix,
		    "byteEnd"));
		if (start < prev || start >= end || end > len ||
		    !boundary(s, len, start) || !boundary(s, len, end))
			abort();
		prev = end;
		ft = json_array_get(json_object_get(f, "features"), 0);
		uri = json_string_value(json_object_get(ft, "uri"));
		if (uri == NULL)
			abort();
		ulen = json_string_length(json_object_get(ft, "uri"));
		if (strncasecmp(uri, "https://", 8) == 0 &&
		    ulen == end - start + 8 &&
		    memcmp(uri + 8, s + start, end - start) == 0)
			continue;
		if (ulen != end - start ||
		    memcmp(uri, s + start, end - start) != 0)
			abort();
	}
	json_decref(fa);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum ht_network nets[] = { HT_NET_X, HT_NET_MASTODON,
	    HT_NET_BLUESKY };
	struct ht_fit_part parts[MAX_PARTS];
	struct ht_lenrule r;
	struct ht_tweetlen tl, tl2;
	struct ht_fit f = { 0 };
	struct ht_err e;
	const char *s, *p, *end;
	size_t n = 0, len;
	int fr;

	if (size < 1)
		return 0;
	ht_lenrule_default(nets[data[0] % 3], &r);
	if (data[0] >= 96)
		r.max = data[0] - 95;
	s = (const char *)data + 1;
	len = size - 1;

	ht_err_clear(&e);
	if (ht_postlen(&r, s, len, &tl, &e) == 0) {
		if (tl.weighted < 0 || tl.urls < 0 || (tl.valid &&
		    (tl.weighted == 0 || !ht_postlen_fits(&r, &tl, len))) ||
		    (!tl.valid && tl.why == NULL))
			abort();
	} else if (e.msg[0] == '\0')
		abort();

	check_facets(s, len);

	for (p = s, end = s + len; p <= end && n < MAX_PARTS; n++) {
		const char *q = memchr(p, 0x01, (size_t)(end - p));

		if (q == NULL)
			q = end;
		parts[n].s = p;
		parts[n].len = (size_t)(q - p);
		parts[n].cut = (int)(n % 2);
		p = q + 1;
	}
	ht_err_clear(&e);
	fr = ht_fit_for(&r, parts, n, 1, &f, &e);
	if (fr == 0) {
		if (f.text == NULL || !ht_postlen_fits(&r, &f.tl, f.len))
			abort();
		if (ht_postlen(&r, f.text, f.len, &tl2, &e) == -1 ||
		    tl2.weighted != f.tl.weighted)
			abort();
	} else if (fr == 1 && ht_postlen_fits(&r, &f.tl, f.len))
		abort();
	else if (fr == -1 && e.msg[0] == '\0')
		abort();
	ht_fit_free(&f);
	return 0;
}
