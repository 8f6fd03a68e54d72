/*
 * sender — start tw-send once, exchange requests and answers with it.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "sender.h"
#include "util.h"
#include "wire.h"

extern char **environ;

/* Extra time given to the helper beyond the request's own timeout. */
#define HELPER_GRACE_MS	5000
#define READ_CHUNK	65536

struct ht_sender {
	char *helper;
	long timeout_ms, connect_timeout_ms;
	void (*trace)(void *, const char *);
	void *trace_arg;
	pid_t pid;		/* the helper, or -1 */
	int fd;			/* our end of its socket, or -1 */
	char *in;		/* bytes read from the helper */
	size_t inlen, incap;
};

/* What the helper's environment does not get: the secrets. */
static const char *const env_drop[] = {
	"TW_", "DH_KEY=", HT_PARENT_ENV "=", NULL
};

struct ht_sender *
ht_sender_new(const struct ht_sender_conf *c, struct ht_err *e)
{
	struct ht_sender *s;

	if ((s = calloc(1, sizeof *s)) == NULL ||
	    (s->helper = strdup(c->helper != NULL ? c->helper :
	    HT_SENDER_HELPER)) == NULL) {
		free(s);
		ht_err_set(e, "out of memory");
		e->status = EX_OSERR;
		return NULL;
	}
	s->pid = -1;
	s->fd = -1;
	s->timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : 30000;
	s->connect_timeout_ms = c->connect_timeout_ms > 0 ?
	    c->connect_timeout_ms : 10000;
	s->trace = c->trace;
	s->trace_arg = c->trace_arg;
	return s;
}

static void
helper_stop(struct ht_sender *s)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int st, i;

	if (s->fd != -1) {
		(void)close(s->fd);
		s->fd = -1;
	}
	if (s->pid != -1) {
		/* EOF on its input ends it; a hung one is killed. */
		for (i = 0; i < 50 && waitpid(s->pid, &st, WNOHANG) == 0; i++)
			(void)nanosleep(&ts, NULL);
		if (i == 50) {
			(void)kill(s->pid, SIGKILL);
			(void)waitpid(s->pid, &st, 0);
		}
		s->pid = -1;
	}
	s->inlen = 0;
}

void
ht_sender_free(struct ht_sender *s)
{
	if (s == NULL)
		return;
	helper_stop(s);
	free(s->helper);
	free(s->in);
	free(s);
}

static int
env_keep(const char *kv)
{
	size_t i;

	for (i = 0; env_drop[i] != NULL; i++)
		if (strncmp(kv, env_drop[i], strlen(env_drop[i])) == 0)
			return 0;
	return 1;
}

static int
helper_start(struct ht_sender *s, struct ht_err *e)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { HT_SENDER_HELPER, NULL };
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
			r = posix_spawn(&s->pid, s->helper, &fa, NULL, argv,
			    env);
		(void)posix_spawn_file_actions_destroy(&fa);
	}
	free(env);
	(void)close(sv[1]);
	if (r != 0) {
		(void)close(sv[0]);
		s->pid = -1;
		ht_err_set(e, "%s: cannot run: %s", s->helper, strerror(r));
		e->status = EX_UNAVAILABLE;
		return -1;
	}
	s->fd = sv[0];
	s->inlen = 0;
	return 0;
}

