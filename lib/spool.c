#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "group.h"
#include "hash.h"
#include "spool.h"
#include "util.h"

/*
 * The spool.
 */

struct ht_spool {
	char *dir;
	int dfd, tmpfd, openfd, closedfd;
	int drainfd;		/* DIR/.drain, flock(2)ed: we drain */
};

static const char *subdirs[] = { "tmp", "open", "closed" };

static int
sys_err(struct ht_err *e, int err, const char *what)
{
	ht_err_set(e, "%s: %s", what, strerror(err));
	e->status = err == ENOMEM ? EX_OSERR : EX_TEMPFAIL;
	return -1;
}

static int
fsync_dir(int fd, const char *what, struct ht_err *e)
{
	/* Some file systems cannot sync a directory; they need not. */
	if (fsync(fd) == -1 && errno != EINVAL)
		return sys_err(e, errno, what);
	return 0;
}

struct ht_spool *
ht_spool_open(const char *dir, struct ht_err *e)
{
	struct ht_spool *s;
	int *fds[3];
	size_t i;

	if ((s = calloc(1, sizeof *s)) == NULL ||
	    (s->dir = strdup(dir)) == NULL) {
		free(s);
		sys_err(e, ENOMEM, dir);
		return NULL;
	}
	s->tmpfd = s->openfd = s->closedfd = s->drainfd = -1;
	fds[0] = &s->tmpfd;
	fds[1] = &s->openfd;
	fds[2] = &s->closedfd;
	if ((s->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		sys_err(e, errno, dir);
		goto fail;
	}
	/* Whoever can write to the spool can post: as the queue, ours only. */
	if (ht_dir_private(s->dfd, dir, e) == -1)
		goto fail;
	for (i = 0; i < 3; i++) {
		if (mkdirat(s->dfd, subdirs[i], 0700) == 0) {
			if (fsync_dir(s->dfd, dir, e) == -1)
				goto fail;
		} else if (errno != EEXIST) {
			sys_err(e, errno, subdirs[i]);
			ht_err_prefix(e, "%s", dir);
			goto fail;
		}
		if ((*fds[i] = openat(s->dfd, subdirs[i], O_RDONLY |
		    O_DIRECTORY | O_CLOEXEC)) == -1) {
			sys_err(e, errno, subdirs[i]);
			ht_err_prefix(e, "%s", dir);
			goto fail;
		}
		if (ht_dir_private(*fds[i], subdirs[i], e) == -1) {
			ht_err_prefix(e, "%s", dir);
			goto fail;
		}
	}
	return s;
fail:
	ht_spool_close(s);
	return NULL;
}

void
ht_spool_close(struct ht_spool *s)
{
	if (s == NULL)
		return;
	if (s->dfd != -1)
		(void)close(s->dfd);
	if (s->tmpfd != -1)
		(void)close(s->tmpfd);
	if (s->openfd != -1)
		(void)close(s->openfd);
	if (s->closedfd != -1)
		(void)close(s->closedfd);
	ht_spool_unlock_drain(s);
	free(s->dir);
	free(s);
}

/* DIR/.lock, held until the fd is closed; -1 and e on error. */
static int
spool_lock(struct ht_spool *s, struct ht_err *e)
{
	int fd;

	if ((fd = openat(s->dfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1) {
		sys_err(e, errno, ".lock");
		ht_err_prefix(e, "%s", s->dir);
		return -1;
	}
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			sys_err(e, errno, ".lock");
			ht_err_prefix(e, "%s", s->dir);
			(void)close(fd);
			return -1;
		}
	}
	return fd;
}

long long
ht_spool_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return (long long)time(NULL) * 1000;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The parts of a group's name: CLOSE.PID.REPO. */
static int
group_parse(const char *name, long long *close_at, const char **repo)
{
	const char *p = name;
	long long v;
	int i;

	for (i = 0; i < 2; i++) {
		if (*p < '0' || *p > '9')
			return -1;
		for (v = 0; *p >= '0' && *p <= '9'; p++) {
			if (v > 99999999999999LL)
				return -1;
			v = v * 10 + (*p - '0');
		}
		if (*p++ != '.')
			return -1;
		if (i == 0)
			*close_at = v;
	}
	if (*p == '\0' || strchr(p, '/') != NULL || strcmp(p, ".") == 0 ||
	    strcmp(p, "..") == 0)
		return -1;
	*repo = p;
	return 0;
}

long long
ht_spool_group_close(const char *group)
{
	long long t;
	const char *repo;

	return group_parse(group, &t, &repo) == -1 ? -1 : t;
}

/*
 * A repository as a file name: '/' is '+', which a name never holds.  A
 * name may be 255 bytes and a repository as long: past KEY_KEEP bytes, the
 * rest is replaced by a hash of the whole, so that names stay short and
 * two repositories never share a group.
 */
#define KEY_KEEP	160
static int
repo_key(const char *repo, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[HT_SHA256_LEN];
	unsigned int j;
	size_t i, n = strlen(repo);

	if (n == 0 || len < KEY_KEEP + 18)
		return -1;
	for (i = 0; i < n && i < KEY_KEEP; i++)
		buf[i] = (char)(repo[i] == '/' ? '+' : repo[i]);
	if (n > KEY_KEEP) {
		ht_sha256(repo, n, md);
		buf[i++] = '~';
		for (j = 0; j < 8; j++) {
			buf[i++] = hex[md[j] >> 4];
			buf[i++] = hex[md[j] & 0xf];
		}
	}
	buf[i] = '\0';
	return 0;
}

static DIR *
dir_stream(int dfd)
{
	int fd;
	DIR *d;

	if ((fd = dup(dfd)) == -1)
		return NULL;
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return NULL;
	}
	rewinddir(d);
	return d;
}

