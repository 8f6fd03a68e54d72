#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "util.h"
#include "xapi.h"

extern char **environ;

/* An answer line from the helper: at most 1 MiB of body, escaped. */
#define MAX_ANSWER	(8 * 1024 * 1024)
/* Extra time given to the helper beyond the request's own timeout. */
#define HELPER_GRACE_MS	5000

struct ht_xapi {
	char *url;		/* the endpoint */
	char *me;		/* GET /2/users/me, the account's own */
	int v1;
	long timeout_ms, connect_timeout_ms;
	char *helper;
	void (*trace)(void *, const char *);
	void *trace_arg;
	struct ht_oauth_cred cred;	/* owned copies */
	long long not_before;	/* no request before this: the last answer
				   said a window is used up (epoch s), or 0 */
	const char *not_limit;	/* that window, static text */
	pid_t pid;		/* the helper, or -1 */
	int fd;			/* our end of its socket, or -1 */
	char *in;		/* bytes read from the helper */
	size_t inlen, incap;
};

static char *
dup_secret(const char *s)
{
	return strdup(s != NULL ? s : "");
}

static void
free_secret(char *s)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

struct ht_xapi *
ht_xapi_new(const struct ht_xapi_conf *c, const struct ht_oauth_cred *cred,
    struct ht_err *e)
{
	struct ht_xapi *x;
	const char *base = c->api_url != NULL ? c->api_url :
	    HT_XAPI_DEFAULT_URL;
	size_t blen = strlen(base);

	if ((x = calloc(1, sizeof *x)) == NULL)
		goto nomem;
	x->pid = -1;
	x->fd = -1;
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if (asprintf(&x->url, "%.*s%s", (int)blen, base, c->v1 ?
	    "/1.1/statuses/update.json" : "/2/tweets") == -1) {
		x->url = NULL;
		goto nomem;
	}
	if (asprintf(&x->me, "%.*s/2/users/me", (int)blen, base) == -1) {
		x->me = NULL;
		goto nomem;
	}
	x->v1 = c->v1;
	x->timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : 30000;
	x->connect_timeout_ms = c->connect_timeout_ms > 0 ?
	    c->connect_timeout_ms : 10000;
	x->trace = c->trace;
	x->trace_arg = c->trace_arg;
	if ((x->helper = strdup(c->helper != NULL ? c->helper :
	    HT_XAPI_HELPER)) == NULL)
		goto nomem;
	x->cred.consumer_key = dup_secret(cred->consumer_key);
	x->cred.consumer_secret = dup_secret(cred->consumer_secret);
	x->cred.token = dup_secret(cred->token);
	x->cred.token_secret = dup_secret(cred->token_secret);
	if (x->cred.consumer_key == NULL || x->cred.consumer_secret == NULL ||
	    x->cred.token == NULL || x->cred.token_secret == NULL)
		goto nomem;
	return x;
nomem:
	ht_err_set(e, "out of memory");
	e->status = EX_OSERR;
	ht_xapi_free(x);
	return NULL;
}

static void
helper_stop(struct ht_xapi *x)
{
	int st;

	if (x->fd != -1) {
		(void)close(x->fd);
		x->fd = -1;
	}
	if (x->pid != -1) {
		/* EOF on its input ends it; a hung one is killed. */
		if (waitpid(x->pid, &st, WNOHANG) == 0) {
			struct timespec ts = { 0, 20 * 1000 * 1000 };
			int i;

			for (i = 0; i < 50 && waitpid(x->pid, &st, WNOHANG) ==
			    0; i++)
				(void)nanosleep(&ts, NULL);
			if (i == 50) {
				(void)kill(x->pid, SIGKILL);
				(void)waitpid(x->pid, &st, 0);
			}
		}
		x->pid = -1;
	}
	x->inlen = 0;
}

void
ht_xapi_free(struct ht_xapi *x)
{
	if (x == NULL)
		return;
	helper_stop(x);
	free(x->url);
	free(x->me);
	free(x->helper);
	free(x->in);
	free_secret((char *)x->cred.consumer_key);
	free_secret((char *)x->cred.consumer_secret);
	free_secret((char *)x->cred.token);
	free_secret((char *)x->cred.token_secret);
	free(x);
}

