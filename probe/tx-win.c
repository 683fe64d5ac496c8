/* SPDX-License-Identifier: Apache-2.0 */
/* The Windows transmit backend. Windows sends no TCP over raw sockets and restricts raw UDP,
 * so each slot goes out the way Windows allows:
 *   ICMP         a raw ICMP/ICMPv6 socket per family, shared by every slot (administrators);
 *                where the system has none for the family (Wine: no raw ICMPv6), frames as
 *                for TCP;
 *   UDP          a connected Winsock socket per slot (a new one after every send for a
 *                new-flow stream), as on Linux;
 *   TCP          whole Ethernet frames through Npcap (pcap_sendpacket on a handle of its
 *                own that captures nothing): the IP header ours, from the route's source
 *                address and the adapter's MAC to the next hop's;
 *   TCP, bytes   one Winsock connection per slot (tcp-est, est.c).
 * A frame's Ethernet header is found once per target (l2-win.c). Probes are sent one by one:
 * Npcap's send queue would batch only the frames. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <iphlpapi.h>
#include <netioapi.h>
#include <windows.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bo_err.h"
#include "bo_time.h"
#include "probe.h"
#include "sock.h"
#include "tx-win.h"

#define ETH_HLEN 14

typedef struct tx_win {
	int icmp[2];              /* raw ICMP sockets, IPv4 and IPv6; -1 unopened */
	pcap_t *inject;           /* the frames' way out */
	uint8_t (*eth)[ETH_HLEN]; /* per target: the Ethernet header of its frames (tcp-syn) */
	uint8_t *eth_ok;          /* per target: resolved */
	uint16_t ip_id;
	uint64_t frames;
	int renew; /* a udp-new slot waits for its next socket (tx_flush) */
} tx_win;

static tx_win *priv(const probe *p)
{
	return p->tx_priv;
}

static int tx_open(probe *p, char *err, size_t errlen)
{
	if (probe_sock_init() != 0) {
		snprintf(err, errlen, "Winsock did not start");
		return BO_EIO;
	}
	if (p->tx_batch) {
		snprintf(err, errlen,
		         "--tx batch is Linux's (sendmmsg); on Windows probes go one by one "
		         "(--tx single)");
		return BO_EUSAGE;
	}
	tx_win *t = calloc(1, sizeof *t);
	if (t) {
		t->eth = calloc((size_t)p->ntargets, sizeof *t->eth);
		t->eth_ok = calloc((size_t)p->ntargets, 1);
	}
	if (!t || !t->eth || !t->eth_ok) {
		if (t)
			free(t->eth), free(t->eth_ok);
		free(t);
		snprintf(err, errlen, "out of memory");
		return BO_ENOMEM;
	}
	t->icmp[0] = t->icmp[1] = -1;
	t->ip_id = (uint16_t)bo_clock_mono_ns();
	p->tx_priv = t;
	return 0;
}

enum { HOW_SOCKET, HOW_FRAME };

/* A raw ICMP socket for the family, shared (administrators only). 0; 1 when the system has
 * none for it (Wine: no raw ICMPv6): the slot's probes go as frames; or a negative code. */
static int icmp_socket(probe_slot *s, char *err, size_t errlen)
{
	int v6 = s->target->addr.family == 6;
	int *fd = &priv(s->run)->icmp[v6];
	if (*fd < 0) {
		int rc = probe_sock_open(s->target->addr.family, SOCK_RAW,
		                         v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP, 0);
		if (rc == -EPROTONOSUPPORT || rc == -EAFNOSUPPORT)
			return 1;
		if (rc < 0) {
			snprintf(err, errlen, "cannot open a raw ICMP%s socket: %s%s%s",
			         v6 ? "v6" : "", probe_sock_strerror(rc), rc == -EACCES ? ": " : "",
			         rc == -EACCES ? probe_privilege_hint() : "");
			return rc == -EACCES ? BO_EPRIV : rc;
		}
		probe_sock_ignore_input(rc);
		*fd = rc;
	}
	s->tx.fd = *fd;
	s->tx.shared = 1;
	return 0;
}

/* The handle frames leave through: the capture's adapter, capturing nothing. */
static int inject_open(probe *p, char *err, size_t errlen)
{
	tx_win *t = priv(p);
	if (t->inject)
		return 0;
	int rc = probe_capture_prepare(p, err, errlen);
	if (rc != 0)
		return rc;
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *h = pcap_create(p->cap.iface, ebuf);
	if (!h) {
		snprintf(err, errlen, "cannot open %s to send frames: %s", p->cap.iface, ebuf);
		return BO_ENOENT;
	}
	pcap_set_snaplen(h, 64);
	pcap_set_buffer_size(h, 1 << 16);
	struct bpf_program none;
	if (pcap_activate(h) < 0 || pcap_datalink(h) != DLT_EN10MB ||
	    pcap_compile(h, &none, "less 1", 1, PCAP_NETMASK_UNKNOWN) != 0 ||
	    pcap_setfilter(h, &none) != 0) {
		snprintf(err, errlen, "cannot send frames on %s: %s", p->cap.iface,
		         pcap_datalink(h) != DLT_EN10MB ? "not an Ethernet adapter"
		                                        : pcap_geterr(h));
		pcap_close(h);
		return BO_ENOTSUP;
	}
	pcap_freecode(&none);
	t->inject = h;
	return 0;
}

