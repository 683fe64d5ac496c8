/* SPDX-License-Identifier: Apache-2.0 */
/* One Windows event as EvtRender renders it (EvtRenderEventXml, turned into UTF-8), read
 * bounded and without an XML library: the provider's name, the event id, the time it was
 * created and the EventData values, per the event schema
 * (http://schemas.microsoft.com/win/2004/08/events/event):
 *
 *   <Event xmlns="..."><System><Provider Name="Microsoft-Windows-Hyper-V-Netvsc" Guid="{..}"/>
 *   <EventID>14</EventID> ... <TimeCreated SystemTime="2026-11-23T01:35:50.2201234Z"/> ...
 *   </System><EventData><Data Name="Miniport">...</Data></EventData></Event>
 *
 * Portable, so the tests and the fuzzer reach it (evlog-win.c subscribes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bo_log.h"
#include "bo_time.h"
#include "responder.h"

/* The first occurrence of needle in [p, end), or NULL. */
static const char *find(const char *p, const char *end, const char *needle)
{
	size_t n = strlen(needle);
	for (; p && end - p >= (ptrdiff_t)n; p++)
		if (!memcmp(p, needle, n))
			return p;
	return NULL;
}

/* The value of attribute name="..." inside the tag starting at tag (up to its '>'), into out. */
static int attr(const char *tag, const char *end, const char *name, char *out, size_t len)
{
	const char *close = find(tag, end, ">");
	char key[40];
	snprintf(key, sizeof key, " %s=\"", name);
	const char *v = close ? find(tag, close, key) : NULL;
	if (!v)
		return -1;
	v += strlen(key);
	const char *q = find(v, close, "\"");
	if (!q)
		return -1;
	size_t n = (size_t)(q - v) < len - 1 ? (size_t)(q - v) : len - 1;
	memcpy(out, v, n);
	out[n] = 0;
	return 0;
}

/* 2026-11-23T01:35:50.2201234Z: realtime ns, 0 when it does not read. */
static int64_t system_time(const char *s)
{
	int y, mo, d, h, mi, sec, used = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6)
		return 0;
	int64_t t = bo_time_utc_seconds(y, mo, d, h, mi, sec);
	if (!t)
		return 0;
	int64_t frac = 0, scale = 1000000000;
	const char *p = s + used;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (scale > 1)
				scale /= 10, frac += (*p - '0') * scale;
	return t * 1000000000 + frac;
}

int rsp_winevent_parse(const char *xml, size_t len, rsp_winevent *ev)
{
	memset(ev, 0, sizeof *ev);
	const char *end = xml + len;
	const char *sys = find(xml, end, "<System>");
	const char *sys_end = sys ? find(sys, end, "</System>") : NULL;
	if (!sys_end)
		return -1;
	const char *prov = find(sys, sys_end, "<Provider ");
	if (!prov || attr(prov, sys_end, "Name", ev->provider, sizeof ev->provider) != 0)
		return -1;
	const char *id = find(sys, sys_end, "<EventID");
	const char *idv = id ? find(id, sys_end, ">") : NULL;
	if (!idv)
		return -1;
	long v = 0;
	int digits = 0;
	for (idv++; idv < sys_end && *idv >= '0' && *idv <= '9' && digits < 6; idv++, digits++)
		v = v * 10 + (*idv - '0');
	if (!digits)
		return -1;
	ev->id = (int)v;
	const char *tc = find(sys, sys_end, "<TimeCreated ");
	char st[48];
	if (tc && attr(tc, sys_end, "SystemTime", st, sizeof st) == 0)
		ev->time_ns = system_time(st);
	/* EventData: <Data Name="...">value</Data>, the first RSP_WINEVENT_DATA of them */
	const char *p = find(sys_end, end, "<EventData>");
	const char *data_end = p ? find(p, end, "</EventData>") : NULL;
	while (p && data_end && ev->ndata < RSP_WINEVENT_DATA) {
		p = find(p, data_end, "<Data");
		if (!p)
			break;
		const char *gt = find(p, data_end, ">");
		const char *close = gt ? find(gt, data_end, "</Data>") : NULL;
		if (!gt || gt[-1] == '/' || !close) { /* <Data Name="x"/>: empty */
			p = gt ? gt + 1 : NULL;
			continue;
		}
		struct rsp_winevent_data *dd = &ev->data[ev->ndata];
		if (attr(p, data_end, "Name", dd->name, sizeof dd->name) != 0)
			dd->name[0] = 0;
		size_t n = (size_t)(close - gt - 1);
		n = n < sizeof dd->value - 1 ? n : sizeof dd->value - 1;
		memcpy(dd->value, gt + 1, n);
		dd->value[n] = 0;
		ev->ndata++;
		p = close + 7;
	}
	return 0;
}

