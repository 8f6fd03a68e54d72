/*
 * Harbor's PUSH_ARTIFACT, in its default JSON format ({"type":
 * "PUSH_ARTIFACT","occur_at":...,"operator":...,"event_data":{...}}) and
 * in its CloudEvents format ({"specversion":"1.0","type":
 * "harbor.artifact.pushed","time":...,"operator":...,"data":{...}}).  The
 * data is the same: the repository (repo_full_name, repo_type public or
 * private) and the resources pushed, each with its tag, digest and
 * resource_url (HOST/REPOSITORY:TAG, where the host comes from).  A
 * resource pushed by digest alone has no tag and is not announced.
 */
#include <stdio.h>
#include <string.h>

#include "reader.h"

/* The event's type, data, time and operator, in either format. */
static int
envelope(const json_t *p, const char **type, const json_t **data,
    long long *t, const char **op, struct ht_err *e)
{
	const char *where;
	int ce, r;

	if (!json_is_object(p)) {
		ht_err_set(e, "not a Harbor payload: expected a JSON object");
		return -1;
	}
	ce = json_object_get(p, "specversion") != NULL;
	where = ce ? "data" : "event_data";
	if (ht_rd_string(p, "type", "payload", type, e) == -1 ||
	    ht_rd_object(p, where, "payload", data, e) == -1)
		return -1;
	if (*type == NULL || *data == NULL) {
		ht_err_set(e, "not a Harbor payload: no \"%s\"",
		    *type == NULL ? "type" : where);
		return -1;
	}
	r = ce ? ht_rd_time(p, "time", "payload", t, e) :
	    ht_rd_number(p, "occur_at", "payload", 0, HT_TIME_MAX, t, e);
	if (r == -1)
		return -1;
	if (r == 0) {
		ht_err_set(e, "payload.%s: missing", ce ? "time" : "occur_at");
		return -1;
	}
	return ht_rd_string(p, "operator", "payload", op, e) == -1 ? -1 : 0;
}

/* The repository's full name and privacy. */
static int
repository(const json_t *data, const char **name, int *priv,
    struct ht_err *e)
{
	const json_t *repo;
	const char *type;

	if (ht_rd_object(data, "repository", "data", &repo, e) == -1)
		return -1;
	if (repo == NULL) {
		ht_err_set(e, "data.repository: missing");
		return -1;
	}
	if (ht_rd_string(repo, "repo_full_name", "repository", name,
	    e) == -1 || ht_rd_string(repo, "repo_type", "repository", &type,
	    e) == -1)
		return -1;
	if (*name == NULL) {
		ht_err_set(e, "repository.repo_full_name: missing");
		return -1;
	}
	*priv = type == NULL ? -1 : strcmp(type, "public") != 0;
	return 0;
}

/*
 * One resource: its event, unless it has no tag.  Its resource_url names
 * the host, and must name the repository too.
 */
static int
resource(const json_t *res, size_t i, struct ht_push *push, json_t *events,
    struct ht_err *e)
{
	char where[64], host[256];
	const char *tag, *url, *rest;
	size_t n = strlen(push->repo);
	int r;

	(void)snprintf(where, sizeof where, "resources[%zu]", i);
	if (!json_is_object(res)) {
		ht_err_set(e, "%s: expected an object", where);
		return -1;
	}
	if (ht_rd_string(res, "tag", where, &tag, e) == -1 ||
	    ht_rd_string(res, "digest", where, &push->digest, e) == -1 ||
	    ht_rd_string(res, "resource_url", where, &url, e) == -1)
		return -1;
	if (tag == NULL || *tag == '\0' || strncmp(tag, "sha256:", 7) == 0)
		return 0;
	if (push->digest != NULL && *push->digest == '\0')
		push->digest = NULL;
	if (url == NULL || ht_ref_host(url, host, sizeof host, &rest) == -1 ||
	    strncmp(rest, push->repo, n) != 0 ||
	    (rest[n] != ':' && rest[n] != '@')) {
		ht_err_set(e, "%s.resource_url: \"%.120s\" is not a reference "
		    "in repository \"%.80s\"", where, url != NULL ? url : "",
		    push->repo);
		return -1;
	}
	push->registry = host;
	push->tag = tag;
	push->where = where;
	r = ht_push_add(events, push, e);
	/* host and where end here. */
	push->registry = push->where = NULL;
	return r;
}

int
ht_harbor_events(const json_t *p, json_t *events, char *why, size_t whylen,
    struct ht_err *e)
{
	const json_t *data, *list;
	const char *type;
	struct ht_push push = { 0 };
	size_t i;

	if (envelope(p, &type, &data, &push.pushed_at, &push.pusher,
	    e) == -1)
		return -1;
	if (strcmp(type, "PUSH_ARTIFACT") != 0 &&
	    strcmp(type, "harbor.artifact.pushed") != 0) {
		(void)snprintf(why, whylen, "a %.40s event, not a push", type);
		return 0;
	}
	if (repository(data, &push.repo, &push.is_private, e) == -1 ||
	    ht_rd_array(data, "resources", "data", &list, e) == -1)
		return -1;
	for (i = 0; list != NULL && i < json_array_size(list); i++)
		if (resource(json_array_get(list, i), i, &push, events,
		    e) == -1)
			return -1;
	if (json_array_size(events) == 0)
		(void)snprintf(why, whylen, "no tag pushed");
	return 0;
}
