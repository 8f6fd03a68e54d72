#include <string.h>

#include <openssl/evp.h>

#include "postkey.h"

/* atproto's base32-sortable alphabet. */
static const char s32[] = "234567abcdefghijklmnopqrstuvwxyz";

static int
digest(const char *id, const char *text, size_t len,
    unsigned char md[EVP_MAX_MD_SIZE], struct ht_err *e)
{
	EVP_MD_CTX *c;
	unsigned int n = 0;
	int ok;

	if ((c = EVP_MD_CTX_new()) == NULL) {
		ht_err_set(e, "out of memory");
		return -1;
	}
	/* "id" and "text" keep an id from ever meeting a text's key. */
	if (id != NULL && *id != '\0')
		ok = EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
		    EVP_DigestUpdate(c, "id\n", 3) == 1 &&
		    EVP_DigestUpdate(c, id, strlen(id)) == 1;
	else
		ok = EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
		    EVP_DigestUpdate(c, "text\n", 5) == 1 &&
		    EVP_DigestUpdate(c, text, len) == 1;
	ok = ok && EVP_DigestFinal_ex(c, md, &n) == 1 && n >= 16;
	EVP_MD_CTX_free(c);
	if (!ok) {
		ht_err_set(e, "SHA-256 failed");
		return -1;
	}
	return 0;
}

int
ht_postkey_idem(const char *id, const char *text, size_t len, char *out,
    size_t size, struct ht_err *e)
{
	static const char hex[] = "0123456789abcdef";
	static const char pfx[] = "hubtweet-";
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t i, k = sizeof pfx - 1;

	if (size < k + HT_POSTKEY_IDEM_LEN + 1) {
		ht_err_set(e, "idempotency key buffer too small");
		return -1;
	}
	if (digest(id, text, len, md, e) == -1)
		return -1;
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
	unsigned char md[EVP_MAX_MD_SIZE];
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
	if (digest(id, text, len, md, e) == -1)
		return -1;
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
