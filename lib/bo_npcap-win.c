/* SPDX-License-Identifier: Apache-2.0 */
/* Npcap's wpcap.dll found and checked before its first call (bo_npcap.h). */
#include <winsock2.h>
#include <windows.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "bo_npcap.h"
#include "wpcap_names.h"

/* Every function of wpcap.def not marked optional (the list is made from it): a wpcap.dll
 * without one of them (WinPcap, an old Npcap) would fail at that first call, so it counts as
 * absent. */
static const char *const needed[] = {WPCAP_NAMES};

static char why_absent[256];
static HMODULE dll;

int bo_npcap_load(char *err, size_t errlen)
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
		dll = h;
		if (!h)
			snprintf(why_absent, sizeof why_absent,
			         "Npcap is not installed (no wpcap.dll in %s or on the PATH): "
			         "install Npcap from https://npcap.com",
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
	if (state < 0 && err)
		snprintf(err, errlen, "%s", why_absent);
	return state > 0;
}

int bo_npcap_has(const char *name)
{
	return bo_npcap_load(NULL, 0) && GetProcAddress(dll, name) != NULL;
}

int bo_npcap_find(int (*match)(const struct pcap_if *d, const void *arg), const void *arg,
                  char *dev, size_t len, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_if_t *all = NULL;
	if (pcap_findalldevs(&all, ebuf) != 0) {
		snprintf(err, errlen, "cannot list adapters: %s", ebuf);
		return -1;
	}
	int found = 0;
	for (pcap_if_t *d = all; d && !found; d = d->next)
		if (match(d, arg)) {
			snprintf(dev, len, "%s", d->name);
			found = 1;
		}
	pcap_freealldevs(all);
	return found;
}

const char *bo_npcap_version(void)
{
	return bo_npcap_load(NULL, 0) ? pcap_lib_version() : why_absent;
}
