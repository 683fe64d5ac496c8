/* SPDX-License-Identifier: Apache-2.0 */
/* The TCP wire formats, both to blackout-responder's TCP port (default 8620):
 *
 * `tcp-syn`: a raw SYN per probe from a new source port (bo_syn_port), its ISN keyed to
 * (run, target, port, seq), so the SYN-ACK or RST acknowledging ISN + 1 maps back to the probe
 * (bo_syn_seq). Without the run's key (a capture of hping3 -S, the guest) a SYN is a hit
 * without a stream, carrying its ports and ISN; with a port of 0 in the context, SYNs to any
 * port count (a foreign capture's target port is not known).
 *
 * `tcp-est`: tagged 32-byte frames on one established connection, echoed by the responder; a
 * segment may carry several frames and need not start at one (a frame split over two segments
 * is the analyzer's to join: it follows the byte stream). */
#include <stdio.h>

#include "bo_cksum.h"
#include "bo_err.h"
#include "bo_rd.h"
#include "bo_stream.h"

static void filter(const bo_stream_inst *s, char *buf, size_t len)
{
	char t[48];
	bo_addr_str(&s->target, t, sizeof t);
	snprintf(buf, len, "(tcp and host %s and port %u)", t, s->tcp_port);
}

extern const bo_stream_desc bo_stream_tcp_syn; /* below */

static int syn(const bo_stream_ctx *c, const bo_pkt *p, bo_hit *h)
{
	int request = (p->tcp_flags & (BO_TCP_SYN | BO_TCP_ACK)) == BO_TCP_SYN;
	int reply = (p->tcp_flags & BO_TCP_ACK) && (p->tcp_flags & (BO_TCP_SYN | BO_TCP_RST));
	if ((!request && !reply) || (c->tcp_port && (request ? p->dport : p->sport) != c->tcp_port))
		return 0;
	bo_hit_init(h, BO_MATCH_SYN, !request);
	h->target = request ? p->dst : p->src;
	h->port = request ? p->sport : p->dport;
	h->target_port = request ? p->dport : p->sport;
	h->isn = request ? p->tcp_seq : p->tcp_ack - 1;
	if (c->key && bo_syn_seq(c->key, &h->target, c->run_id, h->port, h->isn, &h->seq) == 0) {
		h->verified = 1;
		h->run_id = c->run_id;
		h->desc = &bo_stream_tcp_syn;
	}
	return 1;
}

static int frames(const bo_stream_ctx *c, const bo_pkt *p, bo_hit *hits, int max)
{
	int request = p->dport == c->tcp_port;
	if (!c->tcp_port || (!request && p->sport != c->tcp_port) || p->payload_len < BO_TAG_LEN)
		return 0;
	bo_addr target = request ? p->dst : p->src;
	int n = 0;
	bo_probe_id id;
	for (size_t off = 0;
	     n < max && bo_tag_find(c->key, &target, p->payload, p->payload_len, &off, &id) == 0;
	     off += BO_TAG_LEN) {
		const bo_stream_desc *d = bo_stream_by_wire(id.stream);
		if (!d || d->kind != BO_MATCH_FRAMES || (c->key && id.run_id != c->run_id))
			continue;
		bo_hit *h = &hits[n++];
		bo_hit_init(h, BO_MATCH_FRAMES, !request);
		h->desc = d;
		h->target = target;
		h->tagged = 1;
		h->verified = c->key != NULL;
		h->seq = id.seq;
		h->run_id = id.run_id;
		h->deadline = id.deadline;
		h->port = request ? p->sport : p->dport;
		h->target_port = c->tcp_port;
		h->offset = off;
	}
	return n;
}

static int match(const bo_stream_ctx *c, const bo_pkt *p, bo_hit *hits, int max)
{
	if (max < 1 || p->l4 != BO_L4_TCP)
		return 0;
	if (p->tcp_flags & (BO_TCP_SYN | BO_TCP_RST))
		return syn(c, p, hits);
	return frames(c, p, hits, max);
}

static int accepts(const bo_stream_inst *s, const bo_hit *h)
{
	return h->desc == s->desc && h->verified && bo_addr_eq(&h->target, &s->target);
}

