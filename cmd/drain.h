/*
 * drain — dh-parse's side of the spool: closed groups' events passed on to
 * a command (dh-hook gives one format-and-post pipeline per network),
 * which says by its exit status whether it took them, as postfix's pipe(8)
 * hears a delivery agent.
 *
 * The command is run once for a batch: every group closed at that moment,
 * one event per line on its standard input.  Exit 0 or 75 (posted, or in
 * the post queue) removes the batch's groups from the spool; anything else
 * keeps them, with the command's last line of stderr as the reason, for
 * dh-hook --flush.  Before that, each group's event is judged against the
 * memory of releases (group.h, releases.h), which stays locked until the
 * batch is settled: a repeat or a late alias is removed, not posted, and
 * logged with the earlier release's id; what the command took is
 * remembered.  A batch passed on twice is posted once: the post
 * queue knows each event id.
 *
 * One process at a time drains a burst (ht_spool_lock_drain): the first
 * delivery that finds the spool's drain free passes groups on as their
 * windows close, at most one batch a second, and stops when no group is
 * left to wait for; every other delivery only puts.  So a burst of
 * deliveries costs one command run a second, whose posters keep one
 * connection to each network.
 *
 * Each function logs what it does and returns an exit status (0, 75 kept,
 * or another sysexits status).
 */
#ifndef HT_DRAIN_H
#define HT_DRAIN_H

#include <jansson.h>

/* The pause between two batches of one drain, in milliseconds. */
#define DRAIN_PAUSE_MS	1000

/*
 * The networks' credentials, for the command: kept here, out of this
 * process's environment (which /proc shows while it waits for a window),
 * and given to the command alone.  -1 when out of memory.
 */
int	drain_keep_secrets(void);
void	drain_forget_secrets(void);

/*
 * dh-parse -D: every closed group, those kept before too, in one batch.
 * repeat: how long the memory of releases in dir remembers (group.h).
 */
int	drain_all(const char *dir, long long repeat, int dry, char *const cmd[]);

/*
 * dh-parse -D -W, after a delivery is put: unless another process drains
 * dir, drain it until no group is left open or untried (drain_stay
 * first).
 */
int	drain_burst(const char *dir, long long repeat, int dry,
	    char *const cmd[]);

/*
 * Stay for the drain: a SIGTERM (socat's, once the connection is closed)
 * is noted and ignored from now on; the command still dies of one.
 */
void	drain_stay(void);

#endif
