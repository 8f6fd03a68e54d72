#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "utf8.h"

/* A string this long would overflow utf8proc's ssize_t lengths. */
#define UTF8_MAX	((size_t)1 << 30)

int
ht_utf8_check(const char *s, size_t len, size_t *bad)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_int32_t c;
	utf8proc_ssize_t n;
	size_t i = 0;

	while (i < len) {
		/* ASCII needs no decoding: the common case, kept fast. */
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &c);
		if (n < 0) {
			if (bad != NULL)
				*bad = i;
			return -1;
		}
		i += (size_t)n;
	}
	return 0;
}

size_t
ht_utf8_chars(const char *s, size_t len)
{
	size_t i, n = 0;

	/* Count the bytes that begin a character. */
	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

static int
check(const char *s, size_t len, struct ht_err *e)
{
	size_t bad;

	if (len > UTF8_MAX) {
		ht_err_set(e, "text larger than %zu bytes", UTF8_MAX);
		return -1;
	}
	if (ht_utf8_check(s, len, &bad) == -1) {
		ht_err_at(e, NULL, 0, (long)bad + 1, "invalid UTF-8");
		return -1;
	}
	return 0;
}

long
ht_utf8_decode(const char *s, size_t len, int32_t **cps, size_t **offs,
    struct ht_err *e)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_int32_t c;
	utf8proc_ssize_t n;
	int32_t *v = NULL;
	size_t *o = NULL, i = 0, k = 0, max;

	if (check(s, len, e) == -1)
		return -1;
	max = ht_utf8_chars(s, len);
	if ((v = malloc((max + 1) * sizeof *v)) == NULL ||
	    (offs != NULL && (o = malloc((max + 1) * sizeof *o)) == NULL)) {
		free(v);
		ht_err_set(e, "out of memory");
		return -1;
	}
	while (i < len) {
		n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &c);
		/* Checked above: n > 0. */
		if (o != NULL)
			o[k] = i;
		v[k++] = c;
		i += (size_t)n;
	}
	if (o != NULL)
		o[k] = len;
	*cps = v;
	if (offs != NULL)
		*offs = o;
	return (long)k;
}

long
ht_utf8_nfc32(const char *s, size_t len, int32_t **cps, struct ht_err *e)
{
	const utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
	utf8proc_int32_t *buf;
	utf8proc_ssize_t n, m;

	size_t i;

	if (check(s, len, e) == -1)
		return -1;
	/* ASCII is its own NFC: the common case, without utf8proc's work. */
	for (i = 0; i < len && (unsigned char)s[i] < 0x80; i++)
		;
	if (i == len) {
		if ((buf = malloc((len + 1) * sizeof *buf)) == NULL) {
			ht_err_set(e, "out of memory");
			return -1;
		}
		for (i = 0; i < len; i++)
			buf[i] = (unsigned char)s[i];
		*cps = buf;
		return (long)len;
	}
	/* The way utf8proc_map does it, minus the UTF-8 re-encoding. */
	n = utf8proc_decompose((const utf8proc_uint8_t *)s,
	    (utf8proc_ssize_t)len, NULL, 0, opt);
	if (n < 0) {
		ht_err_set(e, "normalisation: %s", utf8proc_errmsg(n));
		return -1;
	}
	if ((buf = malloc(((size_t)n + 1) * sizeof *buf)) == NULL) {
		ht_err_set(e, "out of memory");
		return -1;
	}
	m = utf8proc_decompose((const utf8proc_uint8_t *)s,
	    (utf8proc_ssize_t)len, buf, n, opt);
	if (m >= 0)
		m = utf8proc_normalize_utf32(buf, m, opt);
	if (m < 0) {
		free(buf);
		ht_err_set(e, "normalisation: %s", utf8proc_errmsg(m));
		return -1;
	}
	*cps = buf;
	return (long)m;
}

int
ht_utf8_nfc(const char *s, size_t len, char **out, size_t *outlen,
    struct ht_err *e)
{
	int32_t *cps;
	long n, i;
	char *buf;
	size_t k = 0;

	if ((n = ht_utf8_nfc32(s, len, &cps, e)) == -1)
		return -1;
	if ((buf = malloc((size_t)n * 4 + 1)) == NULL) {
		free(cps);
		ht_err_set(e, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		k += (size_t)utf8proc_encode_char(cps[i],
		    (utf8proc_uint8_t *)buf + k);
	buf[k] = '\0';
	free(cps);
	*out = buf;
	*outlen = k;
	return 0;
}

long
ht_utf8_graphemes(const char *s, size_t len, size_t **bounds,
    struct ht_err *e)
{
	int32_t *cps;
	size_t *offs, *b;
	utf8proc_int32_t state = 0;
	long n, i, k = 0;

	if ((n = ht_utf8_decode(s, len, &cps, &offs, e)) == -1)
		return -1;
	if ((b = malloc(((size_t)n + 1) * sizeof *b)) == NULL) {
		free(cps);
		free(offs);
		ht_err_set(e, "out of memory");
		return -1;
	}
	b[k++] = 0;
	for (i = 1; i < n; i++)
		if (utf8proc_grapheme_break_stateful(cps[i - 1], cps[i],
		    &state))
			b[k++] = offs[i];
	if (n > 0)
		b[k++] = len;
	free(cps);
	free(offs);
	*bounds = b;
	return k;
}

long
ht_utf8_cut(const char *s, size_t len, size_t max, struct ht_err *e)
{
	size_t *b;
	long n, i, r = 0;

	if ((n = ht_utf8_graphemes(s, len, &b, e)) == -1)
		return -1;
	for (i = 0; i < n && b[i] <= max; i++)
		r = (long)b[i];
	free(b);
	return r;
}

int
ht_utf8_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (strchr(" \t\n\r\v\f", s[i]) != NULL)
			continue;
		/* U+00A0, U+3000, U+2000..U+200B: spaces in UTF-8. */
		if (i + 1 < len && (unsigned char)s[i] == 0xc2 &&
		    (unsigned char)s[i + 1] == 0xa0) {
			i++;
			continue;
		}
		if (i + 2 < len && (((unsigned char)s[i] == 0xe3 &&
		    (unsigned char)s[i + 1] == 0x80 &&
		    (unsigned char)s[i + 2] == 0x80) ||
		    ((unsigned char)s[i] == 0xe2 &&
		    (unsigned char)s[i + 1] == 0x80 &&
		    (unsigned char)s[i + 2] <= 0x8b))) {
			i += 2;
			continue;
		}
		return 0;
	}
	return 1;
}
