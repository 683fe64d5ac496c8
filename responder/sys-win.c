/* SPDX-License-Identifier: Apache-2.0 */
/* Windows: the responder's priority, and the checks an operator needs before a migration —
 * the OS build (KB4338822 is build 14393.2395 of Server 2016), whether the firewall is on and
 * lets in ICMP echo and the responder's ports, whether the interface quarantine is enabled
 * (IntfQuarantineEnabled), Npcap's version and whether WFP changes can be watched (elevated).
 * It reads only; with --add-firewall-rules it adds its own inbound allow rules. */
#include <winsock2.h>
#include <windows.h>
#include <initguid.h> /* the firewall's class and interface ids are defined here */
#include <netfw.h>
#include <oleauto.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bo_time.h"
#include "os-win.h"

#define RULE_GROUP L"blackout"
#define PROTOCOL_ANY 256 /* NET_FW_IP_PROTOCOL_ANY, not in every netfw.h */

int rsp_priority_set(int level, char *msg, size_t len)
{
	DWORD cls = level == RSP_PRIO_REALTIME ? REALTIME_PRIORITY_CLASS
	            : level == RSP_PRIO_HIGH   ? HIGH_PRIORITY_CLASS
	                                       : NORMAL_PRIORITY_CLASS;
	if (!SetPriorityClass(GetCurrentProcess(), cls)) {
		snprintf(msg, len, "normal: SetPriorityClass failed (error %lu)",
		         (unsigned long)GetLastError());
		return -1;
	}
	/* Without SeIncreaseBasePriorityPrivilege Windows quietly gives HIGH for REALTIME. */
	DWORD got = GetPriorityClass(GetCurrentProcess());
	snprintf(msg, len, "%s",
	         got == REALTIME_PRIORITY_CLASS ? "real-time (REALTIME_PRIORITY_CLASS)"
	         : got == HIGH_PRIORITY_CLASS   ? "high (HIGH_PRIORITY_CLASS)"
	                                        : "normal");
	return level != RSP_PRIO_NORMAL && got == NORMAL_PRIORITY_CLASS ? -1 : 0;
}

static int reg_dword(const char *key, const char *name, DWORD *v)
{
	DWORD size = sizeof *v;
	return RegGetValueA(HKEY_LOCAL_MACHINE, key, name, RRF_RT_REG_DWORD, NULL, v, &size) ==
	       ERROR_SUCCESS;
}

static void os_build(char *out, size_t len)
{
	static const char *cv = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";
	char name[128] = "Windows", build[32] = "?";
	DWORD n = sizeof name, b = sizeof build, ubr = 0;
	RegGetValueA(HKEY_LOCAL_MACHINE, cv, "ProductName", RRF_RT_REG_SZ, NULL, name, &n);
	RegGetValueA(HKEY_LOCAL_MACHINE, cv, "CurrentBuildNumber", RRF_RT_REG_SZ, NULL, build, &b);
	if (reg_dword(cv, "UBR", &ubr))
		snprintf(out, len, "%s, build %s.%lu", name, build, (unsigned long)ubr);
	else
		snprintf(out, len, "%s, build %s", name, build);
}

/* IntfQuarantineEnabled: absent means the default, quarantine on. */
static void quarantine(char *out, size_t len)
{
	DWORD v;
	if (reg_dword(
	            "SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\FirewallPolicy",
	            "IntfQuarantineEnabled", &v))
		snprintf(out, len, "IntfQuarantineEnabled = %lu: interface quarantine %s",
		         (unsigned long)v, v ? "on" : "off");
	else
		snprintf(out, len,
		         "IntfQuarantineEnabled not set: interface quarantine on (default)");
}

/* A FILETIME as Unix nanoseconds. */
static int64_t filetime_ns(const FILETIME *ft)
{
	return bo_time_filetime_ns(((uint64_t)ft->dwHighDateTime << 32) | ft->dwLowDateTime);
}