/* Hyper-V Netvsc in the guest's System log. */
static const char *netvsc_what(int id)
{
	switch (id) {
	case 10: return "paused";
	case 11: return "restarted";
	case 12: return "connected";
	case 13: return "disconnected";
	case 14: return "network-changed"; /* the indication KB4338822's fix turns off */
	default: return NULL;
	}
}

/* The Network List Service's account of a network (NetworkProfile/Operational). */
static const char *netprofile_what(int id)
{
	switch (id) {
	case 10000: return "connected";
	case 10001: return "disconnected";
	case 10002: return "changed";
	default: return NULL;
	}
}

/* The firewall's WFInterfaceProfileChangedEvent: the re-classification that ends a normal
 * quarantine. */
static const char *fwprofile_what(int id)
{
	return id == 2010 ? "profile-changed" : NULL;
}

/* A string from the event, cleaned for a terminal. */
static json_t *text(const char *v)
{
	char clean[160]; /* an EventData value's size */
	return json_string(bo_text_clean(clean, sizeof clean, v));
}

/* A firewall profile or network category as the event gives it: the firewall's profile bits
 * (1 domain, 2 private, 4 public), NetworkProfile's category (0 public, 1 private, 2 domain),
 * or the text itself, cleaned. */
static json_t *profile_name(const char *v, int category)
{
	static const char *fw[] = {NULL, "domain", "private", NULL, "public"};
	static const char *cat[] = {"public", "private", "domain"};
	char *end;
	long n = strtol(v, &end, 0);
	if (*v && !*end && n >= 0) {
		if (category && n < 3)
			return json_string(cat[n]);
		if (!category && n < 5 && fw[n])
			return json_string(fw[n]);
	}
	return text(v);
}

/* EventData's value named name, else the one at position pos (-1: none), else NULL. */
static const char *data(const rsp_winevent *e, const char *name, int pos)
{
	for (int i = 0; i < e->ndata; i++)
		if (!strcmp(e->data[i].name, name))
			return e->data[i].value;
	return pos >= 0 && pos < e->ndata ? e->data[pos].value : NULL;
}

/* NetworkProfile 10000-10002: Name, Description, Type, State, Category. */
static void netprofile_fields(json_t *o, const rsp_winevent *e)
{
	const char *v;
	if ((v = data(e, "Name", -1)))
		json_object_set_new(o, "network", text(v));
	if ((v = data(e, "Category", -1)))
		json_object_set_new(o, "category", profile_name(v, 1));
}

/* Firewall 2010: adapter GUID, adapter name, old profile, new profile (by name, else by
 * position). */
static void fwprofile_fields(json_t *o, const rsp_winevent *e)
{
	const char *v;
	if ((v = data(e, "InterfaceName", 1)))
		json_object_set_new(o, "interface", text(v));
	if ((v = data(e, "OldProfile", 2)))
		json_object_set_new(o, "old_profile", profile_name(v, 0));
	if ((v = data(e, "NewProfile", 3)))
		json_object_set_new(o, "new_profile", profile_name(v, 0));
}

const rsp_evlog rsp_evlogs[] = {
        {BO_GEV_NETVSC, "System", "Microsoft-Windows-Hyper-V-Netvsc", 10, 14, netvsc_what, NULL,
         "Hyper-V Netvsc events 10-14 in the System log (14: the network-change indication)"},
        {BO_GEV_NETPROFILE, "Microsoft-Windows-NetworkProfile/Operational",
         "Microsoft-Windows-NetworkProfile", 10000, 10002, netprofile_what, netprofile_fields,
         "NetworkProfile events 10000-10002 (a network connected, disconnected, changed)"},
        {BO_GEV_FWPROFILE, "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall",
         "Microsoft-Windows-Windows Firewall With Advanced Security", 2010, 2010, fwprofile_what,
         fwprofile_fields, "firewall event 2010 (network profile changed on an interface)"},
};
const size_t rsp_nevlogs = sizeof rsp_evlogs / sizeof rsp_evlogs[0];

json_t *rsp_evlog_event(const rsp_evlog *src, const rsp_winevent *e)
{
	const char *what = src->what(e->id);
	if (strcmp(e->provider, src->provider) || e->id < src->id_lo || e->id > src->id_hi || !what)
		return NULL;
	json_t *o = json_pack("{s:i, s:s}", "id", e->id, "what", what);
	if (!o)
		return NULL;
	json_object_set_new(o, "event_time_ns",
	                    e->time_ns ? json_integer((json_int_t)e->time_ns) : json_null());
	if (src->fields)
		src->fields(o, e);
	return o;
}
