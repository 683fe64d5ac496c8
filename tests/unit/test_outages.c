/* SPDX-License-Identifier: Apache-2.0 */
/* The claim itself: analysis/stream.c's pairing, outage machine and bounds on hand-built probe
 * sequences (send and reply times chosen here), not through captures: lost runs in the middle,
 * at the start, at the end and back to back; blind probes inside; late and duplicate replies;
 * a stream that probes faster during the outage. */
#include "an.h"
#include "check.h"

#define MS INT64_C(1000000)
#define T0 (INT64_C(1700000000) * 1000 * MS) /* a realtime origin */
#define TIMEOUT (100 * MS)

static an_run run;

static an_stream *fresh(void)
{
	an_run_free(&run);
	run.res.main_stream = run.res.main_outage = -1;
	bo_addr a;
	bo_addr_parse("192.0.2.2", &a);
	return an_stream_add(&run, bo_stream_by_name("icmp"), &a, 1, 10 * MS);
}

/* Probes 0..n-1 sent every 10 ms from T0; those in [lo, hi] lost, the rest answered after rtt. */
static void feed(an_stream *s, uint32_t from, uint32_t n, uint32_t lo, uint32_t hi, int64_t rtt)
{
	for (uint32_t q = from; q < from + n; q++) {
		int64_t t = T0 + (int64_t)q * 10 * MS;
		an_stream_request(s, q, t, TIMEOUT);
		if (q < lo || q > hi)
			an_stream_reply(s, q, t + rtt);
	}
}

