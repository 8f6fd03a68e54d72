/*
 * event — a Docker Hub push payload turned into a hubtweet event.
 *
 * The event is a flat JSON object with stable keys (see dh-parse(1)), listed
 * in ht_event_fields.  A payload gives all but tags and other_tags, which
 * grouping adds (spool.h).  Docker Hub's payload has varied since 2014; this is
 * where that variety is absorbed, and where names that will be published
 * are checked against Docker's own naming rules.
 */
#ifndef HT_EVENT_H
#define HT_EVENT_H

#include <jansson.h>

#include "err.h"

/*
 * Build the event for a payload.  Returns a new object (caller decrefs), or
 * NULL with e->msg saying what is wrong, naming the field.
 */
json_t	*ht_event_from_payload(const json_t *payload, struct ht_err *e);

/*
 * The keys an event may have, NULL-ended: what a template may name when
 * it renders events (dh-format checks it before reading any input).
 */
extern const char *const ht_event_fields[];

/* Docker's naming rules. */
int	ht_tag_valid(const char *);
int	ht_repo_component_valid(const char *);
int	ht_repo_name_valid(const char *);

/* Seconds since the epoch as RFC 3339 UTC ("2014-12-03T00:22:41Z"). */
int	ht_time_rfc3339(long long secs, char *buf, size_t len);

#endif
