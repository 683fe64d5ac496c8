/* SPDX-License-Identifier: Apache-2.0 */
/* The Linux transmit backend. Each slot's socket follows from its stream's transport:
 *   ICMP         a raw ICMP/ICMPv6 socket, one per family shared by every slot (one socket per
 *                slot would have the kernel copy each arriving packet to all of them);
 *   UDP          a connected UDP socket per slot, its source port the slot's; a new-flow
 *                stream gets a new socket (a new port) after every send;
 *   TCP          a raw TCP socket per family, shared (raw SYNs: the kernel writes the IP
 *                header, we the TCP header);
 *   TCP, bytes   one connection per slot (tcp-est), made again when it breaks.
 * Sockets keep nothing they receive: the capture has every reply.
 *
 * When the run batches (p->tx_batch, --tx), what goes through a shared raw socket is queued
 * for sendmmsg (tx-mmsg-linux.c), and udp probes join them: the slot's connected socket keeps
 * its port (so the kernel answers nothing for it) while the datagram, its checksum ours, leaves
 * through a raw UDP socket shared by every slot. udp-new and tcp-est are sent one by one. */
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bo_cksum.h"
#include "bo_err.h"
#include "bo_time.h"
#include "probe.h"

/* The capture sees every reply; a filter that accepts nothing keeps a sending socket's
 * receive queue empty however much arrives. */
static void ignore_input(int fd)
{
	struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = {1, &drop};
	setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
}

/* The shared raw sockets, by kind (the index into p->tx_shared is kind * 2 + IPv6). */
enum raw_kind { RAW_ICMP, RAW_TCP, RAW_UDP };
static const char *const raw_names[] = {"ICMP", "TCP", "UDP"};

static int raw_open(int family, enum raw_kind kind, char *err, size_t errlen)
{
	int v6 = family == 6, tcp = kind == RAW_TCP;
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC,
	                kind == RAW_UDP ? IPPROTO_UDP
	                : tcp           ? IPPROTO_TCP
	                : v6            ? IPPROTO_ICMPV6
	                                : IPPROTO_ICMP);
	if (fd < 0) {
		int e = errno;
		if (e == EPERM || e == EACCES) {
			snprintf(err, errlen,
			         "cannot open a raw %s socket: %s.\n"
			         "  Raw sockets and packet capture need CAP_NET_RAW (and "
			         "CAP_NET_ADMIN).\n"
			         "  Run as root, or grant them once:\n"
			         "    %s",
			         raw_names[kind], strerror(e), probe_privilege_hint());
			return BO_EPERM;
		}
		snprintf(err, errlen, "cannot open a raw %s socket: %s", raw_names[kind],
		         strerror(e));
		return -e;
	}
	ignore_input(fd);
	if (tcp && v6) { /* the kernel fills the TCP checksum at offset 16 */
		int off = 16;
		setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof off);
	}
	return fd;
}

