/*
 * GitHub's registry_package and package events (X-GitHub-Event), for
 * container packages (ghcr.io): a version published, or updated with a
 * new tag.  The tag is container_metadata.tag.name, the reference to pull
 * package_url ("ghcr.io/acme/widget:1.2.3").  An untagged version (the
 * per-platform manifests of a multi-arch push) and other packages (npm,
 * Maven...) are not announced.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "reader.h"

/* The package object and its name: 0, or -1 when there is none. */
static int
package_of(const json_t *p, const json_t **pkg, const char **where,
    struct ht_err *e)
{
	if (!json_is_object(p)) {
		ht_err_set(e, "not a GitHub package payload: expected a JSON "
		    "object");
		return -1;
	}
	*where = "registry_package";
	if ((*pkg = json_object_get(p, *where)) == NULL) {
		*where = "package";
		*pkg = json_object_get(p, *where);
	}
	if (*pkg == NULL || !json_is_object(*pkg)) {
		ht_err_set(e, "not a GitHub package payload: no "
		    "\"registry_package\" or \"package\" object");
		return -1;
	}
	return 0;
}

/* Whether the payload is one to announce; why says when not. */
static int
announced(const json_t *p, const json_t *pkg, const char *where, char *why,
    size_t whylen, struct ht_err *e)
{
	const char *action, *type;

	if (ht_rd_string(p, "action", "payload", &action, e) == -1 ||
	    ht_rd_string(pkg, "package_type", where, &type, e) == -1)
		return -1;
	if (action == NULL || (strcmp(action, "published") != 0 &&
	    strcmp(action, "updated") != 0)) {
		(void)snprintf(why, whylen, "action \"%.40s\" publishes "
		    "nothing", action != NULL ? action : "");
		return 0;
	}
	if (type == NULL && ht_rd_string(pkg, "ecosystem", where, &type,
	    e) == -1)
		return -1;
	/* "CONTAINER" (ghcr.io), "docker" (the old docker.pkg.github.com). */
	if (type == NULL || (strcasecmp(type, "container") != 0 &&
	    strcasecmp(type, "docker") != 0)) {
		(void)snprintf(why, whylen, "a%s package, not a container",
		    type != NULL ? "n other" : " typeless");
		return 0;
	}
	return 1;
}

/* The version's tag and digest; *tag NULL or "" when untagged. */
static int
version_tag(const json_t *pv, const char **tag, const char **digest,
    struct ht_err *e)
{
	const json_t *cm, *t;

	*tag = *digest = NULL;
	if (ht_rd_object(pv, "container_metadata", "package_version", &cm,
	    e) == -1)
		return -1;
	if (cm == NULL)
		return 0;
	if (ht_rd_object(cm, "tag", "container_metadata", &t, e) == -1)
		return -1;
	if (t == NULL)
		return 0;
	if (ht_rd_string(t, "name", "container_metadata.tag", tag, e) == -1 ||
	    ht_rd_string(t, "digest", "container_metadata.tag", digest,
	    e) == -1)
		return -1;
	if (*digest != NULL && **digest == '\0')
		*digest = NULL;
	return 0;
}

/*
 * package_url split into its host and repository, which must end with
 * the tag when it names one: 0, or -1 and e.
 */
static int
split_url(const char *url, const char *tag, char *host, size_t hlen,
    char *repo, size_t rlen, struct ht_err *e)
{
	const char *rest;
	size_t n, tl = strlen(tag);

	if (ht_ref_host(url, host, hlen, &rest) == -1)
		goto bad;
	n = strlen(rest);
	if (n > tl + 1 && rest[n - tl - 1] == ':' &&
	    strcmp(rest + n - tl, tag) == 0)
		n -= tl + 1;
	else if (strchr(rest, ':') != NULL)
		goto bad;
	if (n == 0 || n >= rlen)
		goto bad;
	memcpy(repo, rest, n);
	repo[n] = '\0';
	return 0;
bad:
	ht_err_set(e, "package_version.package_url: \"%.120s\" is not the "
	    "reference of tag \"%.80s\"", url, tag);
	return -1;
}

