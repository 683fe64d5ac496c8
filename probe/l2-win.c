/* SPDX-License-Identifier: Apache-2.0 */
/* The Ethernet header of the frames the Windows probe sends itself (tx-win.c: tcp-syn, and
 * ICMP where the system has no raw socket for it). The adapter is the one holding the route's
 * source address (GetAdaptersAddresses: its index and MAC); the next hop comes from the routing
 * table (GetBestRoute2; GetBestRoute where that is missing, as under Wine; on-link where
 * neither says), its MAC from the neighbour table (GetIpNetTable2). When the table has none
 * yet, a datagram to the next hop's discard port has Windows resolve it and the table is read
 * again; where the table cannot be read at all (Wine has no IPv6 neighbour table), the probe
 * asks itself through the adapter: an ARP request or a neighbour solicitation sent with
 * Npcap, the answer read from a capture of its own. Each way is given up after RESOLVE_MS. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <iphlpapi.h>
#include <netioapi.h>
#include <windows.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bo_cksum.h"
#include "bo_err.h"
#include "bo_npcap.h"
#include "bo_time.h"
#include "probe.h"
#include "sock.h"
#include "tx-win.h"

#define RESOLVE_MS 1500

static void to_sockaddr(const bo_addr *a, SOCKADDR_INET *si)
{
	memset(si, 0, sizeof *si);
	if (a->family == 4) {
		si->Ipv4.sin_family = AF_INET;
		memcpy(&si->Ipv4.sin_addr, a->a, 4);
	} else {
		si->Ipv6.sin6_family = AF_INET6;
		memcpy(&si->Ipv6.sin6_addr, a->a, 16);
	}
}

static int same(const SOCKADDR_INET *si, const bo_addr *a)
{
	return a->family == 4 ? si->si_family == AF_INET && !memcmp(&si->Ipv4.sin_addr, a->a, 4)
	                      : si->si_family == AF_INET6 && !memcmp(&si->Ipv6.sin6_addr, a->a, 16);
}

static int zero_addr(const bo_addr *a)
{
	static const uint8_t z[16];
	return !memcmp(a->a, z, a->family == 4 ? 4 : 16);
}

/* The adapter that holds the route's source address (the one the capture uses): its
 * interface index for the family and its MAC. 0, or -1. */
static int adapter_of(const bo_addr *local, NET_IFINDEX *ifx, uint8_t mac[6], ULONG *maclen)
{
	ULONG len = 32 * 1024;
	IP_ADAPTER_ADDRESSES *all = NULL;
	ULONG rc = ERROR_BUFFER_OVERFLOW;
	for (int tries = 0; rc == ERROR_BUFFER_OVERFLOW && tries < 4; tries++) {
		free(all);
		all = malloc(len);
		if (!all)
			return -1;
		rc = GetAdaptersAddresses(local->family == 4 ? AF_INET : AF_INET6,
		                          GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST |
		                                  GAA_FLAG_SKIP_DNS_SERVER,
		                          NULL, all, &len);
	}
	int found = 0;
	for (IP_ADAPTER_ADDRESSES *ad = rc == NO_ERROR ? all : NULL; ad && !found; ad = ad->Next)
		for (IP_ADAPTER_UNICAST_ADDRESS *u = ad->FirstUnicastAddress; u && !found;
		     u = u->Next) {
			const struct sockaddr *sa = u->Address.lpSockaddr;
			bo_addr a = {.family = sa->sa_family == AF_INET ? 4 : 6};
			memcpy(a.a,
			       sa->sa_family == AF_INET
			               ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
			               : (const void *)&((const struct sockaddr_in6 *)sa)
			                         ->sin6_addr,
			       a.family == 4 ? 4 : 16);
			if (a.family == local->family &&
			    !memcmp(a.a, local->a, a.family == 4 ? 4 : 16)) {
				*ifx = local->family == 4 ? ad->IfIndex : ad->Ipv6IfIndex;
				*maclen = ad->PhysicalAddressLength;
				memcpy(mac, ad->PhysicalAddress, *maclen == 6 ? 6 : 0);
				found = 1;
			}
		}
	free(all);
	return found ? 0 : -1;
}

/* The next hop towards target from the routing table (GetBestRoute2; GetBestRoute where that
 * is missing, as under Wine); where neither says, the target itself (on-link). */
