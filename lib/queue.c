#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "hash.h"
#include "queue-int.h"
#include "util.h"

static const char *subdirs[] = { "tmp", "new", "failed", "sent" };

static int
errno_status(int err)
{
	switch (err) {
	case EACCES:
	case EPERM:
	case EROFS:
		return EX_NOPERM;
	case ENOENT:
	case ENOTDIR:
		return EX_NOINPUT;
	default:
		return EX_IOERR;
	}
}

/* Fill e with "what: strerror" and a status from errno. */
int
ht_queue_sys_err(struct ht_err *e, int err, const char *what)
{
	ht_err_set(e, "%s: %s", what, strerror(err));
	if (e != NULL)
		e->status = errno_status(err);
	return -1;
}

static int
data_err(struct ht_err *e, const char *msg, const char *arg)
{
	if (arg != NULL)
		ht_err_set(e, "\"%s\" %s", arg, msg);
	else
		ht_err_set(e, "%s", msg);
	if (e != NULL)
		e->status = EX_DATAERR;
	return -1;
}

int
ht_queue_fsync_dir(int fd, const char *what, struct ht_err *e)
{
	/* Some file systems cannot sync a directory; they need not. */
	if (fsync(fd) == -1 && errno != EINVAL && errno != EROFS)
		return ht_queue_sys_err(e, errno, what);
	return 0;
}

/* Digits up to a '.', '@' or the end; *s is moved past them. */
int
ht_queue_digits(const char **s, long long max, long long *out)
{
	const char *p = *s;
	long long v = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (max - (*p - '0')) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	*s = p;
	*out = v;
	return 0;
}

/* SECONDS.MICROSECONDS.PID.COUNTER[.KEY], then end or '@'. */
int
ht_queue_parse_name(const char *s, struct qname *q, const char **rest)
{
	long long v;
	size_t i;

	memset(q, 0, sizeof *q);
	if (ht_queue_digits(&s, 99999999999LL, &q->sec) == -1 || *s++ != '.' ||
	    ht_queue_digits(&s, 999999, &v) == -1 || *s++ != '.' ||
	    ht_queue_digits(&s, 0x7fffffff, &v) == -1 || v == 0)
		return -1;
	q->pid = (long)v;
	if (*s++ != '.' || ht_queue_digits(&s, 0xffffffffLL, &v) == -1)
		return -1;
	if (*s == '.') {
		s++;
		for (i = 0; i < KEY_LEN; i++) {
			if (!((s[i] >= '0' && s[i] <= '9') ||
			    (s[i] >= 'a' && s[i] <= 'f')))
				return -1;
			q->key[i] = s[i];
		}
		q->key[KEY_LEN] = '\0';
		s += KEY_LEN;
	}
	if (rest != NULL)
		*rest = s;
	else if (*s != '\0')
		return -1;
	return 0;
}

/* The first 128 bits of SHA-256(id), in hex: the event's key. */
static void
id_key(const char *id, char key[KEY_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[HT_SHA256_LEN];
	size_t i;

	ht_sha256(id, strlen(id), md);
	for (i = 0; i < KEY_LEN / 2; i++) {
		key[2 * i] = hex[md[i] >> 4];
		key[2 * i + 1] = hex[md[i] & 0xf];
	}
	key[KEY_LEN] = '\0';
}

static unsigned int name_counter;

static int
make_name(char *buf, size_t len, const char *key, struct ht_err *e)
{
	struct timespec ts;
	int n;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return ht_queue_sys_err(e, errno, "clock_gettime");
	n = snprintf(buf, len, "%011lld.%06ld.%ld.%u%s%s",
	    (long long)ts.tv_sec, ts.tv_nsec / 1000, (long)getpid(),
	    name_counter++, *key != '\0' ? "." : "", key);
	if (n < 0 || (size_t)n >= len) {
		ht_err_set(e, "item name too long");
		if (e != NULL)
			e->status = EX_SOFTWARE;
		return -1;
	}
	return 0;
}

/*
 * Create dir/name with data, mode 0600, and fsync it.  The name must not
 * exist.  On failure nothing is left behind.
 */
static int
write_new(int dfd, const char *name, const char *data, size_t len,
    struct ht_err *e)
{
	int fd, err;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd == -1)
		return ht_queue_sys_err(e, errno, name);
	if (ht_write_all(fd, data, len) == -1 || fsync(fd) == -1) {
		err = errno;
		(void)close(fd);
		(void)unlinkat(dfd, name, 0);
		return ht_queue_sys_err(e, err, name);
	}
	if (close(fd) == -1) {
		err = errno;
		(void)unlinkat(dfd, name, 0);
		return ht_queue_sys_err(e, err, name);
	}
	return 0;
}

/*
 * Write data to tmp/ under a name of this process, then rename it to
 * todfd/toname (replacing what is there).  The caller syncs todfd.
 */
