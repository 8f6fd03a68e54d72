#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "releases.h"
#include "util.h"

#define FILE_NAME	"releases"

static int
sys_fail(struct ht_err *e, const char *what)
{
	return ht_err_fail(e, errno == ENOMEM ? EX_OSERR : EX_TEMPFAIL,
	    "%s: %s", what, strerror(errno));
}

/* DIR/releases as a JSON array into r->mem; none is an empty one. */
static int
load(struct ht_releases *r, struct ht_err *e)
{
	json_error_t je;
	struct stat st;
	int fd;

	if ((fd = openat(r->dfd, FILE_NAME, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1) {
		if (errno != ENOENT)
			return sys_fail(e, FILE_NAME);
		if ((r->mem = json_array()) == NULL)
			return ht_err_fail(e, EX_OSERR, "out of memory");
		return 0;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size > HT_RELEASES_FILE_MAX) {
		(void)close(fd);
		return ht_err_fail(e, EX_DATAERR, FILE_NAME ": %s",
		    S_ISREG(st.st_mode) ? "too large" : "not a file");
	}
	r->mem = json_loadfd(fd, JSON_REJECT_DUPLICATES, &je);
	(void)close(fd);
	if (r->mem == NULL)
		return ht_err_fail(e, EX_DATAERR, FILE_NAME ":%d: %s", je.line,
		    je.text);
	if (!json_is_array(r->mem)) {
		json_decref(r->mem);
		r->mem = NULL;
		return ht_err_fail(e, EX_DATAERR,
		    FILE_NAME ": not a list of releases");
	}
	return 0;
}

int
ht_releases_open(struct ht_releases *r, const char *dir, struct ht_err *e)
{
	r->mem = NULL;
	r->lockfd = -1;
	if ((r->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		sys_fail(e, dir);
		return -1;
	}
	if (ht_dir_private(r->dfd, dir, e) == -1)
		goto fail;
	if ((r->lockfd = openat(r->dfd, FILE_NAME ".lock", O_RDWR | O_CREAT |
	    O_CLOEXEC | O_NOFOLLOW, 0600)) == -1) {
		sys_fail(e, FILE_NAME ".lock");
		goto fail;
	}
	while (flock(r->lockfd, LOCK_EX) == -1)
		if (errno != EINTR) {
			sys_fail(e, FILE_NAME ".lock");
			goto fail;
		}
	if (load(r, e) == -1)
		goto fail;
	return 0;
fail:
	ht_err_prefix(e, "%s", dir);
	ht_releases_close(r);
	return -1;
}

int
ht_releases_save(struct ht_releases *r, struct ht_err *e)
{
	char *data;
	size_t n;
	int fd;

	if ((data = json_dumps(r->mem, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
	    NULL)
		return ht_err_fail(e, EX_OSERR, "out of memory");
	n = strlen(data);
	(void)unlinkat(r->dfd, FILE_NAME ".tmp", 0);
	if ((fd = openat(r->dfd, FILE_NAME ".tmp", O_WRONLY | O_CREAT |
	    O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) == -1) {
		free(data);
		return sys_fail(e, FILE_NAME ".tmp");
	}
	if (ht_write_all(fd, data, n) == -1 || ht_write_all(fd, "\n", 1) ==
	    -1 || fsync(fd) == -1) {
		sys_fail(e, FILE_NAME ".tmp");
		(void)close(fd);
		goto fail;
	}
	if (close(fd) == -1) {
		sys_fail(e, FILE_NAME ".tmp");
		goto fail;
	}
	if (renameat(r->dfd, FILE_NAME ".tmp", r->dfd, FILE_NAME) == -1) {
		sys_fail(e, FILE_NAME);
		goto fail;
	}
	free(data);
	/* Some file systems cannot sync a directory; they need not. */
	if (fsync(r->dfd) == -1 && errno != EINVAL)
		return sys_fail(e, FILE_NAME);
	return 0;
fail:
	(void)unlinkat(r->dfd, FILE_NAME ".tmp", 0);
	free(data);
	return -1;
}

void
ht_releases_close(struct ht_releases *r)
{
	if (r->lockfd != -1)
		(void)close(r->lockfd);
	if (r->dfd != -1)
		(void)close(r->dfd);
	json_decref(r->mem);
	r->mem = NULL;
	r->lockfd = r->dfd = -1;
}
