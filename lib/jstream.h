/*
 * jstream — read a stream of JSON values: one document, NDJSON, or values
 * simply concatenated, from a file descriptor or a memory buffer.
 *
 * Jansson parses each value; this file only frames the stream: it feeds
 * Jansson the bytes that follow the last value, reads more when a value is
 * not complete yet, bounds the size and nesting depth of each value, and
 * turns Jansson's positions (relative to the buffer) into line and column of
 * the whole input.  After a bad value it resynchronises at the next line
 * that begins with '{', so one broken payload does not take the rest of a
 * stream with it.
 */
#ifndef HT_JSTREAM_H
#define HT_JSTREAM_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"

#define HT_JSON_MAX_VALUE	(1024 * 1024)	/* bytes per value */
#define HT_JSON_MAX_DEPTH	64

struct ht_jstream;

/* Read from fd (not closed by the stream).  name is copied.  caller frees. */
struct ht_jstream *ht_jstream_fd(int fd, const char *name, size_t max_value,
	    int max_depth);
/* Read from a buffer, which is borrowed and must outlive the stream. */
struct ht_jstream *ht_jstream_mem(const void *buf, size_t len,
	    const char *name, size_t max_value, int max_depth);
void	ht_jstream_free(struct ht_jstream *);

/*
 * The next value: returns 1 and sets *out (caller decrefs), 0 at the end of
 * the input, HT_JSTREAM_BAD for a bad value (e says what and where; the next
 * call goes on after it) or HT_JSTREAM_IOERR when the input cannot be read
 * (stop).
 */
#define HT_JSTREAM_BAD		(-1)
#define HT_JSTREAM_IOERR	(-2)
int	ht_jstream_next(struct ht_jstream *, json_t **out, struct ht_err *e);
/* Where the value last returned (or rejected) began. */
long	ht_jstream_line(const struct ht_jstream *);
long	ht_jstream_col(const struct ht_jstream *);
const char *ht_jstream_name(const struct ht_jstream *);

/*
 * Read every value of the input on fd and call fn on each; what a tool's
 * main loop does.  fn returns 0, or a sysexits status for that value:
 * the error it filled is reported through report() with the value's
 * position (unless fn set one), and the stream goes on, or stops when fn
 * added HT_JSTREAM_STOP.  Bad values are reported and count as EX_DATAERR;
 * a read error stops with EX_IOERR.  Returns 0 or the last status.
 */
#define HT_JSTREAM_STOP		0x100
typedef int ht_jstream_fn(json_t *v, void *arg, struct ht_err *e);
int	ht_jstream_each(int fd, const char *name, ht_jstream_fn *fn,
	    void *arg, void (*report)(const struct ht_err *));

/*
 * ht_jstream_each over the files named (in order; none or "-" is stdin).
 * A file that cannot be opened is reported and gives EX_NOINPUT; the
 * gravest problem met decides the status; a read or write error stops.
 */
int	ht_jstream_files(int argc, char *const argv[], ht_jstream_fn *fn,
	    void *arg, void (*report)(const struct ht_err *));

/* How deep containers nest in a value: 0 for a scalar, 1 for [1]. */
int	ht_json_depth(const json_t *);

/* "an object", "an array", "a string", "a number", "a boolean", "null". */
const char *ht_json_type_name(const json_t *);

#endif
