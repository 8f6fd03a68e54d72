/*
 * mastodon-post — post text on Mastodon; tw-post's interface (poster.h).
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "net-mastodon.h"
#include "poster.h"
#include "util.h"

static const char usage_text[] =
    "usage: mastodon-post [-0jnv] [-c file] [-q dir | -Q dir] [-T seconds] "
    "[text ...]\n"
    "       mastodon-post -F [-jv] [-c file] [-Q dir] [-T seconds] [dir]\n";

static const char help_text[] =
    "Post text on Mastodon: the operands joined by spaces, else all of "
    "stdin.\n"
    "\n"
    POSTER_HELP_MAIN("mastodon")
    "\n"
    "Credentials: MASTODON_URL (the instance) and MASTODON_TOKEN (an access\n"
    "token with write:statuses), or the mastodon group of the config file.\n";

static const char *
endpoint(const struct ht_conf *c)
{
	return poster_url(c, "mastodon.url", "", "/api/v1/statuses");
}

static void
rule(const struct ht_conf *c, struct ht_lenrule *r)
{
	ht_lenrule_default(HT_NET_MASTODON, r);
	r->max = (long)ht_conf_int(c, "mastodon.max_characters",
	    HT_MASTODON_MAX);
}

static struct ht_net *
make(struct ht_conf *conf, struct ht_err *e)
{
	static const char *const vis[] = { "public", "unlisted", "private",
	    "direct" };
	struct ht_net_mastodon_conf c = { 0 };
	struct ht_net *n;
	size_t i;

	c.url = ht_conf_str(conf, "mastodon.url", NULL);
	c.token = ht_conf_str(conf, "mastodon.token", NULL);
	c.visibility = ht_conf_str(conf, "mastodon.visibility", NULL);
	c.language = ht_conf_str(conf, "mastodon.language", NULL);
	if (poster_need(e, c.url, "mastodon.url (MASTODON_URL)", c.token,
	    "mastodon.token (MASTODON_TOKEN)") == -1 ||
	    poster_http_url(e, "mastodon.url", c.url) == -1)
		return NULL;
	for (i = 0; c.visibility != NULL && i < sizeof vis / sizeof vis[0];
	    i++)
		if (strcmp(c.visibility, vis[i]) == 0)
			break;
	if (i == sizeof vis / sizeof vis[0]) {
		ht_err_set(e, "mastodon.visibility: \"%s\": public, unlisted, "
		    "private or direct", c.visibility);
		e->status = EX_CONFIG;
		return NULL;
	}
	n = ht_net_mastodon_new(&c, e);
	poster_wipe(c.token, HT_ENV_MASTODON);
	return n;
}

const struct poster poster_tool = {
	.prog = "mastodon-post", .net = HT_NET_MASTODON, .usage = usage_text,
	.help = help_text, .timeout = "mastodon.timeout", .endpoint = endpoint,
	.rule = rule, .make = make
};
