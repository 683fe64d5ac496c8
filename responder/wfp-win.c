/* SPDX-License-Identifier: Apache-2.0 */
/* The interface quarantine from inside: Windows Filtering Platform filter changes
 * (FwpmFilterSubscribeChanges0; needs an elevated responder). The firewall's quarantine keeps
 * its filters in a sublayer of its own; the per-interface *unquarantine* filters going away and
 * coming back are the guest-side start and end of a quarantine. Each add or delete of such a
 * filter becomes a "wfp" event {"op":"add"|"del", "filter_id", "name", "kind":
 * "unquarantine"|"quarantine"}. Quarantine filters are told by name ("...quarantine...") and
 * by the sublayer those names are found in; WFP calls back on its own thread, so the callback
 * only hands the change to the loop (handoff.c), which looks the filter up. */
#include <winsock2.h>
#include <windows.h>
#include <fwpmu.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "bo_time.h"
#include "os-win.h"

#define QUEUE 512
#define KNOWN 512

typedef struct change {
	UINT32 type;
	UINT64 id;
	int64_t realtime_ns;
} change;

typedef struct known {
	UINT64 id;
	char name[96];
	int unq;
} known;

typedef struct wfp {
	HANDLE engine, sub;
	rsp_handoff q;
	known k[KNOWN]; /* the quarantine filters seen, for their deletes */
	unsigned nk;
	GUID sublayer;
	int have_sublayer;
	rsp *r;
} wfp;

static void name_of(const FWPM_FILTER0 *f, char *out, size_t len, int *quar, int *unq)
{
	const wchar_t *w = f->displayData.name ? f->displayData.name : L"";
	wchar_t low[96];
	size_t i = 0;
	for (; w[i] && i + 1 < sizeof low / sizeof low[0]; i++)
		low[i] = towlower(w[i]);
	low[i] = 0;
	WideCharToMultiByte(CP_UTF8, 0, w, -1, out, (int)len, NULL, NULL);
	out[len - 1] = 0;
	*quar = wcsstr(low, L"quarantine") != NULL;
	*unq = wcsstr(low, L"unquarantine") != NULL || wcsstr(low, L"un-quarantine") != NULL;
}

/* A filter of the quarantine: returns 1 and remembers it (for its delete). */
static int learn(wfp *w, const FWPM_FILTER0 *f)
{
	char name[96];
	int quar, unq;
	name_of(f, name, sizeof name, &quar, &unq);
	if (quar && !w->have_sublayer) {
		w->sublayer = f->subLayerKey;
		w->have_sublayer = 1;
	}
	if (!quar && !(w->have_sublayer && IsEqualGUID(&f->subLayerKey, &w->sublayer)))
		return 0;
	known *k = &w->k[w->nk++ % KNOWN]; /* bounded: the oldest is forgotten */
	k->id = f->filterId;
	k->unq = unq;
	snprintf(k->name, sizeof k->name, "%s", name);
	return 1;
}

static void CALLBACK on_change(void *ctx, const FWPM_FILTER_CHANGE0 *c)
{
	change ch = {c->changeType, c->filterId, bo_clock_real_ns()};
	rsp_handoff_push(&((wfp *)ctx)->q, &ch);
}

static void emit(wfp *w, const char *op, const known *k, int64_t t)
{
	rsp_event_at(w->r, BO_GEV_WFP,
	             json_pack("{s:s, s:I, s:s, s:s}", "op", op, "filter_id", (json_int_t)k->id,
	                       "name", k->name, "kind", k->unq ? "unquarantine" : "quarantine"),
	             t);
}

static void take(void *data, const void *item, unsigned dropped)
{
	wfp *w = data;
	const change *c = item;
	if (dropped)
		rsp_event(w->r, BO_GEV_WFP,
		          json_pack("{s:s, s:i}", "op", "overflow", "dropped", (int)dropped));
	if (c->type == FWPM_CHANGE_ADD) {
		FWPM_FILTER0 *f = NULL;
		if (FwpmFilterGetById0(w->engine, c->id, &f) == ERROR_SUCCESS) {
			if (learn(w, f))
				emit(w, "add", &w->k[(w->nk - 1) % KNOWN], c->realtime_ns);
			FwpmFreeMemory0((void **)&f);
		}
	} else if (c->type == FWPM_CHANGE_DELETE) {
		unsigned n = w->nk < KNOWN ? w->nk : KNOWN;
		for (unsigned i = 0; i < n; i++)
			if (w->k[i].id == c->id) {
				emit(w, "del", &w->k[i], c->realtime_ns);
				w->k[i].id = 0;
				break;
			}
	}
}

