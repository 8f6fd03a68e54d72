#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

void
ht_err_clear(struct ht_err *e)
{
	memset(e, 0, sizeof *e);
}

/* The length of the bidi control that s begins with (UTF-8), or 0. */
static size_t
bidi_len(const unsigned char *s)
{
	if (s[0] == 0xd8 && s[1] == 0x9c)		/* U+061C */
		return 2;
	if (s[0] != 0xe2)
		return 0;
	if (s[1] == 0x80 && (s[2] == 0x8e || s[2] == 0x8f ||	/* U+200E/F */
	    (s[2] >= 0xaa && s[2] <= 0xae)))		/* U+202A-E */
		return 3;
	if (s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)	/* U+2066-9 */
		return 3;
	return 0;
}

void
ht_text_clean(char *s)
{
	unsigned char *r = (unsigned char *)s, *w = r;
	size_t n;

	while (*r != '\0') {
		if ((n = bidi_len(r)) > 0) {
			*w++ = '?';
			r += n;
		} else if (*r == '\n' || *r == '\r' || *r == '\t') {
			*w++ = ' ';
			r++;
		} else if (*r < ' ' || *r == 0x7f) {
			*w++ = '?';
			r++;
		} else
			*w++ = *r++;
	}
	*w = '\0';
}

static void
set_msg(struct ht_err *e, const char *fmt, va_list ap)
{
	/* A truncated message is still a message: the buffer bounds it. */
	(void)vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	/*
	 * One line, and no control characters: a dependency's text may carry
	 * a newline, and a message may quote input (an escape sequence).
	 */
	ht_text_clean(e->msg);
}

void
ht_err_set(struct ht_err *e, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return;
	e->input[0] = '\0';
	e->line = e->col = 0;
	va_start(ap, fmt);
	set_msg(e, fmt, ap);
	va_end(ap);
}

int
ht_err_fail(struct ht_err *e, int status, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->input[0] = '\0';
	e->line = e->col = 0;
	e->status = status;
	va_start(ap, fmt);
	set_msg(e, fmt, ap);
	va_end(ap);
	return -1;
}

void
ht_err_at(struct ht_err *e, const char *input, long line, long col,
    const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return;
	if (input != NULL)
		(void)snprintf(e->input, sizeof e->input, "%s", input);
	else
		e->input[0] = '\0';
	e->line = line;
	e->col = col;
	va_start(ap, fmt);
	set_msg(e, fmt, ap);
	va_end(ap);
}

void
ht_err_locate(struct ht_err *e, const char *input, long line, long col)
{
	if (e == NULL)
		return;
	(void)snprintf(e->input, sizeof e->input, "%s",
	    input != NULL ? input : "");
	e->line = line;
	e->col = col;
}

void
ht_err_prefix(struct ht_err *e, const char *fmt, ...)
{
	char pre[256], all[sizeof pre + sizeof e->msg + 2];
	size_t n;
	va_list ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	/* all is large enough for both: no truncation until the copy. */
	(void)snprintf(all, sizeof all, "%s: %s", pre, e->msg);
	n = strlen(all);
	if (n >= sizeof e->msg)
		n = sizeof e->msg - 1;
	memcpy(e->msg, all, n);
	e->msg[n] = '\0';
}

const char *
ht_err_str(const struct ht_err *e, char *buf, size_t len)
{
	if (e->input[0] != '\0' && e->line > 0 && e->col > 0)
		(void)snprintf(buf, len, "%s:%ld:%ld: %s", e->input, e->line,
		    e->col, e->msg);
	else if (e->input[0] != '\0' && e->line > 0)
		(void)snprintf(buf, len, "%s:%ld: %s", e->input, e->line,
		    e->msg);
	else if (e->input[0] != '\0')
		(void)snprintf(buf, len, "%s: %s", e->input, e->msg);
	else
		(void)snprintf(buf, len, "%s", e->msg);
	return buf;
}
