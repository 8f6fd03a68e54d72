/*
 * Fuzz target "group": the grouping of a sequence of deliveries into
 * events (lib/group.c: ht_grouper, by pushed_at, as dh-parse groups a
 * stream; each group's event by ht_group_event, as the webhook's drain
 * makes it), with its invariants.
 *
 * Input: one delivery per line, "R TAG SECONDS": R's byte picks one of
 * three repositories, TAG is the tag (UTF-8, no space), SECONDS the push
 * time after a fixed start (0 to 999999).  Lines that are not one are
 * skipped; at most MAX_DELIVERIES.
 *
 * Checks, with a window of WINDOW seconds:
 * - every event is a good group event (group.h): the main tag by
 *   ht_tag_cmp_main's rule, each tag listed once, image and id to match;
 * - every tag delivered is in an event of its repository, and every tag
 *   of an event was delivered for its repository;
 * - when all the deliveries fall within one window, each repository
 *   gives exactly one event, each announced tag is in exactly one event,
 *   and any arrival order (reversed, shuffled) gives the same events: the
 *   same tags, and main tags the rule cannot tell apart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "spool.h"
#include "group.h"
#include "fuzz.h"

#define MAX_DELIVERIES	64
#define WINDOW		60
#define START		1795968000LL	/* 2026-11-30T16:00:00Z */

static const char *const repos[] = {
	"acme/widget", "library/redis", "acme/widget-docs"
};
#define NREPOS	(sizeof repos / sizeof repos[0])

struct delivery {
	size_t repo;
	char tag[130];
	long long sec;
};

/* The events given, in order. */
struct out {
	json_t *evs;
};

static int
emit(json_t *ev, long long last, void *arg, struct ht_err *e)
{
	struct out *o = arg;

	(void)e;
	fuzz_check_event(ev);
	if (json_array_append(o->evs, ev) == -1)
		abort();
	return 0;
}

static json_t *
event_of(const struct delivery *d)
{
	char at[32], image[200], id[240];
	time_t t = (time_t)(START + d->sec);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		abort();
	(void)snprintf(image, sizeof image, "%s:%s", repos[d->repo], d->tag);
	(void)snprintf(id, sizeof id, "%s@%s", image, at);
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "id", id, "repo_name",
	    repos[d->repo], "tag", d->tag, "image", image, "pushed_at", at,
	    "is_private", 0);
}

/* The events of the deliveries in the order order[0..n). */
static json_t *
group(const struct delivery *d, const size_t *order, size_t n)
{
	struct out o;
	struct ht_grouper *g;
	struct ht_err e;
	json_t *ev;
	size_t i;

	if ((o.evs = json_array()) == NULL ||
	    (g = ht_grouper_new(WINDOW, HT_GROUP_AGE, emit, &o)) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		if ((ev = event_of(&d[order[i]])) == NULL)
			abort();
		ht_err_clear(&e);
		if (ht_grouper_add(g, ev, &e) == -1)
			abort();
		json_decref(ev);
	}
	ht_err_clear(&e);
	if (ht_grouper_finish(g, &e) == -1)
		abort();
	ht_grouper_free(g);
	return o.evs;
}

/* How many events of repository r list tag. */
static size_t
events_with(const json_t *evs, size_t r, const char *tag)
{
	const json_t *ev;
	json_t *t = json_string(tag);
	size_t i, n = 0;

	for (i = 0; i < json_array_size(evs); i++) {
		ev = json_array_get(evs, i);
		if (strcmp(json_string_value(json_object_get(ev,
		    "repo_name")), repos[r]) == 0)
			n += fuzz_count_in(json_object_get(ev, "tags"), t);
	}
	json_decref(t);
	return n;
}

/* The event of repository r, when there is one; abort when more. */
static const json_t *
only_event(const json_t *evs, size_t r)
{
	const json_t *ev, *found = NULL;
	size_t i;

	for (i = 0; i < json_array_size(evs); i++) {
		ev = json_array_get(evs, i);
		if (strcmp(json_string_value(json_object_get(ev,
		    "repo_name")), repos[r]) != 0)
			continue;
		if (found != NULL)
			abort();
		found = ev;
	}
	return found;
}

