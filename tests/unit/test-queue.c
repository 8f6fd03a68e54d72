/* Unit tests: lib/queue.c, lib/queue-recover.c and the flush of lib/post.c */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "post.h"
#include "queue.h"

static char top[32];
static char qdir[sizeof top + 8];

static void
rm_tree(const char *path)
{
	char cmd[256];

	(void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
	assert_int_equal(system(cmd), 0);
}

static int
setup(void **state)
{
	(void)snprintf(top, sizeof top, "/tmp/ht-queue-XXXXXX");
	if (mkdtemp(top) == NULL)
		return -1;
	(void)snprintf(qdir, sizeof qdir, "%s/q", top);
	return 0;
}

static int
teardown(void **state)
{
	rm_tree(top);
	return 0;
}

static struct ht_queue *
open_q(void)
{
	struct ht_queue *q;
	struct ht_err e;

	ht_err_clear(&e);
	q = ht_queue_open(qdir, 1, &e);
	if (q == NULL)
		fail_msg("open: %s", e.msg);
	return q;
}

static void
add(struct ht_queue *q, const char *text, const char *id, int want,
    char *name)
{
	struct ht_qpost p = { text, NULL, id, NULL };
	struct ht_err e;
	char nm[HT_QUEUE_NAME_MAX];

	ht_err_clear(&e);
	assert_int_equal(ht_queue_add(q, &p, name != NULL ? name : nm,
	    HT_QUEUE_NAME_MAX, &e), want);
}

static mode_t
mode_of(const char *sub, const char *name)
{
	char path[512];
	struct stat st;

	(void)snprintf(path, sizeof path, "%s/%s%s%s", qdir, sub,
	    *name ? "/" : "", name);
	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

static int
exists(const char *sub, const char *name)
{
	char path[512];
	struct stat st;

	(void)snprintf(path, sizeof path, "%s/%s/%s", qdir, sub, name);
	return lstat(path, &st) == 0;
}

static void
put(const char *sub, const char *name, const char *text)
{
	char path[512];
	FILE *fp;

	(void)snprintf(path, sizeof path, "%s/%s/%s", qdir, sub, name);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static char *
slurp(const char *sub, const char *name)
{
	static char buf[4096];
	char path[512];
	size_t n;
	FILE *fp;

	(void)snprintf(path, sizeof path, "%s/%s/%s", qdir, sub, name);
	assert_non_null(fp = fopen(path, "r"));
	n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	(void)fclose(fp);
	return buf;
}

static void
open_modes_and_errors(void **state)
{
	struct ht_queue *q;
	struct ht_err e;
	mode_t old = umask(0);

	ht_err_clear(&e);
	assert_null(ht_queue_open(qdir, 0, &e));
	assert_int_equal(e.status, EX_NOINPUT);
	assert_non_null(strstr(e.msg, "No such file or directory"));
	q = open_q();
	assert_int_equal(mode_of("", ""), 0700);
	assert_int_equal(mode_of("new", ""), 0700);
	assert_int_equal(mode_of("tmp", ""), 0700);
	assert_int_equal(mode_of("failed", ""), 0700);
	assert_int_equal(mode_of("sent", ""), 0700);
	assert_string_equal(ht_queue_dir(q), qdir);
	ht_queue_close(q);
	/* Opening again, without create, works once it exists. */
	assert_non_null(q = ht_queue_open(qdir, 0, &e));
	ht_queue_close(q);
	/* Whoever may write there may post: refused. */
	assert_int_equal(chmod(qdir, 0777), 0);
	assert_null(ht_queue_open(qdir, 1, &e));
	assert_int_equal(e.status, EX_NOPERM);
	assert_non_null(strstr(e.msg, ": writable by others: "));
	assert_int_equal(chmod(qdir, 0700), 0);
	{
		char sub[sizeof qdir + 8];

		(void)snprintf(sub, sizeof sub, "%s/new", qdir);
		assert_int_equal(chmod(sub, 0770), 0);
		assert_null(ht_queue_open(qdir, 0, &e));
		assert_non_null(strstr(e.msg, "/new: writable by the group"));
		assert_int_equal(chmod(sub, 0700), 0);
	}
	/* Another user's directory, or part of it: refused (root only). */
	if (geteuid() == 0) {
		char sub[sizeof qdir + 8];

		(void)snprintf(sub, sizeof sub, "%s/new", qdir);
		assert_int_equal(chown(sub, 65534, (gid_t)-1), 0);
		assert_null(ht_queue_open(qdir, 0, &e));
		assert_int_equal(e.status, EX_NOPERM);
		assert_non_null(strstr(e.msg, "/new: owned by uid 65534, "));
		assert_int_equal(chown(sub, 0, (gid_t)-1), 0);
	}
	/* Read-only for the group is fine. */
	assert_int_equal(chmod(qdir, 0750), 0);
	assert_non_null(q = ht_queue_open(qdir, 0, &e));
	ht_queue_close(q);
	(void)umask(old);
}

static void
add_writes_item(void **state)
{
	struct ht_queue *q = open_q();
	struct ht_qpost p = { "hello \xc3\xa9", "123", "a/b:v1@2024-01-01T00:00:00Z",
	    NULL };
	char name[HT_QUEUE_NAME_MAX], *s;
	struct ht_err e;
	char **v;
	mode_t old = umask(0);

	ht_err_clear(&e);
	assert_int_equal(ht_queue_add(q, &p, name, sizeof name, &e),
	    HT_QADD_QUEUED);
	(void)umask(old);
	assert_int_equal(mode_of("new", name), 0600);
	/* SECONDS.MICROSECONDS.PID.COUNTER.KEY */
	assert_int_equal(strspn(name, "0123456789"), 11);
	assert_int_equal(name[11], '.');
	assert_int_equal(strlen(strrchr(name, '.') + 1), 32);
	s = slurp("new", name);
	assert_non_null(strstr(s, "\"text\":\"hello \xc3\xa9\""));
	assert_non_null(strstr(s, "\"reply_to\":\"123\""));
	assert_non_null(strstr(s, "\"id\":\"a/b:v1@2024-01-01T00:00:00Z\""));
	assert_non_null(strstr(s, "\"attempts\":0"));
	assert_non_null(strstr(s, "\"enqueued\":"));
	assert_int_equal(s[strlen(s) - 1], '\n');
	assert_int_equal(ht_queue_names(q, HT_QUEUE_NEW, &v, &e), 1);
	assert_string_equal(v[0], name);
	ht_queue_names_free(v, 1);
	/* Nothing is left in tmp/. */
	assert_int_equal(ht_queue_names(q, HT_QUEUE_FAILED, &v, &e), 0);
	ht_queue_names_free(v, 0);

	p.text = "";
	assert_int_equal(ht_queue_add(q, &p, name, sizeof name, &e), -1);
	assert_string_equal(e.msg, "empty post");
	assert_int_equal(e.status, EX_DATAERR);
	p.text = "bad \xff";
	p.id = NULL;
	assert_int_equal(ht_queue_add(q, &p, name, sizeof name, &e), -1);
	assert_string_equal(e.msg, "text is not valid UTF-8");
	ht_queue_close(q);
}

static void
names_sort_oldest_first(void **state)
{
	struct ht_queue *q = open_q();
	char names[40][HT_QUEUE_NAME_MAX];
	struct ht_err e;
	char **v;
	long i, n;

	for (i = 0; i < 40; i++)
		add(q, "post", NULL, HT_QADD_QUEUED, names[i]);
	/* A file that is no item sorts somewhere; it is still listed. */
	n = ht_queue_names(q, HT_QUEUE_NEW, &v, &e);
	assert_int_equal(n, 40);
	for (i = 0; i < 40; i++)
		assert_string_equal(v[i], names[i]);
	/* Unique although the text is the same. */
	for (i = 1; i < 40; i++)
		assert_string_not_equal(v[i], v[i - 1]);
	ht_queue_names_free(v, n);
	ht_queue_close(q);
}

static void
dedup_by_event_id(void **state)
{
	struct ht_queue *q = open_q();
	char name[HT_QUEUE_NAME_MAX];
	struct ht_qitem *it;
	struct ht_err e;

	ht_err_clear(&e);
	add(q, "one", "ev1", HT_QADD_QUEUED, name);
	add(q, "one again", "ev1", HT_QADD_QUEUED_ALREADY, NULL);
	add(q, "two", "ev2", HT_QADD_QUEUED, NULL);
	/* Without an id, the same text is queued twice: X is the judge. */
	add(q, "three", NULL, HT_QADD_QUEUED, NULL);
	add(q, "three", NULL, HT_QADD_QUEUED, NULL);
	assert_int_equal(ht_queue_take(q, name, &it, &e), HT_QTAKE_OK);
	assert_string_equal(it->text, "one");
	assert_string_equal(it->id, "ev1");
	assert_null(it->reply_to);
	assert_int_equal(it->attempts, 0);
	assert_int_equal(ht_queue_done(q, it, &e), 0);
	assert_false(exists("new", name));
	/* Posted: the event is not queued again. */
	add(q, "one", "ev1", HT_QADD_SENT_ALREADY, NULL);
	/* An item of a posted event (a race, or a crash) is dropped. */
	put("new", "00000000001.000000.1.1", "{\"text\":\"x\",\"id\":\"ev1\"}");
	assert_int_equal(ht_queue_take(q, "00000000001.000000.1.1", &it, &e),
	    HT_QTAKE_SENT);
	assert_false(exists("new", "00000000001.000000.1.1"));
	/* Gone: taking it again says so. */
	assert_int_equal(ht_queue_take(q, name, &it, &e), HT_QTAKE_GONE);
	ht_queue_close(q);
}

static void
keep_counts_attempts(void **state)
{
	struct ht_queue *q = open_q();
	char name[HT_QUEUE_NAME_MAX];
	struct ht_qitem *it;
	struct ht_err e;
	char **v;
	long n;

	ht_err_clear(&e);
	add(q, "later", "ev", HT_QADD_QUEUED, name);
	assert_int_equal(ht_queue_take(q, name, &it, &e), HT_QTAKE_OK);
	assert_int_equal(ht_queue_keep(q, it, "X said 503", &e), 0);
	assert_int_equal(ht_queue_take(q, name, &it, &e), HT_QTAKE_OK);
	assert_int_equal(it->attempts, 1);
	assert_string_equal(it->last_error, "X said 503");
	assert_string_equal(it->id, "ev");
	assert_int_equal(ht_queue_keep(q, it, "timeout", &e), 0);
	assert_int_equal(ht_queue_take(q, name, &it, &e), HT_QTAKE_OK);
	assert_int_equal(it->attempts, 2);
	ht_queue_release(it);
	assert_int_equal(mode_of("new", name), 0600);
	n = ht_queue_names(q, HT_QUEUE_NEW, &v, &e);
	assert_int_equal(n, 1);
	ht_queue_names_free(v, n);
	ht_queue_close(q);
}

static void
fail_moves_with_reason(void **state)
{
	struct ht_queue *q = open_q();
	char name[HT_QUEUE_NAME_MAX], rname[HT_QUEUE_NAME_MAX + 8];
	struct ht_qitem *it;
	struct ht_err e;
	char **v;
	long n;

	ht_err_clear(&e);
	add(q, "refused", NULL, HT_QADD_QUEUED, name);
	assert_int_equal(ht_queue_take(q, name, &it, &e), HT_QTAKE_OK);
	assert_int_equal(ht_queue_fail(q, it, "X said 403: forbidden", &e), 0);
	assert_false(exists("new", name));
	assert_true(exists("failed", name));
	(void)snprintf(rname, sizeof rname, "%s.reason", name);
	assert_string_equal(slurp("failed", rname), "X said 403: forbidden\n");
	{
		char why[64];

		assert_int_equal(ht_queue_reason(q, name, why, sizeof why, &e), 0);
		assert_string_equal(why, "X said 403: forbidden");
	}
	assert_int_equal(mode_of("failed", rname), 0600);
	n = ht_queue_names(q, HT_QUEUE_FAILED, &v, &e);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], name);
	ht_queue_names_free(v, n);
	ht_queue_close(q);
}

static void
corrupt_items_fail(void **state)
{
	static const struct {
		const char *name, *text, *why;
	} c[] = {
		{ "00000000001.000000.1.1", "{\"text\":", "corrupt item: invalid JSON: " },
		{ "00000000001.000000.1.2", "", "corrupt item: empty file" },
		{ "00000000001.000000.1.3", "[1]", "corrupt item: not a JSON object" },
		{ "00000000001.000000.1.4", "{\"text\":\"\"}", "corrupt item: no \"text\" string" },
		{ "00000000001.000000.1.5", "{\"text\":\"a\",\"attempts\":-1}", "corrupt item: \"attempts\" is not a count" },
		{ "00000000001.000000.1.6", "{\"text\":\"a\\u0000b\"}", "corrupt item: invalid JSON: 1:18: \\u0000 is not allowed" },
		{ "stray-file", "{\"text\":\"a\"}", "corrupt item: not an item name" },
	};
	struct ht_queue *q = open_q();
	struct ht_qitem *it;
	struct ht_err e;
	char rname[128];
	size_t i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		put("new", c[i].name, c[i].text);
		ht_err_clear(&e);
		assert_int_equal(ht_queue_take(q, c[i].name, &it, &e),
		    HT_QTAKE_CORRUPT);
		assert_null(it);
		assert_int_equal(e.status, EX_DATAERR);
		if (strncmp(e.msg, c[i].why, strlen(c[i].why)) != 0)
			fail_msg("%s: got \"%s\"", c[i].name, e.msg);
		assert_false(exists("new", c[i].name));
		assert_true(exists("failed", c[i].name));
		(void)snprintf(rname, sizeof rname, "%s.reason", c[i].name);
		assert_int_equal(strncmp(slurp("failed", rname), c[i].why,
		    strlen(c[i].why)), 0);
	}
	/* A foreign name too long for NAME.reason gets a name of ours. */
	{
		char longname[201], **v;
		long n, k, found = 0;

		memset(longname, 'x', 200);
		longname[200] = '\0';
		put("new", longname, "{\"text\":\"a\"}");
		assert_int_equal(ht_queue_take(q, longname, &it, &e),
		    HT_QTAKE_CORRUPT);
		assert_false(exists("new", longname));
		n = ht_queue_names(q, HT_QUEUE_FAILED, &v, &e);
		for (k = 0; k < n; k++) {
			char why[512];

			assert_int_equal(ht_queue_reason(q, v[k], why,
			    sizeof why, &e), 0);
			if (strstr(why, "(was xxxxx") != NULL)
				found++;
		}
		ht_queue_names_free(v, n);
		assert_int_equal(found, 1);
	}
	/* Bad names are refused, not looked up. */
	assert_int_equal(ht_queue_take(q, "../x", &it, &e), -1);
	assert_int_equal(ht_queue_take(q, ".lock", &it, &e), -1);
	ht_queue_close(q);
}

