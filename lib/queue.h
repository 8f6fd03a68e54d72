/*
 * queue — a durable queue of posts in a directory, in the manner of Maildir.
 *
 *   DIR/tmp/           items being written; a crash leaves them here
 *   DIR/new/           queued items, one file each; names sort oldest first
 *   DIR/failed/        items X refused for good, and events that could not
 *                      be rendered; NAME.reason beside each
 *   DIR/sent/          one marker per event id already posted
 *   DIR/.lock          flock(2)ed by the one flusher
 *   DIR/ratelimit      the time (Unix seconds) before which X is not called
 *   DIR/blocked        why X takes no post at all for now (no credits)
 *
 * An item is written to tmp/, fsync(2)ed, renamed into new/ and new/ is
 * fsync(2)ed: once ht_queue_add returns, a crash loses nothing.  Its name is
 * SECONDS.MICROSECONDS.PID.COUNTER[.KEY]: the time of enqueueing, zero
 * padded so that names sort oldest first; the writer's pid and a counter
 * make it unique; KEY, 32 hex digits of the SHA-256 of the event id, is
 * there when the post came from an event.  An item holds one JSON object:
 * {"text", "reply_to", "id", "card", "enqueued", "attempts",
 * "last_error"}.
 *
 * Sending (post.h) is at least once: an item leaves new/ only after X
 * answered.  A
 * crash between X's answer and the removal sends the post again, and X
 * refuses it as a duplicate, which counts as posted.  Posts that carry an
 * event id are also deduplicated here: an event already queued or already
 * posted (sent/KEY) is not queued again (the check and the add are one step
 * under .addlock), and an item whose event was posted is dropped before it
 * is sent.
 *
 * Each item is flock(2)ed while it is being sent, so two processes never
 * send the same item at once; DIR/.lock makes one flusher at a time.  Files
 * are created mode 0600, directories 0700.  The directory must be on a
 * local file system (flock, and the pids in names, are per host).
 *
 * The library never prints and never exits: errors fill a struct ht_err
 * (with a sysexits status) and return -1.
 */
#ifndef HT_QUEUE_H
#define HT_QUEUE_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "err.h"

#define HT_QUEUE_NAME_MAX	80
#define HT_QUEUE_ITEM_MAX	(64 * 1024)	/* bytes per item file */
/* Writers dead, or this old, left their temp files for good. */
#define HT_QUEUE_STALE_TMP	3600
/* How long a sent/ marker keeps an event id from being posted again. */
#define HT_QUEUE_SENT_KEEP	(30 * 86400)

struct ht_queue;

/*
 * A post to queue.  Borrowed; reply_to, id and card (a link's card, see
 * net.h) may be NULL.
 */
struct ht_qpost {
	const char *text;
	const char *reply_to;
	const char *id;
	const json_t *card;
};

/* An item taken from the queue: it is locked until it is given back. */
struct ht_qitem {
	char name[HT_QUEUE_NAME_MAX];
	char *text;		/* owned by the item */
	char *reply_to;		/* owned by the item, or NULL */
	char *id;		/* owned by the item, or NULL */
	json_t *card;		/* owned by the item, or NULL */
	long long enqueued;	/* Unix seconds */
	long long attempts;	/* sends tried before this one */
	char last_error[256];	/* why the last try failed, or "" */
	int fd;			/* private: the open, locked item */
};

/*
 * Open the queue at dir.  With create, make dir and its subdirectories as
 * needed (mode 0700); otherwise they must exist.  caller frees.
 */
struct ht_queue *ht_queue_open(const char *dir, int create, struct ht_err *e);
/* Close the queue, releasing the flusher lock if it is held. */
void	ht_queue_close(struct ht_queue *);
const char *ht_queue_dir(const struct ht_queue *);

/*
 * Queue a post.  Returns HT_QADD_QUEUED and the item's name in name, or
 * HT_QADD_QUEUED_ALREADY / HT_QADD_SENT_ALREADY (name: "") when a post with
 * the same event id is queued or was posted, or -1.
 */
#define HT_QADD_QUEUED		1
#define HT_QADD_QUEUED_ALREADY	2
#define HT_QADD_SENT_ALREADY	3
int	ht_queue_add(struct ht_queue *, const struct ht_qpost *, char *name,
	    size_t namelen, struct ht_err *e);

/*
 * Keep an event that gave no post (its template failed) in failed/, with
 * why in failed/NAME.reason, so that it is seen and can be sent again.
 * event: its JSON text; id may be NULL.  Returns 0 and its name, or -1.
 */
int	ht_queue_add_failed(struct ht_queue *, const char *id,
	    const char *event, const char *why, char *name, size_t namelen,
	    struct ht_err *e);
/*
 * Retry failed/name.  A post goes back to new/ (and failed/name.reason
 * away): returns 0.  An event that was never rendered stays until the
 * caller has passed it on (to dh-format) and dropped it with
 * ht_queue_drop_failed: returns 1 and *event, its JSON text (caller frees).
 * -1 on error.
 */
int	ht_queue_retry(struct ht_queue *, const char *name, char **event,
	    struct ht_err *e);
/* Remove failed/name and its reason. */
int	ht_queue_drop_failed(struct ht_queue *, const char *name,
	    struct ht_err *e);
