/* SPDX-License-Identifier: Apache-2.0 */
/* Where --watch is not built (Windows): the option says so. */
#include <stdio.h>

#include "probe.h"

int probe_watch_run(const probe_config *cfg)
{
	(void)cfg;
	fprintf(stderr, "blackout-probe: --watch is not available in this build (it runs on "
	                "Linux, as a service: docs/watch.md); measure a maintenance window with "
	                "--duration or --exec instead\n");
	return PROBE_EXIT_USAGE;
}

int probe_watch_status(probe *p)
{
	(void)p;
	return 0;
}
