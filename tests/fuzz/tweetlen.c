/*
 * Fuzz target "tweetlen": X's weighted length (lib/tweetlen.c, with
 * lib/tweeturl.c and lib/utf8.c) and the fitter (lib/fit.c) on any text.
 *
 * Input: the first byte chooses the limit; the rest is text, cut into
 * parts at each 0x01 byte; every other part may be shortened.
 * Checks: weights are sane; a post that fit weighs at most the limit when
 * weighed again; a grapheme cut is no longer than asked.
 */
#include <stdlib.h>
#include <string.h>

#include "fit.h"
#include "utf8.h"
#include "tweetlen.h"
#include "fuzz.h"

#define MAX_PARTS	64

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ht_fit_part parts[MAX_PARTS];
	struct ht_tweetlen tl, tl2;
	struct ht_fit f = { 0 };
	struct ht_err e;
	const char *s, *p, *end;
	size_t n = 0, len;
	long max, g;
	int fr;

	if (size < 1)
		return 0;
	max = data[0] < 128 ? HT_TWEET_MAX : data[0] - 127;
	s = (const char *)data + 1;
	len = size - 1;

	ht_err_clear(&e);
	if (ht_tweetlen(s, len, max, &tl, &e) == 0) {
		if (tl.weighted < 0 || (tl.valid && (tl.weighted == 0 ||
		    tl.weighted > max)) || (!tl.valid && tl.why == NULL))
			abort();
	} else if (e.msg[0] == '\0')
		abort();

	ht_err_clear(&e);
	g = ht_utf8_cut(s, len, len / 2, &e);
	if (g > (long)(len / 2) || (g < 0 && e.msg[0] == '\0'))
		abort();

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
	fr = ht_fit(parts, n, max, 1, &f, &e);
	if (fr == 0) {
		if (f.text == NULL || f.tl.weighted > max)
			abort();
		if (ht_tweetlen(f.text, f.len, max, &tl2, &e) == -1 ||
		    tl2.weighted != f.tl.weighted)
			abort();
	} else if (fr == 1 && f.over <= 0)
		abort();
	else if (fr == -1 && e.msg[0] == '\0')
		abort();
	ht_fit_free(&f);
	return 0;
}
