/*
 * group — which events a release's deliveries make, and which are not
 * posted: the pure decisions, with no I/O and no clock (every time is
 * given), shared by dh-parse on a stream, by the webhook's spool and by
 * the grouping fuzz target.
 *
 * Tags.  ht_tag_cmp orders tags most specific first: the main-tag rule
 * (ht_tag_cmp_main), then the name (strcmp), so that every order is total
 * and the text of a post never depends on the order tags arrived in.
 *
 * Groups.  A group is a repository's deliveries (same group key: registry
 * and repo_name) that came within window seconds of the one before (a
 * quiet period), but no more than max seconds after its first.  Its event
 * (ht_group_event) is the main tag's delivery's, with "tag" the first tag
 * by ht_tag_cmp, "tags" every tag once in that order and "other_tags" the
 * rest; of the main tag's deliveries, the one pushed first (then the
 * smallest as compact JSON) gives the event's fields, id and pushed_at.
 * So a group gives the same event for any arrival order of its
 * deliveries.
 *
 * Memory.  What was announced, as a JSON array (caller owns it) of
 * releases, oldest first:
 *   {"repo":KEY,"tag":MAIN,"tags":[...],"id":ID,"at":UNIX-SECONDS}
 * ht_memory_judge says what a group's event is, against the releases of
 * its repository announced less than repeat seconds before now:
 *   repeat   its main tag is an announced release's main tag, or every
 *            one of its tags was announced (a rebuild, more of that
 *            release's tags): not posted;
 *   late     its main tag is less specific than an announced main tag
 *            (ht_tag_less_specific: 1.2, 1 or latest after 1.2.3;
 *            1.2-alpine after 1.2.3-alpine; 8 after 8u504; 7.0.12
 *            after 7.0.12-bookworm): the late part of that release, not
 *            posted;
 *   new      otherwise (1.2.4; 1.2.3 after 1.2 alone), posted.
 * The judgment names the earlier release (its id and main tag).  Then
 * ht_memory_note records it: a new release is added, the tags of a
 * repeat or a late part join the release they belong to.  The memory is
 * bounded: HT_MEMORY_PER_REPO releases a repository, HT_MEMORY_MAX in
 * all, the oldest forgotten first.
 *
 * Errors fill a struct ht_err and return -1 (EX_DATAERR for an event or
 * a memory entry that lacks what is needed, EX_OSERR out of memory).
 */
#ifndef HT_GROUP_H
#define HT_GROUP_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"

#define HT_GROUP_WINDOW		60	/* seconds of quiet, the default */
#define HT_GROUP_WINDOW_MAX	86400
#define HT_GROUP_AGE		600	/* seconds a group may stay open */
#define HT_GROUP_MAX		256	/* deliveries in one group at most */
#define HT_REPEAT_WINDOW	86400	/* seconds a release is remembered */
#define HT_MEMORY_PER_REPO	32
#define HT_MEMORY_MAX		4096
#define HT_GROUP_KEY_MAX	400

/*
 * The order of tags for the main tag, on the part of each before its first
 * '-': the most leading dot-separated parts that begin with a digit first
 * (1.2.3, then 1.2, then 1; 3.15.0rc1 before 3.15), then the longer of
 * those parts (8u504 before 8), then the shorter tag (6.0.1 before
 * 6.0.1-standalone).  Negative when a comes before b, positive when b
 * comes before a, 0 when the rule cannot tell.
 */
int	ht_tag_cmp_main(const char *a, const char *b);
/* ht_tag_cmp_main, then strcmp: the order of "tags". */
int	ht_tag_cmp(const char *a, const char *b);
/*
 * Whether tag a is a less specific tag of b's release: a's version (the
 * leading digit parts above) is a prefix of b's, shorter (1.2 and 1 of
 * 1.2.3, 8 of 8u504, latest or alpine of any version) or the same (7.0.12
 * of 7.0.12-bookworm) when a is not b.  What follows the version is not
 * compared.
 */
int	ht_tag_less_specific(const char *a, const char *b);

/* An event's pushed_at (RFC 3339 UTC) as Unix seconds, or -1. */
long long ht_event_time(const json_t *ev);
/*
 * The key a repository's events are grouped and remembered by: repo_name
 * for Docker Hub (no "registry", or "docker.io"), else registry/repo_name.
 * Returns buf, or NULL when the event has no repo_name or it is too long.
 */
const char *ht_event_group_key(const json_t *ev, char *buf, size_t len);

/*
 * The event of a group: evs[0..n) are events of one repository, in any
 * order.  Returns a new object (caller decrefs), or NULL and e.
 */
json_t	*ht_group_event(json_t *const *evs, size_t n, struct ht_err *e);

/*
 * Grouping a sequence of events by their times (pushed_at): each joins
 * its repository's open group when it is less than window seconds after
 * that group's last event and less than max after its first; otherwise
 * it opens a group.  A group is given to emit once an event read is past
 * its close (the last event's time + window, or the first's + max) and
 * the groups opened before it have been given, or at ht_grouper_finish:
 * groups are given in the order they were opened.  window 0: every event
 * is given at once, as a group of one.  emit gets the group's event and
 * the time of its last delivery; it returns 0, or -1 to stop (its e is
 * then reported).
 */
typedef int (*ht_group_emit_fn)(json_t *ev, long long last, void *arg,
	    struct ht_err *e);
struct ht_grouper;
/* caller frees with ht_grouper_free; NULL when out of memory */
struct ht_grouper *ht_grouper_new(long long window, long long max,
	    ht_group_emit_fn emit, void *arg);
/* Add an event (borrowed: a reference is taken).  0 or -1 and e. */
int	ht_grouper_add(struct ht_grouper *, json_t *ev, struct ht_err *e);
int	ht_grouper_finish(struct ht_grouper *, struct ht_err *e);
void	ht_grouper_free(struct ht_grouper *);

enum ht_verdict {
	HT_VERDICT_NEW,		/* post it */
	HT_VERDICT_REPEAT,	/* announced already */
	HT_VERDICT_LATE		/* the late part of an announced release */
};
struct ht_judgment {
	enum ht_verdict verdict;
	long at;		/* repeat, late: the release's index in mem */
	const char *id;		/* repeat, late: its id (borrowed from mem) */
	const char *tag;	/* repeat, late: its main tag (borrowed) */
};
/* "new", "repeat", "late alias". */
const char *ht_verdict_name(enum ht_verdict);

/*
 * Judge a group's event against mem at time now, counting the releases
 * announced less than repeat seconds before.  0 with *j, or -1 and e.
 */
int	ht_memory_judge(const json_t *mem, const json_t *ev, long long now,
	    long long repeat, struct ht_judgment *j, struct ht_err *e);
/*
 * Record a judged event in mem (j as ht_memory_judge gave it, mem not
 * changed since), announced at now; the bounds applied.  0, or -1 and e.
 */
int	ht_memory_note(json_t *mem, const json_t *ev,
	    const struct ht_judgment *j, long long now, struct ht_err *e);
/*
 * Drop the releases announced repeat seconds or more before now, and
 * entries that are not releases (a memory read from a file).  Returns how
 * many were dropped.
 */
size_t	ht_memory_expire(json_t *mem, long long now, long long repeat);
/*
 * Forget the releases of repository key whose main tag or tags hold tag
 * (every one of key's with tag NULL).  Returns how many were forgotten.
 */
size_t	ht_memory_forget(json_t *mem, const char *key, const char *tag);

#endif
