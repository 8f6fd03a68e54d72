/*
 * queue-int — what the files of the queue share and nobody else uses:
 * the queue's structure and the helpers of queue.c that queue-recover.c
 * needs.  Not an interface: see queue.h.
 */
#ifndef HT_QUEUE_INT_H
#define HT_QUEUE_INT_H

#include <dirent.h>

#include "queue.h"

#define KEY_LEN	32	/* hex digits of SHA-256 kept in names */

struct ht_queue {
	char *dir;
	int dfd, tmpfd, newfd, failfd, sentfd;
	int lockfd;		/* the flusher lock, or -1 */
};

/* The parts of an item's name. */
struct qname {
	long long sec;
	long pid;
	char key[KEY_LEN + 1];	/* "" when the post has no event id */
};

/* errno err as e ("what: strerror") with its status; returns -1. */
int	ht_queue_sys_err(struct ht_err *e, int err, const char *what);
int	ht_queue_digits(const char **s, long long max, long long *out);
DIR	*ht_queue_dir_stream(int dfd);
int	ht_queue_exists_at(int dfd, const char *name);
int	ht_queue_fsync_dir(int fd, const char *what, struct ht_err *e);
int	ht_queue_has_suffix(const char *s, const char *suf);
int	ht_queue_item_decode(const char *buf, size_t len, long long namesec,
	    struct ht_qitem *it, struct ht_err *e);
int	ht_queue_move_failed(struct ht_queue *q, int fromdfd,
	    const char *name, const char *why, struct ht_err *e);
int	ht_queue_parse_name(const char *s, struct qname *q, const char **rest);
char	*ht_queue_read_item(int fd, size_t *len, int *err);

#endif