/* The quarantine filters there now: the sublayer is learnt and the filters remembered. */
static int prime(wfp *w, int *unq)
{
	HANDLE h = NULL;
	FWPM_FILTER0 **all = NULL;
	UINT32 n = 0;
	int found = 0;
	*unq = 0;
	if (FwpmFilterCreateEnumHandle0(w->engine, NULL, &h) != ERROR_SUCCESS)
		return 0;
	while (FwpmFilterEnum0(w->engine, h, 1024, &all, &n) == ERROR_SUCCESS && n) {
		for (UINT32 i = 0; i < n; i++)
			if (learn(w, all[i])) {
				found++;
				*unq += w->k[(w->nk - 1) % KNOWN].unq;
			}
		FwpmFreeMemory0((void **)&all);
		if (n < 1024)
			break;
	}
	FwpmFilterDestroyEnumHandle0(w->engine, h);
	return found;
}

void *rsp_wfp_engine(json_t *sys, const char *key)
{
	HANDLE engine = NULL;
	DWORD e = FwpmEngineOpen0(NULL, RPC_C_AUTHN_WINNT, NULL, NULL, &engine);
	if (e == ERROR_SUCCESS)
		return engine;
	char line[100];
	snprintf(line, sizeof line, "unavailable: cannot open the WFP engine (error 0x%lx)",
	         (unsigned long)e);
	json_object_set_new(sys, key, json_string(line));
	return NULL;
}

void rsp_wfp_start(rsp *r, json_t *sys)
{
	char line[200];
	wfp *w = calloc(1, sizeof *w);
	if (!w)
		return;
	w->r = r;
	if (!(w->engine = rsp_wfp_engine(sys, "wfp"))) {
		free(w);
		return;
	}
	int unq, found = prime(w, &unq);
	if (rsp_handoff_init(&w->q, r->loop, sizeof(change), QUEUE, take, w) != 0) {
		FwpmEngineClose0(w->engine);
		free(w);
		return;
	}
	FWPM_FILTER_SUBSCRIPTION0 s = {0};
	DWORD e = FwpmFilterSubscribeChanges0(w->engine, &s, on_change, w, &w->sub);
	if (e != ERROR_SUCCESS) {
		snprintf(line, sizeof line,
		         "unavailable: %s (error 0x%lx); quarantine start and end are then known "
		         "only from the probe's side",
		         e == ERROR_ACCESS_DENIED || e == (DWORD)FWP_E_NOT_FOUND
		                 ? "watching filter changes needs an elevated responder"
		                 : "FwpmFilterSubscribeChanges0 failed",
		         (unsigned long)e);
		json_object_set_new(sys, "wfp", json_string(line));
		FwpmEngineClose0(w->engine);
		rsp_handoff_close(&w->q, free);
		return;
	}
	snprintf(line, sizeof line,
	         "watching filter changes: %d quarantine filter(s) now, %d of them unquarantine",
	         found, unq);
	json_object_set_new(sys, "wfp", json_string(line));
	r->os->wfp = w;
}

void rsp_wfp_stop(rsp *r)
{
	wfp *w = r->os->wfp;
	if (!w)
		return;
	FwpmFilterUnsubscribeChanges0(w->engine, w->sub); /* waits for running callbacks */
	FwpmEngineClose0(w->engine);
	rsp_handoff_close(&w->q, free);
	r->os->wfp = NULL;
}

int rsp_wfp_quarantine_filter(rsp *r, uint64_t filter_id)
{
	const wfp *w = r->os->wfp;
	if (!w)
		return -1; /* the filters are not watched: not known */
	unsigned n = w->nk < KNOWN ? w->nk : KNOWN;
	for (unsigned i = 0; i < n; i++)
		if (w->k[i].id == filter_id)
			return 1;
	return 0;
}
