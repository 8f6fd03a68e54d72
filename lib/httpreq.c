#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <http_parser.h>

#include "httpreq.h"
#include "util.h"

#define READ_CHUNK	(16 * 1024)
#define HNAME_MAX	32	/* longest header name we look at, and more */
#define HVALUE_MAX	64

struct ht_httpreq_priv {
	http_parser parser;
	struct ht_httpreq *req;
	const struct ht_httpreq_limits *lim;
	ht_httpreq_head_fn *head;
	void *arg;
	struct ht_err *e;
	int status;		/* set by a callback that stopped the parser */
	size_t target_len;
	struct ht_buf body;	/* r->body is its p, r->body_len its len */
	/* The header being read: http-parser may hand it over in pieces. */
	char hname[HNAME_MAX + 1];
	size_t hname_len;
	char hvalue[HVALUE_MAX + 1];
	size_t hvalue_len;
	int in_value;
	/* A header that proves the sender (Authorization...), kept whole. */
	char **proof;		/* where it goes, or NULL */
	char proofbuf[HT_HTTP_PROOF_MAX + 1];
	size_t proof_len;
	int proof_over;
	int expect_continue;
	int te_seen;		/* Transfer-Encoding fields so far */
	int hname_ws;		/* white space in the name (kept or not) */
	int line_done;
	int head_done;
	int done;
};

/* Append at most cap - *len bytes, keeping the buffer a C string. */
static void
append_bounded(char *buf, size_t *len, size_t cap, const char *at,
    size_t n)
{
	if (n > cap - *len)
		n = cap - *len;
	memcpy(buf + *len, at, n);
	*len += n;
	buf[*len] = '\0';
}

static int
on_url(http_parser *p, const char *at, size_t n)
{
	struct ht_httpreq_priv *s = p->data;
	struct ht_httpreq *r = s->req;
	char *t;

	/* http-parser bounds the head; this bound is only a safety net. */
	if (n > s->lim->max_header - s->target_len) {
		s->status = 431;
		ht_err_set(s->e, "request target longer than %zu bytes",
		    s->lim->max_header);
		return -1;
	}
	if ((t = realloc(r->target, s->target_len + n + 1)) == NULL) {
		s->status = 500;
		ht_err_set(s->e, "out of memory");
		s->e->status = EX_OSERR;
		return -1;
	}
	memcpy(t + s->target_len, at, n);
	s->target_len += n;
	t[s->target_len] = '\0';
	r->target = t;
	return 0;
}

/* Whether v, without the white space around it, is word (any case). */
static int
value_is(const char *v, const char *word)
{
	size_t n = strlen(word);

	v += strspn(v, " \t");
	return strncasecmp(v, word, n) == 0 && v[n + strspn(v + n, " \t")] ==
	    '\0';
}

/*
 * A proof of origin is complete: kept, without the white space around it;
 * "" when it was sent twice or was too long, which proves nothing.
 */
static int
keep_proof(struct ht_httpreq_priv *s)
{
	char *v = s->proofbuf;
	size_t n = s->proof_len;

	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	v[n] = '\0';
	v += strspn(v, " \t");
	if (*s->proof != NULL || s->proof_over)
		v = "";
	if (*s->proof != NULL) {
		explicit_bzero(*s->proof, strlen(*s->proof));
		free(*s->proof);
	}
	*s->proof = strdup(v);
	explicit_bzero(s->proofbuf, sizeof s->proofbuf);
	if (*s->proof == NULL) {
		s->status = 500;
		ht_err_set(s->e, "out of memory");
		s->e->status = EX_OSERR;
		return -1;
	}
	s->proof = NULL;
	s->proof_len = 0;
	s->proof_over = 0;
	return 0;
}

/*
 * A header is complete: keep what we use, and refuse the framing that a
 * proxy in front could read differently from us (RFC 9112, 6.1 and 5.1):
 * a transfer coding other than chunked alone (501), since a
 * "gzip, chunked" body would be read as plain chunked; and white space
 * between a field name and its colon (400).
 */
static int
header_end(struct ht_httpreq_priv *s)
{
	int st = 0;

	if (s->hname_len > 0 && strcasecmp(s->hname, "expect") == 0 &&
	    strcasecmp(s->hvalue, "100-continue") == 0)
		s->expect_continue = 1;
	if (s->proof != NULL && keep_proof(s) == -1)
		return s->status;
	if (s->hname_ws) {
		s->status = st = 400;
		ht_err_set(s->e, "white space before the colon of a header "
		    "field");
	} else if (s->hname_len > 0 &&
	    strcasecmp(s->hname, "transfer-encoding") == 0 &&
	    (s->te_seen++ > 0 || !value_is(s->hvalue, "chunked"))) {
		s->status = st = 501;
		ht_err_set(s->e, "transfer coding other than chunked alone");
	}
	s->hname_len = s->hvalue_len = 0;
	s->hname[0] = s->hvalue[0] = '\0';
	s->in_value = s->hname_ws = 0;
	return st;
}

