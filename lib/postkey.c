#include <string.h>

#include "hash.h"
#include "postkey.h"

/* atproto's base32-sortable alphabet. */
static const char s32[] = "234567abcdefghijklmnopqrstuvwxyz";

/* "id" and "text" keep an id from ever meeting a text's key. */
static void
digest(const char *id, const char *text, size_t len,
    unsigned char md[HT_SHA256_LEN])
{
	if (id != NULL && *id != '\0')
		ht_sha256_2("id\n", 3, id, strlen(id), md);
	else
		ht_sha256_2("text\n", 5, text, len, md);
}

int
ht_postkey_idem(const char *id, const char *text, size_t len, char *out,
    size_t size, struct ht_err *e)
{
	static const char hex[] = "0123456789abcdef";
	static const char pfx[] = "hubtweet-";
	unsigned char md[HT_SHA256_LEN];
	size_t i, k = sizeof pfx - 1;

	if (size < k + HT_POSTKEY_IDEM_LEN + 1) {
		ht_err_set(e, "idempotency key buffer too small");
		return -1;
	}
	digest(id, text, len, md);
	memcpy(out, pfx, k);
	for (i = 0; i < HT_POSTKEY_IDEM_LEN / 2; i++) {
		out[k++] = hex[md[i] >> 4];
		out[k++] = hex[md[i] & 0xf];
	}
	out[k] = '\0';
	return 0;
}

int
ht_postkey_tid(const char *id, const char *text, size_t len, uint64_t usec,
    char *out, size_t size, struct ht_err *e)
{
	unsigned char md[HT_SHA256_LEN];
	uint64_t v;
	int i;

	if (size < HT_POSTKEY_TID_LEN + 1) {
		ht_err_set(e, "record key buffer too small");
		return -1;
	}
	if (usec >= (uint64_t)1 << 53) {
		ht_err_set(e, "record key: time out of range");
		return -1;
	}
	digest(id, text, len, md);
	/* 0, 53 bits of microseconds, 10 bits of clock id: 64 bits. */
	v = usec << 10 | (uint64_t)((md[0] << 8 | md[1]) & 0x3ff);
	for (i = HT_POSTKEY_TID_LEN - 1; i >= 0; i--) {
		out[i] = s32[v & 0x1f];
		v >>= 5;
	}
	out[HT_POSTKEY_TID_LEN] = '\0';
	return 0;
}

int
ht_postkey_is_tid(const char *s)
{
	size_t i;

	if (strlen(s) != HT_POSTKEY_TID_LEN || strchr("234567abcdefghij",
	    s[0]) == NULL)
		return 0;
	for (i = 1; i < HT_POSTKEY_TID_LEN; i++)
		if (s[i] == '\0' || strchr(s32, s[i]) == NULL)
			return 0;
	return 1;
}
