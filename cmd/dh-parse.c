/*
 * dh-parse — registry push payloads in, hubtweet events out.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "conf.h"
#include "drain.h"
#include "event.h"
#include "filter.h"
#include "group.h"
#include "httpreq.h"
#include "jstream.h"
#include "log.h"
#include "releases.h"
#include "secret.h"
#include "slot.h"
#include "source.h"
#include "spool.h"
#include "util.h"
#include "webhook.h"

static const char usage_text[] =
    "usage: dh-parse [-LPu] [-c file] [-t source] [-i glob] [-x glob] "
    "[-r glob] [-R glob] [-w seconds] [-s dir | -S dir | -T] [file ...]\n"
    "       dh-parse -H [-LP] [-c file] [-k file] [-s dir | -S dir | -T] "
    "[-w seconds] [-i glob] [-x glob] [-r glob] [-R glob]\n"
    "       dh-parse -D [-nW] [-c file] [-s dir | -S dir | -T] -- command "
    "[arg ...]\n"
    "       dh-parse -C [-LP] [-c file] [-k file]\n"
    "       dh-parse -m | -f repo:tag [-c file] [-s dir | -S dir | -T]\n";

static const char help_text[] =
    "Read registry push payloads and write one event per line.\n"
    "\n"
    "  -c, --config FILE        read settings from FILE\n"
    "  -t, --source NAME        read every payload as NAME's: dockerhub,\n"
    "                           github, harbor, quay or registry (default:\n"
    "                           as each payload's shape says)\n"
    "  -i, --include-tag GLOB   announce only tags matching GLOB\n"
    "  -x, --exclude-tag GLOB   skip tags matching GLOB\n"
    "  -r, --include-repo GLOB  announce only repositories matching GLOB\n"
    "  -R, --exclude-repo GLOB  skip repositories matching GLOB\n"
    "  -L, --latest             do not skip the tag 'latest'\n"
    "  -P, --include-private    do not skip private repositories\n"
    "  -w, --group-window SECS  one event for a repository's pushes until\n"
    "                           SECS pass without one (60; 0: one per push)\n"
    "  -u, --unbuffered         flush each event as it is written\n"
    "  -H, --http               read one webhook delivery (an HTTP request)\n"
    "                           on fd 0, answer it there, event to stdout\n"
    "  -k, --key-file FILE      with -H: the shared key is in FILE\n"
    "  -s, --spool DIR          with -H: keep each delivery in the spool DIR\n"
    "                           before answering 200; with -D: drain DIR;\n"
    "                           the memory of releases is DIR's\n"
    "  -S, --default-spool DIR  the same, unless spool.dir is set\n"
    "  -T, --state-spool        the same, in the state directory's spool\n"
    "  -D, --drain              give the closed groups' events to command;\n"
    "                           remove them when command exits 0 or 75\n"
    "  -W, --wait               with -D: unless another drain runs, wait for\n"
    "                           each group's window and drain it, until no\n"
    "                           group is left open\n"
    "  -m, --releases           show the releases remembered\n"
    "  -f, --forget REPO:TAG    forget the release of REPO that has TAG\n"
    "  -C, --check              check the config and the key, say which\n"
    "                           files were read; read no input\n"
    "  -h, --help               show this help\n"
    "  -V, --version            show the version\n";

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "source", required_argument, NULL, 't' },
	{ "include-tag", required_argument, NULL, 'i' },
	{ "exclude-tag", required_argument, NULL, 'x' },
	{ "include-repo", required_argument, NULL, 'r' },
	{ "exclude-repo", required_argument, NULL, 'R' },
	{ "latest", no_argument, NULL, 'L' },
	{ "include-private", no_argument, NULL, 'P' },
	{ "group-window", required_argument, NULL, 'w' },
	{ "unbuffered", no_argument, NULL, 'u' },
	{ "http", no_argument, NULL, 'H' },
	{ "key-file", required_argument, NULL, 'k' },
	{ "check", no_argument, NULL, 'C' },
	{ "spool", required_argument, NULL, 's' },
	{ "default-spool", required_argument, NULL, 'S' },
	{ "state-spool", no_argument, NULL, 'T' },
	{ "drain", no_argument, NULL, 'D' },
	{ "wait", no_argument, NULL, 'W' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "releases", no_argument, NULL, 'm' },
	{ "forget", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* Patterns from the command line, which replace the config's. */
struct globs {
	const char **v;
	size_t n;
};

static int
globs_add(struct globs *g, const char *s)
{
	const char **nv;

	if ((nv = realloc(g->v, (g->n + 1) * sizeof *nv)) == NULL)
		return -1;
	nv[g->n++] = s;
	g->v = nv;
	return 0;
}

/* Options, else the config's list. */
static int
globs_pick(struct globs *opt, const struct ht_conf *conf, const char *name,
    const char ***out, size_t *n)
{
	int r;

	if (opt->n > 0) {
		*out = opt->v;
		*n = opt->n;
		opt->v = NULL;
		return 0;
	}
	if ((r = ht_conf_list(conf, name, out)) == -1)
		return -1;
	*n = (size_t)r;
	return 0;
}

static int unbuffered;

/* Write one event line; -1 when stdout fails. */
static int
emit(json_t *ev)
{
	if (json_dumpf(ev, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER) == -1 ||
	    putchar('\n') == EOF || (unbuffered && fflush(stdout) == EOF))
		return -1;
	return 0;
}

