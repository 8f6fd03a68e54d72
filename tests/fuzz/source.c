/*
 * What the fuzz targets of the registries' payloads share (github.c,
 * harbor.c, quay.c, registry.c): one JSON value read as that source's
 * payload (lib/src-*.c), and as whatever its shape says.  Every event
 * must hold what a post is made of, checked as Docker checks names: a
 * registry host, a valid repository and tag, and the pull reference made
 * of them; anything else aborts.  Reading it as its own source and by its
 * shape must agree when the shape is that source's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "event.h"
#include "fuzz.h"
#include "source.h"

#define MAX_DEPTH	16

static void
check_event(const json_t *ev)
{
	const char *reg, *repo, *tag, *image;
	char want[1024];

	reg = json_string_value(json_object_get(ev, "registry"));
	repo = json_string_value(json_object_get(ev, "repo_name"));
	tag = json_string_value(json_object_get(ev, "tag"));
	image = json_string_value(json_object_get(ev, "image"));
	if (reg == NULL || repo == NULL || tag == NULL || image == NULL ||
	    json_string_value(json_object_get(ev, "id")) == NULL ||
	    json_string_value(json_object_get(ev, "pushed_at")) == NULL)
		abort();
	if (*reg == '\0' || strchr(reg, '/') != NULL ||
	    !ht_repo_name_valid(repo) || !ht_tag_valid(tag))
		abort();
	if ((size_t)snprintf(want, sizeof want, "%s/%s:%s", reg, repo,
	    tag) >= sizeof want || strcmp(want, image) != 0)
		abort();
}

/* The events as text, each checked; NULL when the payload was refused. */
static char *
read_as(const json_t *v, enum ht_source src)
{
	struct ht_err e;
	json_t *evs, *ev;
	char why[256];
	size_t i;
	char *s;

	ht_err_clear(&e);
	if ((evs = ht_source_events(v, src, why, sizeof why, &e)) == NULL) {
		if (e.msg[0] == '\0')
			abort();
		return NULL;
	}
	if (json_array_size(evs) == 0 && why[0] == '\0' &&
	    src != HT_SRC_DOCKERHUB)
		abort();
	json_array_foreach(evs, i, ev)
		if (src != HT_SRC_DOCKERHUB)
			check_event(ev);
	s = json_dumps(evs, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(evs);
	if (s == NULL)
		abort();
	return s;
}

int
fuzz_source(const uint8_t *data, size_t size, int source)
{
	json_error_t je;
	json_t *v;
	char *a, *b;

	v = json_loadb((const char *)data, size, JSON_DECODE_ANY |
	    JSON_REJECT_DUPLICATES, &je);
	if (v == NULL)
		return 0;
	a = read_as(v, (enum ht_source)source);
	if (ht_source_of(v) == (enum ht_source)source) {
		b = read_as(v, HT_SRC_ANY);
		/* Quay dates a push when it is read: compare the refusals. */
		if ((a == NULL) != (b == NULL) || (a != NULL &&
		    source != HT_SRC_QUAY && strcmp(a, b) != 0))
			abort();
		free(b);
	}
	free(a);
	json_decref(v);
	return 0;
}
