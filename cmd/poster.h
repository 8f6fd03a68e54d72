/*
 * poster — the command side that tw-post, mastodon-post and bsky-post
 * share: reading posts (operands, all of stdin, -0, --json lines with
 * event ids), sending them through the posting engine (post.h), directly
 * or through a queue, printing what became of each post, the exit status.
 * mastodon-post and bsky-post are poster_main with their network; tw-post
 * has options of its own and uses the parts below with its hooks: the
 * options, the config, the queue and the run are set up here for all.
 */
#ifndef HT_POSTER_H
#define HT_POSTER_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "conf.h"
#include "net.h"
#include "post.h"
#include "postlen.h"

struct poster_run;

struct poster {
	const char *prog;	/* "mastodon-post" */
	enum ht_network net;
	const char *usage;	/* the usage line(s), "usage: ...\n" */
	const char *help;	/* what follows it in --help */
	const char *timeout;	/* the setting of a request's timeout */
	/* The endpoint a dry run names (borrowed from conf or static). */
	const char *(*endpoint)(const struct ht_conf *);
	/* The length rule of posts (from the config). */
	void	(*rule)(const struct ht_conf *, struct ht_lenrule *);
	/*
	 * The network, its credentials read from conf (and the
	 * environment) and wiped there; NULL and e (status 78 when one is
	 * missing) when it cannot be made.
	 */
	struct ht_net *(*make)(struct ht_conf *, struct ht_err *e);

	/* A tool with its own checks (tw-post) sets these; else NULL/0. */
	/* The engine's connect (arg the run); NULL: make. */
	struct ht_net *(*connect)(void *, struct ht_err *);
	/* Check, then show, queue or send one post; NULL: the length rule. */
	void	(*post)(struct poster_run *, const char *text, size_t len,
		    const char *reply_to, const char *id);
	/* The engine's report on a queued post; NULL: poster_report. */
	void	(*report)(void *, const struct ht_report *);
	/*
	 * Said after a flush (and the posts recovered from tmp/), before
	 * its counts; NULL: a rate limit.
	 */
	void	(*flushed)(struct poster_run *, const struct ht_flush *);
	/* --json: a line without text but with "error" and "event". */
	void	(*unrendered)(struct poster_run *, json_t *);
	const char *too_big;	/* stdin over the bytes of a post */
	int	replies;	/* --json lines have "reply_to" */
	int	dups;		/* HT_ALREADY is said, not printed as posted */
	/* -C of poster_main's tools (mastodon-post's): the exit status. */
	int	(*check)(struct poster_run *);
};

/* A run of a posting tool: its options, state and exit status. */
struct poster_run {
	const struct poster *p;
	void	*arg;			/* the tool's own */
	int	json, dry, verbose, streaming;
	long	budget_ms;
	struct ht_lenrule rule;
	struct ht_conf *conf;
	struct ht_engine *engine;	/* made on the first send */
	char	*helper;
	long	n;			/* posts seen */
	int	status;
	int	stop;			/* a setup problem: no more posts */
	struct ht_queue *q;		/* -q, -Q, -F */
	const char *qdir;
	int	hold;			/* queue the rest, send nothing more */
	int	flushing;		/* -F: messages name the item */
	const char *text, *event;	/* the post being queued */
	const json_t *card;		/* --json: the line's "card", or NULL */
};

/*
 * The options every posting tool has, for getopt_long: the short ones
 * (a tool adds its own after them) and the long ones (a tool lists its
 * own, then these, then the end).
 */
#define POSTER_OPTSTRING	"0jnvc:q:Q:FT:hV"
#define POSTER_LONGOPTS \
	{ "null", no_argument, NULL, '0' }, \
	{ "json", no_argument, NULL, 'j' }, \
	{ "dry-run", no_argument, NULL, 'n' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "config", required_argument, NULL, 'c' }, \
	{ "time", required_argument, NULL, 'T' }, \
	{ "queue", required_argument, NULL, 'q' }, \
	{ "default-queue", required_argument, NULL, 'Q' }, \
	{ "flush", no_argument, NULL, 'F' }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, 'V' }

