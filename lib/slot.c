#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "hash.h"
#include "slot.h"
#include "util.h"

int
ht_slot_take(const char *dir, const char *source, int max, int *fd,
    struct ht_err *e)
{
	unsigned char md[HT_SHA256_LEN];
	char name[32];
	int dfd, sfd, i, err, r = -1;

	*fd = -1;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		ht_err_set(e, "%s: %s", dir, strerror(errno));
		e->status = EX_CONFIG;
		return -1;
	}
	if (ht_dir_private(dfd, dir, e) == -1)
		goto out;
	ht_sha256(source, strlen(source), md);
	for (i = 0; i < max; i++) {
		(void)snprintf(name, sizeof name, "%02x.%d", md[0], i);
		if ((sfd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW |
		    O_CLOEXEC, 0600)) == -1) {
			ht_err_set(e, "%s/%s: %s", dir, name, strerror(errno));
			e->status = EX_CANTCREAT;
			goto out;
		}
		if (flock(sfd, LOCK_EX | LOCK_NB) == 0) {
			*fd = sfd;
			r = 1;
			goto out;
		}
		err = errno;
		(void)close(sfd);
		if (err != EWOULDBLOCK) {
			ht_err_set(e, "%s/%s: cannot lock: %s", dir, name,
			    strerror(err));
			e->status = EX_OSERR;
			goto out;
		}
	}
	r = 0;
out:
	(void)close(dfd);
	return r;
}
