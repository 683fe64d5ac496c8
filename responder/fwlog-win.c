/* SPDX-License-Identifier: Apache-2.0 */
/* The guest firewall's drops on Windows: WFP's net events (FwpmNetEventSubscribe) would say
 * them; not read yet, and --fw-log says so. */
#include <stdio.h>

#include "responder.h"

int rsp_fwlog_start(rsp *r, char *err, size_t errlen)
{
	(void)r;
	snprintf(err, errlen, "not on Windows yet (its drops are WFP net events)");
	return -1;
}

void rsp_fwlog_stop(rsp *r)
{
	(void)r;
}
