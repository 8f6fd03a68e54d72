#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "jstream.h"
#include "reader.h"

#define HOST_MAX	253

int
ht_rd_nomem(struct ht_err *e)
{
	ht_err_set(e, "out of memory");
	return -1;
}

/*
 * Docker Hub has sent a number as an integer, as a float with no fraction
 * worth keeping (1.417566161e+09) and as a decimal string ("0").
 */
int
ht_rd_number(const json_t *obj, const char *key, const char *where,
    long long min, long long max, long long *out, struct ht_err *e)
{
	const json_t *v = json_object_get(obj, key);
	const char *s;
	char *end;
	double d;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
	} else if (json_is_real(v)) {
		d = json_real_value(v);
		if (!isfinite(d) || d < (double)min || d > (double)max)
			goto range;
		*out = (long long)d;	/* min >= 0: truncation is floor */
	} else if (json_is_string(v)) {
		s = json_string_value(v);
		errno = 0;
		d = strtod(s, &end);
		if (*s == '\0' || isspace((unsigned char)*s) || *end != '\0' ||
		    errno != 0 || !isfinite(d)) {
			ht_err_set(e, "%s.%s: expected a number, got \"%.40s\"",
			    where, key, s);
			return -1;
		}
		if (d < (double)min || d > (double)max)
			goto range;
		*out = (long long)d;	/* min >= 0: truncation is floor */
	} else {
		ht_err_set(e, "%s.%s: expected a number, got %s", where, key,
		    ht_json_type_name(v));
		return -1;
	}
	if (*out < min || *out > max)
		goto range;
	return 1;
range:
	ht_err_set(e, "%s.%s: number out of range", where, key);
	return -1;
}

int
ht_rd_string(const json_t *obj, const char *key, const char *where,
    const char **out, struct ht_err *e)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		ht_err_set(e, "%s.%s: expected a string, got %s", where, key,
		    ht_json_type_name(v));
		return -1;
	}
	*out = json_string_value(v);
	return 1;
}

int
ht_rd_bool(const json_t *obj, const char *key, const char *where, int *out,
    struct ht_err *e)
{
	const json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v)) {
		ht_err_set(e, "%s.%s: expected true or false, got %s", where,
		    key, ht_json_type_name(v));
		return -1;
	}
	*out = json_is_true(v);
	return 1;
}

/* An object (array 0) or an array (array 1) field. */
static int
get_compound(const json_t *obj, const char *key, const char *where,
    int array, const json_t **out, struct ht_err *e)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (array ? !json_is_array(v) : !json_is_object(v)) {
		ht_err_set(e, "%s.%s: expected %s, got %s", where, key,
		    array ? "an array" : "an object", ht_json_type_name(v));
		return -1;
	}
	*out = v;
	return 1;
}

int
ht_rd_object(const json_t *obj, const char *key, const char *where,
    const json_t **out, struct ht_err *e)
{
	return get_compound(obj, key, where, 0, out, e);
}

int
ht_rd_array(const json_t *obj, const char *key, const char *where,
    const json_t **out, struct ht_err *e)
{
	return get_compound(obj, key, where, 1, out, e);
}

/* n digits at s as a number, or -1. */
static int
digits(const char *s, int n)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * RFC 3339's date-time, read by hand: strptime(3) knows neither the
 * fraction nor the offset with a colon.  The fraction is dropped.
 */
static int
rfc3339(const char *s, long long *out)
{
	struct tm tm = { 0 };
	int off = 0, sign, oh, om;
	long long t;

	if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' ||
	    s[16] != ':')
		return -1;
	if ((tm.tm_year = digits(s, 4)) < 1970 ||
	    (tm.tm_mon = digits(s + 5, 2)) < 1 || tm.tm_mon > 12 ||
	    (tm.tm_mday = digits(s + 8, 2)) < 1 || tm.tm_mday > 31 ||
	    (tm.tm_hour = digits(s + 11, 2)) < 0 || tm.tm_hour > 23 ||
	    (tm.tm_min = digits(s + 14, 2)) < 0 || tm.tm_min > 59 ||
	    (tm.tm_sec = digits(s + 17, 2)) < 0 || tm.tm_sec > 60)
		return -1;
	s += 19;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++)
			;
		if (s[-1] == '.')
			return -1;
	}
	if ((*s == 'Z' || *s == 'z') && s[1] == '\0')
		off = 0;
	else if ((*s == '+' || *s == '-') && strlen(s) == 6 && s[3] == ':' &&
	    (oh = digits(s + 1, 2)) >= 0 && oh < 24 &&
	    (om = digits(s + 4, 2)) >= 0 && om < 60) {
		sign = *s == '-' ? -1 : 1;
		off = sign * (oh * 3600 + om * 60);
	} else
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = (long long)timegm(&tm) - off;
	if (t < 0 || t > HT_TIME_MAX)
		return -1;
	*out = t;
	return 0;
}

int
ht_rd_time(const json_t *obj, const char *key, const char *where,
    long long *out, struct ht_err *e)
{
	const char *s;
	int r;

	if ((r = ht_rd_string(obj, key, where, &s, e)) != 1)
		return r;
	if (rfc3339(s, out) == -1) {
		ht_err_set(e, "%s.%s: \"%.40s\" is not an RFC 3339 time",
		    where, key, s);
		return -1;
	}
	return 1;
}

/*
 * A registry's host as a reference names it: dot-separated components of
 * letters, digits and inner hyphens, then an optional :port.
 */