int main(void)
{
	/* A lost run in the middle: 30..59 of 0..99, RTT 1 ms. The start lies in (send 29,
	 * send 30 + the RTT stand-in], the end in (send 59, send 60 + its RTT]. */
	an_stream *s = fresh();
	feed(s, 0, 100, 30, 59, MS);
	an_stream_finish(s, T0 + 2000 * MS, TIMEOUT);
	CHECK_INT(s->sent, 100);
	CHECK_INT(s->answered, 70);
	CHECK_INT(s->lost, 30);
	CHECK_INT(s->noutages, 1);
	const an_outage *o = &s->outages[0];
	CHECK_INT(o->lost, 30);
	CHECK_INT(o->first_seq, 30);
	CHECK_INT(o->last_seq, 59);
	CHECK_INT(o->start_lo, T0 + 290 * MS);
	CHECK_INT(o->start_hi, T0 + 301 * MS);
	CHECK_INT(o->end_lo, T0 + 590 * MS);
	CHECK_INT(o->end_hi, T0 + 601 * MS);
	CHECK_INT(o->duration, 300 * MS);
	CHECK_INT(o->dmin, 289 * MS);
	CHECK_INT(o->dmax, 311 * MS);
	CHECK_INT(o->rtt_before, MS);
	CHECK_INT(o->rtt_after, MS);

	/* The RTT stand-in of the start bound: the longest of the last 16, at most 1 ms (or
	 * the median when round trips are longer). */
	s = fresh();
	feed(s, 0, 20, 99, 99, 300 * 1000);               /* 0.3 ms */
	an_stream_request(s, 20, T0 + 200 * MS, TIMEOUT); /* one slow answer: 5 ms */
	an_stream_reply(s, 20, T0 + 205 * MS);
	feed(s, 21, 30, 30, 39, 300 * 1000);
	an_stream_finish(s, T0 + 2000 * MS, TIMEOUT);
	CHECK_INT(s->noutages, 1);
	CHECK_INT(s->outages[0].start_hi - s->outages[0].first_lost, MS); /* capped */
	CHECK_INT(s->outages[0].end_hi - s->outages[0].next_ok, 300 * 1000);

	/* Lost at the start: no answered probe before, so no start bound (open). */
	s = fresh();
	feed(s, 0, 50, 0, 9, MS);
	an_stream_finish(s, T0 + 2000 * MS, TIMEOUT);
	CHECK_INT(s->noutages, 1);
	CHECK_INT(s->outages[0].prev_ok, 0);
	CHECK_INT(s->outages[0].start_lo, 0);
	CHECK_INT(s->outages[0].start, T0); /* the first lost probe's send */
	CHECK_INT(s->outages[0].dmax, 0);   /* unknown */

	/* Lost at the end: still dark when the capture ends, though the reply timeout has not
	 * passed; only the probes whose replies could still come (AN_END_GRACE, or four of the
	 * slowest round trips) are unresolved, not lost. */
	s = fresh();
	feed(s, 0, 50, 40, 49, MS);
	an_stream_finish(s, T0 + 495 * MS, TIMEOUT);
	CHECK_INT(s->noutages, 1);
	CHECK_INT(s->outages[0].next_ok, 0);
	CHECK_INT(s->outages[0].end_hi, 0);
	CHECK_INT(s->lost, 9);       /* sent 400..480 ms: more than 10 ms before the end */
	CHECK_INT(s->unresolved, 1); /* sent at 490 ms, 5 ms before it */

	/* Back to back: two outages with one answered probe between. */
	s = fresh();
	for (uint32_t q = 0; q < 60; q++) {
		int64_t t = T0 + (int64_t)q * 10 * MS;
		an_stream_request(s, q, t, TIMEOUT);
		if (q < 20 || q == 30 || q > 40)
			an_stream_reply(s, q, t + MS);
	}
	an_stream_finish(s, T0 + 2000 * MS, TIMEOUT);
	CHECK_INT(s->noutages, 2);
	CHECK_INT(s->outages[0].lost, 10);
	CHECK_INT(s->outages[1].lost, 10);
	CHECK_INT(s->outages[0].next_ok, s->outages[1].prev_ok); /* probe 30 bounds both */

	/* Blind probes inside an outage (never captured: a send failure or a capture drop) are
	 * counted blind, never lost. */
	s = fresh();
	for (uint32_t q = 0; q < 60; q++) {
		int64_t t = T0 + (int64_t)q * 10 * MS;
		if (q >= 25 && q < 30)
			continue; /* not in the capture */
		an_stream_request(s, q, t, TIMEOUT);
		if (q < 20 || q >= 40)
			an_stream_reply(s, q, t + MS);
	}
	an_stream_finish(s, T0 + 2000 * MS, TIMEOUT);
	CHECK_INT(s->noutages, 1);
	CHECK_INT(s->outages[0].lost, 15);
	CHECK_INT(s->outages[0].blind, 5);
	CHECK_INT(s->blind, 5);

	/* Late and duplicate replies: a reply after the timeout is late (its probe stays lost);
	 * a second reply is a duplicate. */
	s = fresh();
	feed(s, 0, 5, 99, 99, MS);
	an_stream_request(s, 5, T0 + 50 * MS, TIMEOUT);
	an_stream_reply(s, 5, T0 + 51 * MS);
	an_stream_reply(s, 5, T0 + 52 * MS); /* again, while still pending */
	feed(s, 6, 4, 99, 99, MS);
	an_stream_request(s, 10, T0 + 100 * MS, TIMEOUT);
	for (uint32_t q = 11; q < 40; q++) /* 10 unanswered for 290 ms: lost */
		an_stream_request(s, q, T0 + (int64_t)q * 10 * MS, TIMEOUT);
	an_stream_reply(s, 10, T0 + 395 * MS); /* too late */
	an_stream_finish(s, T0 + 2000 * MS, TIMEOUT);
	CHECK_INT(s->dups, 1);
	CHECK_INT(s->late, 1);
	CHECK(s->lost >= 1);

	/* Faster probing during the outage (every 1 ms after the first loss): the end bound is
	 * the last lost and the first answered probe's actual sends, 1 ms apart. */
	s = fresh();
	uint32_t q = 0;
	int64_t t = T0;
	for (; q < 30; q++, t += 10 * MS) {
		an_stream_request(s, q, t, TIMEOUT);
		if (q < 20)
			an_stream_reply(s, q, t + MS / 2);
	}
	for (int i = 0; i < 300; i++, q++, t += MS) /* dark until T0 + 500 ms, then answered */
	{
		an_stream_request(s, q, t, TIMEOUT);
		if (t >= T0 + 500 * MS)
			an_stream_reply(s, q, t + MS / 2);
	}
	an_stream_finish(s, t + 2000 * MS, TIMEOUT);
	CHECK_INT(s->noutages, 1);
	o = &s->outages[0];
	CHECK_INT(o->next_ok - o->last_lost, MS);
	CHECK_INT(o->end_hi - o->end_lo, MS + MS / 2);
	CHECK(o->start_lo == T0 + 190 * MS && o->end_lo == T0 + 499 * MS);
	an_run_free(&run);
	return check_done("outages");
}