static void
item_locks_exclude(void **state)
{
	struct ht_queue *q = open_q(), *q2 = open_q();
	char name[HT_QUEUE_NAME_MAX];
	struct ht_qitem *it, *it2;
	struct ht_err e;

	ht_err_clear(&e);
	add(q, "once", NULL, HT_QADD_QUEUED, name);
	assert_int_equal(ht_queue_take(q, name, &it, &e), HT_QTAKE_OK);
	/* flock(2) locks belong to open files: a second take is refused. */
	assert_int_equal(ht_queue_take(q2, name, &it2, &e), HT_QTAKE_BUSY);
	assert_int_equal(ht_queue_done(q, it, &e), 0);
	assert_int_equal(ht_queue_take(q2, name, &it2, &e), HT_QTAKE_GONE);

	/* The flusher lock. */
	assert_int_equal(ht_queue_lock(q, &e), 0);
	assert_int_equal(ht_queue_lock(q, &e), 0);
	assert_int_equal(ht_queue_lock(q2, &e), 1);
	ht_queue_unlock(q);
	assert_int_equal(ht_queue_lock(q2, &e), 0);
	assert_int_equal(mode_of(".lock", ""), 0600);
	ht_queue_close(q2);
	assert_int_equal(ht_queue_lock(q, &e), 0);
	ht_queue_close(q);
}

