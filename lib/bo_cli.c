/* SPDX-License-Identifier: Apache-2.0 */
/* Command-line helpers shared by the programs. */
#include "bo_cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "bo_sys.h"
#include "bo_time.h"

static const char *prog_name = "blackout";

void bo_cli_init(const char *prog)
{
	prog_name = prog;
	bo_sys_init();
}

void bo_cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", prog_name);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", prog_name);
	exit(BO_EXIT_USAGE);
}

int64_t bo_cli_duration(const char *opt, const char *arg)
{
	int64_t ns;
	if (bo_dur_parse(arg, &ns) != 0)
		bo_cli_usage_error(
		        "%s wants a duration with a unit (ns, us, ms, s, m, h, d), like 10ms "
		        "or 7s: %s",
		        opt, arg);
	return ns;
}

uint16_t bo_cli_port(const char *opt, const char *arg)
{
	char *end;
	long v = strtol(arg, &end, 10);
	if (!*arg || *end || v < 1 || v > 65535)
		bo_cli_usage_error("%s takes a port number, 1 to 65535: %s", opt, arg);
	return (uint16_t)v;
}

int64_t bo_cli_size(const char *opt, const char *arg)
{
	char *end;
	long long v = strtoll(arg, &end, 10);
	int shift = *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : *end ? -1 : 0;
	if (!*arg || v < 0 || shift < 0 || (shift && end[1]) || v > (INT64_MAX >> (shift + 1)))
		bo_cli_usage_error("%s takes a size in bytes, or with K, M or G (256M): %s", opt,
		                   arg);
	return (int64_t)v << shift;
}
