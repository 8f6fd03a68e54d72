/*
 * Fuzz target "conf": the configuration loader (lib/conf.c) on any file,
 * then every accessor on every setting it knows.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "conf.h"
#include "fuzz.h"

static const char *names[] = {
	"dockerhub.key", "dockerhub.key_file", "dockerhub.path",
	"dockerhub.max_body", "dockerhub.timeout", "dockerhub.skip_latest",
	"dockerhub.include_tags", "dockerhub.exclude_tags",
	"dockerhub.include_repos", "dockerhub.exclude_repos",
	"format.template", "format.max_length", "x.api_url", "x.api_version",
	"x.consumer_key", "x.consumer_secret", "x.access_token",
	"x.access_secret", "x.timeout", "queue.dir", "log.syslog",
	"nosuch", "dockerhub", "",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct ht_conf *c;
	struct ht_err e;
	const char **list;
	size_t i;
	int fd, n, j;

	if (path[0] == '\0')
		(void)snprintf(path, sizeof path, "/tmp/ht-fuzz-conf.%ld",
		    (long)getpid());
	/* 0600: a file with secrets in it is accepted. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		abort();
	if (write(fd, data, size) != (ssize_t)size || close(fd) == -1)
		abort();
	ht_err_clear(&e);
	c = ht_conf_load(path, &e);
	(void)unlink(path);
	if (c == NULL) {
		if (e.msg[0] == '\0')
			abort();	/* a failure must say why */
		return 0;
	}
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		(void)ht_conf_str(c, names[i], NULL);
		(void)ht_conf_int(c, names[i], 0);
		(void)ht_conf_bool(c, names[i], 0);
		(void)ht_conf_isset(c, names[i]);
		/* A list setting, once checked, holds only strings. */
		n = ht_conf_list(c, names[i], &list);
		for (j = 0; j < n && i >= 6 && i <= 9; j++)
			if (list[j] == NULL)
				abort();
		free(list);
	}
	(void)ht_conf_file(c);
	ht_conf_free(c);
	return 0;
}
