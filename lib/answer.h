/*
 * answer — what every network's classification of an answer starts
 * with (net.h): the outcome when no HTTP answer came, and the network's
 * own words to end a reason with.
 */
#ifndef HT_ANSWER_H
#define HT_ANSWER_H

#include <stddef.h>

#include "net.h"

/*
 * Clear o and set its http; when no HTTP answer came (a->status 0), fill
 * o (HT_KEPT: "no answer in time: ...", "cannot connect: ..." or
 * "request failed: ..." with the transport's words) and return 0; else
 * return the HTTP status.
 */
int	ht_answer_status(const struct ht_http_ans *a, struct ht_outcome *o);

/*
 * " (NETWORK: \"words\")" into buf, to end a reason with; "" when words is
 * NULL or empty; cut with "...)" when too long.
 */
void	ht_answer_quote(char *buf, size_t size, const char *network,
	    const char *words);

#endif
