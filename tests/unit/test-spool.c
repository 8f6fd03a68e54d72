/* Unit tests: lib/spool.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event.h"
#include "group.h"
#include "source.h"
#include "spool.h"

/* The main tag of tags (a NULL-ended list, in the order received). */
static const char *
main_of(const char *const *tags)
{
	size_t i, best = 0;

	for (i = 1; tags[i] != NULL; i++)
		if (ht_tag_cmp_main(tags[i], tags[best]) < 0)
			best = i;
	return tags[best];
}

/*
 * Tag families as the official images push them (docker-library's
 * official-images, one Tags:/SharedTags: block per push).
 */
static void
main_tag(void **state)
{
	static const char *const python_rc[] = { "3.15.0rc1-trixie",
	    "3.15-rc-trixie", "3.15.0rc1", "3.15-rc", NULL };
	static const char *const python_rc2[] = { "3.15", "3.15.0rc1", NULL };
	static const char *const temurin[] = { "8u504-b07-jdk-noble",
	    "8-jdk-noble", "8-jdk", "8", "8u504", NULL };
	static const char *const openjdk[] = { "8", "8u504", NULL };
	static const char *const standalone[] = { "6.0.1-standalone",
	    "6.0.1", NULL };
	static const char *const golang[] = { "1-trixie", "trixie",
	    "1.25.1-trixie", "1.25-trixie", "1", "1.25", "1.25.1", "latest",
	    NULL };
	static const char *const ubuntu[] = { "noble-20250415", "noble",
	    "24.04", "latest", NULL };
	static const char *const release[] = { "1", "1.2", "latest", "1.2.3",
	    NULL };
	static const char *const tie[] = { "1.2.3-alpha", "1.2.3-betaa",
	    NULL };
	static const char *const words[] = { "latest", "stable", NULL };
	static const char *const shorter[] = { "latest", "edge", NULL };

	assert_string_equal(main_of(python_rc), "3.15.0rc1");
	assert_string_equal(main_of(python_rc2), "3.15.0rc1");
	assert_string_equal(main_of(temurin), "8u504");
	assert_string_equal(main_of(openjdk), "8u504");
	assert_string_equal(main_of(standalone), "6.0.1");
	assert_string_equal(main_of(golang), "1.25.1");
	assert_string_equal(main_of(ubuntu), "24.04");
	assert_string_equal(main_of(release), "1.2.3");
	/* The rule cannot tell: the first received. */
	assert_string_equal(main_of(tie), "1.2.3-alpha");
	assert_string_equal(main_of(words), "latest");
	assert_string_equal(main_of(shorter), "edge");
	assert_int_equal(ht_tag_cmp_main("1.2.3-alpha", "1.2.3-betaa"), 0);
	assert_true(ht_tag_cmp_main("1.2", "1.2.3") > 0);
	assert_true(ht_tag_cmp_main("v1.2.3", "1") > 0);
}

static json_t *
ev(const char *repo, const char *tag, const char *at)
{
	json_t *v;
	char image[256], id[300];

	(void)snprintf(image, sizeof image, "%s:%s", repo, tag);
	(void)snprintf(id, sizeof id, "%s@%s", image, at);
	v = json_pack("{s:s,s:s,s:s,s:s,s:s}", "repo_name", repo, "tag", tag,
	    "image", image, "pushed_at", at, "id", id);
	assert_non_null(v);
	return v;
}

static char *
dump(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);

	assert_non_null(s);
	return s;
}

static void
group_event(void **state)
{
	json_t *evs[5], *g;
	struct ht_err e;
	char *s;
	size_t i;

	evs[0] = ev("acme/app", "1.2", "2026-01-01T00:00:01Z");
	evs[1] = ev("acme/app", "1.2.3", "2026-01-01T00:00:02Z");
	evs[2] = ev("acme/app", "1", "2026-01-01T00:00:02Z");
	evs[3] = ev("acme/app", "1.2.3", "2026-01-01T00:00:03Z");
	evs[4] = ev("acme/app", "1.2", "2026-01-01T00:00:04Z");
	ht_err_clear(&e);
	g = ht_group_event(evs, 5, &e);
	assert_non_null(g);
	s = dump(g);
	/* The main tag's own event, the first delivery of it; repeats once. */
	assert_string_equal(s, "{\"repo_name\":\"acme/app\",\"tag\":\"1.2.3\","
	    "\"tags\":[\"1.2.3\",\"1.2\",\"1\"],\"other_tags\":[\"1.2\",\"1\"],"
	    "\"image\":\"acme/app:1.2.3\",\"pushed_at\":"
	    "\"2026-01-01T00:00:02Z\",\"id\":"
	    "\"acme/app:1.2.3@2026-01-01T00:00:02Z\"}");
	free(s);
	json_decref(g);

	/* A group of one: the event, with its lists. */
	g = ht_group_event(evs + 4, 1, &e);
	assert_non_null(g);
	s = dump(g);
	assert_string_equal(s, "{\"repo_name\":\"acme/app\",\"tag\":\"1.2\","
	    "\"tags\":[\"1.2\"],\"other_tags\":[],\"image\":\"acme/app:1.2\","
	    "\"pushed_at\":\"2026-01-01T00:00:04Z\",\"id\":"
	    "\"acme/app:1.2@2026-01-01T00:00:04Z\"}");
	free(s);
	json_decref(g);
	for (i = 0; i < 5; i++)
		json_decref(evs[i]);
	assert_null(ht_group_event(evs, 0, &e));
}