static int	line_end(struct ht_httpreq_priv *);

static int
on_header_field(http_parser *p, const char *at, size_t n)
{
	struct ht_httpreq_priv *s = p->data;

	if (!s->line_done && line_end(s) == -1)
		return -1;
	if (s->in_value && header_end(s) != 0)
		return -1;
	/* Seen here, as the name may be longer than what is kept of it. */
	if (memchr(at, ' ', n) != NULL || memchr(at, '\t', n) != NULL)
		s->hname_ws = 1;
	append_bounded(s->hname, &s->hname_len, HNAME_MAX, at, n);
	return 0;
}

static int
on_header_value(http_parser *p, const char *at, size_t n)
{
	struct ht_httpreq_priv *s = p->data;

	/* The name is whole once its value begins. */
	if (!s->in_value && !s->hname_ws) {
		if (strcasecmp(s->hname, "authorization") == 0)
			s->proof = &s->req->authorization;
		else if (strcasecmp(s->hname, "x-hub-signature-256") == 0)
			s->proof = &s->req->signature;
	}
	s->in_value = 1;
	append_bounded(s->hvalue, &s->hvalue_len, HVALUE_MAX, at, n);
	if (s->proof != NULL) {
		if (n > HT_HTTP_PROOF_MAX - s->proof_len)
			s->proof_over = 1;
		append_bounded(s->proofbuf, &s->proof_len, HT_HTTP_PROOF_MAX,
		    at, n);
	}
	return 0;
}

/* Split the target into path and query. */
static int
split_target(struct ht_httpreq *r, size_t len)
{
	struct http_parser_url u;
	const char *path = "/";
	size_t plen = 1;

	http_parser_url_init(&u);
	if (http_parser_parse_url(r->target, len, 0, &u) == 0) {
		if (u.field_set & (1 << UF_PATH)) {
			path = r->target + u.field_data[UF_PATH].off;
			plen = u.field_data[UF_PATH].len;
		}
		if ((u.field_set & (1 << UF_QUERY)) &&
		    (r->query = strndup(r->target +
		    u.field_data[UF_QUERY].off,
		    u.field_data[UF_QUERY].len)) == NULL)
			return -1;
	} else {
		/* "*" (OPTIONS) and the like: the path is the target. */
		path = r->target;
		plen = len;
	}
	if ((r->path = strndup(path, plen)) == NULL)
		return -1;
	return 0;
}

/*
 * The request line is read (the first header begins, or the head ends):
 * the caller judges it now, before any header is read.
 */
static int
line_end(struct ht_httpreq_priv *s)
{
	struct ht_httpreq *r = s->req;
	int st;

	s->line_done = 1;
	r->method = http_method_str((enum http_method)s->parser.method);
	r->is_post = s->parser.method == HTTP_POST;
	if (r->target == NULL || split_target(r, s->target_len) == -1) {
		s->status = r->target == NULL ? 400 : 500;
		ht_err_set(s->e, r->target == NULL ? "no request target" :
		    "out of memory");
		if (s->status == 500)
			s->e->status = EX_OSERR;
		return -1;
	}
	if (s->head != NULL && (st = s->head(r, s->arg, s->e)) != 0) {
		s->status = st;
		return -1;
	}
	return 0;
}

/*
 * Room for n more bytes of body (and a NUL), never more than the limit
 * holds: 0, or -1 (500, out of memory).
 */
static int
body_room(struct ht_httpreq_priv *s, size_t n)
{
	if (ht_buf_room(&s->body, n, s->lim->max_body + 1) == -1) {
		s->status = 500;
		ht_err_set(s->e, "out of memory");
		s->e->status = EX_OSERR;
		return -1;
	}
	s->req->body = s->body.p;
	s->req->body[s->req->body_len] = '\0';
	return 0;
}

static int
on_headers_complete(http_parser *p)
{
	struct ht_httpreq_priv *s = p->data;
	struct ht_httpreq *r = s->req;

	if (!s->line_done && line_end(s) == -1)
		return -1;
	if (header_end(s) != 0)
		return -1;
	s->head_done = 1;
	r->chunked = (p->flags & F_CHUNKED) != 0;
	r->has_length = (p->flags & F_CONTENTLENGTH) != 0;
	r->content_length = r->has_length ? p->content_length : 0;
	if (!r->chunked && !r->has_length) {
		s->status = 411;
		ht_err_set(s->e, "no Content-Length and not chunked");
		return -1;
	}
	if (r->has_length && r->content_length > s->lim->max_body) {
		s->status = 413;
		ht_err_set(s->e, "body of %llu bytes is over the limit of "
		    "%zu bytes", r->content_length, s->lim->max_body);
		return -1;
	}
	/* The body to come is bounded: make room for it at once. */
	return body_room(s, r->has_length ? (size_t)r->content_length : 4096);
}

