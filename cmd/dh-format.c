/*
 * dh-format — events (or any JSON objects) in, the text of posts out,
 * each within the length limit of the network it is for (X's weighted
 * length by default; Mastodon's or Bluesky's with --for).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "bsky.h"
#include "conf.h"
#include "event.h"
#include "fit.h"
#include "instance.h"
#include "jstream.h"
#include "log.h"
#include "postlen.h"
#include "template.h"
#include "tweetlen.h"
#include "util.h"

#define MAX_LENGTH_LIMIT	100000	/* as format.max_length allows */

static const char usage_text[] =
    "usage: dh-format [-0Ajnu] [-c file] [-m max] [-N network] "
    "[-t template | -f file]\n"
    "                 [file ...]\n"
    "       dh-format -C [-A] [-c file] [-t template | -f file]\n"
    "       dh-format -L [-c file]\n";

static const char help_text[] =
    "Render a post from each JSON object read (events from dh-parse).\n"
    "\n"
    "  -t, --template TEXT      use TEXT as the template\n"
    "  -f, --template-file FILE read the template from FILE\n"
    "  -N, --for NETWORK        fit to x (280 weighted characters), mastodon\n"
    "                           (500 characters) or bluesky (300 graphemes)\n"
    "  -m, --max-length N       another limit, in the network's unit\n"
    "  -L, --networks           list the networks to post on (networks)\n"
    "  -n, --no-fit             fail on a post over the limit, do not "
    "shorten\n"
    "  -A, --any-json           the input is any JSON, not events: a "
    "template\n"
    "                           may name any field (else only event fields)\n"
    "  -0, --null               end each post with a NUL byte\n"
    "  -j, --json               write {\"text\",\"weighted_length\","
    "\"valid\",\"urls\",\"id\"} lines\n"
    "                           (and \"card\", a link's, for bluesky)\n"
    "  -c, --config FILE        read settings from FILE\n"
    "  -C, --check              check the config and the template, say\n"
    "                           which files were read; read no input\n"
    "  -u, --unbuffered         flush each post as it is written\n"
    "  -h, --help               show this help\n"
    "  -V, --version            show the version\n"
    "\n"
    "Template: {field}, {a.b} for a dotted path, {field:-fallback}, "
    "{{ and }} for braces;\n"
    "a list is joined with \", \" ({tags}).\n"
    "Default: " HT_TEMPLATE_DEFAULT "\n"
    "(and {repo_url} after it for mastodon and bluesky, where a link is "
    "free).\n"
    "A post with a link ({repo_url}) costs more on X: see dh-format(1).\n";