static void
rate_limit_hold(void **state)
{
	struct ht_queue *q = open_q();
	struct ht_err e;

	ht_err_clear(&e);
	assert_int_equal(ht_queue_held(q, 1000, &e), 0);
	assert_int_equal(ht_queue_hold(q, 2000, &e), 0);
	assert_int_equal(ht_queue_held(q, 1000, &e), 2000);
	assert_int_equal(ht_queue_held(q, 2000, &e), 0);
	assert_int_equal(ht_queue_held(q, 3000, &e), 0);
	put("", "ratelimit", "garbage\n");
	assert_int_equal(ht_queue_held(q, 1000, &e), 0);
	/* A reset years away holds the queue a day, not for ever. */
	put("", "ratelimit", "99999999999\n");
	assert_int_equal(ht_queue_held(q, 1000, &e), 1000 + 86400);
	ht_queue_close(q);
}

/* A pid that is surely not running: a child's, after it was reaped. */
static long
dead_pid(void)
{
	pid_t pid = fork();

	assert_true(pid != -1);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return (long)pid;
}

static void
recover_dead_writers(void **state)
{
	struct ht_queue *q = open_q();
	struct ht_qrecover r;
	struct ht_err e;
	char whole[64], empty[64], bad[64], live[64], rw[80], sent[64];
	char path[512];
	struct timespec ts[2];
	long pid = dead_pid();

	ht_err_clear(&e);
	(void)snprintf(whole, sizeof whole, "00000000005.000001.%ld.0", pid);
	(void)snprintf(empty, sizeof empty, "00000000005.000002.%ld.1", pid);
	(void)snprintf(bad, sizeof bad, "00000000005.000003.%ld.2", pid);
	(void)snprintf(live, sizeof live, "00000000005.000004.%ld.3",
	    (long)getpid());
	(void)snprintf(rw, sizeof rw, "00000000005.000004.%ld.3@%ld",
	    (long)getpid(), pid);
	put("tmp", whole, "{\"text\":\"whole\"}\n");
	put("tmp", empty, "");
	put("tmp", bad, "{\"te");
	put("tmp", live, "{\"text\":\"being written\"}\n");
	put("tmp", rw, "{\"text\":\"a rewrite\"}\n");
	put("tmp", "foreign", "x");
	/* An old marker is pruned, a new one kept. */
	(void)snprintf(sent, sizeof sent, "%032d", 0);
	put("sent", sent, "old\n");
	(void)snprintf(path, sizeof path, "%s/sent/%s", qdir, sent);
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - HT_QUEUE_SENT_KEEP - 10;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	put("sent", "11111111111111111111111111111111", "new\n");

	assert_int_equal(ht_queue_recover(q, time(NULL), &r, &e), 0);
	assert_int_equal(r.adopted, 1);
	assert_int_equal(r.removed, 2);
	assert_int_equal(r.corrupt, 1);
	assert_int_equal(r.pruned, 1);
	assert_true(exists("new", whole));
	assert_false(exists("tmp", whole));
	assert_false(exists("tmp", empty));
	assert_false(exists("tmp", rw));
	assert_true(exists("failed", bad));
	assert_int_equal(strncmp(slurp("failed", strcat(bad, ".reason")),
	    "corrupt item left in tmp/ by a dead writer: invalid JSON", 56), 0);
	assert_true(exists("tmp", live));
	assert_true(exists("tmp", "foreign"));
	assert_false(exists("sent", sent));
	assert_true(exists("sent", "11111111111111111111111111111111"));
	/* The writer alive but silent for too long: its file is taken. */
	assert_int_equal(ht_queue_recover(q, time(NULL) + HT_QUEUE_STALE_TMP +
	    10, &r, &e), 0);
	assert_int_equal(r.adopted, 1);
	assert_true(exists("new", live));
	ht_queue_close(q);
}

