/* SPDX-License-Identifier: Apache-2.0 */
/* One pass over a capture: pair ICMP echo requests and replies per stream, note the target's
 * announcements (ARP, RARP, unsolicited NA). Works on a blackout run (probes verified with the
 * run's key) and on any capture of pings (streams found by target and identifier). */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "an.h"
#include "bo_caprd.h"
#include "bo_fs.h"
#include "bo_time.h"

static void announce(an_run *r, int64_t ts, int gratuitous, int rarp, int ndp, int target)
{
	if (r->eng.nannounce == r->eng.announce_cap) {
		int cap = r->eng.announce_cap ? r->eng.announce_cap * 2 : 16;
		if (cap > 1 << 20)
			return; /* an ARP storm: keep the first million */
		an_announce *n = realloc(r->eng.announces, (size_t)cap * sizeof *n);
		if (!n)
			return;
		r->eng.announces = n;
		r->eng.announce_cap = cap;
	}
	r->eng.announces[r->eng.nannounce++] = (an_announce){ts, gratuitous, rarp, ndp, target};
}

/* A reply's source MAC, learned once per target: the RARP that announces it names no address. */
static void learn_mac(an_run *r, const bo_pkt *p, const bo_addr *target)
{
	if (!p->has_eth || r->eng.nmacs >= AN_MAX_MACS)
		return;
	int t = bo_addrmap_get(&r->eng.by_target, target);
	for (int i = 0; i < r->eng.nmacs; i++)
		if (r->eng.macs[i].target == t)
			return;
	memcpy(r->eng.macs[r->eng.nmacs].mac, p->eth_src, 6);
	r->eng.macs[r->eng.nmacs++].target = t;
}

static int mac_target(const an_run *r, const uint8_t *mac)
{
	for (int i = 0; i < r->eng.nmacs; i++)
		if (!memcmp(r->eng.macs[i].mac, mac, 6))
			return r->eng.macs[i].target;
	return -1;
}

static int is_target(const an_run *r, const bo_addr *a)
{
	return bo_addrmap_get(&r->eng.by_target, a) >= 0;
}

static uint16_t bswap16(uint16_t v)
{
	return (uint16_t)(v << 8 | v >> 8);
}

/* Whether an unmatched hit counts as a stray of a run: every echo and STAMP packet that is not
 * one of the run's; a SYN only to a target that has a SYN stream (another stream's handshake,
 * tcp-est's, is not a stray then). */
static int stray(an_run *r, const bo_hit *h)
{
	return h->kind != BO_MATCH_SYN || an_stream_of_kind(r, &h->target, BO_MATCH_SYN);
}

/* A capture taken by anyone: pings grouped by (target, identifier), their 16-bit sequence
 * numbers unwrapped; STAMP by (reflector, SSID); SYNs by (target, port). */
static void on_foreign(an_run *r, const bo_hit *h, const bo_pkt *p, int64_t ts, int64_t timeout)
{
	if (h->kind == BO_MATCH_STAMP) {
		an_on_stamp(r, h, ts, timeout);
		return;
	}
	if (h->kind == BO_MATCH_SYN) {
		an_on_foreign_syn(r, h, ts, timeout);
		return;
	}
	if (h->kind != BO_MATCH_ECHO)
		return;
	an_stream *s = an_stream_find_echo(r, &h->target, h->icmp_id);
	if (!s) {
		if (h->reply)
			return; /* a reply to nothing we saw */
		s = an_stream_add(r, bo_stream_foreign(BO_MATCH_ECHO), &h->target, 0, 0);
		if (!s)
			return;
		s->inst.icmp_id = h->icmp_id;
		an_stream_index_id(r, s, h->icmp_id);
	}
	/* How its sender writes its sequence numbers, for the report: hping3 little-endian (0,
	 * 256, 512 on the wire). The first two requests that follow each other one way only tell
	 * (0xffff then 0 follow both ways). Probes are filed in the order of capture either way. */
	if (!h->reply && s->started && !s->order_known) {
		uint16_t prev = s->last_label, raw = h->icmp_seq;
		uint16_t be = (uint16_t)(raw - prev), le = (uint16_t)(bswap16(raw) - bswap16(prev));
		int be_next = be >= 1 && be <= 8, le_next = le >= 1 && le <= 8;
		if (be_next != le_next) {
			s->order_known = 1;
			s->seq_le = (uint8_t)le_next;
		}
	}
	if (!h->reply) {
		an_stream_request_label(s, h->icmp_seq, ts, timeout);
		return;
	}
	learn_mac(r, p, &s->target);
	an_stream_reply_label(s, h->icmp_seq, ts);
}