/* When the firewall service (MpsSvc) started: its process's creation time; 0 unknown. */
static int64_t firewall_started(void)
{
	int64_t at = 0;
	SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
	SC_HANDLE svc = scm ? OpenServiceW(scm, L"MpsSvc", SERVICE_QUERY_STATUS) : NULL;
	SERVICE_STATUS_PROCESS st;
	DWORD need = 0;
	if (svc &&
	    QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (BYTE *)&st, sizeof st, &need) &&
	    st.dwCurrentState == SERVICE_RUNNING && st.dwProcessId) {
		HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, st.dwProcessId);
		FILETIME created, exited, kernel, user;
		if (h && GetProcessTimes(h, &created, &exited, &kernel, &user))
			at = filetime_ns(&created);
		if (h)
			CloseHandle(h);
	}
	if (svc)
		CloseServiceHandle(svc);
	if (scm)
		CloseServiceHandle(scm);
	return at;
}

/* The firewall reads IntfQuarantineEnabled when its service starts: a value written later is
 * probably not in effect until it restarts. The registry keeps a key's last write time (any of
 * its values), not a value's: "written after start" says the key changed since, so the value
 * may not be the one in effect. */
static json_t *quarantine_timing(void)
{
	HKEY key;
	int64_t written = 0;
	DWORD v = 0;
	int have = 0;
	if (RegOpenKeyExW(HKEY_LOCAL_MACHINE,
	                  L"SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\"
	                  L"FirewallPolicy",
	                  0, KEY_QUERY_VALUE, &key) == ERROR_SUCCESS) {
		FILETIME ft;
		if (RegQueryInfoKeyW(key, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
		                     NULL, &ft) == ERROR_SUCCESS)
			written = filetime_ns(&ft);
		DWORD size = sizeof v, type = 0;
		have = RegQueryValueExW(key, L"IntfQuarantineEnabled", NULL, &type, (BYTE *)&v,
		                        &size) == ERROR_SUCCESS &&
		       type == REG_DWORD;
		RegCloseKey(key);
	}
	int64_t started = firewall_started();
	json_t *j = json_object();
	json_object_set_new(j, "value", have ? json_integer((json_int_t)v) : json_null());
	json_object_set_new(j, "key_written_ns", written ? json_integer(written) : json_null());
	json_object_set_new(j, "firewall_started_ns",
	                    started ? json_integer(started) : json_null());
	json_object_set_new(j, "written_after_start",
	                    written && started ? json_boolean(written > started) : json_null());
	json_object_set_new(
	        j, "meaning",
	        json_string(!written || !started
	                            ? "not known: the key or the firewall service's start time "
	                              "could not be read"
	                    : written > started
	                            ? "the FirewallPolicy key changed after the firewall service "
	                              "started: IntfQuarantineEnabled may not be in effect until "
	                              "it restarts"
	                            : "the key was last written before the firewall service "
	                              "started: its IntfQuarantineEnabled is the one in effect"));
	return j;
}

/* ---- the firewall, through its COM interface (INetFwPolicy2) ---- */

typedef struct fw_want {
	const char *what;
	LONG proto;    /* NET_FW_IP_PROTOCOL_* or 1 / 58 for ICMP */
	unsigned port; /* UDP/TCP: the port; ICMP: 0 */
	int allowed;
} fw_want;

/* Does one enabled inbound allow rule cover w? ICMP: type 8 (or all types) in the rule's
 * "type:code" list; ports: "*", the number, or a range containing it. */
static int rule_covers(INetFwRule *rule, const fw_want *w, long profiles)
{
	VARIANT_BOOL en = VARIANT_FALSE;
	NET_FW_RULE_DIRECTION dir = NET_FW_RULE_DIR_OUT;
	NET_FW_ACTION act = NET_FW_ACTION_BLOCK;
	LONG proto = -1, prof = 0;
	rule->lpVtbl->get_Enabled(rule, &en);
	rule->lpVtbl->get_Direction(rule, &dir);
	rule->lpVtbl->get_Action(rule, &act);
	rule->lpVtbl->get_Protocol(rule, &proto);
	rule->lpVtbl->get_Profiles(rule, &prof);
	if (en != VARIANT_TRUE || dir != NET_FW_RULE_DIR_IN || act != NET_FW_ACTION_ALLOW ||
	    !(prof & profiles))
		return 0;
	if (proto != w->proto && proto != PROTOCOL_ANY)
		return 0;
	BSTR list = NULL;
	int ok = 0;
	if (w->port == 0) { /* ICMP echo request: type 8 (ICMPv6: 128) */
		rule->lpVtbl->get_IcmpTypesAndCodes(rule, &list);
		if (!list || wcscmp(list, L"*") == 0)
			ok = 1;
		else
			ok = w->proto == 1
			             ? wcsncmp(list, L"8:", 2) == 0 || wcsstr(list, L",8:") != NULL
			             : wcsstr(list, L"128:") != NULL;
	} else {
		rule->lpVtbl->get_LocalPorts(rule, &list);
		if (!list || wcscmp(list, L"*") == 0) {
			ok = 1;
		} else {
			for (const wchar_t *p = list; *p && !ok;) {
				unsigned lo = (unsigned)wcstoul(p, (wchar_t **)&p, 10), hi = lo;
				if (*p == L'-')
					hi = (unsigned)wcstoul(p + 1, (wchar_t **)&p, 10);
				ok = w->port >= lo && w->port <= hi;
				while (*p && *p != L',')
					p++;
				if (*p)
					p++;
			}
		}
	}
	SysFreeString(list);
	return ok;
}

