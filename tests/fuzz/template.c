/*
 * Fuzz target "template": the template parser and renderer
 * (lib/template.c), then fitting the rendered post (lib/fit.c), as
 * dh-format runs them.
 *
 * Input: the template, a NUL byte, then a JSON object to render it with.
 * Checks: a post that fit weighs at most the limit, as ht_tweetlen weighs
 * it again; the template's own text is never cut.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fit.h"
#include "template.h"
#include "tweetlen.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data, *nul;
	struct ht_template *t;
	struct ht_render r = { NULL, 0 };
	struct ht_fit_part *parts = NULL;
	struct ht_fit f = { 0 };
	struct ht_tweetlen tl;
	struct ht_err e;
	json_error_t je;
	json_t *obj = NULL;
	size_t i, tlen;
	long max;
	int fr;

	nul = memchr(d, '\0', size);
	tlen = nul != NULL ? (size_t)(nul - d) : size;
	ht_err_clear(&e);
	if ((t = ht_template_parse(d, tlen, "template", &e)) == NULL) {
		if (e.msg[0] == '\0')
			abort();
		return 0;
	}
	if (nul == NULL ||
	    (obj = json_loadb(nul + 1, size - tlen - 1, 0, &je)) == NULL ||
	    !json_is_object(obj))
		goto out;
	if (ht_template_render(t, obj, &r, &e) == -1)
		goto out;
	if ((parts = calloc(r.n + 1, sizeof *parts)) == NULL)
		abort();
	for (i = 0; i < r.n; i++) {
		if (r.v[i].s == NULL || strlen(r.v[i].s) > r.v[i].len)
			abort();
		parts[i].s = r.v[i].s;
		parts[i].len = r.v[i].len;
		parts[i].cut = r.v[i].field;
	}
	/* The limit: 280 mostly, small ones too, from the template's size. */
	max = tlen % 3 == 0 ? HT_TWEET_MAX : (long)(tlen % 97) + 1;
	fr = ht_fit(parts, r.n, max, 1, &f, &e);
	if (fr == 0) {
		if (f.text == NULL || f.tl.weighted > max)
			abort();
		if (ht_tweetlen(f.text, f.len, max, &tl, &e) == -1 ||
		    tl.weighted != f.tl.weighted)
			abort();
		/* The template's own text is all there, in order. */
		{
			const char *p = f.text;

			for (i = 0; i < r.n; i++) {
				if (parts[i].cut || parts[i].len == 0)
					continue;
				p = memmem(p, f.len - (size_t)(p - f.text),
				    parts[i].s, parts[i].len);
				if (p == NULL)
					abort();
				p += parts[i].len;
			}
		}
	} else if (fr == 1 && f.over <= 0)
		abort();
out:
	ht_fit_free(&f);
	free(parts);
	ht_render_free(&r);
	json_decref(obj);
	ht_template_free(t);
	return 0;
}
