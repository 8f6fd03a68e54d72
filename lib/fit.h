/*
 * fit — make a post fit a length limit (X's, or another network's: postlen.h)
 * by shortening field values.
 *
 * A post is a list of parts: the template's own text, which is never cut,
 * and field values, which may be.  When the post weighs more than the
 * limit, the longest value (by weight) that is not a URL is cut at a
 * grapheme cluster boundary, never inside a URL it holds, trailing spaces
 * dropped, and ended with "…", as little as needed (but at the end of a
 * word when one ends within HT_FIT_WORD_REACH clusters of the cut); when even "…" alone
 * is too long, it stays "…" and the next longest value is cut, and so on.
 *
 * The text returned is owned by the caller (free(3)).
 */
#ifndef HT_FIT_H
#define HT_FIT_H

#include <stddef.h>

#include "err.h"
#include "tweetlen.h"

#define HT_FIT_ELLIPSIS	"\xe2\x80\xa6"	/* U+2026, which weighs 2 */
/* How far back (in grapheme clusters) a cut looks for a word's end. */
#define HT_FIT_WORD_REACH	20

struct ht_fit_part {
	const char *s;		/* borrowed */
	size_t len;
	int cut;		/* 1: a value that may be shortened */
};

struct ht_fit {
	char *text;		/* the post, NUL-terminated; caller frees */
	size_t len;
	struct ht_tweetlen tl;	/* its weight and validity */
	size_t shortened;	/* how many values were cut */
	long over;		/* when it cannot fit: weight over max of the
				   shortest form */
};

/*
 * Join parts into a post of at most max weighted characters, cutting
 * values when cut is 1 (else only measure).  Returns 0 when the post fits
 * (f->tl says whether X accepts it otherwise: empty, invalid characters),
 * 1 when it cannot fit (f->text is the shortest form, f->over by how
 * much), -1 with e on error.
 */
int	ht_fit(const struct ht_fit_part *parts, size_t n, long max, int cut,
	    struct ht_fit *f, struct ht_err *e);

/*
 * The same by a network's rule (postlen.h): its unit, its limit r->max
 * and, for Bluesky, its limit in bytes; f->over is then in its unit (0
 * when only the bytes are over).
 */
struct ht_lenrule;
int	ht_fit_for(const struct ht_lenrule *r, const struct ht_fit_part *parts,
	    size_t n, int cut, struct ht_fit *f, struct ht_err *e);
void	ht_fit_free(struct ht_fit *);

#endif
