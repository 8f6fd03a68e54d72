/*
 * Quay's repo_push notification: docker_url (HOST/NAMESPACE/NAME, where
 * the host comes from), updated_tags (a list of tags; older Quay sent an
 * object of tag to image id), repository, homepage and, when given,
 * visibility.  It carries no time: the push is dated when it is read.
 * Quay's other notifications (builds, scans) are not announced.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "reader.h"

/* The host and repository of docker_url, which repository must match. */
static int
names(const json_t *p, char *host, size_t hlen, const char **repo,
    struct ht_err *e)
{
	const char *url, *given;

	if (ht_rd_string(p, "docker_url", "payload", &url, e) == -1 ||
	    ht_rd_string(p, "repository", "payload", &given, e) == -1)
		return -1;
	if (url == NULL) {
		ht_err_set(e, "not a Quay payload: no \"docker_url\"");
		return -1;
	}
	if (ht_ref_host(url, host, hlen, repo) == -1 ||
	    (given != NULL && strcmp(given, *repo) != 0)) {
		ht_err_set(e, "payload.docker_url: \"%.120s\" is not the "
		    "repository's reference", url);
		return -1;
	}
	return 0;
}

static int
one(const char *tag, size_t i, struct ht_push *push, json_t *events,
    struct ht_err *e)
{
	char where[64];
	int r;

	(void)snprintf(where, sizeof where, "updated_tags[%zu]", i);
	push->tag = tag;
	push->where = where;
	r = ht_push_add(events, push, e);
	push->where = NULL;	/* where ends here */
	return r;
}

int
ht_quay_events(const json_t *p, json_t *events, char *why, size_t whylen,
    struct ht_err *e)
{
	const json_t *tags, *v;
	const char *vis, *key;
	char host[256];
	struct ht_push push = { 0 };
	size_t i = 0;

	if (!json_is_object(p)) {
		ht_err_set(e, "not a Quay payload: expected a JSON object");
		return -1;
	}
	if (names(p, host, sizeof host, &push.repo, e) == -1)
		return -1;
	if ((tags = json_object_get(p, "updated_tags")) == NULL) {
		(void)snprintf(why, whylen, "a Quay notification other than "
		    "repo_push");
		return 0;
	}
	if (!json_is_array(tags) && !json_is_object(tags)) {
		ht_err_set(e, "payload.updated_tags: expected a list of tags");
		return -1;
	}
	if (ht_rd_string(p, "visibility", "payload", &vis, e) == -1 ||
	    ht_rd_string(p, "homepage", "payload", &push.repo_url, e) == -1)
		return -1;
	push.is_private = vis == NULL ? -1 : strcmp(vis, "public") != 0;
	push.registry = host;
	push.pushed_at = (long long)time(NULL);
	if (json_is_object(tags)) {
		json_object_foreach((json_t *)tags, key, v)
			if (one(key, i++, &push, events, e) == -1)
				return -1;
	} else
		json_array_foreach(tags, i, v) {
			if (!json_is_string(v)) {
				ht_err_set(e, "payload.updated_tags[%zu]: "
				    "expected a string", i);
				return -1;
			}
			if (one(json_string_value(v), i, &push, events,
			    e) == -1)
				return -1;
		}
	if (json_array_size(events) == 0)
		(void)snprintf(why, whylen, "no tag updated");
	return 0;
}
