#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "jstream.h"
#include "reader.h"

#define TAG_MAX		128
#define REPO_MAX	255

/*
 * Docker's rules, from distribution's reference grammar:
 *   tag       := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *   component := [a-z0-9]+ (separator [a-z0-9]+)*
 *   separator := [._] | "__" | [-]+
 * Written out by hand: three lines of logic are plainer than a regex engine.
 */
int
ht_tag_valid(const char *t)
{
	size_t i;

	if (!(isalnum((unsigned char)t[0]) && (unsigned char)t[0] < 0x80) &&
	    t[0] != '_')
		return 0;
	for (i = 1; t[i] != '\0'; i++) {
		if (i >= TAG_MAX)
			return 0;
		if (!((t[i] >= 'a' && t[i] <= 'z') ||
		    (t[i] >= 'A' && t[i] <= 'Z') ||
		    (t[i] >= '0' && t[i] <= '9') ||
		    t[i] == '_' || t[i] == '.' || t[i] == '-'))
			return 0;
	}
	return 1;
}

static int
lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Check a component that ends at end (exclusive). */
static int
component_valid(const char *s, const char *end)
{
	const char *p = s;
	size_t sep;

	if (p == end || !lower_alnum(*p))
		return 0;
	while (p < end) {
		while (p < end && lower_alnum(*p))
			p++;
		if (p == end)
			return 1;
		/* A separator, then at least one alphanumeric. */
		sep = 0;
		if (*p == '.')
			sep = 1;
		else if (*p == '_')
			sep = p + 1 < end && p[1] == '_' ? 2 : 1;
		else if (*p == '-')
			while (p + sep < end && p[sep] == '-')
				sep++;
		if (sep == 0)
			return 0;
		p += sep;
		if (p == end || !lower_alnum(*p))
			return 0;
	}
	return 1;
}

int
ht_repo_component_valid(const char *s)
{
	return component_valid(s, s + strlen(s));
}

int
ht_repo_name_valid(const char *s)
{
	const char *p, *slash;
	size_t len = strlen(s);

	if (len == 0 || len > REPO_MAX)
		return 0;
	for (p = s; ; p = slash + 1) {
		slash = strchr(p, '/');
		if (!component_valid(p, slash != NULL ? slash : s + len))
			return 0;
		if (slash == NULL)
			return 1;
	}
}

