#include <stdio.h>
#include <string.h>

#include "answer.h"

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
		memcpy(buf + size - 5, "...)", 5);
}