/* The open group of repository key, if one is still open. */
static int
find_open(struct ht_spool *s, const char *key, long long now, char *group,
    size_t len, struct ht_err *e)
{
	const struct dirent *de;
	const char *repo;
	long long t, best = -1;
	DIR *d;

	if ((d = dir_stream(s->openfd)) == NULL)
		return sys_err(e, errno, "open");
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (group_parse(de->d_name, &t, &repo) == -1 ||
		    strcmp(repo, key) != 0 || t <= now || t <= best)
			continue;
		if ((size_t)snprintf(group, len, "%s", de->d_name) >= len)
			continue;
		best = t;
	}
	if (errno != 0) {
		sys_err(e, errno, "open");
		(void)closedir(d);
		return -1;
	}
	(void)closedir(d);
	return best != -1;
}

static long list_files(int dfd, const char *what, char ***out,
    struct ht_err *e);

/*
 * The quiet period: an open group that a delivery joins now closes window
 * seconds from now, but no later than max seconds after its first
 * delivery (whose name begins with its arrival time), so it is renamed
 * to its new close time, under the lock.  0 with group (len bytes)
 * updated, or -1 and e.
 */
static int
extend(struct ht_spool *s, char *group, size_t len, long long now,
    long long window, long long max, struct ht_err *e)
{
	char **names = NULL, renamed[HT_SPOOL_NAME_MAX];
	const char *rest = strchr(group, '.'), *repo;
	long long t, close_at, first = now;
	long n;
	int gfd, r;

	if (rest == NULL || group_parse(group, &t, &repo) == -1)
		return 0;
	if ((gfd = openat(s->openfd, group, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC | O_NOFOLLOW)) == -1)
		return sys_err(e, errno, group);
	n = list_files(gfd, group, &names, e);
	(void)close(gfd);
	if (n == -1)
		return -1;
	if (n > 0)
		first = strtoll(names[0], NULL, 10) * 1000;
	ht_spool_names_free(names, n);
	close_at = now + window * 1000;
	if (close_at > first + max * 1000)
		close_at = first + max * 1000;
	if (close_at <= t)
		return 0;
	r = snprintf(renamed, sizeof renamed, "%014lld%s", close_at, rest);
	if (r < 0 || (size_t)r >= sizeof renamed || (size_t)r >= len)
		return 0;
	if (renameat(s->openfd, group, s->openfd, renamed) == -1)
		return sys_err(e, errno, group);
	if (fsync_dir(s->openfd, "open", e) == -1)
		return -1;
	memcpy(group, renamed, (size_t)r + 1);
	return 0;
}

static unsigned int put_counter;

