#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <nettle/base64.h>
#include <nettle/hmac.h>

#include "oauth.h"
#include "util.h"

_Static_assert(BASE64_ENCODE_RAW_LENGTH(SHA1_DIGEST_SIZE) + 1 ==
    HT_OAUTH_SIG_LEN, "a signature is the base64 of a SHA-1 digest");

/*
 * RFC 3986 percent-encoding, as RFC 5849 3.6 requires: every byte but the
 * unreserved ALPHA / DIGIT / "-" / "." / "_" / "~" becomes %XX, upper-case
 * hex.  This is written here rather than taken from libcurl's
 * curl_easy_escape (which encodes the same set) because tw-post signs its
 * requests itself and must not load libcurl: the HTTP exchange happens in a
 * separate helper process that never sees the secrets.  The unit test
 * checks this encoder against curl_easy_escape for every byte value.
 */
static void
sb_enc(struct ht_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;
	char pct[3];
	size_t i, run;

	for (i = 0; i < n; i += run) {
		for (run = 0; i + run < n; run++) {
			c = (unsigned char)s[i + run];
			if (!(isascii(c) && isalnum(c)) && c != '-' &&
			    c != '.' && c != '_' && c != '~')
				break;
		}
		ht_buf_add(b, s + i, run);
		if (i + run < n) {
			c = (unsigned char)s[i + run];
			pct[0] = '%';
			pct[1] = hex[c >> 4];
			pct[2] = hex[c & 15];
			ht_buf_add(b, pct, 3);
			run++;
		}
	}
}

char *
ht_oauth_encode(const char *s, size_t len)
{
	struct ht_buf b = { 0 };

	ht_buf_add(&b, "", 0);
	sb_enc(&b, s, len);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* A parameter, encoded, for sorting (RFC 5849 3.4.1.3.2). */
struct pair {
	char *name;
	char *value;
};

struct pairs {
	struct pair *v;
	size_t n, cap;
	int oom;
};

static void
pairs_add(struct pairs *ps, const char *name, size_t nlen, const char *value,
    size_t vlen)
{
	struct pair *nv;
	char *n, *v;

	if (ps->oom)
		return;
	if (ps->n == ps->cap) {
		if ((nv = reallocarray(ps->v, ps->cap > 0 ? ps->cap * 2 : 16,
		    sizeof *nv)) == NULL) {
			ps->oom = 1;
			return;
		}
		ps->v = nv;
		ps->cap = ps->cap > 0 ? ps->cap * 2 : 16;
	}
	n = ht_oauth_encode(name, nlen);
	v = ht_oauth_encode(value, vlen);
	if (n == NULL || v == NULL) {
		free(n);
		free(v);
		ps->oom = 1;
		return;
	}
	ps->v[ps->n].name = n;
	ps->v[ps->n].value = v;
	ps->n++;
}

static void
pairs_free(struct pairs *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		free(ps->v[i].name);
		free(ps->v[i].value);
	}
	free(ps->v);
}

static int
pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	int r;

	if ((r = strcmp(x->name, y->name)) != 0)
		return r;
	return strcmp(x->value, y->value);
}

/* Add the parameters of a query string or form body (len bytes of s). */
static void
pairs_form(struct pairs *ps, const char *s, size_t len)
{
	const char *p, *end = s + len, *amp, *eq;
	char *name, *value;
	size_t nlen, vlen;

	for (p = s; p < end && !ps->oom; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp == p)
			continue;
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		name = strndup(p, (size_t)(eq - p));
		value = strndup(eq < amp ? eq + 1 : eq,
		    eq < amp ? (size_t)(amp - eq - 1) : 0);
		if (name == NULL || value == NULL) {
			ps->oom = 1;
		} else {
			nlen = ht_form_decode(name, strlen(name));
			vlen = ht_form_decode(value, strlen(value));
			pairs_add(ps, name, nlen, value, vlen);
		}
		free(name);
		free(value);
		if (amp == end)
			break;
	}
}

/*
 * The base string URI (RFC 5849 3.4.1.2): scheme and host in lower case,
 * the port only when it is not the scheme's default, the path ("/" when
 * empty), no query, no fragment.  *query gets the query (or NULL).
 */