/* Whether an environment entry may be passed on to the helper. */
static int
env_keep(const char *kv)
{
	return strncmp(kv, "TW_", 3) != 0 && strncmp(kv, "DH_KEY=", 7) != 0 &&
	    strncmp(kv, HT_PARENT_ENV "=", sizeof HT_PARENT_ENV) != 0;
}

static int
helper_start(struct ht_xapi *x, struct ht_err *e)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { HT_XAPI_HELPER, NULL };
	char **env, parent[64];
	size_t i, n;
	int sv[2], r;

	for (n = 0; environ[n] != NULL; n++)
		;
	if ((env = calloc(n + 2, sizeof *env)) == NULL) {
		ht_err_set(e, "out of memory");
		e->status = EX_OSERR;
		return -1;
	}
	for (i = n = 0; environ[i] != NULL; i++)
		if (env_keep(environ[i]))
			env[n++] = environ[i];
	(void)snprintf(parent, sizeof parent, "%s=%ld", HT_PARENT_ENV,
	    (long)getpid());
	env[n++] = parent;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		ht_err_set(e, "socketpair: %s", strerror(errno));
		e->status = EX_OSERR;
		free(env);
		return -1;
	}
	if ((r = posix_spawn_file_actions_init(&fa)) == 0) {
		if ((r = posix_spawn_file_actions_adddup2(&fa, sv[1], 0)) ==
		    0)
			r = posix_spawn_file_actions_adddup2(&fa, sv[1], 1);
		if (r == 0)
			r = posix_spawn(&x->pid, x->helper, &fa, NULL, argv,
			    env);
		(void)posix_spawn_file_actions_destroy(&fa);
	}
	free(env);
	(void)close(sv[1]);
	if (r != 0) {
		(void)close(sv[0]);
		x->pid = -1;
		ht_err_set(e, "%s: cannot run: %s", x->helper, strerror(r));
		e->status = EX_UNAVAILABLE;
		return -1;
	}
	x->fd = sv[0];
	x->inlen = 0;
	return 0;
}

static long long
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
trace(struct ht_xapi *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
trace(struct ht_xapi *x, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (x->trace == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	x->trace(x->trace_arg, line);
}

/*
 * One exchange with the helper: send the request line, read the answer
 * line until deadline (monotonic ms).  NULL and *why when the helper failed.
 */
static json_t *
helper_exchange(struct ht_xapi *x, const char *req, size_t len,
    long long deadline, const char **why)
{
	struct pollfd pfd;
	ssize_t n;
	size_t off;
	char *nl, *nb;
	json_t *ans;
	long long left;

	for (off = 0; off < len; off += (size_t)n) {
		n = send(x->fd, req + off, len - off, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n == -1) {
			*why = "the helper is gone";
			return NULL;
		}
	}
	for (;;) {
		if ((nl = x->inlen > 0 ? memchr(x->in, '\n', x->inlen) :
		    NULL) != NULL)
			break;
		if ((left = deadline - now_ms()) <= 0) {
			*why = "the helper did not answer in time";
			return NULL;
		}
		pfd.fd = x->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left) == -1) {
			if (errno == EINTR)
				continue;
			*why = "poll failed";
			return NULL;
		}
		if (pfd.revents == 0)
			continue;
		if (x->inlen + 65536 > x->incap) {
			if (x->incap >= MAX_ANSWER) {
				*why = "the helper's answer is too long";
				return NULL;
			}
			if ((nb = realloc(x->in, x->incap + 65536)) == NULL) {
				*why = "out of memory";
				return NULL;
			}
			x->in = nb;
			x->incap += 65536;
		}
		n = read(x->fd, x->in + x->inlen, x->incap - x->inlen);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			*why = "the helper exited without answering";
			return NULL;
		}
		x->inlen += (size_t)n;
	}
	ans = json_loadb(x->in, (size_t)(nl - x->in), 0, NULL);
	x->inlen -= (size_t)(nl + 1 - x->in);
	memmove(x->in, nl + 1, x->inlen);
	if (ans == NULL || !json_is_object(ans)) {
		json_decref(ans);
		*why = "the helper's answer is not JSON";
		return NULL;
	}
	return ans;
}