static void
status_counts(void **state)
{
	struct ht_queue *q = open_q();
	struct ht_qstatus s;
	struct ht_qitem *it;
	struct ht_err e;
	char name[HT_QUEUE_NAME_MAX];

	ht_err_clear(&e);
	assert_int_equal(ht_queue_status(q, time(NULL), &s, &e), 0);
	assert_int_equal(s.queued, 0);
	assert_int_equal(s.oldest_queued, 0);
	assert_int_equal(s.flushing, 0);
	put("new", "00000000100.000000.1.1", "{\"text\":\"old\"}");
	add(q, "a", "e1", HT_QADD_QUEUED, name);
	add(q, "b", NULL, HT_QADD_QUEUED, NULL);
	assert_int_equal(ht_queue_take(q, name, &it, &e), HT_QTAKE_OK);
	assert_int_equal(ht_queue_fail(q, it, "no", &e), 0);
	assert_int_equal(ht_queue_hold(q, time(NULL) + 100, &e), 0);
	assert_int_equal(ht_queue_lock(q, &e), 0);
	assert_int_equal(ht_queue_status(q, time(NULL), &s, &e), 0);
	assert_int_equal(s.queued, 2);
	assert_int_equal(s.oldest_queued, 100);
	assert_int_equal(s.failed, 1);
	assert_true(s.oldest_failed >= time(NULL) - 5);
	assert_int_equal(s.writing, 0);
	assert_true(s.held > time(NULL));
	assert_int_equal(s.flushing, 1);
	ht_queue_close(q);
}

