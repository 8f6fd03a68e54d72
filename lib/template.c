#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jstream.h"
#include "template.h"
#include "utf8.h"
#include "util.h"

enum part_type { PART_TEXT, PART_FIELD };

struct part {
	enum part_type type;
	char *text;		/* PART_TEXT: the text; PART_FIELD: the fallback
				   or NULL */
	size_t len;
	char *path;		/* PART_FIELD: the dotted path */
	long line, col;		/* PART_FIELD: where it is in the template */
};

struct ht_template {
	struct part *v;
	size_t n;
	char *name;		/* what errors call it */
};

void
ht_template_free(struct ht_template *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++) {
		free(t->v[i].text);
		free(t->v[i].path);
	}
	free(t->v);
	free(t->name);
	free(t);
}

static int
add_part(struct ht_template *t, enum part_type type, struct ht_buf *text,
    char *path, long line, long col)
{
	struct part *nv;
	char *s = NULL;

	/*
	 * Nothing is taken from the caller until nothing can fail: on -1,
	 * text and path are still the caller's to free.
	 */
	if (text != NULL) {
		/* A fallback may be empty: keep "" rather than NULL. */
		if ((s = text->p) == NULL && (s = strdup("")) == NULL)
			return -1;
	}
	if ((nv = realloc(t->v, (t->n + 1) * sizeof *nv)) == NULL) {
		if (text != NULL && text->p == NULL)
			free(s);
		return -1;
	}
	t->v = nv;
	nv[t->n].type = type;
	nv[t->n].text = s;
	nv[t->n].len = text != NULL ? text->len : 0;
	nv[t->n].path = path;
	nv[t->n].line = line;
	nv[t->n].col = col;
	t->n++;
	if (text != NULL) {
		text->p = NULL;
		text->len = text->cap = 0;
	}
	return 0;
}

/* Line and column (in characters) of byte offset off. */
static void
where(const char *s, size_t off, long *line, long *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off; i++) {
		if (s[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)s[i] & 0xc0) != 0x80)
			(*col)++;
	}
}

static void
fail(struct ht_err *e, const char *name, const char *s, size_t off,
    const char *msg)
{
	long line, col;

	where(s, off, &line, &col);
	ht_err_at(e, name, line, col, "%s", msg);
}

/* Check a dotted path: no empty name. */
static int
path_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || p[0] == '.' || p[n - 1] == '.')
		return 0;
	for (i = 1; i < n; i++)
		if (p[i] == '.' && p[i - 1] == '.')
			return 0;
	return 1;
}

/* A template being parsed: its source, the parts so far, the text next. */
struct parse {
	const char *s, *name;
	size_t len;
	struct ht_template *t;
	struct ht_buf text;	/* literal text not yet a part */
	struct ht_buf fb;	/* the fallback of the field being read */
	struct ht_err *e;
};

/* Out of memory, said: -1. */
static int
parse_oom(struct parse *p)
{
	ht_err_at(p->e, p->name, 0, 0, "out of memory");
	return -1;
}

/* What is wrong at byte off, said: -1. */
static int
parse_fail(struct parse *p, size_t off, const char *msg)
{
	fail(p->e, p->name, p->s, off, msg);
	return -1;
}

/*
 * The fallback of the field opened at open, from *j (after ":-") up to a
 * single '}', into p->fb ("{{" and "}}" for braces); *j then at that '}'.
 * 0, or -1 (said).
 */
static int
parse_fallback(struct parse *p, size_t open, size_t *j)
{
	const char *s = p->s;

	for (;;) {
		if (*j >= p->len)
			return parse_fail(p, open, "unclosed '{'");
		if ((s[*j] == '{' || s[*j] == '}') && *j + 1 < p->len &&
		    s[*j + 1] == s[*j]) {
			if (ht_buf_add(&p->fb, s + *j, 1) == -1)
				return parse_oom(p);
			*j += 2;
		} else if (s[*j] == '}')
			return 0;
		else if (s[*j] == '{')
			return parse_fail(p, *j, "'{' in a fallback "
			    "(write '{{' for a brace)");
		else {
			if (ht_buf_add(&p->fb, s + *j, 1) == -1)
				return parse_oom(p);
			(*j)++;
		}
	}
}

/*
 * The field at *i, a '{' alone: {path} or {path:-fallback}, a part after
 * the text before it.  *i then after its '}'.  0, or -1 (said).
 */
