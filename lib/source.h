/*
 * source — which registry a payload comes from, and its events.
 *
 * Docker Hub (lib/event.c), GitHub's registry_package and package events,
 * Harbor's PUSH_ARTIFACT (default JSON and CloudEvents), Quay's repo_push
 * and the distribution registry's notifications each have a reader
 * (lib/src-*.c); this file tells them apart by the payload's shape and
 * hands each payload to its reader.
 */
#ifndef HT_SOURCE_H
#define HT_SOURCE_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"

enum ht_source {
	HT_SRC_ANY,		/* whichever the shape says */
	HT_SRC_DOCKERHUB,
	HT_SRC_GITHUB,
	HT_SRC_HARBOR,
	HT_SRC_QUAY,
	HT_SRC_REGISTRY		/* distribution's notifications */
};
#define HT_SRC_COUNT	6

/* "any", "dockerhub", "github", "harbor", "quay", "registry". */
const char *ht_source_name(enum ht_source);
/* The source of that name: 0, or -1 when there is none. */
int	ht_source_parse(const char *name, enum ht_source *out);
/* The source whose shape p has, or HT_SRC_ANY when none has it. */
enum ht_source ht_source_of(const json_t *p);

/*
 * The events of payload p, read as src's (HT_SRC_ANY: as its shape says;
 * a payload of no known shape is read as Docker Hub's, whose message
 * names what it lacks).  Returns a new array (caller decrefs), empty when
 * the payload announces nothing (a pull, an untagged version, another
 * kind of package), with why saying so; or NULL with e.
 */
json_t	*ht_source_events(const json_t *p, enum ht_source src, char *why,
	    size_t whylen, struct ht_err *e);

#endif