/*
 * A scripted network for the engine's flush (post.c): outcomes in order,
 * the texts it saw.  Its requests go to a helper that answers each line
 * with a 200 and does nothing else.
 */
enum fake { FAKE_OK, FAKE_DUP, FAKE_PERM, FAKE_TEMP, FAKE_LIMIT, FAKE_BLOCKED };
struct script {
	const enum fake *res;
	int n, i;
	time_t ok_reset;	/* what an OK says of the window */
	char seen[16][32];
	char events[16];	/* 'S' done, 'F' failed/, 'K' kept */
	int nev;
};

static int
fake_build(struct ht_net *n, const struct ht_post *p, struct ht_http_req *r,
    struct ht_err *e)
{
	struct script *s = n->priv;

	assert_true(s->i < s->n);
	(void)snprintf(s->seen[s->i], sizeof s->seen[0], "%s", p->text);
	memcpy(r->method, "POST", 5);
	r->url = strdup("http://127.0.0.1:9/");
	assert_non_null(r->url);
	return 0;
}

static void
fake_classify(struct ht_net *n, const struct ht_http_ans *a, time_t now,
    struct ht_outcome *o)
{
	struct script *s = n->priv;

	memset(o, 0, sizeof *o);
	assert_int_equal(a->status, 200);
	switch (s->res[s->i++]) {
	case FAKE_OK:
		ht_outcome_set(o, HT_POSTED, "posted");
		memcpy(o->id, "1", 2);
		o->next_at = s->ok_reset;
		break;
	case FAKE_DUP:
		ht_outcome_set(o, HT_ALREADY, "already posted");
		break;
	case FAKE_PERM:
		ht_outcome_set(o, HT_DENIED, "X said 403");
		break;
	case FAKE_TEMP:
		ht_outcome_set(o, HT_KEPT, "X said 503");
		break;
	case FAKE_LIMIT:
		o->retry_at = now + 600;
		ht_outcome_set(o, HT_LIMITED, "X said 429");
		break;
	case FAKE_BLOCKED:
		ht_outcome_set(o, HT_UNPAID, "X said 402");
		break;
	}
}

