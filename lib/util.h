/*
 * util — small process and I/O helpers every tool uses.
 */
#ifndef HT_UTIL_H
#define HT_UTIL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdio.h>

#include "err.h"

/* Make sure fds 0, 1 and 2 are open (on /dev/null if they were closed). */
int	ht_fds_ensure(void);
/* Write all of buf to fd, retrying short writes and EINTR. */
int	ht_write_all(int fd, const void *buf, size_t len);
/*
 * Replace the file path by buf[0..len), mode mode: written to a temporary
 * file beside it, synced, and renamed over it, so that a reader sees the
 * old file or the new one, whole.  0, or -1 and e.
 */
int	ht_file_replace(const char *path, const char *buf, size_t len,
	    mode_t mode, struct ht_err *e);
/*
 * Fill buf with len random bytes from the kernel (getrandom(2), which
 * waits for its pool to be ready once after boot).  0, or -1 and errno.
 */
int	ht_random(void *buf, size_t len);
/*
 * Flush and check a stdio stream at exit, so that a full disk or a closed
 * pipe is never reported as success.  Returns 0, or -1 with e set.
 */
int	ht_stream_finish(FILE *, const char *name, struct ht_err *e);
/*
 * --help and --version: the usage and help texts, or "prog VERSION", on
 * stdout; returns the exit status (0, or EX_IOERR, said on stderr, if
 * stdout failed).
 */
int	ht_print_help(const char *usage, const char *help);
int	ht_print_version(const char *prog);
/* The value of a hexadecimal digit, or -1. */
int	ht_hexval(int c);
/* len without a final newline, and a CR before it (a file's last line). */
size_t	ht_line_end(const char *buf, size_t len);
/* Milliseconds on CLOCK_MONOTONIC. */
long long ht_now_ms(void);
/* mkdir -p: each missing directory of path made with mode; 0, or -1. */
int	ht_mkdirs(const char *path, mode_t mode);
/* Sleep ms milliseconds (at most; nothing when ms <= 0). */
void	ht_sleep_ms(long long ms);
/*
 * Decode len bytes of form-encoded s in place ('+' is a space, %XX a byte;
 * a '%' not followed by two hex digits is kept as it is).  Returns the new
 * length.
 */
size_t	ht_form_decode(char *s, size_t len);

/*
 * A growing byte buffer, NUL-terminated once anything was added (p is
 * NULL before); caller frees p.  oom remembers a failed allocation: later
 * adds do nothing, so that a caller may check once at the end.
 */
struct ht_buf {
	char *p;
	size_t len, cap;
	int oom;
};
/* 0, or -1 when out of memory (now or before). */
int	ht_buf_add(struct ht_buf *, const char *s, size_t n);
/*
 * Room for n more bytes and a NUL: the capacity doubled (from 64) until
 * it is enough, but not past max bytes (0: no bound) when max is enough.
 * 0, or -1 when out of memory (now or before).
 */
int	ht_buf_room(struct ht_buf *, size_t n, size_t max);
int	ht_buf_str(struct ht_buf *, const char *s);

/* Parse a non-negative decimal number within [min, max]. */
int	ht_parse_num(const char *s, long long min, long long max,
	    long long *out);

/*
 * Whether the directory open on fd (named name, for the message) is ours
 * alone to write to, as ssh asks of its files: owned by the effective user
 * and not writable by group or others.  Whoever else can write to a queue
 * or a spool can post as its owner.  0, or -1 and e (EX_NOPERM).
 */
int	ht_dir_private(int fd, const char *name, struct ht_err *e);

/*
 * Remove name from the environment, overwriting its value where it lies
 * (the initial environment, which /proc/PID/environ shows, included), so
 * that neither a child nor a reader of /proc finds it.  A value read with
 * getenv must have been copied before.
 */
void	ht_env_wipe(const char *name);
/* The same for the secrets a tool does not use (ht_env_secrets below). */
#define HT_ENV_DH	0x1	/* the webhook's: DH_KEY, GITHUB_WEBHOOK_SECRET,
				   HARBOR_AUTHORIZATION, QUAY_KEY,
				   REGISTRY_AUTHORIZATION */
#define HT_ENV_TW	0x2	/* TW_CONSUMER_KEY, ..._SECRET, TW_ACCESS_* */
#define HT_ENV_MASTODON	0x4	/* MASTODON_TOKEN */
#define HT_ENV_BSKY	0x8	/* BSKY_APP_PASSWORD */
#define HT_ENV_POST	(HT_ENV_TW | HT_ENV_MASTODON | HT_ENV_BSKY)
void	ht_env_wipe_secrets(int which);
/* The secrets of the environment, each with its HT_ENV_ flag. */
struct ht_env_secret {
	const char *name;
	int	which;
};
extern const struct ht_env_secret ht_env_secrets[];
#define HT_ENV_NSECRETS	11

#endif
