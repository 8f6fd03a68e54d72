/*
 * net — what every network shares: requests, answers and outcomes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/crypto.h>

#include "net.h"

int
ht_http_req_header(struct ht_http_req *r, struct ht_err *e, const char *fmt,
    ...)
{
	va_list ap;
	int n;

	if (r->nheaders >= HT_HTTP_MAX_HEADERS) {
		ht_err_set(e, "too many request headers");
		e->status = EX_SOFTWARE;
		return -1;
	}
	va_start(ap, fmt);
	n = vasprintf(&r->headers[r->nheaders], fmt, ap);
	va_end(ap);
	if (n == -1) {
		r->headers[r->nheaders] = NULL;
		ht_err_set(e, "out of memory");
		e->status = EX_OSERR;
		return -1;
	}
	r->nheaders++;
	return 0;
}

static void
wipe_free(char *s, size_t len)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, len);
		free(s);
	}
}

void
ht_http_req_free(struct ht_http_req *r)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++)
		wipe_free(r->headers[i], strlen(r->headers[i]));
	wipe_free(r->body, r->body_len);
	free(r->url);
	memset(r, 0, sizeof *r);
}

void
ht_http_ans_free(struct ht_http_ans *a)
{
	json_decref(a->root);
	memset(a, 0, sizeof *a);
}

int
ht_outcome_status(enum ht_outcome_kind k)
{
	switch (k) {
	case HT_POSTED:
	case HT_ALREADY:
		return 0;
	case HT_LIMITED:
	case HT_BUSY:
		return EX_TEMPFAIL;
	case HT_REJECTED:
	case HT_CORRUPT:
		return EX_DATAERR;
	case HT_DENIED:
		return EX_NOPERM;
	case HT_KEPT:
	case HT_UNPAID:
	case HT_BROKEN:
		break;
	}
	return EX_UNAVAILABLE;
}

int
ht_outcome_done(enum ht_outcome_kind k)
{
	return k == HT_POSTED || k == HT_ALREADY;
}

void
ht_outcome_set(struct ht_outcome *o, enum ht_outcome_kind k,
    const char *fmt, ...)
{
	va_list ap;
	char *p;

	o->kind = k;
	o->status = ht_outcome_status(k);
	va_start(ap, fmt);
	(void)vsnprintf(o->reason, sizeof o->reason, fmt, ap);
	va_end(ap);
	for (p = o->reason; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
}

void
ht_outcome_other(struct ht_outcome *o, int http, long long retry_at,
    const char *title, const char *said)
{
	o->retry_at = (time_t)retry_at;
	if (http == 429)
		ht_outcome_set(o, HT_LIMITED, "rate limited by %s (429)%s",
		    title, said);
	else if (http >= 500)
		ht_outcome_set(o, HT_KEPT, "%s is unavailable (%d)%s", title,
		    http, said);
	else
		ht_outcome_set(o, HT_BROKEN, "unexpected answer %d from %s%s",
		    http, title, said);
}

void
ht_net_free(struct ht_net *n)
{
	if (n == NULL)
		return;
	if (n->ops->free != NULL)
		n->ops->free(n->priv);
	free(n);
}
