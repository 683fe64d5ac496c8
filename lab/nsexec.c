/* SPDX-License-Identifier: Apache-2.0 */
/* Entering the lab's namespaces and running programs inside them. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "lab.h"

int lab_enter(const lab *l, enum lab_role r, int *saved)
{
	char path[96];
	snprintf(path, sizeof path, "/run/netns/%s", l->ns[r]);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	*saved = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int rc = setns(fd, CLONE_NEWNET);
	close(fd);
	if (rc != 0) {
		close(*saved);
		return -1;
	}
	return 0;
}

void lab_leave(int saved)
{
	if (saved >= 0) {
		if (setns(saved, CLONE_NEWNET) != 0)
			perror("blackout-lab: setns back");
		close(saved);
	}
}

/* `ip netns exec` also gives the child a /sys of its namespace, which libpcap reads. */
int lab_spawn(const lab *l, enum lab_role r, char *const argv[])
{
	return lab_spawn_to(l, r, argv, NULL);
}

int lab_spawn_to(const lab *l, enum lab_role r, char *const argv[], const char *log)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	/* Its own process group, so a stop reaches every process the command started; and it
	 * ends with blackout-lab, even when that is killed with SIGKILL (no real-time responder
	 * or probe left running in a namespace nobody removes). */
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1); /* blackout-lab ended before the line above */
	if (log) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
			fprintf(stderr, "blackout-lab: cannot write %s: %s\n", log,
			        strerror(errno));
			_exit(127);
		}
		close(fd);
	}
	int n = 0;
	while (argv[n])
		n++;
	char *args[n + 5];
	args[0] = "ip";
	args[1] = "netns";
	args[2] = "exec";
	args[3] = (char *)l->ns[r];
	for (int i = 0; i <= n; i++)
		args[4 + i] = argv[i];
	execvp("ip", args);
	fprintf(stderr, "blackout-lab: cannot run ip: %s (install iproute2)\n", strerror(errno));
	_exit(127);
}

int lab_system(char *const argv[])
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "blackout-lab: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int lab_write_proc(const lab *l, enum lab_role r, const char *path, const char *value)
{
	int saved;
	if (lab_enter(l, r, &saved) != 0)
		return -1;
	/* /proc/sys/net shows the namespace of the thread that opens it. */
	FILE *f = fopen(path, "w");
	int rc = f && fputs(value, f) >= 0 ? 0 : -1;
	if (f && fclose(f) != 0)
		rc = -1;
	lab_leave(saved);
	return rc;
}

int lab_find_program(const char *name, const char *dir, char *out, size_t len)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	snprintf(out, len, "%s", name);
	if (n <= 0)
		return -1;
	self[n] = 0;
	char *slash = strrchr(self, '/');
	if (!slash)
		return -1;
	*slash = 0;
	/* the build tree (build/lab/ beside build/DIR/), an installed tree (BINDIR beside
	 * LIBEXECDIR/blackout), or the same directory */
	char cand[3][4400];
	snprintf(cand[0], sizeof cand[0], "%s/../%s/%s", self, dir, name);
	snprintf(cand[1], sizeof cand[1], "%s/%s/%s", self, BLACKOUT_LIBEXEC_FROM_BIN, name);
	snprintf(cand[2], sizeof cand[2], "%s/%s", self, name);
	int i = 0;
	while (i < 3 && access(cand[i], X_OK) != 0)
		i++;
	if (i == 3)
		return -1;
	snprintf(out, len, "%s", cand[i]);
	return 0;
}