static int
on_body(http_parser *p, const char *at, size_t n)
{
	struct ht_httpreq_priv *s = p->data;
	struct ht_httpreq *r = s->req;

	if (n > s->lim->max_body - r->body_len) {
		s->status = 413;
		ht_err_set(s->e, "body over the limit of %zu bytes",
		    s->lim->max_body);
		return -1;
	}
	if (body_room(s, n) == -1)
		return -1;
	memcpy(r->body + r->body_len, at, n);
	r->body_len += n;
	r->body[r->body_len] = '\0';
	s->body.len = r->body_len;
	return 0;
}

static int
on_message_complete(http_parser *p)
{
	struct ht_httpreq_priv *s = p->data;

	/* One request per connection: whatever follows is not read. */
	s->done = 1;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings settings = {
	.on_url = on_url,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

/* Feed bytes to the parser; returns 0 or an HTTP status. */
static int
feed(struct ht_httpreq_priv *s, const char *buf, size_t n)
{
	enum http_errno err;

	(void)http_parser_execute(&s->parser, &settings, buf, n);
	err = HTTP_PARSER_ERRNO(&s->parser);
	if (err == HPE_OK || (err == HPE_PAUSED && s->done))
		return 0;
	if (s->status != 0)
		return s->status;
	if (err == HPE_HEADER_OVERFLOW) {
		ht_err_set(s->e, "header block longer than %zu bytes",
		    s->lim->max_header);
		return 431;
	}
	ht_err_set(s->e, "malformed request: %s",
	    http_errno_description(err));
	return 400;
}

/*
 * Feed bytes, judging the request line (line_end) as soon as it is whole:
 * http-parser has no callback for that, and it reports the first header
 * only once the header's name is, so a sender without the key could
 * otherwise still hold the connection with slow or broken headers.  The
 * first line feed after the target ends the request line (blank lines
 * before it are skipped by the parser).
 */
static int
feed_head(struct ht_httpreq_priv *s, const char *buf, size_t n)
{
	const char *nl;
	size_t k;
	int st;

	while (!s->line_done && n > 0 &&
	    (nl = memchr(buf, '\n', n)) != NULL) {
		k = (size_t)(nl - buf) + 1;
		if ((st = feed(s, buf, k)) != 0)
			return st;
		buf += k;
		n -= k;
		if (!s->line_done && s->req->target != NULL &&
		    line_end(s) == -1)
			return s->status;
	}
	return n > 0 ? feed(s, buf, n) : 0;
}

/* Wait until fd is readable or the deadline passes: 1, 0 (late) or -1. */
static int
wait_readable(int fd, long long deadline)
{
	struct pollfd pfd;
	long long left;
	int r;

	for (;;) {
		if ((left = deadline - ht_now_ms()) <= 0)
			return 0;
		pfd.fd = fd;
		pfd.events = POLLIN;
		r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r > 0)
			return 1;
	}
}

int
ht_httpreq_read(int fd, const struct ht_httpreq_limits *lim,
    ht_httpreq_head_fn *head, void *arg, struct ht_httpreq *r,
    struct ht_err *e)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	struct ht_httpreq_priv *s;
	char buf[READ_CHUNK];
	long long head_deadline;
	ssize_t n;
	int st = 0, w;

	memset(r, 0, sizeof *r);
	r->deadline = ht_now_ms() + lim->timeout_ms;
	/*
	 * The head has a shorter deadline of its own: a request line and
	 * headers are a few hundred bytes, and a sender that trickles them
	 * holds a handler that real deliveries wait for.
	 */
	head_deadline = lim->header_timeout_ms > 0 ? ht_now_ms() +
	    lim->header_timeout_ms : r->deadline;
	if ((s = calloc(1, sizeof *s)) == NULL) {
		ht_err_set(e, "out of memory");
		e->status = EX_OSERR;
		return 500;
	}
	r->priv = s;
	s->req = r;
	s->lim = lim;
	s->head = head;
	s->arg = arg;
	s->e = e;
	e->status = EX_DATAERR;
	/* A process reads one request: the global bound is ours to set. */
	http_parser_set_max_header_size((uint32_t)lim->max_header);
	http_parser_init(&s->parser, HTTP_REQUEST);
	s->parser.data = s;

	while (!s->done) {
		if ((w = wait_readable(fd, s->head_done ||
		    head_deadline > r->deadline ? r->deadline :
		    head_deadline)) == 0) {
			if (s->head_done || head_deadline >= r->deadline)
				ht_err_set(e, "request not complete after %d s",
				    lim->timeout_ms / 1000);
			else
				ht_err_set(e, "request line and headers not "
				    "complete after %d s",
				    lim->header_timeout_ms / 1000);
			st = 408;
			break;
		}
		n = w == -1 ? -1 : read(fd, buf, sizeof buf);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == -1) {
			ht_err_set(e, "cannot read the request: %s",
			    strerror(errno));
			e->status = EX_IOERR;
			st = 400;
			break;
		}
		/* A request never ends at the end of input, as a response may. */
		if (n == 0) {
			ht_err_set(e, "connection closed before the request "
			    "was complete");
			st = 400;
			break;
		}
		r->bytes_in += (size_t)n;
		if ((st = feed_head(s, buf, (size_t)n)) != 0)
			break;
		/*
		 * A client that sent "Expect: 100-continue" waits for this
		 * before it sends the body (RFC 9110, 10.1.1); curl does so for
		 * large bodies, and would otherwise wait a second.
		 */
		if (s->head_done && s->expect_continue && !s->done &&
		    r->body_len == 0) {
			s->expect_continue = 0;
			(void)ht_write_all(fd, cont, sizeof cont - 1);
		}
	}
	return st;
}

