/* SPDX-License-Identifier: Apache-2.0 */
/* Process-wide set-up and facts about the system, behind one interface per platform
 * (bo_sys-posix.c, bo_sys-win.c). */
#ifndef BO_SYS_H
#define BO_SYS_H

#include <stddef.h>

/* What every program does first: a peer that closes a socket we write to must give an error
 * from that write (EPIPE), never kill the process with SIGPIPE (Windows has no such signal). */
void bo_sys_init(void);

/* What a run's header says of the machine it ran on. */
typedef struct bo_sysinfo {
	char hostname[256];
	char os[64];      /* "Linux", "Windows" */
	char kernel[128]; /* the kernel's release */
	char machine[64]; /* "x86_64" */
} bo_sysinfo;
void bo_sys_info(bo_sysinfo *si);

/* Is this process the foreground of the terminal on standard input and error (keys can be
 * read without the shell stopping it)? 1 yes; 0 no, with the reason in why. */
int bo_sys_tty_foreground(char *why, size_t len);

/* The width in columns of the terminal on standard error, 0 when it is not one (or says no
 * width). */
int bo_sys_tty_columns(void);

#endif