static int
base_uri(struct ht_buf *b, const char *url, const char **query,
    size_t *qlen, struct ht_err *e)
{
	const char *p, *host, *hend, *port, *path, *pend;
	size_t i, slen;
	char c;

	*query = NULL;
	*qlen = 0;
	if ((p = strstr(url, "://")) == NULL || p == url) {
		(void)ht_err_fail(e, EX_CONFIG, "%s: not an absolute URL", url);
		return -1;
	}
	slen = (size_t)(p - url);
	for (i = 0; i < slen; i++) {
		c = (char)tolower((unsigned char)url[i]);
		ht_buf_add(b, &c, 1);
	}
	ht_buf_str(b, "://");
	host = p + 3;
	hend = host + strcspn(host, "/?#");
	if (hend == host) {
		(void)ht_err_fail(e, EX_CONFIG, "%s: no host in URL", url);
		return -1;
	}
	/* The port follows the last ':' outside an IPv6 literal. */
	port = NULL;
	for (p = hend; p > host; p--)
		if (p[-1] == ':') {
			port = p;
			break;
		} else if (p[-1] == ']')
			break;
	for (p = host; p < (port != NULL ? port - 1 : hend); p++) {
		c = (char)tolower((unsigned char)*p);
		ht_buf_add(b, &c, 1);
	}
	if (port != NULL && port < hend &&
	    !((slen == 4 && strncasecmp(url, "http", 4) == 0 &&
	    hend - port == 2 && strncmp(port, "80", 2) == 0) ||
	    (slen == 5 && strncasecmp(url, "https", 5) == 0 &&
	    hend - port == 3 && strncmp(port, "443", 3) == 0))) {
		ht_buf_add(b, ":", 1);
		ht_buf_add(b, port, (size_t)(hend - port));
	}
	path = hend;
	pend = path + strcspn(path, "?#");
	if (pend == path)
		ht_buf_add(b, "/", 1);
	else
		ht_buf_add(b, path, (size_t)(pend - path));
	if (*pend == '?') {
		*query = pend + 1;
		*qlen = strcspn(*query, "#");
	}
	return 0;
}

/* The pairs sorted, then joined as name=value&...: into b (b->oom). */
static void
params_join(struct ht_buf *b, struct pairs *ps)
{
	size_t i;

	if (ps->oom) {
		b->oom = 1;
		return;
	}
	if (ps->n > 0)
		qsort(ps->v, ps->n, sizeof *ps->v, pair_cmp);
	ht_buf_add(b, "", 0);
	for (i = 0; i < ps->n; i++) {
		if (i > 0)
			ht_buf_add(b, "&", 1);
		ht_buf_str(b, ps->v[i].name);
		ht_buf_add(b, "=", 1);
		ht_buf_str(b, ps->v[i].value);
	}
}

char *
ht_oauth_base_string(const char *method, const char *url, const char *form,
    const struct ht_oauth_param *p, size_t n, struct ht_err *e)
{
	struct ht_buf uri = { 0 }, params = { 0 }, out = { 0 };
	struct pairs ps = { 0 };
	const char *query;
	size_t i, qlen;

	if (base_uri(&uri, url, &query, &qlen, e) == -1)
		goto out;
	if (query != NULL)
		pairs_form(&ps, query, qlen);
	if (form != NULL)
		pairs_form(&ps, form, strlen(form));
	for (i = 0; i < n; i++)
		pairs_add(&ps, p[i].name, strlen(p[i].name), p[i].value,
		    strlen(p[i].value));
	params_join(&params, &ps);
	for (i = 0; method[i] != '\0'; i++) {
		char c = (char)toupper((unsigned char)method[i]);

		ht_buf_add(&out, &c, 1);
	}
	ht_buf_add(&out, "&", 1);
	if (!uri.oom)
		sb_enc(&out, uri.p, uri.len);
	ht_buf_add(&out, "&", 1);
	if (!params.oom)
		sb_enc(&out, params.p, params.len);
	if (uri.oom || params.oom || out.oom) {
		(void)ht_err_fail(e, EX_OSERR, "out of memory");
		free(out.p);
		out.p = NULL;
	}
out:
	free(uri.p);
	free(params.p);
	pairs_free(&ps);
	return out.p;
}