void
ht_sender_trace(struct ht_sender *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (s->trace == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	s->trace(s->trace_arg, line);
}

/* Send all of buf to the helper.  0, or -1 when it is gone. */
static int
helper_write(struct ht_sender *s, const char *buf, size_t len)
{
	size_t off;
	ssize_t n;

	for (off = 0; off < len; off += (size_t)n) {
		n = send(s->fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			n = 0;
		else if (n == -1)
			return -1;
	}
	return 0;
}

/* Read more from the helper, until deadline.  NULL, or why not. */
static const char *
helper_read(struct ht_sender *s, long long deadline)
{
	struct pollfd pfd;
	long long left;
	ssize_t n;
	char *nb;

	for (;;) {
		if ((left = deadline - ht_now_ms()) <= 0)
			return "the helper did not answer in time";
		pfd.fd = s->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left) == -1) {
			if (errno == EINTR)
				continue;
			return "poll failed";
		}
		if (pfd.revents != 0)
			break;
	}
	if (s->inlen + READ_CHUNK > s->incap) {
		if (s->incap >= HT_WIRE_MAX_ANSWER)
			return "the helper's answer is too long";
		if ((nb = realloc(s->in, s->incap + READ_CHUNK)) == NULL)
			return "out of memory";
		s->in = nb;
		s->incap += READ_CHUNK;
	}
	do
		n = read(s->fd, s->in + s->inlen, s->incap - s->inlen);
	while (n == -1 && errno == EINTR);
	if (n <= 0)
		return "the helper exited without answering";
	s->inlen += (size_t)n;
	return NULL;
}

/*
 * One exchange: send the request line, read the answer line until
 * deadline (monotonic ms) into a.  -1 and *why when the helper failed.
 */
static int
helper_exchange(struct ht_sender *s, const char *req, size_t len,
    long long deadline, struct ht_http_ans *a, const char **why)
{
	char *nl;
	int r;

	if (helper_write(s, req, len) == -1) {
		*why = "the helper is gone";
		return -1;
	}
	while ((nl = s->inlen > 0 ? memchr(s->in, '\n', s->inlen) : NULL) ==
	    NULL)
		if ((*why = helper_read(s, deadline)) != NULL)
			return -1;
	r = ht_sender_answer(s->in, (size_t)(nl - s->in), a);
	s->inlen -= (size_t)(nl + 1 - s->in);
	memmove(s->in, nl + 1, s->inlen);
	if (r == -1)
		*why = "the helper's answer is not JSON";
	return r;
}

/* The request line (JSON and "\n") for r; NULL when out of memory. */
static char *
request_line(const struct ht_http_req *r, long timeout, long ctimeout)
{
	json_t *req, *h;
	char *line = NULL, *nl;
	size_t i, len;

	if ((h = json_array()) == NULL)
		return NULL;
	for (i = 0; i < r->nheaders; i++)
		if (json_array_append_new(h, json_string(r->headers[i])) == -1)
			goto out;
	req = json_pack("{s:s,s:s,s:O,s:s#,s:I,s:I}", "method", r->method,
	    "url", r->url, "headers", h, "body", r->body != NULL ? r->body :
	    "", r->body != NULL ? r->body_len : 0, "connect_timeout_ms",
	    (json_int_t)ctimeout, "timeout_ms", (json_int_t)timeout);
	if (req == NULL)
		goto out;
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (line != NULL) {
		len = strlen(line);
		if ((nl = realloc(line, len + 2)) == NULL) {
			explicit_bzero(line, len);
			free(line);
			line = NULL;
			goto out;
		}
		line = nl;
		memcpy(line + len, "\n", 2);
	}
out:
	/* The array held the signed headers. */
	json_array_foreach(h, i, req) {
		explicit_bzero((char *)json_string_value(req),
		    json_string_length(req));
	}
	json_decref(h);
	return line;
}

/* --verbose: the request, its Authorization reduced to the scheme. */
static void
trace_request(struct ht_sender *s, const struct ht_http_req *r)
{
	const char *h, *sp;
	size_t i;

	if (s->trace == NULL)
		return;
	ht_sender_trace(s, "> %s %s", r->method, r->url);
	for (i = 0; i < r->nheaders; i++) {
		h = r->headers[i];
		if (strncasecmp(h, "Authorization:", 14) != 0) {
			ht_sender_trace(s, "> %s", h);
			continue;
		}
		for (h += 14; *h == ' '; h++)
			;
		sp = strchr(h, ' ');
		ht_sender_trace(s, "> Authorization: %.*s%s[redacted]",
		    sp != NULL ? (int)(sp - h) : 0, h, sp != NULL ? " " : "");
	}
	if (r->body != NULL && r->body_secret)
		ht_sender_trace(s, "> [%zu bytes, redacted]", r->body_len);
	else if (r->body != NULL)
		ht_sender_trace(s, "> %.*s", (int)(r->body_len < 900 ?
		    r->body_len : 900), r->body);
}

