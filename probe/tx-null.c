/* SPDX-License-Identifier: Apache-2.0 */
/* The transmit backend of a platform that has none yet: every slot fails to open with a clear
 * error; --dry-run still works. A new platform replaces this file with its own backend
 * (docs/HACKING.md, "A platform"). */
#include <stdio.h>

#include "bo_err.h"
#include "probe.h"

static int null_open(probe *p, char *err, size_t errlen)
{
	(void)p;
	snprintf(err, errlen,
	         "this build of blackout-probe cannot send probes on this platform (no transmit "
	         "backend); --dry-run works");
	return BO_ENOTSUP;
}

static int null_slot_open(probe_slot *s, char *err, size_t errlen)
{
	(void)s;
	return null_open(NULL, err, errlen);
}

static int null_send(probe_slot *s, const bo_probe_pkt *pkt, uint32_t seq, int64_t deadline)
{
	(void)s, (void)pkt, (void)seq, (void)deadline;
	return BO_ENOTSUP;
}

static void null_close(probe *p)
{
	(void)p;
}

const probe_tx_ops probe_tx_system = {
        .name = "none",
        .open = null_open,
        .slot_open = null_slot_open,
        .send = null_send,
        .close = null_close,
};
