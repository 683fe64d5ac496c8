/* Process-wide set-up and facts about the system, behind one interface per platform
 * (bo_sys-posix.c, bo_sys-win.c). */
#ifndef BO_SYS_H
#define BO_SYS_H

/* What every program does first: a peer that closes a socket we write to must give an error
 * from that write (EPIPE), never kill the process with SIGPIPE (Windows has no such signal). */
void bo_sys_init(void);

#endif