/* The repository's privacy, when the package is linked to one. */
static int
privacy(const json_t *p, int *priv, struct ht_err *e)
{
	const json_t *repo;
	const char *vis;
	int b, r;

	*priv = -1;
	if (ht_rd_object(p, "repository", "payload", &repo, e) == -1)
		return -1;
	if (repo == NULL)
		return 0;
	if ((r = ht_rd_bool(repo, "private", "repository", &b, e)) == -1 ||
	    ht_rd_string(repo, "visibility", "repository", &vis, e) == -1)
		return -1;
	if (r == 1)
		*priv = b;
	if (vis != NULL)
		*priv = strcmp(vis, "public") != 0;
	return 0;
}

/* When the version was pushed: updated_at for an update, else created_at. */
static int
push_time(const json_t *pv, const json_t *pkg, int update, long long *t,
    struct ht_err *e)
{
	const char *first = update ? "updated_at" : "created_at";
	const char *second = update ? "created_at" : "updated_at";
	int r;

	if ((r = ht_rd_time(pv, first, "package_version", t, e)) != 0 ||
	    (r = ht_rd_time(pv, second, "package_version", t, e)) != 0 ||
	    (r = ht_rd_time(pkg, "updated_at", "package", t, e)) != 0)
		return r == -1 ? -1 : 0;
	ht_err_set(e, "package_version.%s: missing", first);
	return -1;
}

int
ht_github_events(const json_t *p, json_t *events, char *why, size_t whylen,
    struct ht_err *e)
{
	const json_t *pkg, *pv, *sender;
	const char *where, *tag, *url, *action;
	char host[256], repo[512];
	struct ht_push push = { 0 };
	int r;

	/* Sent once, when the webhook is made. */
	if (json_is_object(p) && json_object_get(p, "zen") != NULL &&
	    json_object_get(p, "hook_id") != NULL) {
		(void)snprintf(why, whylen, "a ping");
		return 0;
	}
	if (package_of(p, &pkg, &where, e) == -1 ||
	    (r = announced(p, pkg, where, why, whylen, e)) == -1)
		return -1;
	if (r == 0)
		return 0;
	if (ht_rd_object(pkg, "package_version", where, &pv, e) == -1)
		return -1;
	if (pv == NULL) {
		ht_err_set(e, "%s.package_version: missing", where);
		return -1;
	}
	if (version_tag(pv, &tag, &push.digest, e) == -1)
		return -1;
	if (tag == NULL || *tag == '\0') {
		(void)snprintf(why, whylen, "an untagged version");
		return 0;
	}
	if (ht_rd_string(pv, "package_url", "package_version", &url, e) == -1)
		return -1;
	if (url == NULL) {
		ht_err_set(e, "package_version.package_url: missing");
		return -1;
	}
	action = json_string_value(json_object_get(p, "action"));
	if (split_url(url, tag, host, sizeof host, repo, sizeof repo,
	    e) == -1 || privacy(p, &push.is_private, e) == -1 ||
	    push_time(pv, pkg, strcmp(action, "updated") == 0,
	    &push.pushed_at, e) == -1 ||
	    ht_rd_string(pkg, "html_url", where, &push.repo_url, e) == -1 ||
	    ht_rd_string(pkg, "description", where, &push.description,
	    e) == -1 ||
	    ht_rd_object(p, "sender", "payload", &sender, e) == -1 ||
	    (sender != NULL && ht_rd_string(sender, "login", "sender",
	    &push.pusher, e) == -1))
		return -1;
	if (push.description != NULL && *push.description == '\0')
		push.description = NULL;
	push.registry = host;
	push.repo = repo;
	push.tag = tag;
	push.where = "package_version.package_url";
	return ht_push_add(events, &push, e);
}
