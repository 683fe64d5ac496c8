/* SPDX-License-Identifier: Apache-2.0 */
/* Npcap on Windows (bo_npcap-win.c): its wpcap.dll is reached through a delay-load import
 * library made from lib/wpcap.def, so nothing loads until the first pcap call. A program calls
 * bo_npcap_load before its first one: it looks where Npcap installs the DLL (System32\Npcap,
 * before an old WinPcap's on the PATH) and checks that every function of the list is there. */
#ifndef BO_NPCAP_H
#define BO_NPCAP_H

#include <stddef.h>

/* 1 when Npcap is there with every function; 0 with err saying why and the fix (install
 * Npcap from npcap.com). The answer is kept: later calls cost nothing. */
int bo_npcap_load(char *err, size_t errlen);
/* Whether the wpcap.dll found has a function wpcap.def marks optional (call it only then). */
int bo_npcap_has(const char *name);
/* Npcap's name (\Device\NPF_{GUID}) of the first adapter match(adapter, arg) takes, into
 * dev: 1 found, 0 none, -1 with err when the adapters cannot be listed. */
struct pcap_if;
int bo_npcap_find(int (*match)(const struct pcap_if *d, const void *arg), const void *arg,
                  char *dev, size_t len, char *err, size_t errlen);
/* pcap_lib_version(), or why there is no Npcap. */
const char *bo_npcap_version(void);

#endif
