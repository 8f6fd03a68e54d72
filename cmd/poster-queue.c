/*
 * poster-queue — what a posting tool says of its queue (poster.h): the
 * status of the queue (-S), failed posts queued again (-R), an event that
 * could not be rendered kept in failed/.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <jansson.h>

#include "log.h"
#include "poster.h"
#include "queue.h"

#define note	poster_note

const char *
poster_clock(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%H:%M:%S UTC", &tm) == 0)
		(void)snprintf(buf, len, "?");
	return buf;
}

/*
 * Why nothing goes out while X takes no post at all (no credits left): the
 * reason the last send recorded, and since when.
 */
static void
print_held(const struct ht_qstatus *st)
{
	char when[32];
	struct tm tm;

	if (st->blocked[0] == '\0')
		return;
	if (gmtime_r(&st->blocked_since, &tm) == NULL ||
	    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		(void)snprintf(when, sizeof when, "?");
	printf("held: %s (since %s); the next flush tries again\n",
	    st->blocked, when);
}

/* A string as a JSON string: one line, quoted, whatever it holds. */
static void
print_quoted(const char *str)
{
	json_t *j = json_string(str);
	char *q = j != NULL ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	(void)fputs(q != NULL ? q : "\"?\"", stdout);
	free(q);
	json_decref(j);
}

/*
 * One item of a listing: "queued item:" or "failed item:" lines, or its
 * JSON object added to items.
 */
static void
status_item(struct poster_run *r, int which, const char *name, json_t *items)
{
	const json_t *text, *event, *at, *le, *why, *bad;
	json_t *j;
	char *ev = NULL;

	if ((j = ht_queue_item_listing(r->q, which, name)) == NULL)
		return;
	if (items != NULL) {
		(void)json_array_append_new(items, j);
		return;
	}
	text = json_object_get(j, "text");
	event = json_object_get(j, "event");
	at = json_object_get(j, "attempts");
	le = json_object_get(j, "last_error");
	why = json_object_get(j, "reason");
	bad = json_object_get(j, "unreadable");
	if (which == HT_QUEUE_FAILED)
		printf("failed item: %s/failed/%s: %s\n", r->qdir, name,
		    json_is_string(why) ? json_string_value(why) :
		    "(no reason recorded)");
	else {
		printf("queued item: %s/new/%s", r->qdir, name);
		if (json_integer_value(at) > 0)
			printf(": tried %" JSON_INTEGER_FORMAT " time(s)",
			    json_integer_value(at));
		if (json_is_string(le))
			printf(", last: %s", json_string_value(le));
		putchar('\n');
	}
	if (json_is_string(text)) {
		printf("  text: ");
		print_quoted(json_string_value(text));
		putchar('\n');
	} else if (event != NULL && (ev = json_dumps(event, JSON_COMPACT |
	    JSON_ENCODE_ANY)) != NULL)
		printf("  event (not rendered): %s\n", ev);
	else if (json_is_string(bad))
		printf("  unreadable: %s\n", json_string_value(bad));
	free(ev);
	json_decref(j);
}

/* -S --json: the counts and every item, one line. */
static void
status_json(struct poster_run *r, const struct ht_qstatus *st,
    char **names[2], const long n[2])
{
	json_t *o, *items;
	long i;
	int w;

	if ((items = json_array()) == NULL) {
		ht_warnx("out of memory");
		note(r, EX_OSERR);
		return;
	}
	for (w = 0; w < 2; w++)
		for (i = 0; i < n[w]; i++)
			status_item(r, w == 0 ? HT_QUEUE_NEW : HT_QUEUE_FAILED,
			    names[w][i], items);
	/* o takes items, whatever becomes of it. */
	if ((o = json_pack("{s:s,s:I,s:I,s:I,s:I,s:b,s:o}", "dir", r->qdir,
	    "queued", (json_int_t)st->queued, "failed",
	    (json_int_t)st->failed, "writing", (json_int_t)st->writing,
	    "sent", (json_int_t)st->sent, "flushing", st->flushing,
	    "items", items)) == NULL) {
		ht_warnx("out of memory");
		note(r, EX_OSERR);
		return;
	}
	if (st->held != 0)
		(void)json_object_set_new(o, "rate_limited_until",
		    json_integer((json_int_t)st->held));
	if (st->blocked[0] != '\0') {
		(void)json_object_set_new(o, "held", json_string(st->blocked));
		(void)json_object_set_new(o, "held_since",
		    json_integer((json_int_t)st->blocked_since));
	}
	(void)poster_emit_json(r, o);
}

/* One part of the queue in words: how many, the oldest's age, each item. */
static void
status_part(struct poster_run *r, int which, long count, long long oldest,
    time_t now, char **names, long n)
{
	const char *what = which == HT_QUEUE_NEW ? "queued" : "failed";
	long i;

	printf("%s: %ld\n", what, count);
	if (count > 0)
		printf("oldest %s: %lld s ago\n", what, (long long)now - oldest);
	for (i = 0; i < n; i++)
		status_item(r, which, names[i], NULL);
}

/* -S in words: the parts, what is being written, sent and held. */
static void
status_words(struct poster_run *r, const struct ht_qstatus *st, time_t now,
    char **names[2], const long n[2])
{
	char when[32];

	printf("queue: %s\n", r->qdir);
	status_part(r, HT_QUEUE_NEW, st->queued, st->oldest_queued, now,
	    names[0], n[0]);
	status_part(r, HT_QUEUE_FAILED, st->failed, st->oldest_failed, now,
	    names[1], n[1]);
	if (st->failed > 0)
		printf("to send them again: %s --retry %s\n", r->p->prog,
		    r->qdir);
	if (st->writing > 0)
		printf("being written: %ld\n", st->writing);
	printf("events posted (kept 30 days): %ld\n", st->sent);
	if (st->held != 0)
		printf("rate limited until: %s\n",
		    poster_clock(st->held, when, sizeof when));
	printf("flushing: %s\n", st->flushing ? "yes" : "no");
	print_held(st);
}

/* --queue-status: counts, ages and each item, in words or one JSON line. */
void
poster_queue_status(struct poster_run *r)
{
	struct ht_qstatus st;
	struct ht_err e;
	time_t now = time(NULL);
	char **names[2] = { NULL, NULL };
	long n[2] = { 0, 0 };

	ht_err_clear(&e);
	if (ht_queue_status(r->q, now, &st, &e) == -1 ||
	    (n[0] = ht_queue_names(r->q, HT_QUEUE_NEW, &names[0], &e)) ==
	    -1 ||
	    (n[1] = ht_queue_names(r->q, HT_QUEUE_FAILED, &names[1], &e)) ==
	    -1) {
		ht_log_err(&e);
		note(r, e.status);
	} else if (r->json)
		status_json(r, &st, names, n);
	else
		status_words(r, &st, now, names, n);
	ht_queue_names_free(names[0], n[0] > 0 ? n[0] : 0);
	ht_queue_names_free(names[1], n[1] > 0 ? n[1] : 0);
}

/*
 * --retry: every failed item is queued again (its reason removed), to be
 * sent by the next flush; an event that was never rendered is written to
 * stdout, for dh-format --json | tw-post --json, and removed once
 * written.
 */
void
poster_retry(struct poster_run *r)
{
	struct ht_err e;
	char **names = NULL, *ev;
	long n, i, moved = 0, events = 0;
	int k;

	ht_err_clear(&e);
	if ((n = ht_queue_names(r->q, HT_QUEUE_FAILED, &names, &e)) == -1) {
		ht_log_err(&e);
		note(r, e.status);
		return;
	}
	for (i = 0; i < n && !r->stop; i++) {
		ht_err_clear(&e);
		if ((k = ht_queue_retry(r->q, names[i], &ev, &e)) == -1) {
			ht_log_err(&e);
			note(r, e.status);
			continue;
		}
		if (k == 0) {
			ht_info("%s/failed/%s: queued again", r->qdir,
			    names[i]);
			moved++;
			continue;
		}
		/* Written (and flushed) before it is removed. */
		if (puts(ev) == EOF || fflush(stdout) == EOF)
			(void)poster_write_failed(r);
		else if (ht_queue_drop_failed(r->q, names[i], &e) == -1) {
			ht_log_err(&e);
			note(r, e.status);
		} else {
			ht_info("%s/failed/%s: event written to stdout, to be "
			    "rendered again", r->qdir, names[i]);
			events++;
		}
		free(ev);
	}
	ht_info("%s: %ld post(s) queued again, %ld event(s) written%s%s%s",
	    r->qdir, moved, events, moved > 0 ? "; " : "", moved > 0 ?
	    r->p->prog : "", moved > 0 ? " --flush sends them" : "");
	ht_queue_names_free(names, n);
}


/*
 * dh-format --json's line for an event it could not render,
 * {"id","error","status","event"}: kept in the queue's failed/ with the
 * reason (--queue-status shows it, --retry sends it back to be rendered),
 * never dropped with only a log line.  Its status is the exit status.
 */
void
poster_keep_event(struct poster_run *r, json_t *v)
{
	const char *why = json_string_value(json_object_get(v, "error"));
	json_t *id = json_object_get(v, "id"), *st = json_object_get(v,
	    "status");
	char name[HT_QUEUE_NAME_MAX], *ev = NULL, reason[600];
	const char *ids = json_is_string(id) ? json_string_value(id) : NULL;
	struct ht_err e;

	note(r, json_is_integer(st) && json_integer_value(st) > 0 &&
	    json_integer_value(st) < 256 ? (int)json_integer_value(st) :
	    EX_DATAERR);
	(void)snprintf(reason, sizeof reason, "not rendered: %s", why);
	if (r->q == NULL) {
		ht_warnx("%sevent %s: %s; not kept (no queue)", poster_which(r),
		    ids != NULL ? ids : "-", reason);
		return;
	}
	ht_err_clear(&e);
	if ((ev = json_dumps(json_object_get(v, "event"), JSON_COMPACT |
	    JSON_ENCODE_ANY)) == NULL ||
	    ht_queue_add_failed(r->q, ids, ev, reason, name, sizeof name,
	    &e) == -1) {
		ht_warnx("%sevent %s: %s; cannot keep it: %s", poster_which(r),
		    ids != NULL ? ids : "-", reason, ev == NULL ?
		    "out of memory" : e.msg);
		note(r, EX_IOERR);
	} else
		ht_warnx("%sevent %s: %s; kept in %s/failed/%s (%s --retry "
		    "sends it again)", poster_which(r), ids != NULL ? ids : "-",
		    reason, r->qdir, name, r->p->prog);
	free(ev);
}