/* The Ethernet header of a target's frames, found once per target. */
static int resolve_l2(probe_slot *s, char *err, size_t errlen)
{
	tx_win *t = priv(s->run);
	int ti = s->target->index;
	if (t->eth_ok[ti])
		return 0;
	char why[256];
	int rc = probe_l2_header(s->run->cap.iface, t->inject, &s->target->addr, &s->inst.local,
	                         t->eth[ti], why, sizeof why);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", s->desc->name, why);
		return rc;
	}
	t->eth_ok[ti] = 1;
	return 0;
}

/* A slot whose probes go as whole frames: its source address, the handle, the next hop. */
static int frame_open(probe_slot *s, char *err, size_t errlen)
{
	s->tx.how = HOW_FRAME;
	int rc = probe_route_source(&s->target->addr, &s->inst.local, err, errlen);
	if (rc == 0)
		rc = inject_open(s->run, err, errlen);
	if (rc == 0)
		rc = resolve_l2(s, err, errlen);
	return rc;
}

static int tx_slot_open(probe_slot *s, char *err, size_t errlen)
{
	s->tx.fd = -1;
	s->tx.how = HOW_SOCKET;
	switch (s->desc->transport) {
	case BO_TRANSPORT_ICMP: {
		int rc = icmp_socket(s, err, errlen);
		return rc == 1 ? frame_open(s, err, errlen) : rc;
	}
	case BO_TRANSPORT_UDP: {
		int fd = probe_sock_udp(s, 1, &s->inst.local_port, err, errlen);
		if (fd < 0)
			return fd;
		s->tx.fd = fd;
		return 0;
	}
	case BO_TRANSPORT_TCP: {
		if (s->desc->flags & BO_STREAM_BYTES)
			return probe_est_open(s, err, errlen);
		return frame_open(s, err, errlen);
	}
	}
	snprintf(err, errlen, "%s: no transmit path for this transport", s->desc->name);
	return BO_ENOTSUP;
}

static int send_frame(probe_slot *s, const bo_probe_pkt *pkt)
{
	tx_win *t = priv(s->run);
	uint8_t f[ETH_HLEN + 40 + BO_PROBE_MAX];
	memcpy(f, t->eth[s->target->index], ETH_HLEN);
	size_t n = probe_ip_packet(s, pkt, t->ip_id++, f + ETH_HLEN);
	if (pcap_sendpacket(t->inject, f, (int)(ETH_HLEN + n)) != 0)
		return -EIO;
	t->frames++;
	return 0;
}

/* udp-new's next socket: made in flush, after the burst of sends it would delay (making a
 * socket costs tens of microseconds on Windows, a millisecond under Wine), or at the send
 * when the sender never got to wait. */
static void udp_renew(probe_slot *s)
{
	char err[128];
	uint16_t port;
	int fd = probe_sock_udp(s, 1, &port, err, sizeof err);
	if (fd >= 0) {
		s->tx.fd = fd;
		s->inst.local_port = port;
	}
}

static int send_datagram(probe_slot *s, const bo_probe_pkt *pkt)
{
	if (s->tx.fd < 0)
		udp_renew(s);
	if (s->tx.fd < 0)
		return -EAGAIN;
	int rc = probe_sock_send(s->tx.fd, pkt->l4 + pkt->payload_off, pkt->len - pkt->payload_off);
	if (s->desc->flags & BO_STREAM_NEW_FLOW) {
		/* this one goes (a reply finds the port closed; the capture has it all the same) */
		probe_sock_close(s->tx.fd);
		s->tx.fd = -1;
		priv(s->run)->renew = 1;
	}
	return rc;
}

static void tx_flush(probe *p)
{
	tx_win *t = priv(p);
	if (!t->renew)
		return;
	t->renew = 0;
	for (int i = 0; i < p->nslots; i++) {
		probe_slot *s = &p->slots[i];
		if (s->tx.fd < 0 && s->desc->transport == BO_TRANSPORT_UDP)
			udp_renew(s);
	}
}

static int tx_send(probe_slot *s, const bo_probe_pkt *pkt, uint32_t seq, int64_t deadline)
{
	(void)deadline;
	if (s->tx.how == HOW_FRAME)
		return send_frame(s, pkt);
	switch (s->desc->transport) {
	case BO_TRANSPORT_ICMP:
		return probe_sock_sendto(s->tx.fd, pkt->l4, pkt->len, &s->target->addr, 0);
	case BO_TRANSPORT_UDP: return send_datagram(s, pkt);
	default: return probe_est_send(s, pkt, seq);
	}
}

static void tx_close(probe *p)
{
	tx_win *t = priv(p);
	probe_sock_close_slots(p);
	if (!t)
		return;
	probe_sock_close(t->icmp[0]);
	probe_sock_close(t->icmp[1]);
	if (t->inject)
		pcap_close(t->inject);
	free(t->eth);
	free(t->eth_ok);
	free(t);
	p->tx_priv = NULL;
}

static json_t *tx_report(probe *p)
{
	return json_pack("{s:I}", "frames", (json_int_t)(priv(p) ? priv(p)->frames : 0));
}

const probe_tx_ops probe_tx_system = {
        .name = "winsock-npcap",
        .open = tx_open,
        .slot_open = tx_slot_open,
        .send = tx_send,
        .flush = tx_flush,
        .close = tx_close,
        .report = tx_report,
};
