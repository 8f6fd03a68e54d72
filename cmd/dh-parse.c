/*
 * dh-parse — Docker Hub push payloads in, hubtweet events out.
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
#include <unistd.h>

#include <jansson.h>

#include "conf.h"
#include "event.h"
#include "filter.h"
#include "httpreq.h"
#include "jstream.h"
#include "log.h"
#include "secret.h"
#include "slot.h"
#include "util.h"
#include "webhook.h"

static const char usage_text[] =
    "usage: dh-parse [-LPu] [-c file] [-i glob] [-x glob] [-r glob] "
    "[-R glob] [file ...]\n"
    "       dh-parse -H [-LP] [-c file] [-k file] [-i glob] [-x glob] "
    "[-r glob] [-R glob]\n"
    "       dh-parse -C [-LP] [-c file] [-k file]\n";

static const char help_text[] =
    "Read Docker Hub push payloads and write one event per line.\n"
    "\n"
    "  -c, --config FILE        read settings from FILE\n"
    "  -i, --include-tag GLOB   announce only tags matching GLOB\n"
    "  -x, --exclude-tag GLOB   skip tags matching GLOB\n"
    "  -r, --include-repo GLOB  announce only repositories matching GLOB\n"
    "  -R, --exclude-repo GLOB  skip repositories matching GLOB\n"
    "  -L, --latest             do not skip the tag 'latest'\n"
    "  -P, --include-private    do not skip private repositories\n"
    "  -u, --unbuffered         flush each event as it is written\n"
    "  -H, --http               read one webhook delivery (an HTTP request)\n"
    "                           on fd 0, answer it there, event to stdout\n"
    "  -k, --key-file FILE      with -H: the shared key is in FILE\n"
    "  -C, --check              check the config and the key, say which\n"
    "                           files were read; read no input\n"
    "  -h, --help               show this help\n"
    "  -V, --version            show the version\n";

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "include-tag", required_argument, NULL, 'i' },
	{ "exclude-tag", required_argument, NULL, 'x' },
	{ "include-repo", required_argument, NULL, 'r' },
	{ "exclude-repo", required_argument, NULL, 'R' },
	{ "latest", no_argument, NULL, 'L' },
	{ "include-private", no_argument, NULL, 'P' },
	{ "unbuffered", no_argument, NULL, 'u' },
	{ "http", no_argument, NULL, 'H' },
	{ "key-file", required_argument, NULL, 'k' },
	{ "check", no_argument, NULL, 'C' },
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

/* One payload: its event, unless a filter drops it. */
static int
parse_one(json_t *v, void *arg, struct ht_err *e)
{
	const struct ht_filter *f = arg;
	char why[512];
	json_t *ev;
	int r = 0;

	if ((ev = ht_event_from_payload(v, e)) == NULL)
		return EX_DATAERR;
	if (ht_filter_event_why(f, json_string_value(json_object_get(ev,
	    "repo_name")), json_string_value(json_object_get(ev, "tag")),
	    json_is_true(json_object_get(ev, "is_private")), why,
	    sizeof why) == NULL && emit(ev) == -1) {
		ht_err_set(e, "stdout: write error: %s", strerror(errno));
		r = EX_IOERR | HT_JSTREAM_STOP;
	}
	json_decref(ev);
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
static int
http_fail_setup(int status)
{
	struct answer a = { 500, NULL, NULL, "server misconfigured" };

	if (stdin_is_socket()) {
		(void)reply(&a);
		(void)shutdown(STDIN_FILENO, SHUT_WR);
	}
	return status;
}

/*
 * The key: -k FILE, else DH_KEY or dockerhub.key, else dockerhub.key_file,
 * else the file dh-key beside the config: the user's
 * (~/.config/hubtweet/dh-key), else the system's (/etc/hubtweet/dh-key).
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
		return ht_secret_file(key, keyfile, e);
	}
	if ((v = ht_conf_str(conf, "dockerhub.key", NULL)) != NULL) {
		(void)snprintf(from, fromlen, "%s", env != NULL &&
		    *env != '\0' ? "DH_KEY" : "dockerhub.key");
		return ht_secret_str(key, v, env != NULL && *env != '\0' ?
		    "DH_KEY" : "dockerhub.key", e);
	}
	if ((v = ht_conf_str(conf, "dockerhub.key_file", NULL)) != NULL) {
		(void)snprintf(from, fromlen, "%s (dockerhub.key_file)", v);
		return ht_secret_file(key, v, e);
	}
	user = ht_conf_user_path("dh-key");
	if (user != NULL && access(user, F_OK) == 0) {
		(void)snprintf(from, fromlen, "%s", user);
		r = ht_secret_file(key, user, e);
		free(user);
		return r;
	}
	if (access(HT_KEY_SYSTEM, F_OK) == 0) {
		free(user);
		(void)snprintf(from, fromlen, "%s", HT_KEY_SYSTEM);
		return ht_secret_file(key, HT_KEY_SYSTEM, e);
	}
	ht_err_set(e, "no key configured: set DH_KEY, dockerhub.key or "
	    "dockerhub.key_file, or give -k FILE; searched %s, %s%s%s",
	    ht_conf_searched(conf, cf, sizeof cf), user != NULL ? user : "",
	    user != NULL ? ", " : "", HT_KEY_SYSTEM);
	free(user);
	e->status = EX_CONFIG;
	return -1;
}

/*
 * --check: the config read (or the files searched), where the key comes
 * from (read, so that its mode and length are checked), the path, the
 * filters.  Nothing is read from stdin.
 */
static int
check_setup(const struct ht_conf *conf, const struct ht_filter *f,
    const char *keyfile)
{
	struct ht_secret key;
	struct ht_err e;
	char cf[600], from[600] = "";
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
	ht_err_clear(&e);
	(void)fflush(stdout);
	if (load_key(conf, keyfile, &key, from, sizeof from, &e) == -1) {
		ht_log_err(&e);
		return EX_CONFIG;
	}
	ht_secret_wipe(&key);
	printf("key: from %s\n", from);
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

static int
serve_http(const struct ht_conf *conf, const struct ht_filter *f,
    const char *keyfile)
{
	struct ht_httpreq_limits lim;
	struct ht_httpreq req;
	struct ht_webhook w;
	struct ht_secret key;
	struct answer a = { 0 };
	struct ht_err e;
	json_t *ev = NULL;
	char why[512], reason[sizeof e.msg], peer[128], path[129];
	char logreason[sizeof reason], addr[80], from[600];
	const char *slots;
	int st, r, slot = -1, status = 0;

	/* The key is in this process's memory: no core dump of it. */
	(void)prctl(PR_SET_DUMPABLE, 0);
	ht_err_clear(&e);
	r = load_key(conf, keyfile, &key, from, sizeof from, &e);
	/* Copied: DH_KEY is wiped from the environment (and /proc). */
	ht_env_wipe_secrets(HT_ENV_DH);
	if (r == -1) {
		ht_log_err(&e);
		return http_fail_setup(EX_CONFIG);
	}
	w.path = ht_conf_str(conf, "dockerhub.path", HT_WEBHOOK_PATH);
	if (w.path[0] != '/') {
		ht_warnx("dockerhub.path: \"%s\" does not begin with '/'",
		    w.path);
		ht_secret_wipe(&key);
		return http_fail_setup(EX_CONFIG);
	}
	w.key = &key;
	w.filter = f;
	w.max_body = (size_t)ht_conf_int(conf, "dockerhub.max_body",
	    HT_HTTP_MAX_BODY);
	lim.max_header = HT_HTTP_MAX_HEADER;
	lim.max_body = w.max_body;
	lim.timeout_ms = (int)ht_conf_int(conf, "dockerhub.timeout",
	    HT_HTTP_TIMEOUT) * 1000;
	lim.header_timeout_ms = (int)ht_conf_int(conf,
	    "dockerhub.header_timeout", HT_HTTP_HEADER_TIMEOUT) * 1000;
	/* A sender that goes away is an error to report, not a signal. */
	(void)signal(SIGPIPE, SIG_IGN);
	/* Now: once the connection is closed, getpeername(2) cannot tell. */
	(void)ht_peer_name(STDIN_FILENO, peer, sizeof peer);
	/*
	 * One source holds at most max_per_source handlers: the others are
	 * answered 503 at once, before a byte is read, and real deliveries
	 * from elsewhere still find a free handler.
	 */
	if ((slots = ht_conf_str(conf, "dockerhub.slot_dir", NULL)) != NULL &&
	    *slots != '\0') {
		r = ht_slot_take(slots, ht_peer_addr(STDIN_FILENO, addr,
		    sizeof addr) != NULL ? addr : "-", (int)ht_conf_int(conf,
		    "dockerhub.max_per_source", HT_SLOT_PER_SOURCE), &slot, &e);
		if (r == -1) {
			ht_log_err(&e);
			ht_secret_wipe(&key);
			return http_fail_setup(e.status);
		}
		if (r == 0) {
			ht_secret_wipe(&key);
			a.status = 503;
			a.reason = "too many connections from this address";
			if (reply(&a) == -1)
				ht_warnx("http: cannot answer %s: %s", peer,
				    strerror(errno));
			(void)shutdown(STDIN_FILENO, SHUT_WR);
			ht_info("http: %s 503 %s", peer, a.reason);
			return EX_TEMPFAIL;
		}
	}

	st = ht_httpreq_read(STDIN_FILENO, &lim, ht_webhook_head, &w, &req,
	    &e);
	ht_secret_wipe(&key);
	if (st == 0) {
		switch (ht_webhook_event(&w, req.body, req.body_len, &ev, why,
		    sizeof why, &e)) {
		case 1:
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
		if (ev != NULL)
			a.id = json_string_value(json_object_get(ev, "id"));
	} else {
		a.status = st;
		status = e.status == EX_NOPERM || e.status == EX_OSERR ||
		    e.status == EX_IOERR ? e.status : EX_DATAERR;
	}
	if (a.outcome == NULL) {
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
	    a.reason != NULL ? loggable_text(a.reason, logreason,
	    sizeof logreason) : "");
	if (a.outcome != NULL && strcmp(a.outcome, "accepted") == 0 &&
	    emit(ev) == -1) {
		ht_warnx("stdout: write error: %s", strerror(errno));
		status = EX_IOERR;
	}
	json_decref(ev);
	ht_httpreq_free(&req);
	if (slot != -1)
		(void)close(slot);
	return status;
}

int
main(int argc, char *argv[])
{
	struct globs it = { 0 }, xt = { 0 }, ir = { 0 }, xr = { 0 };
	struct ht_filter f = { 0 };
	struct ht_conf *conf = NULL;
	struct ht_err e;
	const char *cfile = NULL, *keyfile = NULL;
	int c, http = 0, keep_latest = 0, keep_private = 0, check = 0;
	int status = 0;

	ht_log_open("dh-parse", 0);
	/* The networks' credentials are the posters': none stays here. */
	ht_env_wipe_secrets(HT_ENV_POST);
	if (ht_fds_ensure() == -1)
		return EX_OSERR;
	while ((c = getopt_long(argc, argv, "c:i:x:r:R:CLPuHk:hV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			cfile = optarg;
			break;
		case 'i':
		case 'x':
		case 'r':
		case 'R':
			if (globs_add(c == 'i' ? &it : c == 'x' ? &xt :
			    c == 'r' ? &ir : &xr, optarg) == -1) {
				ht_warnx("out of memory");
				status = EX_OSERR;
				goto out;
			}
			break;
		case 'L':
			keep_latest = 1;
			break;
		case 'P':
			keep_private = 1;
			break;
		case 'u':
			unbuffered = 1;
			break;
		case 'H':
			http = 1;
			break;
		case 'C':
			check = 1;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'h':
			status = ht_print_help(usage_text, help_text);
			goto out;
		case 'V':
			status = ht_print_version("dh-parse");
			goto out;
		default:
			fputs(usage_text, stderr);
			status = EX_USAGE;
			goto out;
		}
	}
	argc -= optind;
	argv += optind;
	if ((http && argc > 0) || (!http && !check && keyfile != NULL) ||
	    (check && (http || argc > 0))) {
		fputs(usage_text, stderr);
		status = EX_USAGE;
		goto out;
	}
	/* Never write a diagnostic into the connection (inetd, systemd). */
	if (http && stderr_is_connection())
		ht_log_open("dh-parse", 1);

	ht_err_clear(&e);
	if ((conf = ht_conf_load(cfile, &e)) == NULL) {
		ht_log_err(&e);
		status = http ? http_fail_setup(EX_CONFIG) : EX_CONFIG;
		goto out;
	}
	if (http && ht_conf_bool(conf, "log.syslog", 0))
		ht_log_open("dh-parse", 1);
	if (globs_pick(&it, conf, "dockerhub.include_tags", &f.include_tags,
	    &f.n_include_tags) == -1 ||
	    globs_pick(&xt, conf, "dockerhub.exclude_tags", &f.exclude_tags,
	    &f.n_exclude_tags) == -1 ||
	    globs_pick(&ir, conf, "dockerhub.include_repos", &f.include_repos,
	    &f.n_include_repos) == -1 ||
	    globs_pick(&xr, conf, "dockerhub.exclude_repos", &f.exclude_repos,
	    &f.n_exclude_repos) == -1) {
		ht_warnx("out of memory");
		status = EX_OSERR;
		goto out;
	}
	f.skip_latest = keep_latest ? 0 :
	    ht_conf_bool(conf, "dockerhub.skip_latest", 1);
	f.skip_private = keep_private ? 0 :
	    !ht_conf_bool(conf, "dockerhub.include_private", 0);

	if (check) {
		status = check_setup(conf, &f, keyfile);
		ht_env_wipe_secrets(HT_ENV_DH);
		if (ht_stream_finish(stdout, "stdout", &e) == -1) {
			ht_log_err(&e);
			status = EX_IOERR;
		}
		goto out;
	}
	if (!http)
		ht_env_wipe_secrets(HT_ENV_DH);
	if (http) {
		status = serve_http(conf, &f, keyfile);
		if (ht_stream_finish(stdout, "stdout", &e) == -1) {
			ht_log_err(&e);
			status = EX_IOERR;
		}
		goto out;
	}
	status = ht_jstream_files(argc, argv, parse_one, &f, ht_log_err);
	if (ht_stream_finish(stdout, "stdout", &e) == -1) {
		ht_log_err(&e);
		status = EX_IOERR;
	}
out:
	free(it.v);
	free(xt.v);
	free(ir.v);
	free(xr.v);
	free(f.include_tags);
	free(f.exclude_tags);
	free(f.include_repos);
	free(f.exclude_repos);
	ht_conf_free(conf);
	return status;
}