/* tcp-syn: the 20-byte TCP header of probe seq. Its checksum covers the IPv4 pseudo-header
 * (a raw IPv4 TCP socket sends it as it is; for IPv6 the kernel fills it). */
static int build_syn(const bo_stream_ctx *c, const bo_stream_inst *s, uint32_t seq,
                     int64_t deadline, bo_probe_pkt *out)
{
	(void)deadline;
	bo_wr w = bo_wr_make(out->l4, 20);
	bo_wr_be16(&w, bo_syn_port(seq));
	bo_wr_be16(&w, s->tcp_port);
	bo_wr_be32(&w, bo_syn_isn(c->key, &s->target, c->run_id, seq));
	bo_wr_be32(&w, 0);    /* ack */
	bo_wr_u8(&w, 5 << 4); /* data offset: 5 words, no options */
	bo_wr_u8(&w, BO_TCP_SYN);
	bo_wr_be16(&w, 65535); /* window */
	bo_wr_be16(&w, 0);     /* checksum, below */
	bo_wr_be16(&w, 0);     /* urgent */
	out->proto = 6;
	out->len = out->payload_off = 20;
	if (s->target.family == 4) {
		uint16_t ck = bo_cksum_l4(&s->local, &s->target, 6, out->l4, 20);
		out->l4[16] = (uint8_t)(ck >> 8), out->l4[17] = (uint8_t)ck;
	}
	return 0;
}

/* tcp-est: the frame (a tag) in a TCP header as if the connection were up, the request line
 * sent and every frame before it in its own segment: a live run sends the payload alone on its
 * connection, and the kernel writes the header. */
static int build_frame(const bo_stream_ctx *c, const bo_stream_inst *s, uint32_t seq,
                       int64_t deadline, bo_probe_pkt *out)
{
	bo_wr w = bo_wr_make(out->l4, 20 + BO_TAG_LEN);
	bo_wr_be16(&w, s->local_port);
	bo_wr_be16(&w, s->tcp_port);
	bo_wr_be32(&w, 1 + (uint32_t)sizeof BO_FRAMES_HELLO - 1 + seq * BO_TAG_LEN);
	bo_wr_be32(&w, 1);
	bo_wr_u8(&w, 5 << 4);
	bo_wr_u8(&w, BO_TCP_PSH | BO_TCP_ACK);
	bo_wr_be16(&w, 65535);
	bo_wr_be16(&w, 0); /* checksum: the kernel's */
	bo_wr_be16(&w, 0);
	bo_probe_id id = {
	        .stream = s->desc->wire_id, .run_id = c->run_id, .seq = seq, .deadline = deadline};
	bo_tag_encode(c->key, &s->target, &id, bo_wr_take(&w, BO_TAG_LEN));
	out->proto = 6;
	out->len = 20 + BO_TAG_LEN;
	out->payload_off = 20;
	return w.err ? BO_ERANGE : 0;
}

const bo_stream_desc bo_stream_tcp_syn = {
        .name = "tcp-syn",
        .wire_id = 5,
        .transport = BO_TRANSPORT_TCP,
        .kind = BO_MATCH_SYN,
        .ports = BO_PORTS_TCP,
        .flags = BO_STREAM_NEW_FLOW | BO_STREAM_FOREIGN | BO_STREAM_KERNEL,
        .summary = "raw TCP SYN, a new source port each (a new inbound connection each time)",
        .build = build_syn,
        .silent = "no SYN-ACK or RST: TCP port %u filtered by the guest firewall (a closed "
                  "port would have answered RST)",
        .filter = filter,
        .match = match,
        .accepts = accepts,
};

const bo_stream_desc bo_stream_tcp_est = {
        .name = "tcp-est",
        .wire_id = 6,
        .transport = BO_TRANSPORT_TCP,
        .kind = BO_MATCH_FRAMES,
        .ports = BO_PORTS_TCP,
        .flags = BO_STREAM_TAGGED | BO_STREAM_BYTES,
        .summary = "frames on one established TCP connection, echoed (an existing flow)",
        .build = build_frame,
        .silent = "no echo: blackout-responder not listening on TCP port %u, or the port "
                  "blocked by the guest firewall",
        .filter = filter,
        .match = match,
        .accepts = accepts,
};
