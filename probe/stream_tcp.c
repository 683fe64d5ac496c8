/* The TCP streams, both to blackout-responder's TCP port (--tcp-port, default 8620):
 *
 * `tcp-syn`: a raw SYN per probe from a new source port (bo_syn_port), its ISN keyed to
 * (run, target, port, seq) so the SYN-ACK or RST acknowledging ISN + 1 maps back to the probe.
 * The handshake is never completed: our kernel knows no such connection and answers the
 * SYN-ACK with a RST, and a raw SYN is never retransmitted. This is a new inbound TCP flow each
 * time, what a quarantining firewall drops.
 *
 * `tcp-est`: one established connection ("BLACKOUT/1 echo") carrying a 32-byte tag frame per
 * probe, echoed by the responder: an established flow, which the quarantine lets through. When
 * the connection dies it is made again (a new source port) and the probe log says so. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bo_cksum.h"
#include "bo_rd.h"
#include "bo_time.h"
#include "probe.h"

#define TCP_SYN_WIRE 5
#define TCP_EST_WIRE 6

static void tcp_filter(const probe_slot *s, char *buf, size_t len)
{
	snprintf(buf, len, "(tcp and host %s and port %u)", s->target->str, s->run->cfg.tcp_port);
}

/* ---- tcp-syn ---- */

static int syn_open(probe_slot *s, char *err, size_t errlen)
{
	int rc = probe_route_source(&s->target->addr, &s->local, err, errlen);
	return rc ? rc : probe_raw_shared(s, 1, err, errlen);
}

/* The 20-byte TCP header of probe seq; the checksum covers the IPv4 pseudo-header (for IPv6
 * the kernel fills it). */
void probe_syn_build(const probe_slot *s, uint32_t seq, uint8_t out[20])
{
	bo_wr w = bo_wr_make(out, 20);
	bo_wr_be16(&w, bo_syn_port(seq));
	bo_wr_be16(&w, s->run->cfg.tcp_port);
	bo_wr_be32(&w, bo_syn_isn(&s->run->key, &s->target->addr, s->run->run_id, seq));
	bo_wr_be32(&w, 0);    /* ack */
	bo_wr_u8(&w, 5 << 4); /* data offset: 5 words, no options */
	bo_wr_u8(&w, BO_TCP_SYN);
	bo_wr_be16(&w, 65535); /* window */
	bo_wr_be16(&w, 0);     /* checksum, below */
	bo_wr_be16(&w, 0);     /* urgent */
	if (s->target->addr.family == 4) {
		uint8_t pseudo[12];
		memcpy(pseudo, s->local.a, 4);
		memcpy(pseudo + 4, s->target->addr.a, 4);
		pseudo[8] = 0, pseudo[9] = 6, pseudo[10] = 0, pseudo[11] = 20;
		uint16_t c = bo_cksum_fold(bo_cksum_add(bo_cksum_add(0, pseudo, 12), out, 20));
		out[16] = (uint8_t)(c >> 8), out[17] = (uint8_t)c;
	}
}

static int syn_send(probe_slot *s, uint32_t seq, int64_t deadline)
{
	(void)deadline;
	uint8_t h[20];
	probe_syn_build(s, seq, h);
	return probe_sendto(s->fd, h, sizeof h, &s->target->addr);
}

static int syn_classify(const probe_slot *s, const bo_pkt *p, uint32_t *seq)
{
	if (p->l4 != BO_L4_TCP)
		return 0;
	const probe *r = s->run;
	if ((p->tcp_flags & (BO_TCP_SYN | BO_TCP_ACK)) == BO_TCP_SYN &&
	    p->dport == r->cfg.tcp_port && bo_addr_eq(&p->dst, &s->target->addr))
		return bo_syn_seq(&r->key, &s->target->addr, r->run_id, p->sport, p->tcp_seq,
		                  seq) == 0
		               ? PROBE_PKT_REQUEST
		               : 0;
	if ((p->tcp_flags & BO_TCP_ACK) && (p->tcp_flags & (BO_TCP_SYN | BO_TCP_RST)) &&
	    p->sport == r->cfg.tcp_port && bo_addr_eq(&p->src, &s->target->addr))
		return bo_syn_seq(&r->key, &s->target->addr, r->run_id, p->dport, p->tcp_ack - 1,
		                  seq) == 0
		               ? PROBE_PKT_REPLY
		               : 0;
	return 0;
}

static int syn_render(const probe_slot *s, uint32_t seq, int64_t deadline, uint8_t *out, size_t cap,
                      uint8_t *proto)
{
	(void)deadline;
	if (cap < 20)
		return -1;
	probe_syn_build(s, seq, out);
	*proto = 6;
	return 20;
}

/* ---- tcp-est ---- */

static int est_connect(probe_slot *s)
{
	int fd = probe_tcp_connect_start(&s->target->addr, s->run->cfg.tcp_port, &s->local_port);
	if (fd < 0)
		return fd;
	s->fd = fd;
	s->est_state = 1;
	return 0;
}

static int est_open(probe_slot *s, char *err, size_t errlen)
{
	int rc = est_connect(s);
	if (rc < 0)
		snprintf(err, errlen, "tcp-est: cannot connect to %s port %u: %s", s->target->str,
		         s->run->cfg.tcp_port, strerror(-rc));
	return rc;
}

