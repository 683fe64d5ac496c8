/* The TCP streams of a blackout run, and SYN probes in anyone's capture.
 *
 * tcp-syn: a SYN to the responder's port gives its probe back from (source port, ISN); the
 * SYN-ACK or RST that acknowledges ISN + 1 is its reply (bo_syn_seq; strays fail the check).
 *
 * tcp-est: tagged 32-byte frames in one TCP byte stream each way. Segments are followed by their
 * sequence numbers: retransmitted bytes are skipped, a frame split over two segments is joined
 * (up to 31 bytes carried), and a gap in the capture restarts the search at the next tag. A
 * new connection (a new port on our side) restarts a direction. Memory: 31 bytes per direction. */
#include <stdlib.h>
#include <string.h>

#include "an.h"

static void on_syn(an_run *r, const bo_pkt *p, int64_t ts, int64_t timeout)
{
	int request =
	        (p->tcp_flags & (BO_TCP_SYN | BO_TCP_ACK)) == BO_TCP_SYN && p->dport == r->tcp_port;
	int reply = (p->tcp_flags & BO_TCP_ACK) && (p->tcp_flags & (BO_TCP_SYN | BO_TCP_RST)) &&
	            p->sport == r->tcp_port;
	if (!request && !reply)
		return;
	const bo_addr *target = request ? &p->dst : &p->src;
	an_stream *s = an_stream_find_wire(r, target, 5);
	uint32_t seq;
	if (!s || !s->syn)
		return;
	if (bo_syn_seq(&r->key, target, r->run_id, request ? p->sport : p->dport,
	               request ? p->tcp_seq : p->tcp_ack - 1, &seq) != 0) {
		r->strays++;
		return;
	}
	if (request)
		an_stream_request(s, seq, ts, timeout);
	else
		an_stream_reply(s, seq, ts);
}

static void frame(an_run *r, an_stream *s, int request, const bo_probe_id *id, int64_t ts,
                  int64_t timeout)
{
	if (request) {
		if ((int32_t)(id->seq - s->top) >= 0 || !s->started) /* not a repeat */
			an_hist_add(&s->sched, ts - (id->deadline + r->mono_to_real));
		an_stream_request(s, id->seq, ts, timeout);
	} else {
		an_stream_reply(s, id->seq, ts);
	}
}

static void on_frames(an_run *r, an_stream *s, const bo_pkt *p, int request, int64_t ts,
                      int64_t timeout)
{
	struct an_tcpdir *d = &s->dir[request ? 0 : 1];
	uint16_t ours = request ? p->sport : p->dport;
	const uint8_t *data = p->payload;
	size_t len = p->payload_len;
	if (len == 0)
		return;
	if (!d->valid || d->port != ours) { /* a new connection: start at this segment */
		d->valid = 1;
		d->port = ours;
		d->ncarry = 0;
		d->next = p->tcp_seq;
	}
	int32_t ahead = (int32_t)(p->tcp_seq - d->next);
	if (ahead > 0) { /* bytes missing from the capture */
		d->ncarry = 0;
	} else if (ahead < 0) { /* a retransmission: skip what was read already */
		s->retransmits++;
		size_t seen = (size_t) - (int64_t)ahead;
		if (seen >= len)
			return;
		data += seen;
		len -= seen;
	}
	d->next = p->tcp_seq + (uint32_t)p->payload_len;
	uint8_t buf[sizeof d->carry + 4096];
	if (len > sizeof buf - d->ncarry) /* more than a capture of ours holds */
		len = sizeof buf - d->ncarry;
	memcpy(buf, d->carry, d->ncarry);
	memcpy(buf + d->ncarry, data, len);
	size_t n = d->ncarry + len, off = 0, used = 0;
	const bo_addr *target = request ? &p->dst : &p->src;
	bo_probe_id id;
	for (; bo_tag_find(&r->key, target, buf, n, &off, &id) == 0; off += BO_TAG_LEN) {
		if (id.run_id == r->run_id && id.stream == s->wire_id)
			frame(r, s, request, &id, ts,
			      timeout > AN_FRAMES_TIMEOUT ? timeout : AN_FRAMES_TIMEOUT);
		used = off + BO_TAG_LEN;
	}
	/* Keep the tail that may begin a frame completed by the next segment. */
	size_t keep_from = used;
	if (n > BO_TAG_LEN - 1 && n - (BO_TAG_LEN - 1) > keep_from)
		keep_from = n - (BO_TAG_LEN - 1);
	size_t tail = n - keep_from;
	memmove(d->carry, buf + n - tail, tail);
	d->ncarry = tail;
}

/* A capture taken by anyone (hping3 -S, nmap): every SYN without ACK to a (target, port) is a
 * probe, numbered as it comes; the SYN-ACK or RST from that port acknowledging its ISN + 1 to
 * its source port is the reply. The last probe from each source port is remembered (64 K
 * entries per stream, made when the stream is). */
static void on_foreign_syn(an_run *r, const bo_pkt *p, int64_t ts, int64_t timeout)
{
	int request = (p->tcp_flags & (BO_TCP_SYN | BO_TCP_ACK)) == BO_TCP_SYN;
	int reply = (p->tcp_flags & BO_TCP_ACK) && (p->tcp_flags & (BO_TCP_SYN | BO_TCP_RST));
	if (!request && !reply)
		return;
	const bo_addr *target = request ? &p->dst : &p->src;
	uint16_t port = request ? p->dport : p->sport;
	an_stream *s = an_stream_find_port(r, target, port);
	if (!s) {
		if (!request)
			return;
		s = an_stream_add(r, "tcp-syn", target, port, 0, 0);
		if (!s)
			return;
		s->syn = 1;
		s->synmap = calloc(65536, sizeof *s->synmap);
		if (!s->synmap)
			return;
	}
	if (!s->synmap)
		return;
	if (request) {
		uint32_t seq = s->started ? s->top : 0;
		s->synmap[p->sport] = (struct an_synent){seq, p->tcp_seq, 1};
		an_stream_request(s, seq, ts, timeout);
		return;
	}
	const struct an_synent *e = &s->synmap[p->dport];
	if (e->used && e->isn == p->tcp_ack - 1)
		an_stream_reply(s, e->seq, ts);
}

void an_on_tcp(an_run *r, const bo_pkt *p, int64_t ts, int64_t timeout)
{
	if (!r->have_log) {
		if (p->tcp_flags & (BO_TCP_SYN | BO_TCP_RST))
			on_foreign_syn(r, p, ts, timeout);
		return;
	}
	if (p->dport != r->tcp_port && p->sport != r->tcp_port)
		return;
	if (p->tcp_flags & (BO_TCP_SYN | BO_TCP_RST)) {
		on_syn(r, p, ts, timeout);
		return;
	}
	int request = p->dport == r->tcp_port;
	an_stream *s = an_stream_find_wire(r, request ? &p->dst : &p->src, 6);
	if (s && s->frames)
		on_frames(r, s, p, request, ts, timeout);
}