static int
host_valid(const char *h)
{
	size_t i, n = strlen(h), start = 0;
	const char *colon = strchr(h, ':');
	size_t end = colon != NULL ? (size_t)(colon - h) : n;

	if (n == 0 || n > HOST_MAX || end == 0)
		return 0;
	for (i = 0; i <= end; i++) {
		if (i == end || h[i] == '.') {
			if (i == start || h[start] == '-' || h[i - 1] == '-')
				return 0;
			start = i + 1;
			continue;
		}
		if (!isalnum((unsigned char)h[i]) && h[i] != '-')
			return 0;
		if ((unsigned char)h[i] >= 0x80)
			return 0;
	}
	if (colon != NULL && (colon[1] == '\0' || strlen(colon + 1) > 5 ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1)))
		return 0;
	return 1;
}

int
ht_ref_host(const char *ref, char *buf, size_t len, const char **rest)
{
	const char *slash = strchr(ref, '/');
	size_t n;

	if (slash == NULL || (n = (size_t)(slash - ref)) == 0 || n >= len)
		return -1;
	memcpy(buf, ref, n);
	buf[n] = '\0';
	*rest = slash + 1;
	return 0;
}

/* "sha256:" and at least 32 hex digits, as distribution writes them. */
static int
digest_valid(const char *d)
{
	const char *colon = strchr(d, ':');
	size_t i, n;

	if (colon == NULL || colon == d || colon - d > 32)
		return 0;
	for (i = 0; d + i < colon; i++)
		if (!((d[i] >= 'a' && d[i] <= 'z') ||
		    (d[i] >= '0' && d[i] <= '9')))
			return 0;
	n = strlen(colon + 1);
	return n >= 32 && n <= 128 &&
	    strspn(colon + 1, "0123456789abcdef") == n;
}

/*
 * A link fit to publish: https, and nothing a post could read as
 * something else (spaces, quotes, angle brackets, controls).
 */
static int
url_plain(const char *u)
{
	size_t n = strlen(u);

	return strncmp(u, "https://", 8) == 0 && n > 8 && n < 512 &&
	    strspn(u, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789/._~:-") == n;
}

/* Checked fields of a push: 0, or -1 and e naming the field. */
static int
push_check(const struct ht_push *p, struct ht_err *e)
{
	if (!host_valid(p->registry)) {
		ht_err_set(e, "%s: \"%.80s\" is not a registry host", p->where,
		    p->registry);
		return -1;
	}
	if (!ht_repo_name_valid(p->repo)) {
		ht_err_set(e, "%s: \"%.80s\" is not a valid repository name",
		    p->where, p->repo);
		return -1;
	}
	if (!ht_tag_valid(p->tag)) {
		ht_err_set(e, "%s: \"%.80s\" is not a valid tag", p->where,
		    p->tag);
		return -1;
	}
	if (p->digest != NULL && !digest_valid(p->digest)) {
		ht_err_set(e, "%s: \"%.80s\" is not a digest", p->where,
		    p->digest);
		return -1;
	}
	return 0;
}

static int
set_str(json_t *ev, const char *key, const char *v)
{
	return json_object_set_new(ev, key, json_string(v));
}

/* The names: registry, repo_name, namespace, name, tag, image, digest. */
static int
push_names(json_t *ev, const struct ht_push *p, char *image, size_t len)
{
	const char *last = strrchr(p->repo, '/');
	int r;

	r = snprintf(image, len, "%s/%s:%s", p->registry, p->repo, p->tag);
	if (r < 0 || (size_t)r >= len)
		return -1;
	if (set_str(ev, "registry", p->registry) == -1 ||
	    set_str(ev, "repo_name", p->repo) == -1 ||
	    (last != NULL && json_object_set_new(ev, "namespace",
	    json_stringn(p->repo, (size_t)(last - p->repo))) == -1) ||
	    set_str(ev, "name", last != NULL ? last + 1 : p->repo) == -1 ||
	    set_str(ev, "tag", p->tag) == -1 ||
	    set_str(ev, "image", image) == -1 ||
	    (p->digest != NULL && set_str(ev, "digest", p->digest) == -1))
		return -1;
	return 0;
}

int
ht_push_add(json_t *events, const struct ht_push *p, struct ht_err *e)
{
	char image[HOST_MAX + 512], at[32], id[sizeof image + 40];
	json_t *ev;

	if (push_check(p, e) == -1)
		return -1;
	if (ht_time_rfc3339(p->pushed_at, at, sizeof at) == -1) {
		ht_err_set(e, "%s: push time out of range", p->where);
		return -1;
	}
	if ((ev = json_object()) == NULL)
		return ht_rd_nomem(e);
	(void)snprintf(id, sizeof id, "%s/%s:%s@%s", p->registry, p->repo,
	    p->tag, at);
	if (push_names(ev, p, image, sizeof image) == -1 ||
	    (p->pusher != NULL && set_str(ev, "pusher", p->pusher) == -1) ||
	    set_str(ev, "pushed_at", at) == -1 ||
	    (p->repo_url != NULL && url_plain(p->repo_url) &&
	    set_str(ev, "repo_url", p->repo_url) == -1) ||
	    json_object_set_new(ev, "description", p->description != NULL ?
	    json_string(p->description) : json_null()) == -1 ||
	    (p->is_private != -1 && json_object_set_new(ev, "is_private",
	    json_boolean(p->is_private)) == -1) ||
	    set_str(ev, "id", id) == -1) {
		json_decref(ev);
		return ht_rd_nomem(e);
	}
	/* Jansson takes ev, even when it fails. */
	return json_array_append_new(events, ev) == -1 ? ht_rd_nomem(e) : 0;
}
