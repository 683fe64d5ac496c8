/* SPDX-License-Identifier: Apache-2.0 */
/* Per-stream pairing and the outage machine.
 *
 * Probes wait in a ring indexed by sequence number until they are answered or their reply
 * timeout passes in capture time; they leave it strictly in sequence order, which feeds the
 * outage machine. Memory is bounded by the probes in flight (rate × timeout), never by the
 * size of the capture.
 */
#include <stdlib.h>
#include <string.h>

#include "an.h"
#include "bo_time.h"

#define RING_MAX (1u << 24) /* 16 M probes in flight: 1 kHz for over four hours */

an_stream *an_stream_add(an_run *r, const bo_stream_desc *desc, const bo_addr *target, int keyed,
                         int64_t interval)
{
	if (!keyed && r->eng.nstreams >= AN_MAX_STREAMS) {
		r->eng.streams_dropped++; /* a foreign capture's ten thousandth ping flow */
		return NULL;
	}
	if (r->eng.nstreams == r->eng.stream_cap) {
		int cap = r->eng.stream_cap ? r->eng.stream_cap * 2 : 8;
		an_stream *n = realloc(r->eng.streams, (size_t)cap * sizeof *n);
		if (!n)
			return NULL;
		r->eng.streams = n;
		r->eng.stream_cap = cap;
	}
	an_stream *s = &r->eng.streams[r->eng.nstreams];
	memset(s, 0, sizeof *s);
	s->desc = desc;
	s->name = desc->name;
	s->inst.desc = desc;
	s->inst.target = *target;
	s->inst.stamp_port = r->eng.sctx.stamp_port;
	s->inst.tcp_port = r->eng.sctx.tcp_port;
	s->target = *target;
	bo_addr_str(target, s->target_str, sizeof s->target_str);
	s->keyed = keyed;
	s->interval = interval;
	s->cap = 64; /* it grows to the probes in flight (a 1 kHz stream: 1024 within its first
	                second) */
	s->ring = calloc(s->cap, sizeof *s->ring);
	s->collect_after = -1;
	s->on_probe = r->eng.on_probe;
	s->on_probe_arg = r->eng.on_probe_arg;
	if (!s->ring)
		return NULL;
	s->next_same = bo_addrmap_get(&r->eng.by_target, target);
	if (bo_addrmap_put(&r->eng.by_target, target, r->eng.nstreams) != 0) {
		free(s->ring);
		return NULL;
	}
	r->eng.nstreams++;
	return s;
}

an_stream *an_stream_of_run(an_run *r, const bo_stream_desc *d, const bo_addr *target,
                            int64_t interval, int64_t phase, uint16_t icmp_id, uint16_t ssid,
                            uint16_t local_port)
{
	an_stream *s = an_stream_add(r, d, target, 1, interval);
	if (!s)
		return NULL;
	s->inst.icmp_id = icmp_id;
	s->inst.ssid = ssid;
	s->phase = phase;
	/* udp's fixed source port: a TWAMP-light reflector's replies (SSID 0) are matched by it */
	if (d->kind == BO_MATCH_STAMP && !(d->flags & BO_STREAM_NEW_FLOW))
		s->inst.local_port = local_port;
	if (d->kind == BO_MATCH_STAMP) /* the guest's arrivals name the SSID */
		an_stream_index_id(r, s, s->inst.ssid);
	return s;
}

/* The streams to one target: one map lookup, then a short chain. */
static an_stream *first_of(an_run *r, const bo_addr *target)
{
	int i = bo_addrmap_get(&r->eng.by_target, target);
	return i >= 0 ? &r->eng.streams[i] : NULL;
}

static an_stream *next_of(an_run *r, const an_stream *s)
{
	return s->next_same >= 0 ? &r->eng.streams[s->next_same] : NULL;
}

an_stream *an_stream_for_hit(an_run *r, const bo_hit *h)
{
	for (an_stream *s = first_of(r, &h->target); s; s = next_of(r, s))
		if (s->keyed && s->desc->accepts(&s->inst, h))
			return s;
	return NULL;
}

