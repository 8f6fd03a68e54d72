/*
 * utf8 — the UTF-8 chores the post text needs, on top of utf8proc:
 * checking, decoding to code points with their byte offsets, NFC, and
 * grapheme cluster boundaries (for cutting text where a reader sees a
 * character end).
 *
 * Arrays returned through pointers are allocated here; the caller frees
 * them with free(3).
 */
#ifndef HT_UTF8_H
#define HT_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * Check that s[0..len) is well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing past U+10FFFF).  Returns 0, or -1 with *bad set to
 * the byte offset of the first bad sequence.
 */
int	ht_utf8_check(const char *s, size_t len, size_t *bad);

/* The number of code points of a well-formed string. */
size_t	ht_utf8_chars(const char *s, size_t len);

/*
 * Decode s into *cps (code points) and, when offs is not NULL, *offs (the
 * byte offset of each code point, plus one more entry: len).  Returns the
 * number of code points, or -1 (e says why; for invalid UTF-8, e->col is
 * the byte offset + 1).  caller frees *cps and *offs.
 */
long	ht_utf8_decode(const char *s, size_t len, int32_t **cps,
	    size_t **offs, struct ht_err *e);

/*
 * NFC of s, as code points: returns their number and *cps (caller frees),
 * or -1 with e set.
 */
long	ht_utf8_nfc32(const char *s, size_t len, int32_t **cps,
	    struct ht_err *e);

/*
 * NFC of s, as UTF-8: returns 0 and *out (NUL-terminated, caller frees),
 * *outlen its length; or -1 with e set.
 */
int	ht_utf8_nfc(const char *s, size_t len, char **out, size_t *outlen,
	    struct ht_err *e);

/*
 * The grapheme cluster boundaries of a well-formed string, as byte offsets
 * in increasing order: 0, ..., len (2 entries for one cluster; 1 for the
 * empty string).  Returns their number and *bounds (caller frees), or -1
 * with e set.
 */
long	ht_utf8_graphemes(const char *s, size_t len, size_t **bounds,
	    struct ht_err *e);

/*
 * The longest cut of s[0..len) at a grapheme boundary no longer than max
 * bytes: returns its length in bytes (0 when even the first cluster is
 * longer), or -1 with e set.
 */
long	ht_utf8_cut(const char *s, size_t len, size_t max,
	    struct ht_err *e);

/*
 * Whether s[0..len) is nothing but white space: ASCII, or the Unicode
 * spaces X ignores too (U+00A0, U+2000-U+200B, U+3000).
 */
int	ht_utf8_blank(const char *s, size_t len);

#endif
