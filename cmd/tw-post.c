/*
 * tw-post — post text to X, from a shell, a CI job or the end of a pipeline.
 *
 * This process checks, signs and decides; it does not link libcurl.  The
 * HTTP exchange happens in the helper tw-send (lib/xapi.c), started only
 * when there is something to send, so that validation and --dry-run start
 * as fast as the other filters.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "conf.h"
#include "log.h"
#include "net-x.h"
#include "post.h"
#include "poster.h"
#include "queue.h"
#include "tweetlen.h"
#include "utf8.h"
#include "util.h"

static const char usage_text[] =
    "usage: tw-post [-0jnv] [-a version] [-c file] [-q dir | -Q dir] "
    "[-r id] [-T seconds] [text ...]\n"
    "       tw-post -F [-jv] [-a version] [-c file] [-Q dir] [-T seconds] "
    "[dir]\n"
    "       tw-post -S [-j] [-c file] [-Q dir] [dir]\n"
    "       tw-post -R [-c file] [-Q dir] [dir]\n"
    "       tw-post -C [-Ov] [-c file]\n";

static const char help_text[] =
    "Post text to X: the operands joined by spaces, else all of stdin.\n"
    "\n"
    POSTER_HELP_NUL
    "  -j, --json             read {\"text\":...,\"reply_to\":...} lines, "
    "write JSON lines\n"
    POSTER_HELP_DRY
    "  -a, --api VERSION      2 (POST /2/tweets, the default) or 1.1\n"
    POSTER_HELP_CONF
    "  -Q, --default-queue DIR  the same, in queue.dir if that is set, "
    "else DIR\n"
    "  -F, --flush            send what the queue holds, oldest first\n"
    "  -S, --queue-status     show what the queue holds, and why\n"
    "  -R, --retry            queue again what failed (events not "
    "rendered:\n"
    "                         to stdout, for dh-format --json)\n"
    "  -C, --check            check the settings and credentials, say which\n"
    "                         files were read; post nothing\n"
    "  -O, --online           with -C: ask X who the credentials are\n"
    "  -r, --reply-to ID      post as a reply to the post ID\n"
    POSTER_HELP_END
    "\n"
    "Credentials: TW_CONSUMER_KEY, TW_CONSUMER_SECRET, TW_ACCESS_TOKEN,\n"
    "TW_ACCESS_SECRET, or the x group of the config file.\n"
    "-F, -S and -R without a directory: queue.dir, else the state "
    "directory:\n"
    HT_STATE_SYSTEM "/queue for root and its owner,\n"
    "else ~/.local/state/hubtweet/queue.\n";

static const struct option longopts[] = {
	{ "api", required_argument, NULL, 'a' },
	{ "reply-to", required_argument, NULL, 'r' },
	{ "queue-status", no_argument, NULL, 'S' },
	{ "retry", no_argument, NULL, 'R' },
	{ "check", no_argument, NULL, 'C' },
	{ "online", no_argument, NULL, 'O' },
	POSTER_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

/* What only X has: the API version, its limit, -r, the endpoint. */
struct x {
	int v1;
	long max;		/* weighted length limit (format.max_length) */
	const char *reply_to;		/* -r */
	const char *endpoint;		/* the URL posts go to (poster_url's) */
	struct ht_net_x_conf xc;
};

#define X(r)	((struct x *)(r)->arg)

/*
 * The engine's connect: X with the credentials of the config (wiped
 * there).  What is missing is said here (e's message then empty).
 */
static struct ht_net *
connect_x(void *arg, struct ht_err *e)
{
	struct poster_run *r = arg;
	struct ht_net *x;

	if ((x = ht_net_x_from_conf(r->conf, &X(r)->xc, e)) == NULL) {
		r->stop = 1;
		/* Said at once, the post's own message after it. */
		if (e->status == EX_CONFIG) {
			ht_log_err(e);
			poster_note(r, EX_CONFIG);
			e->msg[0] = '\0';
		}
	}
	return x;
}

