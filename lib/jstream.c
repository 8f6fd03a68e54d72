#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sysexits.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "jstream.h"

#define CHUNK	(64 * 1024)

struct ht_jstream {
	int fd;			/* -1: memory stream */
	char name[256];
	char *buf;		/* owned unless mem */
	const char *mem;
	size_t cap, len, off;	/* valid bytes [off, len) */
	int eof;
	size_t max_value;
	int max_depth;
	long line, col;		/* position of buf[off] */
	long vline, vcol;	/* where the current value began */
};

static struct ht_jstream *
jstream_new(const char *name, size_t max_value, int max_depth)
{
	struct ht_jstream *s;

	if ((s = calloc(1, sizeof *s)) == NULL)
		return NULL;
	(void)snprintf(s->name, sizeof s->name, "%s", name);
	s->fd = -1;
	s->max_value = max_value;
	s->max_depth = max_depth;
	s->line = s->col = 1;
	return s;
}

struct ht_jstream *
ht_jstream_fd(int fd, const char *name, size_t max_value, int max_depth)
{
	struct ht_jstream *s;

	if ((s = jstream_new(name, max_value, max_depth)) == NULL)
		return NULL;
	s->fd = fd;
	return s;
}

struct ht_jstream *
ht_jstream_mem(const void *buf, size_t len, const char *name,
    size_t max_value, int max_depth)
{
	struct ht_jstream *s;

	if ((s = jstream_new(name, max_value, max_depth)) == NULL)
		return NULL;
	s->mem = buf;
	s->len = len;
	s->eof = 1;
	return s;
}

void
ht_jstream_free(struct ht_jstream *s)
{
	if (s == NULL)
		return;
	free(s->buf);
	free(s);
}

static const char *
data(const struct ht_jstream *s)
{
	return s->mem != NULL ? s->mem : s->buf;
}

/* Read more input.  Returns 1 if bytes were added, 0 at EOF, -1 on error. */
static int
fill(struct ht_jstream *s, struct ht_err *e)
{
	ssize_t n;
	size_t want;
	char *nb;

	if (s->eof)
		return 0;
	if (s->off > 0 && s->off == s->len)
		s->off = s->len = 0;
	if (s->cap - s->len < CHUNK && s->off > 0) {
		memmove(s->buf, s->buf + s->off, s->len - s->off);
		s->len -= s->off;
		s->off = 0;
	}
	if (s->cap - s->len < CHUNK) {
		want = s->len + CHUNK;
		if ((nb = realloc(s->buf, want)) == NULL) {
			ht_err_at(e, s->name, 0, 0, "out of memory");
			return -1;
		}
		s->buf = nb;
		s->cap = want;
	}
	for (;;) {
		n = read(s->fd, s->buf + s->len, s->cap - s->len);
		if (n == -1 && errno == EINTR)
			continue;
		break;
	}
	if (n == -1) {
		ht_err_at(e, s->name, 0, 0, "read error: %s", strerror(errno));
		return -1;
	}
	if (n == 0) {
		s->eof = 1;
		return 0;
	}
	s->len += (size_t)n;
	return 1;
}

/* Consume n bytes, keeping line and column (in characters) up to date. */
static void
advance(struct ht_jstream *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)data(s) + s->off;
	const unsigned char *end = p + n, *nl;

	/* Lines by memchr; columns only need the bytes after the last one. */
	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		s->line++;
		s->col = 1;
		p = nl + 1;
	}
	for (; p < end; p++)
		if ((*p & 0xc0) != 0x80)
			s->col++;
	s->off += n;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Skip white space.  Returns 1 if a value follows, 0 at EOF, -1 on error. */
static int
skip_space(struct ht_jstream *s, struct ht_err *e)
{
	int r;

	for (;;) {
		while (s->off < s->len && is_space(data(s)[s->off]))
			advance(s, 1);
		if (s->off < s->len)
			return 1;
		if ((r = fill(s, e)) <= 0)
			return r;
	}
}

/*
 * After a bad value: drop input up to the next line that begins with '{'
 * (or the end).  Bounded memory: what is skipped is not kept.
 */
static int
resync(struct ht_jstream *s, struct ht_err *e)
{
	const char *d, *nl;
	int r;

	/* The value's first byte is what failed; never stop on it again. */
	if (s->off < s->len)
		advance(s, 1);
	for (;;) {
		d = data(s);
		while ((nl = memchr(d + s->off, '\n', s->len - s->off)) !=
		    NULL) {
			advance(s, (size_t)(nl - (d + s->off)) + 1);
			if (s->off == s->len) {
				if ((r = fill(s, e)) < 0)
					return -1;
				if (r == 0)
					return 0;
				d = data(s);
			}
			if (d[s->off] == '{')
				return 0;
		}
		advance(s, s->len - s->off);
		if ((r = fill(s, e)) <= 0)
			return r;
	}
}

int
ht_json_depth(const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;
	int d, max = 0;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x)
			if ((d = ht_json_depth(x)) > max)
				max = d;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if ((d = ht_json_depth(x)) > max)
				max = d;
	} else
		return 0;
	return max + 1;
}

/* Having filled e: skip the bad value and say so. */
static int
bad(struct ht_jstream *s, struct ht_err *e)
{
	if (resync(s, e) < 0)
		return HT_JSTREAM_IOERR;
	return HT_JSTREAM_BAD;
}

