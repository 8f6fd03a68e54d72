#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <nettle/hmac.h>
#include <nettle/memops.h>

#include "secret.h"
#include "util.h"

static int
fail(struct ht_err *e)
{
	if (e != NULL)
		e->status = EX_CONFIG;
	return -1;
}

int
ht_secret_file(struct ht_secret *s, const char *path, struct ht_err *e)
{
	char buf[HT_SECRET_MAX + 1];
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd, r = -1;

	memset(s, 0, sizeof *s);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		ht_err_at(e, path, 0, 0, "cannot open key file: %s",
		    strerror(errno));
		return fail(e);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		ht_err_at(e, path, 0, 0, "key file is not a regular file");
		goto out;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		ht_err_at(e, path, 0, 0, "key file can be read by group or "
		    "others (mode %03o); chmod 600 it",
		    (unsigned)(st.st_mode & 0777));
		goto out;
	}
	while (len < sizeof buf) {
		n = read(fd, buf + len, sizeof buf - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			ht_err_at(e, path, 0, 0, "cannot read key file: %s",
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > HT_SECRET_MAX) {
		ht_err_at(e, path, 0, 0, "key file larger than %d bytes",
		    HT_SECRET_MAX);
		goto out;
	}
	len = ht_line_end(buf, len);
	if (len == 0) {
		ht_err_at(e, path, 0, 0, "key file is empty");
		goto out;
	}
	if ((s->buf = malloc(len)) == NULL) {
		ht_err_set(e, "out of memory");
		goto out;
	}
	memcpy(s->buf, buf, len);
	s->len = len;
	r = 0;
out:
	explicit_bzero(buf, sizeof buf);
	(void)close(fd);
	return r == 0 ? 0 : fail(e);
}

int
ht_secret_str(struct ht_secret *s, const char *str, const char *what,
    struct ht_err *e)
{
	memset(s, 0, sizeof *s);
	if ((s->len = strlen(str)) == 0) {
		ht_err_set(e, "%s is empty", what);
		return fail(e);
	}
	if ((s->buf = malloc(s->len)) == NULL) {
		ht_err_set(e, "out of memory");
		return fail(e);
	}
	memcpy(s->buf, str, s->len);
	return 0;
}

int
ht_secret_equal(const struct ht_secret *s, const char *given, size_t len)
{
	char *pad;
	int same;

	if (s->buf == NULL || s->len == 0)
		return 0;
	/*
	 * Compare s->len bytes whatever the guess's length, so that the time
	 * tells nothing about the guess; the lengths are compared apart.
	 */
	if ((pad = calloc(1, s->len)) == NULL)
		return 0;
	memcpy(pad, given, len < s->len ? len : s->len);
	same = memeql_sec(pad, s->buf, s->len);
	explicit_bzero(pad, s->len);
	free(pad);
	return same && len == s->len;
}

void
ht_secret_wipe(struct ht_secret *s)
{
	if (s->buf != NULL) {
		explicit_bzero(s->buf, s->len);
		free(s->buf);
	}
	s->buf = NULL;
	s->len = 0;
}

int
ht_secret_hmac_equal(const struct ht_secret *s, const void *body,
    size_t bodylen, const char *hex, size_t len)
{
	struct hmac_sha256_ctx ctx;
	uint8_t mac[SHA256_DIGEST_SIZE], given[SHA256_DIGEST_SIZE];
	size_t i;
	int hi, lo, same;

	if (s == NULL || s->buf == NULL || len != 2 * sizeof given)
		return 0;
	for (i = 0; i < sizeof given; i++) {
		if ((hi = ht_hexval(hex[2 * i])) == -1 ||
		    (lo = ht_hexval(hex[2 * i + 1])) == -1)
			return 0;
		given[i] = (uint8_t)(hi << 4 | lo);
	}
	hmac_sha256_set_key(&ctx, s->len, (const uint8_t *)s->buf);
	hmac_sha256_update(&ctx, bodylen, body);
	hmac_sha256_digest(&ctx, sizeof mac, mac);
	same = memeql_sec(mac, given, sizeof mac);
	explicit_bzero(&ctx, sizeof ctx);
	explicit_bzero(mac, sizeof mac);
	return same;
}
