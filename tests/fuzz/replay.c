/*
 * replay — a main() for a fuzz target without libFuzzer: run each file
 * named, or each file in each directory named, through the target once.
 * The sanitizers of the build decide whether it passed.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX	(16 * 1024 * 1024)

static int
replay_file(const char *path)
{
	unsigned char *buf;
	FILE *fp;
	size_t n;
	int r = -1;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(REPLAY_MAX)) == NULL) {
		fprintf(stderr, "replay: out of memory\n");
		goto out;
	}
	n = fread(buf, 1, REPLAY_MAX, fp);
	if (ferror(fp) || !feof(fp)) {
		fprintf(stderr, "replay: %s: read error or larger than %d "
		    "bytes\n", path, REPLAY_MAX);
		goto out;
	}
	/* A copy of exactly n bytes, so ASan sees reads past the end. */
	{
		unsigned char *exact = malloc(n > 0 ? n : 1);

		if (exact == NULL) {
			fprintf(stderr, "replay: out of memory\n");
			goto out;
		}
		if (n > 0)
			memcpy(exact, buf, n);
		(void)LLVMFuzzerTestOneInput(exact, n);
		free(exact);
	}
	r = 0;
out:
	free(buf);
	(void)fclose(fp);
	return r;
}

int
main(int argc, char *argv[])
{
	struct dirent *de;
	struct stat st;
	char path[4096];
	DIR *d;
	long count = 0;
	int i, bad = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s file|dir ...\n", argv[0]);
		return 64;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			bad = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (replay_file(argv[i]) == -1)
				bad = 1;
			else
				count++;
			continue;
		}
		if ((d = opendir(argv[i])) == NULL) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			bad = 1;
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (snprintf(path, sizeof path, "%s/%s", argv[i],
			    de->d_name) >= (int)sizeof path ||
			    stat(path, &st) == -1 || !S_ISREG(st.st_mode))
				continue;
			if (replay_file(path) == -1)
				bad = 1;
			else
				count++;
		}
		(void)closedir(d);
	}
	printf("replayed %ld inputs\n", count);
	return bad ? 1 : 0;
}
