/* Unit tests: lib/jstream.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "jstream.h"

static struct ht_jstream *
mem(const char *s)
{
	return ht_jstream_mem(s, strlen(s), "t", HT_JSON_MAX_VALUE,
	    HT_JSON_MAX_DEPTH);
}

static void
concatenated(void **state)
{
	struct ht_jstream *s = mem("{\"a\":1}{\"a\":2}\n\n  {\"a\":3} 7");
	struct ht_err e;
	json_t *v;
	int i;

	for (i = 1; i <= 3; i++) {
		assert_int_equal(ht_jstream_next(s, &v, &e), 1);
		assert_int_equal(json_integer_value(json_object_get(v, "a")), i);
		json_decref(v);
	}
	assert_int_equal(ht_jstream_line(s), 3);
	assert_int_equal(ht_jstream_col(s), 3);
	assert_int_equal(ht_jstream_next(s, &v, &e), 1);
	assert_int_equal(json_integer_value(v), 7);
	json_decref(v);
	assert_int_equal(ht_jstream_next(s, &v, &e), 0);
	ht_jstream_free(s);
}

static void
error_position_and_resync(void **state)
{
	struct ht_jstream *s = mem("{\"a\":1}\n{\"a\": x,\n \"b\":2}\n{\"a\":3}\n");
	struct ht_err e;
	json_t *v;

	assert_int_equal(ht_jstream_next(s, &v, &e), 1);
	json_decref(v);
	assert_int_equal(ht_jstream_next(s, &v, &e), HT_JSTREAM_BAD);
	assert_null(v);
	assert_int_equal(e.line, 2);
	assert_int_equal(e.col, 7);
	assert_non_null(strstr(e.msg, "invalid JSON"));
	assert_int_equal(ht_jstream_next(s, &v, &e), 1);
	assert_int_equal(json_integer_value(json_object_get(v, "a")), 3);
	json_decref(v);
	assert_int_equal(ht_jstream_next(s, &v, &e), 0);
	ht_jstream_free(s);
}

static void
bounds(void **state)
{
	struct ht_jstream *s;
	struct ht_err e;
	json_t *v;

	s = ht_jstream_mem("[[[[1]]]]\n{\"a\":[[2]]}", 21, "t", 1000, 3);
	assert_int_equal(ht_jstream_next(s, &v, &e), HT_JSTREAM_BAD);
	assert_string_equal(e.msg, "JSON nested deeper than 3 levels");
	assert_int_equal(ht_jstream_next(s, &v, &e), 1);
	json_decref(v);
	ht_jstream_free(s);

	s = ht_jstream_mem("{\"a\":\"0123456789\"}\n{}", 21, "t", 10, 64);
	assert_int_equal(ht_jstream_next(s, &v, &e), HT_JSTREAM_BAD);
	assert_string_equal(e.msg, "value larger than 10 bytes");
	assert_int_equal(ht_jstream_next(s, &v, &e), 1);
	json_decref(v);
	ht_jstream_free(s);
}

/* A value split across reads from a pipe is joined. */
static void
split_reads(void **state)
{
	struct ht_jstream *s;
	struct ht_err e;
	json_t *v;
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "{\"a\":\"b", 7), 7);
	assert_int_equal(write(fds[1], "c\"}12", 5), 5);
	(void)close(fds[1]);
	s = ht_jstream_fd(fds[0], "pipe", 100, 8);
	assert_int_equal(ht_jstream_next(s, &v, &e), 1);
	assert_string_equal(json_string_value(json_object_get(v, "a")), "bc");
	json_decref(v);
	assert_int_equal(ht_jstream_next(s, &v, &e), 1);
	assert_int_equal(json_integer_value(v), 12);
	json_decref(v);
	assert_int_equal(ht_jstream_next(s, &v, &e), 0);
	ht_jstream_free(s);
	(void)close(fds[0]);
}

static void
truncated(void **state)
{
	struct ht_jstream *s = mem("{\"a\":[1,");
	struct ht_err e;
	json_t *v;

	assert_int_equal(ht_jstream_next(s, &v, &e), HT_JSTREAM_BAD);
	assert_string_equal(e.msg, "unexpected end of input in a JSON value");
	assert_int_equal(ht_jstream_next(s, &v, &e), 0);
	ht_jstream_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(concatenated),
		cmocka_unit_test(error_position_and_resync),
		cmocka_unit_test(bounds),
		cmocka_unit_test(split_reads),
		cmocka_unit_test(truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
