/*
 * dh-parse — Docker Hub push payloads in, hubtweet events out.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "conf.h"
#include "event.h"
#include "filter.h"
#include "jstream.h"
#include "log.h"
#include "util.h"

static const char usage_text[] =
    "usage: dh-parse [-Lu] [-c file] [-i glob] [-x glob] [-r glob] "
    "[-R glob] [file ...]\n";

static const char help_text[] =
    "Read Docker Hub push payloads and write one event per line.\n"
    "\n"
    "  -c, --config FILE        read settings from FILE\n"
    "  -i, --include-tag GLOB   announce only tags matching GLOB\n"
    "  -x, --exclude-tag GLOB   skip tags matching GLOB\n"
    "  -r, --include-repo GLOB  announce only repositories matching GLOB\n"
    "  -R, --exclude-repo GLOB  skip repositories matching GLOB\n"
    "  -L, --latest             do not skip the tag 'latest'\n"
    "  -u, --unbuffered         flush each event as it is written\n"
    "  -h, --help               show this help\n"
    "  -V, --version            show the version\n";

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "include-tag", required_argument, NULL, 'i' },
	{ "exclude-tag", required_argument, NULL, 'x' },
	{ "include-repo", required_argument, NULL, 'r' },
	{ "exclude-repo", required_argument, NULL, 'R' },
	{ "latest", no_argument, NULL, 'L' },
	{ "unbuffered", no_argument, NULL, 'u' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* Patterns from the command line, which replace the config's. */
struct globs {
	const char **v;
	size_t n;
};

static int
globs_add(struct globs *g, const char *s)
{
	const char **nv;

	if ((nv = realloc(g->v, (g->n + 1) * sizeof *nv)) == NULL)
		return -1;
	nv[g->n++] = s;
	g->v = nv;
	return 0;
}

/* Options, else the config's list. */
static int
globs_pick(struct globs *opt, const struct ht_conf *conf, const char *name,
    const char ***out, size_t *n)
{
	int r;

	if (opt->n > 0) {
		*out = opt->v;
		*n = opt->n;
		opt->v = NULL;
		return 0;
	}
	if ((r = ht_conf_list(conf, name, out)) == -1)
		return -1;
	*n = (size_t)r;
	return 0;
}

static int unbuffered;

/* Write one event line; -1 when stdout fails. */
static int
emit(json_t *ev)
{
	if (json_dumpf(ev, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER) == -1 ||
	    putchar('\n') == EOF || (unbuffered && fflush(stdout) == EOF))
		return -1;
	return 0;
}

/* Parse one input; returns 0, or the exit status it calls for. */
static int
parse_input(int fd, const char *name, const struct ht_filter *f)
{
	struct ht_jstream *js;
	struct ht_err e;
	json_t *v, *ev;
	char why[512];
	int r, status = 0;

	if ((js = ht_jstream_fd(fd, name, HT_JSON_MAX_VALUE,
	    HT_JSON_MAX_DEPTH)) == NULL) {
		ht_warnx("%s: out of memory", name);
		return EX_OSERR;
	}
	for (;;) {
		ht_err_clear(&e);
		r = ht_jstream_next(js, &v, &e);
		if (r == 0)
			break;
		if (r == HT_JSTREAM_IOERR) {
			ht_log_err(&e);
			status = EX_IOERR;
			break;
		}
		if (r == HT_JSTREAM_BAD) {
			ht_log_err(&e);
			status = EX_DATAERR;
			continue;
		}
		ev = ht_event_from_payload(v, &e);
		json_decref(v);
		if (ev == NULL) {
			ht_err_locate(&e, name, ht_jstream_line(js),
			    ht_jstream_col(js));
			ht_log_err(&e);
			status = EX_DATAERR;
			continue;
		}
		if (ht_filter_why(f, json_string_value(json_object_get(ev,
		    "repo_name")), json_string_value(json_object_get(ev,
		    "tag")), why, sizeof why) == NULL && emit(ev) == -1) {
			json_decref(ev);
			ht_warnx("stdout: write error: %s", strerror(errno));
			status = EX_IOERR;
			break;
		}
		json_decref(ev);
	}
	ht_jstream_free(js);
	return status;
}