/* The run's raw socket for a family and protocol, opened by its first user. */
static int *shared_slot(probe_slot *s, enum raw_kind kind)
{
	return &s->run->tx_shared[kind * 2 + (s->target->addr.family == 6)];
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

static uint16_t local_port_of(int fd)
{
	struct sockaddr_storage me;
	socklen_t ml = sizeof me;
	if (getsockname(fd, (struct sockaddr *)&me, &ml) != 0)
		return 0;
	return ntohs(me.ss_family == AF_INET ? ((struct sockaddr_in *)&me)->sin_port
	                                     : ((struct sockaddr_in6 *)&me)->sin6_port);
}

static int udp_connect(const probe_slot *s, uint16_t *local_port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = probe_sockaddr(&s->target->addr, s->inst.stamp_port, &ss);
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) != 0) {
		int e = errno;
		snprintf(err, errlen, "cannot open a UDP socket to %s port %u: %s", s->target->str,
		         s->inst.stamp_port, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	/* A new-flow stream's socket is closed right after its one send, before a reply can
	 * come: a filter would cost more than it keeps out (the kernel builds one per socket). */
	if (!(s->desc->flags & BO_STREAM_NEW_FLOW))
		ignore_input(fd);
	*local_port = local_port_of(fd);
	return fd;
}

/* TCP's retransmission timer starts at 200 ms and doubles after each timeout (200, 400, 800
 * ms, ...): after a pause the stream could wait that long past the path's return, and its
 * stall, the evidence that tells a quarantine (established flows pass) from a full outage,
 * would be of TCP's making. The probe's own connection takes a floor of 50 ms and a ceiling of
 * 1 s for that timer (Linux 6.15 on; bench/est_stall.sh measures the stall against the dark
 * time); where the kernel lacks them the stream backs off as TCP does (docs/probe.md). */
#ifndef TCP_RTO_MAX_MS
#define TCP_RTO_MAX_MS 44 /* linux/tcp.h from 6.15 */
#endif
#ifndef TCP_RTO_MIN_US
#define TCP_RTO_MIN_US 45
#endif
#define EST_RTO_MIN_US 50000
#define EST_RTO_MAX_MS 1000
static void est_bound_backoff(int fd)
{
	int min_us = EST_RTO_MIN_US, max_ms = EST_RTO_MAX_MS;
	setsockopt(fd, IPPROTO_TCP, TCP_RTO_MIN_US, &min_us, sizeof min_us);
	setsockopt(fd, IPPROTO_TCP, TCP_RTO_MAX_MS, &max_ms, sizeof max_ms);
}

/* A non-blocking TCP connection being made to the target's TCP port. */
static int est_connect(probe_slot *s)
{
	struct sockaddr_storage ss;
	socklen_t sl = probe_sockaddr(&s->target->addr, s->inst.tcp_port, &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int on = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	est_bound_backoff(fd);
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		return -e;
	}
	s->inst.local_port = local_port_of(fd);
	s->tx.fd = fd;
	s->tx.est_state = 1;
	return 0;
}

/* The shared raw sockets (p->tx_shared, -1 from probe_run) are opened by their first slot;
 * run-wide there is only the batch queue. */
static int tx_open(probe *p, char *err, size_t errlen)
{
	if (p->tx_batch && !(p->txq = probe_txq_new())) {
		snprintf(err, errlen, "cannot allocate the transmit queue");
		return -ENOMEM;
	}
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
		int fd = udp_connect(s, &s->inst.local_port, err, errlen);
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
		if (s->desc->flags & BO_STREAM_BYTES) {
			int rc = est_connect(s);
			if (rc < 0)
				snprintf(err, errlen, "%s: cannot connect to %s port %u: %s",
				         s->desc->name, s->target->str, s->inst.tcp_port,
				         strerror(-rc));
			return rc;
		} else {
			int rc = probe_route_source(&s->target->addr, &s->inst.local, err, errlen);
			return rc ? rc : shared_raw(s, RAW_TCP, err, errlen);
		}
	}
	snprintf(err, errlen, "%s: no transmit path for this transport", s->desc->name);
	return BO_ENOTSUP;
}

static int send_raw(probe_slot *s, const bo_probe_pkt *pkt)
{
	if (s->run->txq)
		return probe_txq_put(s->run->txq, s, s->tx.fd, pkt->l4, pkt->len);
	struct sockaddr_storage ss;
	socklen_t sl = probe_sockaddr(&s->target->addr, 0, &ss);
	ssize_t n = sendto(s->tx.fd, pkt->l4, pkt->len, 0, (struct sockaddr *)&ss, sl);
	return n == (ssize_t)pkt->len ? 0 : -errno;
}

/* A udp probe queued for the raw UDP socket, with the checksum the kernel would have made. */
static int queue_datagram(probe_slot *s, const bo_probe_pkt *pkt)
{
	bo_probe_pkt c = *pkt;
	uint16_t ck = bo_cksum_l4(&s->inst.local, &s->target->addr, 17, c.l4, c.len);
	if (ck == 0)
		ck = 0xffff; /* a UDP checksum of 0 means none */
	c.l4[6] = (uint8_t)(ck >> 8), c.l4[7] = (uint8_t)ck;
	return probe_txq_put(s->run->txq, s, *shared_slot(s, RAW_UDP), c.l4, c.len);
}

static int send_datagram(probe_slot *s, const bo_probe_pkt *pkt)
{
	if (udp_batched(s))
		return queue_datagram(s, pkt);
	size_t len = pkt->len - pkt->payload_off;
	ssize_t n = send(s->tx.fd, pkt->l4 + pkt->payload_off, len, MSG_NOSIGNAL);
	int rc = n == (ssize_t)len ? 0 : -errno;
	if (s->desc->flags & BO_STREAM_NEW_FLOW) {
		/* The next probe's socket is made now, after this send, so its cost does not
		 * delay the send; this one goes (a reply finds the port closed; the capture
		 * has it all the same). */
		char err[128];
		uint16_t port;
		int fd = udp_connect(s, &port, err, sizeof err);
		if (fd >= 0) {
			close(s->tx.fd);
			s->tx.fd = fd;
			s->inst.local_port = port;
		}
	}
	return rc;
}

