#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "instance.h"
#include "util.h"

#define URL_CHARS_MAX	1000

int
ht_instance_request(const char *url, struct ht_http_req *r,
    struct ht_err *e)
{
	size_t n = strlen(url);

	/* "https://host/" and "https://host" are the same instance. */
	while (n > 0 && url[n - 1] == '/')
		n--;
	memcpy(r->method, "GET", sizeof "GET");
	if (asprintf(&r->url, "%.*s%s", (int)n, url, HT_INSTANCE_PATH) ==
	    -1) {
		r->url = NULL;
		return ht_err_fail(e, EX_OSERR, "out of memory");
	}
	return ht_http_req_header(r, e, "Accept: application/json");
}

/* A whole number from 1 to max at o's key: it, or 0 (absent, or not). */
static long
count(const json_t *o, const char *key, long max)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > max)
		return 0;
	return (long)json_integer_value(v);
}

int
ht_instance_parse(const char *body, size_t len, struct ht_instance *in,
    struct ht_err *e)
{
	json_t *o, *st;
	int r = -1;

	if ((o = json_loadb(body, len, 0, NULL)) == NULL) {
		ht_err_set(e, "the instance's answer is not JSON");
		e->status = EX_DATAERR;
		return -1;
	}
	st = json_object_get(json_object_get(o, "configuration"), "statuses");
	in->max_characters = count(st, "max_characters", HT_INSTANCE_MAX);
	in->url_chars = count(st, "characters_reserved_per_url",
	    URL_CHARS_MAX);
	if (in->max_characters == 0)
		ht_err_set(e, "the instance's answer has no "
		    "configuration.statuses.max_characters from 1 to %d",
		    HT_INSTANCE_MAX);
	else if (json_object_get(st, "characters_reserved_per_url") != NULL &&
	    in->url_chars == 0)
		ht_err_set(e, "the instance's characters_reserved_per_url is "
		    "not a number from 1 to %d", URL_CHARS_MAX);
	else
		r = 0;
	if (r == -1)
		e->status = EX_DATAERR;
	json_decref(o);
	return r;
}

/* dir/HT_INSTANCE_FILE into buf: 0, or -1 and e. */
static int
path_of(const char *dir, char *buf, size_t size, struct ht_err *e)
{
	if (snprintf(buf, size, "%s/%s", dir, HT_INSTANCE_FILE) <
	    (int)size)
		return 0;
	ht_err_at(e, dir, 0, 0, "path too long");
	e->status = EX_CANTCREAT;
	return -1;
}

int
ht_instance_save(const char *dir, const char *url,
    const struct ht_instance *in, struct ht_err *e)
{
	char path[4096], *text = NULL;
	json_t *o;
	int r;

	if (path_of(dir, path, sizeof path, e) == -1)
		return -1;
	if ((o = json_pack("{s:s,s:I,s:I}", "url", url, "max_characters",
	    (json_int_t)in->max_characters, "characters_reserved_per_url",
	    (json_int_t)in->url_chars)) == NULL ||
	    (text = json_dumps(o, JSON_COMPACT)) == NULL) {
		json_decref(o);
		return ht_err_fail(e, EX_OSERR, "out of memory");
	}
	json_decref(o);
	if ((r = ht_file_replace(path, text, strlen(text), 0644, e)) == -1)
		e->status = EX_CANTCREAT;
	free(text);
	return r;
}

int
ht_instance_load(const char *dir, const char *url, struct ht_instance *in,
    struct ht_err *e)
{
	char path[4096];
	const char *was;
	json_error_t je;
	json_t *o;
	int r = -1;

	if (path_of(dir, path, sizeof path, e) == -1)
		return -1;
	if ((o = json_load_file(path, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		if (access(path, F_OK) == -1 && errno == ENOENT)
			return 0;
		ht_err_at(e, path, je.line, je.column, "%s", je.text);
		e->status = EX_DATAERR;
		return -1;
	}
	if ((was = json_string_value(json_object_get(o, "url"))) != NULL &&
	    strcmp(was, url) != 0)
		r = 0;
	else if (was == NULL || (in->max_characters = count(o,
	    "max_characters", HT_INSTANCE_MAX)) == 0) {
		ht_err_at(e, path, 0, 0, "no url and max_characters: run "
		    "mastodon-post --check again");
		e->status = EX_DATAERR;
	} else {
		in->url_chars = count(o, "characters_reserved_per_url",
		    URL_CHARS_MAX);
		r = 1;
	}
	json_decref(o);
	return r;
}

int
ht_instance_conf_rule(const struct ht_conf *c, int keep_max,
    struct ht_lenrule *r, struct ht_err *e)
{
	const char *url = ht_conf_str(c, "mastodon.url", NULL);
	struct ht_instance in;
	char *dir;
	int k;

	if (url == NULL || (dir = ht_conf_state_dir()) == NULL)
		return 0;
	k = ht_instance_load(dir, url, &in, e);
	free(dir);
	if (k != 1)
		return k;
	if (!keep_max)
		r->max = in.max_characters;
	if (in.url_chars > 0)
		r->url_chars = in.url_chars;
	return 1;
}
