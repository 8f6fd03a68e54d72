/*
 * Fuzz target "x-answer": X's answers (lib/net-x.c), as the sender
 * returns them (status, headers, JSON body: answer.h), through classify
 * and checked (tw-post -C), for API v2 and v1.1.
 *
 * Checks: answer.h's, on every outcome.
 */
#include "net-x.h"
#include "answer.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ht_net *v2, *v1;
	static const struct ht_oauth_cred cred = { "ck", "cs", "t", "ts" };
	struct ht_net_x_conf c = { "https://api.x.test", 0 };
	struct ht_err e;

	if (v2 == NULL) {
		ht_err_clear(&e);
		if ((v2 = ht_net_x_new(&c, &cred, &e)) == NULL)
			abort();
		c.v1 = 1;
		if ((v1 = ht_net_x_new(&c, &cred, &e)) == NULL)
			abort();
	}
	fuzz_classify(v2, data, size);
	fuzz_classify(v1, data, size);
	return 0;
}
