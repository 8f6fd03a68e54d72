#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "log.h"

static const char *prog = "hubtweet";
static int to_syslog;

void
ht_log_open(const char *name, int use_syslog)
{
	prog = name;
	to_syslog = use_syslog;
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
	char line[4096];

	(void)vsnprintf(line, sizeof line, fmt, ap);
	ht_text_clean(line);
	if (to_syslog) {
		syslog(prio, "%s", line);
		return;
	}
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
