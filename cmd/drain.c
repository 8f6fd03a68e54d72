/*
 * drain — closed groups of the spool passed on to a command (drain.h).
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "drain.h"
#include "err.h"
#include "group.h"
#include "log.h"
#include "releases.h"
#include "spool.h"
#include "util.h"

/* The networks' credentials (HT_ENV_POST), at their ht_env_secrets index. */
static char *secret_values[HT_ENV_NSECRETS];

int
drain_keep_secrets(void)
{
	const char *v;
	size_t i;

	for (i = 0; i < HT_ENV_NSECRETS; i++)
		if ((ht_env_secrets[i].which & HT_ENV_POST) != 0 &&
		    (v = getenv(ht_env_secrets[i].name)) != NULL &&
		    (secret_values[i] = strdup(v)) == NULL)
			return -1;
	ht_env_wipe_secrets(HT_ENV_POST);
	return 0;
}

void
drain_forget_secrets(void)
{
	size_t i;

	for (i = 0; i < HT_ENV_NSECRETS; i++)
		if (secret_values[i] != NULL) {
			explicit_bzero(secret_values[i],
			    strlen(secret_values[i]));
			free(secret_values[i]);
			secret_values[i] = NULL;
		}
}

/*
 * The events, one per line, in a file (not a pipe: the command may be
 * slow to read it) at offset 0; -1 and errno.
 */
