#include <string.h>

#include "event.h"
#include "reader.h"
#include "source.h"

static const char *const names[HT_SRC_COUNT] = {
	"any", "dockerhub", "github", "harbor", "quay", "registry"
};

const char *
ht_source_name(enum ht_source s)
{
	return (unsigned)s < HT_SRC_COUNT ? names[s] : "any";
}

int
ht_source_parse(const char *name, enum ht_source *out)
{
	size_t i;

	for (i = 0; i < HT_SRC_COUNT; i++)
		if (strcmp(name, names[i]) == 0) {
			*out = (enum ht_source)i;
			return 0;
		}
	return -1;
}

static int
has(const json_t *p, const char *key, int (*is)(const json_t *))
{
	const json_t *v = json_object_get(p, key);

	return v != NULL && is(v);
}

static int
is_object(const json_t *v)
{
	return json_is_object(v);
}

static int
is_array(const json_t *v)
{
	return json_is_array(v);
}

static int
is_string(const json_t *v)
{
	return json_is_string(v);
}

enum ht_source
ht_source_of(const json_t *p)
{
	const char *type;

	if (!json_is_object(p))
		return HT_SRC_ANY;
	if (has(p, "push_data", is_object))
		return HT_SRC_DOCKERHUB;
	if (has(p, "registry_package", is_object) ||
	    has(p, "package", is_object))
		return HT_SRC_GITHUB;
	type = json_string_value(json_object_get(p, "type"));
	if ((type != NULL && has(p, "event_data", is_object)) ||
	    (type != NULL && strncmp(type, "harbor.", 7) == 0 &&
	    has(p, "specversion", is_string)))
		return HT_SRC_HARBOR;
	if (has(p, "docker_url", is_string))
		return HT_SRC_QUAY;
	if (has(p, "events", is_array))
		return HT_SRC_REGISTRY;
	return HT_SRC_ANY;
}

/* Docker Hub's reader, one event per payload. */
static int
dockerhub_events(const json_t *p, json_t *events, char *why, size_t whylen,
    struct ht_err *e)
{
	json_t *ev;

	(void)why;
	(void)whylen;
	if ((ev = ht_event_from_payload(p, e)) == NULL)
		return -1;
	return json_array_append_new(events, ev) == -1 ? ht_rd_nomem(e) : 0;
}

json_t *
ht_source_events(const json_t *p, enum ht_source src, char *why,
    size_t whylen, struct ht_err *e)
{
	static ht_reader_fn *const readers[HT_SRC_COUNT] = {
		dockerhub_events, dockerhub_events, ht_github_events,
		ht_harbor_events, ht_quay_events, ht_registry_events
	};
	json_t *events;

	if (src == HT_SRC_ANY)
		src = ht_source_of(p);
	if ((unsigned)src >= HT_SRC_COUNT) {
		ht_err_set(e, "no such source");
		return NULL;
	}
	if (whylen > 0)
		why[0] = '\0';
	if ((events = json_array()) == NULL) {
		(void)ht_rd_nomem(e);
		return NULL;
	}
	if (readers[src](p, events, why, whylen, e) == -1) {
		json_decref(events);
		return NULL;
	}
	return events;
}
