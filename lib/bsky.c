#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <utf8proc.h>

#include "bsky.h"
#include "tweeturl.h"
#include "utf8.h"
#include "util.h"

static int
has_scheme(const char *s, size_t len)
{
	return (len >= 7 && strncasecmp(s, "http://", 7) == 0) ||
	    (len >= 8 && strncasecmp(s, "https://", 8) == 0);
}

/*
 * The URI of the link text[start..end), with "https://" in front when it
 * has no scheme; its length in *len.  caller frees; NULL: no memory.
 */
static char *
link_uri(const char *text, size_t start, size_t end, size_t *len)
{
	const char *u = text + start;
	size_t n = end - start, k = 0;
	char *uri;

	if ((uri = malloc(n + sizeof "https://")) == NULL)
		return NULL;
	if (!has_scheme(u, n)) {
		memcpy(uri, "https://", 8);
		k = 8;
	}
	memcpy(uri + k, u, n);
	uri[n + k] = '\0';
	*len = n + k;
	return uri;
}

int
ht_bsky_card(const char *text, size_t len, const json_t *ev, json_t **card,
    struct ht_err *e)
{
	const char *repo = json_string_value(json_object_get(ev, "repo_name"));
	const char *tag = json_string_value(json_object_get(ev, "tag"));
	const char *desc = json_string_value(json_object_get(ev,
	    "description"));
	struct ht_urlspan *sp;
	char *uri = NULL, *title = NULL;
	size_t ulen;
	long n;
	int r = 0;

	*card = NULL;
	if (repo == NULL || tag == NULL)
		return 0;
	if ((n = ht_url_find_utf8(text, len, &sp, e)) == -1)
		return -1;
	if (n == 0)
		goto out;
	if (desc == NULL || desc[strspn(desc, " \t\r\n")] == '\0')
		desc = HT_BSKY_CARD_DESCRIPTION;
	if ((uri = link_uri(text, sp[0].start, sp[0].end, &ulen)) == NULL ||
	    (title = malloc(strlen(repo) + strlen(tag) + 2)) == NULL) {
		ht_err_set(e, "out of memory");
		r = -1;
		goto out;
	}
	(void)snprintf(title, strlen(repo) + strlen(tag) + 2, "%s %s", repo,
	    tag);
	if ((*card = json_pack("{s:s%,s:s,s:s}", "uri", uri, ulen, "title",
	    title, "description", desc)) == NULL) {
		ht_err_set(e, "out of memory");
		r = -1;
		goto out;
	}
	r = 1;
out:
	free(title);
	free(uri);
	free(sp);
	return r;
}

json_t *
ht_bsky_embed(const json_t *card, struct ht_err *e)
{
	const char *uri = json_string_value(json_object_get(card, "uri"));
	const char *title = json_string_value(json_object_get(card, "title"));
	const char *desc = json_string_value(json_object_get(card,
	    "description"));
	json_t *j;

	if (uri == NULL || !has_scheme(uri, strlen(uri)) || title == NULL ||
	    desc == NULL) {
		ht_err_set(e, "card: expected {\"uri\": an http(s) URL, "
		    "\"title\", \"description\"}");
		e->status = EX_DATAERR;
		return NULL;
	}
	if ((j = json_pack("{s:s,s:{s:s,s:s,s:s}}", "$type",
	    HT_BSKY_EMBED_EXTERNAL, "external", "uri", uri, "title", title,
	    "description", desc)) == NULL)
		(void)ht_err_fail(e, EX_OSERR, "out of memory");
	return j;
}

/* One facet: the link text[start..end) at those byte offsets. */
static json_t *
facet(const char *text, size_t start, size_t end)
{
	char *uri;
	size_t n;
	json_t *f;

	if ((uri = link_uri(text, start, end, &n)) == NULL)
		return NULL;
	/* With its length: the URI is the bytes, whatever they hold. */
	f = json_pack("{s:{s:I,s:I},s:[{s:s,s:s%}]}", "index", "byteStart",
	    (json_int_t)start, "byteEnd", (json_int_t)end, "features",
	    "$type", HT_BSKY_FACET_LINK, "uri", uri, n);
	free(uri);
	return f;
}

/*
 * Bluesky's rules for a hashtag, as its own app applies them when it
 * writes a post: '#' (or the full-width U+FF03) at the start of the text
 * or after white space, then the run of characters up to the next white
 * space or invisible separator; the run must not begin with U+FE0F (the
 * keycap emoji "#" U+FE0F U+20E3), must hold a character that is neither
 * a digit nor punctuation ("#1.0" is no tag), and loses its trailing
 * punctuation ("#docker." tags "docker"); what is left is the tag, 1 to
 * HT_BSKY_TAG_MAX UTF-16 units long (the app counts so), without its '#'.
 * A tag that overlaps a link is none.
 */

/* White space as Bluesky's app sees it (JavaScript's \s). */
static int
tag_space(utf8proc_int32_t c)
{
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_ZS:
	case UTF8PROC_CATEGORY_ZL:
	case UTF8PROC_CATEGORY_ZP:
		return 1;
	default:
		return (c >= 0x09 && c <= 0x0d) || c == 0xfeff;
	}
}