/* Lines of --help for these options, in the order the tools list them. */
#define POSTER_HELP_NUL \
    "  -0, --null             stdin holds posts separated by NUL bytes\n"
#define POSTER_HELP_DRY \
    "  -n, --dry-run          check and show what would be sent; " \
    "send nothing\n" \
    "  -v, --verbose          trace each request on stderr " \
    "(secrets redacted)\n"
#define POSTER_HELP_CONF \
    "  -c, --config FILE      read settings from FILE\n" \
    "  -q, --queue DIR        queue each post in DIR first, then send it\n"
#define POSTER_HELP_END \
    "  -T, --time SECONDS     give up on a post after SECONDS (default 60)\n" \
    "  -h, --help             show this help\n" \
    "  -V, --version          show the version\n"

/* The options of poster_main, for the network named (its queue's name). */
#define POSTER_HELP_MAIN(network) \
    POSTER_HELP_NUL \
    "  -j, --json             read {\"text\":...,\"id\":...} lines, write " \
    "JSON lines\n" \
    POSTER_HELP_DRY \
    POSTER_HELP_CONF \
    "  -Q, --default-queue DIR  the same, unless -q names one\n" \
    "  -F, --flush            send what the queue holds, oldest first " \
    "(with\n" \
    "                         no DIR: STATE/queue-" network ", dh-hook's)\n" \
    POSTER_HELP_END

struct poster_opts {
	const char *cfile, *qdir, *qdef;	/* -c, -q, -Q */
	int	nul;				/* -0 */
	int	mode;		/* 'F', 'S', 'R', 'C' (tw-post's), or 0: post */
	int	modes;		/* how many of -F, -S, -R were given */
};

/* -F, -S or -R: a run on the queue. */
#define POSTER_QUEUE_MODE(o)	((o)->mode == 'F' || (o)->mode == 'S' || \
	    (o)->mode == 'R')

/*
 * Option c (getopt's, optarg), one of every posting tool's (-0jnvcqQThV,
 * and the modes -F, -S, -R, -C of those that have them) or a misuse:
 * -1 taken, else the status to exit with (--help, --version, or
 * EX_USAGE with the usage said).
 */
int	poster_option(struct poster_run *, int c, struct poster_opts *);

/*
 * The operands, after the options (and the tool's own checks of them):
 * the queue directory of -F, -S or -R, else the text of a post, which
 * does not go with -0 or --json.  -1 to go on, else EX_USAGE (said).
 */
int	poster_operands(struct poster_run *, struct poster_opts *, int *argc,
	    char **argv);

/*
 * What the command line asks for: -F, -S, -R (the queue r->q), else
 * the posts (poster_read).
 */
void	poster_run(struct poster_run *, const struct poster_opts *, int argc,
	    char *argv[]);

/* A post id: decimal digits, as X writes them. */
int	poster_valid_id(const char *);

/* main() of a posting tool. */
int	poster_main(const struct poster *, int argc, char *argv[]);

/*
 * The tool of mastodon-post and bsky-post, whose main() (poster-main.c)
 * is poster_main with it.
 */
extern const struct poster poster_tool;

/*
 * The start of a run: poster_start, then r zeroed for tool p, with the
 * default time budget.  -1 when poster_start fails.
 */
int	poster_init(struct poster_run *, const struct poster *p);

