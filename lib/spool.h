/*
 * spool — the webhook's durable accept, and the grouping of a release's
 * burst of deliveries into one event.
 *
 * Grouping.  Docker Hub sends one delivery per pushed tag: a release that
 * pushes 1.2.3, 1.2, 1 and latest sends four, a multi-arch push the same tag
 * several times.  Deliveries for one repository within a window become one
 * event: its tag is the main tag (ht_tag_cmp_main), "tags" lists every tag,
 * main first and the rest in the order received, "other_tags" the rest; a
 * tag received again is not listed again.  The event is the main tag's
 * own (its id, image and pushed_at), so the same group read again gives
 * the same event, and a group of one is the delivery's event with the two
 * lists added.
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
 * the window closes, the pid of the process that opened it, and the repository
 * with '/' written '+'.  A delivery is written to tmp/, fsync(2)ed, then
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

#define HT_GROUP_WINDOW		60	/* seconds, the default */
#define HT_GROUP_WINDOW_MAX	86400
#define HT_GROUP_MAX		256	/* deliveries in one group at most */
#define HT_SPOOL_NAME_MAX	300

/*
 * The order of tags for the main tag, on the part of each before its first
 * '-': the most leading dot-separated parts that begin with a digit first
 * (1.2.3, then 1.2, then 1; 3.15.0rc1 before 3.15), then the longer of
 * those parts (8u504 before 8), then the shorter tag (6.0.1 before
 * 6.0.1-standalone).  Negative when a comes before b, positive when b
 * comes before a, 0 when the rule cannot tell (the first received wins).
 */
int	ht_tag_cmp_main(const char *a, const char *b);

/*
 * The event of a group: evs[0..n) are events of one repository, in the
 * order received.  Returns a new object (caller decrefs), or NULL and e.
 */
json_t	*ht_group_event(json_t *const *evs, size_t n, struct ht_err *e);

/*
 * Grouping a stream of events by their pushed_at, for dh-parse in a
 * pipeline.  A group opens at its first event's time t and takes the
 * repository's events within window seconds of t; it is given to emit once
 * an event read is window seconds past t and the groups opened before it
 * have been given, or at ht_grouper_finish: groups are given in the order
 * they were opened.  window 0: every event is given
 * at once, as a group of one.  emit returns 0, or -1 to stop (its e is then
 * reported).
 */
typedef int (*ht_group_emit_fn)(json_t *ev, void *arg, struct ht_err *e);
struct ht_grouper;
struct ht_grouper *ht_grouper_new(long long window, ht_group_emit_fn emit,
	    void *arg);
/* Add an event (borrowed: a reference is taken).  0 or -1 and e. */
int	ht_grouper_add(struct ht_grouper *, json_t *ev, struct ht_err *e);
int	ht_grouper_finish(struct ht_grouper *, struct ht_err *e);
void	ht_grouper_free(struct ht_grouper *);

/* An event's pushed_at (RFC 3339 UTC) as Unix seconds, or -1. */
long long ht_event_time(const json_t *ev);

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
 * group, or a new one whose window closes window seconds from now.
 * Returns 1 when it opened a new group, 0 when it joined one, with the
 * group's name in group; or -1 and e: then nothing is in the spool.
 */
int	ht_spool_put(struct ht_spool *, const json_t *ev, long long window,
	    char *group, size_t len, struct ht_err *e);

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