static void
set_reason(struct ht_xapi_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
set_reason(struct ht_xapi_result *r, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	(void)vsnprintf(r->reason, sizeof r->reason, fmt, ap);
	va_end(ap);
	for (p = r->reason; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
}

/* X's own words, from a v2 problem or a v1.1 error list. */
static const char *
x_words(const json_t *body, long long *code)
{
	const json_t *err;
	const char *s;

	*code = 0;
	err = json_array_get(json_object_get(body, "errors"), 0);
	if (err != NULL)
		*code = json_integer_value(json_object_get(err, "code"));
	if ((s = json_string_value(json_object_get(body, "detail"))) != NULL)
		return s;
	if ((s = json_string_value(json_object_get(err, "message"))) != NULL)
		return s;
	if ((s = json_string_value(json_object_get(body, "title"))) != NULL)
		return s;
	return "";
}

/* ' (X: "words")' to end a message with, or "" when X said nothing. */
static void
quote(char *buf, size_t len, const char *words)
{
	if (*words == '\0')
		*buf = '\0';
	else if (snprintf(buf, len, " (X: \"%s\")", words) >= (int)len &&
	    len > 5)
		memcpy(buf + len - 5, "...)", 5);
}

static int
has(const char *s, const char *needle)
{
	return s != NULL && strcasestr(s, needle) != NULL;
}

/* Whether the header name says 0 (a window's remaining count). */
static int
header_zero(const json_t *hdr, const char *name)
{
	long long v;

	return ht_parse_num(json_string_value(json_object_get(hdr, name)), 0,
	    LLONG_MAX, &v) == 0 && v == 0;
}

long long
ht_xapi_reset_check(long long reset, long long now)
{
	if (reset <= now || now < 0 || reset - now > HT_XAPI_RESET_MAX)
		return 0;
	return reset;
}

long long
ht_xapi_hold_until(const char *value, int relative, long long now)
{
	long long v;

	/* 11 digits: now + v cannot overflow, whatever X says. */
	if (ht_parse_num(value, 0, 99999999999LL, &v) == -1)
		return 0;
	return ht_xapi_reset_check(relative ? now + v : v, now);
}

/* X's windows for posting: what each is called in messages. */
static const struct {
	const char *remaining, *reset, *name;
} windows[] = {
	{ "x-rate-limit-remaining", "x-rate-limit-reset",
	    "the 15-minute limit" },
	{ "x-user-limit-24hour-remaining", "x-user-limit-24hour-reset",
	    "the user's 24-hour limit" },
	{ "x-app-limit-24hour-remaining", "x-app-limit-24hour-reset",
	    "the app's 24-hour limit" },
};

/*
 * When X takes a post again: the latest reset of the windows hdr says are
 * used up (remaining 0), and which one that is; 0 when none is.
 */
static long long
used_up_until(const json_t *hdr, long long now, const char **which)
{
	long long at = 0, t;
	size_t i;

	*which = NULL;
	for (i = 0; i < sizeof windows / sizeof windows[0]; i++) {
		if (!header_zero(hdr, windows[i].remaining))
			continue;
		t = ht_xapi_hold_until(json_string_value(json_object_get(hdr,
		    windows[i].reset)), 0, now);
		if (t > at) {
			at = t;
			*which = windows[i].name;
		}
	}
	return at;
}

void
ht_xapi_classify(const json_t *ans, int v1, long long now,
    struct ht_xapi_result *r)
{
	const json_t *hdr = json_object_get(ans, "headers");
	const char *kind, *words, *type, *s, *bodytext;
	char said[300];
	json_t *body = NULL;
	long long code;
	int http;

	memset(r, 0, sizeof *r);
	r->http = http = (int)json_integer_value(json_object_get(ans,
	    "status"));
	if (http == 0) {
		kind = json_string_value(json_object_get(ans, "kind"));
		s = json_string_value(json_object_get(ans, "error"));
		r->kind = HT_XAPI_TRANSIENT;
		r->status = EX_UNAVAILABLE;
		set_reason(r, "%s: %s", kind != NULL &&
		    strcmp(kind, "timeout") == 0 ? "no answer in time" :
		    kind != NULL && strcmp(kind, "connect") == 0 ?
		    "cannot connect" : "request failed", s != NULL ? s : "?");
		return;
	}
	bodytext = json_string_value(json_object_get(ans, "body"));
	if (bodytext != NULL)
		body = json_loads(bodytext, 0, NULL);
	words = x_words(body, &code);
	quote(said, sizeof said, words);
	/* Whatever the answer, a window it says is used up holds the next. */
	r->next_at = used_up_until(hdr, now, &r->limit);
	type = json_string_value(json_object_get(body, "type"));
	if (http >= 200 && http < 300) {
		s = v1 ? json_string_value(json_object_get(body, "id_str")) :
		    json_string_value(json_object_get(json_object_get(body,
		    "data"), "id"));
		if (s == NULL || *s == '\0' || strlen(s) >= sizeof r->id ||
		    strspn(s, "0123456789") != strlen(s)) {
			/* Posted or not?  A retry is safe: X refuses duplicates. */
			r->kind = HT_XAPI_TRANSIENT;
			r->status = EX_UNAVAILABLE;
			set_reason(r, "X answered %d without a post id", http);
		} else {
			r->kind = HT_XAPI_OK;
			memcpy(r->id, s, strlen(s) + 1);
		}
		goto out;
	}
	if (http == 403 && (code == 187 || has(words, "duplicate"))) {
		r->kind = HT_XAPI_DUPLICATE;
		set_reason(r, "already posted%s", said);
		goto out;
	}
	r->kind = HT_XAPI_PERMANENT;
	if (http == 402) {
		/*
		 * Pay-per-use accounts: the prepaid credits ran out (X's
		 * problem title reads like "CreditsDepleted").  Not the post's
		 * fault, and every post fails the same until the owner acts.
		 */
		r->kind = HT_XAPI_NO_CREDITS;
		r->status = EX_UNAVAILABLE;
		set_reason(r, "no credits left on the X account (402): top up "
		    "the account's credits%s", said);
	} else if (http == 401) {
		r->status = EX_NOPERM;
		if (code == 89 || has(words, "token"))
			set_reason(r, "X refused the access token (401): it is "
			    "invalid, expired or revoked; generate a new one%s",
			    said);
		else
			set_reason(r, "X refused the credentials (401): check "
			    "the consumer key and secret and the access token "
			    "and secret, which may have been regenerated or "
			    "revoked%s", said);
	} else if (http == 403) {
		r->status = EX_NOPERM;
		s = json_string_value(json_object_get(body, "reason"));
		if (code == 261 || has(type, "oauth1-permissions") ||
		    has(words, "permission"))
			set_reason(r, "X refused to post (403): the app is "
			    "read-only; give it Read and Write permission, "
			    "then regenerate the access token%s",
			    said);
		else if (code == 453 || has(s, "client-not-enrolled") ||
		    has(type, "client-forbidden") || has(words, "project"))
			set_reason(r, "X refused the app (403): it is not "
			    "attached to a project, which API v2 requires; "
			    "attach it in the developer portal%s",
			    said);
		else if (code == 64 || has(words, "suspended"))
			set_reason(r, "X refused to post (403): the account is "
			    "suspended%s", said);
		else
			set_reason(r, "X refused to post (403)%s",
			    said);
	} else if (http == 400 || http == 422) {
		r->status = EX_DATAERR;
		s = json_string_value(json_object_get(json_array_get(
		    json_object_get(body, "errors"), 0), "message"));
		if (s != NULL)
			quote(said, sizeof said, s);
		set_reason(r, "X rejected the post (%d)%s", http, said);
	} else if (http == 429 || http >= 500) {
		r->kind = HT_XAPI_TRANSIENT;
		r->status = http == 429 ? EX_TEMPFAIL : EX_UNAVAILABLE;
		r->rate_limited = http == 429;
		/*
		 * A 429: the latest reset of the windows used up; without
		 * one that says so, x-rate-limit-reset.  Else Retry-After.
		 */
		r->retry_at = r->next_at;
		if (http == 429 && r->retry_at == 0)
			r->retry_at = ht_xapi_hold_until(json_string_value(
			    json_object_get(hdr, "x-rate-limit-reset")), 0,
			    now);
		if (r->retry_at == 0)
			r->retry_at = ht_xapi_hold_until(json_string_value(
			    json_object_get(hdr, "retry-after")), 1, now);
		if (http == 429 && r->limit != NULL &&
		    strcmp(r->limit, windows[0].name) != 0)
			set_reason(r, "rate limited by X (429): %s is used "
			    "up%s", r->limit, said);
		else if (http == 429)
			set_reason(r, "rate limited by X (429)%s",
			    said);
		else
			set_reason(r, "X is unavailable (%d)%s",
			    http, said);
	} else {
		/* A wrong api_url, most likely: retrying will not help. */
		r->status = EX_UNAVAILABLE;
		set_reason(r, "unexpected answer %d from X%s", http,
		    said);
	}
out:
	json_decref(body);
}

char *
ht_xapi_body(int v1, const char *text, const char *reply_to)
{
	json_t *o;
	char *s = NULL, *t;

	if (v1) {
		if ((t = ht_oauth_encode(text, strlen(text))) == NULL)
			return NULL;
		if (reply_to != NULL) {
			if (asprintf(&s, "status=%s&in_reply_to_status_id=%s&"
			    "auto_populate_reply_metadata=true", t,
			    reply_to) == -1)
				s = NULL;
		} else if (asprintf(&s, "status=%s", t) == -1)
			s = NULL;
		free(t);
		return s;
	}
	if (reply_to != NULL)
		o = json_pack("{s:s,s:{s:s}}", "text", text, "reply",
		    "in_reply_to_tweet_id", reply_to);
	else
		o = json_pack("{s:s}", "text", text);
	if (o != NULL)
		s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

int
ht_xapi_post(struct ht_xapi *x, const char *text, const char *reply_to,
    long budget_ms, struct ht_xapi_result *r, struct ht_err *e)
{
	char *body = NULL, *auth = NULL, *hauth = NULL, *line = NULL;
	const char *why = NULL;
	json_t *req = NULL, *ans = NULL, *h;
	long timeout, ctimeout;
	const char *k;
	int ret = -1;

	memset(r, 0, sizeof *r);
	timeout = budget_ms > 0 && budget_ms < x->timeout_ms ? budget_ms :
	    x->timeout_ms;
	ctimeout = x->connect_timeout_ms < timeout ? x->connect_timeout_ms :
	    timeout;
	if ((body = ht_xapi_body(x->v1, text, reply_to)) == NULL)
		goto nomem;
	if ((auth = ht_oauth_header(&x->cred, "POST", x->url, x->v1 ? body :
	    NULL, NULL, -1, e)) == NULL)
		goto out;
	if (asprintf(&hauth, "Authorization: %s", auth) == -1) {
		hauth = NULL;
		goto nomem;
	}
	req = json_pack("{s:s,s:s,s:[s,s],s:s,s:I,s:I}", "method", "POST",
	    "url", x->url, "headers", hauth, x->v1 ?
	    "Content-Type: application/x-www-form-urlencoded" :
	    "Content-Type: application/json", "body", body,
	    "connect_timeout_ms", (json_int_t)ctimeout, "timeout_ms",
	    (json_int_t)timeout);
	if (req == NULL || (line = json_dumps(req, JSON_COMPACT)) == NULL)
		goto nomem;
	json_decref(req);
	req = NULL;
	trace(x, "> POST %s", x->url);
	trace(x, "> Authorization: OAuth [redacted]");
	trace(x, "> Content-Type: %s", x->v1 ?
	    "application/x-www-form-urlencoded" : "application/json");
	trace(x, "> %s", body);
	if (x->fd == -1 && helper_start(x, e) == -1)
		goto out;
	{
		size_t len = strlen(line);
		char *nl;

		if ((nl = realloc(line, len + 2)) == NULL)
			goto nomem;
		line = nl;
		line[len] = '\n';
		line[len + 1] = '\0';
		ans = helper_exchange(x, line, len + 1, now_ms() + timeout +
		    HELPER_GRACE_MS, &why);
	}
	if (ans == NULL) {
		helper_stop(x);
		r->kind = HT_XAPI_TRANSIENT;
		r->status = EX_UNAVAILABLE;
		set_reason(r, "%s: %s", x->helper, why);
		trace(x, "< %s", r->reason);
		ret = 0;
		goto out;
	}
	ht_xapi_classify(ans, x->v1, (long long)time(NULL), r);
	if (x->trace != NULL) {
		if (r->http != 0)
			trace(x, "< %d (%lld ms)", r->http,
			    (long long)json_integer_value(json_object_get(ans,
			    "time_ms")));
		json_object_foreach(json_object_get(ans, "headers"), k, h)
			if (strncmp(k, "x-rate-limit-", 13) == 0 ||
			    strncmp(k, "x-user-limit-", 13) == 0 ||
			    strcmp(k, "retry-after") == 0)
				trace(x, "< %s: %s", k, json_string_value(h));
		if (r->http != 0)
			trace(x, "< %s", json_string_value(json_object_get(ans,
			    "body")));
		else
			trace(x, "< %s", r->reason);
	}
	ret = 0;
	goto out;
nomem:
	ht_err_set(e, "out of memory");
	e->status = EX_OSERR;
out:
	if (ret == -1 && e->status == 0)
		e->status = EX_SOFTWARE;
	json_decref(req);
	json_decref(ans);
	/* The request carried the token and a live signature. */
	if (line != NULL)
		OPENSSL_cleanse(line, strlen(line));
	if (hauth != NULL)
		OPENSSL_cleanse(hauth, strlen(hauth));
	free(line);
	free(hauth);
	free(auth);
	free(body);
	return ret;
}

int
ht_xapi_whoami(struct ht_xapi *x, char *user, size_t len,
    struct ht_xapi_result *r, struct ht_err *e)
{
	char *auth = NULL, *hauth = NULL, *line = NULL, *nl;
	const char *why = NULL, *u;
	json_t *req = NULL, *ans = NULL, *body = NULL;
	size_t n;
	int ret = -1;

	memset(r, 0, sizeof *r);
	if (len > 0)
		*user = '\0';
	if ((auth = ht_oauth_header(&x->cred, "GET", x->me, NULL, NULL, -1,
	    e)) == NULL)
		goto out;
	if (asprintf(&hauth, "Authorization: %s", auth) == -1) {
		hauth = NULL;
		goto nomem;
	}
	req = json_pack("{s:s,s:s,s:[s],s:I,s:I}", "method", "GET", "url",
	    x->me, "headers", hauth, "connect_timeout_ms",
	    (json_int_t)x->connect_timeout_ms, "timeout_ms",
	    (json_int_t)x->timeout_ms);
	if (req == NULL || (line = json_dumps(req, JSON_COMPACT)) == NULL)
		goto nomem;
	trace(x, "> GET %s", x->me);
	trace(x, "> Authorization: OAuth [redacted]");
	if (x->fd == -1 && helper_start(x, e) == -1)
		goto out;
	n = strlen(line);
	if ((nl = realloc(line, n + 2)) == NULL)
		goto nomem;
	line = nl;
	line[n] = '\n';
	line[n + 1] = '\0';
	if ((ans = helper_exchange(x, line, n + 1, now_ms() + x->timeout_ms +
	    HELPER_GRACE_MS, &why)) == NULL) {
		helper_stop(x);
		r->kind = HT_XAPI_TRANSIENT;
		r->status = EX_UNAVAILABLE;
		set_reason(r, "%s: %s", x->helper, why);
		ret = 0;
		goto out;
	}
	/* The same judgement as a post's; data.id is the account's. */
	ht_xapi_classify(ans, 0, (long long)time(NULL), r);
	trace(x, "< %d", r->http);
	if (r->kind == HT_XAPI_OK && (body = json_loads(json_string_value(
	    json_object_get(ans, "body")), 0, NULL)) != NULL &&
	    (u = json_string_value(json_object_get(json_object_get(body,
	    "data"), "username"))) != NULL)
		(void)snprintf(user, len, "%s", u);
	ret = 0;
	goto out;
nomem:
	ht_err_set(e, "out of memory");
	e->status = EX_OSERR;
out:
	if (ret == -1 && e->status == 0)
		e->status = EX_SOFTWARE;
	json_decref(req);
	json_decref(ans);
	json_decref(body);
	if (line != NULL)
		OPENSSL_cleanse(line, strlen(line));
	if (hauth != NULL)
		OPENSSL_cleanse(hauth, strlen(hauth));
	free(line);
	free(hauth);
	free(auth);
	return ret;
}

/* Sleep ms milliseconds (at most). */
static void
pause_ms(long long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* r, rate limited until r->retry_at, beyond the time budget: say so. */
static void
beyond_budget(struct ht_xapi_result *r, long long epoch)
{
	char when[32];
	time_t t = (time_t)r->retry_at;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof when, "%H:%M:%S UTC", &tm) == 0)
		(void)snprintf(when, sizeof when, "?");
	if (r->limit != NULL && strcmp(r->limit, windows[0].name) != 0)
		set_reason(r, "rate limited by X until %s (%lld s from now: "
		    "%s is used up), beyond the time budget", when,
		    r->retry_at - epoch, r->limit);
	else
		set_reason(r, "rate limited by X until %s (%lld s from now), "
		    "beyond the time budget", when, r->retry_at - epoch);
}

int
ht_xapi_post_within(struct ht_xapi *x, const char *text,
    const char *reply_to, long budget_ms, struct ht_xapi_result *r,
    struct ht_err *e)
{
	long long start = now_ms(), deadline = start + budget_ms, left, wait;
	long long backoff = 500, epoch;
	int attempts = 0;

	for (;;) {
		/*
		 * The last answer said a window is used up: a request now
		 * would only earn a 429.  Wait for the reset, or give up.
		 */
		epoch = (long long)time(NULL);
		if (x->not_before > epoch) {
			/* A second's margin: the reset is a whole second. */
			wait = (x->not_before - epoch) * 1000 + 1000;
			if (wait >= deadline - now_ms()) {
				memset(r, 0, sizeof *r);
				r->kind = HT_XAPI_TRANSIENT;
				r->status = EX_TEMPFAIL;
				r->rate_limited = 1;
				r->retry_at = r->next_at = x->not_before;
				r->limit = x->not_limit;
				r->attempts = attempts;
				beyond_budget(r, epoch);
				return 0;
			}
			trace(x, "%s is used up: waiting %lld ms for its reset",
			    x->not_limit != NULL ? x->not_limit : "a limit",
			    wait);
			pause_ms(wait);
		}
		left = deadline - now_ms();
		if (ht_xapi_post(x, text, reply_to, left > 0 ? (long)left : 1,
		    r, e) == -1)
			return -1;
		r->attempts = ++attempts;
		x->not_before = r->next_at;
		x->not_limit = r->limit;
		if (r->kind != HT_XAPI_TRANSIENT)
			return 0;
		epoch = (long long)time(NULL);
		left = deadline - now_ms();
		if (r->retry_at > 0) {
			wait = (r->retry_at - epoch) * 1000;
			if (wait < 0)
				wait = 0;
			/* A second's margin: the reset is a whole second. */
			wait += 1000;
		} else {
			/* Full backoff, half of it jittered. */
			wait = backoff / 2 + (long long)arc4random_uniform(
			    (uint32_t)(backoff / 2 + 1));
			backoff = backoff < 32000 ? backoff * 2 : 64000;
		}
		if (wait >= left) {
			if (r->rate_limited && r->retry_at > 0) {
				beyond_budget(r, epoch);
			} else if (attempts > 1) {
				size_t n = strlen(r->reason);

				(void)snprintf(r->reason + n,
				    sizeof r->reason - n, " (%d attempts in "
				    "%lld s)", attempts,
				    (now_ms() - start + 500) / 1000);
			}
			return 0;
		}
		trace(x, "retrying in %lld ms", wait);
		pause_ms(wait);
	}
}

char *
ht_xapi_helper_path(const char *libexecdir)
{
	char self[PATH_MAX], *p, *s;
	const char *v;
	ssize_t n;

	if ((v = getenv("HUBTWEET_LIBEXECDIR")) != NULL && *v != '\0') {
		if (asprintf(&p, "%s/%s", v, HT_XAPI_HELPER) == -1)
			return NULL;
		return p;
	}
	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) > 0) {
		self[n] = '\0';
		if ((s = strrchr(self, '/')) != NULL) {
			*s = '\0';
			if (asprintf(&p, "%s/../libexec/hubtweet/%s", self,
			    HT_XAPI_HELPER) == -1)
				return NULL;
			if (access(p, X_OK) == 0 && realpath(p, self) != NULL) {
				free(p);
				return strdup(self);
			}
			free(p);
		}
	}
	if (asprintf(&p, "%s/%s", libexecdir, HT_XAPI_HELPER) == -1)
		return NULL;
	return p;
}