an_stream *an_stream_of_kind(an_run *r, const bo_addr *target, enum bo_match_kind kind)
{
	for (an_stream *s = first_of(r, target); s; s = next_of(r, s))
		if (s->desc->kind == kind)
			return s;
	return NULL;
}

an_stream *an_stream_find_desc(an_run *r, const bo_addr *target, const bo_stream_desc *d)
{
	for (an_stream *s = first_of(r, target); s; s = next_of(r, s))
		if (s->desc == d)
			return s;
	return NULL;
}

/* A foreign stream's key in by_id: its kind and identifier beside its target. */
static uint32_t id_tag(enum bo_match_kind kind, uint16_t id)
{
	return (uint32_t)kind << 16 | id;
}

static an_stream *by_id(an_run *r, const bo_addr *target, enum bo_match_kind kind, uint16_t id)
{
	int i = bo_addrmap_get_tag(&r->eng.by_id, target, id_tag(kind, id));
	return i >= 0 ? &r->eng.streams[i] : NULL;
}

int an_stream_index_id(an_run *r, an_stream *s, uint16_t id)
{
	return bo_addrmap_put_tag(&r->eng.by_id, &s->target, id_tag(s->desc->kind, id),
	                          (int)(s - r->eng.streams));
}

/* One hash lookup each, whatever the number of streams to the target (a capture with 65 536
 * ping identifiers to one host was quadratic with a walk). */
an_stream *an_stream_find_echo(an_run *r, const bo_addr *target, uint16_t icmp_id)
{
	return by_id(r, target, BO_MATCH_ECHO, icmp_id);
}

an_stream *an_stream_find_ssid(an_run *r, const bo_addr *target, uint16_t ssid)
{
	return by_id(r, target, BO_MATCH_STAMP, ssid);
}

an_stream *an_stream_find_port(an_run *r, const bo_addr *target, uint16_t port)
{
	return by_id(r, target, BO_MATCH_SYN, port);
}

static an_probe *slot(an_stream *s, uint32_t seq)
{
	return &s->ring[seq & (s->cap - 1)]; /* valid while top - base <= cap */
}

static int grow(an_stream *s, uint32_t need)
{
	uint32_t cap = s->cap;
	while (cap < need)
		cap *= 2;
	if (cap > RING_MAX)
		return -1;
	an_probe *n = calloc(cap, sizeof *n);
	if (!n)
		return -1;
	for (uint32_t q = s->base; q != s->top; q++)
		n[q & (cap - 1)] = *slot(s, q);
	free(s->ring);
	s->ring = n;
	s->cap = cap;
	return 0;
}

