/*
 * bsky-post — post text on Bluesky; tw-post's interface (poster.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "log.h"
#include "net-bsky.h"
#include "poster.h"
#include "util.h"

static const char usage_text[] =
    "usage: bsky-post [-0jnv] [-c file] [-q dir | -Q dir] [-T seconds] "
    "[text ...]\n"
    "       bsky-post -F [-jv] [-c file] [-Q dir] [-T seconds] [dir]\n";

static const char help_text[] =
    "Post text on Bluesky: the operands joined by spaces, else all of "
    "stdin.\n"
    "\n"
    POSTER_HELP_MAIN("bluesky")
    "\n"
    "Credentials: BSKY_HANDLE and BSKY_APP_PASSWORD (an app password), and\n"
    "BSKY_PDS (default https://bsky.social), or the bluesky group of the\n"
    "config file.  The session is kept in the state directory.\n";

static const char *
endpoint(const struct ht_conf *c)
{
	return poster_url(c, "bluesky.pds", HT_NET_BSKY_DEFAULT_PDS,
	    "/xrpc/com.atproto.repo.putRecord");
}

static void
rule(const struct ht_conf *c, struct ht_lenrule *r)
{
	ht_lenrule_default(HT_NET_BLUESKY, r);
}

static struct ht_net *
make(struct ht_conf *conf, struct ht_err *e)
{
	struct ht_net_bsky_conf c = { 0 };
	struct ht_net *n;
	const char **langs = NULL;
	char *dir, *file = NULL;
	int nl;

	c.pds = ht_conf_str(conf, "bluesky.pds", HT_NET_BSKY_DEFAULT_PDS);
	c.handle = ht_conf_str(conf, "bluesky.handle", NULL);
	c.password = ht_conf_str(conf, "bluesky.app_password", NULL);
	if (poster_need(e, c.handle, "bluesky.handle (BSKY_HANDLE)",
	    c.password, "bluesky.app_password (BSKY_APP_PASSWORD)") == -1 ||
	    poster_http_url(e, "bluesky.pds", c.pds) == -1)
		return NULL;
	if ((nl = ht_conf_list(conf, "bluesky.langs", &langs)) == -1) {
		ht_err_set(e, "out of memory");
		e->status = EX_OSERR;
		return NULL;
	}
	c.langs = langs;
	c.nlangs = (size_t)nl;
	/* Without a state directory, a login per run. */
	if ((dir = poster_state_dir()) != NULL &&
	    asprintf(&file, "%s/%s", dir, HT_NET_BSKY_SESSION) == -1)
		file = NULL;
	if (file == NULL)
		ht_warnx("no state directory for the session: logging in "
		    "every run");
	c.session_file = file;
	n = ht_net_bsky_new(&c, e);
	poster_wipe(c.password, HT_ENV_BSKY);
	free(langs);
	free(dir);
	free(file);
	return n;
}

const struct poster poster_tool = {
	.prog = "bsky-post", .net = HT_NET_BLUESKY, .usage = usage_text,
	.help = help_text, .timeout = "bluesky.timeout", .endpoint = endpoint,
	.rule = rule, .make = make
};