static void next_hop(const bo_addr *target, const bo_addr *local, bo_addr *nh)
{
	SOCKADDR_INET dst, src;
	MIB_IPFORWARD_ROW2 row;
	to_sockaddr(target, &dst);
	*nh = *target;
	bo_addr h = {.family = target->family};
	if (GetBestRoute2(NULL, 0, NULL, &dst, 0, &row, &src) == NO_ERROR) {
		memcpy(h.a,
		       target->family == 4 ? (void *)&row.NextHop.Ipv4.sin_addr
		                           : (void *)&row.NextHop.Ipv6.sin6_addr,
		       target->family == 4 ? 4 : 16);
	} else if (target->family == 4) {
		MIB_IPFORWARDROW r;
		DWORD d;
		memcpy(&d, target->a, 4);
		if (GetBestRoute(d, 0, &r) == NO_ERROR)
			memcpy(h.a, &r.dwForwardNextHop, 4);
	}
	/* an on-link route names no next hop, or the interface's own address */
	if (!zero_addr(&h) && memcmp(h.a, local->a, h.family == 4 ? 4 : 16) != 0)
		*nh = h;
}

/* 1 found, 0 not (yet), -1 the table cannot be read. */
static int neighbour(const bo_addr *nh, NET_IFINDEX ifx, uint8_t mac[6])
{
	MIB_IPNET_TABLE2 *t = NULL;
	int found = 0;
	if (GetIpNetTable2(nh->family == 4 ? AF_INET : AF_INET6, &t) != NO_ERROR)
		return -1;
	for (ULONG i = 0; i < t->NumEntries && !found; i++) {
		const MIB_IPNET_ROW2 *r = &t->Table[i];
		if (r->InterfaceIndex == ifx && same(&r->Address, nh) &&
		    r->PhysicalAddressLength == 6 && r->State != NlnsUnreachable &&
		    r->State != NlnsIncomplete) {
			memcpy(mac, r->PhysicalAddress, 6);
			found = 1;
		}
	}
	FreeMibTable(t);
	return found;
}

/* A datagram to the next hop's discard port: Windows resolves its address to send it. */
static void nudge(const bo_addr *nh, NET_IFINDEX ifx)
{
	int fd = probe_sock_open(nh->family, SOCK_DGRAM, 0, 1);
	if (fd < 0)
		return;
	struct sockaddr_storage ss;
	unsigned sl = probe_sockaddr(nh, 9, &ss);
	if (nh->family == 6)
		((struct sockaddr_in6 *)&ss)->sin6_scope_id = ifx; /* a link-local next hop */
	sendto((SOCKET)fd, "", 0, 0, (struct sockaddr *)&ss, (int)sl);
	probe_sock_close(fd);
}

/* The probe's own address resolution: an ARP request (IPv4) or a neighbour solicitation
 * (IPv6) for nh through the adapter, every 250 ms, the answer read from a capture of its own.
 * 1 found, 0 not. */
