/*
 * tree — run a server and count the CPU time of everything it starts,
 * including the processes that outlive their parent (a webhook handler's
 * pipeline goes on after the connection is closed).  make bench builds it.
 *
 *   tree OUT -- cmd [arg ...]
 *
 * tree makes itself the child subreaper (prctl(2)), so that every orphaned
 * descendant is re-parented to it and reaped by it: its RUSAGE_CHILDREN
 * then holds the user and system time of the whole tree.  It runs cmd and
 * waits; on SIGTERM or SIGINT it sends SIGTERM to cmd, reaps every
 * descendant until none is left, and writes "user_ms sys_ms" to OUT.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double
ms(struct timeval tv)
{
	return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0;
}

int
main(int argc, char *argv[])
{
	struct sigaction sa;
	struct rusage ru;
	pid_t pid, w;
	FILE *out;
	int st;

	if (argc < 4 || strcmp(argv[2], "--") != 0) {
		fprintf(stderr, "usage: tree OUT -- cmd [arg ...]\n");
		return 64;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1) {
		perror("tree: prctl");
		return 71;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if ((pid = fork()) == -1) {
		perror("tree: fork");
		return 71;
	}
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		execvp(argv[3], argv + 3);
		perror(argv[3]);
		_exit(127);
	}
	/* Reap orphans as they come, until told to stop. */
	while (!stop) {
		w = wait(&st);
		if (w == -1 && errno == ECHILD)
			break;
	}
	kill(pid, SIGTERM);
	while ((w = wait(&st)) != -1 || errno == EINTR)
		;
	if (getrusage(RUSAGE_CHILDREN, &ru) == -1) {
		perror("tree: getrusage");
		return 71;
	}
	if ((out = fopen(argv[1], "w")) == NULL) {
		perror(argv[1]);
		return 73;
	}
	fprintf(out, "%.1f %.1f\n", ms(ru.ru_utime), ms(ru.ru_stime));
	return fclose(out) == 0 ? 0 : 74;
}
