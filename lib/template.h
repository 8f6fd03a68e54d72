/*
 * template — the text of a post, with fields taken from a JSON object.
 *
 * Syntax: {field} and dotted paths {repository.repo_url} insert a value;
 * {field:-text} gives a fallback used when the field is absent or null;
 * {{ and }} are literal braces (in a fallback too).  Strings are inserted
 * with each run of white space made one space (the template's own text is
 * kept as written), numbers and booleans as JSON writes them, a list of
 * those joined with ", " (an event's tags); objects, other lists and an
 * absent field without a fallback are an error.  A fallback stands in for
 * an empty string or list too.
 *
 * A parsed template owns its memory (ht_template_free).  A render owns the
 * values it holds (ht_render_free); paths in it are borrowed from the
 * template.
 */
#ifndef HT_TEMPLATE_H
#define HT_TEMPLATE_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"

#define HT_TEMPLATE_MAX		(64 * 1024)	/* bytes */

/*
 * The built-in template: the tag, the repository and the pull command,
 * without a link, because X bills a post that holds a URL about 13 times
 * a plain one ($0.20 against $0.015, pay-per-use pricing of 2026).
 */
#define HT_TEMPLATE_DEFAULT \
	"New release {tag} of {repo_name}: docker pull {image}"
/*
 * Mastodon's and Bluesky's: the same with the repository's page, since a
 * link costs nothing there (and is what Bluesky's link card shows).
 */
#define HT_TEMPLATE_DEFAULT_LINKED	HT_TEMPLATE_DEFAULT " {repo_url}"

struct ht_template;

/*
 * Parse text[0..len).  name is what errors call the template (a file name,
 * "template"); they give its line and column (in characters).  NULL and e
 * on error.
 */
struct ht_template *ht_template_parse(const char *text, size_t len,
	    const char *name, struct ht_err *e);
void	ht_template_free(struct ht_template *);
/*
 * Check that every field the template names is one of fields (a NULL-ended
 * list, such as ht_event_fields): -1 and e (the template's name, line and
 * column, the field) for the first that is not.
 */
int	ht_template_check(const struct ht_template *,
	    const char *const *fields, struct ht_err *e);

struct ht_piece {
	char *s;		/* the text, NUL-terminated; owned by the render */
	size_t len;
	int field;		/* 1: a field's value; 0: the template's own text
				   (a fallback included) */
	const char *path;	/* the field, when field is 1 */
};

struct ht_render {
	struct ht_piece *v;
	size_t n;
};

/*
 * Render for obj.  -1 and e (naming the field, no position) when a field is
 * missing or cannot be rendered.
 */
int	ht_template_render(const struct ht_template *, const json_t *obj,
	    struct ht_render *out, struct ht_err *e);
void	ht_render_free(struct ht_render *);

#endif