/* A run of ours: the registry's matchers name stream and sequence, verified with the key. */
static void on_hit(an_run *r, const bo_hit *h, const bo_pkt *p, int64_t ts, int64_t timeout)
{
	if (!r->in.have_log) {
		on_foreign(r, h, p, ts, timeout);
		return;
	}
	if (h->kind == BO_MATCH_STAMP) {
		an_on_stamp(r, h, ts, timeout);
		return;
	}
	an_stream *s = an_stream_for_hit(r, h);
	if (!s) {
		r->eng.strays += stray(r, h);
		return;
	}
	if (!h->reply) {
		if (h->tagged)
			an_sched_add(r, s, ts - (bo_time_clamp(h->deadline) + r->in.mono_to_real));
		an_stream_request(s, h->seq, ts, timeout);
		if (h->tagged)
			an_stream_schedule(s, r, h->seq, bo_time_clamp(h->deadline));
		return;
	}
	if (h->kind == BO_MATCH_ECHO)
		learn_mac(r, p, &s->target);
	an_stream_reply(s, h->seq, ts);
}

/* Every probe in a packet: a run's byte streams are reassembled (tcp.c); the rest are the
 * registry's hits. */
static void on_packet(an_run *r, const bo_pkt *p, int64_t ts, int64_t timeout)
{
	if (p->l4 == BO_L4_TCP && r->in.have_log && !(p->tcp_flags & (BO_TCP_SYN | BO_TCP_RST))) {
		an_on_frames(r, p, ts, timeout);
		return;
	}
	bo_hit hits[2]; /* frames, the only kind with many a packet, are reassembled above */
	int n = bo_stream_match(&r->eng.sctx, p, hits, 2);
	for (int i = 0; i < n; i++)
		on_hit(r, &hits[i], p, ts, timeout);
}

void an_run_context(an_run *r)
{
	/* A foreign capture: tags are read without a key, SYNs to any port count. */
	r->eng.sctx = (bo_stream_ctx){.key = r->in.have_log ? &r->in.key : NULL,
	                              .run_id = r->in.run_id,
	                              .stamp_key = r->in.stamp_auth ? &r->in.stamp_key : NULL,
	                              .stamp_port = r->in.stamp_port ? r->in.stamp_port
	                                                             : BO_PORT_STAMP_DEFAULT,
	                              .tcp_port = r->in.have_log ? r->in.tcp_port : 0};
}

/* Every packet of the capture, in the reader's order. In file order, a record more than
 * BO_CAPRD_STEP earlier than the one before (rotated files joined the wrong way round) stops
 * the pass when the input can be read again sorted: AN_CAPTURE_UNORDERED. */
void an_engine_begin(an_run *r, const an_settings *set, int linktype)
{
	an_run_context(r);
	r->eng.linktype = linktype;
	r->eng.timeout = set->reply_timeout  ? set->reply_timeout
	                 : r->in.log_timeout ? r->in.log_timeout
	                                     : BO_NS_PER_S;
}

/* The reply timeout a stream's probes wait: a byte stream's frames are held and resent by TCP,
 * lost only when never echoed. */
static int64_t stream_timeout(const an_run *r, const an_stream *s)
{
	return (s->desc->flags & BO_STREAM_BYTES) && r->eng.timeout < AN_FRAMES_TIMEOUT
	               ? AN_FRAMES_TIMEOUT
	               : r->eng.timeout;
}