/*
 * The JSON object new/name (HT_QUEUE_NEW) or failed/name (HT_QUEUE_FAILED)
 * holds ("text" or, never rendered, "event"; "attempts", "last_error"...),
 * for a listing.  NULL and e on error.  caller decrefs.
 */
json_t	*ht_queue_item_json(struct ht_queue *, int which, const char *name,
	    struct ht_err *e);

/*
 * One item of a listing (tw-post --queue-status --json): {"state":
 * "queued"|"failed", "name", "path", and as the item has them "text" or
 * "event" (never rendered), "id", "attempts", "last_error", "reason" (why
 * it failed) or "unreadable" (why it cannot be read)}.  NULL when out of
 * memory.  caller decrefs.
 */
json_t	*ht_queue_item_listing(struct ht_queue *, int which, const char *name);

/*
 * The names in new/ (HT_QUEUE_NEW) or failed/ (HT_QUEUE_FAILED, the
 * .reason files left out), sorted oldest first.  Returns the count and *out
 * (caller frees with ht_queue_names_free), or -1.
 */
#define HT_QUEUE_NEW	0
#define HT_QUEUE_FAILED	1
long	ht_queue_names(struct ht_queue *, int which, char ***out,
	    struct ht_err *e);
void	ht_queue_names_free(char **, long n);
/* Why failed/name failed (its first line, into buf), or -1. */
int	ht_queue_reason(struct ht_queue *, const char *name, char *buf,
	    size_t len, struct ht_err *e);

/*
 * Take the item new/name for sending, locked.  Returns:
 *   HT_QTAKE_OK       *out is the item (give it back with one of done,
 *                     keep, fail or release)
 *   HT_QTAKE_GONE     the item is not (or no longer) queued
 *   HT_QTAKE_BUSY     another process is sending it
 *   HT_QTAKE_SENT     its event was already posted: it was removed
 *   HT_QTAKE_CORRUPT  it cannot be read as an item: it was moved to
 *                     failed/ and e says why
 *   -1                an error, e says which
 */
#define HT_QTAKE_OK		1
#define HT_QTAKE_GONE		2
#define HT_QTAKE_BUSY		3
#define HT_QTAKE_SENT		4
#define HT_QTAKE_CORRUPT	5
int	ht_queue_take(struct ht_queue *, const char *name,
	    struct ht_qitem **out, struct ht_err *e);
/* Posted (or refused as a duplicate): mark its event sent, remove it. */
int	ht_queue_done(struct ht_queue *, struct ht_qitem *, struct ht_err *e);
/* Not sent this time: count the attempt, note why, leave it queued. */
int	ht_queue_keep(struct ht_queue *, struct ht_qitem *, const char *why,
	    struct ht_err *e);
/* Refused for good: move it to failed/ with why in failed/NAME.reason. */
int	ht_queue_fail(struct ht_queue *, struct ht_qitem *, const char *why,
	    struct ht_err *e);
/* Give it back unchanged. */
void	ht_queue_release(struct ht_qitem *);

/*
 * The flusher lock, DIR/.lock, taken without waiting: 0 taken, 1 another
 * process holds it, -1 error.  Released by ht_queue_unlock or close.
 */
int	ht_queue_lock(struct ht_queue *, struct ht_err *e);
void	ht_queue_unlock(struct ht_queue *);

/*
 * Rate limit: ht_queue_hold records that X must not be called before
 * until; ht_queue_held returns that time if it is still to come, else 0
 * (and -1 on error).
 */
int	ht_queue_hold(struct ht_queue *, time_t until, struct ht_err *e);
time_t	ht_queue_held(struct ht_queue *, time_t now, struct ht_err *e);

/*
 * Blocked: X refuses every post of the account until its owner acts (402,
 * no credits left), so the queue is held with no time to wait for.
 * ht_queue_block records why (one line), a post made clears it
 * (ht_queue_unblock), ht_queue_blocked reads it into buf ("" when not
 * blocked) with the time it was recorded in *since.  0, or -1.
 */
int	ht_queue_block(struct ht_queue *, const char *why, struct ht_err *e);
int	ht_queue_unblock(struct ht_queue *, struct ht_err *e);
int	ht_queue_blocked(struct ht_queue *, char *buf, size_t len,
	    time_t *since, struct ht_err *e);

/*
 * Housekeeping, done by the flusher under the lock: temp files whose
 * writer died are queued when they hold a whole item (the writer was
 * killed between fsync and rename), removed when empty, moved to failed/
 * otherwise; sent/ markers older than HT_QUEUE_SENT_KEEP are removed.
 */
struct ht_qrecover {
	long adopted, removed, corrupt, pruned;
};
int	ht_queue_recover(struct ht_queue *, time_t now, struct ht_qrecover *,
	    struct ht_err *e);

struct ht_qstatus {
	long queued, failed, writing, sent;
	long long oldest_queued;	/* enqueue time, 0: none */
	long long oldest_failed;	/* enqueue time, 0: none */
	time_t held;			/* rate-limited until, 0: not */
	int flushing;			/* a flusher holds the lock */
	char blocked[256];		/* why X takes no post, "": it does */
	time_t blocked_since;
};
int	ht_queue_status(struct ht_queue *, time_t now, struct ht_qstatus *,
	    struct ht_err *e);

#endif
