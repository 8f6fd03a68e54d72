/* Unit tests: lib/event.c and lib/filter.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "event.h"
#include "filter.h"

static void
tags(void **state)
{
	char long_tag[130];

	assert_true(ht_tag_valid("latest"));
	assert_true(ht_tag_valid("3.13-alpine3.21"));
	assert_true(ht_tag_valid("_x"));
	assert_true(ht_tag_valid("master--default--7"));
	assert_false(ht_tag_valid(""));
	assert_false(ht_tag_valid(".x"));
	assert_false(ht_tag_valid("-x"));
	assert_false(ht_tag_valid("a b"));
	assert_false(ht_tag_valid("a/b"));
	assert_false(ht_tag_valid("caf\xc3\xa9"));
	memset(long_tag, 'a', 128);
	long_tag[128] = '\0';
	assert_true(ht_tag_valid(long_tag));
	long_tag[128] = 'a';
	long_tag[129] = '\0';
	assert_false(ht_tag_valid(long_tag));
}

static void
repos(void **state)
{
	assert_true(ht_repo_name_valid("busybox"));
	assert_true(ht_repo_name_valid("y2khub/tag_game"));
	assert_true(ht_repo_name_valid("a/b__c"));
	assert_true(ht_repo_name_valid("a/b---c.d"));
	assert_false(ht_repo_name_valid("a/b___c"));
	assert_false(ht_repo_name_valid("A/b"));
	assert_false(ht_repo_name_valid("a//b"));
	assert_false(ht_repo_name_valid("a/b/"));
	assert_false(ht_repo_name_valid("/a"));
	assert_false(ht_repo_name_valid("a/-b"));
	assert_false(ht_repo_name_valid("a/b-"));
	assert_false(ht_repo_name_valid("a/b._c"));
	assert_false(ht_repo_name_valid("${image}"));
	assert_false(ht_repo_name_valid(""));
}

static json_t *
event(const char *payload, struct ht_err *e)
{
	json_error_t je;
	json_t *p, *ev;

	p = json_loads(payload, 0, &je);
	assert_non_null(p);
	ev = ht_event_from_payload(p, e);
	json_decref(p);
	return ev;
}

static void
lenient(void **state)
{
	struct ht_err e;
	json_t *ev;

	ev = event("{\"push_data\":{\"pushed_at\":\"1417566161\"},"
	    "\"repository\":{\"namespace\":\"ns\",\"name\":\"n\","
	    "\"comment_count\":\"3\",\"star_count\":2.0,"
	    "\"full_description\":null,\"media_type\":\"x\"}}", &e);
	assert_non_null(ev);
	assert_string_equal(json_string_value(json_object_get(ev, "id")),
	    "ns/n:latest@2014-12-03T00:22:41Z");
	assert_int_equal(json_integer_value(json_object_get(ev,
	    "comment_count")), 3);
	assert_int_equal(json_integer_value(json_object_get(ev,
	    "star_count")), 2);
	assert_true(json_is_null(json_object_get(ev, "description")));
	assert_null(json_object_get(ev, "pusher"));
	json_decref(ev);
}

static void
strict(void **state)
{
	struct ht_err e;

	assert_null(event("{\"push_data\":{\"pushed_at\":1,\"tag\":\"v1\"},"
	    "\"repository\":{\"repo_name\":\"a/b/c\"}}", &e));
	assert_string_equal(e.msg, "repository.repo_name: \"a/b/c\" has more "
	    "than two components");
	assert_null(event("{\"push_data\":{\"tag\":\"v1\"},"
	    "\"repository\":{\"repo_name\":\"a/b\"}}", &e));
	assert_string_equal(e.msg, "push_data.pushed_at: missing");
	assert_null(event("{\"push_data\":{\"pushed_at\":-5},"
	    "\"repository\":{\"repo_name\":\"a/b\"}}", &e));
	assert_string_equal(e.msg, "push_data.pushed_at: number out of range");
	assert_null(event("{\"push_data\":{\"pushed_at\":1},"
	    "\"repository\":{\"repo_name\":\"a/b\",\"is_private\":\"no\"}}",
	    &e));
	assert_string_equal(e.msg, "repository.is_private: expected true or "
	    "false, got a string");
	assert_null(event("{\"push_data\":[],\"repository\":{}}", &e));
	assert_string_equal(e.msg, "push_data: expected an object, got an "
	    "array");
}

static void
filters(void **state)
{
	const char *inc[] = { "v*" }, *exr[] = { "org/ci-*" },
	    *lib[] = { "library/*" };
	struct ht_filter f = { 0 };
	char buf[128];

	f.skip_latest = 1;
	assert_non_null(ht_filter_why(&f, "a/b", "latest", buf, sizeof buf));
	assert_null(ht_filter_why(&f, "a/b", "1.0", buf, sizeof buf));
	f.include_tags = inc;
	f.n_include_tags = 1;
	f.exclude_repos = exr;
	f.n_exclude_repos = 1;
	assert_null(ht_filter_why(&f, "a/b", "v1.0", buf, sizeof buf));
	assert_string_equal(ht_filter_why(&f, "a/b", "1.0", buf, sizeof buf),
	    "tag '1.0' not included");
	assert_string_equal(ht_filter_why(&f, "org/ci-x", "v1", buf,
	    sizeof buf), "repository 'org/ci-x' excluded by 'org/ci-*'");
	/* An official image matches as library/NAME too. */
	f.exclude_repos = lib;
	assert_non_null(ht_filter_why(&f, "busybox", "v1", buf, sizeof buf));
	assert_null(ht_filter_why(&f, "other/busybox", "v1", buf,
	    sizeof buf));
}

/* Private repositories: skipped when asked (the default of dh-parse). */
static void
private_repos(void **state)
{
	struct ht_filter f = { 0 };
	char buf[128];

	assert_null(ht_filter_event_why(&f, "a/b", "1.0", 1, buf,
	    sizeof buf));
	f.skip_private = 1;
	assert_string_equal(ht_filter_event_why(&f, "a/b", "1.0", 1, buf,
	    sizeof buf), "repository 'a/b' is private");
	assert_null(ht_filter_event_why(&f, "a/b", "1.0", 0, buf,
	    sizeof buf));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tags),
		cmocka_unit_test(repos),
		cmocka_unit_test(lenient),
		cmocka_unit_test(strict),
		cmocka_unit_test(filters),
		cmocka_unit_test(private_repos),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