int
ht_time_rfc3339(long long secs, char *buf, size_t len)
{
	struct tm tm;
	time_t t = (time_t)secs;

	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	if (strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -1;
	return 0;
}

static int
set_string(json_t *ev, const char *key, const char *val)
{
	return json_object_set_new(ev, key, json_string(val));
}


static int
set_time(json_t *ev, const char *key, long long t)
{
	char buf[32];

	if (ht_time_rfc3339(t, buf, sizeof buf) == -1)
		return -1;
	return set_string(ev, key, buf);
}

const char *const ht_event_fields[] = {
	"repo_name", "namespace", "name", "tag", "tags", "other_tags",
	"image", "pusher", "pushed_at", "date_created", "repo_url",
	"callback_url", "description", "is_private", "is_official",
	"star_count", "comment_count", "id", "registry", "digest", NULL
};

/*
 * The repository's full name, validated: repo_name when present (payloads
 * exist whose name or namespace disagree with it), else namespace/name
 * made in full.  NULL and e when there is none that is valid.
 */
static const char *
repo_name_of(const json_t *repo, char *full, size_t len, struct ht_err *e)
{
	const char *repo_name, *ns, *name, *slash;
	int r;

	if (ht_rd_string(repo, "repo_name", "repository", &repo_name, e) == -1 ||
	    ht_rd_string(repo, "namespace", "repository", &ns, e) == -1 ||
	    ht_rd_string(repo, "name", "repository", &name, e) == -1)
		return NULL;
	if (repo_name == NULL) {
		if (ns == NULL || name == NULL) {
			ht_err_set(e, "repository: no repo_name, and no "
			    "namespace and name to make one");
			return NULL;
		}
		r = snprintf(full, len, "%s/%s", ns, name);
		if (r < 0 || (size_t)r >= len) {
			ht_err_set(e, "repository: name too long");
			return NULL;
		}
		repo_name = full;
	}
	if (!ht_repo_name_valid(repo_name)) {
		ht_err_set(e, "repository.repo_name: \"%.80s\" is not a valid "
		    "Docker repository name", repo_name);
		return NULL;
	}
	if ((slash = strchr(repo_name, '/')) != NULL &&
	    strchr(slash + 1, '/') != NULL) {
		ht_err_set(e, "repository.repo_name: \"%.80s\" has more than "
		    "two components", repo_name);
		return NULL;
	}
	/*
	 * Docker reads a first component with a dot (or "localhost") as a
	 * registry's host: "evil.example.com/app" is pulled from there, not
	 * from Docker Hub, whose namespaces never have one.
	 */
	if (slash != NULL && (memchr(repo_name, '.',
	    (size_t)(slash - repo_name)) != NULL ||
	    strncmp(repo_name, "localhost/", 10) == 0)) {
		ht_err_set(e, "repository.repo_name: \"%.80s\" names a "
		    "registry host, not a Docker Hub namespace", repo_name);
		return NULL;
	}
	return repo_name;
}

/*
 * The fields an event may lack, after repo_url: callback_url, description
 * (null when absent), is_private, is_official and the counts.  0, or -1
 * and e.
 */
static int
add_optional(json_t *ev, const json_t *p, const json_t *repo,
    struct ht_err *e)
{
	const char *s;
	long long n;
	int r, b;

	if ((r = ht_rd_string(p, "callback_url", "payload", &s, e)) == -1)
		return -1;
	if (r == 1 && set_string(ev, "callback_url", s) == -1)
		return ht_rd_nomem(e);
	if ((r = ht_rd_string(repo, "description", "repository", &s, e)) == -1)
		return -1;
	if (json_object_set_new(ev, "description",
	    r == 1 ? json_string(s) : json_null()) == -1)
		return ht_rd_nomem(e);
	if ((r = ht_rd_bool(repo, "is_private", "repository", &b, e)) == -1)
		return -1;
	if (r == 1 && json_object_set_new(ev, "is_private",
	    json_boolean(b)) == -1)
		return ht_rd_nomem(e);
	if ((r = ht_rd_bool(repo, "is_official", "repository", &b, e)) == -1)
		return -1;
	if (r == 1 && json_object_set_new(ev, "is_official",
	    json_boolean(b)) == -1)
		return ht_rd_nomem(e);
	if ((r = ht_rd_number(repo, "star_count", "repository", 0, 1LL << 53,
	    &n, e)) == -1)
		return -1;
	if (r == 1 && json_object_set_new(ev, "star_count",
	    json_integer(n)) == -1)
		return ht_rd_nomem(e);
	if ((r = ht_rd_number(repo, "comment_count", "repository", 0, 1LL << 53,
	    &n, e)) == -1)
		return -1;
	if (r == 1 && json_object_set_new(ev, "comment_count",
	    json_integer(n)) == -1)
		return ht_rd_nomem(e);
	return 0;
}

/* push_data and repository, the objects of a payload: 0, or -1 and e. */
static int
payload_parts(const json_t *p, const json_t **push, const json_t **repo,
    struct ht_err *e)
{
	if (!json_is_object(p)) {
		ht_err_set(e, "not a Docker Hub payload: expected a JSON "
		    "object, got %s", ht_json_type_name(p));
		return -1;
	}
	*push = json_object_get(p, "push_data");
	*repo = json_object_get(p, "repository");
	if (*push == NULL || *repo == NULL) {
		ht_err_set(e, "not a Docker Hub payload: no \"%s\" object",
		    *push == NULL ? "push_data" : "repository");
		return -1;
	}
	if (!json_is_object(*push) || !json_is_object(*repo)) {
		ht_err_set(e, "%s: expected an object, got %s",
		    !json_is_object(*push) ? "push_data" : "repository",
		    ht_json_type_name(!json_is_object(*push) ? *push : *repo));
		return -1;
	}
	return 0;
}

/* push_data's tag and pushed_at: 0, or -1 and e. */
static int
push_tag_time(const json_t *push, const char **tag, long long *pushed,
    struct ht_err *e)
{
	int r;

	/* Before about 2016 there was no tag: such pushes were of latest. */
	if ((r = ht_rd_string(push, "tag", "push_data", tag, e)) == -1)
		return -1;
	if (r == 0)
		*tag = "latest";
	if (!ht_tag_valid(*tag)) {
		ht_err_set(e, "push_data.tag: \"%.80s\" is not a valid Docker "
		    "tag", *tag);
		return -1;
	}
	if ((r = ht_rd_number(push, "pushed_at", "push_data", 0, HT_TIME_MAX,
	    pushed, e)) == -1)
		return -1;
	if (r == 0) {
		ht_err_set(e, "push_data.pushed_at: missing");
		return -1;
	}
	return 0;
}

/*
 * The image's names: repo_name, namespace and name (library and NAME for
 * a bare name, an official image, pulled as NAME), tag and image.  0, or
 * -1 and e.
 */
static int
add_names(json_t *ev, const char *repo_name, const char *tag,
    struct ht_err *e)
{
	const char *slash = strchr(repo_name, '/');
	char image[REPO_MAX + TAG_MAX + 2], ns[REPO_MAX + 1] = "library";

	(void)snprintf(image, sizeof image, "%s:%s", repo_name, tag);
	if (slash != NULL)
		(void)snprintf(ns, sizeof ns, "%.*s", (int)(slash - repo_name),
		    repo_name);
	if (set_string(ev, "repo_name", repo_name) == -1 ||
	    set_string(ev, "namespace", ns) == -1 ||
	    set_string(ev, "name", slash == NULL ? repo_name :
	    slash + 1) == -1 || set_string(ev, "tag", tag) == -1 ||
	    set_string(ev, "image", image) == -1)
		return ht_rd_nomem(e);
	return 0;
}

/* Who pushed and when, when the repository was made: 0, or -1 and e. */
static int
add_push(json_t *ev, const json_t *push, const json_t *repo,
    long long pushed, struct ht_err *e)
{
	const char *s;
	long long n;
	int r;

	if ((r = ht_rd_string(push, "pusher", "push_data", &s, e)) == -1)
		return -1;
	if ((r == 1 && set_string(ev, "pusher", s) == -1) ||
	    set_time(ev, "pushed_at", pushed) == -1)
		return ht_rd_nomem(e);
	if ((r = ht_rd_number(repo, "date_created", "repository", 0, HT_TIME_MAX,
	    &n, e)) == -1)
		return -1;
	if (r == 1 && set_time(ev, "date_created", n) == -1)
		return ht_rd_nomem(e);
	return 0;
}

/*
 * repo_url: the page is made from the validated name, not copied:
 * payloads carry dead hosts (registry.hub.docker.com/u/...) and even
 * other repositories' URLs, and this link is what gets published.
 */
static int
add_url(json_t *ev, const char *repo_name, struct ht_err *e)
{
	char buf[512];

	(void)snprintf(buf, sizeof buf, "https://hub.docker.com/%s/%s",
	    strchr(repo_name, '/') == NULL ? "_" : "r", repo_name);
	return set_string(ev, "repo_url", buf) == -1 ? ht_rd_nomem(e) : 0;
}

/* The same delivery seen twice has the same id: image@pushed_at. */
static int
add_id(json_t *ev, struct ht_err *e)
{
	const char *image = json_string_value(json_object_get(ev, "image"));
	const char *at = json_string_value(json_object_get(ev, "pushed_at"));
	char buf[512];
	int r;

	if (image == NULL || at == NULL)
		return ht_rd_nomem(e);
	r = snprintf(buf, sizeof buf, "%s@%s", image, at);
	if (r < 0 || (size_t)r >= sizeof buf || set_string(ev, "id", buf) == -1)
		return ht_rd_nomem(e);
	return 0;
}

json_t *
ht_event_from_payload(const json_t *p, struct ht_err *e)
{
	const json_t *push, *repo;
	const char *repo_name, *tag;
	char full[REPO_MAX + 2];
	long long pushed;
	json_t *ev;

	if (payload_parts(p, &push, &repo, e) == -1 ||
	    (repo_name = repo_name_of(repo, full, sizeof full, e)) == NULL ||
	    push_tag_time(push, &tag, &pushed, e) == -1)
		return NULL;
	if ((ev = json_object()) == NULL) {
		(void)ht_rd_nomem(e);
		return NULL;
	}
	if (add_names(ev, repo_name, tag, e) == -1 ||
	    add_push(ev, push, repo, pushed, e) == -1 ||
	    add_url(ev, repo_name, e) == -1 ||
	    add_optional(ev, p, repo, e) == -1 || add_id(ev, e) == -1) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}