void an_engine_packet(an_run *r, int64_t ts, const uint8_t *data, uint32_t caplen)
{
	r->eng.packets++;
	if (ts < 0) {
		r->eng.invalid++;
		return;
	}
	if (!r->eng.first_ts || ts < r->eng.first_ts)
		r->eng.first_ts = ts;
	if (ts > r->eng.last_ts)
		r->eng.last_ts = ts;
	bo_pkt p;
	if (bo_pkt_parse(r->eng.linktype, data, caplen, &p) != 0) {
		r->eng.invalid++;
		return;
	}
	int64_t timeout = r->eng.timeout;
	switch (p.l4) {
	case BO_L4_ICMP6:
		if (p.icmp_type == 136 && is_target(r, &p.src)) /* its S flag: solicited */
			announce(r, ts, !(p.icmp_id & 0x4000), 0, 1,
			         bo_addrmap_get(&r->eng.by_target, &p.src));
		else
			on_packet(r, &p, ts, timeout);
		break;
	case BO_L4_ARP:
		if (p.rarp ? mac_target(r, p.arp_sha) >= 0 : is_target(r, &p.arp_spa))
			announce(r, ts, !p.rarp && bo_addr_eq(&p.arp_spa, &p.arp_tpa), p.rarp, 0,
			         p.rarp ? mac_target(r, p.arp_sha)
			                : bo_addrmap_get(&r->eng.by_target, &p.arp_spa));
		break;
	default: on_packet(r, &p, ts, timeout);
	}
}

void an_engine_advance(an_run *r, int64_t now)
{
	for (int i = 0; i < r->eng.nstreams; i++)
		an_stream_advance(&r->eng.streams[i], now, stream_timeout(r, &r->eng.streams[i]));
}

void an_engine_finish(an_run *r)
{
	for (int i = 0; i < r->eng.nstreams; i++)
		an_stream_finish(&r->eng.streams[i], r->eng.last_ts,
		                 stream_timeout(r, &r->eng.streams[i]));
}

/* Every packet of the capture, in the reader's order. In file order, a record more than
 * BO_CAPRD_STEP earlier than the one before (rotated files joined the wrong way round) stops
 * the pass when the input can be read again sorted: AN_CAPTURE_UNORDERED. */
static int read_packets(an_run *r, bo_caprd *c, int can_sort, const an_settings *set, char *err,
                        size_t errlen)
{
	an_engine_begin(r, set, bo_caprd_linktype(c));
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc, truncated = 0;
	while ((rc = bo_caprd_next(c, &h, &data)) != 0) {
		if (rc < 0) { /* a file cut short: keep everything read so far */
			truncated = 1;
			snprintf(err, errlen, "%s (analysed up to there)", bo_caprd_error(c));
			continue;
		}
		/* A timestamp before 1970 or after 2116 (2^62 ns: the sum of two still fits the
		 * int64 arithmetic of the windows) is a damaged record: counted, not read. (The
		 * seconds are 32 bits wide on Windows.) */
		int64_t ts = bo_caprd_ts(h);
		if (can_sort && ts >= 0 && r->eng.last_ts && ts < r->eng.last_ts - BO_CAPRD_STEP) {
			bo_caprd_close(c);
			return AN_CAPTURE_UNORDERED;
		}
		an_engine_packet(r, ts, data, h->caplen);
	}
	bo_caprd_order_get(c, &r->eng.order);
	bo_caprd_close(c);
	an_engine_finish(r);
	return truncated ? 1 : 0;
}

int an_read_capture(an_run *r, const an_settings *set, int sort, char *err, size_t errlen)
{
	const char *paths[1] = {r->in.path_pcap};
	bo_caprd *c;
	if (bo_caprd_open(&c, paths, 1, sort, err, errlen) != 0)
		return -1;
	return read_packets(r, c, !sort, set, err, errlen);
}

int an_read_pcap(an_run *r, pcap_t *pc, const an_settings *set, char *err, size_t errlen)
{
	bo_caprd *c = bo_caprd_wrap(pc);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return read_packets(r, c, 0, set, err, errlen);
}