static int
parse_field(struct parse *p, size_t *i)
{
	const char *s = p->s;
	size_t open = *i, start = open + 1, end, j;
	char *path;
	long line, col;
	int has_fb;

	for (end = start; end < p->len && s[end] != '}' && s[end] != ':' &&
	    s[end] != '{'; end++)
		;
	if (end >= p->len)
		return parse_fail(p, open, "unclosed '{'");
	if (s[end] == '{')
		return parse_fail(p, end, "'{' inside a field name "
		    "(write '{{' for a brace)");
	if (!path_ok(s + start, end - start))
		return parse_fail(p, open, end == start ? "empty field name" :
		    "empty name in a dotted field path");
	j = end;
	has_fb = s[end] == ':';
	if (has_fb) {
		if (end + 1 >= p->len || s[end + 1] != '-')
			return parse_fail(p, end, "':' in a field name "
			    "(write {name:-fallback} for a fallback)");
		j = end + 2;
		if (parse_fallback(p, open, &j) == -1)
			return -1;
	}
	if (p->text.len > 0 && add_part(p->t, PART_TEXT, &p->text, NULL, 0,
	    0) == -1)
		return parse_oom(p);
	if ((path = strndup(s + start, end - start)) == NULL)
		return parse_oom(p);
	where(s, open, &line, &col);
	if (add_part(p->t, PART_FIELD, has_fb ? &p->fb : NULL, path, line,
	    col) == -1) {
		free(path);
		return parse_oom(p);
	}
	*i = j + 1;
	return 0;
}

/*
 * The text or field at *i: "{{" and "}}" are braces, a lone '}' is
 * wrong.  *i then after it.  0, or -1 (said).
 */
static int
parse_next(struct parse *p, size_t *i)
{
	const char *s = p->s;
	size_t j;

	if ((s[*i] == '{' || s[*i] == '}') && *i + 1 < p->len &&
	    s[*i + 1] == s[*i]) {
		if (ht_buf_add(&p->text, s + *i, 1) == -1)
			return parse_oom(p);
		*i += 2;
		return 0;
	}
	if (s[*i] == '}')
		return parse_fail(p, *i, "unmatched '}' (write '}}' for a "
		    "brace)");
	if (s[*i] == '{')
		return parse_field(p, i);
	for (j = *i; j < p->len && s[j] != '{' && s[j] != '}'; j++)
		;
	if (ht_buf_add(&p->text, s + *i, j - *i) == -1)
		return parse_oom(p);
	*i = j;
	return 0;
}

struct ht_template *
ht_template_parse(const char *s, size_t len, const char *name,
    struct ht_err *e)
{
	struct parse p = { s, name, len, NULL, { 0 }, { 0 }, e };
	size_t i = 0, bad;
	int r = 0;

	if (len > HT_TEMPLATE_MAX) {
		ht_err_at(e, name, 0, 0, "template larger than %d bytes",
		    HT_TEMPLATE_MAX);
		return NULL;
	}
	if (ht_utf8_check(s, len, &bad) == -1) {
		fail(e, name, s, bad, "invalid UTF-8");
		return NULL;
	}
	if ((p.t = calloc(1, sizeof *p.t)) == NULL ||
	    (p.t->name = strdup(name)) == NULL)
		r = parse_oom(&p);
	while (r == 0 && i < len)
		r = parse_next(&p, &i);
	if (r == 0 && p.text.len > 0 && add_part(p.t, PART_TEXT, &p.text,
	    NULL, 0, 0) == -1)
		r = parse_oom(&p);
	/* What add_part took is NULL here. */
	free(p.text.p);
	free(p.fb.p);
	if (r == 0)
		return p.t;
	ht_template_free(p.t);
	return NULL;
}

int
ht_template_check(const struct ht_template *t, const char *const *fields,
    struct ht_err *e)
{
	const struct part *p;
	size_t i, k;

	for (i = 0; i < t->n; i++) {
		p = &t->v[i];
		if (p->type != PART_FIELD)
			continue;
		for (k = 0; fields[k] != NULL; k++)
			if (strcmp(fields[k], p->path) == 0)
				break;
		if (fields[k] == NULL) {
			ht_err_at(e, t->name, p->line, p->col,
			    "unknown field \"%s\": not an event field", p->path);
			return -1;
		}
	}
	return 0;
}

