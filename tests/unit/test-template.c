/* Unit tests: lib/template.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "template.h"

/* Render tpl for the JSON text obj into a string; caller frees. */
static char *
render(const char *tpl, const char *obj, struct ht_err *e)
{
	struct ht_template *t;
	struct ht_render r;
	json_t *v;
	char *out = NULL;
	size_t i, n = 0;

	ht_err_clear(e);
	t = ht_template_parse(tpl, strlen(tpl), "template", e);
	assert_non_null(t);
	v = json_loads(obj, 0, NULL);
	assert_non_null(v);
	if (ht_template_render(t, v, &r, e) == 0) {
		out = calloc(1, 4096);
		assert_non_null(out);
		for (i = 0; i < r.n; i++) {
			memcpy(out + n, r.v[i].s, r.v[i].len);
			n += r.v[i].len;
		}
		ht_render_free(&r);
	}
	json_decref(v);
	ht_template_free(t);
	return out;
}

static void
fields(void **state)
{
	struct ht_err e;
	char *s;

	s = render("New release {tag} of {repo_name}: docker pull {image} "
	    "{repo_url}", "{\"tag\":\"v1\",\"repo_name\":\"a/b\",\"image\":"
	    "\"a/b:v1\",\"repo_url\":\"https://hub.docker.com/r/a/b\"}", &e);
	assert_string_equal(s, "New release v1 of a/b: docker pull a/b:v1 "
	    "https://hub.docker.com/r/a/b");
	free(s);
	s = render("{repository.repo_url} {a.b.c}", "{\"repository\":"
	    "{\"repo_url\":\"u\"},\"a\":{\"b\":{\"c\":\"deep\"}}}", &e);
	assert_string_equal(s, "u deep");
	free(s);
	/* Numbers and booleans as JSON writes them. */
	s = render("{n} {r} {t} {f}", "{\"n\":42,\"r\":1.5,\"t\":true,"
	    "\"f\":false}", &e);
	assert_string_equal(s, "42 1.5 true false");
	free(s);
	/* UTF-8 as it is. */
	s = render("\xe2\x9c\xa8 {d}", "{\"d\":\"caf\xc3\xa9\"}", &e);
	assert_string_equal(s, "\xe2\x9c\xa8 caf\xc3\xa9");
	free(s);
}

static void
escapes_and_fallbacks(void **state)
{
	struct ht_err e;
	char *s;

	s = render("{{literal}} {{{tag}}}", "{\"tag\":\"v1\"}", &e);
	assert_string_equal(s, "{literal} {v1}");
	free(s);
	s = render("{description:-no description} [{x:-}] {n:-{{none}}}",
	    "{\"description\":null}", &e);
	assert_string_equal(s, "no description [] {none}");
	free(s);
	s = render("{tag:-latest}", "{\"tag\":\"v2\"}", &e);
	assert_string_equal(s, "v2");
	free(s);
	s = render("no fields at all", "{}", &e);
	assert_string_equal(s, "no fields at all");
	free(s);
}

static void
render_errors(void **state)
{
	struct ht_err e;

	assert_null(render("{tag}", "{}", &e));
	assert_string_equal(e.msg, "missing field \"tag\"");
	assert_null(render("{a.b}", "{\"a\":\"x\"}", &e));
	assert_string_equal(e.msg, "missing field \"a.b\"");
	assert_null(render("{d}", "{\"d\":null}", &e));
	assert_string_equal(e.msg, "field \"d\" is null");
	assert_null(render("{o}", "{\"o\":{}}", &e));
	assert_string_equal(e.msg, "field \"o\" is an object, not text");
	assert_null(render("{o}", "{\"o\":[\"a\",[1]]}", &e));
	assert_string_equal(e.msg, "field \"o\" is a list of more than text");
	assert_null(render("{o}", "{\"o\":[{}]}", &e));
	assert_string_equal(e.msg, "field \"o\" is a list of more than text");
}

