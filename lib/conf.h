/*
 * conf — the configuration file (libconfig syntax) and the environment.
 *
 * One file serves every tool.  It is found as DESIGN says: -c FILE, else
 * $HUBTWEET_CONFIG, else $XDG_CONFIG_HOME/hubtweet/hubtweet.conf (XDG's
 * default ~/.config when unset), else SYSCONFDIR/hubtweet.conf; the last two
 * may be absent.  Every setting is declared in one table in conf.c with its
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

struct ht_conf;

/* path: the -c option or NULL.  On error, NULL and e (status EX_CONFIG). */
struct ht_conf *ht_conf_load(const char *path, struct ht_err *e);
void	ht_conf_free(struct ht_conf *);
/* The file that was read, or NULL when none was. */
const char *ht_conf_file(const struct ht_conf *);

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
