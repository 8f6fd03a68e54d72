#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <syslog.h>
#include <time.h>

#include "log.h"
#include "util.h"

static const char *prog = "hubtweet";
static int to_syslog;
static int stamp;	/* a time before each line on stderr */

void
ht_log_open(const char *name, int use_syslog)
{
	const char *v = getenv("HUBTWEET_LOG");

	prog = name;
	stamp = v != NULL && strcmp(v, "time") == 0;
	to_syslog = use_syslog || (v != NULL && strcmp(v, "syslog") == 0);
	if (to_syslog)
		openlog(prog, LOG_PID, LOG_DAEMON);
}

int
ht_log_syslog(void)
{
	return to_syslog;
}

const char *
ht_log_prog(void)
{
	return prog;
}

/*
 * Every line is cleaned (ht_text_clean): a message may quote what a sender
 * or X sent, and a log line must hold what it seems to.  A longer line is
 * cut.
 */
static void
vlog(int prio, const char *fmt, va_list ap)
{
	char line[4096], when[32];
	struct tm tm;
	time_t now;

	(void)vsnprintf(line, sizeof line, fmt, ap);
	ht_text_clean(line);
	if (to_syslog) {
		syslog(prio, "%s", line);
		return;
	}
	now = time(NULL);
	if (stamp && gmtime_r(&now, &tm) != NULL &&
	    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
		(void)fprintf(stderr, "%s ", when);
	(void)fprintf(stderr, "%s: %s\n", prog, line);
}

void
ht_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
ht_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
ht_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
ht_log_err(const struct ht_err *e)
{
	char buf[1024];

	ht_warnx("%s", ht_err_str(e, buf, sizeof buf));
}

int
ht_log_finish(int status)
{
	struct ht_err e;

	ht_err_clear(&e);
	if (ht_stream_finish(stdout, "stdout", &e) == -1) {
		ht_log_err(&e);
		return EX_IOERR;
	}
	return status;
}
