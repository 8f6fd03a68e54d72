#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

void
ht_err_clear(struct ht_err *e)
{
	memset(e, 0, sizeof *e);
}

static void
set_msg(struct ht_err *e, const char *fmt, va_list ap)
{
	char *p;

	/* A truncated message is still a message: the buffer bounds it. */
	(void)vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	/*
	 * One line, and no control characters: a dependency's text may carry
	 * a newline, and a message may quote input (an escape sequence).
	 */
	for (p = e->msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
		else if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = '?';
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
