/* SPDX-License-Identifier: Apache-2.0 */
/* The host a Windows guest runs on, as Hyper-V's Data Exchange (KVP) integration service writes
 * it: HKLM\SOFTWARE\Microsoft\Virtual Machine\Guest\Parameters (PhysicalHostNameFullyQualified,
 * else PhysicalHostName, else HostName; VirtualMachineName). Read at start into the start
 * event's "kvp", with the values a host admin pushed into ...\Virtual Machine\External, and
 * watched (RegNotifyChangeKeyValue, on the thread pool): a new host name is a "host" event
 * {"host", "previous", "vm", "source": "kvp"}. Microsoft says the host values are rewritten when
 * the VM moves to another host. Every value is the host's words: read with a bounded size, as
 * text, converted to UTF-8 or refused. Absent (not a Hyper-V guest, Wine), it says so. */
#include <winsock2.h>
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os-win.h"

#define PARAMS L"SOFTWARE\\Microsoft\\Virtual Machine\\Guest\\Parameters"
#define EXTERNAL L"SOFTWARE\\Microsoft\\Virtual Machine\\External"
#define EXTERNAL_MAX 16

typedef struct kvp_item { /* within RSP_HANDOFF_MAX_ITEM */
	char host[160], vm[88];
} kvp_item;

typedef struct kvp_watch {
	HKEY key;
	HANDLE changed, wait;
	rsp_handoff q;
	rsp *r;
} kvp_watch;

/* A REG_SZ value as UTF-8 in out (cap octets): 0, or -1 (absent, not text, too long). */
static int reg_text(HKEY key, const wchar_t *name, char *out, size_t cap)
{
	wchar_t w[256];
	DWORD size = sizeof w, type = 0;
	out[0] = 0;
	if (RegQueryValueExW(key, name, NULL, &type, (BYTE *)w, &size) != ERROR_SUCCESS ||
	    type != REG_SZ || size < sizeof(wchar_t))
		return -1;
	w[size / sizeof(wchar_t) - 1] = 0; /* a value need not end with its NUL */
	int n = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, -1, out, (int)cap, NULL,
	                            NULL);
	if (n <= 0) {
		out[0] = 0;
		return -1;
	}
	return 0;
}

static void read_host(HKEY key, kvp_item *it)
{
	static const wchar_t *const names[] = {L"PhysicalHostNameFullyQualified",
	                                       L"PhysicalHostName", L"HostName"};
	memset(it, 0, sizeof *it);
	for (size_t i = 0; i < sizeof names / sizeof names[0] && !it->host[0]; i++)
		reg_text(key, names[i], it->host, sizeof it->host);
	reg_text(key, L"VirtualMachineName", it->vm, sizeof it->vm);
}

/* The host admin's values (Set-VMKeyValuePair ... External), at most EXTERNAL_MAX. */
static json_t *external(void)
{
	HKEY key;
	if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, EXTERNAL, 0, KEY_READ, &key) != ERROR_SUCCESS)
		return json_null();
	json_t *o = json_object();
	for (DWORD i = 0; i < EXTERNAL_MAX; i++) {
		wchar_t name[64];
		DWORD nl = sizeof name / sizeof name[0];
		if (RegEnumValueW(key, i, name, &nl, NULL, NULL, NULL, NULL) != ERROR_SUCCESS)
			break;
		char n8[192], v8[512];
		if (WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, name, -1, n8, sizeof n8,
		                        NULL, NULL) <= 0 ||
		    reg_text(key, name, v8, sizeof v8) != 0)
			continue;
		json_object_set_new(o, n8, json_string(v8));
	}
	RegCloseKey(key);
	return o;
}

static void take(void *data, const void *item, unsigned dropped)
{
	kvp_watch *k = data;
	const kvp_item *it = item;
	(void)dropped;
	rsp_kvp_host(k->r, it->host, it->vm, -1);
}

/* The key changed (thread pool): read it, hand the host over, watch again. */
static VOID CALLBACK on_change(PVOID ctx, BOOLEAN timed_out)
{
	kvp_watch *k = ctx;
	(void)timed_out;
	kvp_item it;
	read_host(k->key, &it);
	rsp_handoff_push(&k->q, &it);
	RegNotifyChangeKeyValue(k->key, FALSE, REG_NOTIFY_CHANGE_LAST_SET, k->changed, TRUE);
}

void rsp_kvp_start(rsp *r, json_t *sys)
{
	kvp_watch *k = calloc(1, sizeof *k);
	if (!k)
		return;
	k->r = r;
	if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, PARAMS, 0, KEY_READ | KEY_NOTIFY, &k->key) !=
	    ERROR_SUCCESS) {
		json_object_set_new(
		        sys, "kvp",
		        json_string("unavailable: no HKLM\\SOFTWARE\\Microsoft\\Virtual "
		                    "Machine\\Guest\\Parameters (not a Hyper-V guest, or "
		                    "its Data Exchange service off)"));
		free(k);
		return;
	}
	kvp_item it;
	read_host(k->key, &it);
	snprintf(r->kvp_host, sizeof r->kvp_host, "%s", it.host);
	json_object_set_new(
	        sys, "kvp",
	        json_pack("{s:s, s:s, s:o}", "host", it.host, "vm", it.vm, "external", external()));
	k->changed = CreateEventW(NULL, FALSE, FALSE, NULL);
	int queue =
	        k->changed && rsp_handoff_init(&k->q, r->loop, sizeof(kvp_item), 8, take, k) == 0;
	if (!queue ||
	    RegNotifyChangeKeyValue(k->key, FALSE, REG_NOTIFY_CHANGE_LAST_SET, k->changed, TRUE) !=
	            ERROR_SUCCESS ||
	    !RegisterWaitForSingleObject(&k->wait, k->changed, on_change, k, INFINITE,
	                                 WT_EXECUTEDEFAULT)) {
		json_object_set_new(json_object_get(sys, "kvp"), "watch",
		                    json_string("refused: a later host change is not seen"));
		if (k->changed)
			CloseHandle(k->changed);
		RegCloseKey(k->key);
		if (queue)
			rsp_handoff_close(&k->q, free); /* frees k once the loop lets go */
		else
			free(k);
		return;
	}
	json_object_set_new(
	        json_object_get(sys, "kvp"), "watch",
	        json_string("RegNotifyChangeKeyValue: a new host name is a host event"));
	r->os->kvp = k;
}

void rsp_kvp_stop(rsp *r)
{
	kvp_watch *k = r->os->kvp;
	if (!k)
		return;
	UnregisterWaitEx(k->wait, INVALID_HANDLE_VALUE); /* waits for a running callback */
	CloseHandle(k->changed);
	RegCloseKey(k->key);
	rsp_handoff_close(&k->q, free);
	r->os->kvp = NULL;
}