/* Fill a's fields from the answer object ans, which a then owns. */
static void
answer_fill(struct ht_http_ans *a, json_t *ans)
{
	const json_t *v;

	a->root = ans;
	a->status = (int)json_integer_value(json_object_get(ans, "status"));
	if (!json_is_object(json_object_get(ans, "headers")))
		(void)json_object_set_new(ans, "headers", json_object());
	a->headers = json_object_get(ans, "headers");
	v = json_object_get(ans, "body");
	a->body = json_is_string(v) ? json_string_value(v) : "";
	a->body_len = json_is_string(v) ? json_string_length(v) : 0;
	a->error = json_string_value(json_object_get(ans, "error"));
	a->error_kind = json_string_value(json_object_get(ans, "kind"));
	a->time_ms = (long)json_integer_value(json_object_get(ans,
	    "time_ms"));
}

int
ht_sender_answer(const char *line, size_t len, struct ht_http_ans *a)
{
	json_t *ans;

	memset(a, 0, sizeof *a);
	if ((ans = json_loadb(line, len, 0, NULL)) == NULL ||
	    !json_is_object(ans)) {
		json_decref(ans);
		return -1;
	}
	answer_fill(a, ans);
	return 0;
}

int
ht_sender_exchange(struct ht_sender *s, const struct ht_http_req *r,
    long budget_ms, struct ht_http_ans *a, struct ht_err *e)
{
	const char *why = NULL;
	long timeout, ctimeout;
	json_t *ans;
	char *line;
	int ret = -1;

	memset(a, 0, sizeof *a);
	timeout = budget_ms > 0 && budget_ms < s->timeout_ms ? budget_ms :
	    s->timeout_ms;
	ctimeout = s->connect_timeout_ms < timeout ? s->connect_timeout_ms :
	    timeout;
	if ((line = request_line(r, timeout, ctimeout)) == NULL) {
		ht_err_set(e, "out of memory");
		e->status = EX_OSERR;
		return -1;
	}
	trace_request(s, r);
	if (s->fd == -1 && helper_start(s, e) == -1)
		goto out;
	if (helper_exchange(s, line, strlen(line), ht_now_ms() + timeout +
	    HELPER_GRACE_MS, a, &why) == -1) {
		/* Started afresh on the next exchange. */
		helper_stop(s);
		ans = json_pack("{s:i,s:s++,s:s}", "status", 0, "error",
		    s->helper, ": ", why, "kind", "helper");
		if (ans == NULL) {
			ht_err_set(e, "out of memory");
			e->status = EX_OSERR;
			goto out;
		}
		answer_fill(a, ans);
	}
	ret = 0;
out:
	/* The request carried a token and a live signature. */
	explicit_bzero(line, strlen(line));
	free(line);
	return ret;
}

char *
ht_sender_path(const char *libexecdir)
{
	char self[PATH_MAX], *p, *s;
	const char *v;
	ssize_t n;

	if ((v = getenv("HUBTWEET_LIBEXECDIR")) != NULL && *v != '\0') {
		if (asprintf(&p, "%s/%s", v, HT_SENDER_HELPER) == -1)
			return NULL;
		return p;
	}
	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) > 0) {
		self[n] = '\0';
		if ((s = strrchr(self, '/')) != NULL) {
			*s = '\0';
			if (asprintf(&p, "%s/../libexec/hubtweet/%s", self,
			    HT_SENDER_HELPER) == -1)
				return NULL;
			if (access(p, X_OK) == 0 && realpath(p, self) != NULL) {
				free(p);
				return strdup(self);
			}
			free(p);
		}
	}
	if (asprintf(&p, "%s/%s", libexecdir, HT_SENDER_HELPER) == -1)
		return NULL;
	return p;
}
