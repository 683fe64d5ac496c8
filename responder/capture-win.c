/* SPDX-License-Identifier: Apache-2.0 */
/* The guest capture on Windows: Npcap's wpcap.dll, reached through a delay-load import library
 * (nothing is loaded until the first call). rsp_capture_prepare finds it first (bo_npcap_load:
 * where Npcap installs it, every function there), so without Npcap the responder runs on and
 * reports capture as unavailable. Npcap has no descriptor libuv can poll: the capture is
 * read every 10 ms (packets keep their driver timestamps; only the events come later). */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <stdio.h>
#include <string.h>

#include "bo_npcap.h"
#include "os-win.h"

#define READ_MS 10

const char *rsp_npcap_version(void)
{
	return bo_npcap_version();
}

/* An adapter may be named as Npcap does (\Device\NPF_{GUID}), by its description (a part of
 * it) or by one of its addresses. */
static int matches(const pcap_if_t *d, const void *arg)
{
	const char *want = arg;
	if (strcmp(d->name, want) == 0 || (d->description && strstr(d->description, want)))
		return 1;
	for (const pcap_addr_t *a = d->addresses; a; a = a->next) {
		bo_addr ad;
		uint16_t port;
		char s[48];
		if (a->addr && rsp_addr_from_sockaddr(a->addr, &ad, &port) == 0 &&
		    strcmp(bo_addr_str(&ad, s, sizeof s), want) == 0)
			return 1;
	}
	return 0;
}

int rsp_capture_prepare(rsp *r, char *err, size_t errlen)
{
	if (!bo_npcap_load(err, errlen)) {
		size_t n = strlen(err);
		snprintf(err + n, errlen - n, " to record arrivals");
		return -1;
	}
	if (strncmp(r->cap.iface, "\\Device\\", 8) == 0) {
		snprintf(r->cap.dev, sizeof r->cap.dev, "%s", r->cap.iface);
		return 0;
	}
	int found =
	        bo_npcap_find(matches, r->cap.iface, r->cap.dev, sizeof r->cap.dev, err, errlen);
	if (!found)
		snprintf(err, errlen,
		         "no adapter named or described \"%s\" or with that address (Npcap's "
		         "names: Get-NetAdapter | Select Name, InterfaceDescription, or use the "
		         "guest's IP address)",
		         r->cap.iface);
	return found == 1 ? 0 : -1;
}

/* Npcap's default timestamps count from the performance counter and drift from the system
 * clock; HOST_HIPREC is KeQuerySystemTimePrecise, the clock of the responder's events
 * (GetSystemTimePreciseAsFileTime). Older drivers refuse it and keep their default. Immediate
 * mode where the wpcap.dll has it (Wine's has not: a short timeout then). */
void rsp_capture_configure(pcap_t *pc)
{
	pcap_set_tstamp_type(pc, PCAP_TSTAMP_HOST_HIPREC);
	if (bo_npcap_has("pcap_set_immediate_mode"))
		pcap_set_immediate_mode(pc, 1);
	else
		pcap_set_timeout(pc, 1);
}

void rsp_capture_activated(pcap_t *pc)
{
	if (bo_npcap_has("pcap_setdirection"))
		pcap_setdirection(pc, PCAP_D_IN);
}

static void on_tick(uv_timer_t *t)
{
	rsp *r = t->data;
	if (r->cap.pcap)
		rsp_capture_ready(r, NULL);
}

int rsp_capture_watch(rsp *r)
{
	if (uv_timer_init(r->loop, &r->os->cap_tick) != 0)
		return -1;
	r->os->cap_tick.data = r;
	uv_timer_start(&r->os->cap_tick, on_tick, READ_MS, READ_MS);
	return 0;
}

void rsp_capture_unwatch(rsp *r)
{
	uv_timer_stop(&r->os->cap_tick);
	uv_close((uv_handle_t *)&r->os->cap_tick, NULL);
}
