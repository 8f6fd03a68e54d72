/*
 * mastodon-post — post text on Mastodon; tw-post's interface (poster.h),
 * and --check, which keeps the instance's own limits (instance.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "instance.h"
#include "log.h"
#include "net-mastodon.h"
#include "poster.h"
#include "util.h"

#ifndef HT_LIBEXECDIR
#define HT_LIBEXECDIR "/usr/local/libexec/hubtweet"
#endif

static const char usage_text[] =
    "usage: mastodon-post [-0jnv] [-c file] [-q dir | -Q dir] [-T seconds] "
    "[text ...]\n"
    "       mastodon-post -F [-jv] [-c file] [-Q dir] [-T seconds] [dir]\n"
    "       mastodon-post -C [-v] [-c file] [-T seconds]\n";

static const char help_text[] =
    "Post text on Mastodon: the operands joined by spaces, else all of "
    "stdin.\n"
    "\n"
    POSTER_HELP_MAIN("mastodon")
    "  -C, --check            check the settings; ask the instance its limits\n"
    "                         and keep them for dh-format and mastodon-post\n"
    "\n"
    "Credentials: MASTODON_URL (the instance) and MASTODON_TOKEN (an access\n"
    "token with write:statuses), or the mastodon group of the config file.\n";

static const char *
endpoint(const struct ht_conf *c)
{
	return poster_url(c, "mastodon.url", "", "/api/v1/statuses");
}

/* The instance's limits as --check kept them, else the config's. */
static void
rule(const struct ht_conf *c, struct ht_lenrule *r)
{
	struct ht_err e;

	ht_lenrule_default(HT_NET_MASTODON, r);
	r->max = (long)ht_conf_int(c, "mastodon.max_characters",
	    HT_MASTODON_MAX);
	ht_err_clear(&e);
	if (ht_instance_conf_rule(c, 0, r, &e) == -1)
		ht_log_err(&e);
}

/* Ask the instance at url its limits, into in: 0, or -1 and e (69). */
static int
ask_instance(struct poster_run *r, const char *url, struct ht_instance *in,
    struct ht_err *e)
{
	struct ht_sender_conf sc;
	struct ht_sender *s = NULL;
	struct ht_http_req req;
	struct ht_http_ans ans;
	int rv = -1;

	memset(&sc, 0, sizeof sc);
	memset(&req, 0, sizeof req);
	memset(&ans, 0, sizeof ans);
	if ((sc.helper = r->helper = ht_sender_path(HT_LIBEXECDIR)) == NULL)
		return ht_err_fail(e, EX_OSERR, "out of memory");
	sc.timeout_ms = (long)ht_conf_int(r->conf, "mastodon.timeout", 30) *
	    1000;
	if ((s = ht_sender_new(&sc, e)) == NULL ||
	    ht_instance_request(url, &req, e) == -1 ||
	    ht_sender_exchange(s, &req, r->budget_ms, &ans, e) == -1)
		goto out;
	if (ans.status == 0)
		ht_err_fail(e, EX_UNAVAILABLE, "%s: cannot ask the instance: "
		    "%s", req.url, ans.error != NULL ? ans.error : "no answer");
	else if (ans.status != 200)
		ht_err_fail(e, EX_UNAVAILABLE, "%s: the instance answered %d",
		    req.url, ans.status);
	else if (ht_instance_parse(ans.body, ans.body_len, in, e) == -1) {
		ht_err_prefix(e, "%s", req.url);
		e->status = EX_UNAVAILABLE;
	} else
		rv = 0;
out:
	ht_http_ans_free(&ans);
	ht_http_req_free(&req);
	ht_sender_free(s);
	return rv;
}

/*
 * --check: the settings, then the instance's limits (GET
 * /api/v2/instance), kept in the state directory for dh-format --for
 * mastodon and for mastodon-post itself.  The exit status.
 */
static int
check(struct poster_run *r)
{
	const char *url = ht_conf_str(r->conf, "mastodon.url", NULL);
	struct ht_instance in = { 0, 0 };
	struct ht_err e;
	char *dir;
	int status = 0;

	poster_check_config(r);
	poster_check_cred(r, "mastodon.url", "MASTODON_URL");
	poster_check_cred(r, "mastodon.token", "MASTODON_TOKEN");
	poster_check_queue(r);
	(void)fflush(stdout);
	ht_err_clear(&e);
	if (url == NULL) {
		ht_warnx("mastodon.url (MASTODON_URL) missing: no instance to "
		    "ask");
		return EX_CONFIG;
	}
	if (poster_http_url(&e, "mastodon.url", url) == -1 ||
	    ask_instance(r, url, &in, &e) == -1) {
		ht_log_err(&e);
		return e.status;
	}
	if ((dir = poster_state_dir()) == NULL) {
		ht_warnx("no state directory: the instance's limits are not "
		    "kept");
		status = EX_CANTCREAT;
	} else if (ht_instance_save(dir, url, &in, &e) == -1) {
		ht_log_err(&e);
		status = e.status;
	}
	printf("instance: %ld characters, a link %ld%s%s%s\n",
	    in.max_characters, in.url_chars > 0 ? in.url_chars :
	    (long)HT_MASTODON_URL_WEIGHT, status == 0 ? " (kept in " : "",
	    status == 0 ? dir : "", status == 0 ? "/" HT_INSTANCE_FILE ")" :
	    "");
	free(dir);
	return status;
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
	.rule = rule, .make = make, .check = check
};
