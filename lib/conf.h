/*
 * conf — the configuration file (libconfig syntax) and the environment.
 *
 * One file serves every tool.  It is found as DESIGN says: -c FILE, else
 * $HUBTWEET_CONFIG, else $XDG_CONFIG_HOME/hubtweet/hubtweet.conf (XDG's
 * default ~/.config when unset), else SYSCONFDIR/hubtweet/hubtweet.conf;
 * the last two may be absent.  The layout, one for every tool, recipe and
 * page (hubtweet(7)):
 *
 *   SYSCONFDIR/hubtweet/hubtweet.conf   the config (~/.config/hubtweet/ for
 *   SYSCONFDIR/hubtweet/dh-key          the webhook's key     a user)
 *   LOCALSTATEDIR/lib/hubtweet/queue    the queue, for root and services
 *                                       (~/.local/state/hubtweet/queue
 *                                       for a user)  Every setting is declared in one table in conf.c with its
 * type, range and environment variable; anything else in the file is an
 * error that names file:line.  The environment overrides the file; options
 * override both (the tools apply them).  A file that holds a secret and
 * that group or others can read is refused, as ssh refuses such keys.
 *
 * Strings returned are borrowed from the conf and live as long as it.
 */
#ifndef HT_CONF_H
#define HT_CONF_H

#include <stddef.h>

#include "err.h"

#ifndef HT_SYSCONFDIR
#define HT_SYSCONFDIR "/etc"
#endif
#ifndef HT_LOCALSTATEDIR
#define HT_LOCALSTATEDIR "/var"
#endif
#define HT_CONF_SYSTEM	HT_SYSCONFDIR "/hubtweet/hubtweet.conf"
#define HT_KEY_SYSTEM	HT_SYSCONFDIR "/hubtweet/dh-key"
#define HT_STATE_SYSTEM	HT_LOCALSTATEDIR "/lib/hubtweet"

struct ht_conf;

/* path: the -c option or NULL.  On error, NULL and e (status EX_CONFIG). */
struct ht_conf *ht_conf_load(const char *path, struct ht_err *e);
void	ht_conf_free(struct ht_conf *);
/* The file that was read, or NULL when none was. */
const char *ht_conf_file(const struct ht_conf *);
/* The file(s) searched, in words, for a message about a missing setting. */
const char *ht_conf_searched(const struct ht_conf *, char *buf, size_t len);
/*
 * The user's file of that name: $XDG_CONFIG_HOME/hubtweet/FILE or
 * ~/.config/hubtweet/FILE; NULL without a home (or memory).  caller frees.
 */
char	*ht_conf_user_path(const char *file);
/*
 * The queue when none is named: queue.dir, else $STATE_DIRECTORY/queue
 * (systemd), else HT_STATE_SYSTEM/queue for root and for the user who owns
 * HT_STATE_SYSTEM (a service's user, under inetd or cron), else
 * $XDG_STATE_HOME/hubtweet/queue or ~/.local/state/hubtweet/queue.  NULL
 * when there is none (no home).  caller frees.
 */
char	*ht_conf_queue_dir(const struct ht_conf *);
/*
 * The state directory, where the queue and other files kept between runs
 * are: $STATE_DIRECTORY, else HT_STATE_SYSTEM (root, its owner), else
 * $XDG_STATE_HOME/hubtweet or ~/.local/state/hubtweet.  NULL when there
 * is none.  caller frees.
 */
char	*ht_conf_state_dir(void);

/* Values: environment first, then the file, then def. */
const char *ht_conf_str(const struct ht_conf *, const char *name,
	    const char *def);
long long ht_conf_int(const struct ht_conf *, const char *name,
	    long long def);
int	ht_conf_bool(const struct ht_conf *, const char *name, int def);
/*
 * A list of strings.  Returns the count, and *out an array the caller frees
 * (the strings are borrowed); 0 and NULL when the setting is absent.
 * -1 when out of memory.
 */
int	ht_conf_list(const struct ht_conf *, const char *name,
	    const char ***out);
/* Whether the setting was given (in the environment or the file). */
int	ht_conf_isset(const struct ht_conf *, const char *name);

#endif