static void est_broken(probe_slot *s)
{
	close(s->fd);
	s->fd = -1;
	s->est_state = 0;
}

void probe_est_build(const probe_slot *s, uint32_t seq, int64_t deadline, uint8_t out[BO_TAG_LEN])
{
	bo_probe_id id = {
	        .stream = TCP_EST_WIRE, .run_id = s->run->run_id, .seq = seq, .deadline = deadline};
	bo_tag_encode(&s->run->key, &s->target->addr, &id, out);
}

/* Runs on the pacer thread: never blocks. While the connection is being made, probes are
 * send errors (a blind spot, not loss). */
static int est_send(probe_slot *s, uint32_t seq, int64_t deadline)
{
	if (s->est_state == 0) {
		int64_t now = bo_clock_mono_ns();
		if (now < s->est_retry)
			return -ENOTCONN;
		s->est_retry = now + 250 * BO_NS_PER_MS; /* at most 4 attempts a second */
		int rc = est_connect(s);
		if (rc < 0)
			return rc;
		atomic_fetch_add(&s->reconnects, 1);
	}
	if (s->est_state == 1) {
		int c = probe_tcp_connected(s->fd);
		if (c < 0) {
			est_broken(s);
			return c;
		}
		if (c == 0)
			return -EINPROGRESS;
		static const char hello[] = "BLACKOUT/1 echo\n";
		if (probe_stream_send(s->fd, hello, sizeof hello - 1) != 0) {
			est_broken(s);
			return -EPIPE;
		}
		s->est_state = 2;
	}
	probe_drain_input(s->fd);
	uint8_t frame[BO_TAG_LEN];
	bo_probe_id id = {
	        .stream = TCP_EST_WIRE, .run_id = s->run->run_id, .seq = seq, .deadline = deadline};
	bo_tag_encode(&s->run->key, &s->target->addr, &id, frame);
	int rc = probe_stream_send(s->fd, frame, sizeof frame);
	if (rc == -EPIPE || rc == -ECONNRESET || rc == -ETIMEDOUT || rc == -ENOTCONN)
		est_broken(s);
	return rc;
}

/* A dry run shows the frames only, in one segment each, as if the connection were up (its
 * handshake and the echoes are the kernel's and the responder's). */
static int est_render(const probe_slot *s, uint32_t seq, int64_t deadline, uint8_t *out, size_t cap,
                      uint8_t *proto)
{
	if (cap < 20 + BO_TAG_LEN)
		return -1;
	bo_wr w = bo_wr_make(out, 20);
	bo_wr_be16(&w, s->local_port);
	bo_wr_be16(&w, s->run->cfg.tcp_port);
	bo_wr_be32(&w, 1 + (uint32_t)sizeof "BLACKOUT/1 echo\n" - 1 + seq * BO_TAG_LEN);
	bo_wr_be32(&w, 1);
	bo_wr_u8(&w, 5 << 4);
	bo_wr_u8(&w, BO_TCP_PSH | BO_TCP_ACK);
	bo_wr_be16(&w, 65535);
	bo_wr_be16(&w, 0); /* checksum: dry.c */
	bo_wr_be16(&w, 0);
	probe_est_build(s, seq, deadline, out + 20);
	*proto = 6;
	return 20 + BO_TAG_LEN;
}

static int est_classify(const probe_slot *s, const bo_pkt *p, uint32_t *seq)
{
	if (p->l4 != BO_L4_TCP || p->payload_len < BO_TAG_LEN)
		return 0;
	int kind;
	if (p->dport == s->run->cfg.tcp_port && bo_addr_eq(&p->dst, &s->target->addr))
		kind = PROBE_PKT_REQUEST;
	else if (p->sport == s->run->cfg.tcp_port && bo_addr_eq(&p->src, &s->target->addr))
		kind = PROBE_PKT_REPLY;
	else
		return 0;
	/* The first frame of the segment; live.c reads the ones after it (.steady). */
	bo_probe_id id;
	if (bo_tag_decode(&s->run->key, &s->target->addr, p->payload, p->payload_len, &id) != 0 ||
	    id.run_id != s->run->run_id || id.stream != TCP_EST_WIRE)
		return 0;
	*seq = id.seq;
	return kind;
}

const probe_stream_ops probe_stream_tcp_syn = {
        .name = "tcp-syn",
        .wire_id = TCP_SYN_WIRE,
        .summary = "raw TCP SYN, a new source port each (a new inbound connection each time)",
        .filter = tcp_filter,
        .open = syn_open,
        .send = syn_send,
        .classify = syn_classify,
        .render = syn_render,
        .silent = "no SYN-ACK or RST: TCP port %u filtered by the guest firewall (a "
                  "closed port would have answered RST)",
};

const probe_stream_ops probe_stream_tcp_est = {
        .name = "tcp-est",
        .wire_id = TCP_EST_WIRE,
        .summary = "frames on one established TCP connection, echoed (an existing flow)",
        .filter = tcp_filter,
        .open = est_open,
        .send = est_send,
        .classify = est_classify,
        .render = est_render,
        .steady = 1,
        .silent = "no echo: blackout-responder not listening on TCP port %u, or the "
                  "port blocked by the guest firewall",
};
