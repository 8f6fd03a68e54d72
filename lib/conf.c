#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <libconfig.h>

#include "conf.h"


enum type { T_STR, T_INT, T_BOOL, T_LIST };

/*
 * Every setting there is.  A new setting is added here, and documented in
 * hubtweet.conf(5).
 */
static const struct setting {
	const char *name;
	enum type type;
	long long min, max;	/* T_INT only */
	const char *env;	/* overriding environment variable, or NULL */
	int secret;		/* the file must not be readable by others */
} settings[] = {
	{ "dockerhub.key", T_STR, 0, 0, "DH_KEY", 1 },
	{ "dockerhub.key_file", T_STR, 0, 0, NULL, 0 },
	{ "dockerhub.path", T_STR, 0, 0, NULL, 0 },
	{ "dockerhub.max_body", T_INT, 1024, 64 * 1024 * 1024, NULL, 0 },
	{ "dockerhub.timeout", T_INT, 1, 3600, NULL, 0 },
	{ "dockerhub.header_timeout", T_INT, 1, 3600, NULL, 0 },
	{ "dockerhub.slot_dir", T_STR, 0, 0, "HUBTWEET_SLOT_DIR", 0 },
	{ "dockerhub.max_per_source", T_INT, 1, 1024, NULL, 0 },
	{ "dockerhub.skip_latest", T_BOOL, 0, 0, NULL, 0 },
	{ "dockerhub.include_private", T_BOOL, 0, 0, NULL, 0 },
	{ "dockerhub.include_tags", T_LIST, 0, 0, NULL, 0 },
	{ "dockerhub.exclude_tags", T_LIST, 0, 0, NULL, 0 },
	{ "dockerhub.include_repos", T_LIST, 0, 0, NULL, 0 },
	{ "dockerhub.exclude_repos", T_LIST, 0, 0, NULL, 0 },
	{ "dockerhub.group_window", T_INT, 0, 86400, NULL, 0 },
	{ "dockerhub.group_max", T_INT, 1, 86400, NULL, 0 },
	{ "dockerhub.repeat_window", T_INT, 0, 30 * 86400, NULL, 0 },
	{ "github.secret", T_STR, 0, 0, "GITHUB_WEBHOOK_SECRET", 1 },
	{ "github.secret_file", T_STR, 0, 0, NULL, 0 },
	{ "harbor.authorization", T_STR, 0, 0, "HARBOR_AUTHORIZATION", 1 },
	{ "harbor.authorization_file", T_STR, 0, 0, NULL, 0 },
	{ "quay.key", T_STR, 0, 0, "QUAY_KEY", 1 },
	{ "quay.key_file", T_STR, 0, 0, NULL, 0 },
	{ "registry.authorization", T_STR, 0, 0, "REGISTRY_AUTHORIZATION", 1 },
	{ "registry.authorization_file", T_STR, 0, 0, NULL, 0 },
	{ "format.template", T_STR, 0, 0, NULL, 0 },
	{ "format.max_length", T_INT, 1, 100000, NULL, 0 },
	{ "x.api_url", T_STR, 0, 0, "TW_API_URL", 0 },
	{ "x.api_version", T_STR, 0, 0, NULL, 0 },
	{ "x.consumer_key", T_STR, 0, 0, "TW_CONSUMER_KEY", 1 },
	{ "x.consumer_secret", T_STR, 0, 0, "TW_CONSUMER_SECRET", 1 },
	{ "x.access_token", T_STR, 0, 0, "TW_ACCESS_TOKEN", 1 },
	{ "x.access_secret", T_STR, 0, 0, "TW_ACCESS_SECRET", 1 },
	{ "x.timeout", T_INT, 1, 86400, NULL, 0 },
	{ "mastodon.url", T_STR, 0, 0, "MASTODON_URL", 0 },
	{ "mastodon.token", T_STR, 0, 0, "MASTODON_TOKEN", 1 },
	{ "mastodon.visibility", T_STR, 0, 0, NULL, 0 },
	{ "mastodon.language", T_STR, 0, 0, NULL, 0 },
	{ "mastodon.max_characters", T_INT, 1, 100000, NULL, 0 },
	{ "mastodon.timeout", T_INT, 1, 86400, NULL, 0 },
	{ "mastodon.template", T_STR, 0, 0, NULL, 0 },
	{ "bluesky.pds", T_STR, 0, 0, "BSKY_PDS", 0 },
	{ "bluesky.handle", T_STR, 0, 0, "BSKY_HANDLE", 0 },
	{ "bluesky.app_password", T_STR, 0, 0, "BSKY_APP_PASSWORD", 1 },
	{ "bluesky.langs", T_LIST, 0, 0, NULL, 0 },
	{ "bluesky.timeout", T_INT, 1, 86400, NULL, 0 },
	{ "bluesky.template", T_STR, 0, 0, NULL, 0 },
	{ "networks", T_LIST, 0, 0, NULL, 0 },
	{ "format.network", T_STR, 0, 0, NULL, 0 },
	{ "queue.dir", T_STR, 0, 0, NULL, 0 },
	{ "spool.dir", T_STR, 0, 0, NULL, 0 },
	{ "log.syslog", T_BOOL, 0, 0, NULL, 0 },
};
#define NSETTINGS (sizeof settings / sizeof settings[0])