/* The same events: tags as sets, main tags alike by the rule. */
static void
same_events(const json_t *a, const json_t *b)
{
	const json_t *x, *y, *t;
	size_t r, i;

	if (json_array_size(a) != json_array_size(b))
		abort();
	for (r = 0; r < NREPOS; r++) {
		x = only_event(a, r);
		y = only_event(b, r);
		if ((x == NULL) != (y == NULL))
			abort();
		if (x == NULL)
			continue;
		if (json_array_size(json_object_get(x, "tags")) !=
		    json_array_size(json_object_get(y, "tags")))
			abort();
		for (i = 0; i < json_array_size(json_object_get(x, "tags"));
		    i++) {
			t = json_array_get(json_object_get(x, "tags"), i);
			if (fuzz_count_in(json_object_get(y, "tags"), t) != 1)
				abort();
		}
		if (ht_tag_cmp_main(json_string_value(json_object_get(x,
		    "tag")), json_string_value(json_object_get(y,
		    "tag"))) != 0)
			abort();
	}
}

/* Parse the input's lines into d; returns how many. */
static size_t
parse(const uint8_t *data, size_t size, struct delivery *d)
{
	const char *p = (const char *)data, *end = p + size, *nl, *sp;
	char num[16];
	json_t *j;
	size_t n = 0, len;
	char *x;

	for (; p < end && n < MAX_DELIVERIES; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl - p < 5 || p[1] != ' ')
			continue;
		d[n].repo = (unsigned char)p[0] % NREPOS;
		if ((sp = memchr(p + 2, ' ', (size_t)(nl - p - 2))) == NULL ||
		    (len = (size_t)(sp - p - 2)) == 0 ||
		    len >= sizeof d[n].tag || memchr(p + 2, '\0', len) != NULL)
			continue;
		memcpy(d[n].tag, p + 2, len);
		d[n].tag[len] = '\0';
		if ((j = json_string(d[n].tag)) == NULL)
			continue;
		json_decref(j);
		len = (size_t)(nl - sp - 1);
		if (len == 0 || len >= sizeof num)
			continue;
		memcpy(num, sp + 1, len);
		num[len] = '\0';
		d[n].sec = strtoll(num, &x, 10);
		if (*x != '\0' || num[0] < '0' || num[0] > '9' ||
		    d[n].sec > 999999)
			continue;
		n++;
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct delivery d[MAX_DELIVERIES];
	size_t order[MAX_DELIVERIES], n, i, j, k;
	long long lo = -1, hi = -1;
	json_t *evs, *other, *ev, *t;
	unsigned int seed = 1;

	if ((n = parse(data, size, d)) == 0)
		return 0;
	for (i = 0; i < n; i++) {
		order[i] = i;
		if (lo == -1 || d[i].sec < lo)
			lo = d[i].sec;
		if (hi == -1 || d[i].sec > hi)
			hi = d[i].sec;
	}
	evs = group(d, order, n);

	for (i = 0; i < n; i++)
		if (events_with(evs, d[i].repo, d[i].tag) == 0)
			abort();
	for (i = 0; i < json_array_size(evs); i++) {
		ev = json_array_get(evs, i);
		for (j = 0; j < json_array_size(json_object_get(ev, "tags"));
		    j++) {
			t = json_array_get(json_object_get(ev, "tags"), j);
			for (k = 0; k < n; k++)
				if (strcmp(repos[d[k].repo],
				    json_string_value(json_object_get(ev,
				    "repo_name"))) == 0 &&
				    strcmp(d[k].tag, json_string_value(t)) == 0)
					break;
			if (k == n)
				abort();
		}
	}

	if (hi - lo < WINDOW) {
		for (i = 0; i < n; i++)
			if (events_with(evs, d[i].repo, d[i].tag) != 1)
				abort();
		for (i = 0; i < NREPOS; i++)
			(void)only_event(evs, i);
		/* Reversed, then shuffled (by the input's bytes). */
		for (i = 0; i < n; i++)
			order[i] = n - 1 - i;
		other = group(d, order, n);
		same_events(evs, other);
		json_decref(other);
		for (i = 0; i < size; i++)
			seed = seed * 31 + data[i];
		for (i = n; i > 1; i--) {
			j = (size_t)rand_r(&seed) % i;
			k = order[i - 1];
			order[i - 1] = order[j];
			order[j] = k;
		}
		other = group(d, order, n);
		same_events(evs, other);
		json_decref(other);
	}
	json_decref(evs);
	return 0;
}
