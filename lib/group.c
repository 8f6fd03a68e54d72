#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <jansson.h>

#include "group.h"

static int
nomem(struct ht_err *e)
{
	return ht_err_fail(e, EX_OSERR, "out of memory");
}

/*
 * Tags.
 */

/* What the main-tag rule looks at in a tag. */
struct tagkey {
	int parts;	/* leading dot-separated parts that begin with a digit */
	size_t plen;	/* the length of those parts, dots included */
	size_t len;	/* the whole tag's */
};

static void
tag_key(const char *t, struct tagkey *k)
{
	const char *p = t, *end = t + strcspn(t, "-"), *dot;

	k->parts = 0;
	k->plen = 0;
	k->len = strlen(t);
	while (p < end && *p >= '0' && *p <= '9') {
		dot = memchr(p, '.', (size_t)(end - p));
		k->parts++;
		k->plen = (size_t)((dot != NULL ? dot : end) - t);
		if (dot == NULL)
			break;
		p = dot + 1;
	}
}

int
ht_tag_cmp_main(const char *a, const char *b)
{
	struct tagkey ka, kb;

	tag_key(a, &ka);
	tag_key(b, &kb);
	if (ka.parts != kb.parts)
		return ka.parts > kb.parts ? -1 : 1;
	if (ka.plen != kb.plen)
		return ka.plen > kb.plen ? -1 : 1;
	if (ka.len != kb.len)
		return ka.len < kb.len ? -1 : 1;
	return 0;
}

int
ht_tag_cmp(const char *a, const char *b)
{
	int r = ht_tag_cmp_main(a, b);

	return r != 0 ? r : strcmp(a, b);
}

int
ht_tag_less_specific(const char *a, const char *b)
{
	struct tagkey ka, kb;

	tag_key(a, &ka);
	tag_key(b, &kb);
	if (ka.parts == 0)
		return kb.parts > 0;
	/* a's version is b's first parts, its last part a prefix of b's. */
	if (ka.parts > kb.parts || ka.plen > kb.plen ||
	    strncmp(a, b, ka.plen) != 0)
		return 0;
	/* The same version: another variant of it, not the same tag. */
	if (ka.plen == kb.plen)
		return strcmp(a, b) != 0;
	/* 1.2 of 1.2.3 (a dot follows), 8 of 8u504, not 1 of 10. */
	return b[ka.plen] == '.' || b[ka.plen] < '0' || b[ka.plen] > '9';
}

long long
ht_event_time(const json_t *ev)
{
	const char *s = json_string_value(json_object_get(ev, "pushed_at"));
	struct tm tm = { 0 };
	char *end;

	if (s == NULL || (end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) ==
	    NULL || *end != '\0')
		return -1;
	return (long long)timegm(&tm);
}

const char *
ht_event_group_key(const json_t *ev, char *buf, size_t len)
{
	const char *repo = json_string_value(json_object_get(ev, "repo_name"));
	const char *reg = json_string_value(json_object_get(ev, "registry"));
	int r;

	if (repo == NULL || *repo == '\0')
		return NULL;
	if (reg == NULL || *reg == '\0' || strcmp(reg, "docker.io") == 0)
		r = snprintf(buf, len, "%s", repo);
	else
		r = snprintf(buf, len, "%s/%s", reg, repo);
	return r < 0 || (size_t)r >= len ? NULL : buf;
}

/*
 * Group events.
 */

/* Whether list (an array of strings) holds the string s. */
static int
has_tag(const json_t *list, const char *s)
{
	const json_t *t;
	size_t i;

	json_array_foreach(list, i, t)
		if (json_is_string(t) && strcmp(json_string_value(t), s) == 0)
			return 1;
	return 0;
}

/* The tags an event announces: its "tags", else its "tag" (borrowed). */
static json_t *
event_tags(const json_t *ev, json_t **one)
{
	json_t *list = json_object_get(ev, "tags");

	*one = NULL;
	if (json_is_array(list) && json_array_size(list) > 0)
		return list;
	if ((*one = json_array()) != NULL && json_is_string(json_object_get(ev,
	    "tag")))
		(void)json_array_append(*one, json_object_get(ev, "tag"));
	return *one;
}

static int
cmp_json_tags(const void *a, const void *b)
{
	return ht_tag_cmp(json_string_value(*(json_t *const *)a),
	    json_string_value(*(json_t *const *)b));
}

