/* SPDX-License-Identifier: Apache-2.0 */
/* The Linux transmit backend. Each slot's socket follows from its stream's transport:
 *   ICMP         a raw ICMP/ICMPv6 socket, one per family shared by every slot (one socket per
 *                slot would have the kernel copy each arriving packet to all of them);
 *   UDP          a connected UDP socket per slot, its source port the slot's; a new-flow
 *                stream gets a new socket (a new port) after every send;
 *   TCP          a raw TCP socket per family, shared (raw SYNs: the kernel writes the IP
 *                header, we the TCP header);
 *   TCP, bytes   one connection per slot (tcp-est, est.c), made again when it breaks.
 * Sockets keep nothing they receive: the capture has every reply.
 *
 * When the run batches (p->tx_batch, --tx), what goes through a shared raw socket is queued
 * for sendmmsg (tx-mmsg-linux.c), and udp probes join them: the slot's connected socket keeps
 * its port (so the kernel answers nothing for it) while the datagram, its checksum ours, leaves
 * through a raw UDP socket shared by every slot. udp-new and tcp-est are sent one by one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bo_cksum.h"
#include "bo_err.h"
#include "probe.h"
#include "sock.h"
#include "tx-linux.h"

/* The shared raw sockets, by kind (the index into shared[] is kind * 2 + IPv6). */
enum raw_kind { RAW_ICMP, RAW_TCP, RAW_UDP };
static const char *const raw_names[] = {"ICMP", "TCP", "UDP"};

typedef struct tx_linux {
	int shared[6];  /* -1 unopened */
	probe_txq *txq; /* when the run batches */
} tx_linux;

static tx_linux *priv(const probe *p)
{
	return p->tx_priv;
}

static int raw_open(int family, enum raw_kind kind, char *err, size_t errlen)
{
	int v6 = family == 6, tcp = kind == RAW_TCP;
	int fd = probe_sock_open(family, SOCK_RAW,
	                         kind == RAW_UDP ? IPPROTO_UDP
	                         : tcp           ? IPPROTO_TCP
	                         : v6            ? IPPROTO_ICMPV6
	                                         : IPPROTO_ICMP,
	                         0);
	if (fd < 0) {
		if (fd == -EPERM || fd == -EACCES) {
			snprintf(err, errlen,
			         "cannot open a raw %s socket: %s.\n"
			         "  Raw sockets and packet capture need CAP_NET_RAW (and "
			         "CAP_NET_ADMIN).\n"
			         "  Run as root, or grant them once:\n"
			         "    %s",
			         raw_names[kind], strerror(-fd), probe_privilege_hint());
			return BO_EPERM;
		}
		snprintf(err, errlen, "cannot open a raw %s socket: %s", raw_names[kind],
		         strerror(-fd));
		return fd;
	}
	probe_sock_ignore_input(fd);
	if (tcp && v6) { /* the kernel fills the TCP checksum at offset 16 */
		int off = 16;
		setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof off);
	}
	return fd;
}

/* The run's raw socket for a family and protocol, opened by its first user. */
static int *shared_slot(probe_slot *s, enum raw_kind kind)
{
	return &priv(s->run)->shared[kind * 2 + (s->target->addr.family == 6)];
}

static int shared_raw_fd(probe_slot *s, enum raw_kind kind, char *err, size_t errlen)
{
	int *fd = shared_slot(s, kind);
	if (*fd < 0)
		*fd = raw_open(s->target->addr.family, kind, err, errlen);
	if (*fd < 0) {
		int rc = *fd;
		*fd = -1;
		return rc;
	}
	return *fd;
}

static int shared_raw(probe_slot *s, enum raw_kind kind, char *err, size_t errlen)
{
	int fd = shared_raw_fd(s, kind, err, errlen);
	if (fd < 0)
		return fd;
	s->tx.fd = fd;
	s->tx.shared = 1;
	return 0;
}

/* The shared raw sockets are opened by their first slot; the batch queue when the run
 * batches. */
static int tx_open(probe *p, char *err, size_t errlen)
{
	tx_linux *t = calloc(1, sizeof *t);
	if (!t || (p->tx_batch && !(t->txq = probe_txq_new()))) {
		free(t);
		snprintf(err, errlen, "cannot allocate the transmit queue");
		return -ENOMEM;
	}
	for (int i = 0; i < 6; i++)
		t->shared[i] = -1;
	p->tx_priv = t;
	return 0;
}

/* A batched udp slot: its connected socket holds the port, the raw UDP socket sends. */
static int udp_batched(const probe_slot *s)
{
	return s->run->tx_batch && s->desc->transport == BO_TRANSPORT_UDP &&
	       !(s->desc->flags & BO_STREAM_NEW_FLOW);
}

