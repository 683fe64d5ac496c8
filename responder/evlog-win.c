/* The network-change indication as the guest sees it (Windows): Hyper-V Netvsc's events in
 * the System log (provider Microsoft-Windows-Hyper-V-Netvsc: 10 paused, 11 restarted,
 * 12 connected, 13 disconnected, 14 "network has changed", the indication KB4338822's fix
 * turns off), subscribed with EvtSubscribe; each a "netvsc" event {"id", "what",
 * "event_time_ns"} on the event log's own clock. The callback runs on a system thread: it
 * renders the event (EvtRenderEventXml), reads it (winevent.c, bounded) and hands the little
 * it needs to the loop. Refused (an old system, Wine), it says why in the start event. */
#include <winsock2.h>
#include <windows.h>
#include <winevt.h>

#include <stdio.h>
#include <stdlib.h>

#include "bo_time.h"
#include "os-win.h"

#define QUEUE 64
#define XML_MAX 16384 /* a rendered event: wide characters */

typedef struct nv_item {
	int id;
	int64_t time_ns, realtime_ns;
} nv_item;

typedef struct netvsc {
	EVT_HANDLE sub;
	rsp_handoff q;
	rsp *r;
} netvsc;

static DWORD WINAPI on_event(EVT_SUBSCRIBE_NOTIFY_ACTION action, PVOID ctx, EVT_HANDLE ev)
{
	netvsc *n = ctx;
	if (action != EvtSubscribeActionDeliver)
		return 0;
	static WCHAR wide[XML_MAX]; /* callbacks of one subscription come one at a time */
	static char xml[XML_MAX * 3];
	DWORD used = 0, props = 0;
	if (!EvtRender(NULL, ev, EvtRenderEventXml, sizeof wide, wide, &used, &props))
		return 0;
	int len = WideCharToMultiByte(CP_UTF8, 0, wide, -1, xml, (int)sizeof xml, NULL, NULL);
	rsp_winevent e;
	if (len <= 0 || rsp_winevent_parse(xml, (size_t)len - 1, &e) != 0 || !rsp_netvsc_what(e.id))
		return 0;
	nv_item it = {e.id, e.time_ns, bo_clock_real_ns()};
	rsp_handoff_push(&n->q, &it);
	return 0;
}

static void take(void *data, const void *item, unsigned dropped)
{
	netvsc *n = data;
	const nv_item *it = item;
	if (dropped)
		rsp_event(n->r, "netvsc-overrun", json_pack("{s:i}", "dropped", (int)dropped));
	json_t *e = json_pack("{s:i, s:s}", "id", it->id, "what", rsp_netvsc_what(it->id));
	json_object_set_new(e, "event_time_ns",
	                    it->time_ns ? json_integer((json_int_t)it->time_ns) : json_null());
	rsp_event_at(n->r, "netvsc", e, it->time_ns ? it->time_ns : it->realtime_ns);
}

void rsp_netvsc_start(rsp *r, json_t *sys)
{
	char line[200];
	netvsc *n = calloc(1, sizeof *n);
	if (!n)
		return;
	n->r = r;
	if (rsp_handoff_init(&n->q, r->loop, sizeof(nv_item), QUEUE, take, n) != 0) {
		free(n);
		return;
	}
	n->sub = EvtSubscribe(NULL, NULL, L"System",
	                      L"*[System[Provider[@Name='Microsoft-Windows-Hyper-V-Netvsc'] and "
	                      L"(EventID>=10 and EventID<=14)]]",
	                      NULL, n, on_event, EvtSubscribeToFutureEvents);
	if (!n->sub) {
		snprintf(line, sizeof line,
		         "unavailable: EvtSubscribe on the System log failed (error %lu); the "
		         "indication is then inferred from the network events",
		         (unsigned long)GetLastError());
		json_object_set_new(sys, "netvsc", json_string(line));
		rsp_handoff_close(&n->q, free);
		return;
	}
	json_object_set_new(sys, "netvsc",
	                    json_string("watching Hyper-V Netvsc events 10-14 in the System log "
	                                "(14: the network-change indication)"));
	r->os->netvsc = n;
}

void rsp_netvsc_stop(rsp *r)
{
	netvsc *n = r->os->netvsc;
	if (!n)
		return;
	EvtClose(n->sub); /* waits for a running callback */
	rsp_handoff_close(&n->q, free);
	r->os->netvsc = NULL;
}