/*
 * Every field of a grouped event is in ht_event_fields, and every field
 * listed is in Docker Hub's event or in another registry's (a Harbor
 * push, which has them all).
 */
static void
fields_listed(void **state)
{
	const char *payload = "{\"push_data\":{\"pushed_at\":1,\"tag\":"
	    "\"1.0\",\"pusher\":\"p\"},\"callback_url\":\"x\","
	    "\"repository\":{\"repo_name\":\"a/b\",\"date_created\":1,"
	    "\"description\":\"d\",\"is_private\":false,"
	    "\"is_official\":false,\"star_count\":1,\"comment_count\":1}}";
	const char *harbor = "{\"type\":\"PUSH_ARTIFACT\",\"occur_at\":1,"
	    "\"event_data\":{\"resources\":[{\"tag\":\"1.0\",\"digest\":"
	    "\"sha256:0123456789abcdef0123456789abcdef\",\"resource_url\":"
	    "\"h.example/a/b:1.0\"}],\"repository\":{\"repo_full_name\":"
	    "\"a/b\",\"repo_type\":\"public\"}}}";
	const char *const src[] = { payload, harbor };
	json_t *p, *evs, *ev, *g, *v, *seen;
	struct ht_err e;
	const char *key;
	char why[128];
	size_t i, k;
	int found;

	(void)state;
	seen = json_object();
	assert_non_null(seen);
	for (k = 0; k < 2; k++) {
		ht_err_clear(&e);
		p = json_loads(src[k], 0, NULL);
		assert_non_null(p);
		evs = ht_source_events(p, HT_SRC_ANY, why, sizeof why, &e);
		assert_non_null(evs);
		assert_int_equal(json_array_size(evs), 1);
		ev = json_incref(json_array_get(evs, 0));
		g = ht_group_event(&ev, 1, &e);
		assert_non_null(g);
		json_object_foreach(g, key, v) {
			found = 0;
			for (i = 0; ht_event_fields[i] != NULL; i++)
				found |= strcmp(ht_event_fields[i], key) == 0;
			if (!found)
				fail_msg("field %s is not in ht_event_fields",
				    key);
			assert_int_equal(json_object_set(seen, key, v), 0);
		}
		json_decref(g);
		json_decref(ev);
		json_decref(evs);
		json_decref(p);
	}
	/* And the list names no field that an event never has. */
	for (i = 0; ht_event_fields[i] != NULL; i++)
		if (json_object_get(seen, ht_event_fields[i]) == NULL)
			fail_msg("no event has field %s", ht_event_fields[i]);
	json_decref(seen);
}

static int
collect(json_t *v, long long last, void *arg, struct ht_err *e)
{
	json_t *out = arg;

	return json_array_append(out, v);
}

static void
grouper(void **state)
{
	struct ht_grouper *g;
	json_t *out, *v;
	struct ht_err e;
	const char *expect[] = { "a/x:2.0.1@2026-01-01T00:00:05Z",
	    "b/y:1@2026-01-01T00:00:30Z", "a/x:3@2026-01-01T00:01:05Z" };
	size_t i;

	ht_err_clear(&e);
	out = json_array();
	assert_non_null(out);
	g = ht_grouper_new(60, 600, collect, out);
	assert_non_null(g);
	v = ev("a/x", "2.0", "2026-01-01T00:00:00Z");
	assert_int_equal(ht_grouper_add(g, v, &e), 0);
	json_decref(v);
	v = ev("a/x", "2.0.1", "2026-01-01T00:00:05Z");
	assert_int_equal(ht_grouper_add(g, v, &e), 0);
	json_decref(v);
	v = ev("b/y", "1", "2026-01-01T00:00:30Z");
	assert_int_equal(ht_grouper_add(g, v, &e), 0);
	json_decref(v);
	assert_int_equal(json_array_size(out), 0);
	/* 65 s after a/x's first: its window has closed, b/y's has not. */
	v = ev("a/x", "3", "2026-01-01T00:01:05Z");
	assert_int_equal(ht_grouper_add(g, v, &e), 0);
	json_decref(v);
	assert_int_equal(json_array_size(out), 1);
	assert_int_equal(ht_grouper_finish(g, &e), 0);
	assert_int_equal(json_array_size(out), 3);
	for (i = 0; i < 3; i++)
		assert_string_equal(json_string_value(json_object_get(
		    json_array_get(out, i), "id")), expect[i]);
	ht_grouper_free(g);
	json_decref(out);

	/* Window 0: each at once. */
	out = json_array();
	assert_non_null(out);
	g = ht_grouper_new(0, 600, collect, out);
	assert_non_null(g);
	v = ev("a/x", "2.0", "2026-01-01T00:00:00Z");
	assert_int_equal(ht_grouper_add(g, v, &e), 0);
	assert_int_equal(ht_grouper_add(g, v, &e), 0);
	json_decref(v);
	assert_int_equal(json_array_size(out), 2);
	ht_grouper_free(g);
	json_decref(out);

	v = ev("a/x", "1", "1970-01-01T00:01:00Z");
	assert_int_equal(ht_event_time(v), 60);
	json_decref(v);
}

