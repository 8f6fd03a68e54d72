/*
 * oauth — OAuth 1.0a request signing (RFC 5849), HMAC-SHA1, as X wants it.
 *
 * The signature covers the method, the normalised URL (RFC 5849 3.4.1.2),
 * the URL's query parameters, the parameters of a form body
 * (application/x-www-form-urlencoded; a JSON body is not signed) and the
 * oauth_* parameters.  HMAC-SHA1 and base64 come from GNU Nettle, the
 * nonce from getrandom(2).  Percent-encoding is RFC 3986's (RFC 5849 3.6):
 * see oauth.c for why it is done here and not by libcurl.
 *
 * Credentials are borrowed; the signing key built from the two secrets is
 * wiped before these functions return.  Strings returned are the caller's
 * to free; none of them holds a secret.
 */
#ifndef HT_OAUTH_H
#define HT_OAUTH_H

#include <stddef.h>

#include "err.h"

struct ht_oauth_cred {
	const char *consumer_key;
	const char *consumer_secret;
	const char *token;
	const char *token_secret;
};

/* One request parameter, not encoded. */
struct ht_oauth_param {
	const char *name;
	const char *value;
};

/* Base64 of a SHA-1 HMAC: 28 characters and a NUL. */
#define HT_OAUTH_SIG_LEN	29

/* RFC 3986 percent-encoding of len bytes of s (unreserved kept).  NULL: out of memory. */
char	*ht_oauth_encode(const char *s, size_t len);

/*
 * The signature base string (RFC 5849 3.4.1) of a request: method, url
 * (its query, if any, is part of the parameters), form (a form-encoded body,
 * or NULL) and the n protocol parameters in p (oauth_*, without
 * oauth_signature).
 */
char	*ht_oauth_base_string(const char *method, const char *url,
	    const char *form, const struct ht_oauth_param *p, size_t n,
	    struct ht_err *e);

/* The HMAC-SHA1 signature of base, in base64, into sig. */
int	ht_oauth_hmac_sha1(const char *consumer_secret,
	    const char *token_secret, const char *base,
	    char sig[HT_OAUTH_SIG_LEN], struct ht_err *e);

/*
 * The value of the Authorization header for a request ("OAuth
 * oauth_consumer_key=...").  nonce NULL: 32 random bytes from getrandom(2),
 * in hex; timestamp < 0: now.  (Tests pass both to reproduce published
 * examples.)
 */
char	*ht_oauth_header(const struct ht_oauth_cred *, const char *method,
	    const char *url, const char *form, const char *nonce,
	    long long timestamp, struct ht_err *e);

#endif