/* A group's tags: a list of text, joined; empty takes the fallback. */
static void
lists(void **state)
{
	struct ht_err e;
	char *s;

	s = render("{tags}", "{\"tags\":[\"1.2.3\",\"1.2\",\"1\"]}", &e);
	assert_non_null(s);
	assert_string_equal(s, "1.2.3, 1.2, 1");
	free(s);
	s = render("[{n}]", "{\"n\":[1,true,\"x\"]}", &e);
	assert_non_null(s);
	assert_string_equal(s, "[1, true, x]");
	free(s);
	s = render("also {other_tags:-no other tags}", "{\"other_tags\":[]}",
	    &e);
	assert_non_null(s);
	assert_string_equal(s, "also no other tags");
	free(s);
	s = render("[{other_tags}]", "{\"other_tags\":[]}", &e);
	assert_non_null(s);
	assert_string_equal(s, "[]");
	free(s);
}

static void
parse_error(const char *tpl, long line, long col, const char *msg)
{
	struct ht_err e;

	ht_err_clear(&e);
	assert_null(ht_template_parse(tpl, strlen(tpl), "t", &e));
	assert_string_equal(e.msg, msg);
	assert_string_equal(e.input, "t");
	assert_int_equal(e.line, line);
	assert_int_equal(e.col, col);
}

static void
parse_errors(void **state)
{
	char *big;
	struct ht_err e;

	parse_error("Release {tag", 1, 9, "unclosed '{'");
	parse_error("a}", 1, 2, "unmatched '}' (write '}}' for a brace)");
	parse_error("x {}", 1, 3, "empty field name");
	parse_error("{a..b}", 1, 1, "empty name in a dotted field path");
	parse_error("{.a}", 1, 1, "empty name in a dotted field path");
	parse_error("{a:b}", 1, 3,
	    "':' in a field name (write {name:-fallback} for a fallback)");
	parse_error("{a{b}}", 1, 3,
	    "'{' inside a field name (write '{{' for a brace)");
	parse_error("{a:-x", 1, 1, "unclosed '{'");
	/* Lines and columns in characters. */
	parse_error("line one\n\xc3\xa9t\xc3\xa9 {", 2, 5, "unclosed '{'");
	parse_error("ok\n\xff", 2, 1, "invalid UTF-8");
	big = calloc(1, HT_TEMPLATE_MAX + 2);
	assert_non_null(big);
	memset(big, 'x', HT_TEMPLATE_MAX + 1);
	ht_err_clear(&e);
	assert_null(ht_template_parse(big, HT_TEMPLATE_MAX + 1, "t", &e));
	assert_string_equal(e.msg, "template larger than 65536 bytes");
	free(big);
}

/* Fields checked at load against a list; where the first bad one is. */
static void
check_fields(void **state)
{
	static const char *const ok[] = { "tag", "image", NULL };
	struct ht_template *t;
	struct ht_err e;
	char *s;

	ht_err_clear(&e);
	t = ht_template_parse("{tag} {image:-x}", 16, "template", &e);
	assert_non_null(t);
	assert_int_equal(ht_template_check(t, ok, &e), 0);
	ht_template_free(t);
	t = ht_template_parse("New {tag}\n  {imgae} {a.b}", 25, "f.tpl", &e);
	assert_non_null(t);
	assert_int_equal(ht_template_check(t, ok, &e), -1);
	assert_string_equal(e.input, "f.tpl");
	assert_int_equal(e.line, 2);
	assert_int_equal(e.col, 3);
	assert_string_equal(e.msg, "unknown field \"imgae\": not an event "
	    "field");
	ht_template_free(t);
	/* White space in values collapses; the template's own stays. */
	s = render("{d}\n\n{tag}", "{\"d\":\"a\\n\\t b\",\"tag\":\"1\"}",
	    &e);
	assert_non_null(s);
	assert_string_equal(s, "a b\n\n1");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fields),
		cmocka_unit_test(escapes_and_fallbacks),
		cmocka_unit_test(render_errors),
		cmocka_unit_test(lists),
		cmocka_unit_test(parse_errors),
		cmocka_unit_test(check_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