/* The spool's life: put, join, close, take, keep, take again, done. */
static void
spool_life(void **state)
{
	char dir[] = "/tmp/ht-spool-test.XXXXXX", g1[HT_SPOOL_NAME_MAX];
	char g2[HT_SPOOL_NAME_MAX], cmd[64];
	struct ht_sgroup *sg, *busy;
	struct ht_spool *sp;
	struct ht_err e;
	json_t *a, *b, *c;
	char **names;
	long n;

	ht_err_clear(&e);
	assert_non_null(mkdtemp(dir));
	sp = ht_spool_open(dir, &e);
	assert_non_null(sp);
	a = ev("acme/app", "1.2", "2026-01-01T00:00:01Z");
	b = ev("acme/app", "1.2.3", "2026-01-01T00:00:01Z");
	c = ev("other/x", "1", "2026-01-01T00:00:01Z");
	assert_int_equal(ht_spool_put(sp, a, 60, 600, g1, sizeof g1, &e), 1);
	assert_int_equal(ht_spool_put(sp, b, 60, 600, g2, sizeof g2, &e), 0);
	/* Joined: its close is put later (or stays, in the same ms). */
	assert_string_equal(strchr(g1, '.'), strchr(g2, '.'));
	assert_true(ht_spool_group_close(g2) >= ht_spool_group_close(g1));
	memcpy(g1, g2, sizeof g1);
	assert_int_equal(ht_spool_put(sp, c, 60, 600, g2, sizeof g2, &e), 1);
	assert_string_not_equal(g1, g2);
	assert_true(ht_spool_group_close(g1) > ht_spool_now_ms());

	/* Open windows: nothing closed yet, and take finds nothing. */
	assert_int_equal(ht_spool_closed(sp, ht_spool_now_ms(), &names, &e),
	    0);
	ht_spool_names_free(names, 0);
	assert_int_equal(ht_spool_close_group(sp, g1, ht_spool_now_ms(), &e),
	    0);
	assert_int_equal(ht_spool_take(sp, g1, &sg, &e), HT_STAKE_GONE);

	/* Closed (as if its window had passed): taken, locked. */
	assert_int_equal(ht_spool_close_group(sp, g1,
	    ht_spool_group_close(g1), &e), 1);
	assert_int_equal(ht_spool_take(sp, g1, &sg, &e), HT_STAKE_OK);
	assert_int_equal(sg->deliveries, 2);
	assert_string_equal(json_string_value(json_object_get(sg->event,
	    "tag")), "1.2.3");
	assert_string_equal(sg->reason, "");
	assert_int_equal(ht_spool_take(sp, g1, &busy, &e), HT_STAKE_BUSY);
	assert_int_equal(ht_spool_keep(sp, sg, "exit 74: no queue", &e), 0);
	assert_int_equal(ht_spool_take(sp, g1, &sg, &e), HT_STAKE_OK);
	assert_string_equal(sg->reason, "exit 74: no queue");
	assert_int_equal(ht_spool_done(sp, sg, &e), 0);
	assert_int_equal(ht_spool_take(sp, g1, &sg, &e), HT_STAKE_GONE);

	/* Every window closed: the other group is listed, and closed. */
	n = ht_spool_closed(sp, ht_spool_group_close(g2), &names, &e);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], g2);
	ht_spool_names_free(names, n);
	assert_int_equal(ht_spool_take(sp, g2, &sg, &e), HT_STAKE_OK);
	assert_int_equal(ht_spool_done(sp, sg, &e), 0);
	assert_int_equal(ht_spool_tidy(sp, 0, &e), 0);
	ht_spool_close(sp);
	json_decref(a);
	json_decref(b);
	json_decref(c);

	/* A missing spool is an error, with the reason. */
	(void)snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	assert_null(ht_spool_open(dir, &e));
	assert_non_null(strstr(e.msg, "No such file or directory"));
	assert_int_equal(ht_spool_group_close("not-a-group"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(main_tag),
		cmocka_unit_test(group_event),
		cmocka_unit_test(grouper),
		cmocka_unit_test(fields_listed),
		cmocka_unit_test(spool_life),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
