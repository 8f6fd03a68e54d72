/*
 * queue-recover — looking over a queue: what a dead writer left in tmp/
 * (recovery, under the flusher lock), old sent/ markers, and the counts of
 * ht_queue_status.
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "queue-int.h"

static int
pid_alive(long pid)
{
	if (pid == (long)getpid())
		return 1;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* A temp file whose writer is gone: queue it, remove it or fail it. */
static int
recover_tmp(struct ht_queue *q, const char *name, struct ht_qrecover *r,
    struct ht_err *e)
{
	struct ht_qitem it;
	struct ht_err de;
	struct qname qn;
	char *buf, why[sizeof de.msg + 64];
	size_t len;
	int fd, err, rv;

	(void)ht_queue_parse_name(name, &qn, NULL);
	if ((fd = openat(q->tmpfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK)) == -1)
		return errno == ENOENT ? 0 : ht_queue_sys_err(e, errno, name);
	buf = ht_queue_read_item(fd, &len, &err);
	(void)close(fd);
	memset(&it, 0, sizeof it);
	ht_err_clear(&de);
	if (buf != NULL && len == 0) {
		/* Killed before it wrote a byte: there is nothing to keep. */
		free(buf);
		if (unlinkat(q->tmpfd, name, 0) == -1 && errno != ENOENT)
			return ht_queue_sys_err(e, errno, name);
		r->removed++;
		return 0;
	}
	if (buf == NULL)
		ht_err_set(&de, "%s", err == EFBIG ?
		    "larger than the largest item" : strerror(err));
	rv = buf != NULL ? ht_queue_item_decode(buf, len, qn.sec, &it, &de) : -1;
	free(buf);
	free(it.text);
	free(it.reply_to);
	free(it.id);
	json_decref(it.card);
	if (rv == 0) {
		/* Never over an item: rename(2) would replace it. */
		if (ht_queue_exists_at(q->newfd, name))
			return 0;
		if (renameat(q->tmpfd, name, q->newfd, name) == -1)
			return ht_queue_sys_err(e, errno, name);
		r->adopted++;
		return ht_queue_fsync_dir(q->newfd, "new", e);
	}
	(void)snprintf(why, sizeof why,
	    "corrupt item left in tmp/ by a dead writer: %s", de.msg);
	if (ht_queue_move_failed(q, q->tmpfd, name, why, e) == -1)
		return -1;
	r->corrupt++;
	return 0;
}

int
ht_queue_recover(struct ht_queue *q, time_t now, struct ht_qrecover *r,
    struct ht_err *e)
{
	struct dirent *de;
	struct qname qn;
	struct stat st;
	const char *rest;
	char **names = NULL;
	long long pid;
	long n = 0, cap = 0, i;
	DIR *d;
	int rv = -1;