static const struct ht_net_ops fake_ops = {
	.name = "fake",
	.title = "Fake",
	.build = fake_build,
	.classify = fake_classify,
};

static struct ht_net *
fake_connect(void *arg, struct ht_err *e)
{
	struct ht_net *n;

	n = calloc(1, sizeof *n);
	assert_non_null(n);
	n->ops = &fake_ops;
	n->priv = arg;
	return n;
}

static void
fake_report(void *arg, const struct ht_report *r)
{
	struct script *s = arg;

	if (s->nev < 16)
		s->events[s->nev++] = r->failed ? 'F' : r->queued ? 'K' : 'S';
}

/* Flush q with the script, waiting at most wait s for a reset. */
static int
flush(struct ht_queue *q, struct script *s, struct ht_flush *f, long wait)
{
	struct ht_engine_conf c;
	struct ht_engine *g;
	struct ht_err e;
	char helper[sizeof top + 16];
	FILE *fp;
	int r;

	(void)snprintf(helper, sizeof helper, "%s/helper", top);
	if (access(helper, X_OK) == -1) {
		assert_non_null(fp = fopen(helper, "w"));
		fputs("#!/bin/sh\nwhile IFS= read -r l; do\n"
		    "\techo '{\"status\":200,\"headers\":{},\"body\":\"\"}'\n"
		    "done\n", fp);
		assert_int_equal(fclose(fp), 0);
		assert_int_equal(chmod(helper, 0700), 0);
	}
	memset(&c, 0, sizeof c);
	c.connect = fake_connect;
	c.connect_arg = s;
	c.sender.helper = helper;
	ht_err_clear(&e);
	assert_non_null(g = ht_engine_new(&c, &e));
	memset(f, 0, sizeof *f);
	f->report = fake_report;
	f->arg = s;
	f->wait = wait;
	f->budget_ms = 1;
	r = ht_engine_flush(g, q, f, &e);
	ht_engine_free(g);
	return r;
}

static void
flush_in_order(void **state)
{
	static const enum fake res[] = {
		FAKE_OK, FAKE_DUP, FAKE_PERM, FAKE_TEMP, FAKE_OK, FAKE_LIMIT
	};
	struct ht_queue *q = open_q(), *q2 = open_q();
	struct script s;
	struct ht_flush f;
	struct ht_err e;
	const char *texts[] = { "p1", "p2", "p3", "p4", "p5" };
	size_t i;

	ht_err_clear(&e);
	for (i = 0; i < 5; i++)
		add(q, texts[i], NULL, HT_QADD_QUEUED, NULL);
	put("new", "99999999999.000000.1.1", "garbage");
	memset(&s, 0, sizeof s);
	s.res = res;
	s.n = 6;
	/* Another flusher: this one does nothing. */
	assert_int_equal(ht_queue_lock(q2, &e), 0);
	assert_int_equal(flush(q, &s, &f, 0), 1);
	assert_int_equal(s.i, 0);
	ht_queue_unlock(q2);

	assert_int_equal(flush(q, &s, &f, 0), 0);
	/* OK, DUP, PERM (denied: stops), so p4, p5 and the garbage wait. */
	assert_int_equal(s.i, 3);
	assert_string_equal(s.seen[0], "p1");
	assert_string_equal(s.seen[2], "p3");
	assert_int_equal(f.sent, 1);
	assert_int_equal(f.dups, 1);
	assert_int_equal(f.failed, 1);
	assert_int_equal(f.status, EX_NOPERM);
	assert_int_equal(f.kept, 0);
	assert_int_equal(f.stopped, 1);
	assert_int_equal(f.left, 3);
	assert_int_equal(s.nev, 3);
	assert_int_equal(s.events[0], 'S');
	assert_int_equal(s.events[1], 'S');
	assert_int_equal(s.events[2], 'F');

	/* Next: p4 kept (503): the flush stops there. */
	assert_int_equal(flush(q, &s, &f, 0), 0);
	assert_int_equal(s.i, 4);
	assert_string_equal(s.seen[3], "p4");
	assert_int_equal(f.kept, 1);
	assert_int_equal(f.stopped, 1);
	assert_int_equal(s.events[3], 'K');

	/* Next: p4 posted, p5 rate-limited (held), garbage not reached. */
	assert_int_equal(flush(q, &s, &f, 0), 0);
	assert_int_equal(s.i, 6);
	assert_string_equal(s.seen[4], "p4");
	assert_string_equal(s.seen[5], "p5");
	assert_int_equal(f.sent, 1);
	assert_int_equal(f.kept, 1);
	assert_true(f.held > time(NULL));
	assert_int_equal(f.left, 2);

	/* Held: nothing is sent. */
	assert_int_equal(flush(q, &s, &f, 0), 0);
	assert_int_equal(s.i, 6);
	assert_true(f.held > time(NULL));
	assert_int_equal(f.stopped, 1);
	ht_queue_close(q2);
	ht_queue_close(q);
}