static const struct option longopts[] = {
	{ "template", required_argument, NULL, 't' },
	{ "template-file", required_argument, NULL, 'f' },
	{ "max-length", required_argument, NULL, 'm' },
	{ "for", required_argument, NULL, 'N' },
	{ "networks", no_argument, NULL, 'L' },
	{ "no-fit", no_argument, NULL, 'n' },
	{ "any-json", no_argument, NULL, 'A' },
	{ "check", no_argument, NULL, 'C' },
	{ "null", no_argument, NULL, '0' },
	{ "json", no_argument, NULL, 'j' },
	{ "config", required_argument, NULL, 'c' },
	{ "unbuffered", no_argument, NULL, 'u' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

enum mode { MODE_TEXT, MODE_NUL, MODE_JSON };

struct opts {
	enum mode mode;
	int fit;
	int unbuffered;
	struct ht_lenrule rule;
	const struct ht_template *tpl;
	/* No template (it is broken): why, and the status it gives. */
	const char *broken;
	int broken_status;
};

static unsigned long posts;	/* written so far */

/*
 * Write one post; -1 when stdout fails.  id: the event's id, which --json
 * passes on so that tw-post --queue posts an event once; NULL when none.
 * card: the card of its first link (Bluesky's), which --json passes on
 * too; NULL when none.
 */
static int
emit(const struct opts *o, const struct ht_fit *f, const char *id,
    json_t *card)
{
	json_t *j;
	char *s;
	int r = 0;

	switch (o->mode) {
	case MODE_TEXT:
		/* Posts are separated by a newline, not ended by one. */
		if (posts > 0 && putchar('\n') == EOF)
			return -1;
		if (fwrite(f->text, 1, f->len, stdout) != f->len)
			return -1;
		break;
	case MODE_NUL:
		if (fwrite(f->text, 1, f->len, stdout) != f->len ||
		    putchar('\0') == EOF)
			return -1;
		break;
	case MODE_JSON:
		if ((j = ht_tweetlen_json(f->text, f->len, &f->tl)) == NULL)
			return -1;
		if ((id != NULL && json_object_set_new(j, "id",
		    json_string(id)) == -1) || (card != NULL &&
		    json_object_set(j, "card", card) == -1)) {
			json_decref(j);
			return -1;
		}
		s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(j);
		if (s == NULL)
			return -1;
		if (fputs(s, stdout) == EOF || putchar('\n') == EOF)
			r = -1;
		free(s);
		if (r == -1)
			return -1;
		break;
	}
	posts++;
	if (o->unbuffered && fflush(stdout) == EOF)
		return -1;
	return 0;
}

/*
 * One object: render, fit, write.  Returns 0, EX_DATAERR (reported), or
 * EX_IOERR / EX_OSERR (stop).
 */
static int
format_one(const struct opts *o, const json_t *v, struct ht_err *e)
{
	struct ht_render r = { NULL, 0 };
	struct ht_fit_part *parts = NULL;
	struct ht_fit f = { 0 };
	json_t *card = NULL;
	size_t i;
	int status = 0, fr;

	if (!json_is_object(v)) {
		ht_err_set(e, "expected a JSON object, got %s",
		    json_is_array(v) ? "an array" : json_is_string(v) ?
		    "a string" : json_is_number(v) ? "a number" :
		    json_is_null(v) ? "null" : "a boolean");
		return EX_DATAERR;
	}
	if (ht_template_render(o->tpl, v, &r, e) == -1)
		return EX_DATAERR;
	if ((parts = calloc(r.n + 1, sizeof *parts)) == NULL) {
		ht_err_set(e, "out of memory");
		status = EX_OSERR;
		goto out;
	}
	for (i = 0; i < r.n; i++) {
		parts[i].s = r.v[i].s;
		parts[i].len = r.v[i].len;
		parts[i].cut = r.v[i].field;
	}
	if ((fr = ht_fit_for(&o->rule, parts, r.n, o->fit, &f, e)) == -1) {
		status = EX_DATAERR;
		goto out;
	}
	if (fr == 1 && f.over == 0) {
		ht_err_set(e, "post is %zu bytes, over %s's limit of %zu%s",
		    f.len, ht_network_name(o->rule.net), o->rule.max_bytes,
		    o->fit ? " even with every field shortened" : "");
		status = EX_DATAERR;
		goto out;
	}
	if (fr == 1) {
		if (o->fit)
			ht_err_set(e, "post is %ld over the limit of %ld even "
			    "with every field shortened", f.over, o->rule.max);
		else
			ht_err_set(e, "post weighs %ld, %ld over the limit of "
			    "%ld", f.tl.weighted, f.over, o->rule.max);
		status = EX_DATAERR;
		goto out;
	}
	if (!f.tl.valid) {
		ht_err_set(e, "post %s", strcmp(f.tl.why, "empty") == 0 ?
		    "is empty" : f.tl.why);
		status = EX_DATAERR;
		goto out;
	}
	/* Bluesky shows a link's card only when the post carries it. */
	if (o->mode == MODE_JSON && o->rule.net == HT_NET_BLUESKY &&
	    ht_bsky_card(f.text, f.len, v, &card, e) == -1) {
		status = EX_OSERR;
		goto out;
	}
	if (emit(o, &f, json_is_string(json_object_get(v, "id")) ?
	    json_string_value(json_object_get(v, "id")) : NULL, card) == -1) {
		ht_err_set(e, "stdout: write error: %s", strerror(errno));
		status = EX_IOERR;
	}
out:
	json_decref(card);
	ht_fit_free(&f);
	free(parts);
	ht_render_free(&r);
	return status;
}

/*
 * --json: an object that gives no post is written as a line of its own,
 * {"id","error","status","event"}, which tw-post --json keeps in its
 * queue's failed/ with the reason, so that it can be sent again once the
 * cause is fixed (tw-post --retry).  -1 when stdout fails.
 */
static int
emit_failed(const struct opts *o, json_t *v, const char *why, int status)
{
	json_t *j, *id = json_object_get(v, "id");
	char *s;
	int r = 0;

	if ((j = json_pack("{s:O?,s:s,s:i,s:O}", "id", json_is_string(id) ?
	    id : NULL, "error", why, "status", status, "event", v)) == NULL)
		return -1;
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (s == NULL)
		return -1;
	if (fputs(s, stdout) == EOF || putchar('\n') == EOF ||
	    (o->unbuffered && fflush(stdout) == EOF))
		r = -1;
	free(s);
	return r;
}

/* format_one for the stream: a write error stops it. */
static int
format_each(json_t *v, void *arg, struct ht_err *e)
{
	const struct opts *o = arg;
	char why[sizeof e->msg + 300];
	int s;

	if (o->broken != NULL) {
		ht_err_set(e, "not rendered: %s", o->broken);
		s = o->broken_status;
	} else
		s = format_one(o, v, e);
	if (s == EX_IOERR || s == EX_OSERR)
		return s | HT_JSTREAM_STOP;
	if (s != 0 && o->mode == MODE_JSON && emit_failed(o, v,
	    o->broken != NULL ? o->broken : ht_err_str(e, why, sizeof why),
	    s) == -1) {
		ht_err_set(e, "stdout: write error: %s", strerror(errno));
		return EX_IOERR | HT_JSTREAM_STOP;
	}
	return s;
}

/*
 * -L: the networks of the config's networks list, one a line, each once
 * (default x).  0, EX_CONFIG for an unknown one, EX_IOERR, EX_OSERR.
 */
static int
list_networks(const struct ht_conf *conf)
{
	const char **v = NULL;
	enum ht_network n;
	unsigned seen = 0;
	int i, k, status = 0;

	if ((k = ht_conf_list(conf, "networks", &v)) == -1) {
		ht_warnx("out of memory");
		return EX_OSERR;
	}
	for (i = 0; i < k; i++)
		if (ht_network_parse(v[i], &n) == -1) {
			ht_warnx("%s: networks: \"%s\" is not x, mastodon or "
			    "bluesky", ht_conf_file(conf), v[i]);
			status = EX_CONFIG;
			goto out;
		}
	for (i = 0; i < (k > 0 ? k : 1); i++) {
		if (k > 0)
			(void)ht_network_parse(v[i], &n);
		else
			n = HT_NET_X;
		if ((seen & 1U << n) == 0 && puts(ht_network_name(n)) == EOF) {
			ht_warnx("stdout: write error: %s", strerror(errno));
			status = EX_IOERR;
			goto out;
		}
		seen |= 1U << n;
	}
out:
	free(v);
	return status;
}

/* Read a template file, at most HT_TEMPLATE_MAX bytes; caller frees. */
static char *
read_template(const char *path, size_t *len, int *status)
{
	char *buf;
	size_t n = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1) {
		ht_warnx("%s: cannot open: %s", path, strerror(errno));
		*status = EX_NOINPUT;
		return NULL;
	}
	if ((buf = malloc(HT_TEMPLATE_MAX + 2)) == NULL) {
		(void)close(fd);
		ht_warnx("out of memory");
		*status = EX_OSERR;
		return NULL;
	}
	/* One byte more than allowed tells a template that is too large. */
	while (n < HT_TEMPLATE_MAX + 1) {
		r = read(fd, buf + n, HT_TEMPLATE_MAX + 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			/* An input that cannot be read: a directory, say. */
			ht_warnx("%s: cannot read: %s", path, strerror(errno));
			*status = EX_NOINPUT;
			goto err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > HT_TEMPLATE_MAX) {
		ht_warnx("%s: template larger than %d bytes", path,
		    HT_TEMPLATE_MAX);
		*status = EX_DATAERR;
		goto err;
	}
	(void)close(fd);
	/* The newline that ends the file's last line is not the template's. */
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	*len = n;
	return buf;
err:
	(void)close(fd);
	free(buf);
	return NULL;
}

/* The command line, once read (the rest is in struct opts). */
struct cli {
	const char *cfile, *topt, *fopt, *mopt, *net;
	enum ht_network nid;	/* -N's */
	long long max;		/* -m's */
	int list, anyjson, check;
};

/* The template's text, and its name in messages. */
struct tsrc {
	const char *text, *name;
	size_t len;
	char *buf;		/* -f's file, read; caller frees */
	char namebuf[512];
	int fromconf;		/* format.template: its faults are 78 */
};

static int
usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Say what is wrong with the command line, then the usage: EX_USAGE. */
static int
usage_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ht_warnx("%s", msg);
	fputs(usage_text, stderr);
	return EX_USAGE;
}

/* One option into c or o: -1 to go on, else the exit status. */
static int
option(int ch, struct cli *c, struct opts *o)
{
	switch (ch) {
	case '0':
		o->mode = MODE_NUL;
		break;
	case 'A':
		c->anyjson = 1;
		break;
	case 'C':
		c->check = 1;
		break;
	case 'c':
		c->cfile = optarg;
		break;
	case 'f':
		c->fopt = optarg;
		break;
	case 'j':
		o->mode = MODE_JSON;
		break;
	case 'm':
		c->mopt = optarg;
		break;
	case 'n':
		o->fit = 0;
		break;
	case 'L':
		c->list = 1;
		break;
	case 'N':
		c->net = optarg;
		if (ht_network_parse(optarg, &c->nid) == -1)
			return usage_error("-N: \"%s\" is not x, mastodon or "
			    "bluesky", optarg);
		break;
	case 't':
		c->topt = optarg;
		break;
	case 'u':
		o->unbuffered = 1;
		break;
	case 'h':
		return ht_print_help(usage_text, help_text);
	case 'V':
		return ht_print_version("dh-format");
	default:
		fputs(usage_text, stderr);
		return EX_USAGE;
	}
	return -1;
}

/* The options that do not go together.  -1 to go on, else EX_USAGE. */
static int
options_check(struct cli *c, const struct opts *o, int argc)
{
	if (c->check && argc > 0)
		return usage_error("-C reads no input");
	if (c->topt != NULL && c->fopt != NULL)
		return usage_error("-t and -f exclude each other");
	if (c->mopt != NULL && ht_parse_num(c->mopt, 1, MAX_LENGTH_LIMIT,
	    &c->max) == -1)
		return usage_error("-m: \"%s\" is not a number from 1 to %d",
		    c->mopt, MAX_LENGTH_LIMIT);
	if (c->list && (argc > 0 || c->topt != NULL || c->fopt != NULL ||
	    c->mopt != NULL || c->net != NULL || o->mode != MODE_TEXT ||
	    !o->fit))
		return usage_error("-L takes no other option but -c");
	return -1;
}

/*
 * The length rule: the network (-N, format.network, X), then its limit
 * (-m; Mastodon's: the instance's as mastodon-post --check kept it; the
 * network's setting; the network's own).  0, or 78 (said).
 */
static int
set_rule(const struct ht_conf *conf, struct cli *c, struct ht_lenrule *r)
{
	const char *net = c->net;
	struct ht_err e;

	if (net == NULL && (net = ht_conf_str(conf, "format.network",
	    NULL)) != NULL && ht_network_parse(net, &c->nid) == -1) {
		ht_warnx("%s: format.network: \"%s\" is not x, mastodon or "
		    "bluesky", ht_conf_file(conf), net);
		return EX_CONFIG;
	}
	ht_lenrule_default(net != NULL ? c->nid : HT_NET_X, r);
	if (c->mopt != NULL)
		r->max = (long)c->max;
	else if (r->net == HT_NET_X)
		r->max = (long)ht_conf_int(conf, "format.max_length",
		    HT_TWEET_MAX);
	else if (r->net == HT_NET_MASTODON)
		r->max = (long)ht_conf_int(conf, "mastodon.max_characters",
		    HT_MASTODON_MAX);
	/* Kept limits that cannot be read: said, and the config's stand. */
	ht_err_clear(&e);
	if (r->net == HT_NET_MASTODON && ht_instance_conf_rule(conf,
	    c->mopt != NULL, r, &e) == -1)
		ht_log_err(&e);
	return 0;
}

/*
 * The template: -t, -f, the network's in the config (mastodon.template,
 * bluesky.template), format.template, the network's built-in one.  0, or
 * the status of -f's file that cannot be read (said).
 */
static int
template_source(const struct ht_conf *conf, const struct cli *c,
    enum ht_network net, struct tsrc *t)
{
	const char *set;
	int status = 0;

	t->name = "template";
	if (c->topt != NULL) {
		t->text = c->topt;
		t->len = strlen(t->text);
		return 0;
	}
	if (c->fopt != NULL) {
		if ((t->buf = read_template(c->fopt, &t->len, &status)) ==
		    NULL)
			return status;
		t->text = t->buf;
		t->name = c->fopt;
		return 0;
	}
	if (net == HT_NET_MASTODON && ht_conf_isset(conf, "mastodon.template"))
		set = "mastodon.template";
	else if (net == HT_NET_BLUESKY && ht_conf_isset(conf,
	    "bluesky.template"))
		set = "bluesky.template";
	else
		set = "format.template";
	if ((t->text = ht_conf_str(conf, set, NULL)) != NULL) {
		/* "FILE: format.template:1:7: ..." */
		if (snprintf(t->namebuf, sizeof t->namebuf, "%s: %s",
		    ht_conf_file(conf) != NULL ? ht_conf_file(conf) : "config",
		    set) >= (int)sizeof t->namebuf)
			(void)snprintf(t->namebuf, sizeof t->namebuf, "%s",
			    set);
		t->name = t->namebuf;
		t->fromconf = 1;
	} else
		/* A link costs nothing on Mastodon and Bluesky. */
		t->text = net == HT_NET_X ? HT_TEMPLATE_DEFAULT :
		    HT_TEMPLATE_DEFAULT_LINKED;
	t->len = strlen(t->text);
	return 0;
}

/*
 * The template parsed and, for events, checked: a typo is caught now,
 * not per event.  NULL and e, *status set, when it is wrong.
 */
static struct ht_template *
template_load(const struct tsrc *t, int anyjson, struct ht_err *e,
    int *status)
{
	struct ht_template *tpl;

	ht_err_clear(e);
	if ((tpl = ht_template_parse(t->text, t->len, t->name, e)) == NULL) {
		*status = t->fromconf ? EX_CONFIG : EX_DATAERR;
		return NULL;
	}
	if (!anyjson && ht_template_check(tpl, ht_event_fields, e) == -1) {
		(void)snprintf(e->msg + strlen(e->msg), sizeof e->msg -
		    strlen(e->msg), " (-A for other JSON)");
		*status = t->fromconf ? EX_CONFIG : EX_USAGE;
		ht_template_free(tpl);
		return NULL;
	}
	return tpl;
}

/*
 * -C: the config, the template and the limit, in words, then what is
 * wrong with the template (e) if it is (tpl NULL).  The exit status.
 */
static int
check_setup(const struct ht_conf *conf, const struct cli *c,
    const struct tsrc *t, const struct opts *o,
    const struct ht_template *tpl, const struct ht_err *e, int status)
{
	char cf[sizeof e->msg + 300];

	if (ht_conf_file(conf) != NULL)
		printf("config: %s\n", ht_conf_file(conf));
	else
		printf("config: none (searched %s)\n",
		    ht_conf_searched(conf, cf, sizeof cf));
	printf("template: %s\n", t->fromconf ? t->name : c->topt != NULL ?
	    "-t" : c->fopt != NULL ? c->fopt : o->rule.net == HT_NET_X ?
	    "the built-in one" : "the built-in one, with the link");
	printf("max length: %ld\n", o->rule.max);
	(void)fflush(stdout);
	if (tpl == NULL)
		ht_log_err(e);
	else
		printf("template: every field is %s\n", c->anyjson ?
		    "a dotted path (-A)" : "an event field");
	return ht_log_finish(status);
}

/*
 * A template that is wrong (e): said.  The config's, in a pipeline to
 * tw-post --json (as dh-hook runs it): the events already accepted are
 * passed on as failures, to be kept in the queue, not lost.  The exit
 * status.
 */
static int
format_broken(struct opts *o, const struct tsrc *t, const struct ht_err *e,
    int status, int argc, char *argv[])
{
	char why[sizeof e->msg + 300];

	ht_log_err(e);
	if (!t->fromconf || o->mode != MODE_JSON)
		return status;
	o->broken = ht_err_str(e, why, sizeof why);
	o->broken_status = status;
	(void)ht_jstream_files(argc, argv, format_each, o, ht_log_err);
	return ht_log_finish(status);
}

int
main(int argc, char *argv[])
{
	struct opts o = { MODE_TEXT, 1, 0, { HT_NET_X, HT_TWEET_MAX, 0, 0 },
	    NULL, NULL, 0 };
	struct cli c = { 0 };
	struct tsrc t = { 0 };
	struct ht_template *tpl = NULL;
	struct ht_conf *conf;
	struct ht_err e;
	int ch, status = 0;

	ht_log_open("dh-format", 0);
	/* No secret is needed here: none stays in this process. */
	ht_env_wipe_secrets(HT_ENV_DH | HT_ENV_POST);
	if (ht_fds_ensure() == -1)
		return EX_OSERR;
	while ((ch = getopt_long(argc, argv, "0ACc:f:jLm:nN:t:uhV", longopts,
	    NULL)) != -1)
		if ((status = option(ch, &c, &o)) != -1)
			return status;
	argc -= optind;
	argv += optind;
	if ((status = options_check(&c, &o, argc)) != -1)
		return status;
	status = 0;
	ht_err_clear(&e);
	if ((conf = ht_conf_load(c.cfile, &e)) == NULL) {
		ht_log_err(&e);
		return EX_CONFIG;
	}
	if (c.list)
		status = list_networks(conf);
	else if ((status = set_rule(conf, &c, &o.rule)) == 0 &&
	    (status = template_source(conf, &c, o.rule.net, &t)) == 0) {
		tpl = template_load(&t, c.anyjson, &e, &status);
		if (c.check)
			status = check_setup(conf, &c, &t, &o, tpl, &e, status);
		else if (tpl == NULL)
			status = format_broken(&o, &t, &e, status, argc, argv);
		else {
			o.tpl = tpl;
			status = ht_log_finish(ht_jstream_files(argc, argv,
			    format_each, &o, ht_log_err));
		}
	}
	ht_template_free(tpl);
	free(t.buf);
	ht_conf_free(conf);
	return status;
}
