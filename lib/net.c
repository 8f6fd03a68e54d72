/*
 * net — what every network shares: requests, answers and outcomes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "net.h"
#include "util.h"

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
		explicit_bzero(s, len);
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

/*
 * Where to cut s[0..n) so that it does not end inside a UTF-8 character:
 * n, or the start of the last character when it is cut short.
 */
static size_t
utf8_cut(const char *s, size_t n)
{
	size_t i = n, need;
	unsigned char c;

	while (i > 0 && n - i < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0)
		return n;
	c = (unsigned char)s[i - 1];
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	return i - 1 + need > n ? i - 1 : n;
}

void
ht_outcome_set(struct ht_outcome *o, enum ht_outcome_kind k,
    const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	o->kind = k;
	o->status = ht_outcome_status(k);
	va_start(ap, fmt);
	n = vsnprintf(o->reason, sizeof o->reason, fmt, ap);
	va_end(ap);
	/* Cut short: not inside a character (the queue keeps it as JSON). */
	if (n >= (int)sizeof o->reason)
		o->reason[utf8_cut(o->reason, strlen(o->reason))] = '\0';
	/* One line, without a terminal's escapes. */
	for (p = o->reason; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

int
ht_net_token_ok(const char *s, size_t max)
{
	size_t i;

	if (s == NULL || *s == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i + 1 >= max || (unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
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
ht_outcome_later(struct ht_outcome *o, const struct ht_http_ans *a,
    long long reset, time_t now, const char *title, const char *said)
{
	if (reset == 0 && (a->status == 429 || a->status >= 500))
		reset = ht_net_hold_until(json_string_value(json_object_get(
		    a->headers, "retry-after")), 1, (long long)now);
	ht_outcome_other(o, a->status, reset, title, said);
}

int
ht_answer_status(const struct ht_http_ans *a, struct ht_outcome *o)
{
	const char *k = a->error_kind;

	memset(o, 0, sizeof *o);
	o->http = a->status;
	if (a->status != 0)
		return a->status;
	ht_outcome_set(o, HT_KEPT, "%s: %s", k != NULL && strcmp(k,
	    "timeout") == 0 ? "no answer in time" : k != NULL && strcmp(k,
	    "connect") == 0 ? "cannot connect" : "request failed",
	    a->error != NULL ? a->error : "?");
	return 0;
}

void
ht_answer_quote(char *buf, size_t size, const char *network,
    const char *words)
{
	if (size == 0)
		return;
	buf[0] = '\0';
	if (words == NULL || *words == '\0')
		return;
	if (snprintf(buf, size, " (%s: \"%s\")", network, words) >=
	    (int)size && size > 5)
		memcpy(buf + utf8_cut(buf, size - 5), "...)", 5);
}

long long
ht_net_reset_check(long long reset, long long now)
{
	if (reset <= now || now < 0 || reset - now > HT_NET_RESET_MAX)
		return 0;
	return reset;
}

long long
ht_net_hold_until(const char *value, int relative, long long now)
{
	long long v;

	/* 11 digits: now + v cannot overflow, whatever a network says. */
	if (ht_parse_num(value, 0, 99999999999LL, &v) == -1)
		return 0;
	return ht_net_reset_check(relative ? now + v : v, now);
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
