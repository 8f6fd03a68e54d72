/*
 * answer — what every network's classification of a tw-send answer
 * starts with: the transport failure (no HTTP status came), and the one
 * line of reason an outcome carries.
 */
#ifndef HT_ANSWER_H
#define HT_ANSWER_H

#include <jansson.h>

#include "xapi.h"

/*
 * Clear r and return the answer's HTTP status; 0 when none came, r then
 * filled: transient (status 69), "no answer in time: ...", "cannot
 * connect: ..." or "request failed: ..." with tw-send's words.
 */
int	ht_answer_status(const json_t *answer, struct ht_xapi_result *r);

/* r->reason from a format, on one line (tabs and newlines made spaces). */
void	ht_answer_reason(struct ht_xapi_result *r, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * " (NETWORK: \"words\")" into buf, to end a reason with; "" when words is
 * NULL or empty; cut with "...)" when too long.
 */
void	ht_answer_quote(char *buf, size_t size, const char *network,
	    const char *words);

#endif
