/*
 * The distribution registry's notifications (registry:2, GitLab's
 * registry...): an envelope {"events":[...]} of one or more events.  Only
 * a push with a tag is announced: a manifest pushed by tag.  Layer pushes,
 * pulls, deletes and pushes by digest are not.  The host is the one the
 * pusher reached the registry by (request.host), which is the host its
 * users pull from.  The registry cannot say whether a repository is
 * private.
 */
#include <stdio.h>
#include <string.h>

#include "reader.h"

/* One event: appended when it is a push with a tag. */
static int
one(const json_t *ev, size_t i, json_t *events, struct ht_err *e)
{
	const json_t *target, *req, *actor;
	const char *action, *host = NULL;
	char where[64];
	struct ht_push push = { 0 };
	int r;

	(void)snprintf(where, sizeof where, "events[%zu]", i);
	if (!json_is_object(ev)) {
		ht_err_set(e, "%s: expected an object", where);
		return -1;
	}
	if (ht_rd_string(ev, "action", where, &action, e) == -1 ||
	    ht_rd_object(ev, "target", where, &target, e) == -1)
		return -1;
	if (action == NULL || strcmp(action, "push") != 0 || target == NULL)
		return 0;
	if (ht_rd_string(target, "tag", "target", &push.tag, e) == -1)
		return -1;
	if (push.tag == NULL || *push.tag == '\0')
		return 0;
	if (ht_rd_string(target, "repository", "target", &push.repo,
	    e) == -1 || ht_rd_string(target, "digest", "target",
	    &push.digest, e) == -1 ||
	    ht_rd_object(ev, "request", where, &req, e) == -1 ||
	    (req != NULL && ht_rd_string(req, "host", "request", &host,
	    e) == -1) ||
	    ht_rd_object(ev, "actor", where, &actor, e) == -1 ||
	    (actor != NULL && ht_rd_string(actor, "name", "actor",
	    &push.pusher, e) == -1) ||
	    (r = ht_rd_time(ev, "timestamp", where, &push.pushed_at,
	    e)) == -1)
		return -1;
	if (push.repo == NULL || req == NULL || host == NULL || r == 0) {
		ht_err_set(e, "%s.%s: missing", where, push.repo == NULL ?
		    "target.repository" : req == NULL || host == NULL ?
		    "request.host" : "timestamp");
		return -1;
	}
	if (push.pusher != NULL && *push.pusher == '\0')
		push.pusher = NULL;
	push.registry = host;
	push.is_private = -1;
	push.where = where;
	return ht_push_add(events, &push, e);
}

int
ht_registry_events(const json_t *p, json_t *events, char *why,
    size_t whylen, struct ht_err *e)
{
	const json_t *list;
	size_t i;

	if (!json_is_object(p) || !json_is_array(list = json_object_get(p,
	    "events"))) {
		ht_err_set(e, "not a registry notification: no \"events\" "
		    "list");
		return -1;
	}
	for (i = 0; i < json_array_size(list); i++)
		if (one(json_array_get(list, i), i, events, e) == -1)
			return -1;
	if (json_array_size(events) == 0)
		(void)snprintf(why, whylen, "no push with a tag among %zu "
		    "event%s", json_array_size(list),
		    json_array_size(list) == 1 ? "" : "s");
	return 0;
}