int
ht_oauth_hmac_sha1(const char *consumer_secret, const char *token_secret,
    const char *base, char sig[HT_OAUTH_SIG_LEN], struct ht_err *e)
{
	struct ht_buf key = { 0 };
	struct hmac_sha1_ctx c;
	unsigned char md[SHA1_DIGEST_SIZE];
	int r = -1;

	/* The key is "encode(consumer secret)&encode(token secret)". */
	ht_buf_add(&key, "", 0);
	sb_enc(&key, consumer_secret, strlen(consumer_secret));
	ht_buf_add(&key, "&", 1);
	sb_enc(&key, token_secret, strlen(token_secret));
	if (key.oom) {
		(void)ht_err_fail(e, EX_OSERR, "out of memory");
		goto out;
	}
	hmac_sha1_set_key(&c, key.len, (const uint8_t *)key.p);
	hmac_sha1_update(&c, strlen(base), (const uint8_t *)base);
	hmac_sha1_digest(&c, sizeof md, md);
	/* 20 bytes are 28 characters of base64, padding included. */
	base64_encode_raw(sig, sizeof md, md);
	sig[BASE64_ENCODE_RAW_LENGTH(sizeof md)] = '\0';
	r = 0;
out:
	if (key.p != NULL)
		explicit_bzero(key.p, key.cap);
	free(key.p);
	/* The context holds the hash states keyed with the secrets. */
	explicit_bzero(&c, sizeof c);
	explicit_bzero(md, sizeof md);
	return r;
}

char *
ht_oauth_header(const struct ht_oauth_cred *c, const char *method,
    const char *url, const char *form, const char *nonce,
    long long timestamp, struct ht_err *e)
{
	static const char hex[] = "0123456789abcdef";
	struct ht_oauth_param p[7];
	unsigned char rnd[32];
	char nbuf[2 * sizeof rnd + 1], ts[24], sig[HT_OAUTH_SIG_LEN];
	struct ht_buf h = { 0 };
	char *base = NULL;
	size_t i, n = 0;

	if (nonce == NULL) {
		if (ht_random(rnd, sizeof rnd) == -1) {
			(void)ht_err_fail(e, EX_OSERR,
			    "no random bytes for the OAuth nonce: %s",
			    strerror(errno));
			return NULL;
		}
		for (i = 0; i < sizeof rnd; i++) {
			nbuf[2 * i] = hex[rnd[i] >> 4];
			nbuf[2 * i + 1] = hex[rnd[i] & 15];
		}
		nbuf[2 * sizeof rnd] = '\0';
		nonce = nbuf;
	}
	if (timestamp < 0)
		timestamp = (long long)time(NULL);
	(void)snprintf(ts, sizeof ts, "%lld", timestamp);
	/* Sorted, as the header lists them. */
	p[n++] = (struct ht_oauth_param){ "oauth_consumer_key",
	    c->consumer_key };
	p[n++] = (struct ht_oauth_param){ "oauth_nonce", nonce };
	p[n++] = (struct ht_oauth_param){ "oauth_signature_method",
	    "HMAC-SHA1" };
	p[n++] = (struct ht_oauth_param){ "oauth_timestamp", ts };
	p[n++] = (struct ht_oauth_param){ "oauth_token", c->token };
	p[n++] = (struct ht_oauth_param){ "oauth_version", "1.0" };
	if ((base = ht_oauth_base_string(method, url, form, p, n, e)) == NULL)
		return NULL;
	if (ht_oauth_hmac_sha1(c->consumer_secret, c->token_secret, base, sig,
	    e) == -1) {
		free(base);
		return NULL;
	}
	free(base);
	/* oauth_signature sorts between oauth_nonce and the method. */
	memmove(&p[3], &p[2], (n - 2) * sizeof p[0]);
	p[2] = (struct ht_oauth_param){ "oauth_signature", sig };
	n++;
	ht_buf_str(&h, "OAuth ");
	for (i = 0; i < n; i++) {
		if (i > 0)
			ht_buf_str(&h, ", ");
		ht_buf_str(&h, p[i].name);
		ht_buf_str(&h, "=\"");
		sb_enc(&h, p[i].value, strlen(p[i].value));
		ht_buf_str(&h, "\"");
	}
	if (h.oom) {
		free(h.p);
		(void)ht_err_fail(e, EX_OSERR, "out of memory");
		return NULL;
	}
	return h.p;
}
