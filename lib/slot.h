/*
 * slot — at most N handlers at once per source address, for launchers that
 * cannot count connections per source themselves (socat's max-children
 * bounds them all together; systemd has MaxConnectionsPerSource=).
 *
 * A slot is a file in a directory of the running user's own, locked with
 * flock(2) for as long as the handler lives: the kernel releases it when
 * the process ends, however it ends, so nothing is left to clean up.  The
 * file is DIR/BB.I, BB two hex digits of the SHA-256 of the address (256
 * buckets, so the directory stays small whatever the addresses; two
 * sources may share a bucket) and I the slot, 0 to N-1.
 */
#ifndef HT_SLOT_H
#define HT_SLOT_H

#include "err.h"

#define HT_SLOT_PER_SOURCE	8

/*
 * Take one of max slots for source in dir.  Returns 1 with *fd the locked
 * slot (hold it open; closing it gives the slot back), 0 when all are
 * taken, or -1 and e (a directory that is not ours alone, say).
 */
int	ht_slot_take(const char *dir, const char *source, int max, int *fd,
	    struct ht_err *e);

#endif
