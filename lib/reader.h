/*
 * reader — what the payload readers share: typed fields read from a
 * payload, each wrong type named by its path, and the event of a push to
 * a registry other than Docker Hub (lib/src-*.c), built and checked in
 * one place.
 *
 * Strings returned by the getters are borrowed from the payload.
 */
#ifndef HT_READER_H
#define HT_READER_H

#include <jansson.h>

#include "err.h"

/*
 * A field of obj named key, where is its parent's path for messages:
 * 1 found, 0 absent or null, -1 of the wrong type (e set).
 */
int	ht_rd_string(const json_t *obj, const char *key, const char *where,
	    const char **out, struct ht_err *e);
int	ht_rd_bool(const json_t *obj, const char *key, const char *where,
	    int *out, struct ht_err *e);
/*
 * A whole number given as an integer, a float or a decimal string, from
 * min to max (min >= 0).
 */
int	ht_rd_number(const json_t *obj, const char *key, const char *where,
	    long long min, long long max, long long *out, struct ht_err *e);
/* An object or an array: 1, 0 absent or null, -1 another type. */
int	ht_rd_object(const json_t *obj, const char *key, const char *where,
	    const json_t **out, struct ht_err *e);
int	ht_rd_array(const json_t *obj, const char *key, const char *where,
	    const json_t **out, struct ht_err *e);
/*
 * An RFC 3339 time ("2026-03-01T10:00:00Z", "...T10:00:00.123+01:00") as
 * seconds since the epoch: 1, 0 absent or null, -1 malformed (e set).
 */
int	ht_rd_time(const json_t *obj, const char *key, const char *where,
	    long long *out, struct ht_err *e);

/* Out of memory, said in e: -1. */
int	ht_rd_nomem(struct ht_err *e);

/* Years 1970 to 9999: what RFC 3339 can write. */
#define HT_TIME_MAX	253402300799LL

/* One tag pushed to a registry: what an event is made of. */
struct ht_push {
	const char *registry;	/* host[:port] the image is pulled from */
	const char *repo;	/* its path there: "acme/widget" */
	const char *tag;
	const char *digest;	/* or NULL */
	int is_private;		/* 1, 0, or -1 when the source cannot say */
	const char *pusher;	/* or NULL */
	long long pushed_at;	/* seconds since the epoch */
	const char *repo_url;	/* a page to link to, or NULL */
	const char *description;	/* or NULL */
	const char *where;	/* the path of these fields, for messages */
};

/*
 * The event of a push: registry, repo_name, namespace (all but the last
 * component, when there is more than one), name, tag, image (the
 * reference to pull: registry/repo:tag), digest, pusher, pushed_at,
 * repo_url, description, is_private and id (image@pushed_at), each
 * checked as Docker checks a reference.  Appended to events (an array).
 * 0, or -1 and e.
 */
int	ht_push_add(json_t *events, const struct ht_push *, struct ht_err *e);

/*
 * The host of a reference ("ghcr.io/acme/widget:1" -> "ghcr.io"), written
 * into buf, and the rest after its slash in *rest: 0, or -1 when there is
 * no host part that fits.
 */
int	ht_ref_host(const char *ref, char *buf, size_t len, const char **rest);

/*
 * The readers, one per source (lib/src-*.c): the events of payload p
 * appended to events; 0 (none appended: why says why nothing is to be
 * announced), or -1 and e when p is not such a payload.
 */
typedef int ht_reader_fn(const json_t *p, json_t *events, char *why,
	    size_t whylen, struct ht_err *e);
ht_reader_fn	ht_github_events, ht_harbor_events, ht_quay_events,
		ht_registry_events;

#endif
