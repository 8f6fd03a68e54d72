/*
 * poster — what tw-post, mastodon-post and bsky-post share (poster.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "jstream.h"
#include "queue.h"
#include "log.h"
#include "post.h"
#include "poster.h"
#include "sender.h"
#include "util.h"

#ifndef HT_LIBEXECDIR
#define HT_LIBEXECDIR "/usr/local/libexec/hubtweet"
#endif

/* Bytes in one post: enough for every network's limit. */
#define MAX_POST	(64 * 1024)

static const struct option longopts[] = {
	POSTER_LONGOPTS,
	{ "check", no_argument, NULL, 'C' },
	{ NULL, 0, NULL, 0 }
};

/* How grave a status is: the gravest decides the exit status. */
static int
rank(int s)
{
	switch (s) {
	case 0:
		return 0;
	case EX_DATAERR:
		return 1;
	case EX_TEMPFAIL:
		return 2;
	case EX_UNAVAILABLE:
		return 3;
	case EX_NOPERM:
		return 4;
	case EX_CONFIG:
		return 5;
	default:
		return 6;
	}
}

void
poster_note(struct poster_run *r, int s)
{
	if (rank(s) > rank(r->status))
		r->status = s;
}

const char *
poster_which(const struct poster_run *r)
{
	static char buf[32];

	if (!r->streaming)
		return "";
	(void)snprintf(buf, sizeof buf, "post %ld: ", r->n);
	return buf;
}

static void
trace_line(void *arg, const char *line)
{
	(void)fprintf(stderr, "%s: %s\n", ht_log_prog(), line);
}

int
poster_write_failed(struct poster_run *r)
{
	ht_warnx("stdout: write error: %s", strerror(errno));
	poster_note(r, EX_IOERR);
	r->stop = 1;
	return -1;
}

int
poster_emit_json(struct poster_run *r, json_t *o)
{
	char *s = NULL;
	int ret = 0;

	if (o == NULL || (s = json_dumps(o, JSON_COMPACT |
	    JSON_PRESERVE_ORDER)) == NULL) {
		ht_warnx("stdout: write error: out of memory");
		poster_note(r, EX_IOERR);
		r->stop = 1;
		ret = -1;
	} else if (puts(s) == EOF || fflush(stdout) == EOF)
		ret = poster_write_failed(r);
	free(s);
	json_decref(o);
	return ret;
}

