/*
 * err — the error value the library fills and the tools print.
 *
 * The library never prints and never exits.  The return convention:
 *   - a function that can fail takes a struct ht_err *e and returns 0 on
 *     success, -1 on failure; one that returns a pointer returns NULL on
 *     failure;
 *   - on failure e is filled: its message, and e->status, the sysexits.h
 *     status the failure suggests (EX_DATAERR bad input, EX_CONFIG a bad
 *     setting, EX_NOPERM refused, EX_OSERR out of memory or a system
 *     call, EX_IOERR a read or a write, EX_UNAVAILABLE a service,
 *     EX_TEMPFAIL try later, EX_SOFTWARE a bug);
 *   - other return values (a count, 1 for "yes", a positive code) only
 *     where the function's comment says so.
 * The tool decides the words around the message and its own exit status.
 * An error may name the input it concerns (a file name, "<stdin>", a
 * config path) and a position in it.
 */
#ifndef HT_ERR_H
#define HT_ERR_H

#include <stddef.h>

struct ht_err {
	char msg[512];		/* what went wrong, one line, no prefix */
	char input[256];	/* the input's name, or "" */
	long line;		/* 1-based; 0: no position */
	long col;		/* 1-based; 0: no column */
	int status;		/* the sysexits.h code the library suggests */
};

void	ht_err_clear(struct ht_err *);
/* Set the message (printf-style), with no position (ht_err_locate adds one). */
void	ht_err_set(struct ht_err *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Set the message (no position) and the status; returns -1. */
int	ht_err_fail(struct ht_err *, int status, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/* Set the message and where it happened. */
void	ht_err_at(struct ht_err *, const char *input, long line, long col,
	    const char *, ...) __attribute__((format(printf, 5, 6)));
/* Set where it happened, keeping the message. */
void	ht_err_locate(struct ht_err *, const char *input, long line, long col);
/* Prefix the message with "what: " (keeps the position). */
void	ht_err_prefix(struct ht_err *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * Write "input:line:col: msg" (the parts that are set) into buf.
 * Returns buf.
 */
const char *ht_err_str(const struct ht_err *, char *buf, size_t len);
/*
 * Make s (a NUL-terminated line, changed in place) safe to show on a
 * terminal or in a log: newline, CR and tab become a space, other control
 * characters '?', and so do the Unicode controls that reorder text (the
 * bidi embeddings, overrides and isolates, U+202A-U+202E and
 * U+2066-U+2069, and the marks U+200E, U+200F and U+061C), which can make
 * a line read differently from what it holds.
 */
void	ht_text_clean(char *s);

#endif
