/* SPDX-License-Identifier: Apache-2.0 */
/* Process set-up on Windows. */
#include <io.h>
#include <stdio.h>
#include <windows.h>

#include "bo_sys.h"

void bo_sys_init(void)
{
	/* Winsock reports a closed peer as WSAECONNRESET on the send; there is no SIGPIPE. */
}

void bo_sys_info(bo_sysinfo *si)
{
	DWORD n = sizeof si->hostname;
	if (!GetComputerNameA(si->hostname, &n))
		snprintf(si->hostname, sizeof si->hostname, "?");
	snprintf(si->os, sizeof si->os, "Windows");
	si->kernel[0] = 0; /* the responder's checks read the build from the registry */
	SYSTEM_INFO i;
	GetNativeSystemInfo(&i);
	snprintf(si->machine, sizeof si->machine, "%s",
	         i.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_AMD64   ? "x86_64"
	         : i.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_ARM64 ? "arm64"
	                                                                    : "x86");
}

int bo_sys_tty_foreground(char *why, size_t len)
{
	if (!_isatty(0) || !_isatty(2)) {
		snprintf(why, len, "standard input or error is not a console");
		return 0;
	}
	return 1;
}

int bo_sys_tty_columns(void)
{
	CONSOLE_SCREEN_BUFFER_INFO ci;
	if (!_isatty(2) || !GetConsoleScreenBufferInfo(GetStdHandle(STD_ERROR_HANDLE), &ci))
		return 0;
	return ci.srWindow.Right - ci.srWindow.Left + 1;
}