	memset(r, 0, sizeof *r);
	/* Collect first: recovering renames entries of the directory read. */
	if ((d = ht_queue_dir_stream(q->tmpfd)) == NULL) {
		ht_queue_sys_err(e, errno, "tmp");
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		char **nv;

		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(names, (size_t)cap *
			    sizeof *names)) == NULL) {
				(void)closedir(d);
				ht_queue_sys_err(e, ENOMEM, "tmp");
				goto out;
			}
			names = nv;
		}
		if ((names[n] = strdup(de->d_name)) == NULL) {
			(void)closedir(d);
			ht_queue_sys_err(e, ENOMEM, "tmp");
			goto out;
		}
		n++;
	}
	(void)closedir(d);
	for (i = 0; i < n; i++) {
		const char *nm = names[i];
		int stale, tempfile;

		if (fstatat(q->tmpfd, nm, &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		stale = st.st_mtime < now - HT_QUEUE_STALE_TMP;
		/* ITEM@PID: a rewrite or a reason; else an item being added. */
		if (ht_queue_parse_name(nm, &qn, &rest) == 0 && *rest == '\0') {
			tempfile = 0;
			pid = qn.pid;
		} else if ((rest = strrchr(nm, '@')) != NULL &&
		    (rest++, ht_queue_digits(&rest, 0x7fffffff, &pid) == 0) &&
		    *rest == '\0') {
			tempfile = 1;
		} else
			continue;	/* not ours: left alone */
		if (!stale && pid_alive((long)pid))
			continue;
		if (tempfile) {
			/* The item it was for is where it was. */
			if (unlinkat(q->tmpfd, nm, 0) == -1 &&
			    errno != ENOENT) {
				ht_queue_sys_err(e, errno, nm);
				goto out;
			}
			r->removed++;
		} else if (recover_tmp(q, nm, r, e) == -1)
			goto out;
	}
	/* Markers old enough that the event will not come again. */
	if ((d = ht_queue_dir_stream(q->sentfd)) == NULL) {
		ht_queue_sys_err(e, errno, "sent");
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(q->sentfd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_mtime < now - HT_QUEUE_SENT_KEEP &&
		    unlinkat(q->sentfd, de->d_name, 0) == 0)
			r->pruned++;
	}
	(void)closedir(d);
	rv = 0;
out:
	if (rv == -1)
		ht_err_prefix(e, "%s", q->dir);
	ht_queue_names_free(names, n);
	return rv;
}

/* Count a directory's entries; the oldest by name (or mtime). */
static int
count_dir(int dfd, int skip_reasons, long *count, long long *oldest)
{
	struct dirent *de;
	struct qname qn;
	struct stat st;
	long long t;
	DIR *d;

	*count = 0;
	if (oldest != NULL)
		*oldest = 0;
	if ((d = ht_queue_dir_stream(dfd)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || (skip_reasons &&
		    ht_queue_has_suffix(de->d_name, ".reason")))
			continue;
		(*count)++;
		if (oldest == NULL)
			continue;
		if (ht_queue_parse_name(de->d_name, &qn, NULL) == 0)
			t = qn.sec;
		else if (fstatat(dfd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0)
			t = (long long)st.st_mtime;
		else
			continue;
		if (*oldest == 0 || t < *oldest)
			*oldest = t;
	}
	(void)closedir(d);
	return 0;
}

int
ht_queue_status(struct ht_queue *q, time_t now, struct ht_qstatus *s,
    struct ht_err *e)
{
	int fd;

	memset(s, 0, sizeof *s);
	if (count_dir(q->newfd, 0, &s->queued, &s->oldest_queued) == -1 ||
	    count_dir(q->failfd, 1, &s->failed, &s->oldest_failed) == -1 ||
	    count_dir(q->tmpfd, 0, &s->writing, NULL) == -1 ||
	    count_dir(q->sentfd, 0, &s->sent, NULL) == -1) {
		ht_queue_sys_err(e, errno, q->dir);
		return -1;
	}
	if ((s->held = ht_queue_held(q, now, e)) == (time_t)-1 ||
	    ht_queue_blocked(q, s->blocked, sizeof s->blocked,
	    &s->blocked_since, e) == -1)
		return -1;
	if (q->lockfd != -1)
		s->flushing = 1;
	else if ((fd = openat(q->dfd, ".lock", O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) != -1) {
		if (flock(fd, LOCK_SH | LOCK_NB) == -1 && errno == EWOULDBLOCK)
			s->flushing = 1;
		(void)close(fd);
	}
	return 0;
}

json_t *
ht_queue_item_listing(struct ht_queue *q, int which, const char *name)
{
	const char *sub = which == HT_QUEUE_NEW ? "new" : "failed";
	const char *const keys[] = { "text", "event", "id", "attempts",
	    "last_error" };
	char why[512];
	struct ht_err e;
	json_t *o, *j, *v;
	size_t i;

	ht_err_clear(&e);
	o = ht_queue_item_json(q, which, name, &e);
	j = json_pack("{s:s,s:s,s:s++++}", "state", which == HT_QUEUE_NEW ?
	    "queued" : "failed", "name", name, "path", q->dir, "/", sub, "/",
	    name);
	for (i = 0; j != NULL && i < sizeof keys / sizeof keys[0]; i++) {
		v = json_object_get(o, keys[i]);
		/* The text a string, the attempts a number; an event as is. */
		if (v != NULL && (i == 1 || (i == 3 ? json_is_integer(v) :
		    json_is_string(v))))
			(void)json_object_set(j, keys[i], v);
	}
	if (j != NULL && which == HT_QUEUE_FAILED &&
	    ht_queue_reason(q, name, why, sizeof why, NULL) == 0)
		(void)json_object_set_new(j, "reason", json_string(why));
	if (j != NULL && o == NULL)
		(void)json_object_set_new(j, "unreadable", json_string(e.msg));
	json_decref(o);
	return j;
}
