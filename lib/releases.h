/*
 * releases — the memory of announced releases (group.h) on disk: the file
 * DIR/releases, a JSON array, beside the spool's groups in DIR.
 *
 * Opening takes DIR/releases.lock (flock(2), waited for) and reads the
 * file (none: an empty memory); saving writes DIR/releases.tmp, fsync(2)s
 * it and renames it over DIR/releases, then syncs DIR; closing gives the
 * lock back.  So two drains never interleave their updates, and a crash
 * leaves the old memory or the new one, never half of one.  The
 * directory must be this user's and not writable by others.
 *
 * Errors fill a struct ht_err (EX_TEMPFAIL a system call, EX_DATAERR a
 * file that is not a memory) and return -1.
 */
#ifndef HT_RELEASES_H
#define HT_RELEASES_H

#include <jansson.h>

#include "err.h"

/* The most a memory file may hold. */
#define HT_RELEASES_FILE_MAX	((size_t)16 * 1024 * 1024)

struct ht_releases {
	json_t *mem;		/* the memory, owned: change it, then save */
	int dfd, lockfd;	/* private */
};

/* Lock and read DIR's memory into r.  0, or -1 and e (nothing held). */
int	ht_releases_open(struct ht_releases *r, const char *dir,
	    struct ht_err *e);
/* Write r->mem durably.  0, or -1 and e (the old file is left). */
int	ht_releases_save(struct ht_releases *r, struct ht_err *e);
/* Unlock and free (r->mem too). */
void	ht_releases_close(struct ht_releases *r);

#endif
