/*
 * sender — the client side of the helper tw-send, which makes the HTTP
 * exchanges of a posting tool in its own process: the tool never loads
 * libcurl, and the helper never sees a secret (it gets requests already
 * signed).  The protocol and its limits are in wire.h, shared with
 * cmd/tw-send.c.
 *
 * The helper is started on the first exchange and kept for the run, so
 * that libcurl is loaded once per batch and its connection is reused from
 * one post to the next.  It dies with its parent (PR_SET_PDEATHSIG, see
 * HT_PARENT_ENV in wire.h), and its environment is the caller's without the
 * secrets (TW_*, DH_KEY: the list is in sender.c).
 */
#ifndef HT_SENDER_H
#define HT_SENDER_H

#include "err.h"
#include "net.h"

#define HT_SENDER_HELPER	"tw-send"

struct ht_sender_conf {
	const char *helper;	/* path of tw-send; see ht_sender_path */
	long timeout_ms;	/* each exchange, at most (0: 30 s) */
	long connect_timeout_ms; /* each connection, at most (0: 10 s) */
	/* --verbose: one line at a time, secrets already redacted. */
	void	(*trace)(void *arg, const char *line);
	void	*trace_arg;
};

struct ht_sender;

/* The strings of c are copied.  NULL and e (status 71) when out of memory. */
struct ht_sender *ht_sender_new(const struct ht_sender_conf *c,
	    struct ht_err *e);
/* Ends the helper (EOF on its input; killed when it hangs). */
void	ht_sender_free(struct ht_sender *);

/*
 * Send r and wait for its answer, at most budget_ms (0: the configured
 * timeout).  Returns 0 and fills a (free it with ht_http_ans_free), with
 * a->status 0 when no HTTP answer came: the network's error, or the
 * helper's (it died, did not answer in time, said nonsense: it is then
 * stopped and started again on the next exchange).  -1 and e (status 69:
 * the helper cannot run; 71: out of memory) when r could not even be
 * sent.  --verbose traces r, its Authorization header reduced to its
 * scheme ("Authorization: OAuth [redacted]").
 */
int	ht_sender_exchange(struct ht_sender *, const struct ht_http_req *r,
	    long budget_ms, struct ht_http_ans *a, struct ht_err *e);

/*
 * The helper's answer line[0..len) (without its newline) into a, as
 * ht_sender_exchange returns it (free it with ht_http_ans_free): 0, or
 * -1 when it is not a JSON object (a is then empty).
 */
int	ht_sender_answer(const char *line, size_t len, struct ht_http_ans *a);

/* A --verbose line (printf-style) through the trace callback, if any. */
void	ht_sender_trace(struct ht_sender *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Where tw-send is: $HUBTWEET_LIBEXECDIR/tw-send when that is set; else
 * ../libexec/hubtweet/tw-send from the directory of the running program
 * (/proc/self/exe) when that exists, which serves the build tree and a
 * relocated installation; else LIBEXECDIR/tw-send.  Caller frees.
 */
char	*ht_sender_path(const char *libexecdir);

#endif
