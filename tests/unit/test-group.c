/* Unit tests: lib/group.c, the memory of releases (the pure decisions). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "group.h"

/* A group's event: repo, tags (main first), id at pushed_at. */
static json_t *
gev(const char *repo, const char *at, const char *const *tags)
{
	json_t *v, *list;
	char id[300];
	size_t i;

	list = json_array();
	assert_non_null(list);
	for (i = 0; tags[i] != NULL; i++)
		assert_int_equal(json_array_append_new(list,
		    json_string(tags[i])), 0);
	(void)snprintf(id, sizeof id, "%s:%s@%s", repo, tags[0], at);
	v = json_pack("{s:s,s:s,s:o,s:s,s:s}", "repo_name", repo, "tag",
	    tags[0], "tags", list, "pushed_at", at, "id", id);
	assert_non_null(v);
	return v;
}

static void
less_specific(void **state)
{
	assert_true(ht_tag_less_specific("1.2", "1.2.3"));
	assert_true(ht_tag_less_specific("1", "1.2.3"));
	assert_true(ht_tag_less_specific("latest", "1.2.3"));
	assert_true(ht_tag_less_specific("1.2-alpine", "1.2.3-alpine"));
	assert_true(ht_tag_less_specific("alpine", "1.2.3-alpine"));
	assert_true(ht_tag_less_specific("8", "8u504"));
	assert_true(ht_tag_less_specific("3.15", "3.15.0rc1"));
	assert_false(ht_tag_less_specific("1", "10.2"));
	assert_false(ht_tag_less_specific("1.2", "1.20.1"));
	assert_false(ht_tag_less_specific("1.3", "1.2.3"));
	assert_false(ht_tag_less_specific("1.2.3", "1.2"));
	assert_false(ht_tag_less_specific("1.2.3", "1.2.3"));
	assert_true(ht_tag_less_specific("7.0.12", "7.0.12-bookworm"));
	assert_true(ht_tag_less_specific("7.0.12-alpine", "7.0.12"));
	assert_false(ht_tag_less_specific("latest", "edge"));
	assert_false(ht_tag_less_specific("edge", "latest"));
	assert_true(ht_tag_cmp("1.2.3-slim", "1.2.3-bust") > 0);
	assert_true(ht_tag_cmp("1.2.3", "1.2") < 0);
}

/* The verdict on ev at now, noted; returns the verdict. */
static enum ht_verdict
judged(json_t *mem, json_t *ev, long long now, const char **id)
{
	struct ht_judgment j;
	struct ht_err e;

	ht_err_clear(&e);
	assert_int_equal(ht_memory_judge(mem, ev, now, 86400, &j, &e), 0);
	*id = j.id;
	assert_int_equal(ht_memory_note(mem, ev, &j, now, &e), 0);
	json_decref(ev);
	return j.verdict;
}

static void
rules(void **state)
{
	static const char *const rel[] = { "1.2.3", "1.2", "1", NULL };
	static const char *const one[] = { "1.2.3", NULL };
	static const char *const alias[] = { "1.2", NULL };
	static const char *const alias1[] = { "1", "latest", NULL };
	static const char *const more[] = { "1.2.3", "1.2.3-alpine", NULL };
	static const char *const next[] = { "1.2.4", "1.2", "1", NULL };
	static const char *const older[] = { "1.2", NULL };
	json_t *mem = json_array();
	const char *id;
	const json_t *m;

	assert_non_null(mem);
	assert_int_equal(judged(mem, gev("a/x", "2026-01-01T00:00:00Z", one),
	    1000, &id), HT_VERDICT_NEW);
	/* 1.2, then 1, five minutes later: the late part of 1.2.3. */
	assert_int_equal(judged(mem, gev("a/x", "2026-01-01T00:05:00Z",
	    alias), 1300, &id), HT_VERDICT_LATE);
	assert_string_equal(id, "a/x:1.2.3@2026-01-01T00:00:00Z");
	assert_int_equal(judged(mem, gev("a/x", "2026-01-01T00:05:10Z",
	    alias1), 1310, &id), HT_VERDICT_LATE);
	/* A rebuild: every tag announced already. */
	assert_int_equal(judged(mem, gev("a/x", "2026-01-01T00:15:00Z", rel),
	    1900, &id), HT_VERDICT_REPEAT);
	assert_string_equal(id, "a/x:1.2.3@2026-01-01T00:00:00Z");
	/* The same main tag with a tag more: a repeat, the tag remembered. */
	assert_int_equal(judged(mem, gev("a/x", "2026-01-01T00:20:00Z", more),
	    2200, &id), HT_VERDICT_REPEAT);
	m = json_array_get(mem, 0);
	assert_int_equal(json_array_size(json_object_get(m, "tags")), 5);
	assert_string_equal(json_string_value(json_array_get(json_object_get(m,
	    "tags"), 0)), "1.2.3");
	/* Another repository is another memory. */
	assert_int_equal(judged(mem, gev("b/y", "2026-01-01T00:20:00Z", rel),
	    2200, &id), HT_VERDICT_NEW);
	/* The next hour: 1.2.4 is new; its 1.2 and 1 do not make it less. */
	assert_int_equal(judged(mem, gev("a/x", "2026-01-01T01:00:00Z", next),
	    4600, &id), HT_VERDICT_NEW);
	/* A day later, 1.2.3's rebuild is announced again. */
	assert_int_equal(judged(mem, gev("a/x", "2026-01-02T00:00:00Z", one),
	    1000 + 86400, &id), HT_VERDICT_NEW);
	/* 1.2.3 after 1.2 alone: new (1.2 may have been 1.2.2). */
	json_array_clear(mem);
	assert_int_equal(judged(mem, gev("a/x", "2026-01-01T00:00:00Z",
	    older), 1000, &id), HT_VERDICT_NEW);
	assert_int_equal(judged(mem, gev("a/x", "2026-01-01T00:05:00Z", one),
	    1300, &id), HT_VERDICT_NEW);
	/* Forget: the next push is announced again. */
	assert_int_equal(ht_memory_forget(mem, "a/x", "1.2.3"), 1);
	assert_int_equal(ht_memory_forget(mem, "a/x", "1.2.3"), 0);
	assert_int_equal(judged(mem, gev("a/x", "2026-01-01T00:06:00Z", one),
	    1360, &id), HT_VERDICT_NEW);
	/* Expiry, and entries that are not releases. */
	assert_int_equal(json_array_append_new(mem, json_string("junk")), 0);
	assert_int_equal(ht_memory_expire(mem, 1000 + 86400, 86400), 2);
	assert_int_equal(json_array_size(mem), 1);
	json_decref(mem);
}

