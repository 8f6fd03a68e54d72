#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "answer.h"

void
ht_answer_reason(struct ht_xapi_result *r, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	(void)vsnprintf(r->reason, sizeof r->reason, fmt, ap);
	va_end(ap);
	for (p = r->reason; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
}

int
ht_answer_status(const json_t *ans, struct ht_xapi_result *r)
{
	const char *kind, *s;

	memset(r, 0, sizeof *r);
	r->http = (int)json_integer_value(json_object_get(ans, "status"));
	if (r->http != 0)
		return r->http;
	kind = json_string_value(json_object_get(ans, "kind"));
	s = json_string_value(json_object_get(ans, "error"));
	r->kind = HT_XAPI_TRANSIENT;
	r->status = EX_UNAVAILABLE;
	ht_answer_reason(r, "%s: %s", kind != NULL && strcmp(kind,
	    "timeout") == 0 ? "no answer in time" : kind != NULL &&
	    strcmp(kind, "connect") == 0 ? "cannot connect" :
	    "request failed", s != NULL ? s : "?");
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
		memcpy(buf + size - 5, "...)", 5);
}
