/* Unit tests: lib/conf.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"

static char path[] = "/tmp/ht-conf-XXXXXX";

static void
write_conf(const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static int
setup(void **state)
{
	int fd = mkstemp(path);

	if (fd == -1)
		return -1;
	(void)close(fd);
	unsetenv("TW_API_URL");
	unsetenv("HUBTWEET_CONFIG");
	return 0;
}

static int
teardown(void **state)
{
	(void)unlink(path);
	return 0;
}

static void
values_and_env(void **state)
{
	struct ht_conf *c;
	struct ht_err e;
	const char **l;

	write_conf("format: { max_length = 500; };\n"
	    "x: { api_url = \"http://file\"; };\n"
	    "dockerhub: { skip_latest = false; include_tags = [\"v*\", \"r*\"]; };\n",
	    0600);
	c = ht_conf_load(path, &e);
	assert_non_null(c);
	assert_string_equal(ht_conf_file(c), path);
	assert_int_equal(ht_conf_int(c, "format.max_length", 280), 500);
	assert_int_equal(ht_conf_int(c, "x.timeout", 60), 60);
	assert_false(ht_conf_bool(c, "dockerhub.skip_latest", 1));
	assert_string_equal(ht_conf_str(c, "x.api_url", "d"), "http://file");
	setenv("TW_API_URL", "http://env", 1);
	assert_string_equal(ht_conf_str(c, "x.api_url", "d"), "http://env");
	unsetenv("TW_API_URL");
	assert_int_equal(ht_conf_list(c, "dockerhub.include_tags", &l), 2);
	assert_string_equal(l[1], "r*");
	free(l);
	assert_int_equal(ht_conf_list(c, "dockerhub.exclude_tags", &l), 0);
	assert_null(l);
	ht_conf_free(c);
}

static void
errors(void **state)
{
	struct ht_err e;

	write_conf("format: {\n  max_length = 0;\n};\n", 0600);
	assert_null(ht_conf_load(path, &e));
	assert_int_equal(e.line, 2);
	assert_string_equal(e.msg, "setting 'format.max_length' must be "
	    "between 1 and 100000");
	write_conf("x: { api_url = 5; };\n", 0600);
	assert_null(ht_conf_load(path, &e));
	assert_string_equal(e.msg, "setting 'x.api_url' must be a string");
	write_conf("nope = 1;\n", 0600);
	assert_null(ht_conf_load(path, &e));
	assert_string_equal(e.msg, "unknown setting 'nope'");
	write_conf("x: { api_url = ; };\n", 0600);
	assert_null(ht_conf_load(path, &e));
	assert_int_equal(e.line, 1);
	assert_non_null(strstr(e.msg, "syntax error"));
	write_conf("x: { consumer_secret = \"s\"; };\n", 0640);
	assert_null(ht_conf_load(path, &e));
	assert_null(strstr(e.msg, "\"s\""));
	assert_non_null(strstr(e.msg, "holds secrets"));
	assert_null(ht_conf_load("/nonexistent/h.conf", &e));
	assert_non_null(strstr(e.msg, "cannot open"));
}

static void
search_order(void **state)
{
	struct ht_conf *c;
	struct ht_err e;

	write_conf("format: { max_length = 7; };\n", 0644);
	setenv("HUBTWEET_CONFIG", path, 1);
	c = ht_conf_load(NULL, &e);
	assert_non_null(c);
	assert_int_equal(ht_conf_int(c, "format.max_length", 280), 7);
	ht_conf_free(c);
	unsetenv("HUBTWEET_CONFIG");
	/* No file anywhere: built-in defaults, no error. */
	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	c = ht_conf_load(NULL, &e);
	assert_non_null(c);
	assert_int_equal(ht_conf_int(c, "format.max_length", 280), 280);
	ht_conf_free(c);
}

/* The default queue: queue.dir, $STATE_DIRECTORY, then by user. */
static void
queue_dir(void **state)
{
	struct ht_conf *c;
	struct ht_err e;
	char *q, want[300];

	write_conf("queue: { dir = \"/srv/q\"; };\n", 0600);
	c = ht_conf_load(path, &e);
	assert_non_null(c);
	setenv("STATE_DIRECTORY", "/run/st:/other", 1);
	q = ht_conf_queue_dir(c);
	assert_string_equal(q, "/srv/q");
	free(q);
	ht_conf_free(c);
	write_conf("", 0600);
	c = ht_conf_load(path, &e);
	assert_non_null(c);
	q = ht_conf_queue_dir(c);
	assert_string_equal(q, "/run/st/queue");
	free(q);
	unsetenv("STATE_DIRECTORY");
	setenv("XDG_STATE_HOME", "/home/u/.st", 1);
	q = ht_conf_queue_dir(c);
	if (geteuid() == 0)
		assert_string_equal(q, HT_STATE_SYSTEM "/queue");
	else {
		(void)snprintf(want, sizeof want, "/home/u/.st/hubtweet/queue");
		assert_string_equal(q, want);
	}
	free(q);
	unsetenv("XDG_STATE_HOME");
	ht_conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(values_and_env),
		cmocka_unit_test(errors),
		cmocka_unit_test(search_order),
		cmocka_unit_test(queue_dir),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
