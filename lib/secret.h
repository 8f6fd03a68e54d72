/*
 * secret — a webhook's shared secret (Docker Hub's and Quay's key, GitHub's
 * HMAC secret, Harbor's and the registry's Authorization value): read from
 * a file or taken from a string, compared in constant time, wiped when
 * done.
 *
 * The key is the only proof that a delivery comes from Docker Hub, so a
 * file holding it must not be readable by group or others (as ssh refuses
 * such keys), and a comparison must not tell, by its time, how much of a
 * guess was right.  The secret owns its copy; ht_secret_wipe clears and
 * frees it.
 */
#ifndef HT_SECRET_H
#define HT_SECRET_H

#include <stddef.h>

#include "err.h"

#define HT_SECRET_MAX	1024	/* bytes in a key file */

struct ht_secret {
	char *buf;
	size_t len;
};

/*
 * Read the key from path: the file's content less one trailing newline.
 * Returns 0, or -1 with e set (e->status EX_CONFIG).
 */
int	ht_secret_file(struct ht_secret *, const char *path, struct ht_err *e);
/* Copy the key from a string.  Returns 0, or -1 with e set. */
int	ht_secret_str(struct ht_secret *, const char *str, const char *what,
	    struct ht_err *e);
/*
 * Whether given (len bytes) is the key.  The time taken depends only on
 * the key's length, not on the guess (Nettle's memeql_sec).
 */
int	ht_secret_equal(const struct ht_secret *, const char *given,
	    size_t len);
/*
 * Whether hex (len bytes) is, in lowercase or uppercase hex, the
 * HMAC-SHA256 of body made with the key, as GitHub's X-Hub-Signature-256
 * carries it after "sha256=".  Compared in constant time (Nettle).
 */
int	ht_secret_hmac_equal(const struct ht_secret *, const void *body,
	    size_t bodylen, const char *hex, size_t len);
void	ht_secret_wipe(struct ht_secret *);

#endif
