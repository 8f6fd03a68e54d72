/*
 * poster — the command side that mastodon-post and bsky-post share:
 * options, reading posts (operands, all of stdin, -0, --json lines with
 * event ids), checking each against the network's length rule, --dry-run,
 * sending through the posting engine (post.h), printing what became of
 * each post, the exit status.  A tool supplies its network: its name, its
 * texts, and how to make it from the config.
 */
#ifndef HT_POSTER_H
#define HT_POSTER_H

#include "conf.h"
#include "net.h"
#include "postlen.h"

struct poster {
	const char *prog;	/* "mastodon-post" */
	enum ht_network net;
	const char *usage;	/* the usage line(s), "usage: ...\n" */
	const char *help;	/* what follows it in --help */
	const char *timeout;	/* the setting of a request's timeout */
	/* The endpoint a dry run names (borrowed from conf or static). */
	const char *(*endpoint)(const struct ht_conf *);
	/* The length rule of posts (from the config). */
	void	(*rule)(const struct ht_conf *, struct ht_lenrule *);
	/*
	 * The network, its credentials read from conf (and the
	 * environment) and wiped there; NULL and e (status 78 when one is
	 * missing) when it cannot be made.
	 */
	struct ht_net *(*make)(struct ht_conf *, struct ht_err *e);
};

/* main() of a posting tool. */
int	poster_main(const struct poster *, int argc, char *argv[]);

/*
 * The state directory (ht_conf_state_dir), made (mode 700) when missing.
 * NULL when there is none.  Caller frees.
 */
char	*poster_state_dir(void);

#endif