static int tx_slot_open(probe_slot *s, char *err, size_t errlen)
{
	s->tx.fd = -1;
	switch (s->desc->transport) {
	case BO_TRANSPORT_ICMP: return shared_raw(s, RAW_ICMP, err, errlen);
	case BO_TRANSPORT_UDP: {
		int fd = probe_sock_udp(s, 0, &s->inst.local_port, err, errlen);
		if (fd < 0)
			return fd;
		s->tx.fd = fd;
		if (!udp_batched(s))
			return 0;
		/* the raw socket's datagrams leave from the route's source, as tcp-syn's do */
		int rc = probe_route_source(&s->target->addr, &s->inst.local, err, errlen);
		if (rc == 0)
			rc = shared_raw_fd(s, RAW_UDP, err, errlen);
		return rc < 0 ? rc : 0;
	}
	case BO_TRANSPORT_TCP:
		if (s->desc->flags & BO_STREAM_BYTES)
			return probe_est_open(s, err, errlen);
		int rc = probe_route_source(&s->target->addr, &s->inst.local, err, errlen);
		return rc ? rc : shared_raw(s, RAW_TCP, err, errlen);
	}
	snprintf(err, errlen, "%s: no transmit path for this transport", s->desc->name);
	return BO_ENOTSUP;
}

static int send_raw(probe_slot *s, const bo_probe_pkt *pkt)
{
	probe_txq *q = priv(s->run)->txq;
	if (q)
		return probe_txq_put(q, s, s->tx.fd, pkt->l4, pkt->len);
	return probe_sock_sendto(s->tx.fd, pkt->l4, pkt->len, &s->target->addr, 0);
}

/* A udp probe queued for the raw UDP socket, with the checksum the kernel would have made. */
static int queue_datagram(probe_slot *s, const bo_probe_pkt *pkt)
{
	bo_probe_pkt c = *pkt;
	uint16_t ck = bo_cksum_l4(&s->inst.local, &s->target->addr, 17, c.l4, c.len);
	if (ck == 0)
		ck = 0xffff; /* a UDP checksum of 0 means none */
	c.l4[6] = (uint8_t)(ck >> 8), c.l4[7] = (uint8_t)ck;
	return probe_txq_put(priv(s->run)->txq, s, *shared_slot(s, RAW_UDP), c.l4, c.len);
}

static int send_datagram(probe_slot *s, const bo_probe_pkt *pkt)
{
	if (udp_batched(s))
		return queue_datagram(s, pkt);
	int rc = probe_sock_send(s->tx.fd, pkt->l4 + pkt->payload_off, pkt->len - pkt->payload_off);
	if (s->desc->flags & BO_STREAM_NEW_FLOW) {
		/* The next probe's socket is made now, after this send, so its cost does not
		 * delay the send; this one goes (a reply finds the port closed; the capture
		 * has it all the same). */
		char err[128];
		uint16_t port;
		int fd = probe_sock_udp(s, 0, &port, err, sizeof err);
		if (fd >= 0) {
			probe_sock_close(s->tx.fd);
			s->tx.fd = fd;
			s->inst.local_port = port;
		}
	}
	return rc;
}

static void tx_flush(probe *p)
{
	if (priv(p)->txq)
		probe_txq_flush(priv(p)->txq);
}

static int tx_send(probe_slot *s, const bo_probe_pkt *pkt, uint32_t seq, int64_t deadline)
{
	(void)deadline;
	int queued = udp_batched(s) || (s->tx.shared && priv(s->run)->txq);
	if (!queued) /* what is queued goes first: it was due earlier, and this send may be slow */
		tx_flush(s->run);
	if (s->desc->transport == BO_TRANSPORT_UDP)
		return send_datagram(s, pkt);
	if (s->desc->flags & BO_STREAM_BYTES)
		return probe_est_send(s, pkt, seq);
	return send_raw(s, pkt);
}

static void tx_close(probe *p)
{
	tx_linux *t = priv(p);
	probe_sock_close_slots(p);
	if (!t)
		return;
	for (int i = 0; i < 6; i++)
		probe_sock_close(t->shared[i]);
	probe_txq_free(t->txq);
	free(t);
	p->tx_priv = NULL;
}

static json_t *tx_report(probe *p)
{
	uint64_t calls, batched;
	probe_txq_counts(priv(p) ? priv(p)->txq : NULL, &calls, &batched);
	return json_pack("{s:I, s:I}", "sendmmsg_calls", (json_int_t)calls, "batched_probes",
	                 (json_int_t)batched);
}

const probe_tx_ops probe_tx_system = {
        .name = "raw-linux",
        .open = tx_open,
        .slot_open = tx_slot_open,
        .send = tx_send,
        .flush = tx_flush,
        .batches = 1,
        .close = tx_close,
        .report = tx_report,
};