int
main(int argc, char *argv[])
{
	struct globs it = { 0 }, xt = { 0 }, ir = { 0 }, xr = { 0 };
	struct ht_filter f = { 0 };
	struct ht_conf *conf = NULL;
	struct ht_err e;
	const char *cfile = NULL;
	int c, fd, i, r, keep_latest = 0, status = 0;

	ht_log_open("dh-parse", 0);
	if (ht_fds_ensure() == -1)
		return EX_OSERR;
	while ((c = getopt_long(argc, argv, "c:i:x:r:R:LuhV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			cfile = optarg;
			break;
		case 'i':
		case 'x':
		case 'r':
		case 'R':
			if (globs_add(c == 'i' ? &it : c == 'x' ? &xt :
			    c == 'r' ? &ir : &xr, optarg) == -1) {
				ht_warnx("out of memory");
				status = EX_OSERR;
				goto out;
			}
			break;
		case 'L':
			keep_latest = 1;
			break;
		case 'u':
			unbuffered = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			fputs(help_text, stdout);
			status = ht_stream_finish(stdout, "stdout", &e) == 0 ?
			    0 : EX_IOERR;
			goto out;
		case 'V':
			printf("dh-parse %s\n", HT_VERSION);
			status = ht_stream_finish(stdout, "stdout", &e) == 0 ?
			    0 : EX_IOERR;
			goto out;
		default:
			fputs(usage_text, stderr);
			status = EX_USAGE;
			goto out;
		}
	}
	argc -= optind;
	argv += optind;

	ht_err_clear(&e);
	if ((conf = ht_conf_load(cfile, &e)) == NULL) {
		ht_log_err(&e);
		status = EX_CONFIG;
		goto out;
	}
	if (globs_pick(&it, conf, "dockerhub.include_tags", &f.include_tags,
	    &f.n_include_tags) == -1 ||
	    globs_pick(&xt, conf, "dockerhub.exclude_tags", &f.exclude_tags,
	    &f.n_exclude_tags) == -1 ||
	    globs_pick(&ir, conf, "dockerhub.include_repos", &f.include_repos,
	    &f.n_include_repos) == -1 ||
	    globs_pick(&xr, conf, "dockerhub.exclude_repos", &f.exclude_repos,
	    &f.n_exclude_repos) == -1) {
		ht_warnx("out of memory");
		status = EX_OSERR;
		goto out;
	}
	f.skip_latest = keep_latest ? 0 :
	    ht_conf_bool(conf, "dockerhub.skip_latest", 1);

	if (argc == 0)
		status = parse_input(STDIN_FILENO, "<stdin>", &f);
	for (i = 0; i < argc && status != EX_IOERR; i++) {
		if (strcmp(argv[i], "-") == 0) {
			r = parse_input(STDIN_FILENO, "<stdin>", &f);
		} else if ((fd = open(argv[i], O_RDONLY)) == -1) {
			ht_warnx("%s: cannot open: %s", argv[i],
			    strerror(errno));
			r = EX_NOINPUT;
		} else {
			r = parse_input(fd, argv[i], &f);
			(void)close(fd);
		}
		/* The gravest problem decides the status. */
		if (r == EX_IOERR || r == EX_OSERR ||
		    (r == EX_NOINPUT && status != EX_IOERR) ||
		    (r != 0 && status == 0))
			status = r;
	}
	if (ht_stream_finish(stdout, "stdout", &e) == -1) {
		ht_log_err(&e);
		status = EX_IOERR;
	}
out:
	free(it.v);
	free(xt.v);
	free(ir.v);
	free(xr.v);
	free(f.include_tags);
	free(f.exclude_tags);
	free(f.include_repos);
	free(f.exclude_repos);
	ht_conf_free(conf);
	return status;
}
