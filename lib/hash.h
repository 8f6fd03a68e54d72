/*
 * hash — SHA-256 of a buffer, and of two buffers one after the other, by
 * GNU Nettle: the spool's group names, the queue's event keys, the slots'
 * buckets and the Mastodon and Bluesky post keys.  One place for the calls,
 * so that every user hashes alike.
 *
 * Nettle rather than OpenSSL's libcrypto: the tools are started once per
 * webhook delivery, and libcrypto linked in costs some 17,000 relocations
 * at every start; Nettle's SHA-256 none to speak of (README, Dependencies).
 * Hashing cannot fail: there is no status to check.
 */
#ifndef HT_HASH_H
#define HT_HASH_H

#include <stddef.h>

#define HT_SHA256_LEN	32

/* md = SHA-256 of the n bytes at p. */
void	ht_sha256(const void *p, size_t n, unsigned char md[HT_SHA256_LEN]);
/* md = SHA-256 of the n1 bytes at p1 followed by the n2 bytes at p2. */
void	ht_sha256_2(const void *p1, size_t n1, const void *p2, size_t n2,
	    unsigned char md[HT_SHA256_LEN]);

#endif
