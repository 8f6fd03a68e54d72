#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "fit.h"
#include "postlen.h"
#include "tweeturl.h"
#include "utf8.h"

#define ELLIPSIS_LEN	(sizeof HT_FIT_ELLIPSIS - 1)

/* What each part currently is: all of it, or a prefix and "…". */
struct cur {
	size_t len;
	int ellipsis;
};

struct job {
	const struct ht_fit_part *parts;
	struct cur *cur;
	size_t n;
	const struct ht_lenrule *rule;
	char *buf;		/* large enough for every part in full */
	size_t len;
};

static void
join(struct job *j)
{
	size_t i, k = 0;

	for (i = 0; i < j->n; i++) {
		memcpy(j->buf + k, j->parts[i].s, j->cur[i].len);
		k += j->cur[i].len;
		if (j->cur[i].ellipsis) {
			memcpy(j->buf + k, HT_FIT_ELLIPSIS, ELLIPSIS_LEN);
			k += ELLIPSIS_LEN;
		}
	}
	j->buf[k] = '\0';
	j->len = k;
}

static int
weigh(struct job *j, struct ht_tweetlen *tl, struct ht_err *e)
{
	join(j);
	return ht_postlen(j->rule, j->buf, j->len, tl, e);
}

static int
fits(const struct job *j, const struct ht_tweetlen *tl)
{
	return ht_postlen_fits(j->rule, tl, j->len);
}

/* Cut part p at byte b: the prefix without its trailing spaces, and "…". */
static void
cut_at(struct job *j, size_t p, size_t b)
{
	const char *s = j->parts[p].s;

	while (b > 0 && strchr(" \t\r\n", s[b - 1]) != NULL)
		b--;
	j->cur[p].len = b;
	j->cur[p].ellipsis = 1;
}

/* The weight of part p on its own (which orders the values to cut). */
static long
own_weight(const struct ht_lenrule *r, const struct ht_fit_part *p,
    struct ht_err *e)
{
	struct ht_tweetlen tl;

	if (ht_postlen(r, p->s, p->len, &tl, e) == -1)
		return -1;
	return tl.weighted;
}

/* Whether a value is one URL, which is never cut. */
static int
is_url(const struct ht_fit_part *p, struct ht_err *e)
{
	struct ht_urlspan *sp;
	long n;
	int r;

	if ((n = ht_url_find_utf8(p->s, p->len, &sp, e)) == -1)
		return -1;
	r = n == 1 && sp[0].start == 0 && sp[0].end == p->len;
	free(sp);
	return r;
}

/*
 * The places where value p may be cut: grapheme boundaries before its end
 * and not inside a URL.  Returns their number, or -1.
 */
static long
cut_points(const struct ht_fit_part *p, size_t **out, struct ht_err *e)
{
	struct ht_urlspan *sp;
	size_t *b;
	long nb, ns, i, k = 0, u;

	if ((nb = ht_utf8_graphemes(p->s, p->len, &b, e)) == -1)
		return -1;
	if ((ns = ht_url_find_utf8(p->s, p->len, &sp, e)) == -1) {
		free(b);
		return -1;
	}
	for (i = 0; i < nb; i++) {
		if (b[i] >= p->len)
			continue;
		for (u = 0; u < ns; u++)
			if (b[i] > sp[u].start && b[i] < sp[u].end)
				break;
		if (u == ns)
			b[k++] = b[i];
	}
	free(sp);
	*out = b;
	return k;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

/*
 * A cut at pts[lo] that falls inside a word moves back to the end of the
 * word before, when one ends within HT_FIT_WORD_REACH clusters: "with
 * ap…" becomes "with…".  A shorter prefix weighs less, so it still fits.
 */
static long
word_end(const struct ht_fit_part *p, const size_t *pts, long lo)
{
	long k;

	if (lo == 0 || pts[lo] >= p->len || is_space(p->s[pts[lo]]) ||
	    is_space(p->s[pts[lo] - 1]))
		return lo;
	for (k = lo - 1; k > 0 && lo - k <= HT_FIT_WORD_REACH; k--)
		if (is_space(p->s[pts[k]]))
			return k;
	return lo;
}

struct cand {
	size_t part;
	long weight;
};

static int
cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return x->part < y->part ? -1 : x->part > y->part;
}

