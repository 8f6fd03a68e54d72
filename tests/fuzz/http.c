/*
 * Fuzz target "http": one webhook delivery as dh-parse --http reads it:
 * the request framing (lib/httpreq.c, http-parser), the webhook's checks
 * of method, path and key (lib/webhook.c, lib/secret.c), and the body
 * turned into an event and an answer.
 *
 * The request arrives on a SOCK_SEQPACKET socket in pieces whose size the
 * first byte chooses, so that every framing state meets a read boundary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "filter.h"
#include "httpreq.h"
#include "secret.h"
#include "webhook.h"
#include "fuzz.h"

#define MAX_PIECES	120

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "key", "dockerkey", NULL };
	static const struct ht_httpreq_limits lim = { 2048, 16384, 5000, 2000 };
	static const struct ht_filter filter = { .skip_latest = 1 };
	struct ht_secret key = { NULL, 0 };
	struct ht_webhook w;
	struct ht_httpreq req;
	struct ht_err e;
	json_t *ev = NULL;
	char why[256], *ans, *q;
	size_t piece, off, n, qlen;
	int sv[2], st, nomem = 0;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1)
		abort();
	piece = size > 0 ? 1 + data[0] % 64 : 1;
	if (piece < size / MAX_PIECES + 1)
		piece = size / MAX_PIECES + 1;
	for (off = 0; off < size; off += n) {
		n = size - off < piece ? size - off : piece;
		if (write(sv[1], data + off, n) != (ssize_t)n)
			abort();
	}
	(void)shutdown(sv[1], SHUT_WR);

	ht_err_clear(&e);
	if (ht_secret_str(&key, "s3cret", "key", &e) == -1)
		abort();
	memset(&w, 0, sizeof w);
	w.path = HT_WEBHOOK_PATH;
	w.key = &key;
	w.filter = &filter;
	w.max_body = lim.max_body;
	st = ht_httpreq_read(sv[0], &lim, ht_webhook_head, &w, &req, &e);
	if (st != 0 && (st < 400 || st > 599 || e.msg[0] == '\0'))
		abort();
	/* HT_FUZZ_VERBOSE=1: what each input came to, to check the seeds. */
	if (getenv("HT_FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "http: %d %s\n", st, e.msg);
	if (st == 0) {
		if (req.body == NULL || req.body_len > lim.max_body ||
		    !req.is_post)
			abort();
		ht_err_clear(&e);
		switch (ht_webhook_event(&w, req.body, req.body_len, &ev, why,
		    sizeof why, &e)) {
		case 1:
			ans = ht_webhook_answer("accepted", json_string_value(
			    json_object_get(json_array_get(ev, 0), "id")),
			    NULL);
			break;
		case 0:
			ans = ht_webhook_answer("ignored", json_string_value(
			    json_object_get(json_array_get(ev, 0), "id")), why);
			break;
		default:
			if (e.msg[0] == '\0')
				abort();
			ans = ht_webhook_answer("error", NULL, e.msg);
			break;
		}
		if (ans == NULL)
			abort();
		free(ans);
		json_decref(ev);
	}
	if (req.query != NULL &&
	    (q = ht_query_get(req.query, names, &qlen, &nomem)) != NULL)
		free(q);
	ht_httpreq_free(&req);
	ht_secret_wipe(&key);
	(void)close(sv[0]);
	(void)close(sv[1]);
	return 0;
}