/* Every string of list added to tags once; -1 when out of memory. */
static int
add_tags(json_t *tags, const json_t *list)
{
	const json_t *t;
	size_t i;

	json_array_foreach(list, i, t)
		if (json_is_string(t) && !has_tag(tags, json_string_value(t)) &&
		    json_array_append(tags, (json_t *)t) == -1)
			return -1;
	return 0;
}

/* Sort an array of strings by ht_tag_cmp; -1 when out of memory. */
static int
sort_tags(json_t *tags)
{
	size_t i, n = json_array_size(tags);
	json_t **v;

	if (n < 2)
		return 0;
	if ((v = calloc(n, sizeof(json_t *))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(tags, i));
	qsort(v, n, sizeof(json_t *), cmp_json_tags);
	json_array_clear(tags);
	for (i = 0; i < n; i++)
		if (json_array_append_new(tags, v[i]) == -1) {
			while (++i < n)
				json_decref(v[i]);
			free(v);
			return -1;
		}
	free(v);
	return 0;
}

/*
 * Of two events that announce the main tag, whether a comes first: pushed
 * first, then the smaller as compact JSON (the same for any order).
 */
static int
event_first(const json_t *a, const json_t *b)
{
	long long ta = ht_event_time(a), tb = ht_event_time(b);
	char *da, *db;
	int r;

	if (ta != tb)
		return ta != -1 && (tb == -1 || ta < tb);
	da = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
	db = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
	r = da != NULL && db != NULL && strcmp(da, db) < 0;
	free(da);
	free(db);
	return r;
}

json_t *
ht_group_event(json_t *const *evs, size_t n, struct ht_err *e)
{
	json_t *tags = NULL, *out = NULL, *other = NULL, *list, *one, *v;
	const json_t *main_ev = NULL;
	const char *key, *repo, *main_tag, *pushed, *reg;
	char buf[512];
	size_t i;
	int r;

	if (n == 0) {
		ht_err_fail(e, EX_SOFTWARE, "a group of no events");
		return NULL;
	}
	if ((tags = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		list = event_tags(evs[i], &one);
		r = list == NULL ? -1 : add_tags(tags, list);
		json_decref(one);
		if (r == -1)
			goto nomem;
	}
	if (json_array_size(tags) == 0) {
		ht_err_fail(e, EX_DATAERR, "an event without a tag");
		goto fail;
	}
	if (sort_tags(tags) == -1 || (other = json_array()) == NULL)
		goto nomem;
	main_tag = json_string_value(json_array_get(tags, 0));
	for (i = 1; i < json_array_size(tags); i++)
		if (json_array_append(other, json_array_get(tags, i)) == -1)
			goto nomem;
	for (i = 0; i < n; i++) {
		list = event_tags(evs[i], &one);
		r = list != NULL && has_tag(list, main_tag);
		json_decref(one);
		if (r && (main_ev == NULL || event_first(evs[i], main_ev)))
			main_ev = evs[i];
	}
	if (main_ev == NULL)
		goto nomem;	/* only event_tags failing leaves it so */

	/* The main tag's event, in its order, with the lists after "tag". */
	if ((out = json_object()) == NULL)
		goto nomem;
	json_object_foreach((json_t *)main_ev, key, v) {
		if (strcmp(key, "tags") == 0 || strcmp(key, "other_tags") == 0)
			continue;
		if (json_object_set(out, key, v) == -1)
			goto nomem;
		if (strcmp(key, "tag") == 0 && (json_object_set_new(out, "tag",
		    json_string(main_tag)) == -1 || json_object_set(out,
		    "tags", tags) == -1 || json_object_set(out,
		    "other_tags", other) == -1))
			goto nomem;
	}
	/* A main tag from a list of "tags" alone: the lists at the end. */
	if (json_object_get(out, "tag") == NULL && (json_object_set_new(out,
	    "tag", json_string(main_tag)) == -1 || json_object_set(out,
	    "tags", tags) == -1 || json_object_set(out, "other_tags",
	    other) == -1))
		goto nomem;
	repo = json_string_value(json_object_get(out, "repo_name"));
	pushed = json_string_value(json_object_get(out, "pushed_at"));
	if (repo == NULL || pushed == NULL) {
		ht_err_fail(e, EX_DATAERR, "an event without %s", repo == NULL ?
		    "repo_name" : "pushed_at");
		goto fail;
	}
	/*
	 * As the readers make them, for the main tag: another registry's
	 * image is pulled with its host (lib/reader.h), Docker Hub's without.
	 */
	reg = json_string_value(json_object_get(out, "registry"));
	r = snprintf(buf, sizeof buf, "%s%s%s:%s", reg != NULL ? reg : "",
	    reg != NULL ? "/" : "", repo, main_tag);
	if (r < 0 || (size_t)r >= sizeof buf ||
	    json_object_set_new(out, "image", json_string(buf)) == -1)
		goto nomem;
	r = snprintf(buf, sizeof buf, "%s%s%s:%s@%s", reg != NULL ? reg : "",
	    reg != NULL ? "/" : "", repo, main_tag, pushed);
	if (r < 0 || (size_t)r >= sizeof buf ||
	    json_object_set_new(out, "id", json_string(buf)) == -1)
		goto nomem;
	json_decref(tags);
	json_decref(other);
	return out;
nomem:
	nomem(e);
fail:
	json_decref(tags);
	json_decref(other);
	json_decref(out);
	return NULL;
}

/*
 * The grouper.
 */

struct group {
	char key[HT_GROUP_KEY_MAX];
	long long first, last;
	json_t *evs[HT_GROUP_MAX];
	size_t n;
};

struct ht_grouper {
	long long window, max;
	ht_group_emit_fn emit;
	void *arg;
	struct group **v;	/* open groups, oldest first */
	size_t n;
};

struct ht_grouper *
ht_grouper_new(long long window, long long max, ht_group_emit_fn emit,
    void *arg)
{
	struct ht_grouper *g;

	if ((g = calloc(1, sizeof *g)) == NULL)
		return NULL;
	g->window = window;
	g->max = max;
	g->emit = emit;
	g->arg = arg;
	return g;
}

static void
group_free(struct group *gr)
{
	size_t i;

	for (i = 0; i < gr->n; i++)
		json_decref(gr->evs[i]);
	free(gr);
}

/* When a group closes: window after its last event, max after its first. */
static long long
group_close(const struct ht_grouper *g, const struct group *gr)
{
	long long a = gr->last + g->window, b = gr->first + g->max;

	return a < b ? a : b;
}

/* Give the group at i to emit, and forget it. */
static int
group_emit(struct ht_grouper *g, size_t i, struct ht_err *e)
{
	struct group *gr = g->v[i];
	long long last = gr->last;
	json_t *ev;
	int r;

	memmove(g->v + i, g->v + i + 1,
	    (g->n - i - 1) * sizeof(struct group *));
	g->n--;
	ev = ht_group_event(gr->evs, gr->n, e);
	group_free(gr);
	if (ev == NULL)
		return -1;
	r = g->emit(ev, last, g->arg, e);
	json_decref(ev);
	return r;
}

int
ht_grouper_add(struct ht_grouper *g, json_t *ev, struct ht_err *e)
{
	struct group *gr = NULL, **nv;
	char key[HT_GROUP_KEY_MAX];
	long long t = ht_event_time(ev);
	size_t i;
	int r;

	if (ht_event_group_key(ev, key, sizeof key) == NULL || t == -1)
		return ht_err_fail(e, EX_DATAERR, "an event without %s",
		    t == -1 ? "a valid pushed_at" : "a usable repo_name");
	if (g->window == 0) {
		if ((ev = ht_group_event(&ev, 1, e)) == NULL)
			return -1;
		r = g->emit(ev, t, g->arg, e);
		json_decref(ev);
		return r;
	}
	/*
	 * Groups this event is past have closed: given in the order they
	 * were opened, so that the events come out in the order of their
	 * first delivery even when the input is not sorted by time.
	 */
	while (g->n > 0 && t >= group_close(g, g->v[0]))
		if (group_emit(g, 0, e) == -1)
			return -1;
	for (i = 0; i < g->n && gr == NULL; i++)
		if (strcmp(g->v[i]->key, key) == 0 &&
		    t < group_close(g, g->v[i]) &&
		    t > g->v[i]->first - g->window &&
		    g->v[i]->n < HT_GROUP_MAX)
			gr = g->v[i];
	if (gr == NULL) {
		if ((gr = calloc(1, sizeof *gr)) == NULL)
			return nomem(e);
		if ((nv = realloc(g->v, (g->n + 1) *
		    sizeof(struct group *))) == NULL) {
			free(gr);
			return nomem(e);
		}
		g->v = nv;
		g->v[g->n++] = gr;
		memcpy(gr->key, key, sizeof key);
		gr->first = gr->last = t;
	}
	if (t > gr->last)
		gr->last = t;
	if (t < gr->first)
		gr->first = t;
	gr->evs[gr->n++] = json_incref(ev);
	return 0;
}

int
ht_grouper_finish(struct ht_grouper *g, struct ht_err *e)
{
	while (g->n > 0)
		if (group_emit(g, 0, e) == -1)
			return -1;
	return 0;
}

void
ht_grouper_free(struct ht_grouper *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->n; i++)
		group_free(g->v[i]);
	free(g->v);
	free(g);
}

/*
 * The memory of releases.
 */

const char *
ht_verdict_name(enum ht_verdict v)
{
	switch (v) {
	case HT_VERDICT_REPEAT:
		return "repeat";
	case HT_VERDICT_LATE:
		return "late alias";
	case HT_VERDICT_NEW:
	default:
		return "new";
	}
}

/* Whether m is a release: repo, tag, tags, id and at as they should be. */
static int
is_release(const json_t *m)
{
	return json_is_string(json_object_get(m, "repo")) &&
	    json_is_string(json_object_get(m, "tag")) &&
	    json_is_array(json_object_get(m, "tags")) &&
	    json_is_string(json_object_get(m, "id")) &&
	    json_is_integer(json_object_get(m, "at"));
}

static const char *
mstr(const json_t *m, const char *k)
{
	return json_string_value(json_object_get(m, k));
}

/* Whether release m is key's, and remembered at now. */
static int
counts(const json_t *m, const char *key, long long now, long long repeat)
{
	long long at;

	if (!is_release(m) || strcmp(mstr(m, "repo"), key) != 0)
		return 0;
	at = (long long)json_integer_value(json_object_get(m, "at"));
	return at > now - repeat;
}

/* Whether a release of key remembered at now has tag among its tags. */
static int
announced(const json_t *mem, const char *key, long long now,
    long long repeat, const char *tag)
{
	const json_t *m;
	size_t i;

	json_array_foreach(mem, i, m)
		if (counts(m, key, now, repeat) &&
		    has_tag(json_object_get(m, "tags"), tag))
			return 1;
	return 0;
}

int
ht_memory_judge(const json_t *mem, const json_t *ev, long long now,
    long long repeat, struct ht_judgment *j, struct ht_err *e)
{
	char key[HT_GROUP_KEY_MAX];
	const char *main_tag = json_string_value(json_object_get(ev, "tag"));
	const json_t *m, *t, *tags = json_object_get(ev, "tags");
	long repeat_at = -1, late_at = -1, holder = -1;
	size_t i, k;
	int all = json_is_array(tags) && json_array_size(tags) > 0;

	memset(j, 0, sizeof *j);
	j->verdict = HT_VERDICT_NEW;
	j->at = -1;
	if (main_tag == NULL || ht_event_group_key(ev, key, sizeof key) ==
	    NULL)
		return ht_err_fail(e, EX_DATAERR, "an event without %s",
		    main_tag == NULL ? "a tag" : "a usable repo_name");
	if (!json_is_array(mem))
		return 0;
	/* The latest release that each rule finds wins. */
	json_array_foreach(mem, i, m) {
		if (!counts(m, key, now, repeat))
			continue;
		if (strcmp(mstr(m, "tag"), main_tag) == 0)
			repeat_at = (long)i;
		else if (ht_tag_less_specific(main_tag, mstr(m, "tag")))
			late_at = (long)i;
		if (has_tag(json_object_get(m, "tags"), main_tag))
			holder = (long)i;
	}
	/* Every tag announced, in any release of the repository's. */
	json_array_foreach(tags, k, t)
		if (!json_is_string(t) || !announced(mem, key, now, repeat,
		    json_string_value(t)))
			all = 0;
	if (repeat_at == -1 && all && holder != -1)
		repeat_at = holder;
	if (repeat_at != -1) {
		j->verdict = HT_VERDICT_REPEAT;
		j->at = repeat_at;
	} else if (late_at != -1) {
		j->verdict = HT_VERDICT_LATE;
		j->at = late_at;
	}
	if (j->at != -1) {
		m = json_array_get(mem, (size_t)j->at);
		j->id = mstr(m, "id");
		j->tag = mstr(m, "tag");
	}
	return 0;
}

/* Forget the oldest releases of key past the bounds. */
static void
bound(json_t *mem, const char *key)
{
	const json_t *m;
	size_t i, n = 0;

	json_array_foreach(mem, i, m)
		if (is_release(m) && strcmp(mstr(m, "repo"), key) == 0)
			n++;
	for (i = 0; n > HT_MEMORY_PER_REPO && i < json_array_size(mem); ) {
		m = json_array_get(mem, i);
		if (is_release(m) && strcmp(mstr(m, "repo"), key) == 0) {
			(void)json_array_remove(mem, i);
			n--;
		} else
			i++;
	}
	while (json_array_size(mem) > HT_MEMORY_MAX)
		(void)json_array_remove(mem, 0);
}

int
ht_memory_note(json_t *mem, const json_t *ev, const struct ht_judgment *j,
    long long now, struct ht_err *e)
{
	char key[HT_GROUP_KEY_MAX];
	json_t *m, *tags, *one, *list;
	const char *id = json_string_value(json_object_get(ev, "id"));
	const char *tag = json_string_value(json_object_get(ev, "tag"));

	if (!json_is_array(mem))
		return ht_err_fail(e, EX_SOFTWARE, "the memory is not a list");
	if (ht_event_group_key(ev, key, sizeof key) == NULL || id == NULL ||
	    tag == NULL)
		return ht_err_fail(e, EX_DATAERR, "an event without %s",
		    id == NULL ? "an id" : tag == NULL ? "a tag" :
		    "a usable repo_name");
	if ((list = event_tags(ev, &one)) == NULL)
		return nomem(e);
	if (j->verdict != HT_VERDICT_NEW && j->at >= 0 &&
	    (size_t)j->at < json_array_size(mem)) {
		/* Its tags join the release they belong to, within bounds. */
		tags = json_object_get(json_array_get(mem, (size_t)j->at),
		    "tags");
		if (json_array_size(tags) + json_array_size(list) <=
		    HT_GROUP_MAX && (add_tags(tags, list) == -1 ||
		    sort_tags(tags) == -1)) {
			json_decref(one);
			return nomem(e);
		}
		json_decref(one);
		return 0;
	}
	if ((m = json_object()) == NULL || (tags = json_array()) == NULL ||
	    add_tags(tags, list) == -1 || sort_tags(tags) == -1 ||
	    json_object_set_new(m, "repo", json_string(key)) == -1 ||
	    json_object_set_new(m, "tag", json_string(tag)) == -1 ||
	    json_object_set_new(m, "tags", tags) == -1 ||
	    json_object_set_new(m, "id", json_string(id)) == -1 ||
	    json_object_set_new(m, "at", json_integer((json_int_t)now)) ==
	    -1 || json_array_append_new(mem, m) == -1) {
		json_decref(one);
		json_decref(m);
		return nomem(e);
	}
	json_decref(one);
	bound(mem, key);
	return 0;
}

size_t
ht_memory_expire(json_t *mem, long long now, long long repeat)
{
	const json_t *m;
	size_t i = 0, n = 0;

	while (i < json_array_size(mem)) {
		m = json_array_get(mem, i);
		if (!is_release(m) || (long long)json_integer_value(
		    json_object_get(m, "at")) <= now - repeat) {
			(void)json_array_remove(mem, i);
			n++;
		} else
			i++;
	}
	return n;
}

size_t
ht_memory_forget(json_t *mem, const char *key, const char *tag)
{
	const json_t *m;
	size_t i = 0, n = 0;

	while (i < json_array_size(mem)) {
		m = json_array_get(mem, i);
		if (is_release(m) && strcmp(mstr(m, "repo"), key) == 0 &&
		    (tag == NULL || strcmp(mstr(m, "tag"), tag) == 0 ||
		    has_tag(json_object_get(m, "tags"), tag))) {
			(void)json_array_remove(mem, i);
			n++;
		} else
			i++;
	}
	return n;
}
