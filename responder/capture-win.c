/* SPDX-License-Identifier: Apache-2.0 */
/* The guest capture on Windows: Npcap's wpcap.dll, reached through a delay-load import library
 * (nothing is loaded until the first call). rsp_capture_prepare looks for the DLL where Npcap
 * installs it (System32\Npcap) before any pcap call, so without Npcap the responder runs on and
 * reports capture as unavailable. Npcap has no descriptor libuv can poll: the capture is
 * read every 10 ms (packets keep their driver timestamps; only the events come later). */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <stdio.h>
#include <string.h>

#include "os-win.h"
#include "wpcap_names.h"

#define READ_MS 10

/* Every function of wpcap.def (the list is made from it): a wpcap.dll without one of them
 * (WinPcap, an old Npcap) would fail at that first call, so it counts as absent. */
static const char *const needed[] = {WPCAP_NAMES};

static char why_absent[256];

static int npcap_loaded(char *err, size_t errlen)
{
	static int state; /* 0 unknown, 1 loaded, -1 absent */
	if (!state) {
		char dir[MAX_PATH];
		UINT n = GetSystemDirectoryA(dir, MAX_PATH - 8);
		if (n && n < MAX_PATH - 8) {
			strcat(dir, "\\Npcap");
			SetDllDirectoryA(dir); /* Npcap's wpcap.dll before an old WinPcap one */
		}
		HMODULE h = LoadLibraryA("wpcap.dll");
		SetDllDirectoryA(NULL);
		state = h ? 1 : -1;
		if (!h)
			snprintf(why_absent, sizeof why_absent,
			         "Npcap is not installed (no wpcap.dll in %s or on the PATH): "
			         "install Npcap from https://npcap.com to record arrivals",
			         dir);
		for (size_t i = 0; h && i < sizeof needed / sizeof needed[0]; i++)
			if (!GetProcAddress(h, needed[i])) {
				char path[MAX_PATH] = "wpcap.dll";
				GetModuleFileNameA(h, path, sizeof path);
				snprintf(
				        why_absent, sizeof why_absent,
				        "%s has no %s (WinPcap or an old Npcap): install a current "
				        "Npcap from https://npcap.com",
				        path, needed[i]);
				state = -1;
				break;
			}
	}
	if (state < 0)
		snprintf(err, errlen, "%s", why_absent);
	return state > 0;
}

const char *rsp_npcap_version(void)
{
	char err[8];
	return npcap_loaded(err, sizeof err) ? pcap_lib_version() : why_absent;
}

/* An adapter may be named as Npcap does (\Device\NPF_{GUID}), by its description (a part of
 * it) or by one of its addresses. */
static int matches(const pcap_if_t *d, const char *want)
{
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
	if (!npcap_loaded(err, errlen))
		return -1;
	if (strncmp(r->cap.iface, "\\Device\\", 8) == 0) {
		snprintf(r->cap.dev, sizeof r->cap.dev, "%s", r->cap.iface);
		return 0;
	}
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_if_t *all = NULL;
	if (pcap_findalldevs(&all, ebuf) != 0) {
		snprintf(err, errlen, "cannot list adapters: %s", ebuf);
		return -1;
	}
	int found = 0;
	for (pcap_if_t *d = all; d && !found; d = d->next)
		if (matches(d, r->cap.iface)) {
			snprintf(r->cap.dev, sizeof r->cap.dev, "%s", d->name);
			found = 1;
		}
	pcap_freealldevs(all);
	if (!found)
		snprintf(err, errlen,
		         "no adapter named or described \"%s\" or with that address (Npcap's "
		         "names: Get-NetAdapter | Select Name, InterfaceDescription, or use the "
		         "guest's IP address)",
		         r->cap.iface);
	return found ? 0 : -1;
}

/* Npcap's default timestamps count from the performance counter and drift from the system
 * clock; HOST_HIPREC is KeQuerySystemTimePrecise, the clock of the responder's events
 * (GetSystemTimePreciseAsFileTime). Older drivers refuse it and keep their default. */
void rsp_capture_configure(pcap_t *pc)
{
	pcap_set_tstamp_type(pc, PCAP_TSTAMP_HOST_HIPREC);
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
