/*
 * log — diagnostics, to stderr or to syslog.
 *
 * Every line has the form "prog: message".  A tool picks the destination
 * once at start (syslog when stderr is the network connection, as under
 * inetd); the rest of the code just logs.  The environment variable
 * HUBTWEET_LOG, which dh-hook sets, chooses for every tool of a pipeline:
 * "syslog" (errors at LOG_ERR, a post left queued at LOG_WARNING, the
 * rest at LOG_INFO), or "time": stderr,
 * each line begun with the UTC time ("2026-11-30T15:00:00Z prog: ...").
 */
#ifndef HT_LOG_H
#define HT_LOG_H

#include "err.h"

/* prog is borrowed and must outlive the logger. */
void	ht_log_open(const char *prog, int use_syslog);
int	ht_log_syslog(void);
const char *ht_log_prog(void);
/* An error line, "prog: message". */
void	ht_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Something to look at, not a failure (syslog LOG_WARNING): "queued". */
void	ht_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
/* An informational line (syslog LOG_INFO; stderr otherwise). */
void	ht_info(const char *, ...) __attribute__((format(printf, 1, 2)));
/* "prog: input:line:col: message" for an error value. */
void	ht_log_err(const struct ht_err *);
/*
 * A tool's last step: stdout flushed and checked.  Returns status, or 74
 * (EX_IOERR, said) when stdout cannot be written.
 */
int	ht_log_finish(int status);

#endif