static int
replace_file(struct ht_queue *q, const char *base, int todfd,
    const char *toname, const char *data, size_t len, struct ht_err *e)
{
	char tmp[HT_QUEUE_NAME_MAX + 32];
	int n;

	n = snprintf(tmp, sizeof tmp, "%s@%ld", base, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof tmp) {
		(void)ht_err_fail(e, EX_SOFTWARE, "%s: name too long", base);
		return -1;
	}
	/* A temp file of ours that a crash left (the pid was reused). */
	(void)unlinkat(q->tmpfd, tmp, 0);
	if (write_new(q->tmpfd, tmp, data, len, e) == -1) {
		ht_err_prefix(e, "tmp");
		return -1;
	}
	if (renameat(q->tmpfd, tmp, todfd, toname) == -1) {
		n = errno;
		(void)unlinkat(q->tmpfd, tmp, 0);
		return ht_queue_sys_err(e, n, toname);
	}
	return 0;
}

/* The queue and its subdirectories are ours alone (ht_dir_private). */
static int
check_private(int fd, const char *dir, const char *sub, struct ht_err *e)
{
	char name[PATH_MAX];

	(void)snprintf(name, sizeof name, "%s%s%s", dir, *sub != '\0' ?
	    "/" : "", sub);
	return ht_dir_private(fd, name, e);
}