static void check_rules(INetFwPolicy2 *pol, fw_want *w, int n, long profiles)
{
	INetFwRules *rules = NULL;
	IUnknown *en = NULL;
	IEnumVARIANT *it = NULL;
	if (FAILED(pol->lpVtbl->get_Rules(pol, &rules)) ||
	    FAILED(rules->lpVtbl->get__NewEnum(rules, &en)) ||
	    FAILED(en->lpVtbl->QueryInterface(en, &IID_IEnumVARIANT, (void **)&it)))
		goto out;
	VARIANT v;
	ULONG got;
	while (it->lpVtbl->Next(it, 1, &v, &got) == S_OK && got == 1) {
		INetFwRule *rule = NULL;
		if (v.vt == VT_DISPATCH && v.pdispVal &&
		    SUCCEEDED(v.pdispVal->lpVtbl->QueryInterface(v.pdispVal, &IID_INetFwRule,
		                                                 (void **)&rule))) {
			for (int i = 0; i < n; i++)
				if (!w[i].allowed && rule_covers(rule, &w[i], profiles))
					w[i].allowed = 1;
			rule->lpVtbl->Release(rule);
		}
		VariantClear(&v);
	}
out:
	if (it)
		it->lpVtbl->Release(it);
	if (en)
		en->lpVtbl->Release(en);
	if (rules)
		rules->lpVtbl->Release(rules);
}

static int add_rule(INetFwPolicy2 *pol, const wchar_t *name, LONG proto, unsigned port)
{
	INetFwRules *rules = NULL;
	INetFwRule *rule = NULL;
	int ok = 0;
	if (FAILED(pol->lpVtbl->get_Rules(pol, &rules)) ||
	    FAILED(CoCreateInstance(&CLSID_NetFwRule, NULL, CLSCTX_INPROC_SERVER, &IID_INetFwRule,
	                            (void **)&rule)))
		goto out;
	BSTR bname = SysAllocString(name), group = SysAllocString(RULE_GROUP);
	rule->lpVtbl->put_Name(rule, bname);
	rule->lpVtbl->put_Grouping(rule, group);
	rule->lpVtbl->put_Protocol(rule, proto);
	if (port) {
		wchar_t p[8];
		swprintf(p, 8, L"%u", port);
		BSTR bp = SysAllocString(p);
		rule->lpVtbl->put_LocalPorts(rule, bp);
		SysFreeString(bp);
	} else {
		BSTR t = SysAllocString(proto == 1 ? L"8:*" : L"128:*");
		rule->lpVtbl->put_IcmpTypesAndCodes(rule, t);
		SysFreeString(t);
	}
	rule->lpVtbl->put_Direction(rule, NET_FW_RULE_DIR_IN);
	rule->lpVtbl->put_Action(rule, NET_FW_ACTION_ALLOW);
	rule->lpVtbl->put_Profiles(rule, NET_FW_PROFILE2_ALL);
	rule->lpVtbl->put_Enabled(rule, VARIANT_TRUE);
	ok = SUCCEEDED(rules->lpVtbl->Add(rules, rule));
	SysFreeString(bname);
	SysFreeString(group);
out:
	if (rule)
		rule->lpVtbl->Release(rule);
	if (rules)
		rules->lpVtbl->Release(rules);
	return ok;
}

