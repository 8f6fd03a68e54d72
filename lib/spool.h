/*
 * spool — the webhook's durable accept of deliveries, kept in groups by
 * the arrival clock until a group's quiet period is over.
 *
 * Docker Hub sends one delivery per pushed tag: a release that pushes
 * 1.2.3, 1.2, 1 and latest sends four, a multi-arch push the same tag
 * several times, over minutes.  A repository's delivery joins its open
 * group, and the group closes window seconds after the last delivery that
 * joined it, but no later than max seconds after its first; its event is
 * ht_group_event's (group.h), the same for any order of arrival.
 *
 * The spool is a directory:
 *
 *   DIR/tmp/            deliveries being written; a crash leaves them here
 *   DIR/open/G/         a group whose window is open: one file per delivery
 *                       (its event), named so that names sort by arrival
 *   DIR/closed/G/       a group whose window has closed, being drained or
 *                       kept because its event could not be passed on
 *                       (the reason in G/reason)
 *   DIR/.lock           flock(2)ed while a delivery joins a group and while
 *                       a group is closed
 *   DIR/.drain          flock(2)ed by the process that drains the spool
 *
 * G is CLOSE.PID.REPO: the time (Unix milliseconds, zero padded) at which
 * the group closes, the pid of the process that opened it, and the group
 * key (group.h) with '/' written '+'.  A delivery that joins a group puts
 * its close later by renaming it, under the lock.  A delivery is written to tmp/, fsync(2)ed, then
 * under the lock renamed into the repository's open group (or a new one)
 * and the group fsync(2)ed: once ht_spool_put returns, a crash loses
 * nothing.  A group is closed by renaming it from open/ to closed/ under
 * the same lock, so nothing joins a group once its drain has begun.
 *
 * The library never prints and never exits: errors fill a struct ht_err
 * (with a sysexits status) and return -1.
 */
#ifndef HT_SPOOL_H
#define HT_SPOOL_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "err.h"
#include "group.h"

#define HT_SPOOL_NAME_MAX	300

/*
 * The spool.  Open the one at dir, which must exist (a missing directory
 * is an error to report, not one to paper over); its subdirectories are
 * made as needed, mode 0700.  It and they must be this user's and not
 * writable by group or others: whoever can write there can post.  caller
 * frees.
 */
struct ht_spool;
struct ht_spool *ht_spool_open(const char *dir, struct ht_err *e);
void	ht_spool_close(struct ht_spool *);

/*
 * Put an event (one delivery's, filtered) into the repository's open
 * group, or a new one, which then closes window seconds from now, or max
 * seconds after its first delivery if that is sooner.  Returns 1 when it
 * opened a new group, 0 when it joined one, with the group's name in
 * group; or -1 and e: then nothing is in the spool.
 */
int	ht_spool_put(struct ht_spool *, const json_t *ev, long long window,
	    long long max, char *group, size_t len, struct ht_err *e);

/* When the window of the group named closes (Unix milliseconds), or -1. */
long long ht_spool_group_close(const char *group);
/* The time now, in Unix milliseconds: the spool's clock. */
long long ht_spool_now_ms(void);

/*
 * Close the groups whose window has closed by now_ms, moving them to
 * closed/, and list closed/: the count and *out,
 * sorted oldest first (caller frees with ht_spool_names_free), or -1.
 */
long	ht_spool_closed(struct ht_spool *, long long now_ms, char ***out,
	    struct ht_err *e);
void	ht_spool_names_free(char **, long n);

/*
 * Close one group if its window has closed by now_ms: 1 when it is in
 * closed/ (now or before), 0 when its window is still open, -1 and e.
 */
int	ht_spool_close_group(struct ht_spool *, const char *group,
	    long long now_ms, struct ht_err *e);

/*
 * A delivery's file in a group, buf[0..len) as read back: its event (a
 * new reference), or NULL and e (status 65) when it is not a JSON object.
 */
json_t	*ht_spool_delivery(const char *buf, size_t len, struct ht_err *e);

/* A closed group taken to be passed on: locked until given back. */
struct ht_sgroup {
	char name[HT_SPOOL_NAME_MAX];
	json_t *event;		/* the group's event, owned */
	size_t deliveries;	/* how many it was made of */
	char reason[256];	/* why it was kept before, or "" */
	int fd;			/* private: the group's directory, locked */
};

/*
 * Take closed/group.  Returns HT_STAKE_OK with *out (give it back with
 * done, keep or release), HT_STAKE_BUSY when another process has it,
 * HT_STAKE_GONE when it is not in closed/, or -1 and e.
 */
#define HT_STAKE_OK	1
#define HT_STAKE_BUSY	2
#define HT_STAKE_GONE	3
int	ht_spool_take(struct ht_spool *, const char *group,
	    struct ht_sgroup **out, struct ht_err *e);
/* Passed on: remove the group (the item is freed, even on error). */
int	ht_spool_done(struct ht_spool *, struct ht_sgroup *, struct ht_err *e);
/* Not passed on: keep it, with why (the item is freed, even on error). */
int	ht_spool_keep(struct ht_spool *, struct ht_sgroup *, const char *why,
	    struct ht_err *e);
void	ht_spool_release(struct ht_sgroup *);

/*
 * The drain of a burst: DIR/.drain, flock(2)ed by the one process that
 * passes groups on as their windows close (the first delivery of a burst
 * to find it free); the others only put.  Returns 1 held (until
 * ht_spool_unlock_drain, ht_spool_close or exit), 0 another process holds
 * it, or -1 and e.
 */
int	ht_spool_lock_drain(struct ht_spool *, struct ht_err *e);
void	ht_spool_unlock_drain(struct ht_spool *);

/*
 * When a drain has something to pass on next: *when is 0 when a closed
 * group waits that was never tried (its drain died), else the time (Unix
 * milliseconds) at which the first open group's window closes.  Returns
 * 1 with *when, 0 when there is nothing (groups kept after a failure are
 * dh-hook --flush's, not counted), or -1 and e.
 */
int	ht_spool_next(struct ht_spool *, long long *when, struct ht_err *e);

/*
 * Housekeeping: deliveries whose writer died before they joined a group
 * (never answered 200) and groups whose removal was cut short are
 * removed from tmp/ once an hour old.  Returns how many, or -1.
 */
long	ht_spool_tidy(struct ht_spool *, time_t now, struct ht_err *e);

#endif
