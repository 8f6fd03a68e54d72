#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bsky.h"
#include "tweeturl.h"
#include "utf8.h"

static int
has_scheme(const char *s, size_t len)
{
	return (len >= 7 && strncasecmp(s, "http://", 7) == 0) ||
	    (len >= 8 && strncasecmp(s, "https://", 8) == 0);
}

/* One facet: the link text[start..end) at those byte offsets. */
static json_t *
facet(const char *text, size_t start, size_t end)
{
	const char *u = text + start;
	size_t n = end - start;
	char *uri;
	json_t *f;

	if ((uri = malloc(n + sizeof "https://")) == NULL)
		return NULL;
	if (has_scheme(u, n)) {
		memcpy(uri, u, n);
		uri[n] = '\0';
	} else {
		memcpy(uri, "https://", 8);
		memcpy(uri + 8, u, n);
		uri[n + 8] = '\0';
	}
	f = json_pack("{s:{s:I,s:I},s:[{s:s,s:s}]}", "index", "byteStart",
	    (json_int_t)start, "byteEnd", (json_int_t)end, "features",
	    "$type", HT_BSKY_FACET_LINK, "uri", uri);
	free(uri);
	return f;
}

json_t *
ht_bsky_facets(const char *text, size_t len, struct ht_err *e)
{
	struct ht_urlspan *sp;
	json_t *a, *f;
	size_t bad;
	long n, i;

	if (ht_utf8_check(text, len, &bad) == -1) {
		ht_err_set(e, "invalid UTF-8 at byte %zu", bad);
		e->col = (long)bad + 1;
		return NULL;
	}
	if ((n = ht_url_find_utf8(text, len, &sp, e)) == -1)
		return NULL;
	if ((a = json_array()) == NULL)
		goto oom;
	for (i = 0; i < n; i++)
		if ((f = facet(text, sp[i].start, sp[i].end)) == NULL ||
		    json_array_append_new(a, f) == -1)
			goto oom;
	free(sp);
	return a;
oom:
	free(sp);
	json_decref(a);
	ht_err_set(e, "out of memory");
	return NULL;
}