void
ht_render_free(struct ht_render *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->v[i].s);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* The value at a dotted path, or NULL. */
static const json_t *
lookup(const json_t *obj, const char *path)
{
	const char *p = path, *dot;
	char key[256];
	size_t n;

	while (obj != NULL) {
		if (!json_is_object(obj))
			return NULL;
		dot = strchr(p, '.');
		if (dot == NULL)
			return json_object_get(obj, p);
		n = (size_t)(dot - p);
		if (n >= sizeof key)
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		obj = json_object_get(obj, key);
		p = dot + 1;
	}
	return NULL;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

/*
 * A string value with each run of white space (newlines, tabs: a
 * description's layout) made one space: a post's line breaks are the
 * template's to write.
 */
static int
render_value(const json_t *v, char **s, size_t *len)
{
	const char *in;
	size_t i, n, k = 0;

	if (json_is_string(v)) {
		in = json_string_value(v);
		n = json_string_length(v);
		if ((*s = malloc(n + 1)) == NULL)
			return -1;
		for (i = 0; i < n; i++) {
			if (!is_space(in[i]))
				(*s)[k++] = in[i];
			else if (i == 0 || !is_space(in[i - 1]))
				(*s)[k++] = ' ';
		}
		(*s)[k] = '\0';
		*len = k;
		return 0;
	}
	/* Numbers and booleans as JSON writes them. */
	if ((*s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT)) == NULL)
		return -1;
	*len = strlen(*s);
	return 0;
}

/*
 * A list of strings or numbers, joined with ", ": the tags of a group.
 * Returns 0, -1 when out of memory, 1 when an element is not text.
 */
static int
render_list(const json_t *v, char **s, size_t *len)
{
	const json_t *x;
	char *item, *ns;
	size_t i, n;

	*s = NULL;
	*len = 0;
	json_array_foreach(v, i, x) {
		if (json_is_object(x) || json_is_array(x) || json_is_null(x)) {
			free(*s);
			*s = NULL;
			return 1;
		}
		if (render_value(x, &item, &n) == -1)
			goto oom;
		if ((ns = realloc(*s, *len + n + 3)) == NULL) {
			free(item);
			goto oom;
		}
		*s = ns;
		if (i > 0) {
			memcpy(*s + *len, ", ", 2);
			*len += 2;
		}
		memcpy(*s + *len, item, n);
		*len += n;
		free(item);
	}
	if (*s == NULL && (*s = malloc(1)) == NULL)
		return -1;
	(*s)[*len] = '\0';
	return 0;
oom:
	free(*s);
	*s = NULL;
	return -1;
}

/* Out of memory, said in e: -1. */
static int
render_oom(struct ht_err *e)
{
	ht_err_set(e, "out of memory");
	return -1;
}

/* The template's own text (a text part, or a fallback): 0, or -1 and e. */
static int
render_text(const struct part *p, struct ht_piece *pc, struct ht_err *e)
{
	if ((pc->s = strndup(p->text, p->len)) == NULL)
		return render_oom(e);
	pc->len = p->len;
	pc->field = 0;
	return 0;
}

/* A field's value: text, a list of text, a number, a boolean.  0, or -1. */
static int
render_field(const struct part *p, const json_t *v, struct ht_piece *pc,
    struct ht_err *e)
{
	int r;

	if (json_is_object(v)) {
		ht_err_set(e, "field \"%s\" is %s, not text", p->path,
		    ht_json_type_name(v));
		return -1;
	}
	if (!json_is_array(v))
		return render_value(v, &pc->s, &pc->len) == -1 ?
		    render_oom(e) : 0;
	if ((r = render_list(v, &pc->s, &pc->len)) == -1)
		return render_oom(e);
	if (r == 1) {
		ht_err_set(e, "field \"%s\" is a list of more than text",
		    p->path);
		return -1;
	}
	return 0;
}

/* One part rendered with obj into pc: 0, or -1 and e. */
static int
render_part(const struct part *p, const json_t *obj, struct ht_piece *pc,
    struct ht_err *e)
{
	const json_t *v;

	pc->field = p->type == PART_FIELD;
	pc->path = p->path;
	if (p->type == PART_TEXT)
		return render_text(p, pc, e);
	v = lookup(obj, p->path);
	/*
	 * As sh's ${a:-x}: an empty string takes the fallback too, and so
	 * does an empty list.
	 */
	if (v != NULL && !json_is_null(v) && (p->text == NULL ||
	    !((json_is_string(v) && json_string_length(v) == 0) ||
	    (json_is_array(v) && json_array_size(v) == 0))))
		return render_field(p, v, pc, e);
	if (p->text == NULL) {
		ht_err_set(e, v == NULL ? "missing field \"%s\"" :
		    "field \"%s\" is null", p->path);
		return -1;
	}
	/* A fallback is the template's own text. */
	return render_text(p, pc, e);
}

int
ht_template_render(const struct ht_template *t, const json_t *obj,
    struct ht_render *out, struct ht_err *e)
{
	size_t i;

	out->n = 0;
	if ((out->v = calloc(t->n + 1, sizeof *out->v)) == NULL)
		return render_oom(e);
	for (i = 0; i < t->n; i++) {
		if (render_part(&t->v[i], obj, &out->v[out->n], e) == -1) {
			ht_render_free(out);
			return -1;
		}
		out->n++;
	}
	return 0;
}