static int
print_line(struct poster_run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
print_line(struct poster_run *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	if (n < 0 || fflush(stdout) == EOF)
		return poster_write_failed(r);
	return 0;
}

/*
 * A post made: its id and URL, or a JSON line (with the event id, when
 * there is one).  A post of an event is logged too, with both ids, so
 * that the log matches it with dh-parse's line for the delivery.
 */
void
poster_print_posted(struct poster_run *r, const struct ht_outcome *o,
    const char *text, size_t len, const char *event)
{
	json_t *j;

	if (event != NULL)
		ht_info("event %s: posted %s", event, o->url);
	if (!r->json) {
		(void)print_line(r, "%s %s\n", o->id, o->url);
		return;
	}
	j = json_pack("{s:s,s:s,s:s%}", "id", o->id, "url", o->url, "text",
	    text, len);
	if (j != NULL && event != NULL && json_object_set_new(j, "event",
	    json_string(event)) == -1) {
		json_decref(j);
		j = NULL;
	}
	(void)poster_emit_json(r, j);
}

/* A post the network already has: said, and done. */
void
poster_print_duplicate(struct poster_run *r, const char *prefix,
    const struct ht_outcome *o, const char *text, size_t len)
{
	ht_warnx("%s%s", prefix, o->reason);
	if (r->json)
		(void)poster_emit_json(r, json_pack("{s:n,s:n,s:s%,s:b}",
		    "id", "url", "text", text, len, "duplicate", 1));
}

/* --dry-run: show what would be sent. */
static void
dry_show(struct poster_run *r, const char *text, size_t len,
    const struct ht_tweetlen *tl)
{
	if (r->json)
		(void)poster_emit_json(r, ht_tweetlen_json(text, len, tl));
	else if (tl->valid)
		(void)print_line(r, "dry run: POST %s (%ld/%ld%s): %s\n",
		    r->p->endpoint(r->conf), tl->weighted, r->rule.max,
		    tl->urls > 0 ? ", with a link" : "", text);
}

/*
 * The engine's connect: the network, its credentials read from the config
 * and the environment, and wiped there.
 */
static struct ht_net *
connect_net(void *arg, struct ht_err *e)
{
	struct poster_run *r = arg;

	return r->p->make(r->conf, e);
}

int
poster_engine(struct poster_run *r)
{
	struct ht_engine_conf c;
	struct ht_err e;

	memset(&c, 0, sizeof c);
	ht_err_clear(&e);
	if ((r->helper = ht_sender_path(HT_LIBEXECDIR)) == NULL) {
		ht_warnx("out of memory");
		poster_note(r, EX_OSERR);
		r->stop = 1;
		return -1;
	}
	c.connect = r->p->connect != NULL ? r->p->connect : connect_net;
	c.connect_arg = r;
	c.sender.helper = r->helper;
	c.sender.timeout_ms = (long)ht_conf_int(r->conf, r->p->timeout, 30) *
	    1000;
	if (r->verbose) {
		c.sender.trace = trace_line;
		ht_warnx("helper: %s", r->helper);
	}
	if ((r->engine = ht_engine_new(&c, &e)) == NULL) {
		ht_log_err(&e);
		poster_note(r, e.status);
		r->stop = 1;
		return -1;
	}
	return 0;
}

const char *
poster_item_prefix(const struct poster_run *r, const char *name,
    const char *event, char *buf, size_t len)
{
	if (!r->flushing)
		(void)snprintf(buf, len, "%s%s%s%s",
		    poster_which(r),
		    event != NULL ? "event " : "", event != NULL ? event : "",
		    event != NULL ? ": " : "");
	else
		(void)snprintf(buf, len, "%s/new/%s: %s%s%s", r->qdir, name,
		    event != NULL ? "event " : "", event != NULL ? event : "",
		    event != NULL ? ": " : "");
	return buf;
}

/* A post left in the queue: said (unless why is NULL), status 75. */
void
poster_print_queued(struct poster_run *r, const char *prefix,
    const char *why, const char *text)
{
	if (why == NULL)
		;
	else if (r->flushing)
		ht_notice("%sstill queued: %s", prefix, why);
	else
		ht_notice("%squeued in %s: %s", prefix, r->qdir, why);
	poster_note(r, EX_TEMPFAIL);
	if (r->json && !r->flushing && text != NULL)
		(void)poster_emit_json(r, json_pack("{s:n,s:n,s:s,s:b}", "id",
		    "url", "text", text, "queued", 1));
}

void
poster_report(void *arg, const struct ht_report *rep)
{
	struct poster_run *r = arg;
	const struct ht_outcome *o = rep->o;
	const char *text = r->flushing ? rep->text : r->text;
	const char *event = r->flushing ? rep->event : r->event;
	char buf[HT_QUEUE_NAME_MAX + 512];
	const char *pre = poster_item_prefix(r, rep->name, event, buf,
	    sizeof buf);

	if (o->kind == HT_CORRUPT || rep->failed) {
		ht_warnx("%s%s; moved to %s/failed/%s", pre, o->reason,
		    r->qdir, rep->name);
		poster_note(r, o->status);
	} else if (rep->queued) {
		if (o->kind == HT_LIMITED && !rep->tried && r->flushing)
			return;	/* said once, for every item */
		poster_print_queued(r, pre, o->reason, text);
	} else if (!rep->tried)
		ht_info("%sits event was posted before; dropped from the "
		    "queue", pre);
	else if (text == NULL)
		;
	else if (o->kind == HT_ALREADY && r->p->dups)
		poster_print_duplicate(r, pre, o, text, strlen(text));
	else
		poster_print_posted(r, o, text, strlen(text), event);
}

void
poster_queue_post(struct poster_run *r, const char *text,
    const char *reply_to, const char *id)
{
	const struct ht_qpost p = { text, reply_to, id, r->card };
	char name[HT_QUEUE_NAME_MAX];
	struct ht_flush f;
	struct ht_err e;

	ht_err_clear(&e);
	switch (ht_queue_add(r->q, &p, name, sizeof name, &e)) {
	case HT_QADD_QUEUED:
		break;
	case HT_QADD_QUEUED_ALREADY:
		ht_warnx("%sevent %s: already queued in %s",
		    poster_which(r), id, r->qdir);
		poster_note(r, EX_TEMPFAIL);
		return;
	case HT_QADD_SENT_ALREADY:
		ht_warnx("%sevent %s: already posted",
		    poster_which(r), id);
		return;
	default:
		ht_warnx("%scannot queue: %s; nothing sent",
		    poster_which(r), e.msg);
		poster_note(r, e.status);
		/* Nothing after it could be queued either. */
		r->stop = 1;
		return;
	}
	/* Not sending any more (a failure before): only queued. */
	if (r->hold) {
		poster_print_queued(r, poster_which(r),
		    "not sent after the failure before", text);
		return;
	}
	/*
	 * While the queue is rate limited it only queues (f.wait 0): the
	 * flush sends, oldest first, and waits for a reset that is near.
	 */
	memset(&f, 0, sizeof f);
	f.report = r->p->report != NULL ? r->p->report : poster_report;
	f.arg = r;
	f.budget_ms = r->budget_ms;
	r->text = text;
	r->event = id;
	if (ht_engine_send_item(r->engine, r->q, name, &f, &e) == -1) {
		ht_warnx("%s%s%squeued in %s", poster_which(r),
		    e.msg, e.msg[0] != '\0' ? "; " : "", r->qdir);
		poster_note(r, e.status);
		r->hold = 1;
	}
	r->text = r->event = NULL;
	/* A stop means the next ones would fail too: queue them only. */
	if (f.stopped || r->stop) {
		r->hold = 1;
		r->stop = 0;
	}
}

/* Posts a process that died left in tmp/: queued again, or failed. */
static void
said_recovered(struct poster_run *r, const struct ht_flush *f)
{
	if (f->recovered.adopted > 0)
		ht_info("%s: queued again %ld post(s) left in tmp/ by a "
		    "process that died", r->qdir, f->recovered.adopted);
	if (f->recovered.corrupt > 0) {
		ht_warnx("%s: moved to failed/ %ld incomplete post(s) left in "
		    "tmp/ by a process that died", r->qdir,
		    f->recovered.corrupt);
		poster_note(r, EX_DATAERR);
	}
}

/* The default of flushed: a rate limit that held every post. */
static void
flushed(struct poster_run *r, const struct ht_flush *f)
{
	if (f->held != 0 && f->kept == 0) {
		ht_warnx("%s: rate limited by %s; %s", r->qdir,
		    ht_network_name(r->p->net), f->sent + f->dups > 0 ?
		    "the rest waits" : "nothing sent");
		poster_note(r, EX_TEMPFAIL);
	}
}

void
poster_flush(struct poster_run *r)
{
	struct ht_flush f;
	struct ht_err e;
	int k;

	memset(&f, 0, sizeof f);
	f.report = r->p->report != NULL ? r->p->report : poster_report;
	f.arg = r;
	f.budget_ms = r->budget_ms;
	/* A rate limit that ends within the time budget is waited for. */
	f.wait = r->budget_ms / 1000;
	r->flushing = 1;
	ht_err_clear(&e);
	if ((k = ht_engine_flush(r->engine, r->q, &f, &e)) == 1) {
		ht_warnx("%s: another flush is running", r->qdir);
		poster_note(r, EX_TEMPFAIL);
		return;
	}
	if (k == -1)
		poster_fail(r, &e);
	said_recovered(r, &f);
	(r->p->flushed != NULL ? r->p->flushed : flushed)(r, &f);
	if (f.sent + f.dups + f.failed + f.corrupt + f.already + f.kept +
	    f.busy > 0 || (k == 0 && f.left > 0))
		ht_info("%s: %ld posted, %ld already posted, %ld failed, "
		    "%ld corrupt; %ld queued", r->qdir, f.sent,
		    f.dups + f.already, f.failed, f.corrupt, f.left);
}

void
poster_send(struct poster_run *r, const struct ht_post *p, size_t len)
{
	struct ht_outcome o;
	struct ht_err e;

	ht_err_clear(&e);
	if (ht_engine_send(r->engine, p, r->budget_ms, &o, &e) == -1) {
		poster_fail(r, &e);
		r->stop = 1;
		return;
	}
	if (o.kind == HT_ALREADY && r->p->dups)
		poster_print_duplicate(r, poster_which(r), &o,
		    p->text, len);
	else if (ht_outcome_done(o.kind))
		poster_print_posted(r, &o, p->text, len, p->id);
	else {
		ht_warnx("%s%s", poster_which(r), o.reason);
		poster_note(r, o.status);
		/* Only a bad text is the post's own problem. */
		if (o.kind != HT_REJECTED && o.status != EX_DATAERR)
			r->stop = 1;
	}
}

/* Check, then show or send one post, by the network's length rule. */
static void
post(struct poster_run *r, const char *text, size_t len,
    const char *reply_to, const char *id)
{
	const struct ht_post p = { text, reply_to, id, r->card };
	struct ht_tweetlen tl;
	struct ht_err e;

	if (len == 0)
		return;
	r->n++;
	ht_err_clear(&e);
	if (poster_bytes_ok(r, text, len) == -1)
		return;
	if (ht_postlen(&r->rule, text, len, &tl, &e) == -1) {
		ht_warnx("%s%s; nothing sent", poster_which(r),
		    e.msg);
		poster_note(r, EX_DATAERR);
		return;
	}
	if (r->dry)
		dry_show(r, text, len, &tl);
	if (!tl.valid) {
		if (strcmp(tl.why, "too long") == 0)
			ht_warnx("%stoo long: length %ld, %zu bytes, at most "
			    "%ld%s; nothing sent", poster_which(r),
			    tl.weighted, len, r->rule.max, r->rule.max_bytes >
			    0 ? " and 3000 bytes" : "");
		else
			ht_warnx("%s%s; nothing sent",
			    poster_which(r), tl.why);
		poster_note(r, EX_DATAERR);
		return;
	}
	if (r->dry || r->stop)
		return;
	if (r->engine == NULL && poster_engine(r) == -1)
		return;
	if (r->q != NULL)
		poster_queue_post(r, text, NULL, id);
	else
		poster_send(r, &p, len);
}

int
poster_bytes_ok(struct poster_run *r, const char *text, size_t len)
{
	if (len <= MAX_POST && memchr(text, '\0', len) == NULL)
		return 0;
	ht_warnx("%s%s; nothing sent", poster_which(r),
	    len <= MAX_POST ? "contains a NUL byte" : r->p->too_big != NULL ?
	    r->p->too_big : "too long for a post");
	poster_note(r, EX_DATAERR);
	return -1;
}

static void
post_one(struct poster_run *r, const char *text, size_t len,
    const char *reply_to, const char *id)
{
	(r->p->post != NULL ? r->p->post : post)(r, text, len, reply_to, id);
}

void
poster_read_one(struct poster_run *r)
{
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;

	for (;;) {
		if (len == cap) {
			if (cap > MAX_POST) {
				ht_warnx("%s; nothing sent", r->p->too_big !=
				    NULL ? r->p->too_big :
				    "too long for a post");
				poster_note(r, EX_DATAERR);
				goto out;
			}
			cap = cap > 0 ? cap * 2 : 4096;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				ht_warnx("out of memory");
				poster_note(r, EX_OSERR);
				goto out;
			}
			buf = nb;
		}
		if ((n = fread(buf + len, 1, cap - len, stdin)) == 0)
			break;
		len += n;
	}
	if (ferror(stdin)) {
		ht_warnx("<stdin>: read error: %s", strerror(errno));
		poster_note(r, EX_IOERR);
		goto out;
	}
	len = ht_line_end(buf, len);
	/* A CI job must not go green on an unset variable. */
	if (len == 0) {
		ht_warnx("<stdin>: empty: nothing to post");
		poster_note(r, EX_DATAERR);
		goto out;
	}
	buf[len] = '\0';
	post_one(r, buf, len, NULL, NULL);
out:
	free(buf);
}

