/* SPDX-License-Identifier: Apache-2.0 */
/* STAMP streams in a capture: Session-Sender requests to the reflector port and the
 * reflector's replies, paired by (target, SSID) and the sender sequence number the reflector
 * returns (RFC 8762). In a blackout run the SSIDs come from probe.jsonl and anything else is a
 * stray; in a foreign capture every (reflector, SSID) seen in a request becomes a stream. */
#include <stdlib.h>

#include "an.h"
#include "bo_time.h"

/* One round trip's clock sample (RFC 8762's T1..T4: T1 the request's and T4 the reply's capture
 * time on the probe, T2 and T3 the reflector's receive and send times): offset
 * ((T2 - T1) + (T3 - T4)) / 2, good to half the round trip outside the reflector. Per second
 * only the sample with the least round trip is kept (queues inflate the others). */
static void clock_sample(an_stream *s, int64_t t1, const bo_stamp *st, int64_t t4)
{
	if (!t1 || !st->rx_ts || !st->ts)
		return;
	int64_t t2 = bo_ns_from_ntp(st->rx_ts), t3 = bo_ns_from_ntp(st->ts);
	int64_t rtt = (t4 - t1) - (t3 - t2);
	if (rtt < 0 || t3 < t2)
		return; /* a reflector whose clock jumped between its two stamps */
	struct an_clk x = {t4, rtt, ((t2 - t1) + (t3 - t4)) / 2};
	struct an_clk *last = s->u.clk.n ? &s->u.clk.v[s->u.clk.n - 1] : NULL;
	if (last && last->ts / BO_NS_PER_S == t4 / BO_NS_PER_S) {
		if (rtt < last->rtt)
			*last = x;
		return;
	}
	if (s->u.clk.n == s->u.clk.cap) {
		int cap = s->u.clk.cap ? s->u.clk.cap * 2 : 64;
		struct an_clk *n =
		        cap <= (1 << 20) ? realloc(s->u.clk.v, (size_t)cap * sizeof *n) : NULL;
		if (!n)
			return;
		s->u.clk.v = n;
		s->u.clk.cap = cap;
	}
	s->u.clk.v[s->u.clk.n++] = x;
}

void an_on_stamp(an_run *r, const bo_hit *h, int64_t ts, int64_t timeout)
{
	if (h->stamp_status != 0) {
		r->eng.strays += r->in.have_log;
		return;
	}
	an_stream *s = r->in.have_log ? an_stream_for_hit(r, h)
	                              : an_stream_find_ssid(r, &h->target, h->ssid);
	if (!s) {
		if (r->in.have_log || h->reply) {
			r->eng.strays += r->in.have_log;
			return;
		}
		s = an_stream_add(r, bo_stream_foreign(BO_MATCH_STAMP), &h->target, 0, 0);
		if (!s)
			return;
		s->inst.ssid = h->ssid;
		an_stream_index_id(r, s, h->ssid);
	}
	if (!h->reply) {
		/* blackout's T1 is the scheduled send time: capture minus T1 is the schedule error.
		 */
		if (s->keyed)
			an_sched_add(r, s, ts - bo_ns_from_ntp(h->stamp.ts));
		an_stream_request(s, h->seq, ts, timeout);
		if (s->keyed) /* T1, realtime, is the probe's deadline */
			an_stream_schedule(s, r, h->seq,
			                   bo_ns_from_ntp(h->stamp.ts) - r->in.mono_to_real);
	} else {
		clock_sample(s, an_stream_send_time(s, h->seq), &h->stamp, ts);
		an_stream_reply(s, h->seq, ts);
	}
}

void an_clock_fit(const an_run *r, int stream, int outage, int64_t lo, int64_t hi,
                  struct an_clock_result *out)
{
	struct an_clock_result c = {0};
	const an_stream *m = &r->eng.streams[stream];
	const an_outage *o = &m->outages[outage];
	const struct an_clk *best[2] = {NULL, NULL};
	for (int i = 0; i < r->eng.nstreams; i++) {
		const an_stream *s = &r->eng.streams[i];
		if (s->desc->kind != BO_MATCH_STAMP || !bo_addr_eq(&s->target, &m->target))
			continue;
		for (int k = 0; k < s->u.clk.n; k++) {
			const struct an_clk *x = &s->u.clk.v[k];
			if (x->ts < lo || x->ts > hi)
				continue;
			int side = x->ts < o->start ? 0 : o->next_ok && x->ts > o->end ? 1 : -1;
			if (side >= 0 && (!best[side] || x->rtt < best[side]->rtt))
				best[side] = x;
		}
	}
	if (best[0]) {
		c.have_before = 1;
		c.before = best[0]->offset;
		c.before_err = best[0]->rtt / 2;
	}
	if (best[1]) {
		c.have_after = 1;
		c.after = best[1]->offset;
		c.after_err = best[1]->rtt / 2;
	}
	c.both = c.have_before && c.have_after;
	if (c.both) {
		c.step = c.after - c.before;
		c.stepped = llabs(c.step) > c.before_err + c.after_err + BO_NS_PER_MS;
	}
	*out = c;
}
