/*
 * Fuzz target "bsky-answer": Bluesky's answers to a post
 * (lib/net-bsky.c), as the sender returns them (status, headers, JSON
 * body: answer.h), through classify; and the same body as the answer to
 * a login or a refresh (ht_bsky_session_from).
 *
 * Checks: answer.h's, on every outcome; a session taken from an answer
 * holds all three of its strings, and none when refused.
 */
#include "bsky.h"
#include "net-bsky.h"
#include "answer.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ht_net *n;
	static const struct ht_net_bsky_conf c = {
		"https://pds.test", "alice.test", "app-pass", NULL, 0, NULL
	};
	struct ht_bsky_session s;
	struct ht_http_ans a;
	struct ht_err e;

	if (n == NULL) {
		ht_err_clear(&e);
		if ((n = ht_net_bsky_new(&c, &e)) == NULL)
			abort();
	}
	fuzz_classify(n, data, size);
	if (fuzz_answer(data, size, &a) == 0) {
		memset(&s, 0, sizeof s);
		if (ht_bsky_session_from(a.body, a.body_len, &s) == 0 &&
		    (s.did == NULL || s.access == NULL || s.refresh == NULL ||
		    *s.did == '\0' || *s.access == '\0' || *s.refresh == '\0'))
			abort();
		if (s.pds != NULL || s.handle != NULL)
			abort();
		ht_bsky_session_clear(&s);
		ht_http_ans_free(&a);
	}
	return 0;
}
