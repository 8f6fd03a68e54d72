#include <nettle/sha2.h>

#include "hash.h"

void
ht_sha256(const void *p, size_t n, unsigned char md[HT_SHA256_LEN])
{
	ht_sha256_2(p, n, NULL, 0, md);
}

void
ht_sha256_2(const void *p1, size_t n1, const void *p2, size_t n2,
    unsigned char md[HT_SHA256_LEN])
{
	struct sha256_ctx c;

	/* A zero length may come with a null pointer, which memcpy refuses. */
	sha256_init(&c);
	if (n1 > 0)
		sha256_update(&c, n1, p1);
	if (n2 > 0)
		sha256_update(&c, n2, p2);
	sha256_digest(&c, HT_SHA256_LEN, md);
}