void
poster_read_nul(struct poster_run *r)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	while (!r->stop && (n = getdelim(&buf, &cap, '\0', stdin)) != -1) {
		if (n > 0 && buf[n - 1] == '\0')
			n--;
		if (n > 0)
			post_one(r, buf, (size_t)n, NULL, NULL);
	}
	if (ferror(stdin)) {
		ht_warnx("<stdin>: read error: %s", strerror(errno));
		poster_note(r, EX_IOERR);
	}
	free(buf);
}

int
poster_valid_id(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 32 && strspn(s, "0123456789") == n;
}

/*
 * "reply_to" of a --json line (when the tool has replies): *reply, or
 * NULL; -1 when it is there but no post id.
 */
static int
json_reply(struct poster_run *r, json_t *v, const char **reply, char *buf,
    size_t len)
{
	json_t *rt = json_object_get(v, "reply_to");

	*reply = NULL;
	if (!r->p->replies)
		return 0;
	if (json_is_integer(rt) && json_integer_value(rt) > 0) {
		(void)snprintf(buf, len, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(rt));
		*reply = buf;
	} else if (json_is_string(rt))
		*reply = json_string_value(rt);
	return rt != NULL && !json_is_null(rt) && (*reply == NULL ||
	    !poster_valid_id(*reply)) ? -1 : 0;
}

