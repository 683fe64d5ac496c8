/* The `udp` stream: STAMP Session-Sender test packets (RFC 8762, SSID per RFC 8972) on one
 * fixed 5-tuple, to the target's reflector (default port 862): blackout-responder or any STAMP
 * or TWAMP-light reflector. The SSID, derived from the run key per (target, stream), and the
 * sender sequence number that the reflector returns pair request and reply. T1 (the sender
 * timestamp) is the probe's scheduled send time; the capture has the actual one. */
#include <errno.h>
#include <stdio.h>

#include "bo_stamp.h"
#include "bo_time.h"
#include "probe.h"

static void udp_filter(const probe_slot *s, char *buf, size_t len)
{
	snprintf(buf, len, "(udp and host %s and port %u and port %u)", s->target->str,
	         s->run->cfg.stamp_port, s->local_port);
}

static int udp_open(probe_slot *s, char *err, size_t errlen)
{
	s->fd = probe_udp_connect(&s->target->addr, s->run->cfg.stamp_port, &s->local_port, err,
	                          errlen);
	return s->fd < 0 ? s->fd : 0;
}

static int udp_send(probe_slot *s, uint32_t seq, int64_t deadline)
{
	uint8_t pkt[BO_STAMP_AUTH_LEN];
	bo_stamp st = {.seq = seq,
	               .ts = bo_ntp_from_ns(deadline + s->run->mono_to_real),
	               .err = bo_stamp_err_estimate(0, BO_NS_PER_US),
	               .ssid = s->ssid};
	int n = bo_stamp_write_sender(&st, &s->run->stamp_key, pkt, sizeof pkt);
	if (n < 0)
		return -EINVAL;
	return probe_send(s->fd, pkt, (size_t)n);
}

static int udp_classify(const probe_slot *s, const bo_pkt *p, uint32_t *seq)
{
	if (p->l4 != BO_L4_UDP)
		return 0;
	uint16_t port = s->run->cfg.stamp_port;
	bo_stamp st;
	if (p->dport == port && p->sport == s->local_port &&
	    bo_addr_eq(&p->dst, &s->target->addr)) {
		if (bo_stamp_read_sender(p->payload, p->payload_len, &s->run->stamp_key, &st) !=
		            0 ||
		    st.ssid != s->ssid)
			return 0;
		*seq = st.seq;
		return PROBE_PKT_REQUEST;
	}
	if (p->sport == port && p->dport == s->local_port &&
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

const probe_stream_ops probe_stream_udp = {
        .name = "udp",
        .wire_id = 3,
        .summary = "STAMP (RFC 8762) to the reflector, one fixed 5-tuple (an existing UDP flow)",
        .filter = udp_filter,
        .open = udp_open,
        .send = udp_send,
        .classify = udp_classify,
};