static int solicit(const char *iface, pcap_t *inject, const bo_addr *nh, const bo_addr *local,
                   const uint8_t own[6], uint8_t mac[6])
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *h = pcap_create(iface, ebuf);
	if (!h)
		return 0;
	int v6 = nh->family == 6;
	struct bpf_program prog;
	pcap_set_snaplen(h, 128);
	pcap_set_timeout(h, 5);
	if (pcap_activate(h) < 0 ||
	    pcap_compile(h, &prog, v6 ? "icmp6 and ip6[40] = 136" : "arp and arp[6:2] = 2", 1,
	                 PCAP_NETMASK_UNKNOWN) != 0) {
		pcap_close(h);
		return 0;
	}
	pcap_setfilter(h, &prog);
	pcap_freecode(&prog);
	pcap_setnonblock(h, 1, ebuf);
	uint8_t f[86];
	size_t n;
	memset(f, 0, sizeof f);
	if (!v6) { /* ARP request, broadcast */
		memset(f, 0xff, 6);
		memcpy(f + 6, own, 6);
		f[12] = 0x08, f[13] = 0x06;
		const uint8_t arp[8] = {0, 1, 8, 0, 6, 4, 0, 1};
		memcpy(f + 14, arp, 8);
		memcpy(f + 22, own, 6);
		memcpy(f + 28, local->a, 4);
		memcpy(f + 38, nh->a, 4);
		n = 42;
	} else { /* neighbour solicitation to the solicited-node multicast address */
		bo_addr dst = {.family = 6, .a = {0xff, 2, [11] = 1, [12] = 0xff}};
		memcpy(dst.a + 13, nh->a + 13, 3);
		f[0] = f[1] = 0x33;
		memcpy(f + 2, dst.a + 12, 4);
		memcpy(f + 6, own, 6);
		f[12] = 0x86, f[13] = 0xdd;
		uint8_t *ip = f + 14, *icmp = f + 54;
		ip[0] = 0x60, ip[5] = 32, ip[6] = 58, ip[7] = 255; /* payload 32, ICMPv6, hop 255 */
		memcpy(ip + 8, local->a, 16);
		memcpy(ip + 24, dst.a, 16);
		icmp[0] = 135;
		memcpy(icmp + 8, nh->a, 16);
		icmp[24] = 1, icmp[25] = 1; /* source link-layer address option */
		memcpy(icmp + 26, own, 6);
		uint16_t ck = bo_cksum_l4(local, &dst, 58, icmp, 32);
		icmp[2] = (uint8_t)(ck >> 8), icmp[3] = (uint8_t)ck;
		n = 86;
	}
	int found = 0;
	int64_t until = bo_clock_mono_ns() + RESOLVE_MS * BO_NS_PER_MS, next = 0;
	while (!found && bo_clock_mono_ns() < until) {
		if (bo_clock_mono_ns() >= next) {
			pcap_sendpacket(inject, f, (int)n);
			next = bo_clock_mono_ns() + 250 * BO_NS_PER_MS;
		}
		struct pcap_pkthdr *ph;
		const u_char *d;
		int r;
		while (!found && (r = pcap_next_ex(h, &ph, &d)) == 1) {
			if (!v6 && ph->caplen >= 42 && d[12] == 8 && d[13] == 6 &&
			    !memcmp(d + 28, nh->a, 4)) {
				memcpy(mac, d + 22, 6);
				found = 1;
			} else if (v6 && ph->caplen >= 78 && d[12] == 0x86 && d[13] == 0xdd &&
			           d[20] == 58 && d[54] == 136 && !memcmp(d + 62, nh->a, 16)) {
				memcpy(mac, d + 6, 6);
				found = 1;
			}
		}
		if (!found)
			Sleep(10);
	}
	pcap_close(h);
	return found;
}

int probe_l2_header(const char *iface, pcap_t *inject, const bo_addr *target, const bo_addr *local,
                    uint8_t eth[14], char *err, size_t errlen)
{
	NET_IFINDEX ifx = 0;
	bo_addr nh;
	char b[48];
	uint8_t own[6], mac[6];
	ULONG ownlen = 0;
	if (adapter_of(local, &ifx, own, &ownlen) != 0) {
		char t[48];
		snprintf(err, errlen, "no adapter holds %s, the address that reaches %s",
		         bo_addr_str(local, b, sizeof b), bo_addr_str(target, t, sizeof t));
		return -EHOSTUNREACH;
	}
	if (ownlen != 6) {
		snprintf(err, errlen,
		         "the adapter towards the target has no Ethernet address (these probes go "
		         "as Ethernet frames; choose other streams)");
		return BO_ENOTSUP;
	}
	next_hop(target, local, &nh);
	int64_t until = bo_clock_mono_ns() + RESOLVE_MS * BO_NS_PER_MS;
	int ok = neighbour(&nh, ifx, mac);
	for (int tries = 0; ok == 0 && bo_clock_mono_ns() < until; tries++) {
		if (tries % 25 == 0)
			nudge(&nh, ifx);
		Sleep(20);
		ok = neighbour(&nh, ifx, mac);
	}
	if (ok < 0) /* no table to read: ask through the adapter */
		ok = solicit(iface, inject, &nh, local, own, mac);
	if (ok <= 0) {
		snprintf(err, errlen,
		         "the next hop %s did not answer address resolution within %d ms "
		         "(Get-NetNeighbor shows the table)",
		         bo_addr_str(&nh, b, sizeof b), RESOLVE_MS);
		return -EHOSTUNREACH;
	}
	memcpy(eth, mac, 6);
	memcpy(eth + 6, own, 6);
	eth[12] = target->family == 4 ? 0x08 : 0x86;
	eth[13] = target->family == 4 ? 0x00 : 0xdd;
	return 0;
}