/* --dry-run: show what would be sent.  -1 when stdout fails. */
static int
dry_show(struct poster_run *r, const char *text, size_t len,
    const char *reply_to, const struct ht_tweetlen *tl)
{
	char *body;
	json_t *o;
	int ret;

	if (r->json) {
		o = ht_tweetlen_json(text, len, tl);
		if (o != NULL && reply_to != NULL)
			(void)json_object_set_new(o, "reply_to",
			    json_string(reply_to));
		return poster_emit_json(r, o);
	}
	if (!tl->valid)
		return 0;
	if ((body = ht_net_x_body(X(r)->v1, text, reply_to)) == NULL) {
		ht_warnx("out of memory");
		poster_note(r, EX_OSERR);
		r->stop = 1;
		return -1;
	}
	/* X bills a post with a URL at a higher price: say so before. */
	ret = printf("dry run: POST %s (%ld/%ld%s): %s\n", X(r)->endpoint,
	    tl->weighted, X(r)->max, tl->urls > 0 ? ", contains a link" : "",
	    body) < 0 || fflush(stdout) == EOF ? poster_write_failed(r) : 0;
	free(body);
	return ret;
}

/* Check, then show, queue or send one post. */
static void
post(struct poster_run *r, const char *text, size_t len, const char *reply_to,
    const char *id)
{
	struct ht_post p = { 0 };
	struct ht_tweetlen tl;
	struct ht_err e;

	r->n++;
	if (reply_to == NULL)
		reply_to = X(r)->reply_to;
	p.text = text;
	p.reply_to = reply_to;
	p.id = id;
	ht_err_clear(&e);
	if (poster_bytes_ok(r, text, len) == -1)
		return;
	if (ht_utf8_blank(text, len)) {
		ht_warnx("%s%s; nothing sent", poster_which(r), len == 0 ?
		    "empty" : "blank: only white space");
		poster_note(r, EX_DATAERR);
		return;
	}
	if (ht_tweetlen(text, len, X(r)->max, &tl, &e) == -1) {
		if (e.col > 0)
			ht_warnx("%s%s at byte %ld; nothing sent", poster_which(r),
			    e.msg, e.col);
		else
			ht_warnx("%s%s", poster_which(r), e.msg);
		poster_note(r, EX_DATAERR);
		return;
	}
	if (r->dry && dry_show(r, text, len, reply_to, &tl) == -1)
		return;
	if (!tl.valid) {
		if (tl.weighted > X(r)->max)
			ht_warnx("%stoo long: weighted length %ld, at most %ld; "
			    "nothing sent", poster_which(r), tl.weighted, X(r)->max);
		else
			ht_warnx("%s%s (weighted length %ld); nothing sent",
			    poster_which(r), tl.why != NULL ? tl.why : "invalid",
			    tl.weighted);
		poster_note(r, EX_DATAERR);
		return;
	}
	if (r->dry)
		return;
	if (r->q != NULL)
		poster_queue_post(r, text, reply_to, id);
	else
		poster_send(r, &p, len);
}

/* A post of the queue that stays there, in words. */
static void
report_kept(struct poster_run *r, const struct ht_report *rep, const char *pre,
    const char *text)
{
	const struct ht_outcome *o = rep->o;
	char why[64], when[32];

	if (o->kind == HT_BUSY && r->flushing)
		ht_info("%sbeing sent by another process; skipped", pre);
	else if (o->kind == HT_LIMITED && !rep->tried) {
		/* A flush says it once, for all the items. */
		if (r->flushing)
			return;
		(void)snprintf(why, sizeof why, "rate limited by X until %s",
		    poster_clock(o->retry_at, when, sizeof when));
		poster_print_queued(r, pre, why, text);
	} else if (o->kind == HT_UNPAID) {
		/* No credits: what to do, and that nothing is lost. */
		ht_warnx("%s%s; the post stays queued%s%s", pre, o->reason,
		    r->flushing ? "" : " in ", r->flushing ? "" : r->qdir);
		poster_print_queued(r, pre, NULL, text);
	} else
		poster_print_queued(r, pre, o->reason, text);
}

/*
 * The engine's report on a post of the queue: what X alone says (a
 * corrupt item, a post kept for X's reasons), else poster_report.
 */
static void
report(void *arg, const struct ht_report *rep)
{
	struct poster_run *r = arg;
	const struct ht_outcome *o = rep->o;
	const char *text = r->flushing ? rep->text : r->text;
	const char *event = r->flushing ? rep->event : r->event;
	char buf[HT_QUEUE_NAME_MAX + 512];

	if (o->kind == HT_CORRUPT) {
		ht_warnx("%s/new/%s: %s; moved to %s/failed/", r->qdir,
		    rep->name, o->reason, r->qdir);
		poster_note(r, o->status);
	} else if (!rep->failed && rep->queued)
		report_kept(r, rep, poster_item_prefix(r, rep->name, event,
		    buf, sizeof buf), text);
	else
		poster_report(arg, rep);
}

