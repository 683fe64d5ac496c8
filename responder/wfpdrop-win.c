/* SPDX-License-Identifier: Apache-2.0 */
/* The Windows firewall's per-packet drops: WFP net events (FwpmNetEventSubscribe0, Windows 7
 * and later, an elevated responder), each classify drop of a probe for this responder a
 * "wfp-drop" event (wfpdrop.c) with whether the filter that dropped it is one of the
 * quarantine's (wfp-win.c knows their ids). WFP calls back on its own thread; the callback
 * copies the little it needs and hands our probes' drops to the loop, which looks up the
 * filter and reports under the event budget (events.c: counted when it bites). The functions
 * are looked up in fwpuclnt.dll at run time, so a system without them (Wine) still starts,
 * and says so. The engine collects net events only where FWPM_ENGINE_COLLECT_NET_EVENTS is
 * on (the default from Windows 8; `netsh wfp set options netevents = on`): the start event
 * says which. */
#include <winsock2.h>
#include <windows.h>
#include <fwpmu.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bo_time.h"
#include "os-win.h"

#define QUEUE 1024

/* FWPM_NET_EVENT_HEADER's flags (the Windows SDK's fwpmtypes.h; mingw-w64 lacks them) */
#ifndef FWPM_NET_EVENT_FLAG_IP_PROTOCOL_SET
#define FWPM_NET_EVENT_FLAG_IP_PROTOCOL_SET 0x00000001
#define FWPM_NET_EVENT_FLAG_LOCAL_ADDR_SET 0x00000002
#define FWPM_NET_EVENT_FLAG_REMOTE_ADDR_SET 0x00000004
#define FWPM_NET_EVENT_FLAG_LOCAL_PORT_SET 0x00000008
#define FWPM_NET_EVENT_FLAG_REMOTE_PORT_SET 0x00000010
#define FWPM_NET_EVENT_FLAG_IP_VERSION_SET 0x00000100
#endif

typedef DWORD(WINAPI *subscribe_fn)(HANDLE, const FWPM_NET_EVENT_SUBSCRIPTION0 *,
                                    FWPM_NET_EVENT_CALLBACK0, void *, HANDLE *);
typedef DWORD(WINAPI *unsubscribe_fn)(HANDLE, HANDLE);
typedef DWORD(WINAPI *getoption_fn)(HANDLE, FWPM_ENGINE_OPTION, FWP_VALUE0 **);

typedef struct wfpdrop {
	HANDLE engine, sub;
	unsubscribe_fn unsubscribe;
	rsp_handoff q;
	rsp *r;
} wfpdrop;

static void CALLBACK on_event(void *ctx, const FWPM_NET_EVENT1 *ev)
{
	if (!ev || ev->type != FWPM_NET_EVENT_TYPE_CLASSIFY_DROP || !ev->classifyDrop)
		return;
	const FWPM_NET_EVENT_HEADER1 *h = &ev->header;
	rsp_wfpdrop d = {0};
	d.filetime = ((uint64_t)h->timeStamp.dwHighDateTime << 32) | h->timeStamp.dwLowDateTime;
	d.filter_id = ev->classifyDrop->filterId;
	d.layer_id = ev->classifyDrop->layerId;
	d.reauth_reason = ev->classifyDrop->reauthReason;
	d.direction = ev->classifyDrop->msFwpDirection;
	d.proto = h->flags & FWPM_NET_EVENT_FLAG_IP_PROTOCOL_SET ? h->ipProtocol : 0;
	if (h->flags & FWPM_NET_EVENT_FLAG_LOCAL_PORT_SET)
		d.local_port = h->localPort;
	if (h->flags & FWPM_NET_EVENT_FLAG_REMOTE_PORT_SET)
		d.remote_port = h->remotePort;
	/* without both addresses and the version, family 0: not ours; WFP gives IPv4
	 * addresses in host order */
	int addrs = (h->flags & FWPM_NET_EVENT_FLAG_LOCAL_ADDR_SET) &&
	            (h->flags & FWPM_NET_EVENT_FLAG_REMOTE_ADDR_SET) &&
	            (h->flags & FWPM_NET_EVENT_FLAG_IP_VERSION_SET);
	if (addrs && h->ipVersion == FWP_IP_VERSION_V4) {
		d.family = 4;
		uint32_t l = htonl(h->localAddrV4), r = htonl(h->remoteAddrV4);
		memcpy(d.local, &l, 4);
		memcpy(d.remote, &r, 4);
	} else if (addrs && h->ipVersion == FWP_IP_VERSION_V6) {
		d.family = 6;
		memcpy(d.local, h->localAddrV6.byteArray16, 16);
		memcpy(d.remote, h->remoteAddrV6.byteArray16, 16);
	}
	/* only our probes take a place in the hand-off: the machine's other drops (a scan)
	 * must not crowd them out (the ports are set before the subscription, never after) */
	wfpdrop *w = ctx;
	if (rsp_wfpdrop_ours(&d, w->r->port, w->r->tcp_port))
		rsp_handoff_push(&w->q, &d);
}

