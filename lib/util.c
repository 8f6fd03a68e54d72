#include <errno.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

int
ht_fds_ensure(void)
{
	int fd;

	for (;;) {
		if ((fd = open("/dev/null", O_RDWR)) == -1)
			return -1;
		if (fd > 2) {
			(void)close(fd);
			return 0;
		}
	}
}

int
ht_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
ht_random(void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	/* Past 256 bytes getrandom(2) may give fewer; a signal may cut it. */
	while (len > 0) {
		n = getrandom(p, len, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
ht_stream_finish(FILE *fp, const char *name, struct ht_err *e)
{
	if (fflush(fp) == EOF || ferror(fp)) {
		return ht_err_fail(e, EX_IOERR, "%s: write error: %s", name,
		    strerror(errno != 0 ? errno : EIO));
	}
	return 0;
}

int
ht_parse_num(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* The end of --help and --version: stdout checked, a failure said. */
static int
print_finish(void)
{
	struct ht_err e;

	if (ht_stream_finish(stdout, "stdout", &e) == 0)
		return 0;
	ht_log_err(&e);
	return EX_IOERR;
}

int
ht_print_help(const char *usage, const char *help)
{
	(void)fputs(usage, stdout);
	(void)fputs(help, stdout);
	return print_finish();
}

int
ht_print_version(const char *prog)
{
	(void)printf("%s %s\n", prog, HT_VERSION);
	return print_finish();
}

int
ht_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
ht_dir_private(int fd, const char *name, struct ht_err *e)
{
	struct stat st;

	if (fstat(fd, &st) == -1) {
		ht_err_set(e, "%s: %s", name, strerror(errno));
		if (e != NULL)
			e->status = EX_OSERR;
		return -1;
	}
	if (st.st_uid != geteuid()) {
		ht_err_set(e, "%s: owned by uid %lu, not by this user (uid "
		    "%lu): whoever owns it can post; use a directory of your "
		    "own", name, (unsigned long)st.st_uid,
		    (unsigned long)geteuid());
		if (e != NULL)
			e->status = EX_NOPERM;
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		ht_err_set(e, "%s: writable by %s: anyone who can write there "
		    "can post; chmod go-w it", name, (st.st_mode & S_IWOTH) !=
		    0 ? "others" : "the group");
		if (e != NULL)
			e->status = EX_NOPERM;
		return -1;
	}
	return 0;
}

extern char **environ;

void
ht_env_wipe(const char *name)
{
	size_t n = strlen(name), i;
	char *v;

	for (i = 0; environ != NULL && environ[i] != NULL; i++)
		if (strncmp(environ[i], name, n) == 0 && environ[i][n] == '=') {
			v = environ[i] + n + 1;
			explicit_bzero(v, strlen(v));
		}
	(void)unsetenv(name);
}

const struct ht_env_secret ht_env_secrets[HT_ENV_NSECRETS] = {
	{ "DH_KEY", HT_ENV_DH },
	{ "GITHUB_WEBHOOK_SECRET", HT_ENV_DH },
	{ "HARBOR_AUTHORIZATION", HT_ENV_DH },
	{ "QUAY_KEY", HT_ENV_DH },
	{ "REGISTRY_AUTHORIZATION", HT_ENV_DH },
	{ "TW_CONSUMER_KEY", HT_ENV_TW },
	{ "TW_CONSUMER_SECRET", HT_ENV_TW },
	{ "TW_ACCESS_TOKEN", HT_ENV_TW },
	{ "TW_ACCESS_SECRET", HT_ENV_TW },
	{ "MASTODON_TOKEN", HT_ENV_MASTODON },
	{ "BSKY_APP_PASSWORD", HT_ENV_BSKY },
};

void
ht_env_wipe_secrets(int which)
{
	size_t i;

	for (i = 0; i < HT_ENV_NSECRETS; i++)
		if (ht_env_secrets[i].which & which)
			ht_env_wipe(ht_env_secrets[i].name);
}

int
ht_mkdirs(const char *path, mode_t mode)
{
	char *d;
	size_t i, n;
	int r = 0;

	if ((d = strdup(path)) == NULL)
		return -1;
	n = strlen(d);
	for (i = 1; i <= n && r == 0; i++) {
		if (d[i] != '/' && d[i] != '\0')
			continue;
		d[i] = '\0';
		if (mkdir(d, mode) == -1 && errno != EEXIST)
			r = -1;
		d[i] = i < n ? '/' : '\0';
	}
	free(d);
	return r;
}

long long
ht_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
ht_sleep_ms(long long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

size_t
ht_form_decode(char *s, size_t len)
{
	size_t i, o;
	int h, l;

	for (i = o = 0; i < len; i++) {
		if (s[i] == '+')
			s[o++] = ' ';
		else if (s[i] == '%' && i + 2 < len &&
		    (h = ht_hexval((unsigned char)s[i + 1])) != -1 &&
		    (l = ht_hexval((unsigned char)s[i + 2])) != -1) {
			s[o++] = (char)(h << 4 | l);
			i += 2;
		} else
			s[o++] = s[i];
	}
	return o;
}

int
ht_buf_room(struct ht_buf *b, size_t n, size_t max)
{
	char *np;
	size_t ncap;

	if (b->oom)
		return -1;
	if (b->len + n + 1 <= b->cap)
		return 0;
	ncap = b->cap > 0 ? b->cap : 64;
	while (ncap < b->len + n + 1)
		ncap *= 2;
	if (max >= b->len + n + 1 && ncap > max)
		ncap = max;
	if ((np = realloc(b->p, ncap)) == NULL) {
		b->oom = 1;
		return -1;
	}
	b->p = np;
	b->cap = ncap;
	return 0;
}

int
ht_buf_add(struct ht_buf *b, const char *s, size_t n)
{
	if (ht_buf_room(b, n, 0) == -1)
		return -1;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int
ht_buf_str(struct ht_buf *b, const char *s)
{
	return ht_buf_add(b, s, strlen(s));
}

size_t
ht_line_end(const char *buf, size_t len)
{
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	return len;
}

int
ht_file_replace(const char *path, const char *buf, size_t len, mode_t mode,
    struct ht_err *e)
{
	char tmp[4096];
	int fd, r = -1;

	if (snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >=
	    (int)sizeof tmp) {
		ht_err_at(e, path, 0, 0, "path too long");
		return -1;
	}
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, mode)) == -1) {
		ht_err_at(e, tmp, 0, 0, "cannot create: %s", strerror(errno));
		return -1;
	}
	if (ht_write_all(fd, buf, len) == -1 || fsync(fd) == -1) {
		ht_err_at(e, tmp, 0, 0, "cannot write: %s", strerror(errno));
		(void)close(fd);
	} else if (close(fd) == -1)
		ht_err_at(e, tmp, 0, 0, "cannot write: %s", strerror(errno));
	else if (rename(tmp, path) == -1)
		ht_err_at(e, path, 0, 0, "cannot rename %s to it: %s", tmp,
		    strerror(errno));
	else
		r = 0;
	if (r == -1)
		(void)unlink(tmp);
	return r;
}