struct ht_conf {
	config_t cfg;
	int loaded;
	char *file;
	char *user;		/* the user's file, tried before the system's */
	int named;		/* -c or $HUBTWEET_CONFIG named the file */
};

static const struct setting *
find(const char *name)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++)
		if (strcmp(settings[i].name, name) == 0)
			return &settings[i];
	return NULL;
}

static const char *
type_name(enum type t)
{
	switch (t) {
	case T_STR:
		return "a string";
	case T_INT:
		return "an integer";
	case T_BOOL:
		return "true or false";
	case T_LIST:
		return "a list of strings";
	}
	return "?";
}

/*
 * Whoever can write to the config can point x.api_url at their own server
 * and collect signed requests, or change the template, whatever the file
 * holds now: like ssh, refuse a file that group or others may write to, or
 * that someone other than this user or root owns.
 */
static int
file_unsafe(const char *file, const struct stat *st, struct ht_err *e)
{
	if (!S_ISREG(st->st_mode))
		return 0;
	if (st->st_uid != geteuid() && st->st_uid != 0) {
		ht_err_at(e, file, 0, 0, "owned by uid %lu, neither this user "
		    "nor root: whoever owns it controls what is posted",
		    (unsigned long)st->st_uid);
		return 1;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		ht_err_at(e, file, 0, 0, "writable by group or others (mode "
		    "%03o): whoever can change it controls what is posted; "
		    "chmod go-w it", (unsigned)(st->st_mode & 0777));
		return 1;
	}
	return 0;
}

