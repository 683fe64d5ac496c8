/* The `udp` and `udp-new` streams: STAMP Session-Sender test packets (RFC 8762, SSID per
 * RFC 8972) to the target's reflector (default port 862: blackout-responder, or any STAMP or
 * TWAMP-light reflector), on one fixed 5-tuple (an existing UDP flow) or from a new source port
 * per probe (a new flow each time). The SSID, derived from the run key per (target, stream), and
 * the sender sequence number that the reflector returns pair request and reply. T1 (the sender
 * timestamp) is the probe's scheduled send time; the capture has the actual one. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "bo_stamp.h"
#include "bo_time.h"
#include "bo_rd.h"
#include "probe.h"

static int new_ports(const probe_slot *s)
{
	return s->ops->wire_id == 4;
}

static void udp_filter(const probe_slot *s, char *buf, size_t len)
{
	if (new_ports(s)) /* the ports vary: the SSID tells our probes apart */
		snprintf(buf, len, "(udp and host %s and port %u)", s->target->str,
		         s->run->cfg.stamp_port);
	else
		snprintf(buf, len, "(udp and host %s and port %u and port %u)", s->target->str,
		         s->run->cfg.stamp_port, s->local_port);
}

static int udp_open(probe_slot *s, char *err, size_t errlen)
{
	s->fd = probe_udp_connect(&s->target->addr, s->run->cfg.stamp_port, &s->local_port, err,
	                          errlen);
	return s->fd < 0 ? s->fd : 0;
}

/* The packet of probe seq: 44 octets, or 112 with a key. Returns its length. */
int probe_stamp_build(const probe_slot *s, uint32_t seq, int64_t deadline, uint8_t *out, size_t cap)
{
	bo_stamp st = {.seq = seq,
	               .ts = bo_ntp_from_ns(deadline + s->run->mono_to_real),
	               .err = bo_stamp_err_estimate(0, BO_NS_PER_US),
	               .ssid = s->ssid};
	return bo_stamp_write_sender(&st, &s->run->stamp_key, out, cap);
}

static int udp_send(probe_slot *s, uint32_t seq, int64_t deadline)
{
	uint8_t pkt[BO_STAMP_AUTH_LEN];
	int n = probe_stamp_build(s, seq, deadline, pkt, sizeof pkt);
	if (n < 0)
		return -EINVAL;
	int rc = probe_send(s->fd, pkt, (size_t)n);
	if (new_ports(s)) {
		/* The next probe's socket is made now, after this send, so its cost does not
		 * delay the send; this one goes (a reply finds the port closed; the capture
		 * has it all the same). */
		char err[128];
		uint16_t port;
		int fd = probe_udp_connect(&s->target->addr, s->run->cfg.stamp_port, &port, err,
		                           sizeof err);
		if (fd >= 0) {
			close(s->fd);
			s->fd = fd;
			s->local_port = port;
		}
	}
	return rc;
}

/* udp-new's ports in a dry run: the kernel would pick them; these stand in. */
static int udp_render(const probe_slot *s, uint32_t seq, int64_t deadline, uint8_t *out, size_t cap,
                      uint8_t *proto)
{
	if (cap < 8)
		return -1;
	int n = probe_stamp_build(s, seq, deadline, out + 8, cap - 8);
	if (n < 0)
		return -1;
	bo_wr w = bo_wr_make(out, 8);
	bo_wr_be16(&w, new_ports(s) ? (uint16_t)(49152 + seq % 16384) : s->local_port);
	bo_wr_be16(&w, s->run->cfg.stamp_port);
	bo_wr_be16(&w, (uint16_t)(8 + n));
	bo_wr_be16(&w, 0); /* checksum: dry.c */
	*proto = 17;
	return 8 + n;
}

static int udp_classify(const probe_slot *s, const bo_pkt *p, uint32_t *seq)
{
	if (p->l4 != BO_L4_UDP)
		return 0;
	uint16_t port = s->run->cfg.stamp_port;
	bo_stamp st;
	int any = new_ports(s);
	if (p->dport == port && (any || p->sport == s->local_port) &&
	    bo_addr_eq(&p->dst, &s->target->addr)) {
		if (bo_stamp_read_sender(p->payload, p->payload_len, &s->run->stamp_key, &st) !=
		            0 ||
		    st.ssid != s->ssid)
			return 0;
		*seq = st.seq;
		return PROBE_PKT_REQUEST;
	}
	if (p->sport == port && (any || p->dport == s->local_port) &&
	    bo_addr_eq(&p->src, &s->target->addr)) {
		if (bo_stamp_read_reflector(p->payload, p->payload_len, &s->run->stamp_key, &st) !=
		            0 ||
		    st.ssid != s->ssid)
			return 0;
		*seq = st.sender_seq;
		return PROBE_PKT_REPLY;
	}
	return 0;
}

/* The pre-flight warning of both variants, fixed flow and a new flow per probe. */
static const char udp_silent[] =
        "no STAMP reply: blackout-responder (or another reflector) not running, "
        "or UDP port %u blocked by the guest firewall";

const probe_stream_ops probe_stream_udp = {
        .name = "udp",
        .wire_id = 3,
        .summary = "STAMP (RFC 8762) to the reflector, one fixed 5-tuple (an existing UDP flow)",
        .filter = udp_filter,
        .open = udp_open,
        .send = udp_send,
        .classify = udp_classify,
        .render = udp_render,
        .silent = udp_silent,
};

const probe_stream_ops probe_stream_udp_new = {
        .name = "udp-new",
        .wire_id = 4,
        .summary = "STAMP from a new source port per probe (a new UDP flow each time)",
        .filter = udp_filter,
        .open = udp_open,
        .send = udp_send,
        .classify = udp_classify,
        .render = udp_render,
        .silent = udp_silent,
};