/* No credits: the flush stops at the first, nothing fails, status says why. */
static void
flush_blocked(void **state)
{
	static const enum fake res[] = { FAKE_BLOCKED, FAKE_OK, FAKE_OK };
	struct ht_queue *q = open_q();
	struct ht_qstatus st;
	struct script s;
	struct ht_flush f;
	struct ht_err e;

	ht_err_clear(&e);
	add(q, "p1", NULL, HT_QADD_QUEUED, NULL);
	add(q, "p2", NULL, HT_QADD_QUEUED, NULL);
	memset(&s, 0, sizeof s);
	s.res = res;
	s.n = 3;
	assert_int_equal(flush(q, &s, &f, 0), 0);
	assert_int_equal(s.i, 1);
	assert_int_equal(f.blocked, 1);
	assert_int_equal(f.stopped, 1);
	assert_int_equal(f.kept, 1);
	assert_int_equal(f.failed, 0);
	assert_int_equal(f.left, 2);
	assert_int_equal(ht_queue_status(q, time(NULL), &st, &e), 0);
	assert_int_equal(st.queued, 2);
	assert_int_equal(st.failed, 0);
	assert_string_equal(st.blocked, "X said 402");
	assert_true(st.blocked_since >= time(NULL) - 5);
	assert_int_equal(st.held, 0);
	/* Topped up: the next flush posts both, and the block is gone. */
	assert_int_equal(flush(q, &s, &f, 0), 0);
	assert_int_equal(s.i, 3);
	assert_string_equal(s.seen[1], "p1");
	assert_int_equal(f.sent, 2);
	assert_int_equal(ht_queue_status(q, time(NULL), &st, &e), 0);
	assert_string_equal(st.blocked, "");
	assert_int_equal(st.queued, 0);
	/* A reason is one line, bounded. */
	assert_int_equal(ht_queue_block(q, "first\nsecond", &e), 0);
	assert_int_equal(ht_queue_status(q, time(NULL), &st, &e), 0);
	assert_string_equal(st.blocked, "first");
	assert_int_equal(ht_queue_unblock(q, &e), 0);
	assert_int_equal(ht_queue_unblock(q, &e), 0);
	ht_queue_close(q);
}

/*
 * The post just made was the window's last: the next item is not sent
 * before the reset; a reset within the wait is waited for.
 */