/* Fills sys with "firewall" (a line) and "checks" (one object per need). */
static void firewall(rsp *r, json_t *sys)
{
	fw_want w[] = {{"ICMPv4 echo", 1, 0, 0},
	               {"ICMPv6 echo", 58, 0, 0},
	               {"STAMP (UDP)", NET_FW_IP_PROTOCOL_UDP, r->port, 0},
	               {"TCP listener", NET_FW_IP_PROTOCOL_TCP, r->tcp_port, 0}};
	int n = r->tcp_port ? 4 : 3;
	INetFwPolicy2 *pol = NULL;
	HRESULT init = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
	if (FAILED(CoCreateInstance(&CLSID_NetFwPolicy2, NULL, CLSCTX_INPROC_SERVER,
	                            &IID_INetFwPolicy2, (void **)&pol))) {
		json_object_set_new(
		        sys, "firewall",
		        json_string("unknown: the firewall's COM interface is not "
		                    "available (is the Windows Firewall service running?)"));
		goto out;
	}
	long profiles = 0;
	pol->lpVtbl->get_CurrentProfileTypes(pol, &profiles);
	int on = 0;
	for (long p = 1; p <= 4; p <<= 1) {
		VARIANT_BOOL e = VARIANT_FALSE;
		if ((profiles & p) &&
		    SUCCEEDED(pol->lpVtbl->get_FirewallEnabled(pol, (NET_FW_PROFILE_TYPE2)p, &e)) &&
		    e == VARIANT_TRUE)
			on = 1;
	}
	if (!on) {
		json_object_set_new(sys, "firewall",
		                    json_string("off in the current profile: nothing is blocked "
		                                "(and no quarantine applies)"));
		goto out;
	}
	check_rules(pol, w, n, profiles);
	if (r->add_fw_rules) {
		static const wchar_t *names[] = {L"blackout ICMPv4 echo", L"blackout ICMPv6 echo",
		                                 L"blackout STAMP", L"blackout TCP"};
		for (int i = 0; i < n; i++)
			if (!w[i].allowed && add_rule(pol, names[i], w[i].proto, w[i].port))
				w[i].allowed = 2;
	}
	char line[400];
	int len = snprintf(line, sizeof line, "on;");
	json_t *checks = json_object();
	for (int i = 0; i < n; i++) {
		const char *state = w[i].allowed == 2 ? "allowed (rule added)"
		                    : w[i].allowed    ? "allowed"
		                                      : "BLOCKED";
		json_object_set_new(checks, w[i].what, json_string(state));
		if (len < (int)sizeof line)
			len += snprintf(line + len, sizeof line - (size_t)len, " %s %s%s",
			                w[i].what, state, i + 1 < n ? "," : "");
	}
	int blocked = 0;
	for (int i = 0; i < n; i++)
		blocked |= !w[i].allowed;
	if (blocked && len < (int)sizeof line)
		snprintf(line + len, sizeof line - (size_t)len,
		         " (add rules: --add-firewall-rules, or docs/responder.md)");
	json_object_set_new(sys, "firewall", json_string(line));
	json_object_set_new(sys, "checks", checks);
out:
	if (pol)
		pol->lpVtbl->Release(pol);
	if (SUCCEEDED(init))
		CoUninitialize();
}

json_t *rsp_sys_report(rsp *r)
{
	char os[256], q[128];
	os_build(os, sizeof os);
	quarantine(q, sizeof q);
	json_t *sys = json_pack("{s:s, s:s, s:o}", "system", os, "quarantine", q,
	                        "quarantine_setting", quarantine_timing());
	firewall(r, sys);
	json_object_set_new(sys, "npcap", json_string(rsp_npcap_version()));
	return sys;
}

void rsp_sys_start(rsp *r, json_t *sys)
{
	rsp_wfp_start(r, sys);
	rsp_wfpdrop_start(r, sys);
	rsp_evlog_start(r, sys);
	rsp_kvp_start(r, sys);
}

void rsp_sys_stop(rsp *r)
{
	rsp_kvp_stop(r);
	rsp_evlog_stop(r);
	rsp_wfpdrop_stop(r);
	rsp_wfp_stop(r);
}

rsp_os *rsp_os_new(void)
{
	return calloc(1, sizeof(rsp_os));
}
