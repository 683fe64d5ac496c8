/* SPDX-License-Identifier: Apache-2.0 */
/* The Windows event logs that tell what the guest saw of a migration, one subscription per row
 * of rsp_evlogs (winevent.c): Hyper-V Netvsc's events in the System log ("netvsc"; 14 is the
 * network-change indication KB4338822's fix turns off), the Network List Service's network
 * events ("netprofile", 10000-10002) and the firewall's profile change on an interface
 * ("fwprofile", 2010: the re-classification that ends a normal quarantine). Each is an
 * EvtSubscribe to future events; its callback runs on a system thread, renders the event
 * (EvtRenderEventXml), reads it (winevent.c, bounded), makes its report and hands that to the
 * loop, which logs it on the event log's own clock. A subscription refused (an old system, a
 * channel that is not there, Wine) says why in the start event and the others go on. */
#include <winsock2.h>
#include <windows.h>
#include <winevt.h>

#include <stdio.h>
#include <stdlib.h>

#include "bo_time.h"
#include "os-win.h"

#define QUEUE 64
#define XML_MAX 16384 /* a rendered event: wide characters */

typedef struct ev_item { /* the event as reported, made on the callback's thread */
	int src;
	int64_t at;
	json_t *e;
} ev_item;

struct evlog;
typedef struct ev_sub {
	EVT_HANDLE h;
	int src;
	struct evlog *log;
	WCHAR wide[XML_MAX]; /* a subscription's callbacks come one at a time */
	char xml[XML_MAX * 3];
} ev_sub;

typedef struct evlog {
	rsp_handoff q;
	rsp *r;
	ev_sub *sub; /* one per rsp_evlogs row */
} evlog;

static DWORD WINAPI on_event(EVT_SUBSCRIBE_NOTIFY_ACTION action, PVOID ctx, EVT_HANDLE ev)
{
	ev_sub *s = ctx;
	if (action != EvtSubscribeActionDeliver)
		return 0;
	DWORD used = 0, props = 0;
	if (!EvtRender(NULL, ev, EvtRenderEventXml, sizeof s->wide, s->wide, &used, &props))
		return 0;
	int len = WideCharToMultiByte(CP_UTF8, 0, s->wide, -1, s->xml, (int)sizeof s->xml, NULL,
	                              NULL);
	rsp_winevent e;
	if (len <= 0 || rsp_winevent_parse(s->xml, (size_t)len - 1, &e) != 0)
		return 0;
	ev_item it = {s->src, e.time_ns ? e.time_ns : bo_clock_real_ns(),
	              rsp_evlog_event(&rsp_evlogs[s->src], &e)};
	if (it.e && rsp_handoff_push(&s->log->q, &it) != 0)
		json_decref(it.e); /* counted; said with the next one that fits */
	return 0;
}

static void take(void *data, const void *item, unsigned dropped)
{
	evlog *l = data;
	const ev_item *it = item;
	if (dropped)
		rsp_event(l->r, BO_GEV_EVLOG_OVERRUN, json_pack("{s:i}", "dropped", (int)dropped));
	rsp_event_at(l->r, rsp_evlogs[it->src].type, it->e, it->at);
}

/* The subscription to row i, its state said in sys[type]. */
static void subscribe(evlog *l, size_t i, json_t *sys)
{
	const rsp_evlog *src = &rsp_evlogs[i];
	char line[300], query[300];
	WCHAR wchannel[160], wquery[300];
	snprintf(query, sizeof query,
	         "*[System[Provider[@Name='%s'] and (EventID>=%d and EventID<=%d)]]", src->provider,
	         src->id_lo, src->id_hi);
	ev_sub *s = &l->sub[i];
	s->src = (int)i;
	s->log = l;
	if (MultiByteToWideChar(CP_UTF8, 0, src->channel, -1, wchannel, 160) > 0 &&
	    MultiByteToWideChar(CP_UTF8, 0, query, -1, wquery, 300) > 0)
		s->h = EvtSubscribe(NULL, NULL, wchannel, wquery, NULL, s, on_event,
		                    EvtSubscribeToFutureEvents);
	if (!s->h) {
		DWORD e = GetLastError();
		snprintf(line, sizeof line, "unavailable: EvtSubscribe on %s failed (error %lu%s)",
		         src->channel, (unsigned long)e,
		         e == ERROR_EVT_CHANNEL_NOT_FOUND ? ": no such channel here" : "");
		json_object_set_new(sys, bo_gev_name(src->type), json_string(line));
		return;
	}
	snprintf(line, sizeof line, "watching %s", src->watching);
	json_object_set_new(sys, bo_gev_name(src->type), json_string(line));
}

void rsp_evlog_start(rsp *r, json_t *sys)
{
	evlog *l = calloc(1, sizeof *l);
	ev_sub *sub = calloc(rsp_nevlogs, sizeof *sub);
	if (!l || !sub || rsp_handoff_init(&l->q, r->loop, sizeof(ev_item), QUEUE, take, l) != 0) {
		for (size_t i = 0; i < rsp_nevlogs; i++)
			json_object_set_new(sys, bo_gev_name(rsp_evlogs[i].type),
			                    json_string("unavailable: out of memory"));
		free(l);
		free(sub);
		return;
	}
	l->r = r;
	l->sub = sub;
	for (size_t i = 0; i < rsp_nevlogs; i++)
		subscribe(l, i, sys);
	r->os->evlog = l;
}

void rsp_evlog_stop(rsp *r)
{
	evlog *l = r->os->evlog;
	if (!l)
		return;
	for (size_t i = 0; i < rsp_nevlogs; i++)
		if (l->sub[i].h)
			EvtClose(l->sub[i].h); /* waits for a running callback */
	rsp_handoff_close(&l->q, free);
	free(l->sub);
	r->os->evlog = NULL;
}
