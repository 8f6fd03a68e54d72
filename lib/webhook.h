/*
 * webhook — what a delivery must be to be accepted: the method, the path,
 * which names its source, and that source's proof of origin (Docker Hub's
 * and Quay's key in the query, GitHub's signature of the body, Harbor's
 * and the registry's Authorization header); then its body turned into
 * events and filtered; and the small JSON answers the sender gets.
 *
 * httpreq frames the request; this file judges it.  Strings returned are
 * the caller's to free, unless said otherwise.
 */
#ifndef HT_WEBHOOK_H
#define HT_WEBHOOK_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "filter.h"
#include "httpreq.h"
#include "secret.h"
#include "source.h"

#define HT_WEBHOOK_PATH	"/dockerhub"

/* Another source's path, and its secret (NULL: the path is not served). */
struct ht_route {
	const char *path;
	enum ht_source source;
	const struct ht_secret *secret;	/* borrowed */
};

struct ht_webhook {
	const char *path;		/* Docker Hub's; borrowed */
	const struct ht_secret *key;	/* Docker Hub's key, or NULL (404);
					   borrowed */
	const struct ht_filter *filter;	/* borrowed */
	size_t max_body;
	const struct ht_route *routes;	/* the other sources; borrowed */
	size_t n_routes;
	/* Set by ht_webhook_head: the source the path names. */
	enum ht_source source;
	const struct ht_secret *secret;
};

/*
 * An ht_httpreq_head_fn (arg: the webhook): 404 for a path that is not a
 * source's or whose source has no secret, 405 for a method other than
 * POST, 403 for a wrong or missing key in the query (Docker Hub, Quay);
 * 0 otherwise, with the webhook's source and secret set.
 */
int	ht_webhook_head(const struct ht_httpreq *, void *webhook,
	    struct ht_err *e);

/*
 * The proof that a whole request comes from its source, for the sources
 * that prove it in a header: GitHub's X-Hub-Signature-256 (sha256=HEX,
 * the HMAC-SHA256 of the body made with the secret), Harbor's and the
 * registry's Authorization (the secret itself).  0, or 401 with e set
 * (e->status EX_NOPERM).
 */
int	ht_webhook_proof(const struct ht_webhook *, const struct ht_httpreq *,
	    struct ht_err *e);

/*
 * The events of a delivery's body, read as the source's.  Returns 1 with
 * *evs an array of the events to announce (caller decrefs), 0 with why
 * filled when none is (*evs holds those a filter dropped, for their ids),
 * -1 with e set when the body is not one payload of that source.
 */
int	ht_webhook_event(const struct ht_webhook *, const char *body,
	    size_t len, json_t **evs, char *why, size_t whylen,
	    struct ht_err *e);

/*
 * The answer's body: {"status":"accepted","id":...}, or
 * {"status":"ignored","id":...,"reason":...} (id may be NULL), or
 * {"status":"error","reason":...}.  Caller frees; NULL if out of memory.
 */
char	*ht_webhook_answer(const char *status, const char *id,
	    const char *reason);

/*
 * The peer's address as the launcher gives it: SOCAT_PEERADDR (socat),
 * REMOTE_ADDR (systemd Accept=yes), TCPREMOTEIP (ucspi-tcp), else
 * getpeername(2) on fd (inetd), else "-".  Written into buf.
 */
const char *ht_peer_name(int fd, char *buf, size_t len);
/* The same address without the port, or NULL when none is known. */
const char *ht_peer_addr(int fd, char *buf, size_t len);

#endif