/* An event as a group of one, with its tags; -1 when stdout fails. */
static int
emit_one(json_t *ev)
{
	struct ht_err e;
	json_t *g;
	int r;

	ht_err_clear(&e);
	if ((g = ht_group_event(&ev, 1, &e)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	r = emit(g);
	json_decref(g);
	return r;
}

struct parse {
	const struct ht_filter *filter;
	struct ht_grouper *grouper;
	json_t *mem;		/* the stream's memory, without dir */
	const char *dir;	/* the memory of releases of this spool, or NULL */
	long long repeat;
	enum ht_source source;	/* -t, or HT_SRC_ANY */
};

/* Judge ev at now against mem and note it: 1 post it, 0 not, -1 and e. */
static int
judge(json_t *mem, const json_t *ev, long long now, long long repeat,
    struct ht_err *e)
{
	struct ht_judgment j;

	(void)ht_memory_expire(mem, now, repeat);
	if (ht_memory_judge(mem, ev, now, repeat, &j, e) == -1)
		return -1;
	if (j.verdict != HT_VERDICT_NEW)
		ht_info("%s: not posted: %s of %s", json_string_value(
		    json_object_get(ev, "id")), ht_verdict_name(j.verdict),
		    j.id);
	if (ht_memory_note(mem, ev, &j, now, e) == -1)
		return -1;
	return j.verdict == HT_VERDICT_NEW;
}

/*
 * A group's event, from the grouper: written unless the memory (the
 * stream's, or the spool's, locked from the judgment to the save) says
 * it was announced.
 */
static int
emit_group(json_t *ev, long long last, void *arg, struct ht_err *e)
{
	const struct parse *p = arg;
	struct ht_releases rel;
	int r;

	if (p->dir == NULL)
		r = judge(p->mem, ev, last, p->repeat, e);
	else if (ht_releases_open(&rel, p->dir, e) == -1) {
		ht_err_prefix(e, "releases");
		return -1;
	} else {
		if ((r = judge(rel.mem, ev, last, p->repeat, e)) != -1 &&
		    ht_releases_save(&rel, e) == -1) {
			ht_err_prefix(e, "releases");
			r = -1;
		}
		ht_releases_close(&rel);
	}
	if (r != 1)
		return r;
	if (emit(ev) == -1) {
		ht_err_set(e, "stdout: write error: %s", strerror(errno));
		e->status = EX_IOERR;
		return -1;
	}
	return 0;
}

/*
 * One payload: each of its events, unless a filter drops it, to the
 * grouper.  The filters apply per tag, before grouping: a skipped tag is
 * in no group.
 */
static int
parse_one(json_t *v, void *arg, struct ht_err *e)
{
	const struct parse *p = arg;
	char why[512];
	json_t *evs, *ev;
	size_t i;
	int r = 0;

	if ((evs = ht_source_events(v, p->source, why, sizeof why,
	    e)) == NULL)
		return EX_DATAERR;
	json_array_foreach(evs, i, ev) {
		if (ht_filter_event_why(p->filter,
		    json_string_value(json_object_get(ev, "repo_name")),
		    json_string_value(json_object_get(ev, "tag")),
		    json_is_true(json_object_get(ev, "is_private")), why,
		    sizeof why) != NULL)
			ht_info("%s: not posted: %s", json_string_value(
			    json_object_get(ev, "id")), why);
		else if (ht_grouper_add(p->grouper, ev, e) == -1) {
			r = e->status | HT_JSTREAM_STOP;
			break;
		}
	}
	json_decref(evs);
	return r;
}

/*
 * The webhook: one request on fd 0, answered on fd 0.
 */

/* Whether stderr is the connection itself, as inetd and systemd give it. */
static int
stderr_is_connection(void)
{
	struct stat s0, s2;

	return fstat(STDIN_FILENO, &s0) == 0 && fstat(STDERR_FILENO,
	    &s2) == 0 && S_ISSOCK(s2.st_mode) && s0.st_dev == s2.st_dev &&
	    s0.st_ino == s2.st_ino;
}

static int
stdin_is_socket(void)
{
	struct stat st;

	return fstat(STDIN_FILENO, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* The answer to a request, and what the log line says of it. */
struct answer {
	int status;
	const char *outcome;	/* "accepted", "ignored", or NULL */
	const char *id;		/* borrowed from the event, or NULL */
	const char *reason;	/* or NULL */
	const char *logreason;	/* the log's, when it says more, or NULL */
};

static int
reply(const struct answer *a)
{
	char *body;
	int r;

	if ((body = ht_webhook_answer(a->outcome != NULL ? a->outcome :
	    "error", a->id, a->reason)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	r = ht_http_reply(STDIN_FILENO, a->status, a->status == 405 ?
	    "Allow: POST\r\n" : NULL, body, strlen(body));
	free(body);
	return r;
}

/* A setup problem: say so to the sender too when there is one. */
/*
 * After an answer given before the request was read: the write side shut,
 * and what the sender still sends read and dropped (for a second at most),
 * so that closing the connection does not reset it before the sender has
 * read the answer.
 */
static void
early_close(void)
{
	struct ht_httpreq none;

	(void)shutdown(STDIN_FILENO, SHUT_WR);
	memset(&none, 0, sizeof none);
	ht_httpreq_drain(STDIN_FILENO, &none, 64u << 10, 1000);
}

static int
http_fail_setup(int status)
{
	struct answer a = { 500, NULL, NULL, "server misconfigured", NULL };

	if (stdin_is_socket()) {
		(void)reply(&a);
		early_close();
	}
	return status;
}

/*
 * The key: -k FILE, else DH_KEY or dockerhub.key, else dockerhub.key_file,
 * else the file dh-key beside the config: the user's
 * (~/.config/hubtweet/dh-key), else the system's (/etc/hubtweet/dh-key).
 * Returns 1 with the key, 0 when none is configured (e says where it was
 * looked for), -1 when one could not be read.
 */
static int
load_key(const struct ht_conf *conf, const char *keyfile,
    struct ht_secret *key, char *from, size_t fromlen, struct ht_err *e)
{
	const char *v, *env = getenv("DH_KEY");
	char *user, cf[600];
	int r;

	if (keyfile != NULL) {
		(void)snprintf(from, fromlen, "%s (-k)", keyfile);
		return ht_secret_file(key, keyfile, e) == -1 ? -1 : 1;
	}
	if ((v = ht_conf_str(conf, "dockerhub.key", NULL)) != NULL) {
		(void)snprintf(from, fromlen, "%s", env != NULL &&
		    *env != '\0' ? "DH_KEY" : "dockerhub.key");
		return ht_secret_str(key, v, env != NULL && *env != '\0' ?
		    "DH_KEY" : "dockerhub.key", e) == -1 ? -1 : 1;
	}
	if ((v = ht_conf_str(conf, "dockerhub.key_file", NULL)) != NULL) {
		(void)snprintf(from, fromlen, "%s (dockerhub.key_file)", v);
		return ht_secret_file(key, v, e) == -1 ? -1 : 1;
	}
	user = ht_conf_user_path("dh-key");
	if (user != NULL && access(user, F_OK) == 0) {
		(void)snprintf(from, fromlen, "%s", user);
		r = ht_secret_file(key, user, e);
		free(user);
		return r == -1 ? -1 : 1;
	}
	if (access(HT_KEY_SYSTEM, F_OK) == 0) {
		free(user);
		(void)snprintf(from, fromlen, "%s", HT_KEY_SYSTEM);
		return ht_secret_file(key, HT_KEY_SYSTEM, e) == -1 ? -1 : 1;
	}
	ht_err_set(e, "no key configured: set DH_KEY, dockerhub.key or "
	    "dockerhub.key_file, or give -k FILE; searched %s, %s%s%s",
	    ht_conf_searched(conf, cf, sizeof cf), user != NULL ? user : "",
	    user != NULL ? ", " : "", HT_KEY_SYSTEM);
	free(user);
	e->status = EX_CONFIG;
	return 0;
}

/*
 * The other sources, each at its path with its own secret: a setting
 * (which its environment variable overrides), a file the setting names,
 * else a file of the secret's name in $CREDENTIALS_DIRECTORY (systemd's
 * LoadCredential=), beside the user's config, beside the system's.
 */
static const struct source_secret {
	enum ht_source source;
	const char *path;
	const char *setting;	/* and its environment variable: conf.c */
	const char *file_setting;
	const char *file;
} source_secrets[] = {
	{ HT_SRC_GITHUB, "/github", "github.secret", "github.secret_file",
	    "github-secret" },
	{ HT_SRC_HARBOR, "/harbor", "harbor.authorization",
	    "harbor.authorization_file", "harbor-authorization" },
	{ HT_SRC_QUAY, "/quay", "quay.key", "quay.key_file", "quay-key" },
	{ HT_SRC_REGISTRY, "/registry", "registry.authorization",
	    "registry.authorization_file", "registry-authorization" },
};
#define NSOURCES	(sizeof source_secrets / sizeof source_secrets[0])

/* A file's secret, when the file is there: 1, 0 (none), -1 (e). */
static int
secret_beside(const char *dir, const char *file, struct ht_secret *sec,
    char *from, size_t fromlen, struct ht_err *e)
{
	int n;

	if (dir == NULL || *dir != '/')
		return 0;
	n = snprintf(from, fromlen, "%s/%s", dir, file);
	if (n < 0 || (size_t)n >= fromlen || access(from, F_OK) != 0)
		return 0;
	return ht_secret_file(sec, from, e) == -1 ? -1 : 1;
}

/* One source's secret: 1, 0 when it has none (not served), -1 (e). */
static int
load_source_secret(const struct ht_conf *conf,
    const struct source_secret *ss, struct ht_secret *sec, char *from,
    size_t fromlen, struct ht_err *e)
{
	const char *v;
	char *user, *dir;
	int r;

	memset(sec, 0, sizeof *sec);
	if ((v = ht_conf_str(conf, ss->setting, NULL)) != NULL) {
		(void)snprintf(from, fromlen, "%s", ss->setting);
		return ht_secret_str(sec, v, ss->setting, e) == -1 ? -1 : 1;
	}
	if ((v = ht_conf_str(conf, ss->file_setting, NULL)) != NULL) {
		(void)snprintf(from, fromlen, "%s (%s)", v, ss->file_setting);
		return ht_secret_file(sec, v, e) == -1 ? -1 : 1;
	}
	if ((r = secret_beside(getenv("CREDENTIALS_DIRECTORY"), ss->file, sec,
	    from, fromlen, e)) != 0)
		return r;
	if ((user = ht_conf_user_path(ss->file)) != NULL) {
		dir = strrchr(user, '/');
		*dir = '\0';
		r = secret_beside(user, ss->file, sec, from, fromlen, e);
		free(user);
		if (r != 0)
			return r;
	}
	return secret_beside(HT_SYSCONFDIR "/hubtweet", ss->file, sec, from,
	    fromlen, e);
}

static void
wipe_secrets(struct ht_secret secs[NSOURCES + 1])
{
	size_t i;

	for (i = 0; i <= NSOURCES; i++)
		ht_secret_wipe(&secs[i]);
}

/*
 * Every source's secret, Docker Hub's key first (secs[0]), then
 * source_secrets' order.  Returns how many were found, or -1 when one
 * could not be read (said); 0 (said) when none was.  With show, where
 * each comes from is printed (--check).
 */
static int
load_secrets(const struct ht_conf *conf, const char *keyfile,
    struct ht_secret secs[NSOURCES + 1], int show)
{
	struct ht_err e, none;
	char from[NSOURCES + 1][600];
	size_t i;
	int r, n = 0, found[NSOURCES + 1];

	ht_err_clear(&e);
	ht_err_clear(&none);
	memset(secs, 0, (NSOURCES + 1) * sizeof *secs);
	if ((r = found[0] = load_key(conf, keyfile, &secs[0], from[0],
	    sizeof from[0], &none)) == -1) {
		ht_log_err(&none);
		return -1;
	}
	n += r;
	for (i = 0; i < NSOURCES; i++) {
		if ((r = found[i + 1] = load_source_secret(conf,
		    &source_secrets[i], &secs[i + 1], from[i + 1],
		    sizeof from[i + 1], &e)) == -1) {
			ht_err_prefix(&e, "%s", source_secrets[i].setting);
			ht_log_err(&e);
			wipe_secrets(secs);
			return -1;
		}
		n += r;
	}
	/* No source at all: Docker Hub's key is what is missing. */
	if (n == 0) {
		ht_log_err(&none);
		return 0;
	}
	for (i = 0; show && i <= NSOURCES; i++)
		printf("%s: %s%s\n", i == 0 ? "key" :
		    source_secrets[i - 1].path + 1, found[i] ? "from " :
		    "none, not served", found[i] ? from[i] : "");
	return n;
}

/*
 * --check: the config read (or the files searched), where each source's
 * secret comes from (read, so that its mode and length are checked), the
 * path, the filters.  Nothing is read from stdin.
 */
static int
check_setup(const struct ht_conf *conf, const struct ht_filter *f,
    const char *keyfile)
{
	struct ht_secret secs[NSOURCES + 1];
	char cf[600];
	const char *path = ht_conf_str(conf, "dockerhub.path",
	    HT_WEBHOOK_PATH);

	if (ht_conf_file(conf) != NULL)
		printf("config: %s\n", ht_conf_file(conf));
	else
		printf("config: none (searched %s)\n",
		    ht_conf_searched(conf, cf, sizeof cf));
	printf("path: %s\n", path);
	printf("skipped: %s%s%s\n", f->skip_latest ? "tag latest" : "",
	    f->skip_latest && f->skip_private ? ", " : "",
	    f->skip_private ? "private repositories" : !f->skip_latest ?
	    "nothing by default" : "");
	(void)fflush(stdout);
	if (load_secrets(conf, keyfile, secs, 1) <= 0)
		return EX_CONFIG;
	wipe_secrets(secs);
	if (path[0] != '/') {
		ht_warnx("dockerhub.path: \"%s\" does not begin with '/'",
		    path);
		return EX_CONFIG;
	}
	return 0;
}

/*
 * A request path fit for a log line.  The query is already gone, but a
 * mangled URL (/dockerhub%3Fkey=..., /dockerhub;key=...) can still carry
 * the key: the path is cut at the first character that a plain path does
 * not need, and "..." marks the cut.
 */
static const char *
loggable(const char *s, char *buf, size_t len)
{
	size_t i;

	if (s == NULL)
		return "-";
	for (i = 0; s[i] != '\0' && i + 4 < len; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || strchr("/._-~", s[i]))) {
			memcpy(buf + i, "...", 4);
			return buf;
		}
		buf[i] = s[i];
	}
	buf[i] = '\0';
	return buf;
}

/*
 * The same for free text, such as a parser's message quoting the body:
 * spaces kept, control characters (an escape sequence, say) replaced.
 */
static const char *
loggable_text(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		buf[i] = (char)((unsigned char)s[i] < ' ' || s[i] == 0x7f ?
		    '?' : s[i]);
	buf[i] = '\0';
	return buf;
}

/*
 * Keep an accepted delivery's events in the spool before it is answered:
 * the 200 says they are on disk.  Returns 0, or -1 and e when one could
 * not be kept.
 */
static int
spool_put(const char *dir, long long window, long long max, const json_t *evs,
    struct ht_err *e)
{
	struct ht_spool *sp;
	char group[HT_SPOOL_NAME_MAX];
	size_t i;
	int r = 0;

	if ((sp = ht_spool_open(dir, e)) == NULL) {
		ht_err_prefix(e, "spool");
		return -1;
	}
	for (i = 0; r == 0 && i < json_array_size(evs); i++)
		r = ht_spool_put(sp, json_array_get(evs, i), window, max, group,
		    sizeof group, e) == -1 ? -1 : 0;
	ht_spool_close(sp);
	return r;
}

/*
 * The webhook's settings and secrets, a route per source: 0, or the
 * status to exit with (the sender answered 500).
 */
static int
webhook_setup(const struct ht_conf *conf, const struct ht_filter *f,
    const char *keyfile, struct ht_webhook *w,
    struct ht_secret secs[NSOURCES + 1], struct ht_route routes[NSOURCES],
    struct ht_httpreq_limits *lim)
{
	size_t i;
	int r;

	/* The secrets are in this process's memory: no core dump of them. */
	(void)prctl(PR_SET_DUMPABLE, 0);
	r = load_secrets(conf, keyfile, secs, 0);
	/* Copied: DH_KEY and the others are wiped from the environment. */
	ht_env_wipe_secrets(HT_ENV_DH);
	if (r <= 0)
		return http_fail_setup(EX_CONFIG);
	memset(w, 0, sizeof *w);
	w->path = ht_conf_str(conf, "dockerhub.path", HT_WEBHOOK_PATH);
	if (w->path[0] != '/') {
		ht_warnx("dockerhub.path: \"%s\" does not begin with '/'",
		    w->path);
		wipe_secrets(secs);
		return http_fail_setup(EX_CONFIG);
	}
	w->key = secs[0].buf != NULL ? &secs[0] : NULL;
	for (i = 0; i < NSOURCES; i++) {
		routes[i].path = source_secrets[i].path;
		routes[i].source = source_secrets[i].source;
		routes[i].secret = secs[i + 1].buf != NULL ? &secs[i + 1] :
		    NULL;
	}
	w->routes = routes;
	w->n_routes = NSOURCES;
	w->filter = f;
	w->max_body = (size_t)ht_conf_int(conf, "dockerhub.max_body",
	    HT_HTTP_MAX_BODY);
	lim->max_header = HT_HTTP_MAX_HEADER;
	lim->max_body = w->max_body;
	lim->timeout_ms = (int)ht_conf_int(conf, "dockerhub.timeout",
	    HT_HTTP_TIMEOUT) * 1000;
	lim->header_timeout_ms = (int)ht_conf_int(conf,
	    "dockerhub.header_timeout", HT_HTTP_HEADER_TIMEOUT) * 1000;
	return 0;
}

/*
 * One source holds at most max_per_source handlers: the others are
 * answered 503 at once, before a byte is read, and real deliveries from
 * elsewhere still find a free handler.  0 with *slot (-1: no slots), or
 * the status to exit with (answered).
 */
static int
take_slot(const struct ht_conf *conf, const char *peer, int *slot)
{
	struct answer a = { 0 };
	struct ht_err e;
	const char *slots;
	char addr[80];
	int r;

	slots = ht_conf_str(conf, "dockerhub.slot_dir", NULL);
	if (slots == NULL || *slots == '\0')
		return 0;
	ht_err_clear(&e);
	r = ht_slot_take(slots, ht_peer_addr(STDIN_FILENO, addr,
	    sizeof addr) != NULL ? addr : "-", (int)ht_conf_int(conf,
	    "dockerhub.max_per_source", HT_SLOT_PER_SOURCE), slot, &e);
	if (r == -1) {
		ht_log_err(&e);
		return http_fail_setup(e.status);
	}
	if (r == 0) {
		a.status = 503;
		a.reason = "too many connections from this address";
		if (reply(&a) == -1)
			ht_warnx("http: cannot answer %s: %s", peer,
			    strerror(errno));
		early_close();
		ht_info("http: %s 503 %s", peer, a.reason);
		return EX_TEMPFAIL;
	}
	return 0;
}

/*
 * Read one delivery on fd 0 and answer it there; an accepted one's events
 * in *accepted, an array (caller decrefs).  Returns the exit status.
 */
static int
serve_http(const struct ht_conf *conf, const struct ht_filter *f,
    const char *keyfile, const char *spool, long long window,
    long long max, json_t **accepted)
{
	struct ht_httpreq_limits lim;
	struct ht_httpreq req;
	struct ht_webhook w;
	struct ht_secret secs[NSOURCES + 1];
	struct ht_route routes[NSOURCES];
	struct answer a = { 0 };
	struct ht_err e;
	json_t *evs = NULL;
	char why[512], reason[sizeof e.msg], peer[128], path[129];
	char logreason[sizeof reason];
	int st, r, slot = -1, status = 0;

	if ((r = webhook_setup(conf, f, keyfile, &w, secs, routes,
	    &lim)) != 0)
		return r;
	/* A sender that goes away is an error to report, not a signal. */
	(void)signal(SIGPIPE, SIG_IGN);
	/* Now: once the connection is closed, getpeername(2) cannot tell. */
	(void)ht_peer_name(STDIN_FILENO, peer, sizeof peer);
	if ((r = take_slot(conf, peer, &slot)) != 0) {
		wipe_secrets(secs);
		return r;
	}
	ht_err_clear(&e);

	st = ht_httpreq_read(STDIN_FILENO, &lim, ht_webhook_head, &w, &req,
	    &e);
	/* A source that signs or authorizes in a header: nothing unproven. */
	if (st == 0)
		st = ht_webhook_proof(&w, &req, &e);
	wipe_secrets(secs);
	if (st == 0) {
		switch (ht_webhook_event(&w, req.body, req.body_len, &evs, why,
		    sizeof why, &e)) {
		case 1:
			if (spool != NULL && spool_put(spool, window, max,
			    evs, &e) == -1) {
				/* The sender hears it; the log says why. */
				a.status = 503;
				a.logreason = e.msg;
				a.reason = "cannot keep the delivery now";
				status = EX_TEMPFAIL;
				break;
			}
			a.status = 200;
			a.outcome = "accepted";
			break;
		case 0:
			a.status = 200;
			a.outcome = "ignored";
			a.reason = why;
			break;
		default:
			a.status = 400;
			status = EX_DATAERR;
			break;
		}
		if (json_array_size(evs) > 0)
			a.id = json_string_value(json_object_get(
			    json_array_get(evs, 0), "id"));
	} else {
		a.status = st;
		status = e.status == EX_NOPERM || e.status == EX_OSERR ||
		    e.status == EX_IOERR ? e.status : EX_DATAERR;
	}
	if (a.outcome == NULL && a.reason == NULL) {
		(void)snprintf(reason, sizeof reason, "%s", e.msg);
		a.reason = reason;
	}
	/* The sender has its answer now, and is not held while we post. */
	if (reply(&a) == -1)
		ht_warnx("http: cannot answer %s: %s", peer,
		    strerror(errno));
	(void)shutdown(STDIN_FILENO, SHUT_WR);
	if (st != 0)
		ht_httpreq_drain(STDIN_FILENO, &req, 64u << 20, 2000);
	ht_info("http: %s \"%s %s\" %d id=%s bytes=%zu %s%s%s", peer,
	    req.method != NULL ? req.method : "-",
	    loggable(req.path, path, sizeof path), a.status,
	    a.id != NULL ? a.id : "-", req.bytes_in,
	    a.outcome != NULL ? a.outcome : "",
	    a.outcome != NULL && a.reason != NULL ? ": " : "",
	    a.reason != NULL ? loggable_text(a.logreason != NULL ?
	    a.logreason : a.reason, logreason, sizeof logreason) : "");
	/* The caller passes an accepted event on (the spool has it too). */
	if (a.outcome != NULL && strcmp(a.outcome, "accepted") == 0) {
		*accepted = evs;
		evs = NULL;
	}
	json_decref(evs);
	ht_httpreq_free(&req);
	if (slot != -1)
		(void)close(slot);
	return status;
}

/*
 * -T: the spool in the state directory, made (mode 700) when missing (if
 * it cannot be, putting a delivery there fails, and says why); NULL (said)
 * when there is no state directory.
 */
static char *
state_spool(void)
{
	char *d, *p = NULL;

	if ((d = ht_conf_state_dir()) == NULL) {
		ht_warnx("-T: no HOME nor state directory for the spool");
		return NULL;
	}
	if (asprintf(&p, "%s/spool", d) == -1)
		p = NULL;
	else
		(void)ht_mkdirs(p, 0700);
	free(d);
	return p;
}

/* The command line. */
struct opts {
	struct globs it, xt, ir, xr;
	const char *cfile, *keyfile, *spool, *defspool, *forget;
	enum ht_source source;
	long long window, max, repeat;
	int http, drainer, keep_latest, keep_private, check, state, wait;
	int releases;
	int dry;		/* -D -n: the memory of releases read, not written */
};

/* One option: -1 taken, else the status to exit with. */
static int
option(int c, struct opts *o)
{
	switch (c) {
	case 'c':
		o->cfile = optarg;
		break;
	case 't':
		if (ht_source_parse(optarg, &o->source) == -1) {
			ht_warnx("-t: \"%s\": no such source (dockerhub, "
			    "github, harbor, quay, registry, any)", optarg);
			return EX_USAGE;
		}
		break;
	case 'i':
	case 'x':
	case 'r':
	case 'R':
		if (globs_add(c == 'i' ? &o->it : c == 'x' ? &o->xt :
		    c == 'r' ? &o->ir : &o->xr, optarg) == -1) {
			ht_warnx("out of memory");
			return EX_OSERR;
		}
		break;
	case 'L':
		o->keep_latest = 1;
		break;
	case 'P':
		o->keep_private = 1;
		break;
	case 'u':
		unbuffered = 1;
		break;
	case 'w':
		if (ht_parse_num(optarg, 0, HT_GROUP_WINDOW_MAX,
		    &o->window) == -1) {
			ht_warnx("-w: \"%s\": expected seconds, 0 to %d",
			    optarg, HT_GROUP_WINDOW_MAX);
			return EX_USAGE;
		}
		break;
	case 'H':
		o->http = 1;
		break;
	case 'C':
		o->check = 1;
		break;
	case 'k':
		o->keyfile = optarg;
		break;
	case 's':
		o->spool = optarg;
		break;
	case 'S':
		o->defspool = optarg;
		break;
	case 'D':
		o->drainer = 1;
		break;
	case 'T':
		o->state = 1;
		break;
	case 'W':
		o->wait = 1;
		break;
	case 'n':
		o->dry = 1;
		break;
	case 'm':
		o->releases = 1;
		break;
	case 'f':
		o->forget = optarg;
		break;
	case 'h':
		return ht_print_help(usage_text, help_text);
	case 'V':
		return ht_print_version("dh-parse");
	default:
		fputs(usage_text, stderr);
		return EX_USAGE;
	}
	return -1;
}

/* Options that go together, with n operands: 0, or 64 (said). */
static int
options_check(const struct opts *o, int n)
{
	int memory = o->releases || o->forget != NULL;

	if ((o->http && (o->drainer || n > 0)) ||
	    (o->source != HT_SRC_ANY && (o->http || o->drainer ||
	    o->check)) ||
	    (o->wait && !o->drainer) || (o->dry && !o->drainer) ||
	    (!o->http && !o->check && o->keyfile != NULL) ||
	    (o->check && (o->http || o->drainer || n > 0)) ||
	    (memory && (o->http || o->drainer || o->check || n > 0 ||
	    (o->releases && o->forget != NULL))) ||
	    (o->drainer && n == 0) ||
	    (o->check && (o->spool != NULL || o->defspool != NULL ||
	    o->state)) ||
	    (o->spool != NULL && o->defspool != NULL)) {
		fputs(usage_text, stderr);
		return EX_USAGE;
	}
	return 0;
}

/* The filter: the command line's patterns, else the config's. */
static int
filter_setup(struct opts *o, const struct ht_conf *conf,
    struct ht_filter *f)
{
	if (globs_pick(&o->it, conf, "dockerhub.include_tags",
	    &f->include_tags, &f->n_include_tags) == -1 ||
	    globs_pick(&o->xt, conf, "dockerhub.exclude_tags",
	    &f->exclude_tags, &f->n_exclude_tags) == -1 ||
	    globs_pick(&o->ir, conf, "dockerhub.include_repos",
	    &f->include_repos, &f->n_include_repos) == -1 ||
	    globs_pick(&o->xr, conf, "dockerhub.exclude_repos",
	    &f->exclude_repos, &f->n_exclude_repos) == -1) {
		ht_warnx("out of memory");
		return EX_OSERR;
	}
	f->skip_latest = o->keep_latest ? 0 :
	    ht_conf_bool(conf, "dockerhub.skip_latest", 1);
	f->skip_private = o->keep_private ? 0 :
	    !ht_conf_bool(conf, "dockerhub.include_private", 0);
	return 0;
}

/* -H: one delivery. */
static int
http_main(const struct ht_conf *conf, const struct ht_filter *f,
    const struct opts *o, const char *spool)
{
	json_t *accepted = NULL;
	size_t i;
	int status;

	status = serve_http(conf, f, o->keyfile, spool, o->window, o->max,
	    &accepted);
	/* Without a spool, the events go on now; with one, they wait there. */
	for (i = 0; spool == NULL && i < json_array_size(accepted); i++)
		if (emit_one(json_array_get(accepted, i)) == -1) {
			ht_warnx("stdout: write error: %s", strerror(errno));
			status = EX_IOERR;
			break;
		}
	json_decref(accepted);
	return ht_log_finish(status);
}

/*
 * Payloads in files or on stdin: events out, grouped, what was announced
 * before in the stream (or in dir's memory) not written.
 */
static int
pipe_main(const struct ht_filter *f, const struct opts *o, const char *dir,
    int argc, char *argv[])
{
	struct parse p = { NULL, NULL, NULL, NULL, 0, HT_SRC_ANY };
	struct ht_err e;
	int status;

	p.filter = f;
	p.dir = dir;
	p.repeat = o->repeat;
	p.source = o->source;
	if ((p.mem = json_array()) == NULL || (p.grouper =
	    ht_grouper_new(o->window, o->max, emit_group, &p)) == NULL) {
		json_decref(p.mem);
		ht_warnx("out of memory");
		return EX_OSERR;
	}
	status = ht_jstream_files(argc, argv, parse_one, &p, ht_log_err);
	/* After a write error, what is left is not to be written. */
	ht_err_clear(&e);
	if (status != EX_IOERR && ht_grouper_finish(p.grouper, &e) == -1) {
		ht_log_err(&e);
		status = e.status;
	}
	ht_grouper_free(p.grouper);
	json_decref(p.mem);
	return ht_log_finish(status);
}

/* An RFC 3339 UTC time of Unix seconds t into buf. */
static const char *
utc(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len,
	    "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(buf, len, "%lld", t);
	return buf;
}

/*
 * -m: the releases remembered, one a line: repo:tag, the tags, the id,
 * when; -f REPO:TAG: forget that release.
 */
static int
memory_main(const struct opts *o, const char *dir)
{
	struct ht_releases rel;
	struct ht_err e;
	const json_t *m, *t;
	const char *colon;
	char when[40], *repo = NULL;
	size_t i, k, n;
	int status = 0;

	ht_err_clear(&e);
	if (o->forget != NULL && ((colon = strrchr(o->forget, ':')) == NULL ||
	    colon == o->forget || colon[1] == '\0')) {
		ht_warnx("-f: \"%s\": expected REPO:TAG", o->forget);
		return EX_USAGE;
	}
	if (ht_releases_open(&rel, dir, &e) == -1) {
		ht_warnx("releases: %s", e.msg);
		return e.status;
	}
	if (o->forget != NULL) {
		colon = strrchr(o->forget, ':');
		if ((repo = strndup(o->forget, (size_t)(colon - o->forget))) ==
		    NULL) {
			ht_warnx("out of memory");
			status = EX_OSERR;
		} else if ((n = ht_memory_forget(rel.mem, repo, colon + 1)) ==
		    0) {
			ht_warnx("-f: %s: not remembered", o->forget);
			status = EX_DATAERR;
		} else if (ht_releases_save(&rel, &e) == -1) {
			ht_warnx("releases: %s: %s", dir, e.msg);
			status = e.status;
		} else
			ht_info("%s: forgotten (%zu release%s)", o->forget, n,
			    n == 1 ? "" : "s");
		goto out;
	}
	for (i = 0; i < json_array_size(rel.mem); i++) {
		m = json_array_get(rel.mem, i);
		printf("%s:%s\t", json_string_value(json_object_get(m, "repo")),
		    json_string_value(json_object_get(m, "tag")));
		for (k = 0; k < json_array_size(json_object_get(m, "tags"));
		    k++) {
			t = json_array_get(json_object_get(m, "tags"), k);
			printf("%s%s", k > 0 ? "," : "", json_is_string(t) ?
			    json_string_value(t) : "?");
		}
		printf("\t%s\t%s\n", json_string_value(json_object_get(m,
		    "id")), utc((long long)json_integer_value(
		    json_object_get(m, "at")), when, sizeof when));
	}
out:
	free(repo);
	ht_releases_close(&rel);
	return ht_log_finish(status);
}

/* The modes, once the options are read and the config loaded. */
static int
run(struct opts *o, const struct ht_conf *conf, int argc, char *argv[])
{
	struct ht_filter f = { 0 };
	const char *spool = o->spool;
	char *statespool = NULL;
	int status;

	if (spool == NULL)
		spool = ht_conf_str(conf, "spool.dir", o->defspool);
	if (spool == NULL && o->state && (spool = statespool =
	    state_spool()) == NULL) {
		status = o->http ? http_fail_setup(EX_CANTCREAT) : EX_CANTCREAT;
		goto out;
	}
	if (o->window == -1)
		o->window = ht_conf_int(conf, "dockerhub.group_window",
		    HT_GROUP_WINDOW);
	o->max = ht_conf_int(conf, "dockerhub.group_max", HT_GROUP_AGE);
	o->repeat = ht_conf_int(conf, "dockerhub.repeat_window",
	    HT_REPEAT_WINDOW);
	if (o->drainer) {
		/* The webhook's secrets are not the drain's, nor its command's. */
		ht_env_wipe_secrets(HT_ENV_DH);
		if (spool == NULL)
			ht_warnx("-D: no spool: give -s DIR, -T or set "
			    "spool.dir");
		status = spool == NULL ? EX_USAGE : o->wait ?
		    drain_burst(spool, o->repeat, o->dry, argv) :
		    drain_all(spool, o->repeat, o->dry, argv);
	} else if (o->releases || o->forget != NULL) {
		if (spool == NULL)
			ht_warnx("-%c: no memory of releases: give -s DIR, -T "
			    "or set spool.dir", o->releases ? 'm' : 'f');
		status = spool == NULL ? EX_USAGE : memory_main(o, spool);
	} else if ((status = filter_setup(o, conf, &f)) != 0)
		;
	else if (o->check) {
		status = check_setup(conf, &f, o->keyfile);
		ht_env_wipe_secrets(HT_ENV_DH);
		status = ht_log_finish(status);
	} else if (o->http)
		status = http_main(conf, &f, o, spool);
	else {
		ht_env_wipe_secrets(HT_ENV_DH);
		status = pipe_main(&f, o, o->spool != NULL || o->defspool !=
		    NULL || o->state ? spool : NULL, argc, argv);
	}
out:
	free(f.include_tags);
	free(f.exclude_tags);
	free(f.include_repos);
	free(f.exclude_repos);
	free(statespool);
	return status;
}

int
main(int argc, char *argv[])
{
	struct opts o;
	struct ht_conf *conf = NULL;
	struct ht_err e;
	int c, status = -1;

	memset(&o, 0, sizeof o);
	o.window = -1;
	ht_log_open("dh-parse", 0);
	if (ht_fds_ensure() == -1)
		return EX_OSERR;
	while (status == -1 && (c = getopt_long(argc, argv,
	    "c:t:i:x:r:R:CLPuw:Hk:s:S:TDWnmf:hV", longopts, NULL)) != -1)
		status = option(c, &o);
	if (status != -1)
		goto out;
	argc -= optind;
	argv += optind;
	/*
	 * The networks' credentials are the posters': none stays here but
	 * for the command that runs them.
	 */
	if (o.drainer ? drain_keep_secrets() == -1 :
	    (ht_env_wipe_secrets(HT_ENV_POST), 0)) {
		ht_warnx("out of memory");
		status = EX_OSERR;
		goto out;
	}
	if ((status = options_check(&o, argc)) != 0)
		goto out;
	/* Never write a diagnostic into the connection (inetd, systemd). */
	if (o.http && stderr_is_connection())
		ht_log_open("dh-parse", 1);
	ht_err_clear(&e);
	if ((conf = ht_conf_load(o.cfile, &e)) == NULL) {
		ht_log_err(&e);
		status = o.http ? http_fail_setup(EX_CONFIG) : EX_CONFIG;
		goto out;
	}
	if ((o.http || o.drainer) && ht_conf_bool(conf, "log.syslog", 0))
		ht_log_open("dh-parse", 1);
	status = run(&o, conf, argc, argv);
out:
	free(o.it.v);
	free(o.xt.v);
	free(o.ir.v);
	free(o.xr.v);
	ht_conf_free(conf);
	drain_forget_secrets();
	return status;
}