static void est_broken(probe_slot *s)
{
	close(s->tx.fd);
	s->tx.fd = -1;
	s->tx.est_state = 0;
}

/* 1 connected, 0 still connecting, negative errno when it failed. */
static int est_connected(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	if (poll(&pfd, 1, 0) == 0)
		return 0;
	int e = 0;
	socklen_t l = sizeof e;
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l);
	return e ? -e : 1;
}

static int stream_send(int fd, const void *buf, size_t len)
{
	ssize_t n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == (ssize_t)len)
		return 0;
	return n < 0 ? -errno : -EAGAIN; /* a partial frame: the echo is no longer aligned */
}

#define ECHO_READ_EVERY 8 /* frames: how often tcp-est reads its echoes (send_frame) */

/* A byte stream's frame on its connection. While the connection is being made, probes are
 * send errors (a blind spot, not loss). */
static int send_frame(probe_slot *s, const bo_probe_pkt *pkt, uint32_t seq)
{
	if (s->tx.est_state == 0) {
		int64_t now = bo_clock_mono_ns();
		if (now < s->tx.est_retry)
			return -ENOTCONN;
		s->tx.est_retry = now + 250 * BO_NS_PER_MS; /* at most 4 attempts a second */
		int rc = est_connect(s);
		if (rc < 0)
			return rc;
		atomic_fetch_add(&s->tx.reconnects, 1);
	}
	if (s->tx.est_state == 1) {
		int c = est_connected(s->tx.fd);
		if (c < 0) {
			est_broken(s);
			return c;
		}
		if (c == 0)
			return -EINPROGRESS;
		if (stream_send(s->tx.fd, BO_FRAMES_HELLO, sizeof BO_FRAMES_HELLO - 1) != 0) {
			est_broken(s);
			return -EPIPE;
		}
		s->tx.est_state = 2;
	}
	int rc = stream_send(s->tx.fd, pkt->l4 + pkt->payload_off, pkt->len - pkt->payload_off);
	if (rc == -EPIPE || rc == -ECONNRESET || rc == -ETIMEDOUT || rc == -ENOTCONN) {
		est_broken(s);
		return rc;
	}
	/* The echoes are read (and dropped: the capture has them) after the frame went, so the
	 * reading does not delay it, and only every ECHO_READ_EVERY frames: the kernel keeps them
	 * meanwhile (a few hundred bytes), and a read a frame was two system calls a frame, the
	 * second to learn that nothing was left. */
	if (seq % ECHO_READ_EVERY == 0) {
		char buf[4096];
		for (int i = 0; i < 16; i++)
			if (recv(s->tx.fd, buf, sizeof buf, MSG_DONTWAIT) < (ssize_t)sizeof buf)
				break;
	}
	return rc;
}

static void tx_flush(probe *p)
{
	if (p->txq)
		probe_txq_flush(p->txq);
}

static int tx_send(probe_slot *s, const bo_probe_pkt *pkt, uint32_t seq, int64_t deadline)
{
	(void)deadline;
	int queued = udp_batched(s) || (s->tx.shared && s->run->txq);
	if (!queued) /* what is queued goes first: it was due earlier, and this send may be slow */
		tx_flush(s->run);
	if (s->desc->transport == BO_TRANSPORT_UDP)
		return send_datagram(s, pkt);
	if (s->desc->flags & BO_STREAM_BYTES)
		return send_frame(s, pkt, seq);
	return send_raw(s, pkt);
}

static void tx_close(probe *p)
{
	for (int i = 0; i < p->nslots; i++) {
		probe_tx_slot *t = &p->slots[i].tx;
		if (t->fd >= 0 && !t->shared)
			close(t->fd);
		t->fd = -1;
	}
	for (int i = 0; i < 6; i++)
		if (p->tx_shared[i] >= 0) {
			close(p->tx_shared[i]);
			p->tx_shared[i] = -1;
		}
	probe_txq_free(p->txq);
	p->txq = NULL;
}

const probe_tx_ops probe_tx_system = {
        .name = "raw-linux",
        .open = tx_open,
        .slot_open = tx_slot_open,
        .send = tx_send,
        .flush = tx_flush,
        .close = tx_close,
};