/* Make sure a directory just made is on disk: sync its parent. */
static int
sync_parent(const char *dir, struct ht_err *e)
{
	char *copy, *slash;
	int fd, rv;

	if ((copy = strdup(dir)) == NULL)
		return ht_queue_sys_err(e, ENOMEM, dir);
	/* "a/b/" is "a/b"; "b" is in "."; "/b" is in "/". */
	while ((slash = strrchr(copy, '/')) != NULL && slash[1] == '\0' &&
	    slash != copy)
		*slash = '\0';
	if ((slash = strrchr(copy, '/')) == NULL)
		(void)snprintf(copy, strlen(copy) + 1, ".");
	else if (slash == copy)
		copy[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(copy, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		rv = ht_queue_sys_err(e, errno, copy);
		free(copy);
		return rv;
	}
	rv = ht_queue_fsync_dir(fd, copy, e);
	(void)close(fd);
	free(copy);
	return rv;
}

static int
open_sub(struct ht_queue *q, const char *sub, int create, int *made,
    struct ht_err *e)
{
	int fd;

	if (create && mkdirat(q->dfd, sub, 0700) == 0)
		*made = 1;
	else if (create && errno != EEXIST) {
		ht_queue_sys_err(e, errno, sub);
		ht_err_prefix(e, "%s", q->dir);
		return -1;
	}
	fd = openat(q->dfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1) {
		ht_queue_sys_err(e, errno, sub);
		ht_err_prefix(e, "%s", q->dir);
		return -1;
	}
	if (check_private(fd, q->dir, sub, e) == -1) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

struct ht_queue *
ht_queue_open(const char *dir, int create, struct ht_err *e)
{
	struct ht_queue *q;
	int *fds[4];
	int made = 0;
	size_t i;

	if ((q = calloc(1, sizeof *q)) == NULL ||
	    (q->dir = strdup(dir)) == NULL) {
		free(q);
		ht_queue_sys_err(e, ENOMEM, dir);
		return NULL;
	}
	q->dfd = q->tmpfd = q->newfd = q->failfd = q->sentfd = q->lockfd = -1;
	fds[0] = &q->tmpfd;
	fds[1] = &q->newfd;
	fds[2] = &q->failfd;
	fds[3] = &q->sentfd;
	if (create && mkdir(dir, 0700) == 0) {
		if (sync_parent(dir, e) == -1)
			goto fail;
	} else if (create && errno != EEXIST) {
		ht_queue_sys_err(e, errno, dir);
		goto fail;
	}
	if ((q->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		ht_queue_sys_err(e, errno, dir);
		goto fail;
	}
	if (check_private(q->dfd, dir, "", e) == -1)
		goto fail;
	for (i = 0; i < 4; i++)
		if ((*fds[i] = open_sub(q, subdirs[i], create, &made, e)) ==
		    -1)
			goto fail;
	if (made && ht_queue_fsync_dir(q->dfd, dir, e) == -1)
		goto fail;
	return q;
fail:
	ht_queue_close(q);
	return NULL;
}

void
ht_queue_close(struct ht_queue *q)
{
	if (q == NULL)
		return;
	ht_queue_unlock(q);
	if (q->dfd != -1)
		(void)close(q->dfd);
	if (q->tmpfd != -1)
		(void)close(q->tmpfd);
	if (q->newfd != -1)
		(void)close(q->newfd);
	if (q->failfd != -1)
		(void)close(q->failfd);
	if (q->sentfd != -1)
		(void)close(q->sentfd);
	free(q->dir);
	free(q);
}

const char *
ht_queue_dir(const struct ht_queue *q)
{
	return q->dir;
}

static int
sub_fd(const struct ht_queue *q, int which)
{
	return which == HT_QUEUE_FAILED ? q->failfd : q->newfd;
}

static const char *
sub_name(int which)
{
	return which == HT_QUEUE_FAILED ? "failed" : "new";
}

/* A directory stream on dfd, which stays open. */
DIR *
ht_queue_dir_stream(int dfd)
{
	DIR *d;
	int fd;

	if ((fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return NULL;
	if ((d = fdopendir(fd)) == NULL)
		(void)close(fd);
	return d;
}

int
ht_queue_has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
ht_queue_names_free(char **v, long n)
{
	long i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

long
ht_queue_names(struct ht_queue *q, int which, char ***out,
    struct ht_err *e)
{
	struct dirent *de;
	char **v = NULL, **nv;
	size_t n = 0, cap = 0;
	DIR *d;
	int err;

	*out = NULL;
	if ((d = ht_queue_dir_stream(sub_fd(q, which))) == NULL) {
		ht_queue_sys_err(e, errno, sub_name(which));
		ht_err_prefix(e, "%s", q->dir);
		return -1;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || (which == HT_QUEUE_FAILED &&
		    ht_queue_has_suffix(de->d_name, ".reason")))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(v, cap * sizeof *v)) == NULL) {
				errno = ENOMEM;
				goto out;
			}
			v = nv;
		}
		if ((v[n] = strdup(de->d_name)) == NULL) {
			errno = ENOMEM;
			goto out;
		}
		n++;
		errno = 0;
	}
out:
	/* The end of the directory, or errno why not. */
	if ((err = errno) != 0) {
		ht_queue_sys_err(e, err, sub_name(which));
		if (err != ENOMEM)
			ht_err_prefix(e, "%s", q->dir);
		(void)closedir(d);
		ht_queue_names_free(v, (long)n);
		return -1;
	}
	(void)closedir(d);
	if (n > 0)
		qsort(v, n, sizeof *v, cmp_names);
	*out = v;
	return (long)n;
}

int
ht_queue_reason(struct ht_queue *q, const char *name, char *buf, size_t len,
    struct ht_err *e)
{
	char rname[HT_QUEUE_NAME_MAX + 16];
	ssize_t n;
	int fd;

	if (len == 0 || strchr(name, '/') != NULL ||
	    (size_t)snprintf(rname, sizeof rname, "%s.reason", name) >=
	    sizeof rname) {
		(void)ht_err_fail(e, EX_DATAERR, "%s: not an item name", name);
		return -1;
	}
	if ((fd = openat(q->failfd, rname, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW | O_NONBLOCK)) == -1)
		return ht_queue_sys_err(e, errno, rname);
	n = read(fd, buf, len - 1);
	(void)close(fd);
	if (n == -1)
		return ht_queue_sys_err(e, errno, rname);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Whether new/ holds an item of the event key. */
static int
key_queued(struct ht_queue *q, const char *key, struct ht_err *e)
{
	struct dirent *de;
	struct qname qn;
	int found = 0;
	DIR *d;

	if ((d = ht_queue_dir_stream(q->newfd)) == NULL)
		return ht_queue_sys_err(e, errno, "new");
	while ((de = readdir(d)) != NULL)
		if (ht_queue_parse_name(de->d_name, &qn, NULL) == 0 &&
		    strcmp(qn.key, key) == 0) {
			found = 1;
			break;
		}
	(void)closedir(d);
	return found;
}

int
ht_queue_exists_at(int dfd, const char *name)
{
	struct stat st;

	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/*
 * o[key] = value, unless value is NULL: 0, or -1 and e (65: not UTF-8,
 * named what; 71: out of memory).
 */
static int
item_set(json_t *o, const char *key, const char *value, const char *what,
    struct ht_err *e)
{
	char msg[64];
	json_t *s;

	if (value == NULL)
		return 0;
	if ((s = json_string(value)) == NULL) {
		(void)snprintf(msg, sizeof msg, "%s is not valid UTF-8", what);
		return data_err(e, msg, NULL);
	}
	if (json_object_set_new(o, key, s) == -1) {
		ht_queue_sys_err(e, ENOMEM, "item");
		return -1;
	}
	return 0;
}

/* The item's JSON text, newline-terminated.  caller frees. */
static char *
item_encode(const char *text, const char *reply_to, const char *id,
    const json_t *card, long long enqueued, long long attempts, const char *last_error,
    size_t *len, struct ht_err *e)
{
	json_t *o;
	char *buf = NULL, *nb = NULL;
	size_t n = 0;

	if ((o = json_object()) == NULL) {
		ht_queue_sys_err(e, ENOMEM, "item");
		return NULL;
	}
	if (item_set(o, "text", text, "text", e) == -1 ||
	    item_set(o, "reply_to", reply_to, "reply_to", e) == -1 ||
	    item_set(o, "id", id, "event id", e) == -1)
		goto out;
	if (card != NULL && json_object_set_new(o, "card",
	    json_deep_copy(card)) == -1) {
		ht_queue_sys_err(e, ENOMEM, "item");
		goto out;
	}
	if (json_object_set_new(o, "enqueued", json_integer(enqueued)) == -1 ||
	    json_object_set_new(o, "attempts", json_integer(attempts)) == -1 ||
	    (last_error != NULL && *last_error != '\0' &&
	    json_object_set_new(o, "last_error",
	    json_string(last_error)) == -1) ||
	    (buf = json_dumps(o, JSON_COMPACT)) == NULL ||
	    (nb = realloc(buf, (n = strlen(buf)) + 2)) == NULL) {
		free(buf);
		ht_queue_sys_err(e, ENOMEM, "item");
		goto out;
	}
	nb[n] = '\n';
	nb[n + 1] = '\0';
	*len = n + 1;
out:
	json_decref(o);
	return nb;
}

int
ht_queue_add(struct ht_queue *q, const struct ht_qpost *p, char *name,
    size_t namelen, struct ht_err *e)
{
	char key[KEY_LEN + 1] = "", nm[HT_QUEUE_NAME_MAX], *buf = NULL;
	size_t len;
	int r, tries, lockfd = -1, rv = -1;

	if (namelen > 0)
		*name = '\0';
	if (p->text == NULL || *p->text == '\0')
		return data_err(e, "empty post", NULL);
	if ((buf = item_encode(p->text, p->reply_to,
	    p->id != NULL && *p->id != '\0' ? p->id : NULL, p->card,
	    (long long)time(NULL), 0, NULL, &len, e)) == NULL)
		return -1;
	if (len > HT_QUEUE_ITEM_MAX) {
		data_err(e, "post too large to queue", NULL);
		goto out;
	}
	if (p->id != NULL && *p->id != '\0') {
		id_key(p->id, key);
		/*
		 * Docker Hub delivers one push several times at once (a burst
		 * per multi-arch push): adders of an event take .addlock, so
		 * that the check and the add are one step and one of them
		 * queues it.  (X's duplicate check stays the last guard.)
		 */
		if ((lockfd = openat(q->dfd, ".addlock", O_RDWR | O_CREAT |
		    O_CLOEXEC | O_NOFOLLOW, 0600)) == -1 ||
		    flock(lockfd, LOCK_EX) == -1) {
			ht_queue_sys_err(e, errno, ".addlock");
			ht_err_prefix(e, "%s", q->dir);
			goto out;
		}
		if (ht_queue_exists_at(q->sentfd, key)) {
			rv = HT_QADD_SENT_ALREADY;
			goto out;
		}
		if ((r = key_queued(q, key, e)) != 0) {
			if (r == 1)
				rv = HT_QADD_QUEUED_ALREADY;
			goto out;
		}
	}
	for (tries = 0;; tries++) {
		if (make_name(nm, sizeof nm, key, e) == -1)
			goto out;
		if (write_new(q->tmpfd, nm, buf, len, e) == 0)
			break;
		if (tries >= 3 || !ht_queue_exists_at(q->tmpfd, nm)) {
			ht_err_prefix(e, "%s/tmp", q->dir);
			goto out;
		}
	}
	if (renameat(q->tmpfd, nm, q->newfd, nm) == -1) {
		r = errno;
		(void)unlinkat(q->tmpfd, nm, 0);
		ht_queue_sys_err(e, r, nm);
		ht_err_prefix(e, "%s/new", q->dir);
		goto out;
	}
	/* From here on the post is queued, even if the sync fails. */
	if (ht_queue_fsync_dir(q->newfd, "new", e) == -1) {
		ht_err_prefix(e, "%s", q->dir);
		goto out;
	}
	if ((size_t)snprintf(name, namelen, "%s", nm) >= namelen) {
		(void)ht_err_fail(e, EX_SOFTWARE, "item name buffer too small");
		goto out;
	}
	rv = HT_QADD_QUEUED;
out:
	if (lockfd != -1)
		(void)close(lockfd);	/* and with it the lock */
	free(buf);
	return rv;
}

/* Read a whole item file, at most HT_QUEUE_ITEM_MAX bytes.  caller frees. */
char *
ht_queue_read_item(int fd, size_t *len, int *err)
{
	char *buf;
	size_t n = 0;
	ssize_t r;

	if ((buf = malloc(HT_QUEUE_ITEM_MAX + 1)) == NULL) {
		*err = ENOMEM;
		return NULL;
	}
	for (;;) {
		r = read(fd, buf + n, HT_QUEUE_ITEM_MAX + 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			*err = errno;
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > HT_QUEUE_ITEM_MAX) {
			*err = EFBIG;
			free(buf);
			return NULL;
		}
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int
opt_string(json_t *o, const char *key, char **out, struct ht_err *e)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return data_err(e, "is not a string", key);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return data_err(e, "holds a NUL character", key);
	if ((*out = strdup(json_string_value(v))) == NULL)
		return ht_queue_sys_err(e, ENOMEM, "item");
	return 0;
}

static int
opt_count(json_t *o, const char *key, long long def, long long *out,
    struct ht_err *e)
{
	json_t *v = json_object_get(o, key);

	*out = def;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return data_err(e, "is not a count", key);
	*out = json_integer_value(v);
	return 0;
}

/* Decode an item file into it (text, reply_to, id, counts). */
int
ht_queue_item_decode(const char *buf, size_t len, long long namesec,
    struct ht_qitem *it, struct ht_err *e)
{
	json_error_t jerr;
	json_t *o, *v;
	int rv = -1;

	if (len == 0)
		return data_err(e, "empty file", NULL);
	if ((o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		ht_err_set(e, "invalid JSON: %d:%d: %s", jerr.line,
		    jerr.column, jerr.text);
		if (e != NULL)
			e->status = EX_DATAERR;
		return -1;
	}
	if (!json_is_object(o)) {
		data_err(e, "not a JSON object", NULL);
		goto out;
	}
	if ((v = json_object_get(o, "text")) == NULL || !json_is_string(v) ||
	    json_string_length(v) == 0) {
		data_err(e, "no \"text\" string", NULL);
		goto out;
	}
	if (opt_string(o, "text", &it->text, e) == -1 ||
	    opt_string(o, "reply_to", &it->reply_to, e) == -1 ||
	    opt_string(o, "id", &it->id, e) == -1 ||
	    opt_count(o, "enqueued", namesec, &it->enqueued, e) == -1 ||
	    opt_count(o, "attempts", 0, &it->attempts, e) == -1)
		goto out;
	if (it->id != NULL && *it->id == '\0') {
		free(it->id);
		it->id = NULL;
	}
	/* The card is checked where it is used (bsky.h: ht_bsky_embed). */
	if (json_is_object(v = json_object_get(o, "card")))
		it->card = json_incref(v);
	if ((v = json_object_get(o, "last_error")) != NULL &&
	    json_is_string(v))
		(void)snprintf(it->last_error, sizeof it->last_error, "%s",
		    json_string_value(v));
	rv = 0;
out:
	json_decref(o);
	return rv;
}

static void
item_free(struct ht_qitem *it)
{
	if (it == NULL)
		return;
	if (it->fd != -1)
		(void)close(it->fd);
	free(it->text);
	free(it->reply_to);
	free(it->id);
	json_decref(it->card);
	free(it);
}

void
ht_queue_release(struct ht_qitem *it)
{
	item_free(it);
}

/*
 * Move fromdfd/name to failed/name, why in failed/name.reason (written
 * first: a crash in between leaves the item where it was).  A name too
 * long to take ".reason" (not one this library made) is given a new one.
 */
int
ht_queue_move_failed(struct ht_queue *q, int fromdfd, const char *name,
    const char *why, struct ht_err *e)
{
	char to[HT_QUEUE_NAME_MAX], rname[HT_QUEUE_NAME_MAX + 16], *text;
	size_t n;
	int rv = -1;

	if (strlen(name) < sizeof to)
		(void)snprintf(to, sizeof to, "%s", name);
	else if (make_name(to, sizeof to, "", e) == -1)
		return -1;
	(void)snprintf(rname, sizeof rname, "%s.reason", to);
	n = strlen(why) + strlen(name) + 16;
	if ((text = malloc(n)) == NULL)
		return ht_queue_sys_err(e, ENOMEM, name);
	if (strcmp(to, name) == 0)
		(void)snprintf(text, n, "%s\n", why);
	else
		(void)snprintf(text, n, "%s (was %s)\n", why, name);
	if (replace_file(q, "reason", q->failfd, rname, text, strlen(text),
	    e) == -1)
		goto out;
	if (renameat(fromdfd, name, q->failfd, to) == -1) {
		ht_queue_sys_err(e, errno, name);
		goto out;
	}
	if (ht_queue_fsync_dir(q->failfd, "failed", e) == -1 ||
	    ht_queue_fsync_dir(fromdfd, name, e) == -1)
		goto out;
	rv = 0;
out:
	if (rv == -1)
		ht_err_prefix(e, "%s", q->dir);
	free(text);
	return rv;
}

/*
 * new/name is not an item (what): moved to failed/ with the reason.
 * HT_QTAKE_CORRUPT and e saying why, or -1.
 */
static int
take_corrupt(struct ht_queue *q, const char *name, const char *what,
    struct ht_err *e)
{
	char why[sizeof e->msg + 32];

	(void)snprintf(why, sizeof why, "corrupt item: %s", what);
	if (ht_queue_move_failed(q, q->newfd, name, why, e) == -1)
		return -1;
	(void)ht_err_fail(e, EX_DATAERR, "%s", why);
	return HT_QTAKE_CORRUPT;
}

int
ht_queue_take(struct ht_queue *q, const char *name, struct ht_qitem **out,
    struct ht_err *e)
{
	struct ht_qitem *it;
	struct ht_err de;
	struct qname qn;
	struct stat st, st2;
	char key[KEY_LEN + 1], *buf = NULL;
	size_t len = 0;
	int err, rv = -1;

	*out = NULL;
	if (*name == '\0' || *name == '.' || strchr(name, '/') != NULL) {
		(void)ht_err_fail(e, EX_DATAERR, "%s: not an item name", name);
		return -1;
	}
	if ((it = calloc(1, sizeof *it)) == NULL)
		return ht_queue_sys_err(e, ENOMEM, name);
	it->fd = -1;
	if ((size_t)snprintf(it->name, sizeof it->name, "%s", name) >=
	    sizeof it->name) {
		free(it);
		/* Not a name this library makes: move it out of the way. */
		return take_corrupt(q, name, "name too long", e);
	}
	it->fd = openat(q->newfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK);
	if (it->fd == -1) {
		err = errno;
		item_free(it);
		if (err == ENOENT)
			return HT_QTAKE_GONE;
		if (err == ELOOP)
			return take_corrupt(q, name, "a symbolic link", e);
		ht_queue_sys_err(e, err, name);
		ht_err_prefix(e, "%s/new", q->dir);
		return -1;
	}
	if (flock(it->fd, LOCK_EX | LOCK_NB) == -1) {
		err = errno;
		item_free(it);
		if (err == EWOULDBLOCK)
			return HT_QTAKE_BUSY;
		ht_queue_sys_err(e, err, name);
		ht_err_prefix(e, "%s/new: lock", q->dir);
		return -1;
	}
	/* The lock is ours: is the file still the queued item? */
	if (fstat(it->fd, &st) == -1 ||
	    fstatat(q->newfd, name, &st2, AT_SYMLINK_NOFOLLOW) == -1 ||
	    st.st_ino != st2.st_ino || st.st_dev != st2.st_dev) {
		item_free(it);
		return HT_QTAKE_GONE;
	}
	ht_err_clear(&de);
	if (ht_queue_parse_name(name, &qn, NULL) == -1)
		ht_err_set(&de, "not an item name");
	else if (!S_ISREG(st.st_mode))
		ht_err_set(&de, "not a regular file");
	else if ((buf = ht_queue_read_item(it->fd, &len, &err)) == NULL)
		ht_err_set(&de, "%s", err == EFBIG ?
		    "larger than the largest item" : strerror(err));
	else if (ht_queue_item_decode(buf, len, qn.sec, it, &de) == 0) {
		if (it->id != NULL) {
			id_key(it->id, key);
			if (ht_queue_exists_at(q->sentfd, key)) {
				/* Posted before, by another item. */
				if (unlinkat(q->newfd, name, 0) == -1) {
					ht_queue_sys_err(e, errno, name);
					goto out;
				}
				(void)ht_queue_fsync_dir(q->newfd, "new", NULL);
				rv = HT_QTAKE_SENT;
				goto out;
			}
		}
		*out = it;
		it = NULL;
		rv = HT_QTAKE_OK;
		goto out;
	}
	/* Corrupt: out of the queue, with the reason, still locked. */
	rv = take_corrupt(q, name, de.msg, e);
out:
	free(buf);
	item_free(it);
	return rv;
}

int
ht_queue_done(struct ht_queue *q, struct ht_qitem *it, struct ht_err *e)
{
	char key[KEY_LEN + 1];
	int fd, rv = -1;

	/*
	 * The marker first: a crash before the removal then drops the item
	 * instead of sending it again.  It only saves X a duplicate, so a
	 * marker that cannot be written does not stop the removal.
	 */
	if (it->id != NULL)
		id_key(it->id, key);
	if (it->id != NULL && (fd = openat(q->sentfd, key, O_WRONLY |
	    O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600)) != -1) {
		(void)ht_write_all(fd, it->id, strlen(it->id));
		(void)ht_write_all(fd, "\n", 1);
		(void)close(fd);
	}
	if (unlinkat(q->newfd, it->name, 0) == -1 && errno != ENOENT) {
		ht_queue_sys_err(e, errno, it->name);
		ht_err_prefix(e, "%s/new", q->dir);
		goto out;
	}
	if (ht_queue_fsync_dir(q->newfd, "new", e) == -1) {
		ht_err_prefix(e, "%s", q->dir);
		goto out;
	}
	rv = 0;
out:
	item_free(it);
	return rv;
}

int
ht_queue_keep(struct ht_queue *q, struct ht_qitem *it, const char *why,
    struct ht_err *e)
{
	char *buf;
	size_t len;
	int rv = -1;

	/* The lock stays on the old file until it is closed, after this. */
	if ((buf = item_encode(it->text, it->reply_to, it->id, it->card,
	    it->enqueued,
	    it->attempts + 1, why, &len, e)) == NULL)
		goto out;
	if (replace_file(q, it->name, q->newfd, it->name, buf, len, e) == -1 ||
	    ht_queue_fsync_dir(q->newfd, "new", e) == -1) {
		ht_err_prefix(e, "%s", q->dir);
		goto out;
	}
	rv = 0;
out:
	free(buf);
	item_free(it);
	return rv;
}

int
ht_queue_fail(struct ht_queue *q, struct ht_qitem *it, const char *why,
    struct ht_err *e)
{
	int rv;

	rv = ht_queue_move_failed(q, q->newfd, it->name, why, e);
	item_free(it);
	return rv;
}

int
ht_queue_add_failed(struct ht_queue *q, const char *id, const char *event,
    const char *why, char *name, size_t namelen, struct ht_err *e)
{
	char key[KEY_LEN + 1] = "", nm[HT_QUEUE_NAME_MAX], *buf = NULL;
	json_error_t jerr;
	json_t *o = NULL, *ev;
	size_t len;
	int rv = -1;

	if (namelen > 0)
		*name = '\0';
	if ((ev = json_loads(event, JSON_DECODE_ANY, &jerr)) == NULL)
		return data_err(e, "the event is not JSON", NULL);
	if ((o = json_pack("{s:o,s:I,s:I,s:s}", "event", ev, "enqueued",
	    (json_int_t)time(NULL), "attempts", (json_int_t)0, "last_error",
	    why)) == NULL ||
	    (id != NULL && *id != '\0' && json_object_set_new(o, "id",
	    json_string(id)) == -1) ||
	    (buf = json_dumps(o, JSON_COMPACT)) == NULL) {
		ht_queue_sys_err(e, ENOMEM, "item");
		goto out;
	}
	len = strlen(buf);
	if (len > HT_QUEUE_ITEM_MAX) {
		data_err(e, "event too large to keep", NULL);
		goto out;
	}
	if (id != NULL && *id != '\0')
		id_key(id, key);
	if (make_name(nm, sizeof nm, key, e) == -1)
		goto out;
	if (write_new(q->tmpfd, nm, buf, len, e) == -1) {
		ht_err_prefix(e, "%s/tmp", q->dir);
		goto out;
	}
	if (ht_queue_move_failed(q, q->tmpfd, nm, why, e) == -1) {
		(void)unlinkat(q->tmpfd, nm, 0);
		goto out;
	}
	if ((size_t)snprintf(name, namelen, "%s", nm) >= namelen) {
		(void)ht_err_fail(e, EX_SOFTWARE, "item name buffer too small");
		goto out;
	}
	rv = 0;
out:
	json_decref(o);
	free(buf);
	return rv;
}

/* failed/NAME.reason, when there is one, is removed: NAME is leaving. */
static int
drop_reason(struct ht_queue *q, const char *name, struct ht_err *e)
{
	char rname[HT_QUEUE_NAME_MAX + 16];

	if ((size_t)snprintf(rname, sizeof rname, "%s.reason", name) >=
	    sizeof rname)
		return 0;
	if (unlinkat(q->failfd, rname, 0) == -1 && errno != ENOENT) {
		ht_queue_sys_err(e, errno, rname);
		ht_err_prefix(e, "%s/failed", q->dir);
		return -1;
	}
	return 0;
}

int
ht_queue_retry(struct ht_queue *q, const char *name, char **event,
    struct ht_err *e)
{
	json_error_t jerr;
	json_t *o = NULL, *ev;
	char *buf = NULL;
	size_t len = 0;
	int fd, err, rv = -1;

	*event = NULL;
	if (*name == '\0' || *name == '.' || strchr(name, '/') != NULL ||
	    ht_queue_has_suffix(name, ".reason")) {
		(void)ht_err_fail(e, EX_DATAERR, "%s: not an item name", name);
		return -1;
	}
	if ((fd = openat(q->failfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK)) == -1) {
		ht_queue_sys_err(e, errno, name);
		ht_err_prefix(e, "%s/failed", q->dir);
		return -1;
	}
	buf = ht_queue_read_item(fd, &len, &err);
	(void)close(fd);
	if (buf == NULL) {
		ht_queue_sys_err(e, err, name);
		ht_err_prefix(e, "%s/failed", q->dir);
		return -1;
	}
	o = json_loadb(buf, len, 0, &jerr);
	ev = json_object_get(o, "event");
	if (ev != NULL && !json_is_string(json_object_get(o, "text"))) {
		/* Never rendered: the caller passes it on to be. */
		if ((*event = json_dumps(ev, JSON_COMPACT |
		    JSON_ENCODE_ANY)) == NULL) {
			ht_queue_sys_err(e, ENOMEM, name);
			goto out;
		}
		rv = 1;
		goto out;
	}
	/* A post (or what is left of one): queued again, as it was. */
	if (renameat(q->failfd, name, q->newfd, name) == -1) {
		ht_queue_sys_err(e, errno, name);
		ht_err_prefix(e, "%s/failed", q->dir);
		goto out;
	}
	if (drop_reason(q, name, e) == -1 ||
	    ht_queue_fsync_dir(q->newfd, "new", e) == -1 ||
	    ht_queue_fsync_dir(q->failfd, "failed", e) == -1) {
		ht_err_prefix(e, "%s", q->dir);
		goto out;
	}
	rv = 0;
out:
	json_decref(o);
	free(buf);
	return rv;
}

int
ht_queue_drop_failed(struct ht_queue *q, const char *name, struct ht_err *e)
{
	if (*name == '\0' || *name == '.' || strchr(name, '/') != NULL) {
		(void)ht_err_fail(e, EX_DATAERR, "%s: not an item name", name);
		return -1;
	}
	if (unlinkat(q->failfd, name, 0) == -1 && errno != ENOENT) {
		ht_queue_sys_err(e, errno, name);
		ht_err_prefix(e, "%s/failed", q->dir);
		return -1;
	}
	if (drop_reason(q, name, e) == -1)
		return -1;
	if (ht_queue_fsync_dir(q->failfd, "failed", e) == -1) {
		ht_err_prefix(e, "%s", q->dir);
		return -1;
	}
	return 0;
}

json_t *
ht_queue_item_json(struct ht_queue *q, int which, const char *name,
    struct ht_err *e)
{
	json_error_t jerr;
	json_t *o;
	char *buf;
	size_t len = 0;
	int fd, err;

	if (*name == '\0' || *name == '.' || strchr(name, '/') != NULL) {
		(void)ht_err_fail(e, EX_DATAERR, "%s: not an item name", name);
		return NULL;
	}
	if ((fd = openat(sub_fd(q, which), name, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW | O_NONBLOCK)) == -1) {
		ht_queue_sys_err(e, errno, name);
		return NULL;
	}
	buf = ht_queue_read_item(fd, &len, &err);
	(void)close(fd);
	if (buf == NULL) {
		ht_queue_sys_err(e, err, name);
		return NULL;
	}
	o = json_loadb(buf, len, 0, &jerr);
	free(buf);
	if (!json_is_object(o)) {
		json_decref(o);
		data_err(e, "not an item", name);
		return NULL;
	}
	return o;
}

int
ht_queue_lock(struct ht_queue *q, struct ht_err *e)
{
	int fd;

	if (q->lockfd != -1)
		return 0;
	fd = openat(q->dfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1) {
		ht_queue_sys_err(e, errno, ".lock");
		ht_err_prefix(e, "%s", q->dir);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		int err = errno;

		(void)close(fd);
		if (err == EWOULDBLOCK)
			return 1;
		ht_queue_sys_err(e, err, ".lock");
		ht_err_prefix(e, "%s", q->dir);
		return -1;
	}
	q->lockfd = fd;
	return 0;
}

void
ht_queue_unlock(struct ht_queue *q)
{
	if (q->lockfd != -1) {
		(void)close(q->lockfd);
		q->lockfd = -1;
	}
}

int
ht_queue_hold(struct ht_queue *q, time_t until, struct ht_err *e)
{
	char buf[32];
	int n;

	n = snprintf(buf, sizeof buf, "%lld\n", (long long)until);
	if (replace_file(q, "ratelimit", q->dfd, "ratelimit", buf, (size_t)n,
	    e) == -1) {
		ht_err_prefix(e, "%s", q->dir);
		return -1;
	}
	return 0;
}

time_t
ht_queue_held(struct ht_queue *q, time_t now, struct ht_err *e)
{
	char buf[32];
	long long v;
	ssize_t n;
	int fd;

	if ((fd = openat(q->dfd, "ratelimit", O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1) {
		if (errno == ENOENT)
			return 0;
		ht_queue_sys_err(e, errno, "ratelimit");
		ht_err_prefix(e, "%s", q->dir);
		return -1;
	}
	n = read(fd, buf, sizeof buf - 1);
	(void)close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	/* Only advice: a file that says nothing sensible holds nothing. */
	if (ht_parse_num(buf, 0, 99999999999LL, &v) == -1 || v <= now)
		return 0;
	/*
	 * X's windows are 15 minutes, its daily limits a day: a later time is
	 * a broken clock or file, and must not block the queue for ever.
	 */
	if (v > (long long)now + 86400)
		v = (long long)now + 86400;
	return (time_t)v;
}

int
ht_queue_block(struct ht_queue *q, const char *why, struct ht_err *e)
{
	char buf[256];
	size_t n;

	/* Its first line, cut to fit: a reason, not data. */
	(void)snprintf(buf, sizeof buf - 1, "%s", why);
	n = strcspn(buf, "\n");
	buf[n++] = '\n';
	if (replace_file(q, "blocked", q->dfd, "blocked", buf, n, e) == -1) {
		ht_err_prefix(e, "%s", q->dir);
		return -1;
	}
	return 0;
}

int
ht_queue_unblock(struct ht_queue *q, struct ht_err *e)
{
	if (unlinkat(q->dfd, "blocked", 0) == -1 && errno != ENOENT) {
		ht_queue_sys_err(e, errno, "blocked");
		ht_err_prefix(e, "%s", q->dir);
		return -1;
	}
	return 0;
}

int
ht_queue_blocked(struct ht_queue *q, char *buf, size_t len, time_t *since,
    struct ht_err *e)
{
	struct stat st;
	ssize_t n;
	int fd;

	if (len == 0)
		return 0;
	*buf = '\0';
	*since = 0;
	if ((fd = openat(q->dfd, "blocked", O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW | O_NONBLOCK)) == -1) {
		if (errno == ENOENT)
			return 0;
		ht_queue_sys_err(e, errno, "blocked");
		ht_err_prefix(e, "%s", q->dir);
		return -1;
	}
	if (fstat(fd, &st) == -1 || (n = read(fd, buf, len - 1)) == -1) {
		ht_queue_sys_err(e, errno, "blocked");
		ht_err_prefix(e, "%s", q->dir);
		(void)close(fd);
		*buf = '\0';
		return -1;
	}
	(void)close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	/* An empty file still says the queue is blocked. */
	if (*buf == '\0')
		(void)snprintf(buf, len, "blocked");
	*since = st.st_mtime;
	return 0;
}
