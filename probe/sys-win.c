/* SPDX-License-Identifier: Apache-2.0 */
/* The probe's process on Windows: --exec through PowerShell (Move-VM and
 * Move-ClusterVirtualMachineRole are its cmdlets; BLACKOUT_SHELL names another shell, such as
 * "cmd.exe /d /c"), Ctrl-C and Ctrl-Break stop a run, no signal asks for a marker (the keys
 * do). (sys-posix.c is POSIX's.) */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

void probe_shell_argv(const char *cmd, char *argv[PROBE_SHELL_ARGS])
{
	static char own[512];
	static char *words[PROBE_SHELL_ARGS];
	const char *env = getenv("BLACKOUT_SHELL");
	int n = 0;
	if (env && *env && strlen(env) < sizeof own) {
		snprintf(own, sizeof own, "%s", env);
		for (char *w = strtok(own, " "); w && n < PROBE_SHELL_ARGS - 2;
		     w = strtok(NULL, " "))
			words[n++] = w;
	}
	if (n == 0) {
		static char *const ps[] = {"powershell.exe", "-NoProfile", "-NonInteractive",
		                           "-Command"};
		for (; n < 4; n++)
			words[n] = ps[n];
	}
	for (int i = 0; i < n; i++)
		argv[i] = words[i];
	argv[n] = (char *)cmd;
	argv[n + 1] = NULL;
}

const int probe_stop_signals[2] = {SIGINT, SIGBREAK};
const int probe_marker_signal = 0;
const probe_platform_words probe_words = {
        "an elevated prompt and Npcap", "Ctrl-Break",
        "PowerShell; BLACKOUT_SHELL names another, e.g. \"cmd.exe /d /c\"",
        "m / Enter on the console"};

const char *probe_marker_hint(char *buf, size_t len)
{
	(void)buf, (void)len;
	return NULL;
}
