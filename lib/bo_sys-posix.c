/* SPDX-License-Identifier: Apache-2.0 */
/* Process set-up on POSIX systems. */
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bo_sys.h"

void bo_sys_init(void)
{
	/* libuv writes with write()/writev(), which raise SIGPIPE on a connection the peer
	 * has closed; ignoring it turns that into EPIPE on the write, handled where it fails. */
	struct sigaction sa = {.sa_handler = SIG_IGN};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
}

void bo_sys_info(bo_sysinfo *si)
{
	struct utsname u;
	if (uname(&u) != 0) {
		*si = (bo_sysinfo){"?", "?", "?", "?"};
		return;
	}
	snprintf(si->hostname, sizeof si->hostname, "%s", u.nodename);
	snprintf(si->os, sizeof si->os, "%s", u.sysname);
	snprintf(si->kernel, sizeof si->kernel, "%s", u.release);
	snprintf(si->machine, sizeof si->machine, "%s", u.machine);
}

int bo_sys_tty_foreground(char *why, size_t len)
{
	if (!isatty(0) || !isatty(2)) {
		snprintf(why, len, "standard input or error is not a terminal");
		return 0;
	}
	if (tcgetpgrp(0) != getpgrp()) {
		/* A background reader of the terminal would be stopped (SIGTTIN). */
		snprintf(why, len,
		         "the probe is not the terminal's foreground process (started "
		         "with &, or under another program)");
		return 0;
	}
	return 1;
}

int bo_sys_tty_columns(void)
{
	struct winsize ws;
	if (!isatty(2) || ioctl(2, TIOCGWINSZ, &ws) != 0)
		return 0;
	return ws.ws_col;
}