static void
flush_waits_for_reset(void **state)
{
	static const enum fake res[] = { FAKE_OK, FAKE_OK, FAKE_OK };
	struct ht_queue *q = open_q();
	struct script s;
	struct ht_flush f;
	struct ht_err e;
	time_t t0;

	ht_err_clear(&e);
	add(q, "p1", NULL, HT_QADD_QUEUED, NULL);
	add(q, "p2", NULL, HT_QADD_QUEUED, NULL);
	memset(&s, 0, sizeof s);
	s.res = res;
	s.n = 3;
	s.ok_reset = time(NULL) + 600;
	assert_int_equal(flush(q, &s, &f, 60), 0);
	assert_int_equal(s.i, 1);
	assert_int_equal(f.sent, 1);
	assert_int_equal(f.held, s.ok_reset);
	assert_int_equal(f.left, 1);
	assert_int_equal(ht_queue_held(q, time(NULL), &e), s.ok_reset);
	/* A reset a second away, within the wait: waited for, then sent. */
	assert_int_equal(ht_queue_hold(q, time(NULL) + 1, &e), 0);
	s.ok_reset = 0;
	assert_int_equal(flush(q, &s, &f, 0), 0);
	assert_int_equal(s.i, 1);
	assert_int_equal(f.stopped, 1);
	t0 = time(NULL);
	assert_int_equal(flush(q, &s, &f, 10), 0);
	assert_int_equal(s.i, 2);
	assert_int_equal(f.sent, 1);
	assert_true(time(NULL) >= t0 + 1);
	assert_int_equal(f.left, 0);
	ht_queue_close(q);
}

static void
flush_skips_corrupt(void **state)
{
	static const enum fake res[] = { FAKE_OK, FAKE_OK };
	struct ht_queue *q = open_q();
	struct script s;
	struct ht_flush f;
	struct ht_err e;

	ht_err_clear(&e);
	put("new", "00000000001.000000.1.1", "{\"text\":\"first\"}");
	put("new", "00000000001.000000.1.2", "not json");
	put("new", "00000000001.000000.1.3", "{\"text\":\"third\"}");
	memset(&s, 0, sizeof s);
	s.res = res;
	s.n = 2;
	assert_int_equal(flush(q, &s, &f, 0), 0);
	assert_int_equal(f.sent, 2);
	assert_int_equal(f.corrupt, 1);
	assert_int_equal(f.left, 0);
	assert_string_equal(s.seen[1], "third");
	assert_true(exists("failed", "00000000001.000000.1.2"));
	ht_queue_close(q);
}

/*
 * An event that was never rendered is kept in failed/ with its reason;
 * --retry hands it back (and drops it once passed on); a failed post goes
 * back to new/, its .reason removed.
 */
static void
failed_and_retry(void **state)
{
	struct ht_queue *q = open_q();
	struct ht_err e;
	char name[HT_QUEUE_NAME_MAX], why[128], *ev = NULL, **names = NULL;
	char rname[HT_QUEUE_NAME_MAX + 16];
	struct ht_qitem *it;
	json_t *o;
	long n;

	ht_err_clear(&e);
	assert_int_equal(ht_queue_add_failed(q, "a/b:1@2030-01-01T00:00:00Z",
	    "{\"tag\":\"1\"}", "not rendered: missing field", name,
	    sizeof name, &e), 0);
	assert_true(exists("failed", name));
	assert_int_equal(ht_queue_reason(q, name, why, sizeof why, &e), 0);
	assert_string_equal(why, "not rendered: missing field");
	o = ht_queue_item_json(q, HT_QUEUE_FAILED, name, &e);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    o, "event"), "tag")), "1");
	json_decref(o);
	assert_int_equal(ht_queue_retry(q, name, &ev, &e), 1);
	assert_string_equal(ev, "{\"tag\":\"1\"}");
	free(ev);
	/* Still there until the caller dropped it. */
	assert_true(exists("failed", name));
	assert_int_equal(ht_queue_drop_failed(q, name, &e), 0);
	assert_false(exists("failed", name));
	(void)snprintf(rname, sizeof rname, "%s.reason", name);
	assert_false(exists("failed", rname));

	/* A post X refused: back to new/, reason gone. */
	add(q, "hello", NULL, HT_QADD_QUEUED, name);
	assert_int_equal(ht_queue_take(q, name, &it, &e), HT_QTAKE_OK);
	assert_int_equal(ht_queue_fail(q, it, "X refused it (400)", &e), 0);
	assert_true(exists("failed", name));
	assert_int_equal(ht_queue_retry(q, name, &ev, &e), 0);
	assert_null(ev);
	assert_true(exists("new", name));
	(void)snprintf(rname, sizeof rname, "%s.reason", name);
	assert_false(exists("failed", rname));
	assert_int_equal(n = ht_queue_names(q, HT_QUEUE_FAILED, &names, &e),
	    0);
	ht_queue_names_free(names, n);
	ht_queue_close(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(open_modes_and_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(failed_and_retry, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(add_writes_item, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(names_sort_oldest_first, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(dedup_by_event_id, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(keep_counts_attempts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(fail_moves_with_reason, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(corrupt_items_fail, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(item_locks_exclude, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(rate_limit_hold, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(recover_dead_writers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(status_counts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(flush_in_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(flush_skips_corrupt, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(flush_blocked, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(flush_waits_for_reset, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