static int
events_file(json_t *const *evs, size_t n)
{
	char *line;
	size_t i;
	int fd, r = 0, err;

	if ((fd = memfd_create("events", MFD_CLOEXEC)) == -1)
		return -1;
	for (i = 0; i < n && r == 0; i++) {
		if ((line = json_dumps(evs[i], JSON_COMPACT |
		    JSON_PRESERVE_ORDER)) == NULL) {
			errno = ENOMEM;
			r = -1;
			break;
		}
		if (ht_write_all(fd, line, strlen(line)) == -1 ||
		    ht_write_all(fd, "\n", 1) == -1)
			r = -1;
		free(line);
	}
	if (r == 0 && lseek(fd, 0, SEEK_SET) == -1)
		r = -1;
	if (r == -1) {
		err = errno;
		(void)close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* The command, with in on its stdin and errfd as its stderr. */
static void
run_child(char *const cmd[], int in, int errfd)
{
	size_t i;

	if (dup2(in, STDIN_FILENO) == -1 || dup2(errfd, STDERR_FILENO) == -1)
		_exit(EX_OSERR);
	(void)signal(SIGPIPE, SIG_DFL);
	for (i = 0; i < HT_ENV_NSECRETS; i++)
		if (secret_values[i] != NULL &&
		    setenv(ht_env_secrets[i].name, secret_values[i], 1) == -1)
			_exit(EX_OSERR);
	execvp(cmd[0], cmd);
	(void)fprintf(stderr, "dh-parse: %s: %s\n", cmd[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/*
 * Pass errfd's lines on to our stderr until it closes, keeping the last
 * one in last.
 */
static void
relay(int errfd, char *last, size_t len)
{
	char buf[4096], cur[256];
	size_t nc = 0;
	ssize_t n, i;

	*last = '\0';
	while ((n = read(errfd, buf, sizeof buf)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		(void)fwrite(buf, 1, (size_t)n, stderr);
		for (i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (nc < sizeof cur)
					cur[nc++] = buf[i];
			} else if (nc > 0) {
				(void)snprintf(last, len, "%.*s", (int)nc, cur);
				nc = 0;
			}
		}
	}
	if (nc > 0)
		(void)snprintf(last, len, "%.*s", (int)nc, cur);
	(void)fflush(stderr);
}

/*
 * Run cmd with the events on its standard input.  Returns 0 when it took
 * them (exit 0 or 75), else its status (a signal's is 70) with why.
 */
static int
run_command(char *const cmd[], json_t *const *evs, size_t n, char *why,
    size_t len)
{
	char last[200];
	int in, errp[2] = { -1, -1 }, wst, err;
	pid_t pid = -1;

	if ((in = events_file(evs, n)) == -1 ||
	    pipe2(errp, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		err = errno;
		if (in != -1)
			(void)close(in);
		if (errp[0] != -1) {
			(void)close(errp[0]);
			(void)close(errp[1]);
		}
		(void)snprintf(why, len, "%s: %s", cmd[0], strerror(err));
		return EX_OSERR;
	}
	if (pid == 0)
		run_child(cmd, in, errp[1]);
	(void)close(in);
	(void)close(errp[1]);
	relay(errp[0], last, sizeof last);
	(void)close(errp[0]);
	while (waitpid(pid, &wst, 0) == -1)
		if (errno != EINTR) {
			(void)snprintf(why, len, "%s: %s", cmd[0],
			    strerror(errno));
			return EX_OSERR;
		}
	if (WIFEXITED(wst) && (WEXITSTATUS(wst) == 0 ||
	    WEXITSTATUS(wst) == EX_TEMPFAIL))
		return 0;
	if (WIFEXITED(wst)) {
		(void)snprintf(why, len, "exit %d%s%s", WEXITSTATUS(wst),
		    *last != '\0' ? ": " : "", last);
		return WEXITSTATUS(wst);
	}
	(void)snprintf(why, len, "killed by signal %d",
	    WIFSIGNALED(wst) ? WTERMSIG(wst) : 0);
	return EX_SOFTWARE;
}

static const char *
event_id(const json_t *ev)
{
	const char *id = json_string_value(json_object_get(ev, "id"));

	return id != NULL ? id : "-";
}

/*
 * The groups of a batch, taken (another drain's are left to it); with
 * retry, those kept before too.  Returns how many, or -1 (logged).
 */
static long
take_batch(struct ht_spool *sp, char **names, long n, int retry,
    struct ht_sgroup **gs)
{
	struct ht_err e;
	long i, k = 0;

	for (i = 0; i < n; i++) {
		ht_err_clear(&e);
		switch (ht_spool_take(sp, names[i], &gs[k], &e)) {
		case HT_STAKE_OK:
			if (!retry && gs[k]->reason[0] != '\0')
				ht_spool_release(gs[k]);
			else
				k++;
			break;
		case HT_STAKE_BUSY:
		case HT_STAKE_GONE:
			break;
		default:
			ht_warnx("drain: %s: %s", names[i], e.msg);
			while (k > 0)
				ht_spool_release(gs[--k]);
			return -1;
		}
	}
	return k;
}

/*
 * The batch's verdict, for each group: removed (passed on, or not posted
 * as dropped[i] says why), or kept with why.
 */
static int
settle(struct ht_spool *sp, struct ht_sgroup **gs, char *const *dropped,
    long k, int status, const char *why)
{
	struct ht_err e;
	long i;
	int r = status == 0 ? 0 : EX_TEMPFAIL;

	for (i = 0; i < k; i++) {
		ht_err_clear(&e);
		if (status == 0 || dropped[i] != NULL) {
			ht_info("drain: %s: %zu deliver%s, id=%s: %s",
			    gs[i]->name, gs[i]->deliveries,
			    gs[i]->deliveries == 1 ? "y" : "ies",
			    event_id(gs[i]->event), dropped[i] != NULL ?
			    dropped[i] : "passed on");
			if (ht_spool_done(sp, gs[i], &e) == -1) {
				ht_warnx("drain: %s", e.msg);
				r = EX_TEMPFAIL;
			}
			continue;
		}
		ht_warnx("drain: %s: id=%s kept in the spool: %s", gs[i]->name,
		    event_id(gs[i]->event), why);
		if (ht_spool_keep(sp, gs[i], why, &e) == -1)
			ht_warnx("drain: %s", e.msg);
	}
	return r;
}

/*
 * Judge the batch's events against the memory (locked in rel), in the
 * order the groups closed: the new ones to evs (their count returned),
 * why the others are not posted in dropped[i] (caller frees), each noted
 * in the memory.  -1 and e on error.
 */
static long
judge_batch(struct ht_releases *rel, long long repeat,
    struct ht_sgroup **gs, long k, json_t **evs, char **dropped,
    struct ht_err *e)
{
	struct ht_judgment j;
	long long now = ht_spool_now_ms() / 1000;
	long i, m = 0;

	(void)ht_memory_expire(rel->mem, now, repeat);
	for (i = 0; i < k; i++) {
		if (ht_memory_judge(rel->mem, gs[i]->event, now, repeat, &j,
		    e) == -1)
			return -1;
		if (j.verdict != HT_VERDICT_NEW && asprintf(&dropped[i],
		    "not posted: %s of %s", ht_verdict_name(j.verdict),
		    j.id) == -1) {
			dropped[i] = NULL;
			return ht_err_fail(e, EX_OSERR, "out of memory");
		}
		if (ht_memory_note(rel->mem, gs[i]->event, &j, now, e) == -1)
			return -1;
		if (j.verdict == HT_VERDICT_NEW)
			evs[m++] = gs[i]->event;
	}
	return m;
}

/*
 * Close the groups due by now and pass the closed ones on in one batch,
 * but those the memory of releases in dir says not to post (repeat
 * seconds long).  Returns 0 (passed on, or nothing to pass), 75 kept, or
 * a status; *took says how many groups the batch had.
 */
static int
batch(struct ht_spool *sp, const char *dir, long long repeat, int dry,
    int retry,
    char *const cmd[], long *took)
{
	struct ht_releases rel = { NULL, -1, -1 };
	struct ht_sgroup **gs = NULL;
	struct ht_err e;
	json_t **evs = NULL;
	char **names = NULL, **dropped = NULL, why[256];
	long n, k = 0, i, m;
	int st;

	*took = 0;
	ht_err_clear(&e);
	if ((n = ht_spool_closed(sp, ht_spool_now_ms(), &names, &e)) == -1) {
		ht_warnx("drain: %s", e.msg);
		return EX_TEMPFAIL;
	}
	st = 0;
	if (n == 0)
		goto out;
	if ((gs = calloc((size_t)n, sizeof(struct ht_sgroup *))) == NULL ||
	    (evs = calloc((size_t)n, sizeof(json_t *))) == NULL ||
	    (dropped = calloc((size_t)n, sizeof(char *))) == NULL) {
		ht_warnx("drain: out of memory");
		st = EX_OSERR;
		goto out;
	}
	if ((k = take_batch(sp, names, n, retry, gs)) <= 0) {
		st = k == 0 ? 0 : EX_TEMPFAIL;
		goto out;
	}
	*took = k;
	/* Locked from the judgment until what was posted is remembered. */
	if (ht_releases_open(&rel, dir, &e) == -1 || (m = judge_batch(&rel,
	    repeat, gs, k, evs, dropped, &e)) == -1) {
		(void)snprintf(why, sizeof why, "releases: %.200s", e.msg);
		for (i = 0; i < k; i++) {
			free(dropped[i]);
			dropped[i] = NULL;
		}
		st = settle(sp, gs, dropped, k, EX_TEMPFAIL, why);
		goto out;
	}
	st = m == 0 ? 0 : run_command(cmd, evs, (size_t)m, why, sizeof why);
	/* A dry run (dh-hook -n) posted nothing: nothing to remember. */
	if (st == 0 && !dry && ht_releases_save(&rel, &e) == -1)
		ht_warnx("drain: %s: releases not remembered: %s", dir, e.msg);
	st = settle(sp, gs, dropped, k, st, why);
out:
	ht_releases_close(&rel);
	for (i = 0; dropped != NULL && i < k; i++)
		free(dropped[i]);
	free(dropped);
	free(evs);
	free(gs);
	ht_spool_names_free(names, n > 0 ? n : 0);
	return st;
}

/* The spool, opened; with tidy, swept of what crashes left. */
static struct ht_spool *
open_spool(const char *dir, int tidy)
{
	struct ht_spool *sp;
	struct ht_err e;

	ht_err_clear(&e);
	if ((sp = ht_spool_open(dir, &e)) == NULL) {
		ht_warnx("spool: %s", e.msg);
		return NULL;
	}
	if (tidy)
		(void)ht_spool_tidy(sp, time(NULL), &e);
	return sp;
}

int
drain_all(const char *dir, long long repeat, int dry, char *const cmd[])
{
	struct ht_spool *sp;
	long took;
	int st;

	if ((sp = open_spool(dir, 1)) == NULL)
		return EX_TEMPFAIL;
	st = batch(sp, dir, repeat, dry, 1, cmd, &took);
	ht_spool_close(sp);
	return st;
}

static void
noted(int sig)
{
	(void)sig;
}

void
drain_stay(void)
{
	struct sigaction sa;

	/* Noted, not ignored: the command is still stopped by one. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = noted;
	(void)sigaction(SIGTERM, &sa, NULL);
}

static void
sleep_ms(long long ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	(void)nanosleep(&ts, NULL);
}

/*
 * Whether the drain goes on: 1 with *when (see ht_spool_next), 0 when
 * there is nothing left, once the lock is given up and nothing came
 * since (a delivery put before it found the lock taken), -1 on error.
 */
static int
more(struct ht_spool *sp, long long *when)
{
	struct ht_err e;
	int r;

	ht_err_clear(&e);
	if ((r = ht_spool_next(sp, when, &e)) != 0)
		goto out;
	ht_spool_unlock_drain(sp);
	if ((r = ht_spool_next(sp, when, &e)) == 1 &&
	    (r = ht_spool_lock_drain(sp, &e)) == 0)
		return 0;	/* that delivery drains it */
out:
	if (r == -1)
		ht_warnx("drain: %s", e.msg);
	return r;
}

int
drain_burst(const char *dir, long long repeat, int dry, char *const cmd[])
{
	struct ht_spool *sp;
	struct ht_err e;
	long long when, now, last = -DRAIN_PAUSE_MS;
	long took = 1;
	int r, st, status = 0;

	/* Every delivery gets here: the sweep is for the one that drains. */
	if ((sp = open_spool(dir, 0)) == NULL)
		return EX_TEMPFAIL;
	ht_err_clear(&e);
	if ((r = ht_spool_lock_drain(sp, &e)) != 1) {
		if (r == -1)
			ht_warnx("drain: %s", e.msg);
		ht_spool_close(sp);
		return r == -1 ? EX_TEMPFAIL : 0;
	}
	(void)ht_spool_tidy(sp, time(NULL), &e);
	drain_stay();
	while ((r = more(sp, &when)) == 1) {
		now = ht_spool_now_ms();
		/* An untried closed group that a batch left: the flush's. */
		if (when == 0 && took == 0)
			break;
		if (when < last + DRAIN_PAUSE_MS)
			when = last + DRAIN_PAUSE_MS;
		if (when > now) {
			sleep_ms(when - now);
			continue;
		}
		last = now;
		if ((st = batch(sp, dir, repeat, dry, 0, cmd, &took)) != 0 &&
		    status == 0)
			status = st;
	}
	if (r == -1 && status == 0)
		status = EX_TEMPFAIL;
	ht_spool_close(sp);
	return status;
}