int
ht_spool_put(struct ht_spool *s, const json_t *ev, long long window,
    long long max, char *group, size_t len, struct ht_err *e)
{
	struct timespec ts;
	char name[64], key[HT_SPOOL_NAME_MAX - 40], gkey[HT_GROUP_KEY_MAX];
	const char *repo = ht_event_group_key(ev, gkey, sizeof gkey);
	char *data = NULL;
	int fd = -1, gfd = -1, lockfd = -1, made = 0, r, ret = -1, err;
	long long now;
	size_t n;

	if (repo == NULL || repo_key(repo, key, sizeof key) == -1) {
		ht_err_set(e, "an event without a usable repo_name");
		e->status = EX_SOFTWARE;
		return -1;
	}
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return sys_err(e, errno, "clock_gettime");
	r = snprintf(name, sizeof name, "%011lld.%06ld.%ld.%u",
	    (long long)ts.tv_sec, ts.tv_nsec / 1000, (long)getpid(),
	    put_counter++);
	if (r < 0 || (size_t)r >= sizeof name) {
		ht_err_set(e, "delivery name too long");
		e->status = EX_SOFTWARE;
		return -1;
	}
	if ((data = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
	    NULL)
		return sys_err(e, ENOMEM, "event");
	n = strlen(data);
	data[n] = '\n';	/* json_dumps's NUL: the line's end */

	/* The delivery, on disk under tmp/. */
	if ((fd = openat(s->tmpfd, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC | O_NOFOLLOW, 0600)) == -1) {
		sys_err(e, errno, "tmp");
		goto out;
	}
	if (ht_write_all(fd, data, n + 1) == -1 || fsync(fd) == -1) {
		sys_err(e, errno, "tmp");
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		sys_err(e, errno, "tmp");
		goto out;
	}
	fd = -1;

	/*
	 * Into its group, made or joined under the lock, by the time now:
	 * writing took a while, and the groups are judged by the clock
	 * that closes them.
	 */
	if ((lockfd = spool_lock(s, e)) == -1)
		goto out;
	now = ht_spool_now_ms();
	if ((r = window > 0 ? find_open(s, key, now, group, len, e) : 0) ==
	    -1)
		goto out;
	if (r == 1 && extend(s, group, len, now, window, max, e) == -1)
		goto out;
	if (r == 0) {
		r = snprintf(group, len, "%014lld.%ld.%s",
		    now + (window < max ? window : max) * 1000,
		    (long)getpid(), key);
		if (r < 0 || (size_t)r >= len) {
			ht_err_set(e, "group name too long");
			e->status = EX_SOFTWARE;
			goto out;
		}
		if (mkdirat(s->openfd, group, 0700) == -1) {
			sys_err(e, errno, "open");
			goto out;
		}
		made = 1;
		if (fsync_dir(s->openfd, "open", e) == -1)
			goto out;
	}
	if ((gfd = openat(s->openfd, group, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		sys_err(e, errno, group);
		goto out;
	}
	if (renameat(s->tmpfd, name, gfd, name) == -1) {
		sys_err(e, errno, group);
		goto out;
	}
	if (fsync_dir(gfd, group, e) == -1) {
		/* Not known to be on disk: not accepted. */
		(void)unlinkat(gfd, name, 0);
		goto out;
	}
	ret = made;
out:
	if (ret == -1) {
		err = errno;
		if (fd != -1)
			(void)close(fd);
		(void)unlinkat(s->tmpfd, name, 0);
		if (made)
			(void)unlinkat(s->openfd, group, AT_REMOVEDIR);
		ht_err_prefix(e, "spool %s", s->dir);
		errno = err;
	}
	if (gfd != -1)
		(void)close(gfd);
	if (lockfd != -1)
		(void)close(lockfd);
	free(data);
	return ret;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
ht_spool_names_free(char **v, long n)
{
	long i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Which names of a directory a listing keeps. */
struct pick {
	int	groups;		/* group names (else files that begin with a digit) */
	int	due;		/* groups: only those closed by now */
	long long now;
};

static int
picked(const struct pick *k, const char *name)
{
	const char *repo;
	long long t;

	if (!k->groups)
		return name[0] >= '0' && name[0] <= '9';
	return group_parse(name, &t, &repo) == 0 && (!k->due || t <= k->now);
}

/* The names in dfd that k picks, sorted; their count, or -1 and e. */
static long
list_names(int dfd, const char *what, const struct pick *k, char ***out,
    struct ht_err *e)
{
	const struct dirent *de;
	char **v = NULL, **nv;
	long n = 0;
	int err = 0;
	DIR *d;

	*out = NULL;
	if ((d = dir_stream(dfd)) == NULL)
		return sys_err(e, errno, what);
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			err = errno;
			break;
		}
		if (!picked(k, de->d_name))
			continue;
		if ((nv = realloc(v, (size_t)(n + 1) * sizeof *v)) == NULL ||
		    (nv[n] = strdup(de->d_name)) == NULL) {
			if (nv != NULL)
				v = nv;
			err = ENOMEM;
			break;
		}
		v = nv;
		n++;
	}
	(void)closedir(d);
	if (err != 0) {
		ht_spool_names_free(v, n);
		return sys_err(e, err, what);
	}
	if (n > 0)
		qsort(v, (size_t)n, sizeof *v, cmp_names);
	*out = v;
	return n;
}

/* Group names in dfd, sorted; with due, only those closed by now. */
static long
list_groups(int dfd, const char *what, int due, long long now, char ***out,
    struct ht_err *e)
{
	const struct pick k = { 1, due, now };

	return list_names(dfd, what, &k, out, e);
}

/* Under the lock: open/group to closed/, synced. */
static int
move_closed(struct ht_spool *s, const char *group, struct ht_err *e)
{
	if (renameat(s->openfd, group, s->closedfd, group) == -1)
		return sys_err(e, errno, group);
	if (fsync_dir(s->closedfd, "closed", e) == -1 ||
	    fsync_dir(s->openfd, "open", e) == -1)
		return -1;
	return 0;
}

long
ht_spool_closed(struct ht_spool *s, long long now, char ***out,
    struct ht_err *e)
{
	char **due = NULL;
	long n, i;
	int lockfd;

	*out = NULL;
	if ((lockfd = spool_lock(s, e)) == -1)
		return -1;
	if ((n = list_groups(s->openfd, "open", 1, now, &due, e)) == -1)
		goto fail;
	for (i = 0; i < n; i++)
		if (move_closed(s, due[i], e) == -1 && errno != ENOENT)
			goto fail;
	ht_spool_names_free(due, n);
	(void)close(lockfd);
	return list_groups(s->closedfd, "closed", 0, now, out, e);
fail:
	ht_spool_names_free(due, n);
	(void)close(lockfd);
	ht_err_prefix(e, "spool %s", s->dir);
	return -1;
}

int
ht_spool_close_group(struct ht_spool *s, const char *group, long long now,
    struct ht_err *e)
{
	const char *repo;
	long long t;
	int lockfd, r = 1;

	if (group_parse(group, &t, &repo) == -1) {
		ht_err_set(e, "\"%s\": not the name of a group", group);
		e->status = EX_DATAERR;
		return -1;
	}
	if (t > now)
		return 0;
	if ((lockfd = spool_lock(s, e)) == -1)
		return -1;
	if (move_closed(s, group, e) == -1) {
		/* Already closed by another process: as good. */
		r = errno == ENOENT ? 1 : -1;
		if (r == -1)
			ht_err_prefix(e, "spool %s", s->dir);
	}
	(void)close(lockfd);
	return r;
}

/* As dockerhub.max_body may be (conf.c). */
#define DELIVERY_MAX	((size_t)64 * 1024 * 1024)

/* A file's content, up to max bytes; caller frees. */
static char *
read_at(int dfd, const char *name, size_t max, size_t *len)
{
	struct stat st;
	char *buf;
	ssize_t r;
	size_t n = 0;
	int fd;

	if ((fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return NULL;
	/* Room for what the file holds, not for the most it may hold. */
	if (fstat(fd, &st) == 0 && st.st_size >= 0 &&
	    (unsigned long long)st.st_size < (unsigned long long)max)
		max = (size_t)st.st_size;
	if ((buf = malloc(max + 1)) == NULL) {
		(void)close(fd);
		return NULL;
	}
	while (n < max && (r = read(fd, buf + n, max - n)) != 0) {
		if (r == -1) {
			if (errno == EINTR)
				continue;
			free(buf);
			(void)close(fd);
			return NULL;
		}
		n += (size_t)r;
	}
	(void)close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* The names of the files in dfd that begin with a digit, sorted. */
static long
list_files(int dfd, const char *what, char ***out, struct ht_err *e)
{
	const struct pick k = { 0, 0, 0 };

	return list_names(dfd, what, &k, out, e);
}

json_t *
ht_spool_delivery(const char *buf, size_t len, struct ht_err *e)
{
	json_error_t je;
	json_t *ev;

	/* Written whole and synced before it joined: never half. */
	if ((ev = json_loadb(buf, len, 0, &je)) == NULL ||
	    !json_is_object(ev)) {
		json_decref(ev);
		ht_err_set(e, "not an event: %s", ev == NULL ? je.text :
		    "not a JSON object");
		e->status = EX_DATAERR;
		return NULL;
	}
	return ev;
}

/* The deliveries of a group (sorted: by arrival) and their event. */
static json_t *
group_read(int gfd, const char *group, size_t *count, struct ht_err *e)
{
	json_t **evs = NULL, *ev = NULL;
	char **names = NULL;
	char *buf;
	long n, i;
	size_t len, k = 0;

	if ((n = list_files(gfd, group, &names, e)) == -1)
		return NULL;
	if (n > 0 && (evs = calloc((size_t)n, sizeof(json_t *))) == NULL) {
		sys_err(e, ENOMEM, group);
		goto out;
	}
	for (i = 0; i < n; i++) {
		/* An event is smaller than the body it came from. */
		if ((buf = read_at(gfd, names[i], DELIVERY_MAX, &len)) ==
		    NULL) {
			sys_err(e, errno, names[i]);
			ht_err_prefix(e, "%s", group);
			goto out;
		}
		evs[k] = ht_spool_delivery(buf, len, e);
		free(buf);
		if (evs[k] == NULL) {
			ht_err_prefix(e, "%s/%s", group, names[i]);
			goto out;
		}
		k++;
	}
	if (k == 0) {
		ht_err_set(e, "%s: no deliveries", group);
		e->status = EX_DATAERR;
		goto out;
	}
	ev = ht_group_event(evs, k, e);
	*count = k;
out:
	while (k > 0)
		json_decref(evs[--k]);
	free(evs);
	ht_spool_names_free(names, n);
	return ev;
}

int
ht_spool_take(struct ht_spool *s, const char *group, struct ht_sgroup **out,
    struct ht_err *e)
{
	struct ht_sgroup *g;
	struct stat st, st2;
	char *buf;
	size_t len;
	int fd;

	*out = NULL;
	if ((fd = openat(s->closedfd, group, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno == ENOENT)
			return HT_STAKE_GONE;
		return sys_err(e, errno, group);
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		(void)close(fd);
		if (errno == EWOULDBLOCK)
			return HT_STAKE_BUSY;
		return sys_err(e, errno, group);
	}
	/* Its drain may have removed it while we waited for the lock. */
	if (fstat(fd, &st) == -1 || fstatat(s->closedfd, group, &st2,
	    AT_SYMLINK_NOFOLLOW) == -1 || st.st_ino != st2.st_ino ||
	    st.st_dev != st2.st_dev) {
		(void)close(fd);
		return HT_STAKE_GONE;
	}
	if ((g = calloc(1, sizeof *g)) == NULL) {
		(void)close(fd);
		return sys_err(e, ENOMEM, group);
	}
	g->fd = fd;
	(void)snprintf(g->name, sizeof g->name, "%s", group);
	if ((g->event = group_read(fd, group, &g->deliveries, e)) == NULL) {
		ht_spool_release(g);
		return -1;
	}
	if ((buf = read_at(fd, "reason", sizeof g->reason - 1, &len)) !=
	    NULL) {
		len = strcspn(buf, "\n");
		memcpy(g->reason, buf, len);
		g->reason[len] = '\0';
		free(buf);
	}
	*out = g;
	return HT_STAKE_OK;
}

void
ht_spool_release(struct ht_sgroup *g)
{
	if (g == NULL)
		return;
	json_decref(g->event);
	if (g->fd != -1)
		(void)close(g->fd);
	free(g);
}

/* Remove what a directory holds (files only), then the directory. */
static int
remove_dir(int parentfd, const char *name, int dfd)
{
	const struct dirent *de;
	DIR *d;

	if ((d = dir_stream(dfd)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			(void)unlinkat(dfd, de->d_name, 0);
	(void)closedir(d);
	return unlinkat(parentfd, name, AT_REMOVEDIR);
}

int
ht_spool_done(struct ht_spool *s, struct ht_sgroup *g, struct ht_err *e)
{
	int r = 0;

	/*
	 * One rename takes it out of closed/: a crash after it leaves only
	 * litter in tmp/, which ht_spool_tidy sweeps.
	 */
	if (renameat(s->closedfd, g->name, s->tmpfd, g->name) == -1 ||
	    fsync_dir(s->closedfd, "closed", e) == -1) {
		r = sys_err(e, errno, g->name);
		ht_err_prefix(e, "spool %s", s->dir);
	} else
		(void)remove_dir(s->tmpfd, g->name, g->fd);
	ht_spool_release(g);
	return r;
}

int
ht_spool_keep(struct ht_spool *s, struct ht_sgroup *g, const char *why,
    struct ht_err *e)
{
	char tmp[64], line[sizeof g->reason + 1];
	size_t n;
	int fd, r = -1;

	n = (size_t)snprintf(line, sizeof line, "%.*s\n",
	    (int)(sizeof g->reason - 1), why);
	if (n >= sizeof line)
		n = sizeof line - 1;
	(void)snprintf(tmp, sizeof tmp, "reason.%ld", (long)getpid());
	(void)unlinkat(s->tmpfd, tmp, 0);
	if ((fd = openat(s->tmpfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC | O_NOFOLLOW, 0600)) == -1) {
		sys_err(e, errno, "tmp");
		goto out;
	}
	if (ht_write_all(fd, line, n) == -1 || fsync(fd) == -1) {
		sys_err(e, errno, "tmp");
		(void)close(fd);
		(void)unlinkat(s->tmpfd, tmp, 0);
		goto out;
	}
	(void)close(fd);
	if (renameat(s->tmpfd, tmp, g->fd, "reason") == -1) {
		sys_err(e, errno, g->name);
		(void)unlinkat(s->tmpfd, tmp, 0);
		goto out;
	}
	r = fsync_dir(g->fd, g->name, e);
out:
	if (r == -1)
		ht_err_prefix(e, "spool %s", s->dir);
	ht_spool_release(g);
	return r;
}

int
ht_spool_lock_drain(struct ht_spool *s, struct ht_err *e)
{
	int fd;

	if (s->drainfd != -1)
		return 1;
	if ((fd = openat(s->dfd, ".drain", O_RDWR | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1) {
		sys_err(e, errno, ".drain");
		ht_err_prefix(e, "%s", s->dir);
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EINTR)
			continue;
		(void)close(fd);
		if (errno == EWOULDBLOCK)
			return 0;
		sys_err(e, errno, ".drain");
		ht_err_prefix(e, "%s", s->dir);
		return -1;
	}
	s->drainfd = fd;
	return 1;
}

void
ht_spool_unlock_drain(struct ht_spool *s)
{
	if (s->drainfd != -1)
		(void)close(s->drainfd);
	s->drainfd = -1;
}

int
ht_spool_next(struct ht_spool *s, long long *when, struct ht_err *e)
{
	char **v = NULL, path[HT_SPOOL_NAME_MAX + 8];
	long long t;
	const char *repo;
	long n, i;
	int r = 0;

	if ((n = list_groups(s->closedfd, "closed", 0, 0, &v, e)) == -1)
		goto fail;
	for (i = 0; i < n && r == 0; i++) {
		(void)snprintf(path, sizeof path, "%s/reason", v[i]);
		if (faccessat(s->closedfd, path, F_OK, AT_SYMLINK_NOFOLLOW) ==
		    -1 && errno == ENOENT) {
			*when = 0;
			r = 1;
		}
	}
	ht_spool_names_free(v, n);
	if (r == 1)
		return 1;
	if ((n = list_groups(s->openfd, "open", 0, 0, &v, e)) == -1)
		goto fail;
	/* Sorted by name, which begins with the time the window closes. */
	if (n > 0 && group_parse(v[0], &t, &repo) == 0) {
		*when = t;
		r = 1;
	}
	ht_spool_names_free(v, n);
	return r;
fail:
	ht_err_prefix(e, "spool %s", s->dir);
	return -1;
}

long
ht_spool_tidy(struct ht_spool *s, time_t now, struct ht_err *e)
{
	const struct dirent *de;
	struct stat st;
	long n = 0;
	int fd;
	DIR *d;

	if ((d = dir_stream(s->tmpfd)) == NULL)
		return sys_err(e, errno, "tmp");
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    fstatat(s->tmpfd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		if (S_ISDIR(st.st_mode)) {
			/* A group whose removal was cut short. */
			if ((fd = openat(s->tmpfd, de->d_name, O_RDONLY |
			    O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) == -1)
				continue;
			if (remove_dir(s->tmpfd, de->d_name, fd) == 0)
				n++;
			(void)close(fd);
		} else if ((long long)st.st_mtime + 3600 < (long long)now &&
		    unlinkat(s->tmpfd, de->d_name, 0) == 0)
			n++;
	}
	(void)closedir(d);
	return n;
}