/* What ends a tag: white space, or an invisible separator. */
static int
tag_stop(utf8proc_int32_t c)
{
	return tag_space(c) || c == 0x00ad || c == 0x2060 || c == 0x200a ||
	    c == 0x200b || c == 0x200c || c == 0x200d || c == 0x20e2;
}

static int
tag_punct(utf8proc_int32_t c)
{
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_PC:
	case UTF8PROC_CATEGORY_PD:
	case UTF8PROC_CATEGORY_PS:
	case UTF8PROC_CATEGORY_PE:
	case UTF8PROC_CATEGORY_PI:
	case UTF8PROC_CATEGORY_PF:
	case UTF8PROC_CATEGORY_PO:
		return 1;
	default:
		return 0;
	}
}

/* The code point at text[i] (valid UTF-8, checked): its length in *n. */
static utf8proc_int32_t
cp_at(const char *text, size_t len, size_t i, size_t *n)
{
	utf8proc_int32_t c;
	utf8proc_ssize_t k;

	k = utf8proc_iterate((const utf8proc_uint8_t *)text + i,
	    (utf8proc_ssize_t)(len - i), &c);
	*n = k > 0 ? (size_t)k : 1;
	return k > 0 ? c : -1;
}

/* Whether [start, end) overlaps a facet of a (the links). */
static int
overlaps(const json_t *a, size_t start, size_t end)
{
	const json_t *f, *ix;
	size_t i;

	json_array_foreach(a, i, f) {
		ix = json_object_get(f, "index");
		if ((json_int_t)start < json_integer_value(json_object_get(ix,
		    "byteEnd")) && (json_int_t)end > json_integer_value(
		    json_object_get(ix, "byteStart")))
			return 1;
	}
	return 0;
}

/*
 * The tag that starts at text[i], a '#' or '＃' of hlen bytes at the start
 * or after white space: 1 and its end (*end, exclusive, without trailing
 * punctuation), or 0 when it is none; *next: where to look on.
 */
static int
tag_at(const char *text, size_t len, size_t i, size_t hlen, size_t *end,
    size_t *next)
{
	size_t j = i + hlen, n, units = 0, lastgood = 0;
	utf8proc_int32_t c;
	int word = 0;

	*end = i;
	for (; j < len; j += n) {
		c = cp_at(text, len, j, &n);
		if (tag_stop(c) || (j == i + hlen && c == 0xfe0f))
			break;
		units += c > 0xffff ? 2 : 1;
		if (!tag_punct(c)) {
			lastgood = units;
			*end = j + n;
			if (!(c >= '0' && c <= '9'))
				word = 1;
		}
	}
	*next = j;
	return word && lastgood >= 1 && lastgood <= HT_BSKY_TAG_MAX;
}

/* Append the tag facets of text to a, which holds its links.  -1: no memory. */
static int
tag_facets(const char *text, size_t len, json_t *a)
{
	size_t i = 0, n, end, next, h;
	utf8proc_int32_t c;
	int after_space = 1;
	json_t *f;

	while (i < len) {
		c = cp_at(text, len, i, &n);
		if (after_space && (c == '#' || c == 0xff03)) {
			h = n;
			if (tag_at(text, len, i, h, &end, &next) &&
			    !overlaps(a, i, end)) {
				f = json_pack("{s:{s:I,s:I},s:[{s:s,s:s%}]}",
				    "index", "byteStart", (json_int_t)i,
				    "byteEnd", (json_int_t)end, "features",
				    "$type", HT_BSKY_FACET_TAG, "tag",
				    text + i + h, end - i - h);
				if (f == NULL || json_array_append_new(a, f) ==
				    -1)
					return -1;
			}
			after_space = 0;
			i = next;
			continue;
		}
		after_space = tag_space(c);
		i += n;
	}
	return 0;
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
	if (tag_facets(text, len, a) == -1)
		goto oom;
	free(sp);
	return a;
oom:
	free(sp);
	json_decref(a);
	ht_err_set(e, "out of memory");
	return NULL;
}

/* Wipe and free *p, and forget it. */
static void
wipe_free(char **p)
{
	if (*p != NULL) {
		explicit_bzero(*p, strlen(*p));
		free(*p);
	}
	*p = NULL;
}

void
ht_bsky_session_clear(struct ht_bsky_session *s)
{
	wipe_free(&s->pds);
	wipe_free(&s->handle);
	wipe_free(&s->did);
	wipe_free(&s->access);
	wipe_free(&s->refresh);
}

/* A copy of a string member of o, or NULL. */
static char *
member(const json_t *o, const char *name)
{
	const char *s = json_string_value(json_object_get(o, name));

	return s != NULL && *s != '\0' ? strdup(s) : NULL;
}

/* Wipe a JSON string's bytes in place (Jansson has no wipe of its own). */
static void
wipe_string(json_t *j)
{
	const char *s = json_string_value(j);

	/* The string is Jansson's malloc'ed copy, strlen(s) long. */
	if (s != NULL)
		explicit_bzero((char *)(uintptr_t)s, strlen(s));
}

