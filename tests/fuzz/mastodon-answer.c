/*
 * Fuzz target "mastodon-answer": Mastodon's answers
 * (lib/net-mastodon.c), as the sender returns them (status, headers,
 * JSON body: answer.h), through classify; and the reset time alone
 * (ht_net_mastodon_reset) on the X-RateLimit-Reset header given.
 *
 * Checks: answer.h's, on every outcome; a reset is 0 or sane.
 */
#include "net-mastodon.h"
#include "answer.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ht_net *n;
	static const struct ht_net_mastodon_conf c = {
		"https://mastodon.test", "token", NULL, NULL
	};
	struct ht_http_ans a;
	struct ht_err e;
	long long at;

	if (n == NULL) {
		ht_err_clear(&e);
		if ((n = ht_net_mastodon_new(&c, &e)) == NULL)
			abort();
	}
	fuzz_classify(n, data, size);
	if (fuzz_answer(data, size, &a) == 0) {
		at = ht_net_mastodon_reset(json_string_value(json_object_get(
		    a.headers, "x-ratelimit-reset")), (long long)FUZZ_NOW);
		if (!fuzz_time_ok((time_t)at))
			abort();
		ht_http_ans_free(&a);
	}
	return 0;
}