/*
 * Cut value p as little as needed.  Returns 1 when the post then fits, 0
 * when even "…" alone does not (p is left as "…"), -1 on error.
 */
static int
shorten(struct job *j, size_t p, struct ht_err *e)
{
	struct ht_tweetlen tl;
	size_t *pts;
	long n, lo, hi, mid;

	if ((n = cut_points(&j->parts[p], &pts, e)) == -1)
		return -1;
	cut_at(j, p, 0);
	if (weigh(j, &tl, e) == -1)
		goto err;
	if (!fits(j, &tl)) {
		free(pts);
		return 0;
	}
	/*
	 * The weight grows with the prefix (a URL's weight stops growing at
	 * 23, which keeps it monotonic), so a binary search finds the longest
	 * prefix that fits.  pts[lo] fits; pts[hi] and beyond do not.
	 */
	lo = 0;
	hi = n;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		cut_at(j, p, pts[mid]);
		if (weigh(j, &tl, e) == -1)
			goto err;
		if (fits(j, &tl))
			lo = mid;
		else
			hi = mid;
	}
	cut_at(j, p, n > 0 ? pts[word_end(&j->parts[p], pts, lo)] : 0);
	free(pts);
	return 1;
err:
	free(pts);
	return -1;
}

/*
 * The parts that may be cut, the heaviest first (URLs never), shortened
 * until the text fits; then the text weighed again into f.  0, or -1 and
 * e.
 */
static int
shorten_all(struct job *j, struct ht_fit *f, struct ht_err *e)
{
	struct cand *c;
	size_t i, nc = 0;
	long w;
	int u, r = -1;

	if ((c = calloc(j->n + 1, sizeof *c)) == NULL)
		return ht_err_fail(e, EX_OSERR, "out of memory");
	for (i = 0; i < j->n; i++) {
		if (!j->parts[i].cut || j->parts[i].len == 0)
			continue;
		if ((u = is_url(&j->parts[i], e)) == -1 ||
		    (w = own_weight(j->rule, &j->parts[i], e)) == -1)
			goto out;
		if (u)
			continue;
		c[nc].part = i;
		c[nc++].weight = w;
	}
	qsort(c, nc, sizeof *c, cand_cmp);
	for (i = 0; i < nc; i++) {
		f->shortened++;
		if ((u = shorten(j, c[i].part, e)) == -1)
			goto out;
		if (u == 1)
			break;
	}
	r = weigh(j, &f->tl, e);
out:
	free(c);
	return r;
}

int
ht_fit(const struct ht_fit_part *parts, size_t n, long max, int cut,
    struct ht_fit *f, struct ht_err *e)
{
	struct ht_lenrule r;

	ht_lenrule_default(HT_NET_X, &r);
	r.max = max;
	return ht_fit_for(&r, parts, n, cut, f, e);
}

int
ht_fit_for(const struct ht_lenrule *rule, const struct ht_fit_part *parts,
    size_t n, int cut, struct ht_fit *f, struct ht_err *e)
{
	struct job j = { parts, NULL, n, rule, NULL, 0 };
	size_t i, total = 1;
	int r = -1;

	memset(f, 0, sizeof *f);
	for (i = 0; i < n; i++)
		total += parts[i].len + ELLIPSIS_LEN;
	if ((j.cur = calloc(n + 1, sizeof *j.cur)) == NULL ||
	    (j.buf = malloc(total)) == NULL) {
		(void)ht_err_fail(e, EX_OSERR, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		j.cur[i].len = parts[i].len;
	if (weigh(&j, &f->tl, e) == -1 || (cut && !fits(&j, &f->tl) &&
	    shorten_all(&j, f, e) == -1))
		goto out;
	r = fits(&j, &f->tl) ? 0 : 1;
	if (r == 1 && f->tl.weighted > rule->max)
		f->over = f->tl.weighted - rule->max;
	f->text = j.buf;
	f->len = j.len;
	j.buf = NULL;
out:
	free(j.cur);
	free(j.buf);
	return r;
}

void
ht_fit_free(struct ht_fit *f)
{
	free(f->text);
	f->text = NULL;
}
