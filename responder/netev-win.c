/* SPDX-License-Identifier: Apache-2.0 */
/* The guest's network changes on Windows, as "net" events:
 *   NotifyIpInterfaceChange      {"what":"link", "ifindex", "family", "op", "connected"}
 *   NotifyUnicastIpAddressChange {"what":"addr", "op", "ifindex", "addr", "prefix"} (the
 *                                per-address successor of NotifyAddrChange, both families)
 *   NotifyNetworkConnectivityHintChange {"what":"connectivity", "level", "cost"} where the
 *                                system has it (build 19041 and later: looked up at run time)
 * Windows calls back on its own threads: each callback hands what it needs to the loop
 * (handoff.c), which turns it into an event. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <iphlpapi.h>
#include <netioapi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bo_time.h"
#include "os-win.h"

#define QUEUE 256

enum { EV_LINK, EV_ADDR, EV_HINT };

typedef struct netev_item {
	int kind, op;
	unsigned ifindex, family, prefix;
	int connected;
	bo_addr addr;
	int level, cost;
	int64_t realtime_ns; /* when Windows called back */
} netev_item;

typedef struct netev_os {
	rsp_handoff q;
	HANDLE h_if, h_unicast, h_hint;
	rsp *r;
} netev_os;

/* NL_NETWORK_CONNECTIVITY_HINT (netioapi.h of newer SDKs) */
typedef struct hint {
	int level, cost;
	BOOLEAN approaching_limit, over_limit, roaming;
} hint;
typedef void(WINAPI *hint_cb)(void *ctx, hint h);
typedef DWORD(WINAPI *notify_hint_fn)(BOOLEAN initial, void *ctx, hint_cb cb, HANDLE *handle);

static const char *op_name(int op)
{
	switch (op) {
	case MibParameterNotification: return "change";
	case MibAddInstance: return "add";
	case MibDeleteInstance: return "del";
	case MibInitialNotification: return "initial";
	default: return "unknown";
	}
}

static void WINAPI on_interface(void *ctx, MIB_IPINTERFACE_ROW *row, MIB_NOTIFICATION_TYPE type)
{
	netev_item it = {.kind = EV_LINK, .op = type, .realtime_ns = bo_clock_real_ns()};
	if (row) {
		it.ifindex = row->InterfaceIndex;
		it.family = row->Family == AF_INET6 ? 6 : 4;
		it.connected = row->Connected ? 1 : 0;
		if (type == MibParameterNotification) { /* the notification carries keys only */
			MIB_IPINTERFACE_ROW full = *row;
			if (GetIpInterfaceEntry(&full) == NO_ERROR)
				it.connected = full.Connected ? 1 : 0;
		}
	}
	rsp_handoff_push(&((netev_os *)ctx)->q, &it);
}

static void WINAPI on_address(void *ctx, MIB_UNICASTIPADDRESS_ROW *row, MIB_NOTIFICATION_TYPE type)
{
	netev_item it = {.kind = EV_ADDR, .op = type, .realtime_ns = bo_clock_real_ns()};
	if (row) {
		uint16_t port;
		it.ifindex = row->InterfaceIndex;
		it.prefix = row->OnLinkPrefixLength;
		rsp_addr_from_sockaddr((const struct sockaddr *)&row->Address, &it.addr, &port);
	}
	rsp_handoff_push(&((netev_os *)ctx)->q, &it);
}

static void WINAPI on_hint(void *ctx, hint h)
{
	netev_item it = {.kind = EV_HINT,
	                 .level = h.level,
	                 .cost = h.cost,
	                 .realtime_ns = bo_clock_real_ns()};
	rsp_handoff_push(&((netev_os *)ctx)->q, &it);
}

static void take(void *data, const void *item, unsigned dropped)
{
	netev_os *n = data;
	const netev_item *it = item;
	if (dropped)
		rsp_event(n->r, BO_GEV_NET,
		          json_pack("{s:s, s:i}", "what", "overflow", "dropped", (int)dropped));
	json_t *e;
	char addr[48];
	if (it->kind == EV_LINK)
		e = json_pack("{s:s, s:s, s:i, s:i, s:b}", "what", "link", "op", op_name(it->op),
		              "ifindex", (int)it->ifindex, "family", (int)it->family, "connected",
		              it->connected);
	else if (it->kind == EV_ADDR)
		e = json_pack("{s:s, s:s, s:i, s:s, s:i}", "what", "addr", "op", op_name(it->op),
		              "ifindex", (int)it->ifindex, "addr",
		              it->addr.family ? bo_addr_str(&it->addr, addr, sizeof addr) : "",
		              "prefix", (int)it->prefix);
	else
		e = json_pack("{s:s, s:i, s:i}", "what", "connectivity", "level", it->level, "cost",
		              it->cost);
	rsp_event_at(n->r, BO_GEV_NET, e, it->realtime_ns);
}

int rsp_netev_start(rsp *r, char *err, size_t errlen)
{
	netev_os *n = calloc(1, sizeof *n);
	if (!n) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n->r = r;
	if (rsp_handoff_init(&n->q, r->loop, sizeof(netev_item), QUEUE, take, n) != 0) {
		snprintf(err, errlen, "out of memory");
		free(n);
		return -1;
	}
	r->os->netev = n;
	r->netev.on = 1;
	DWORD e1 = NotifyIpInterfaceChange(AF_UNSPEC, on_interface, n, FALSE, &n->h_if);
	DWORD e2 = NotifyUnicastIpAddressChange(AF_UNSPEC, on_address, n, FALSE, &n->h_unicast);
	notify_hint_fn hint_fn = NULL;
	HMODULE ip = GetModuleHandleA("iphlpapi.dll");
	if (ip) {
		FARPROC p = GetProcAddress(ip, "NotifyNetworkConnectivityHintChange");
		memcpy(&hint_fn, &p, sizeof hint_fn);
	}
	DWORD e3 = hint_fn ? hint_fn(FALSE, n, on_hint, &n->h_hint) : ERROR_NOT_SUPPORTED;
	if (e1 != NO_ERROR && e2 != NO_ERROR) {
		snprintf(err, errlen,
		         "NotifyIpInterfaceChange failed (error %lu), NotifyUnicastIpAddressChange "
		         "failed (error %lu)",
		         (unsigned long)e1, (unsigned long)e2);
		rsp_netev_stop(r);
		return -1;
	}
	snprintf(r->netev.what, sizeof r->netev.what,
	         "interface%s and address changes (IP Helper)%s",
	         e1 == NO_ERROR ? "" : " (not available)",
	         e3 == NO_ERROR ? ", connectivity hints" : "");
	return 0;
}

void rsp_netev_stop(rsp *r)
{
	netev_os *n = r->os->netev;
	if (!r->netev.on || !n)
		return;
	/* CancelMibChangeNotify2 waits for callbacks that are running: none is left after it. */
	if (n->h_if)
		CancelMibChangeNotify2(n->h_if);
	if (n->h_unicast)
		CancelMibChangeNotify2(n->h_unicast);
	if (n->h_hint)
		CancelMibChangeNotify2(n->h_hint);
	rsp_handoff_close(&n->q, free);
	r->os->netev = NULL;
	r->netev.on = 0;
}
