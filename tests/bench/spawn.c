/*
 * spawn — run commands many times, interleaved, and print for each the
 * median, 90th percentile and minimum wall time and the median peak RSS.
 * make bench builds it; it times what hyperfine would, without a shell in
 * between and with the peak RSS of each run (wait4's rusage) beside it.
 *
 *   spawn [-r runs] [-o stdout] -- cmd [arg ...] [<file] [-- cmd ...]
 *
 * One line per command: "median_ms p90_ms min_ms cpu_ms rss_kb" (cpu_ms:
 * the median of user + system time).  A last word "<file" is the command's
 * stdin, opened anew each run (default /dev/null); stdout is the -o file
 * (truncated each run; default /dev/null), stderr /dev/null.  A run that
 * does not exit 0 stops everything with status 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
quantile(double *v, int n, double q)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return v[(int)(q * (n - 1) + 0.5)];
}

int
main(int argc, char *argv[])
{
	const char *out = "/dev/null";
	posix_spawn_file_actions_t fa[64];
	struct timespec t0, t1;
	struct rusage ru;
	char **cmd[64];
	double *ms[64], *cpu[64], *rss[64];
	const char *in;
	int ncmd = 0, runs = 100, c, i, r, st;
	pid_t pid;

	while ((c = getopt(argc, argv, "r:o:")) != -1) {
		switch (c) {
		case 'r':
			runs = atoi(optarg);
			break;
		case 'o':
			out = optarg;
			break;
		default:
			fprintf(stderr, "usage: spawn [-r runs] [-o stdout] "
			    "-- cmd [arg ...] [<file] [-- cmd ...]\n");
			return 64;
		}
	}
	/* getopt stopped at the first "--" and skipped it. */
	for (i = optind; i < argc && ncmd < 64; i++) {
		if (i == optind || strcmp(argv[i - 1], "--") == 0) {
			if (strcmp(argv[i], "--") == 0)
				continue;
			cmd[ncmd++] = &argv[i];
		}
	}
	for (i = optind; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			argv[i] = NULL;
	if (ncmd == 0 || runs < 1) {
		fprintf(stderr, "spawn: no command\n");
		return 64;
	}
	for (c = 0; c < ncmd; c++) {
		ms[c] = calloc((size_t)runs, sizeof(double));
		cpu[c] = calloc((size_t)runs, sizeof(double));
		rss[c] = calloc((size_t)runs, sizeof(double));
		if (ms[c] == NULL || cpu[c] == NULL || rss[c] == NULL)
			return 71;
		in = "/dev/null";
		for (i = 0; cmd[c][i] != NULL; i++)
			if (cmd[c][i][0] == '<' && cmd[c][i + 1] == NULL) {
				in = cmd[c][i] + 1;
				cmd[c][i] = NULL;
				break;
			}
		posix_spawn_file_actions_init(&fa[c]);
		posix_spawn_file_actions_addopen(&fa[c], 0, in, O_RDONLY, 0);
		posix_spawn_file_actions_addopen(&fa[c], 1, out,
		    O_WRONLY | O_CREAT | O_TRUNC, 0644);
		posix_spawn_file_actions_addopen(&fa[c], 2, "/dev/null",
		    O_WRONLY, 0);
	}
	for (r = 0; r < runs; r++) {
		for (c = 0; c < ncmd; c++) {
			clock_gettime(CLOCK_MONOTONIC, &t0);
			if ((errno = posix_spawn(&pid, cmd[c][0], &fa[c], NULL,
			    cmd[c], environ)) != 0) {
				fprintf(stderr, "spawn: %s: %s\n", cmd[c][0],
				    strerror(errno));
				return 1;
			}
			if (wait4(pid, &st, 0, &ru) == -1)
				return 1;
			clock_gettime(CLOCK_MONOTONIC, &t1);
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				fprintf(stderr, "spawn: %s: exit status %d\n",
				    cmd[c][0], WIFEXITED(st) ?
				    WEXITSTATUS(st) : 128 + WTERMSIG(st));
				return 1;
			}
			ms[c][r] = (t1.tv_sec - t0.tv_sec) * 1e3 +
			    (t1.tv_nsec - t0.tv_nsec) / 1e6;
			cpu[c][r] = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
			    1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) /
			    1e3;
			rss[c][r] = (double)ru.ru_maxrss;
		}
	}
	for (c = 0; c < ncmd; c++)
		printf("%.3f %.3f %.3f %.3f %.0f\n",
		    quantile(ms[c], runs, 0.5), quantile(ms[c], runs, 0.9),
		    quantile(ms[c], runs, 0.0), quantile(cpu[c], runs, 0.5),
		    quantile(rss[c], runs, 0.5));
	return 0;
}
