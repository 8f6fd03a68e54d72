/*
 * Fuzz target "payload": a JSON stream to events, as dh-parse runs it
 * (lib/jstream.c, lib/event.c, lib/filter.c).
 *
 * The input is read twice: from memory, and from a pipe in packet mode
 * (O_DIRECT) written in small pieces, so that values cut by a read
 * boundary take the refill paths, as they do when dh-parse reads a pipe.
 * Both readings must see the same values, errors and positions: anything
 * else aborts.  The first byte chooses the size of the pieces.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "event.h"
#include "filter.h"
#include "jstream.h"
#include "fuzz.h"

/* Small bounds, so that small inputs reach them. */
#define MAX_VALUE	8192
#define MAX_DEPTH	16
/* A pipe of 1 MiB holds 256 packets: the pieces are at least size/250. */
#define PIPE_SIZE	(1024 * 1024)
#define MAX_PIECES	250

static const char *include_tags[] = { "v*", "[0-9]*", "*-dev*" };
static const char *exclude_repos[] = { "*/test*" };
static const struct ht_filter filter = {
	.include_tags = include_tags, .n_include_tags = 3,
	.exclude_repos = exclude_repos, .n_exclude_repos = 1,
	.skip_latest = 1,
};

/* Everything the stream and the event code say, as text. */
static char *
transcript(struct ht_jstream *js, size_t *len)
{
	struct ht_err e;
	json_t *v, *ev;
	char *out = NULL, *s, why[256];
	FILE *fp;
	int r;

	if ((fp = open_memstream(&out, len)) == NULL)
		abort();
	for (;;) {
		ht_err_clear(&e);
		r = ht_jstream_next(js, &v, &e);
		fprintf(fp, "%d %ld:%ld ", r, ht_jstream_line(js),
		    ht_jstream_col(js));
		if (r != 1) {
			fprintf(fp, "%s:%ld:%ld: %s\n", e.input, e.line, e.col,
			    e.msg);
			if (r == 0 || r == HT_JSTREAM_IOERR)
				break;
			continue;
		}
		ev = ht_event_from_payload(v, &e);
		json_decref(v);
		if (ev == NULL) {
			fprintf(fp, "event: %s\n", e.msg);
			continue;
		}
		s = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (s == NULL)
			abort();
		fprintf(fp, "%s %s\n", s, ht_filter_why(&filter,
		    json_string_value(json_object_get(ev, "repo_name")),
		    json_string_value(json_object_get(ev, "tag")), why,
		    sizeof why) != NULL ? why : "pass");
		free(s);
		json_decref(ev);
	}
	if (fclose(fp) != 0)
		abort();
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ht_jstream *js;
	char *a, *b;
	size_t alen, blen, piece, off, n;
	int p[2];

	if ((js = ht_jstream_mem(data, size, "fuzz", MAX_VALUE,
	    MAX_DEPTH)) == NULL)
		abort();
	a = transcript(js, &alen);
	ht_jstream_free(js);

	piece = size > 0 ? 1 + data[0] % 64 : 1;
	if (piece < size / MAX_PIECES + 1)
		piece = size / MAX_PIECES + 1;
	if (piece > 4096 || pipe2(p, O_DIRECT) == -1) {
		free(a);
		return 0;
	}
	if (fcntl(p[1], F_SETPIPE_SZ, PIPE_SIZE) == -1) {
		/* Too many pieces for a small pipe: only one reading. */
		(void)close(p[0]);
		(void)close(p[1]);
		free(a);
		return 0;
	}
	for (off = 0; off < size; off += n) {
		n = size - off < piece ? size - off : piece;
		if (write(p[1], data + off, n) != (ssize_t)n)
			abort();
	}
	(void)close(p[1]);
	if ((js = ht_jstream_fd(p[0], "fuzz", MAX_VALUE, MAX_DEPTH)) == NULL)
		abort();
	b = transcript(js, &blen);
	ht_jstream_free(js);
	(void)close(p[0]);

	if (alen != blen || memcmp(a, b, alen) != 0) {
		fprintf(stderr, "payload: memory and pipe (pieces of %zu "
		    "bytes) disagree\n--- memory\n%s--- pipe\n%s", piece, a, b);
		abort();
	}
	free(a);
	free(b);
	return 0;
}