/* After a flush: X's rate limit, with its reset. */
static void
flushed(struct poster_run *r, const struct ht_flush *f)
{
	char when[32];

	if (f->held != 0 && f->kept == 0) {
		/* Held from the start, or after a post used the window up. */
		ht_warnx("%s: rate limited by X until %s; %s", r->qdir,
		    poster_clock(f->held, when, sizeof when), f->sent + f->dups >
		    0 ? "the rest waits" : "nothing sent");
		poster_note(r, EX_TEMPFAIL);
	}
}

/* --check without -O: the credentials are all there (not tried). */
static void
check_offline(struct poster_run *r)
{
	struct ht_net *x;
	struct ht_err e;

	ht_err_clear(&e);
	if ((x = connect_x(r, &e)) == NULL) {
		poster_fail(r, &e);
		return;
	}
	ht_net_free(x);
	printf("credentials: all four set (not tried: -O asks X)\n");
}

/* --check -O: who X says the credentials are. */
static void
check_online(struct poster_run *r)
{
	struct ht_outcome o;
	struct ht_err e;

	ht_err_clear(&e);
	if (ht_engine_check(r->engine, &o, &e) == -1)
		poster_fail(r, &e);
	else if (o.kind != HT_POSTED) {
		ht_warnx("credentials: %s", o.reason);
		poster_note(r, o.status);
	} else
		printf("credentials: X says they are @%s (id %s)\n",
		    o.account, o.id);
}

/*
 * --check: what a deployment reads, in words, one "name: value" line each:
 * the config file (or the files searched), where each credential comes
 * from, the endpoint and the default queue; with --online, who X says
 * the credentials are.  Nothing is posted.
 */
static void
check_setup(struct poster_run *r, int online)
{
	size_t i;

	poster_check_config(r);
	for (i = 0; i < 4; i++)
		poster_check_cred(r, ht_net_x_creds[i].setting,
		    ht_net_x_creds[i].env);
	printf("endpoint: %s\n", X(r)->endpoint);
	poster_check_queue(r);
	/* connect_x says what is missing, and the status: after the above. */
	(void)fflush(stdout);
	if (online)
		check_online(r);
	else
		check_offline(r);
}

/* The command line, once read. */
struct opts {
	struct poster_opts c;	/* -0, -c, -q, -Q, -F, -S, -R, -C */
	const char *api;
	int online;
};

/* "2" or "1.1", the API versions of X. */
static int
valid_api(const char *api)
{
	return strcmp(api, "2") == 0 || strcmp(api, "1.1") == 0;
}

/* One option into r or o: -1 to go on, else the exit status. */
static int
option(int c, struct poster_run *r, struct opts *o)
{
	switch (c) {
	case 'a':
		o->api = optarg;
		if (!valid_api(optarg))
			return poster_usage_error(r, "-a %s: the API version "
			    "is 2 or 1.1", optarg);
		break;
	case 'O':
		o->online = 1;
		break;
	case 'r':
		if (!poster_valid_id(optarg))
			return poster_usage_error(r, "-r %s: not a post id",
			    optarg);
		X(r)->reply_to = optarg;
		break;
	default:
		return poster_option(r, c, &o->c);
	}
	return -1;
}

/* The options that do not go together.  -1 to go on, else EX_USAGE. */
static int
options_check(struct poster_run *r, struct opts *o, int *argc, char **argv)
{
	const struct poster_opts *c = &o->c;
	int check = c->mode == 'C';

	if (c->modes > 1 || (POSTER_QUEUE_MODE(c) && (c->nul || r->dry ||
	    X(r)->reply_to != NULL || *argc > 1 || (*argc == 1 &&
	    c->qdir != NULL) || (c->mode == 'R' && r->json))))
		return poster_usage_error(r, "-F, -S and -R take one queue "
		    "directory, and no -0, -n, -r or other -F, -S or -R");
	if ((o->online && !check) || (check && (c->modes > 0 || c->nul ||
	    r->json || r->dry || X(r)->reply_to != NULL || c->qdir != NULL ||
	    *argc > 0)))
		return poster_usage_error(r, "-C takes only -O, -v and -c; "
		    "-O goes with -C");
	return poster_operands(r, &o->c, argc, argv);
}

/*
 * The API version (-a, else x.api_version) and the endpoint (x.api_url):
 * 0, or -1 (said, status 78).
 */