/* One --json value: a post, said to be wrong, or unrendered. */
static void
json_post(struct poster_run *r, struct ht_jstream *js, json_t *v)
{
	json_t *t = json_object_get(v, "text"), *id;
	const char *reply;
	char idbuf[32];
	int bad;

	if (t == NULL && r->p->unrendered != NULL &&
	    json_is_string(json_object_get(v, "error")) &&
	    json_object_get(v, "event") != NULL) {
		r->n++;
		r->p->unrendered(r, v);
		return;
	}
	bad = json_reply(r, v, &reply, idbuf, sizeof idbuf);
	if (!json_is_object(v) || !json_is_string(t) || bad ||
	    json_string_length(t) == 0) {
		r->n++;
		ht_warnx("<stdin>:%ld:%ld: %s", ht_jstream_line(js),
		    ht_jstream_col(js), !json_is_object(v) ?
		    "expected an object {\"text\":...}" :
		    !json_is_string(t) ? "\"text\": expected a string" :
		    bad ? "\"reply_to\": expected a post id" :
		    "\"text\" is empty");
		poster_note(r, EX_DATAERR);
		return;
	}
	id = json_object_get(v, "id");
	/* dh-format --for bluesky's card of the first link, as it is. */
	r->card = json_is_object(json_object_get(v, "card")) ?
	    json_object_get(v, "card") : NULL;
	post_one(r, json_string_value(t), json_string_length(t), reply,
	    json_is_string(id) && json_string_length(id) > 0 &&
	    strlen(json_string_value(id)) == json_string_length(id) ?
	    json_string_value(id) : NULL);
	r->card = NULL;
}