/* A misuse said (prog: message), then the usage: EX_USAGE. */
int	poster_usage_error(const struct poster_run *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * The config (-c's file, else the search) into r->conf, syslog when
 * log.syslog says so: 0, or -1 (said, status 78).
 */
int	poster_conf(struct poster_run *, const char *cfile);

/*
 * The queue in qdir, if any and not a dry run, into r->q and r->qdir;
 * made only when make (queueing: a flush of a typo finds nothing).  0,
 * or -1 (said, status set).
 */
int	poster_open_queue(struct poster_run *, const char *qdir, int make);

/* An engine failure: said unless it was (empty message), status noted. */
void	poster_fail(struct poster_run *, const struct ht_err *);

/*
 * The state directory (ht_conf_state_dir), made (mode 700) when missing.
 * NULL when there is none.  Caller frees.
 */
char	*poster_state_dir(void);

/* For the networks' make and endpoint: */
/* A setting's URL without its trailing '/', then path (static buffer). */
const char *poster_url(const struct ht_conf *, const char *setting,
	    const char *def, const char *path);
/* -1 and e (78, "missing credentials: ...") when a or b is empty. */
int	poster_need(struct ht_err *e, const char *a, const char *aname,
	    const char *b, const char *bname);
/* -1 and e (78) when url is not http(s). */
int	poster_http_url(struct ht_err *e, const char *setting,
	    const char *url);
/* The network holds a copy: secret wiped where it was found, and env's. */
void	poster_wipe(const char *secret, int env);

/* No core dump, the other tools' secrets wiped, fds 0-2: -1 if not. */
int	poster_start(const struct poster *);

/* Keep status s if it is graver than the run's. */
void	poster_note(struct poster_run *, int s);

/* "post N: " in streams, nothing for one post (a static buffer). */
const char *poster_which(const struct poster_run *);

/* One JSON line (o consumed) to stdout, flushed: -1 when it fails (said). */
int	poster_emit_json(struct poster_run *, json_t *o);

/* Stdout failed: said, status 74, no more posts; -1. */
int	poster_write_failed(struct poster_run *);

/* A post made, a post the network had, a post left in the queue. */
void	poster_print_posted(struct poster_run *, const struct ht_outcome *,
	    const char *text, size_t len, const char *event);
void	poster_print_duplicate(struct poster_run *, const char *prefix,
	    const struct ht_outcome *, const char *text, size_t len);
void	poster_print_queued(struct poster_run *, const char *prefix,
	    const char *why, const char *text);

/* "post N: " or "DIR/new/NAME: ", then "event ID: " when there is one. */
const char *poster_item_prefix(const struct poster_run *, const char *name,
	    const char *event, char *buf, size_t len);

/* The engine's report on a post of the queue, in words. */
void	poster_report(void *, const struct ht_report *);

/* The posting engine (r->engine): 0, or -1 (said, status noted). */
int	poster_engine(struct poster_run *);

/* Send one post (not queued) and say what became of it. */
void	poster_send(struct poster_run *, const struct ht_post *, size_t len);

/* -q: write the post to the queue, then send it (unless held). */
void	poster_queue_post(struct poster_run *, const char *text,
	    const char *reply_to, const char *id);

/* -F: send what the queue holds, and say what was done. */
void	poster_flush(struct poster_run *);

/* The posts: the operands joined, all of stdin, -0's, --json's. */
void	poster_post_operands(struct poster_run *, int argc, char *argv[]);
void	poster_read_one(struct poster_run *);
void	poster_read_nul(struct poster_run *);
void	poster_read_json(struct poster_run *);
/* The one of them the command line asks for (nul: -0). */
void	poster_read(struct poster_run *, int argc, char *argv[], int nul);

/*
 * A post's bytes: not over the limit of a post, no NUL byte.  0, or -1
 * (said, status 65).
 */
int	poster_bytes_ok(struct poster_run *, const char *text, size_t len);

/* --check's lines: the config file read (or the files searched), */
void	poster_check_config(const struct poster_run *);
/* where a credential comes from (env, setting, or missing), */
void	poster_check_cred(const struct poster_run *, const char *setting,
	    const char *env);
/* the default queue (ht_conf_queue_dir) and whether it exists. */
void	poster_check_queue(const struct poster_run *);

/* poster-queue.c: "08:00:00 UTC", for a rate limit's reset. */
const char *poster_clock(time_t, char *, size_t);

/* -S: the queue's counts, ages and items, in words or one JSON line. */
void	poster_queue_status(struct poster_run *);

/* -R: failed posts queued again, unrendered events to stdout. */
void	poster_retry(struct poster_run *);

/* --json's line of an event dh-format could not render: kept in failed/. */
void	poster_keep_event(struct poster_run *, json_t *);

/* The end of a run: stdout flushed (or said); everything freed. */
void	poster_finish(struct poster_run *);
void	poster_free(struct poster_run *);

#endif