static void take(void *data, const void *item, unsigned dropped)
{
	wfpdrop *w = data;
	const rsp_wfpdrop *d = item;
	if (dropped)
		rsp_event(w->r, BO_GEV_WFP_DROP_OVERRUN,
		          json_pack("{s:i}", "dropped", (int)dropped));
	json_t *e = rsp_wfpdrop_json(d, rsp_wfp_quarantine_filter(w->r, d->filter_id));
	int64_t t = bo_time_filetime_ns(d->filetime);
	if (e)
		rsp_event_at(w->r, BO_GEV_WFP_DROP, e, t ? t : bo_clock_real_ns());
}

/* Whether the engine collects net events: "on", "off", or "not known". */
static const char *collecting(HANDLE engine, HMODULE lib)
{
	getoption_fn get =
	        (getoption_fn)(void (*)(void))GetProcAddress(lib, "FwpmEngineGetOption0");
	FWP_VALUE0 *v = NULL;
	if (!get || get(engine, FWPM_ENGINE_COLLECT_NET_EVENTS, &v) != ERROR_SUCCESS || !v)
		return "not known";
	const char *on = v->type == FWP_UINT32 && v->uint32 ? "on" : "off";
	FwpmFreeMemory0((void **)&v);
	return on;
}

void rsp_wfpdrop_start(rsp *r, json_t *sys)
{
	char line[300];
	HMODULE lib = GetModuleHandleW(L"fwpuclnt.dll");
	subscribe_fn subscribe =
	        lib ? (subscribe_fn)(void (*)(void))GetProcAddress(lib, "FwpmNetEventSubscribe0")
	            : NULL;
	unsubscribe_fn unsubscribe = lib ? (unsubscribe_fn)(void (*)(void))GetProcAddress(
	                                           lib, "FwpmNetEventUnsubscribe0")
	                                 : NULL;
	if (!subscribe || !unsubscribe) {
		json_object_set_new(
		        sys, "wfp_drops",
		        json_string("unavailable: fwpuclnt.dll has no "
		                    "FwpmNetEventSubscribe0 (Windows 7 or later has it); "
		                    "drops are then known from the captures"));
		return;
	}
	wfpdrop *w = calloc(1, sizeof *w);
	if (!w)
		return;
	w->r = r;
	w->unsubscribe = unsubscribe;
	if (!(w->engine = rsp_wfp_engine(sys, "wfp_drops"))) {
		free(w);
		return;
	}
	if (rsp_handoff_init(&w->q, r->loop, sizeof(rsp_wfpdrop), QUEUE, take, w) != 0) {
		FwpmEngineClose0(w->engine);
		free(w);
		return;
	}
	FWPM_NET_EVENT_SUBSCRIPTION0 s = {0}; /* no template: every net event, filtered here */
	DWORD e = subscribe(w->engine, &s, on_event, w, &w->sub);
	if (e != ERROR_SUCCESS) {
		snprintf(line, sizeof line,
		         "unavailable: %s (error 0x%lx); drops are then known from the captures",
		         e == ERROR_ACCESS_DENIED
		                 ? "watching net events needs an elevated responder"
		                 : "FwpmNetEventSubscribe0 failed",
		         (unsigned long)e);
		json_object_set_new(sys, "wfp_drops", json_string(line));
		FwpmEngineClose0(w->engine);
		rsp_handoff_close(&w->q, free);
		return;
	}
	const char *on = collecting(w->engine, lib);
	snprintf(line, sizeof line, "watching classify drops (net event collection %s%s)", on,
	         strcmp(on, "off") ? "" : ": none will come; netsh wfp set options netevents = on");
	json_object_set_new(sys, "wfp_drops", json_string(line));
	r->os->wfpdrop = w;
}

void rsp_wfpdrop_stop(rsp *r)
{
	wfpdrop *w = r->os->wfpdrop;
	if (!w)
		return;
	w->unsubscribe(w->engine, w->sub); /* waits for running callbacks */
	FwpmEngineClose0(w->engine);
	rsp_handoff_close(&w->q, free);
	r->os->wfpdrop = NULL;
}
