/* SPDX-License-Identifier: Apache-2.0 */
/* The TCP streams of a blackout run, and SYN probes in anyone's capture.
 *
 * tcp-syn: the registry's matcher gives a run's probes back from (source port, ISN); the
 * capture pass pairs them like any hit.
 *
 * tcp-est: tagged 32-byte frames in one TCP byte stream each way. Segments are followed by their
 * sequence numbers: retransmitted bytes are skipped, a frame split over two segments is joined
 * (up to 31 bytes carried), and a gap in the capture restarts the search at the next tag and is
 * remembered (up to AN_TCP_HOLES a direction): the echo's segments lost on the way and resent
 * reach the capture after later ones, and are read then. Another connection to the port (the
 * event channel) is passed over; one that carries the stream's frames (a new port on our side,
 * after a reconnect) restarts a direction from that segment, which is read like any other (its
 * cut frame joined to the next), and the echo direction of that connection from its first byte.
 * Memory: 31 bytes and 8 ranges per direction. */
#include <stdlib.h>
#include <string.h>

#include "an.h"
#include "bo_time.h"

static void frame(an_run *r, an_stream *s, int request, const bo_probe_id *id, int64_t ts,
                  int64_t timeout)
{
	if (request) {
		if ((int32_t)(id->seq - s->top) >= 0 || !s->started) /* not a repeat */
			an_hist_add(&s->sched,
			            ts - (bo_time_clamp(id->deadline) + r->in.mono_to_real));
		an_stream_request(s, id->seq, ts, timeout);
	} else {
		an_stream_reply(s, id->seq, ts);
	}
}

/* The frames in bytes [data, data + len), our stream's filed (with file) or only counted.
 * Returns how many tags of the run's stream were in them. */
static int scan_frames(an_run *r, an_stream *s, int request, const bo_addr *target,
                       const uint8_t *data, size_t len, size_t *used, int64_t ts, int64_t timeout,
                       int file)
{
	bo_probe_id id;
	int n = 0;
	*used = 0;
	for (size_t off = 0; bo_tag_find(&r->in.key, target, data, len, &off, &id) == 0;
	     off += BO_TAG_LEN) {
		if (id.run_id == r->in.run_id && id.stream == s->desc->wire_id) {
			if (file)
				frame(r, s, request, &id, ts,
				      timeout > AN_FRAMES_TIMEOUT ? timeout : AN_FRAMES_TIMEOUT);
			n++;
		}
		*used = off + BO_TAG_LEN;
	}
	return n;
}

static int read_frames(an_run *r, an_stream *s, int request, const bo_addr *target,
                       const uint8_t *data, size_t len, size_t *used, int64_t ts, int64_t timeout)
{
	return scan_frames(r, s, request, target, data, len, used, ts, timeout, 1);
}

/* Bytes [a, b) of the stream seen now: the parts that fill holes are read on their own (a
 * frame lies within one segment: each is sent whole); what a hole still lacks stays. */
static int fill_holes(an_run *r, an_stream *s, struct an_tcpdir *d, int request,
                      const bo_addr *target, uint32_t a, const uint8_t *data, size_t len,
                      int64_t ts, int64_t timeout)
{
	int filled = 0;
	uint32_t b = a + (uint32_t)len;
	for (int i = 0; i < d->nholes; i++) {
		struct an_hole *h = &d->holes[i];
		uint32_t lo = (int32_t)(a - h->lo) > 0 ? a : h->lo;
		uint32_t hi = (int32_t)(b - h->hi) < 0 ? b : h->hi;
		if ((int32_t)(hi - lo) <= 0)
			continue;
		size_t used;
		read_frames(r, s, request, target, data + (lo - a), hi - lo, &used, ts, timeout);
		filled = 1;
		if (lo == h->lo && hi == h->hi) { /* filled whole */
			d->holes[i--] = d->holes[--d->nholes];
		} else if (lo == h->lo) {
			h->lo = hi;
		} else if (hi == h->hi) {
			h->hi = lo;
		} else if (d->nholes < AN_TCP_HOLES) { /* filled in its middle: two holes */
			d->holes[d->nholes++] = (struct an_hole){hi, h->hi};
			h->hi = lo;
		} else {
			h->hi = lo; /* no room: the rest of it is given up */
		}
	}
	return filled;
}