/*
 * {"text":...,"id":...} values, id being the event's (it keeps a queued
 * event from being posted twice); other keys are ignored.
 */
void
poster_read_json(struct poster_run *r)
{
	struct ht_jstream *js;
	struct ht_err e;
	json_t *v;
	int k;

	if ((js = ht_jstream_fd(STDIN_FILENO, "<stdin>", HT_JSON_MAX_VALUE,
	    HT_JSON_MAX_DEPTH)) == NULL) {
		ht_warnx("out of memory");
		poster_note(r, EX_OSERR);
		return;
	}
	while (!r->stop) {
		ht_err_clear(&e);
		if ((k = ht_jstream_next(js, &v, &e)) == 0)
			break;
		if (k == HT_JSTREAM_IOERR || k == HT_JSTREAM_BAD) {
			ht_log_err(&e);
			poster_note(r, k == HT_JSTREAM_IOERR ? EX_IOERR :
			    EX_DATAERR);
			if (k == HT_JSTREAM_IOERR)
				break;
			r->n++;
			continue;
		}
		json_post(r, js, v);
		json_decref(v);
	}
	ht_jstream_free(js);
}

void
poster_post_operands(struct poster_run *r, int argc, char *argv[])
{
	char *joined;
	size_t n = 0, len;
	int i;

	for (i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	if ((joined = malloc(n)) == NULL) {
		ht_warnx("out of memory");
		poster_note(r, EX_OSERR);
		return;
	}
	for (i = 0, n = 0; i < argc; i++) {
		len = strlen(argv[i]);
		memcpy(joined + n, argv[i], len);
		n += len;
		joined[n++] = ' ';
	}
	joined[n - 1] = '\0';
	post_one(r, joined, n - 1, NULL, NULL);
	free(joined);
}

int
poster_start(const struct poster *p)
{
	int own = p->net == HT_NET_X ? HT_ENV_TW : p->net ==
	    HT_NET_MASTODON ? HT_ENV_MASTODON : HT_ENV_BSKY;

	ht_log_open(p->prog, 0);
	/* No core dump, no ptrace by others: this process holds secrets. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* The other tools' secrets do not stay here. */
	ht_env_wipe_secrets(HT_ENV_DH | (HT_ENV_POST & ~own));
	return ht_fds_ensure();
}

void
poster_finish(struct poster_run *r)
{
	struct ht_err e;

	ht_err_clear(&e);
	/* A write error already said is not said again. */
	if (ht_stream_finish(stdout, "stdout", &e) == -1 &&
	    r->status != EX_IOERR) {
		ht_log_err(&e);
		poster_note(r, EX_IOERR);
	}
}

void
poster_free(struct poster_run *r)
{
	ht_queue_close(r->q);
	ht_engine_free(r->engine);
	free(r->helper);
	ht_conf_free(r->conf);
}

/* STATE/queue-NETWORK, a network's queue beside X's; caller frees. */
static char *
default_queue(const struct poster *p)
{
	char *d, *q;

	if ((d = ht_conf_state_dir()) == NULL)
		return NULL;
	if (asprintf(&q, "%s/queue-%s", d, ht_network_name(p->net)) == -1)
		q = NULL;
	free(d);
	return q;
}

/*
 * -F, -S, -R or -C: the last of -F, -S and -R counts (more than one is
 * a misuse, said later), and -C wins over them.
 */
static void
set_mode(struct poster_opts *o, int c)
{
	if (c != 'C')
		o->modes += o->mode != c;
	o->mode = o->mode == 'C' || c == 'C' ? 'C' : c;
}

int
poster_option(struct poster_run *r, int c, struct poster_opts *o)
{
	long long ll;

	switch (c) {
	case '0':
		o->nul = 1;
		break;
	case 'j':
		r->json = 1;
		break;
	case 'n':
		r->dry = 1;
		break;
	case 'v':
		r->verbose = 1;
		break;
	case 'c':
		o->cfile = optarg;
		break;
	case 'q':
	case 'Q':
		if (*optarg == '\0') {
			ht_warnx("-%c: the queue directory is empty", c);
			goto usage;
		}
		*(c == 'q' ? &o->qdir : &o->qdef) = optarg;
		break;
	case 'T':
		if (ht_parse_num(optarg, 1, 86400, &ll) == -1) {
			ht_warnx("-T %s: seconds from 1 to 86400", optarg);
			goto usage;
		}
		r->budget_ms = (long)ll * 1000;
		break;
	case 'F':
	case 'S':
	case 'R':
	case 'C':
		set_mode(o, c);
		break;
	case 'h':
		return ht_print_help(r->p->usage, r->p->help);
	case 'V':
		return ht_print_version(r->p->prog);
	default:
		/* getopt said what is wrong. */
		goto usage;
	}
	return -1;
usage:
	fputs(r->p->usage, stderr);
	return EX_USAGE;
}

int
poster_usage_error(const struct poster_run *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ht_warnx("%s", msg);
	fputs(r->p->usage, stderr);
	return EX_USAGE;
}

/*
 * Options into r and o: 0 to go on, else 1 and *exit the status to exit
 * with (--help, --version, or a misuse, its usage printed).
 */
static int
options(struct poster_run *r, int *argc, char ***argv,
    struct poster_opts *o, int *exit)
{
	int c;

	*exit = -1;
	while (*exit == -1 && (c = getopt_long(*argc, *argv,
	    r->p->check != NULL ? POSTER_OPTSTRING "C" : POSTER_OPTSTRING,
	    longopts, NULL)) != -1)
		*exit = poster_option(r, c, o);
	if (*exit != -1)
		return 1;
	*argc -= optind;
	*argv += optind;
	if (o->mode == 'C' && r->p->check == NULL)
		*exit = poster_usage_error(r, "--check: not for %s",
		    r->p->prog);
	else if (o->mode == 'C' && (o->nul || r->dry || r->json ||
	    o->modes > 0 || o->qdir != NULL || o->qdef != NULL || *argc > 0))
		*exit = poster_usage_error(r, "-C takes no other option but "
		    "-c, -v and -T");
	else if (o->mode == 'F' && (o->nul || r->dry || *argc > 1 || (*argc == 1 &&
	    o->qdir != NULL)))
		*exit = poster_usage_error(r, "-F takes one queue directory, "
		    "and no -0 or -n");
	else
		*exit = poster_operands(r, o, argc, *argv);
	return *exit != -1;
}

int
poster_operands(struct poster_run *r, struct poster_opts *o, int *argc,
    char **argv)
{
	if (POSTER_QUEUE_MODE(o) && *argc == 1) {
		if (*argv[0] == '\0')
			return poster_usage_error(r, "the queue directory is "
			    "empty");
		o->qdir = argv[0];
		*argc = 0;
	}
	if (*argc > 0 && (o->nul || r->json))
		return poster_usage_error(r, "text operands do not go with "
		    "-0 or --json");
	return -1;
}

void
poster_run(struct poster_run *r, const struct poster_opts *o, int argc,
    char *argv[])
{
	if (o->mode == 'F') {
		if (r->engine != NULL || poster_engine(r) == 0)
			poster_flush(r);
	} else if (o->mode == 'S')
		poster_queue_status(r);
	else if (o->mode == 'R')
		poster_retry(r);
	else
		poster_read(r, argc, argv, o->nul);
}

int
poster_init(struct poster_run *r, const struct poster *p)
{
	if (poster_start(p) == -1)
		return -1;
	memset(r, 0, sizeof *r);
	r->p = p;
	r->budget_ms = 60000;
	return 0;
}

int
poster_conf(struct poster_run *r, const char *cfile)
{
	struct ht_err e;

	ht_err_clear(&e);
	if ((r->conf = ht_conf_load(cfile, &e)) == NULL) {
		ht_log_err(&e);
		r->status = EX_CONFIG;
		return -1;
	}
	if (ht_conf_bool(r->conf, "log.syslog", 0))
		ht_log_open(r->p->prog, 1);
	return 0;
}

int
poster_open_queue(struct poster_run *r, const char *qdir, int make)
{
	struct ht_err e;

	if (qdir == NULL || r->dry)
		return 0;
	r->qdir = qdir;
	ht_err_clear(&e);
	if ((r->q = ht_queue_open(qdir, make, &e)) == NULL) {
		ht_warnx("queue %s", e.msg);
		r->status = e.status;
		return -1;
	}
	return 0;
}

void
poster_fail(struct poster_run *r, const struct ht_err *e)
{
	if (e->msg[0] != '\0')
		ht_log_err(e);
	poster_note(r, e->status);
}

void
poster_read(struct poster_run *r, int argc, char *argv[], int nul)
{
	if (argc > 0)
		poster_post_operands(r, argc, argv);
	else if (r->json)
		poster_read_json(r);
	else if (nul)
		poster_read_nul(r);
	else
		poster_read_one(r);
}

/*
 * The queue: -q, or -F's operand, else -Q's; -F alone flushes this
 * network's queue in the state directory (where dh-hook puts it), and
 * one that was never made holds nothing.  0 (r->q set or not), 1 nothing
 * to do, or -1 (said).
 */
static int
setup_queue(struct poster_run *r, const struct poster_opts *o, char **qbuf)
{
	const char *qdir = o->qdir != NULL ? o->qdir : o->qdef;

	if (o->mode == 'F' && qdir == NULL) {
		if ((qdir = *qbuf = default_queue(r->p)) == NULL) {
			ht_warnx("-F: no state directory: name the queue");
			r->status = EX_USAGE;
			return -1;
		}
		if (access(qdir, F_OK) == -1 && errno == ENOENT)
			return 1;
	}
	return poster_open_queue(r, qdir, o->mode != 'F');
}

int
poster_main(const struct poster *p, int argc, char *argv[])
{
	struct poster_opts o;
	char *qbuf = NULL;
	struct poster_run r;
	int s;

	if (poster_init(&r, p) == -1)
		return EX_OSERR;
	memset(&o, 0, sizeof o);
	if (options(&r, &argc, &argv, &o, &s))
		return s;
	if (poster_conf(&r, o.cfile) == -1)
		return r.status;
	if (o.mode == 'C') {
		r.status = p->check(&r);
		goto out;
	}
	p->rule(r.conf, &r.rule);
	r.streaming = o.nul || r.json;
	if (setup_queue(&r, &o, &qbuf) != 0)
		goto out;
	poster_run(&r, &o, argc, argv);
	poster_finish(&r);
out:
	poster_free(&r);
	free(qbuf);
	return r.status;
}

/* "name: value" lines of --check. */
void
poster_check_config(const struct poster_run *r)
{
	char cf[600];

	if (ht_conf_file(r->conf) != NULL)
		printf("config: %s\n", ht_conf_file(r->conf));
	else
		printf("config: none (searched %s)\n",
		    ht_conf_searched(r->conf, cf, sizeof cf));
}

void
poster_check_cred(const struct poster_run *r, const char *setting,
    const char *env)
{
	const char *v = getenv(env);

	if (v != NULL && *v != '\0')
		printf("%s: set, from %s\n", setting, env);
	else if (ht_conf_isset(r->conf, setting))
		printf("%s: set, from %s\n", setting, ht_conf_file(r->conf));
	else
		printf("%s: missing (%s, or the config)\n", setting, env);
}

void
poster_check_queue(const struct poster_run *r)
{
	char *q;

	if ((q = ht_conf_queue_dir(r->conf)) == NULL) {
		printf("queue: none (no HOME and no queue.dir)\n");
		return;
	}
	printf("queue: %s (%s)\n", q, access(q, W_OK) == 0 ? "exists" :
	    errno == ENOENT ? "not made yet" : strerror(errno));
	free(q);
}

char *
poster_state_dir(void)
{
	char *d;

	if ((d = ht_conf_state_dir()) != NULL && ht_mkdirs(d, 0700) == -1) {
		free(d);
		d = NULL;
	}
	return d;
}

const char *
poster_url(const struct ht_conf *c, const char *setting, const char *def,
    const char *path)
{
	static char buf[512];
	const char *u = ht_conf_str(c, setting, def);
	size_t n = strlen(u);

	while (n > 0 && u[n - 1] == '/')
		n--;
	if (snprintf(buf, sizeof buf, "%.*s%s", (int)n, u, path) >=
	    (int)sizeof buf)
		return u;
	return buf;
}

int
poster_need(struct ht_err *e, const char *a, const char *aname,
    const char *b, const char *bname)
{
	int ma = a == NULL || *a == '\0', mb = b == NULL || *b == '\0';

	if (!ma && !mb)
		return 0;
	ht_err_set(e, "missing credentials: %s%s%s", ma ? aname : "",
	    ma && mb ? ", " : "", mb ? bname : "");
	e->status = EX_CONFIG;
	return -1;
}

int
poster_http_url(struct ht_err *e, const char *setting, const char *url)
{
	if (strncmp(url, "https://", 8) == 0 ||
	    strncmp(url, "http://", 7) == 0)
		return 0;
	ht_err_set(e, "%s: \"%s\": not an http or https URL", setting, url);
	e->status = EX_CONFIG;
	return -1;
}

void
poster_wipe(const char *secret, int env)
{
	explicit_bzero((char *)(uintptr_t)secret, strlen(secret));
	ht_env_wipe_secrets(env);
}
