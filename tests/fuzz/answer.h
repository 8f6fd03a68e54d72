/*
 * answer — what the network targets (x-answer, mastodon-answer,
 * bsky-answer) share: an input made into the helper's answer as the
 * sender returns it (ht_sender_answer), and the checks every outcome of
 * a network's classify must pass.
 *
 * Input, either:
 *   the helper's answer line as is, when it begins with '{'
 *     {"status":429,"headers":{"retry-after":"30"},"body":"...",...};
 *   or, easier to mutate, an HTTP-like text:
 *     STATUS[ KIND]\n          the status (0: no answer, KIND its kind)
 *     name: value\n ...        headers, until an empty line
 *     body                     the rest (the transport's message for 0)
 *   made into the line the helper would write (bytes that are not UTF-8
 *   replaced, as tw-send does), and read back.
 */
#ifndef HT_FUZZ_ANSWER_H
#define HT_FUZZ_ANSWER_H

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "net.h"
#include "sender.h"

/* A fixed clock: 2026-11-30T16:00:00Z. */
#define FUZZ_NOW	((time_t)1795968000)

/* The length of the UTF-8 character at s[0..len) as Jansson takes it, or 0. */
static size_t
fuzz_char(const unsigned char *s, size_t len)
{
	size_t n, k;

	if (s[0] < 0x80)
		return 1;
	n = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ?
	    3 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
	if (n == 0 || n > len)
		return 0;
	for (k = 1; k < n; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	/* No overlong forms, surrogates or code points past U+10FFFF. */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

/* buf[0..len) with every byte that does not start valid UTF-8 as '?'. */
static char *
fuzz_utf8(const char *buf, size_t len)
{
	char *s = malloc(len + 1);
	size_t i = 0, n;

	if (s == NULL)
		abort();
	memcpy(s, buf, len);
	s[len] = '\0';
	while (i < len) {
		if ((n = fuzz_char((unsigned char *)s + i, len - i)) == 0) {
			s[i++] = '?';
			continue;
		}
		i += n;
	}
	return s;
}

/* The text form of the input into the helper's answer line. */
static char *
fuzz_answer_line(const char *buf, size_t len, size_t *outlen)
{
	json_t *o, *h;
	const char *p = buf, *end = buf + len, *nl, *colon;
	char *s, *name, *line;
	long status;
	size_t i;

	nl = memchr(p, '\n', (size_t)(end - p));
	if (nl == NULL)
		nl = end;
	s = fuzz_utf8(p, (size_t)(nl - p));
	status = strtol(s, &name, 10);
	while (*name == ' ')
		name++;
	if ((o = json_object()) == NULL || (h = json_object()) == NULL)
		abort();
	(void)json_object_set_new(o, "status", json_integer(status));
	if (status == 0 && *name != '\0')
		(void)json_object_set_new(o, "kind", json_string(name));
	free(s);
	p = nl < end ? nl + 1 : end;
	while (p < end && *p != '\n') {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		s = fuzz_utf8(p, (size_t)(nl - p));
		if ((colon = strchr(s, ':')) != NULL) {
			name = s;
			s[colon - s] = '\0';
			for (i = 0; name[i] != '\0'; i++)
				name[i] = (char)tolower((unsigned char)name[i]);
			for (colon++; *colon == ' '; colon++)
				;
			(void)json_object_set_new(h, name, json_string(colon));
		}
		free(s);
		p = nl < end ? nl + 1 : end;
	}
	if (p < end)
		p++;
	s = fuzz_utf8(p, (size_t)(end - p));
	(void)json_object_set_new(o, status == 0 ? "error" : "body",
	    json_stringn(s, (size_t)(end - p)));
	free(s);
	(void)json_object_set_new(o, "headers", h);
	(void)json_object_set_new(o, "time_ms", json_integer(12));
	if ((line = json_dumps(o, JSON_COMPACT)) == NULL)
		abort();
	json_decref(o);
	*outlen = strlen(line);
	return line;
}

/*
 * The answer in data[0..size) into a, as ht_sender_exchange returns it.
 * 0, or -1 when the helper's line would be refused.
 */
static int
fuzz_answer(const uint8_t *data, size_t size, struct ht_http_ans *a)
{
	const char *p = (const char *)data, *nl;
	char *line;
	size_t len;
	int r;

	if (size > 0 && data[0] == '{') {
		/* The sender reads a line: up to the first newline. */
		nl = memchr(p, '\n', size);
		r = ht_sender_answer(p, nl != NULL ? (size_t)(nl - p) : size,
		    a);
	} else {
		line = fuzz_answer_line(p, size, &len);
		r = ht_sender_answer(line, len, a);
		free(line);
	}
	if (r == -1 && (a->root != NULL || a->headers != NULL))
		abort();
	if (r == 0 && (a->headers == NULL || !json_is_object(a->headers) ||
	    a->body == NULL || strlen(a->body) > a->body_len))
		abort();
	return r;
}

/* Whether s[0..len) is UTF-8 without control characters. */
static int
fuzz_clean(const char *s, size_t len)
{
	json_t *j;
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	if ((j = json_stringn(s, len)) == NULL)
		return 0;
	json_decref(j);
	return 1;
}

/* A time an outcome may hold: none, or a sane one after now. */
static int
fuzz_time_ok(time_t t)
{
	return t == 0 || (t > FUZZ_NOW && t <= FUZZ_NOW + HT_NET_RESET_MAX);
}

/*
 * The checks on an outcome: a kind a network may give, with its status;
 * the HTTP status as answered; a reason, one line of clean UTF-8 (it goes
 * to logs and to the queue's JSON items); ids and addresses of a post
 * made, clean too; retry and hold times sane.
 */
static void
fuzz_check_outcome(const struct ht_http_ans *a, const struct ht_outcome *o)
{
	size_t len;

	if (o->kind < HT_POSTED || o->kind > HT_BROKEN ||
	    o->status != ht_outcome_status(o->kind) || o->http != a->status)
		abort();
	if (a->status == 0 && o->kind != HT_KEPT)
		abort();
	len = strnlen(o->reason, sizeof o->reason);
	if (len == 0 || len == sizeof o->reason ||
	    !fuzz_clean(o->reason, len))
		abort();
	if (strnlen(o->id, sizeof o->id) == sizeof o->id ||
	    strnlen(o->url, sizeof o->url) == sizeof o->url ||
	    strnlen(o->account, sizeof o->account) == sizeof o->account)
		abort();
	if (o->kind == HT_POSTED && (o->id[0] == '\0' ||
	    !fuzz_clean(o->id, strlen(o->id)) ||
	    !fuzz_clean(o->url, strlen(o->url))))
		abort();
	if (!fuzz_time_ok(o->retry_at) || !fuzz_time_ok(o->next_at))
		abort();
}

/* classify (and checked, when the network has it) on the answer. */
static void
fuzz_classify(struct ht_net *n, const uint8_t *data, size_t size)
{
	struct ht_http_ans a;
	struct ht_outcome o;

	if (fuzz_answer(data, size, &a) == -1)
		return;
	/* The engine reports the helper's own failures without classify. */
	if (a.status == 0 && a.error_kind != NULL &&
	    strcmp(a.error_kind, "helper") == 0) {
		ht_http_ans_free(&a);
		return;
	}
	memset(&o, 0, sizeof o);
	n->ops->classify(n, &a, FUZZ_NOW, &o);
	fuzz_check_outcome(&a, &o);
	if (n->ops->checked != NULL) {
		memset(&o, 0, sizeof o);
		n->ops->checked(n, &a, FUZZ_NOW, &o);
		fuzz_check_outcome(&a, &o);
		if (o.kind == HT_POSTED && !fuzz_clean(o.account,
		    strlen(o.account)))
			abort();
	}
	ht_http_ans_free(&a);
}

#endif
