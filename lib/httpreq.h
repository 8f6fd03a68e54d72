/*
 * httpreq — read one HTTP/1.1 request from a connection and answer it.
 *
 * http-parser (libhttp-parser) does the framing: request line, headers,
 * Content-Length and chunked bodies.  This file adds what a webhook
 * receiver started per connection needs around it: bounds on the header
 * block and the body, one deadline over the whole request that every read
 * honours, the few parts of the request a caller looks at (method, path,
 * query, body), "100 Continue" for clients that wait for it, and the
 * mapping of every failure to the HTTP status that answers it.
 *
 * The request owns its strings and its body; ht_httpreq_free releases them
 * (and wipes the target, which may carry a key in its query, and the
 * headers that carry a proof of origin).
 */
#ifndef HT_HTTPREQ_H
#define HT_HTTPREQ_H

#include <stddef.h>

#include "err.h"

#define HT_HTTP_MAX_HEADER	(8 * 1024)
#define HT_HTTP_MAX_BODY	(1024 * 1024)
#define HT_HTTP_TIMEOUT		10	/* seconds */
#define HT_HTTP_HEADER_TIMEOUT	5	/* seconds */
#define HT_HTTP_PROOF_MAX	1024	/* bytes of a header that proves */

struct ht_httpreq_limits {
	size_t max_header;	/* request line and headers, bytes */
	size_t max_body;	/* body after chunked decoding, bytes */
	int timeout_ms;		/* for the whole request */
	int header_timeout_ms;	/* for the request line and headers (0: the
				   whole request's) */
};

struct ht_httpreq {
	const char *method;	/* "POST", ... (static); NULL if not read */
	int is_post;
	char *target;		/* the request target as sent; NULL if not read */
	char *path;		/* its path, without query: always set with target */
	char *query;		/* its query without '?', or NULL */
	char *body;		/* NUL-terminated; NULL when none was read */
	size_t body_len;
	char *authorization;	/* the Authorization header's value, or NULL */
	char *signature;	/* X-Hub-Signature-256's (GitHub), or NULL;
				   either is "" when sent twice or longer
				   than HT_HTTP_PROOF_MAX */
	int chunked;		/* Transfer-Encoding: chunked */
	int has_length;		/* Content-Length was given */
	unsigned long long content_length;
	size_t bytes_in;	/* bytes read from the connection */
	long long deadline;	/* CLOCK_MONOTONIC, milliseconds */
	struct ht_httpreq_priv *priv;
};

/*
 * Called once the request line is read, before the headers are (method,
 * target, path and query are set; nothing else): returns 0 to go on, or
 * the HTTP status to answer at once (403, 404, 405, ...) with e->msg the
 * reason.  A sender without the key is thus answered before it can hold
 * the connection with slow headers.
 */
typedef int ht_httpreq_head_fn(const struct ht_httpreq *, void *arg,
	    struct ht_err *e);

/*
 * Read one request from fd, which must carry a body (Content-Length or
 * chunked: else 411).  Returns 0 when the whole request was read, or the
 * HTTP status that answers it, with e->msg the reason and e->status the
 * sysexits code that suits (EX_IOERR when the connection could not be
 * read, EX_DATAERR for a bad request, what head set otherwise):
 * 400 malformed or cut short, 408 not complete before the deadline (the
 * request line and headers have their own, shorter one), 501 a transfer
 * coding other than chunked,
 * 411 no length, 413 body over the limit, 431 header block over the limit,
 * or what head returned.  head may be NULL.
 */
int	ht_httpreq_read(int fd, const struct ht_httpreq_limits *,
	    ht_httpreq_head_fn *head, void *arg, struct ht_httpreq *,
	    struct ht_err *e);
void	ht_httpreq_free(struct ht_httpreq *);

/*
 * Write a complete response: status line, the extra header lines (each
 * ending in CRLF, or NULL), Content-Type: application/json, Content-Length,
 * Connection: close, and body.  Returns 0, or -1 with errno set.
 */
int	ht_http_reply(int fd, int status, const char *extra_headers,
	    const char *body, size_t len);
/*
 * After an answer sent before the request was read in full: read and drop
 * what the client still sends, until it closes, max bytes were dropped, or
 * ms milliseconds (at most until the request's deadline) have passed.
 * Closing a socket that holds unread bytes resets the connection, and a
 * reset can destroy the answer before the client reads it.
 */
void	ht_httpreq_drain(int fd, const struct ht_httpreq *, size_t max,
	    int ms);

/*
 * The first parameter of a query named one of names (a NULL-terminated
 * array), percent-decoded into a new string that the caller wipes and
 * frees; NULL when there is none (or out of memory: *nomem is set).
 * The value's length is in *len (it may hold NUL bytes).
 */
char	*ht_query_get(const char *query, const char *const *names,
	    size_t *len, int *nomem);

#endif