static int
setup_endpoint(struct poster_run *r, const char *api)
{
	struct ht_err e;

	if (api == NULL)
		api = ht_conf_str(r->conf, "x.api_version", "2");
	if (!valid_api(api)) {
		ht_warnx("%s: x.api_version: \"%s\": must be \"2\" or \"1.1\"",
		    ht_conf_file(r->conf) != NULL ? ht_conf_file(r->conf) :
		    "config", api);
		r->status = EX_CONFIG;
		return -1;
	}
	X(r)->xc.v1 = X(r)->v1 = strcmp(api, "1.1") == 0;
	/* xc.api_url is the base for net-x; dry runs show the endpoint. */
	X(r)->xc.api_url = ht_conf_str(r->conf, "x.api_url",
	    HT_NET_X_DEFAULT_URL);
	ht_err_clear(&e);
	if (poster_http_url(&e, "x.api_url", X(r)->xc.api_url) == -1) {
		ht_log_err(&e);
		r->status = e.status;
		return -1;
	}
	X(r)->endpoint = poster_url(r->conf, "x.api_url", HT_NET_X_DEFAULT_URL,
	    X(r)->v1 ? "/1.1/statuses/update.json" : "/2/tweets");
	return 0;
}

/*
 * The queue: -q or the operand of -F and -S, else queue.dir, else -Q's
 * (a wrapper's default that the config may override).  0 (r->q set or
 * not), 1 nothing to do, or -1 (said).
 */
static int
setup_queue(struct poster_run *r, const struct opts *o, char **qbuf)
{
	const char *qdir = o->c.qdir;
	int queue = POSTER_QUEUE_MODE(&o->c);

	if (qdir == NULL && !r->dry)
		qdir = ht_conf_str(r->conf, "queue.dir", o->c.qdef);
	/* The one dh-hook and the flush unit use (ht_conf_queue_dir). */
	if (queue && qdir == NULL &&
	    (qdir = *qbuf = ht_conf_queue_dir(r->conf)) == NULL) {
		ht_warnx("-%c needs a queue directory: name one, or set "
		    "queue.dir (no HOME for the default)", o->c.mode);
		r->status = EX_USAGE;
		return -1;
	}
	/* The default queue before anything was ever queued: nothing. */
	if (*qbuf != NULL && access(*qbuf, F_OK) == -1 && errno == ENOENT) {
		ht_info("%s: no queue yet: nothing %s", *qbuf,
		    o->c.mode == 'F' ? "to send" : o->c.mode == 'S' ?
		    "queued" : "failed");
		return 1;
	}
	/* An empty queue.dir: no queue. */
	return poster_open_queue(r, qdir != NULL && *qdir != '\0' ? qdir :
	    NULL, !queue);
}

static const struct poster xposter = {
	.prog = "tw-post", .net = HT_NET_X, .usage = usage_text,
	.help = help_text, .timeout = "x.timeout", .connect = connect_x,
	.post = post, .report = report, .flushed = flushed,
	.unrendered = poster_keep_event, .too_big = "longer than 65536 bytes",
	.replies = 1, .dups = 1
};

int
main(int argc, char *argv[])
{
	struct poster_run r;
	struct x x;
	struct opts o;
	char *qbuf = NULL;
	int c, k;

	if (poster_init(&r, &xposter) == -1)
		return EX_OSERR;
	memset(&x, 0, sizeof x);
	memset(&o, 0, sizeof o);
	r.arg = &x;
	while ((c = getopt_long(argc, argv, POSTER_OPTSTRING "a:r:CORS",
	    longopts, NULL)) != -1)
		if ((k = option(c, &r, &o)) != -1)
			return k;
	argc -= optind;
	argv += optind;
	if ((k = options_check(&r, &o, &argc, argv)) != -1)
		return k;
	if (poster_conf(&r, o.c.cfile) == -1)
		return r.status;
	/* The limit dh-format fitted to, for accounts with longer posts. */
	x.max = (long)ht_conf_int(r.conf, "format.max_length", HT_TWEET_MAX);
	r.streaming = o.c.nul || r.json;
	if (setup_endpoint(&r, o.api) == -1 ||
	    (!r.dry && poster_engine(&r) == -1) ||
	    setup_queue(&r, &o, &qbuf) != 0)
		goto out;
	if (o.c.mode == 'C')
		check_setup(&r, o.online);
	else
		poster_run(&r, &o.c, argc, argv);
	poster_finish(&r);
out:
	poster_free(&r);
	free(qbuf);
	return r.status;
}
