/*
 * group — the checks the grouping targets (group, spool-delivery) make on
 * the event of a group.
 */
#ifndef HT_FUZZ_GROUP_H
#define HT_FUZZ_GROUP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "spool.h"

/* How many times the string t is in the array a. */
static size_t
fuzz_count_in(const json_t *a, const json_t *t)
{
	size_t i, n = 0;

	for (i = 0; i < json_array_size(a); i++)
		n += json_equal(json_array_get(a, i), t);
	return n;
}

/*
 * A group's event: "tag" is the first of "tags" (strings, none twice)
 * and no tag comes before it by ht_tag_cmp_main (the main tag by the
 * rule); "other_tags" are the rest, in order; "image" and "id" are made
 * of repo_name, tag and pushed_at.
 */
static void
fuzz_check_event(const json_t *ev)
{
	const json_t *tags = json_object_get(ev, "tags"), *t;
	const json_t *other = json_object_get(ev, "other_tags");
	const char *tag = json_string_value(json_object_get(ev, "tag"));
	const char *repo = json_string_value(json_object_get(ev, "repo_name"));
	const char *pushed = json_string_value(json_object_get(ev,
	    "pushed_at"));
	const char *s;
	char buf[1024];
	size_t i;

	if (!json_is_object(ev) || tag == NULL || repo == NULL ||
	    pushed == NULL || !json_is_array(tags) || !json_is_array(other) ||
	    json_array_size(tags) != json_array_size(other) + 1 ||
	    (s = json_string_value(json_array_get(tags, 0))) == NULL ||
	    strcmp(s, tag) != 0)
		abort();
	for (i = 0; i < json_array_size(tags); i++) {
		t = json_array_get(tags, i);
		if (!json_is_string(t) || fuzz_count_in(tags, t) != 1 ||
		    (i > 0 && !json_equal(t, json_array_get(other, i - 1))) ||
		    ht_tag_cmp_main(json_string_value(t), tag) < 0)
			abort();
	}
	(void)snprintf(buf, sizeof buf, "%s:%s", repo, tag);
	if ((s = json_string_value(json_object_get(ev, "image"))) == NULL ||
	    strcmp(s, buf) != 0)
		abort();
	(void)snprintf(buf, sizeof buf, "%s:%s@%s", repo, tag, pushed);
	if ((s = json_string_value(json_object_get(ev, "id"))) == NULL ||
	    strcmp(s, buf) != 0)
		abort();
}

#endif
