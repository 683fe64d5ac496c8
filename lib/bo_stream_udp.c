/* SPDX-License-Identifier: Apache-2.0 */
/* The `udp` and `udp-new` wire format: STAMP Session-Sender test packets (RFC 8762, SSID per
 * RFC 8972) to the reflector's port, and the reflector's replies, which return the sender's
 * sequence number. `udp` keeps one 5-tuple; `udp-new` takes a new source port per probe. The
 * SSID, not the packet, names the stream: a hit carries it and no descriptor. TWAMP-light
 * reflectors' replies (41 or 38 octets, SSID 0) are read too (lib/bo_stamp.h). */
#include <stdio.h>

#include "bo_err.h"
#include "bo_rd.h"
#include "bo_stream.h"
#include "bo_time.h"

static void filter(const bo_stream_inst *s, char *buf, size_t len)
{
	char t[48];
	bo_addr_str(&s->target, t, sizeof t);
	if ((s->desc->flags & BO_STREAM_NEW_FLOW) || !s->local_port) /* the SSID tells ours */
		snprintf(buf, len, "(udp and host %s and port %u)", t, s->stamp_port);
	else
		snprintf(buf, len, "(udp and host %s and port %u and port %u)", t, s->stamp_port,
		         s->local_port);
}

static int match(const bo_stream_ctx *c, const bo_pkt *p, bo_hit *hits, int max)
{
	if (max < 1 || p->l4 != BO_L4_UDP)
		return 0;
	uint16_t port = c->stamp_port ? c->stamp_port : BO_PORT_STAMP_DEFAULT;
	int request = p->dport == port;
	if (!request && p->sport != port)
		return 0;
	const bo_stamp_key *key = c->stamp_key && c->stamp_key->len ? c->stamp_key : NULL;
	bo_hit *h = &hits[0];
	bo_hit_init(h, BO_MATCH_STAMP, !request);
	memset(&h->stamp, 0, sizeof h->stamp);
	h->target = request ? p->dst : p->src;
	h->port = request ? p->sport : p->dport;
	h->target_port = port;
	h->stamp_len = (uint16_t)(p->payload_len < 65535 ? p->payload_len : 65535);
	h->stamp_status =
	        request ? bo_stamp_read_sender(p->payload, p->payload_len, key, &h->stamp)
	                : bo_stamp_read_reflector(p->payload, p->payload_len, key, &h->stamp);
	if (h->stamp_status == 0) {
		h->ssid = h->stamp.ssid;
		h->seq = request ? h->stamp.seq : h->stamp.sender_seq;
		h->verified = key != NULL;
	}
	return 1;
}

static int accepts(const bo_stream_inst *s, const bo_hit *h)
{
	if (h->kind != BO_MATCH_STAMP || h->stamp_status != 0 ||
	    !bo_addr_eq(&h->target, &s->target))
		return 0;
	int fixed = !(s->desc->flags & BO_STREAM_NEW_FLOW) && s->local_port;
	if (fixed && h->port != s->local_port)
		return 0;
	/* A TWAMP-light reflector returns MBZ (0) where STAMP has the SSID: on the fixed 5-tuple
	 * the reply is still this stream's (udp-new's changing port cannot tell). */
	return h->ssid == s->ssid || (h->reply && !h->ssid && fixed);
}

/* The UDP header (the source port: the fixed flow's, or a stand-in for the new port of each
 * probe that a live run's socket picks) and the Session-Sender packet: 44 octets, or 112 with
 * a key. T1 is the probe's deadline on the realtime clock; the capture has the actual send. */
static int build(const bo_stream_ctx *c, const bo_stream_inst *s, uint32_t seq, int64_t deadline,
                 bo_probe_pkt *out)
{
	bo_stamp st = {.seq = seq,
	               .ts = bo_ntp_from_ns(deadline + c->mono_to_real),
	               .err = bo_stamp_err_estimate(0, BO_NS_PER_US),
	               .ssid = s->ssid};
	int n = bo_stamp_write_sender(&st, c->stamp_key, out->l4 + 8, sizeof out->l4 - 8);
	if (n < 0)
		return n;
	bo_wr w = bo_wr_make(out->l4, 8);
	uint16_t sport = (s->desc->flags & BO_STREAM_NEW_FLOW) ? (uint16_t)(49152 + seq % 16384)
	                                                       : s->local_port;
	bo_wr_be16(&w, sport);
	bo_wr_be16(&w, s->stamp_port);
	bo_wr_be16(&w, (uint16_t)(8 + n));
	bo_wr_be16(&w, 0); /* checksum: the kernel's */
	out->proto = 17;
	out->len = 8 + (size_t)n;
	out->payload_off = 8;
	return 0;
}

static const char stamp_silent[] =
        "no STAMP reply: blackout-responder (or another reflector) not running, or UDP port "
        "%u blocked by the guest firewall";

const bo_stream_desc bo_stream_udp = {
        .name = "udp",
        .wire_id = 3,
        .transport = BO_TRANSPORT_UDP,
        .kind = BO_MATCH_STAMP,
        .ports = BO_PORTS_STAMP,
        .flags = BO_STREAM_FOREIGN,
        .summary = "STAMP (RFC 8762) to the reflector, one fixed 5-tuple (an existing UDP flow)",
        .silent = stamp_silent,
        .filter = filter,
        .match = match,
        .accepts = accepts,
        .build = build,
};

const bo_stream_desc bo_stream_udp_new = {
        .name = "udp-new",
        .wire_id = 4,
        .transport = BO_TRANSPORT_UDP,
        .kind = BO_MATCH_STAMP,
        .ports = BO_PORTS_STAMP,
        .flags = BO_STREAM_NEW_FLOW,
        .summary = "STAMP from a new source port per probe (a new UDP flow each time)",
        .silent = stamp_silent,
        .filter = filter,
        .match = match,
        .accepts = accepts,
        .build = build,
};
