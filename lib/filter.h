/*
 * filter — which events to announce: tag and repository globs (fnmatch(3))
 * and the rule that skips the tag "latest", which Docker Hub pushes beside
 * every versioned tag.
 *
 * The pattern arrays are borrowed: they must outlive the filter.
 */
#ifndef HT_FILTER_H
#define HT_FILTER_H

#include <stddef.h>

struct ht_filter {
	const char **include_tags;
	size_t n_include_tags;
	const char **exclude_tags;
	size_t n_exclude_tags;
	const char **include_repos;
	size_t n_include_repos;
	const char **exclude_repos;
	size_t n_exclude_repos;
	int skip_latest;
	int skip_private;	/* a public post must not reveal a private
				   repository unless asked */
};

/*
 * NULL if the event passes, else why it does not, written into buf
 * ("tag 'latest' is skipped", "tag 'rc1' excluded by 'rc*'").
 */
const char *ht_filter_why(const struct ht_filter *, const char *repo,
	    const char *tag, char *buf, size_t len);

/* The same for an event, which may be of a private repository. */
const char *ht_filter_event_why(const struct ht_filter *, const char *repo,
	    const char *tag, int is_private, char *buf, size_t len);

#endif