int
ht_jstream_next(struct ht_jstream *s, json_t **out, struct ht_err *e)
{
	json_error_t je;
	json_t *v;
	size_t avail, used;
	long line, col;
	int r;

	*out = NULL;
	if ((r = skip_space(s, e)) <= 0)
		return r == 0 ? 0 : HT_JSTREAM_IOERR;
	s->vline = s->line;
	s->vcol = s->col;
	for (;;) {
		avail = s->len - s->off;
		v = json_loadb(data(s) + s->off, avail,
		    JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY |
		    JSON_REJECT_DUPLICATES, &je);
		used = v != NULL ? (size_t)je.position : 0;
		/*
		 * Read more when the value is cut short by the end of what we
		 * have (or, for a bare number, might go on), unless the
		 * bound is reached or the input has ended.
		 */
		/*
		 * A UTF-8 sequence or a \u escape cut by the end of what we
		 * have is, to Jansson, a bad byte or escape at that end, not
		 * a premature end: read more before calling it an error.
		 */
		if ((v == NULL && (json_error_code(&je) ==
		    json_error_premature_end_of_input ||
		    (!s->eof && (size_t)je.position + 8 >= avail))) ||
		    (v != NULL && used == avail && !json_is_object(v) &&
		    !json_is_array(v) && !s->eof)) {
			if (avail > s->max_value) {
				json_decref(v);
				ht_err_at(e, s->name, s->vline, s->vcol,
				    "value larger than %zu bytes",
				    s->max_value);
				return bad(s, e);
			}
			if ((r = fill(s, e)) < 0) {
				json_decref(v);
				return HT_JSTREAM_IOERR;
			}
			if (r > 0) {
				json_decref(v);
				continue;
			}
			/* No more input: a bad byte at the end is bad. */
			if (v != NULL || json_error_code(&je) !=
			    json_error_premature_end_of_input)
				break;
			ht_err_at(e, s->name, s->vline, s->vcol,
			    "unexpected end of input in a JSON value");
			return bad(s, e);
		}
		break;
	}
	if (v == NULL) {
		/* Jansson counts from the start of the buffer we gave it. */
		line = s->vline + je.line - 1;
		col = je.line <= 1 ? s->vcol + je.column - 1 : je.column;
		if (col < 1)
			col = 1;
		ht_err_at(e, s->name, line, col, "invalid JSON: %s", je.text);
		return bad(s, e);
	}
	if (used > s->max_value) {
		json_decref(v);
		ht_err_at(e, s->name, s->vline, s->vcol,
		    "value larger than %zu bytes", s->max_value);
		return bad(s, e);
	}
	if (ht_json_depth(v) > s->max_depth) {
		json_decref(v);
		ht_err_at(e, s->name, s->vline, s->vcol,
		    "JSON nested deeper than %d levels", s->max_depth);
		return bad(s, e);
	}
	advance(s, used);
	*out = v;
	return 1;
}

long
ht_jstream_line(const struct ht_jstream *s)
{
	return s->vline;
}

long
ht_jstream_col(const struct ht_jstream *s)
{
	return s->vcol;
}

const char *
ht_jstream_name(const struct ht_jstream *s)
{
	return s->name;
}

int
ht_jstream_each(int fd, const char *name, ht_jstream_fn *fn, void *arg,
    void (*report)(const struct ht_err *))
{
	struct ht_jstream *js;
	struct ht_err e;
	json_t *v;
	int r, status = 0;

	if ((js = ht_jstream_fd(fd, name, HT_JSON_MAX_VALUE,
	    HT_JSON_MAX_DEPTH)) == NULL) {
		ht_err_at(&e, name, 0, 0, "out of memory");
		report(&e);
		return EX_OSERR;
	}
	for (;;) {
		ht_err_clear(&e);
		r = ht_jstream_next(js, &v, &e);
		if (r == 0)
			break;
		if (r == HT_JSTREAM_IOERR) {
			report(&e);
			status = EX_IOERR;
			break;
		}
		if (r == HT_JSTREAM_BAD) {
			report(&e);
			status = EX_DATAERR;
			continue;
		}
		r = fn(v, arg, &e);
		json_decref(v);
		if (r == 0)
			continue;
		if (e.input[0] == '\0' && !(r & HT_JSTREAM_STOP))
			ht_err_locate(&e, name, js->vline, js->vcol);
		report(&e);
		status = r & ~HT_JSTREAM_STOP;
		if (r & HT_JSTREAM_STOP)
			break;
	}
	ht_jstream_free(js);
	return status;
}

int
ht_jstream_files(int argc, char *const argv[], ht_jstream_fn *fn, void *arg,
    void (*report)(const struct ht_err *))
{
	struct ht_err e;
	struct stat st;
	int fd, i, r, status = 0;

	if (argc == 0)
		return ht_jstream_each(STDIN_FILENO, "<stdin>", fn, arg,
		    report);
	for (i = 0; i < argc && status != EX_IOERR; i++) {
		if (strcmp(argv[i], "-") == 0) {
			r = ht_jstream_each(STDIN_FILENO, "<stdin>", fn, arg,
			    report);
		} else if ((fd = open(argv[i], O_RDONLY)) == -1) {
			ht_err_at(&e, argv[i], 0, 0, "cannot open: %s",
			    strerror(errno));
			report(&e);
			r = EX_NOINPUT;
		} else if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			ht_err_at(&e, argv[i], 0, 0, "is a directory");
			report(&e);
			(void)close(fd);
			r = EX_NOINPUT;
		} else {
			r = ht_jstream_each(fd, argv[i], fn, arg, report);
			(void)close(fd);
		}
		/* The gravest problem decides the status. */
		if (r == EX_IOERR || r == EX_OSERR ||
		    (r == EX_NOINPUT && status != EX_IOERR) ||
		    (r != 0 && status == 0))
			status = r;
	}
	return status;
}

const char *
ht_json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "?";
}