static int64_t median(const int64_t *v, int n)
{
	int64_t t[AN_RTT_WINDOW];
	memcpy(t, v, (size_t)n * sizeof *t);
	for (int i = 1; i < n; i++) /* insertion sort: at most 16 values */
		for (int j = i; j > 0 && t[j - 1] > t[j]; j--) {
			int64_t x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	return n ? t[n / 2] : 0;
}

/* Bounds. A probe sent at t and lost means the path was broken somewhere in [t, t+RTT]; an
 * answered one, that it worked then. So the start lies in (prev_ok, first_lost + RTT] and the
 * end in (last_lost, next_ok + RTT]. The lost probe's own RTT is unknown: the stand-in chosen
 * when the outage opened (retire_lost) takes its place. The first answered probe's RTT is known
 * exactly. The point estimates are the middles of the bounds. Computed when the outage closes
 * (a live engine reports it then) and, for one still open, at the end. */
static void outage_bounds(an_outage *o)
{
	int64_t rb = o->rtt_margin ? o->rtt_margin : o->rtt_next_ok;
	int64_t ra = o->rtt_next_ok ? o->rtt_next_ok : o->rtt_before;
	o->start_lo = o->prev_ok;
	o->start_hi = o->first_lost + rb;
	o->end_lo = o->last_lost;
	o->end_hi = o->next_ok ? o->next_ok + ra : 0;
	o->start = o->prev_ok ? o->start_lo + (o->start_hi - o->start_lo) / 2 : o->first_lost;
	o->end = o->next_ok ? o->end_lo + (o->end_hi - o->end_lo) / 2 : o->last_lost;
	o->duration = o->end - o->start;
	o->dmin = o->end_lo - o->start_hi > 0 ? o->end_lo - o->start_hi : 0;
	o->dmax = o->end_hi && o->start_lo ? o->end_hi - o->start_lo : 0;
	/* Bounds that overlap (a stand-in round trip longer than the outage, as from a guest
	 * catching up) can put the middles the wrong way round: never less than the least it
	 * can have lasted. */
	if (o->duration < o->dmin)
		o->duration = o->dmin;
}

static void close_outage(an_stream *s, int64_t next_ok, int64_t next_ok_rtt)
{
	an_outage *o = &s->cur;
	o->next_ok = next_ok;
	o->rtt_next_ok = next_ok_rtt;
	if (s->noutages == s->outage_cap) {
		int cap = s->outage_cap ? s->outage_cap * 2 : 4;
		an_outage *n = realloc(s->outages, (size_t)cap * sizeof *n);
		if (!n)
			return;
		s->outages = n;
		s->outage_cap = cap;
	}
	s->outages[s->noutages] = *o;
	outage_bounds(&s->outages[s->noutages]);
	s->collect_after = next_ok ? s->noutages : -1;
	s->nafter = 0;
	s->noutages++;
	s->in_outage = 0;
}

static void retire_ok(an_stream *s, const an_probe *p)
{
	int64_t rtt = p->reply - p->send;
	if (s->in_outage)
		close_outage(s, p->send, rtt);
	s->last_ok_send = p->send;
	s->rtts[s->nrtt++ % AN_RTT_WINDOW] = rtt;
	if (s->collect_after >= 0) {
		s->after[s->nafter++] = rtt;
		s->outages[s->collect_after].rtt_after = median(s->after, s->nafter);
		if (s->nafter == AN_RTT_WINDOW)
			s->collect_after = -1;
	}
}

static void retire_lost(an_stream *s, const an_probe *p, uint32_t seq)
{
	s->lost++;
	s->lost_fast += p->fast;
	if (!s->in_outage) {
		memset(&s->cur, 0, sizeof s->cur);
		s->cur.prev_ok = s->last_ok_send;
		s->cur.first_lost = p->send;
		s->cur.first_seq = seq;
		int n = s->nrtt < AN_RTT_WINDOW ? s->nrtt : AN_RTT_WINDOW;
		s->cur.rtt_before = median(s->rtts, n);
		/* The lost probe's round trip is unknown, and a reflector in user space varies
		 * from one to the next: the longest of the last 16 stands in, so the bound holds
		 * the moment the path broke even when that probe was a slow one; but no more than
		 * 1 ms (or the median, when round trips are longer), so one scheduling spike does
		 * not widen the bound. */
		int64_t most = 0;
		for (int i = 0; i < n; i++)
			most = s->rtts[i] > most ? s->rtts[i] : most;
		int64_t cap = s->cur.rtt_before > AN_MARGIN_CAP ? s->cur.rtt_before : AN_MARGIN_CAP;
		s->cur.rtt_margin = most < cap ? most : cap;
		s->in_outage = 1;
		s->collect_after = -1;
	}
	s->cur.last_lost = p->send;
	s->cur.last_seq = seq;
	s->cur.lost++;
}

/* The timeline of one resolved probe, and the per-probe output's callback. */
static void note(an_stream *s, uint32_t seq, const an_probe *p, uint8_t status)
{
	int64_t t = p->send ? p->send : s->last_retired + s->interval;
	s->last_retired = t;
	if (s->on_probe)
		s->on_probe(s->on_probe_arg, s, seq, p->send, p->reply, status);
	if (s->no_timeline)
		return;
	an_seg *g = s->nsegs ? &s->segs[s->nsegs - 1] : NULL;
	if (g && g->status == status) {
		g->last = t;
		g->count++;
		return;
	}
	if (s->nsegs == s->seg_cap) {
		int cap = s->seg_cap ? s->seg_cap * 2 : 16;
		an_seg *n = cap <= AN_SEG_MAX ? realloc(s->segs, (size_t)cap * sizeof *n) : NULL;
		if (!n)
			return;
		s->segs = n;
		s->seg_cap = cap;
	}
	s->segs[s->nsegs++] = (an_seg){t, t, 1, status};
}

/* Retires head probes that are resolved by capture time now. */
void an_stream_advance(an_stream *s, int64_t now, int64_t timeout)
{
	while (s->base != s->top) {
		an_probe *p = slot(s, s->base);
		if (p->reply && p->send) {
			retire_ok(s, p);
			note(s, s->base, p, AN_OK);
		} else if (p->send && now - p->send > timeout) {
			retire_lost(s, p, s->base);
			note(s, s->base, p, AN_LOST);
		} else if (!p->send && s->base + 1 != s->top) {
			/* Never captured (a send failure or a capture drop): a blind spot, never
			 * counted as lost. */
			s->blind++;
			if (s->in_outage)
				s->cur.blind++;
			note(s, s->base, p, AN_BLIND);
		} else {
			break;
		}
		memset(p, 0, sizeof *p);
		s->base++;
	}
}

/* A foreign ping's probes are numbered in the order they were captured: its sequence numbers
 * are only labels that pair a reply with its request. Senders write them big- or
 * little-endian (hping3), number two probes alike and skip a number (nping), wrap at 65 536,
 * or are caught mid-run; the order of capture holds through all of it. */
int an_stream_request_label(an_stream *s, uint16_t label, int64_t ts, int64_t timeout)
{
	/* the same packet captured twice (on two interfaces) comes within microseconds */
	if (s->started && label == s->last_label && ts - s->last_send < AN_DUP_WINDOW &&
	    ts >= s->last_send)
		return 0;
	if (s->started && label == s->last_label)
		s->repeated++; /* a number given twice: a probe of its own all the same */
	uint32_t seq = s->started ? s->top : 0;
	if (an_stream_request(s, seq, ts, timeout) != 0)
		return -1;
	if ((int32_t)(seq - s->base) >= 0 && seq != s->top)
		slot(s, seq)->label = label;
	s->last_label = label;
	return 0;
}

/* How far back a reply's request is looked for among those pending, and how many past the
 * first one with its label, for an older one (a number given twice: replies come in order). */
#define LABEL_SCAN 512
#define LABEL_PAST 8

void an_stream_reply_label(an_stream *s, uint16_t label, int64_t ts)
{
	if (!s->started)
		return;
	uint32_t found = 0, answered = 0;
	int have = 0, have_answered = 0, past = 0;
	for (uint32_t q = s->top, n = 0; q != s->base && n < LABEL_SCAN; n++) {
		const an_probe *p = slot(s, --q);
		if (!p->send || p->label != label || p->send > ts) {
			if (have && ++past > LABEL_PAST)
				break;
			continue;
		}
		if (p->reply) {
			if (!have_answered)
				answered = q, have_answered = 1;
			continue;
		}
		found = q, have = 1, past = 0; /* the oldest unanswered so far */
	}
	if (have)
		an_stream_reply(s, found, ts);
	else if (have_answered)
		an_stream_reply(s, answered, ts); /* the same reply captured twice: a duplicate */
	else
		s->late++; /* its request retired unanswered (lost), or never captured */
}

void an_stream_schedule(an_stream *s, const an_run *r, uint32_t seq, int64_t deadline)
{
	if (!r->in.t0 || s->interval <= 0 || !s->started || (int32_t)(seq - s->base) < 0 ||
	    (int32_t)(seq - s->top) >= 0)
		return;
	an_probe *p = slot(s, seq);
	s->scheduled = 1;
	int64_t off = deadline - r->in.t0 - s->phase;
	if (off < 0 || p->fast)
		return;
	int64_t rem = off % s->interval; /* 1 us of rounding (a STAMP T1) is still on schedule */
	if (rem > BO_NS_PER_US && s->interval - rem > BO_NS_PER_US) {
		p->fast = 1;
		s->sent_fast++;
	}
}

int an_stream_request(an_stream *s, uint32_t seq, int64_t ts, int64_t timeout)
{
	if (!s->started) {
		s->started = 1;
		s->base = s->top = seq;
		s->first_send = ts;
	}
	if ((int32_t)(seq - s->base) < 0)
		return 0; /* older than anything pending: a retransmission, ignored */
	if (seq - s->base >= s->cap && grow(s, seq - s->base + 1) != 0) {
		s->dropped++; /* more in flight than the ring holds: counted, not analysed */
		return -1;
	}
	if ((int32_t)(seq - s->top) >= 0)
		s->top = seq + 1;
	an_probe *p = slot(s, seq);
	if (p->send)
		return 0; /* the same request captured twice */
	p->send = ts;
	s->sent++;
	if (s->ninfer < 33 && s->last_send)
		s->infer[s->ninfer++] = ts - s->last_send;
	s->last_send = ts;
	an_stream_advance(s, ts, timeout);
	return 0;
}

/* tcp-est: echoes slower than AN_STALL_MIN and 20 times the least RTT so far form stalls; one
 * stall while the slow echoes' send times overlap the previous one's span. */
int64_t an_stall_bound(const an_stream *s)
{
	return 20 * s->rtt_min > AN_STALL_MIN ? 20 * s->rtt_min : AN_STALL_MIN;
}

static void note_stall(an_stream *s, int64_t send, int64_t reply, int64_t rtt)
{
	if (rtt < an_stall_bound(s))
		return;
	struct an_stall *g = s->u.bytes.nstalls ? &s->u.bytes.stalls[s->u.bytes.nstalls - 1] : NULL;
	if (g && send <= g->last_reply) {
		g->frames++;
		if (send < g->first_send) /* a frame held since before it (at the capture's end) */
			g->first_send = send;
		if (reply > g->last_reply)
			g->last_reply = reply;
		if (rtt > g->max_delay)
			g->max_delay = rtt;
		return;
	}
	struct an_bytes *b = &s->u.bytes;
	if (b->nstalls == b->stall_cap) {
		int cap = b->stall_cap ? b->stall_cap * 2 : 16;
		struct an_stall *n =
		        cap <= AN_MAX_STALLS ? realloc(b->stalls, (size_t)cap * sizeof *n) : NULL;
		if (!n) {
			b->more_stalls++;
			return;
		}
		b->stalls = n, b->stall_cap = cap;
	}
	b->stalls[b->nstalls++] = (struct an_stall){send, reply, rtt, 1, 0};
}

void an_stream_reply(an_stream *s, uint32_t seq, int64_t ts)
{
	if (!s->started || (int32_t)(seq - s->base) < 0) {
		s->late++; /* its probe was already counted lost: the reply came after the timeout
		            */
		return;
	}
	if ((int32_t)(seq - s->top) >= 0)
		return; /* a reply to a request never captured */
	an_probe *p = slot(s, seq);
	if (!p->send)
		return;
	if (p->reply) {
		s->dups++;
		return;
	}
	p->reply = ts;
	if (p->send > s->newest_reply_send)
		s->newest_reply_send = p->send;
	s->answered++;
	s->answered_fast += p->fast;
	int64_t rtt = ts - p->send;
	if (s->desc->flags & BO_STREAM_BYTES)
		note_stall(s, p->send, ts, rtt);
	if (!s->rtt_min || rtt < s->rtt_min)
		s->rtt_min = rtt;
	if (rtt > s->rtt_max)
		s->rtt_max = rtt;
	s->rtt_sum += rtt;
	if (s->any_answered && (int32_t)(seq - s->max_answered) < 0)
		s->reordered++;
	else
		s->max_answered = seq;
	s->any_answered = 1;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

void an_stream_finish(an_stream *s, int64_t end, int64_t timeout)
{
	an_stream_advance(s, end, timeout);
	/* The capture may end before the reply timeout has passed for its last probes (a capture
	 * stopped 0.8 s into an outage). A probe unanswered for four of the stream's slowest round
	 * trips (AN_END_GRACE at least) is lost all the same: the outage is still open at the end,
	 * not unresolved. Only the last probes, whose replies could still be on their way, are.
	 * A byte stream's frames are held and resent by TCP: not lost for that; a stream never
	 * answered has no round trip to go by. */
	if (!(s->desc->flags & BO_STREAM_BYTES) && s->answered) { /* its round trips known */
		int64_t grace = 4 * s->rtt_max > AN_END_GRACE ? 4 * s->rtt_max : AN_END_GRACE;
		if (grace < timeout)
			an_stream_advance(s, end, grace);
	}
	/* What is left was sent within one timeout of the capture's end: not lost, unresolved. */
	int64_t first_unresolved = 0;
	uint32_t held = 0;
	while (s->base != s->top) {
		an_probe *p = slot(s, s->base);
		if (p->reply && p->send) {
			retire_ok(s, p);
		} else if (p->send) {
			s->unresolved++;
			if (!first_unresolved)
				first_unresolved = p->send;
			held++;
		}
		s->base++;
	}
	/* tcp-est: frames TCP still holds at the end (its retransmission backing off past the
	 * capture) are a stall that had not ended. */
	if ((s->desc->flags & BO_STREAM_BYTES) && first_unresolved && s->answered &&
	    end - first_unresolved >= AN_STALL_MIN) {
		note_stall(s, first_unresolved, end, end - first_unresolved);
		struct an_stall *g = &s->u.bytes.stalls[s->u.bytes.nstalls - 1];
		if (s->u.bytes.nstalls && g->last_reply == end) {
			g->open = 1;
			g->frames += held - 1;
		}
	}
	if (s->in_outage)
		close_outage(s, 0, 0); /* still dark when the capture ended */
	if (!s->interval && s->ninfer) {
		qsort(s->infer, (size_t)s->ninfer, sizeof s->infer[0], cmp64);
		s->interval = s->infer[s->ninfer / 2];
	}
	for (int i = 0; i < s->noutages; i++)
		outage_bounds(&s->outages[i]); /* the one still open at the end too */
}

int64_t an_stream_send_time(const an_stream *s, uint32_t seq)
{
	if (!s->started || (int32_t)(seq - s->base) < 0 || (int32_t)(seq - s->top) >= 0)
		return 0;
	return s->ring[seq & (s->cap - 1)].send;
}

void an_stream_free(an_stream *s)
{
	if (s->desc->kind == BO_MATCH_STAMP)
		free(s->u.clk.v);
	else if (s->desc->kind == BO_MATCH_FRAMES)
		free(s->u.bytes.stalls);
	else if (s->desc->kind == BO_MATCH_SYN)
		free(s->u.syn.map);
	free(s->ring);
	free(s->outages);
	free(s->segs);
	an_hist_free(s->sched);
}

const an_outage *an_stream_longest(const an_stream *s)
{
	const an_outage *o = NULL;
	for (int i = 0; i < s->noutages; i++)
		if (!o || s->outages[i].duration > o->duration)
			o = &s->outages[i];
	return o;
}

void an_truth_inside(const an_truth *t, const an_outage *o, int *start_in, int *end_in)
{
	*start_in = t->start[1] > o->start_lo && t->start[0] <= o->start_hi;
	*end_in = o->end_hi && t->end[1] > o->end_lo && t->end[0] <= o->end_hi;
}
