/*
 * webhook — what a Docker Hub delivery must be to be accepted: the method,
 * the path, the key in the query; then its body turned into an event and
 * filtered; and the small JSON answers the sender gets.
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

#define HT_WEBHOOK_PATH	"/dockerhub"

struct ht_webhook {
	const char *path;		/* borrowed */
	const struct ht_secret *key;	/* borrowed */
	const struct ht_filter *filter;	/* borrowed */
	size_t max_body;
};

/*
 * An ht_httpreq_head_fn (arg: the webhook): 405 for a method other than
 * POST, 404 for another path, 403 for a wrong or missing key; 0 otherwise.
 */
int	ht_webhook_head(const struct ht_httpreq *, void *webhook,
	    struct ht_err *e);

/*
 * The event of a delivery's body.  Returns 1 with *ev set (caller decrefs)
 * when it is to be announced, 0 with why filled when a filter drops it
 * (*ev is set as well, for its id), -1 with e set when the body is not one
 * Docker Hub payload.
 */
int	ht_webhook_event(const struct ht_webhook *, const char *body,
	    size_t len, json_t **ev, char *why, size_t whylen,
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