static void
bounded(void **state)
{
	const char *tags[] = { NULL, NULL };
	json_t *mem = json_array();
	const char *id;
	char tag[32];
	int i;

	assert_non_null(mem);
	for (i = 0; i < HT_MEMORY_PER_REPO + 5; i++) {
		(void)snprintf(tag, sizeof tag, "1.0.%d", i);
		tags[0] = tag;
		assert_int_equal(judged(mem, gev("a/x", "2026-01-01T00:00:00Z",
		    tags), 1000 + i, &id), HT_VERDICT_NEW);
	}
	assert_int_equal(json_array_size(mem), HT_MEMORY_PER_REPO);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(mem, 0), "tag")), "1.0.5");
	json_decref(mem);
}

/* The same deliveries in any order: the same event. */
static void
any_order(void **state)
{
	static const char *const t[] = { "1.2", "1", "1.2.3", "1.2.3", "1.2" };
	static const char *const at[] = { "2026-01-01T00:01:00Z",
	    "2026-01-01T00:00:30Z", "2026-01-01T00:02:00Z",
	    "2026-01-01T00:00:40Z", "2026-01-01T00:00:10Z" };
	json_t *evs[5], *rev[5], *a, *b;
	struct ht_err e;
	size_t i;
	char *sa, *sb;

	for (i = 0; i < 5; i++) {
		evs[i] = json_pack("{s:s,s:s,s:s,s:s}", "repo_name", "a/x",
		    "tag", t[i], "pushed_at", at[i], "id", "x");
		assert_non_null(evs[i]);
		rev[4 - i] = evs[i];
	}
	ht_err_clear(&e);
	a = ht_group_event(evs, 5, &e);
	b = ht_group_event(rev, 5, &e);
	assert_non_null(a);
	assert_non_null(b);
	sa = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
	sb = json_dumps(b, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(sa, sb);
	assert_string_equal(sa, "{\"repo_name\":\"a/x\",\"tag\":\"1.2.3\","
	    "\"tags\":[\"1.2.3\",\"1.2\",\"1\"],\"other_tags\":[\"1.2\",\"1\"],"
	    "\"pushed_at\":\"2026-01-01T00:00:40Z\",\"id\":"
	    "\"a/x:1.2.3@2026-01-01T00:00:40Z\",\"image\":\"a/x:1.2.3\"}");
	free(sa);
	free(sb);
	json_decref(a);
	json_decref(b);
	for (i = 0; i < 5; i++)
		json_decref(evs[i]);
}

static void
group_key(void **state)
{
	json_t *v = json_pack("{s:s,s:s}", "repo_name", "acme/app",
	    "registry", "ghcr.io");
	char buf[64];

	assert_non_null(v);
	assert_string_equal(ht_event_group_key(v, buf, sizeof buf),
	    "ghcr.io/acme/app");
	json_object_set_new(v, "registry", json_string("docker.io"));
	assert_string_equal(ht_event_group_key(v, buf, sizeof buf),
	    "acme/app");
	json_object_del(v, "registry");
	assert_string_equal(ht_event_group_key(v, buf, sizeof buf),
	    "acme/app");
	assert_null(ht_event_group_key(v, buf, 4));
	json_decref(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(less_specific),
		cmocka_unit_test(rules),
		cmocka_unit_test(bounded),
		cmocka_unit_test(any_order),
		cmocka_unit_test(group_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
