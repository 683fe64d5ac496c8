/* SPDX-License-Identifier: Apache-2.0 */
/* The probe's process on POSIX systems: --exec through /bin/sh, SIGINT and SIGTERM stop a run,
 * SIGUSR1 asks for a marker. (sys-win.c is Windows'.) */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "probe.h"

void probe_shell_argv(const char *cmd, char *argv[PROBE_SHELL_ARGS])
{
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = (char *)cmd;
	argv[3] = NULL;
}

const int probe_stop_signals[2] = {SIGINT, SIGTERM};
const int probe_marker_signal = SIGUSR1;
const probe_platform_words probe_words = {"CAP_NET_RAW", "SIGTERM", "/bin/sh",
                                          "SIGUSR1, or m / Enter on the terminal"};

const char *probe_marker_hint(char *buf, size_t len)
{
	snprintf(buf, len, "kill -USR1 %d", (int)getpid());
	return buf;
}
