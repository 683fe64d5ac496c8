/* SPDX-License-Identifier: Apache-2.0 */
/* Windows specifics of the probe: the adapter towards a target (Npcap's name for the adapter
 * that holds the route's source address), the sender thread's priority, what to do without
 * the privilege. (Sending is tx-win.c's, the capture capture-win.c's.) */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <stdio.h>
#include <string.h>

#include "bo_npcap.h"
#include "probe.h"
#include "sock.h"

const char *probe_privilege_hint(void)
{
	return "run blackout-probe from an elevated prompt (Run as administrator), with Npcap "
	       "installed";
}

static int same_addr(const struct sockaddr *sa, const bo_addr *a)
{
	if (!sa)
		return 0;
	if (sa->sa_family == AF_INET && a->family == 4)
		return !memcmp(&((const struct sockaddr_in *)sa)->sin_addr, a->a, 4);
	if (sa->sa_family == AF_INET6 && a->family == 6)
		return !memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, a->a, 16);
	return 0;
}

/* An adapter holding the address arg. */
static int holds(const pcap_if_t *d, const void *arg)
{
	for (const pcap_addr_t *pa = d->addresses; pa; pa = pa->next)
		if (same_addr(pa->addr, arg))
			return 1;
	return 0;
}

int probe_iface_for(const bo_addr *target, char *iface, size_t len, char *err, size_t errlen)
{
	bo_addr local;
	if (probe_route_source(target, &local, err, errlen) != 0)
		return -1;
	if (!bo_npcap_load(err, errlen))
		return -1;
	char a[48], b[48];
	int found = bo_npcap_find(holds, &local, iface, len, err, errlen);
	if (!found)
		snprintf(err, errlen,
		         "no Npcap adapter holds %s, the address that reaches %s; name the adapter "
		         "with --interface (Get-NetAdapter; \\Device\\NPF_{GUID})",
		         bo_addr_str(&local, a, sizeof a), bo_addr_str(target, b, sizeof b));
	return found == 1 ? 0 : -1;
}

int probe_files_limit(int need, char *err, size_t errlen)
{
	(void)need, (void)err,
	        (void)errlen; /* sockets are handles: no per-process limit to raise */
	return 0;
}

int probe_thread_tune(void)
{
	/* The highest priority short of the real-time class: the sender sleeps between sends,
	 * so it cannot starve the machine. */
	return SetThreadPriority(GetCurrentThread(), THREAD_PRIORITY_TIME_CRITICAL) != 0;
}