void
ht_httpreq_free(struct ht_httpreq *r)
{
	if (r == NULL)
		return;
	if (r->target != NULL) {
		explicit_bzero(r->target, strlen(r->target));
		free(r->target);
	}
	if (r->query != NULL) {
		explicit_bzero(r->query, strlen(r->query));
		free(r->query);
	}
	if (r->authorization != NULL) {
		explicit_bzero(r->authorization, strlen(r->authorization));
		free(r->authorization);
	}
	if (r->signature != NULL) {
		explicit_bzero(r->signature, strlen(r->signature));
		free(r->signature);
	}
	if (r->priv != NULL)
		explicit_bzero(r->priv->proofbuf, sizeof r->priv->proofbuf);
	free(r->path);
	free(r->body);
	free(r->priv);
	memset(r, 0, sizeof *r);
}

int
ht_http_reply(int fd, int status, const char *extra_headers,
    const char *body, size_t len)
{
	char head[1024];
	int n;

	n = snprintf(head, sizeof head,
	    "HTTP/1.1 %d %s\r\n"
	    "%s"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %zu\r\n"
	    "Connection: close\r\n"
	    "\r\n", status, http_status_str((enum http_status)status),
	    extra_headers != NULL ? extra_headers : "", len);
	if (n < 0 || (size_t)n >= sizeof head) {
		errno = ENOBUFS;
		return -1;
	}
	if (ht_write_all(fd, head, (size_t)n) == -1 ||
	    ht_write_all(fd, body, len) == -1)
		return -1;
	return 0;
}

void
ht_httpreq_drain(int fd, const struct ht_httpreq *r, size_t max, int ms)
{
	char buf[READ_CHUNK];
	long long deadline = ht_now_ms() + ms;
	ssize_t n;

	if (r->deadline != 0 && r->deadline < deadline)
		deadline = r->deadline;
	while (max > 0 && wait_readable(fd, deadline) == 1) {
		n = read(fd, buf, sizeof buf);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		max -= (size_t)n > max ? max : (size_t)n;
	}
}

/* A query value, percent-decoded ('+' is a space) into a new string. */
static char *
pct_decode(const char *s, size_t n, size_t *len)
{
	char *out;

	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(out, s, n);
	*len = ht_form_decode(out, n);
	out[*len] = '\0';
	return out;
}

char *
ht_query_get(const char *query, const char *const *names, size_t *len,
    int *nomem)
{
	const char *p, *amp, *eq;
	const char *const *nm;
	size_t klen;
	char *v;

	*nomem = 0;
	*len = 0;
	for (p = query; p != NULL && *p != '\0'; p = amp != NULL ? amp + 1 :
	    NULL) {
		amp = strchr(p, '&');
		eq = memchr(p, '=', amp != NULL ? (size_t)(amp - p) :
		    strlen(p));
		klen = eq != NULL ? (size_t)(eq - p) : amp != NULL ?
		    (size_t)(amp - p) : strlen(p);
		for (nm = names; *nm != NULL; nm++) {
			if (strlen(*nm) != klen || strncmp(p, *nm, klen) != 0)
				continue;
			if (eq == NULL)
				v = pct_decode("", 0, len);
			else
				v = pct_decode(eq + 1, amp != NULL ?
				    (size_t)(amp - eq - 1) : strlen(eq + 1),
				    len);
			if (v == NULL)
				*nomem = 1;
			return v;
		}
	}
	return NULL;
}
