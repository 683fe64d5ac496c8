/* SPDX-License-Identifier: Apache-2.0 */
/* Command-line helpers shared by the programs: usage errors that point at --help, and
 * duration arguments with units. All three programs exit with 2 on a usage error. */
#ifndef BO_CLI_H
#define BO_CLI_H

#include <stdint.h>

#define BO_EXIT_USAGE 2

/* The program's name for messages ("blackout-probe"); set first thing in main, which also
 * does the process-wide set-up every program needs (bo_sys_init: SIGPIPE ignored). */
void bo_cli_init(const char *prog);

/* Prints "PROG: message" and "Try 'PROG --help'." and exits with BO_EXIT_USAGE. */
__attribute__((format(printf, 1, 2), noreturn)) void bo_cli_usage_error(const char *fmt, ...);

/* Parses the duration argument of option opt, or exits with a usage error naming the units. */
int64_t bo_cli_duration(const char *opt, const char *arg);

/* Parses a size argument: bytes, or with K, M, G (powers of 1024), like 256M; or exits with a
 * usage error. */
int64_t bo_cli_size(const char *opt, const char *arg);

/* Parses the port argument of option opt (1..65535), or exits with a usage error. */
uint16_t bo_cli_port(const char *opt, const char *arg);

#endif