/* Check one setting (and, for groups, all below it) against the table. */
static int
check(const char *file, config_setting_t *s, const char *prefix,
    int *secrets, struct ht_err *e)
{
	const struct setting *d;
	config_setting_t *c;
	struct stat st = { 0 };
	char name[256];
	const char *n, *src;
	long long v;
	int i, t;

	n = config_setting_name(s);
	if (snprintf(name, sizeof name, "%s%s%s", prefix,
	    *prefix != '\0' ? "." : "", n != NULL ? n : "") >=
	    (int)sizeof name) {
		ht_err_at(e, file, config_setting_source_line(s), 0,
		    "setting name too long");
		return -1;
	}
	t = config_setting_type(s);
	if (t == CONFIG_TYPE_GROUP) {
		for (i = 0; (c = config_setting_get_elem(s, i)) != NULL; i++)
			if (check(file, c, config_setting_is_root(s) ? "" :
			    name, secrets, e) == -1)
				return -1;
		return 0;
	}
	if ((d = find(name)) == NULL) {
		ht_err_at(e, file, config_setting_source_line(s), 0,
		    "unknown setting '%s'", name);
		return -1;
	}
	switch (d->type) {
	case T_STR:
		t = t == CONFIG_TYPE_STRING;
		break;
	case T_INT:
		t = t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
		break;
	case T_BOOL:
		t = t == CONFIG_TYPE_BOOL;
		break;
	case T_LIST:
		t = t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST;
		for (i = 0; t && (c = config_setting_get_elem(s, i)) != NULL;
		    i++)
			t = config_setting_type(c) == CONFIG_TYPE_STRING;
		break;
	}
	if (!t) {
		ht_err_at(e, file, config_setting_source_line(s), 0,
		    "setting '%s' must be %s", name, type_name(d->type));
		return -1;
	}
	if (d->type == T_INT) {
		v = config_setting_get_int64(s);
		if (v < d->min || v > d->max) {
			ht_err_at(e, file, config_setting_source_line(s), 0,
			    "setting '%s' must be between %lld and %lld",
			    name, d->min, d->max);
			return -1;
		}
	}
	if ((src = config_setting_source_file(s)) != NULL &&
	    stat(src, &st) == 0 && file_unsafe(src, &st, e))
		return -1;
	if (d->secret && (src = config_setting_source_file(s)) != NULL) {
		/*
		 * Read from a file that @include named (libconfig names no
		 * other, as the main file is read from a stream): that file's
		 * mode is what protects the secret.
		 */
		if (stat(src, &st) == -1 ||
		    (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
			ht_err_at(e, src, config_setting_source_line(s), 0,
			    "holds secrets but group or others can read it "
			    "(mode %03o); chmod 600 it",
			    (unsigned)(st.st_mode & 0777));
			return -1;
		}
	} else if (d->secret)
		*secrets = 1;
	return 0;
}

char *
ht_conf_user_path(const char *file)
{
	const char *v;
	char *p;

	if ((v = getenv("XDG_CONFIG_HOME")) != NULL && *v == '/') {
		if (asprintf(&p, "%s/hubtweet/%s", v, file) == -1)
			return NULL;
	} else if ((v = getenv("HOME")) != NULL && *v == '/' &&
	    strcmp(v, "/") != 0) {
		if (asprintf(&p, "%s/.config/hubtweet/%s", v, file) == -1)
			return NULL;
	} else
		return NULL;
	return p;
}

/*
 * Pick the file to read into c->file; *must: whether it is an error for it
 * to be absent.  -1: out of memory.
 */
static int
locate(struct ht_conf *c, const char *path, int *must)
{
	const char *v;

	*must = 1;
	c->named = 1;
	if (path != NULL)
		return (c->file = strdup(path)) == NULL ? -1 : 0;
	if ((v = getenv("HUBTWEET_CONFIG")) != NULL && *v != '\0')
		return (c->file = strdup(v)) == NULL ? -1 : 0;
	*must = 0;
	c->named = 0;
	c->user = ht_conf_user_path("hubtweet.conf");
	if (c->user != NULL && access(c->user, F_OK) == 0)
		return (c->file = strdup(c->user)) == NULL ? -1 : 0;
	return (c->file = strdup(HT_CONF_SYSTEM)) == NULL ? -1 : 0;
}

/*
 * Read the config open on fp (c->file), and check it: its owner and mode
 * (file_unsafe, and no secrets that group or others can read), its
 * settings.  0, or -1 and e.
 */
static int
read_conf(struct ht_conf *c, FILE *fp, struct ht_err *e)
{
	struct stat st;
	int secrets = 0;

	/* Not only regular files: /dev/null and <(...) are fine configs. */
	if (fstat(fileno(fp), &st) == -1 || S_ISDIR(st.st_mode)) {
		ht_err_at(e, c->file, 0, 0, "is a directory");
		return -1;
	}
	if (file_unsafe(c->file, &st, e))
		return -1;
	if (config_read(&c->cfg, fp) != CONFIG_TRUE) {
		ht_err_at(e, c->file, config_error_line(&c->cfg), 0, "%s",
		    config_error_text(&c->cfg));
		return -1;
	}
	c->loaded = 1;
	if (check(c->file, config_root_setting(&c->cfg), "", &secrets,
	    e) == -1)
		return -1;
	if (secrets && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		ht_err_at(e, c->file, 0, 0, "holds secrets but group or "
		    "others can read it (mode %03o); chmod 600 it",
		    (unsigned)(st.st_mode & 0777));
		return -1;
	}
	return 0;
}

struct ht_conf *
ht_conf_load(const char *path, struct ht_err *e)
{
	struct ht_conf *c;
	FILE *fp = NULL;
	int must, ok = 0;

	if ((c = calloc(1, sizeof *c)) != NULL)
		config_init(&c->cfg);
	if (c == NULL || locate(c, path, &must) == -1)
		ht_err_set(e, "out of memory");
	else if ((fp = fopen(c->file, "r")) != NULL)
		ok = read_conf(c, fp, e) == 0;
	else if (errno == ENOENT && !must)
		ok = 1;		/* none, and none asked for: defaults */
	else
		ht_err_at(e, c->file, 0, 0, "cannot open: %s",
		    strerror(errno));
	if (fp != NULL)
		(void)fclose(fp);
	if (ok)
		return c;
	if (e != NULL)
		e->status = EX_CONFIG;
	ht_conf_free(c);
	return NULL;
}

void
ht_conf_free(struct ht_conf *c)
{
	if (c == NULL)
		return;
	config_destroy(&c->cfg);
	free(c->file);
	free(c->user);
	free(c);
}

const char *
ht_conf_file(const struct ht_conf *c)
{
	return c->loaded ? c->file : NULL;
}

const char *
ht_conf_searched(const struct ht_conf *c, char *buf, size_t len)
{
	int n;

	if (c->loaded || c->named)
		n = snprintf(buf, len, "%s", c->file);
	else if (c->user != NULL)
		n = snprintf(buf, len, "%s and %s (neither exists)", c->user,
		    HT_CONF_SYSTEM);
	else
		n = snprintf(buf, len, "%s (absent)", HT_CONF_SYSTEM);
	if (n < 0 || (size_t)n >= len)
		(void)snprintf(buf, len, "%s", HT_CONF_SYSTEM);
	return buf;
}

char *
ht_conf_state_dir(void)
{
	struct stat st;
	const char *v;
	char *p;
	size_t n;

	/* systemd's StateDirectory=: a list, the first one is ours. */
	if ((v = getenv("STATE_DIRECTORY")) != NULL && *v == '/') {
		n = strcspn(v, ":");
		return strndup(v, n);
	}
	/* Root, or the service user that owns the system's directory. */
	if (geteuid() == 0 || (stat(HT_STATE_SYSTEM, &st) == 0 &&
	    S_ISDIR(st.st_mode) && st.st_uid == geteuid()))
		return strdup(HT_STATE_SYSTEM);
	if ((v = getenv("XDG_STATE_HOME")) != NULL && *v == '/')
		return asprintf(&p, "%s/hubtweet", v) == -1 ? NULL : p;
	if ((v = getenv("HOME")) != NULL && *v == '/' && strcmp(v, "/") != 0)
		return asprintf(&p, "%s/.local/state/hubtweet", v) == -1 ?
		    NULL : p;
	return NULL;
}

char *
ht_conf_queue_dir(const struct ht_conf *c)
{
	const char *v;
	char *d, *p;

	if ((v = ht_conf_str(c, "queue.dir", NULL)) != NULL && *v != '\0')
		return strdup(v);
	if ((d = ht_conf_state_dir()) == NULL)
		return NULL;
	if (asprintf(&p, "%s/queue", d) == -1)
		p = NULL;
	free(d);
	return p;
}

static const char *
env(const char *name)
{
	const struct setting *d = find(name);
	const char *v;

	if (d == NULL || d->env == NULL)
		return NULL;
	v = getenv(d->env);
	return v != NULL && *v != '\0' ? v : NULL;
}

static config_setting_t *
lookup(const struct ht_conf *c, const char *name)
{
	if (c == NULL || !c->loaded)
		return NULL;
	return config_lookup(&((struct ht_conf *)c)->cfg, name);
}

const char *
ht_conf_str(const struct ht_conf *c, const char *name, const char *def)
{
	config_setting_t *s;
	const char *v;

	if ((v = env(name)) != NULL)
		return v;
	if ((s = lookup(c, name)) != NULL &&
	    (v = config_setting_get_string(s)) != NULL)
		return v;
	return def;
}

long long
ht_conf_int(const struct ht_conf *c, const char *name, long long def)
{
	config_setting_t *s;

	if ((s = lookup(c, name)) != NULL)
		return config_setting_get_int64(s);
	return def;
}

int
ht_conf_bool(const struct ht_conf *c, const char *name, int def)
{
	config_setting_t *s;

	if ((s = lookup(c, name)) != NULL)
		return config_setting_get_bool(s);
	return def;
}

int
ht_conf_list(const struct ht_conf *c, const char *name, const char ***out)
{
	config_setting_t *s;
	const char **v;
	int i, n;

	*out = NULL;
	if ((s = lookup(c, name)) == NULL || (n = config_setting_length(s)) ==
	    0)
		return 0;
	if ((v = calloc((size_t)n, sizeof *v)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		v[i] = config_setting_get_string_elem(s, i);
	*out = v;
	return n;
}

int
ht_conf_isset(const struct ht_conf *c, const char *name)
{
	return env(name) != NULL || lookup(c, name) != NULL;
}