static void
wipe_members(json_t *o)
{
	void *it;

	for (it = json_object_iter(o); it != NULL;
	    it = json_object_iter_next(o, it))
		wipe_string(json_object_iter_value(it));
}

/*
 * The session in o, a session file's JSON (NULL: not JSON), which is
 * wiped and freed: 1 when it is whole and for pds and handle, else 0.
 */
static int
session_of(json_t *o, const char *pds, const char *handle,
    struct ht_bsky_session *s)
{
	int r = 0;

	if (o == NULL)
		return 0;
	if (!json_is_object(o) || json_object_size(o) > 8)
		goto out;
	s->pds = member(o, "pds");
	s->handle = member(o, "handle");
	s->did = member(o, "did");
	s->access = member(o, "accessJwt");
	s->refresh = member(o, "refreshJwt");
	if (s->pds == NULL || s->handle == NULL || s->did == NULL ||
	    s->access == NULL || s->refresh == NULL ||
	    strcmp(s->pds, pds) != 0 || strcmp(s->handle, handle) != 0) {
		ht_bsky_session_clear(s);
		goto out;
	}
	r = 1;
out:
	wipe_members(o);
	json_decref(o);
	return r;
}

int
ht_bsky_session_load(const char *path, const char *pds, const char *handle,
    struct ht_bsky_session *s, struct ht_err *e)
{
	json_error_t je;
	struct stat st;
	json_t *o;
	int fd, r;
	FILE *fp;

	memset(s, 0, sizeof *s);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno == ENOENT)
			return 0;
		ht_err_at(e, path, 0, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & (S_IRWXG | S_IRWXO)) != 0 ||
	    st.st_uid != geteuid()) {
		ht_err_at(e, path, 0, 0, "holds a session but is not a file "
		    "of this user's that only they can read; remove it");
		(void)close(fd);
		return -1;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		ht_err_at(e, path, 0, 0, "cannot read: %s", strerror(errno));
		(void)close(fd);
		return -1;
	}
	/* A session file is small; a broken one is only a new login. */
	o = json_loadf(fp, JSON_REJECT_DUPLICATES, &je);
	r = session_of(o, pds, handle, s);
	(void)fclose(fp);
	return r;
}

int
ht_bsky_session_parse(const char *buf, size_t len, const char *pds,
    const char *handle, struct ht_bsky_session *s)
{
	memset(s, 0, sizeof *s);
	return session_of(json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL),
	    pds, handle, s);
}

int
ht_bsky_session_from(const char *body, size_t len, struct ht_bsky_session *s)
{
	json_t *o;
	char *did, *access, *refresh;
	int r = -1;

	if ((o = json_loadb(body, len, 0, NULL)) == NULL)
		return -1;
	did = member(o, "did");
	access = member(o, "accessJwt");
	refresh = member(o, "refreshJwt");
	if (did != NULL && access != NULL && refresh != NULL) {
		wipe_free(&s->did);
		wipe_free(&s->access);
		wipe_free(&s->refresh);
		s->did = did;
		s->access = access;
		s->refresh = refresh;
		did = access = refresh = NULL;
		r = 0;
	}
	wipe_free(&did);
	wipe_free(&access);
	wipe_free(&refresh);
	wipe_members(o);
	json_decref(o);
	return r;
}

int
ht_bsky_session_save(const char *path, const struct ht_bsky_session *s,
    struct ht_err *e)
{
	char tmp[4096];
	json_t *o;
	char *text = NULL;
	int fd = -1, r = -1;

	if (snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >=
	    (int)sizeof tmp) {
		ht_err_at(e, path, 0, 0, "path too long");
		return -1;
	}
	if ((o = json_pack("{s:s,s:s,s:s,s:s,s:s}", "pds", s->pds, "handle",
	    s->handle, "did", s->did, "accessJwt", s->access, "refreshJwt",
	    s->refresh)) == NULL || (text = json_dumps(o, JSON_COMPACT)) ==
	    NULL) {
		ht_err_set(e, "out of memory");
		goto out;
	}
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1 ||
	    ht_write_all(fd, text, strlen(text)) == -1 || fsync(fd) == -1) {
		ht_err_at(e, tmp, 0, 0, "cannot write: %s", strerror(errno));
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		ht_err_at(e, tmp, 0, 0, "cannot write: %s", strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		ht_err_at(e, path, 0, 0, "cannot rename %s to it: %s", tmp,
		    strerror(errno));
		goto out;
	}
	r = 0;
out:
	if (fd != -1)
		(void)close(fd);
	if (r == -1)
		(void)unlink(tmp);
	if (text != NULL) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
	if (o != NULL) {
		wipe_members(o);
		json_decref(o);
	}
	return r;
}

int
ht_bsky_datetime(unsigned long long usec, char *buf, size_t size)
{
	struct tm tm;
	time_t t = (time_t)(usec / 1000000);
	char d[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(d, sizeof d, "%Y-%m-%dT%H:%M:%S", &tm) == 0 ||
	    snprintf(buf, size, "%s.%03uZ", d,
	    (unsigned)(usec % 1000000 / 1000)) >= (int)size)
		return -1;
	return 0;
}