static void on_frames(an_run *r, an_stream *s, const bo_pkt *p, int request, int64_t ts,
                      int64_t timeout)
{
	struct an_tcpdir *d = &s->u.bytes.dir[request ? 0 : 1];
	uint16_t ours = request ? p->sport : p->dport;
	const uint8_t *data = p->payload;
	size_t len = p->payload_len;
	const bo_addr *target = request ? &p->dst : &p->src;
	if (len == 0)
		return;
	if (!d->valid || d->port != ours) {
		/* Another connection to the responder's port: the event channel's carries no
		 * frame of ours and is left alone; one that does is the stream's new
		 * connection, followed from this segment on (read below like any, so that the
		 * frame it ends in the middle of is joined to the next). The echo of the
		 * connection the requests follow is taken from its first segment, a frame's
		 * half as much as several: TCP cuts the echoed bytes where it likes. */
		const struct an_tcpdir *req = &s->u.bytes.dir[0];
		int echo_of_ours = !request && req->valid && req->port == ours;
		size_t used;
		if (!echo_of_ours &&
		    scan_frames(r, s, request, target, data, len, &used, ts, timeout, 0) == 0)
			return;
		d->valid = 1;
		d->port = ours;
		d->ncarry = 0;
		d->nholes = 0;
		d->next = p->tcp_seq;
	}
	uint32_t a = p->tcp_seq, b = a + (uint32_t)len;
	int32_t ahead = (int32_t)(a - d->next);
	if (ahead < 0) {
		/* resent, or late: what fills a hole is read, what was read already is not */
		s->u.bytes.retransmits++;
		fill_holes(r, s, d, request, target, a, data, len, ts, timeout);
		if ((int32_t)(b - d->next) <= 0)
			return;
		size_t seen = (size_t)(d->next - a);
		data += seen;
		len -= seen;
		a = d->next;
	} else if (ahead > 0) { /* bytes the capture has not seen yet: awaited as a hole */
		if (d->nholes == AN_TCP_HOLES) /* the oldest given up */
			memmove(d->holes, d->holes + 1, sizeof d->holes[0] * --d->nholes);
		d->holes[d->nholes++] = (struct an_hole){d->next, a};
		d->ncarry = 0;
	}
	d->next = a + (uint32_t)len;
	uint8_t buf[sizeof d->carry + 4096];
	if (len > sizeof buf - d->ncarry) /* more than a capture of ours holds */
		len = sizeof buf - d->ncarry;
	memcpy(buf, d->carry, d->ncarry);
	memcpy(buf + d->ncarry, data, len);
	size_t n = d->ncarry + len, used;
	read_frames(r, s, request, target, buf, n, &used, ts, timeout);
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
void an_on_foreign_syn(an_run *r, const bo_hit *h, int64_t ts, int64_t timeout)
{
	an_stream *s = an_stream_find_port(r, &h->target, h->target_port);
	if (!s) {
		if (h->reply)
			return;
		if (r->eng.syn_streams >= AN_MAX_SYN_STREAMS) {
			r->eng.streams_dropped++;
			return;
		}
		s = an_stream_add(r, bo_stream_foreign(BO_MATCH_SYN), &h->target, 0, 0);
		if (!s)
			return;
		r->eng.syn_streams++;
		s->inst.tcp_port = h->target_port;
		an_stream_index_id(r, s, h->target_port);
		s->u.syn.map = calloc(65536, sizeof *s->u.syn.map);
		if (!s->u.syn.map)
			return;
	}
	if (!s->u.syn.map)
		return;
	if (!h->reply) {
		uint32_t seq = s->started ? s->top : 0;
		s->u.syn.map[h->port] = (struct an_synent){seq, h->isn, 1};
		an_stream_request(s, seq, ts, timeout);
		return;
	}
	const struct an_synent *e = &s->u.syn.map[h->port];
	if (e->used && e->isn == h->isn)
		an_stream_reply(s, e->seq, ts);
}

/* A run's byte-stream segment (not SYN or RST) to or from the responder's port. */
void an_on_frames(an_run *r, const bo_pkt *p, int64_t ts, int64_t timeout)
{
	if (p->dport != r->in.tcp_port && p->sport != r->in.tcp_port)
		return;
	int request = p->dport == r->in.tcp_port;
	an_stream *s = an_stream_of_kind(r, request ? &p->dst : &p->src, BO_MATCH_FRAMES);
	if (s && s->keyed)
		on_frames(r, s, p, request, ts, timeout);
}
