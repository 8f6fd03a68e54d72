#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "filter.h"

/* The first pattern that matches s, or NULL. */
static const char *
match(const char **pats, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fnmatch(pats[i], s, 0) == 0)
			return pats[i];
	return NULL;
}

/*
 * A repository pattern: an official image ("busybox") matches as its bare
 * name and as "library/busybox", the name Docker Hub also gives it.
 */
static const char *
match_repo(const char **pats, size_t n, const char *repo)
{
	char full[300];
	const char *p;

	if ((p = match(pats, n, repo)) != NULL || strchr(repo, '/') != NULL)
		return p;
	if (snprintf(full, sizeof full, "library/%s", repo) >=
	    (int)sizeof full)
		return NULL;
	return match(pats, n, full);
}

const char *
ht_filter_why(const struct ht_filter *f, const char *repo, const char *tag,
    char *buf, size_t len)
{
	const char *p;

	if (f->n_include_repos > 0 &&
	    match_repo(f->include_repos, f->n_include_repos, repo) == NULL)
		(void)snprintf(buf, len, "repository '%s' not included", repo);
	else if ((p = match_repo(f->exclude_repos, f->n_exclude_repos,
	    repo)) != NULL)
		(void)snprintf(buf, len, "repository '%s' excluded by '%s'",
		    repo, p);
	else if (f->skip_latest && strcmp(tag, "latest") == 0)
		(void)snprintf(buf, len, "tag 'latest' is skipped");
	else if (f->n_include_tags > 0 &&
	    match(f->include_tags, f->n_include_tags, tag) == NULL)
		(void)snprintf(buf, len, "tag '%s' not included", tag);
	else if ((p = match(f->exclude_tags, f->n_exclude_tags, tag)) != NULL)
		(void)snprintf(buf, len, "tag '%s' excluded by '%s'", tag, p);
	else
		return NULL;
	return buf;
}

const char *
ht_filter_event_why(const struct ht_filter *f, const char *repo,
    const char *tag, int is_private, char *buf, size_t len)
{
	if (f->skip_private && is_private) {
		(void)snprintf(buf, len, "repository '%s' is private", repo);
		return buf;
	}
	return ht_filter_why(f, repo, tag, buf, len);
}
