/* SPDX-License-Identifier: Apache-2.0 */
/* The capture on Windows: Npcap's wpcap.dll (found first: bo_npcap_load), immediate mode, the
 * most precise time stamp type the adapter offers, and a read every CAPTURE_POLL_MS: Npcap
 * has no descriptor libuv can poll. Frames keep the driver's time stamps; only the live view
 * sees them a few milliseconds later. */
#include <winsock2.h>
#include <windows.h>

#include <stdio.h>
#include <string.h>

#include "bo_err.h"
#include "bo_npcap.h"
#include "probe.h"

#define CAPTURE_POLL_MS 2

int probe_capture_prepare(probe *p, char *err, size_t errlen)
{
	(void)p;
	return bo_npcap_load(err, errlen) ? 0 : BO_ENOENT;
}

/* Best first: the precise system time (KeQuerySystemTimePrecise: the clock of the probe's
 * own wall-clock times, GetSystemTimePreciseAsFileTime), the performance counter (precise,
 * but drifting from the system clock), the system time at its tick (~1 ms to 15.6 ms), then
 * the adapter's own clocks (not synchronised to the host's). */
static const int tstamp_order[] = {PCAP_TSTAMP_HOST_HIPREC, PCAP_TSTAMP_HOST_HIPREC_UNSYNCED,
                                   PCAP_TSTAMP_HOST,        PCAP_TSTAMP_HOST_LOWPREC,
                                   PCAP_TSTAMP_ADAPTER,     PCAP_TSTAMP_ADAPTER_UNSYNCED};

const char *probe_capture_configure(probe *p)
{
	/* read every CAPTURE_POLL_MS anyway: what came is handed over at once (Wine's wpcap.dll
	 * has no immediate mode: a timeout of a millisecond then) */
	if (bo_npcap_has("pcap_set_immediate_mode"))
		pcap_set_immediate_mode(p->cap.pcap, 1);
	else
		pcap_set_timeout(p->cap.pcap, 1);
	int *types = NULL;
	int n = pcap_list_tstamp_types(p->cap.pcap, &types);
	int best = -1;
	for (size_t k = 0; k < sizeof tstamp_order / sizeof tstamp_order[0] && best < 0; k++)
		for (int i = 0; i < n; i++)
			if (types[i] == tstamp_order[k]) {
				best = types[i];
				break;
			}
	if (n > 0)
		pcap_free_tstamp_types(types);
	if (best < 0 || pcap_set_tstamp_type(p->cap.pcap, best) != 0)
		return NULL;
	return pcap_tstamp_type_val_to_name(best);
}

static void on_poll(uv_timer_t *t)
{
	probe *p = t->data;
	/* what one read takes is bounded (probe_capture_read); a flood is read on the next tick */
	probe_capture_read(p);
}

int probe_capture_watch(probe *p)
{
	p->cap.watch.timer.data = p;
	if (uv_timer_init(p->loop, &p->cap.watch.timer) != 0)
		return -1;
	return uv_timer_start(&p->cap.watch.timer, on_poll, CAPTURE_POLL_MS, CAPTURE_POLL_MS);
}

void probe_capture_unwatch(probe *p)
{
	if (uv_is_active((uv_handle_t *)&p->cap.watch.timer))
		uv_timer_stop(&p->cap.watch.timer);
}

uv_handle_t *probe_capture_handle(probe *p)
{
	return (uv_handle_t *)&p->cap.watch.timer;
}
