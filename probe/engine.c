/* SPDX-License-Identifier: Apache-2.0 */
/* The analyzer's engine on the live capture: one outage machine for blackout-analyze, the
 * probe's outage lines and the watcher's events. The run's streams are the probe's slots, in
 * slot order (engine stream k is slot k), keyed like the analyzer's; every captured frame
 * feeds it, and each tick advances it to the wall clock (capture time), so the outages whose
 * last lost probe's reply timeout has passed close, with the analyzer's bounds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an.h"
#include "bo_caprd.h"
#include "bo_time.h"
#include "bo_vocab.h"
#include "probe.h"

struct probe_engine {
	an_run run;
	int *reported; /* per slot: outages reported so far */
};

int probe_engine_open(probe *p)
{
	probe_engine *e = calloc(1, sizeof *e);
	if (!e || !(e->reported = calloc((size_t)p->nslots, sizeof *e->reported))) {
		free(e);
		return -1;
	}
	an_run *r = &e->run;
	r->in.have_log = 1;
	r->in.key = p->key;
	r->in.run_id = p->run_id;
	r->in.mono_to_real = p->mono_to_real;
	r->in.stamp_port = p->cfg.stamp_port;
	r->in.tcp_port = p->cfg.tcp_port;
	r->in.stamp_auth = p->stamp_key.len > 0;
	r->in.stamp_key = p->stamp_key;
	r->in.log_timeout = p->cfg.timeout;
	r->res.main_stream = r->res.main_outage = -1;
	for (int i = 0; i < p->nslots; i++) {
		const probe_slot *s = &p->slots[i];
		an_stream *st =
		        an_stream_of_run(r, s->desc, &s->target->addr, s->interval, s->phase,
		                         s->inst.icmp_id, s->inst.ssid, s->inst.local_port);
		if (!st) {
			probe_engine_close(p, e);
			return -1;
		}
		st->no_timeline = 1;
	}
	an_settings set = {0};
	an_engine_begin(r, &set, p->cap.linktype);
	p->engine = e;
	return 0;
}

an_run *probe_engine_run(probe *p)
{
	return p->engine ? &p->engine->run : NULL;
}

void probe_engine_frame(probe *p, const struct pcap_pkthdr *h, const unsigned char *data)
{
	if (p->engine)
		an_engine_packet(&p->engine->run, bo_caprd_ts(h), data, h->caplen);
}

/* An outage the engine closed: the log's record, the slot's count, the operator's line. */
static void report(probe *p, probe_slot *s, const an_outage *o)
{
	probe_live *l = &s->live;
	l->outages++;
	if (o->duration > l->longest)
		l->longest = o->duration;
	int64_t pm = o->dmax ? (o->dmax - o->dmin) / 2 : 0;
	bo_log_put(&p->log,
	           json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "type",
	                     bo_rec_name(BO_REC_OUTAGE), "target", s->target->str, "stream",
	                     s->desc->name, "lost", (json_int_t)o->lost, "first_lost_seq",
	                     (json_int_t)o->first_seq, "first_lost_send_ns",
	                     (json_int_t)o->first_lost, "start_lo_ns", (json_int_t)o->start_lo,
	                     "start_hi_ns", (json_int_t)o->start_hi, "end_lo_ns",
	                     (json_int_t)o->end_lo, "end_hi_ns", (json_int_t)o->end_hi,
	                     "duration_ns", (json_int_t)o->duration, "uncertainty_ns",
	                     (json_int_t)pm));
	if (p->cfg.quiet)
		return;
	char d[32], e[32];
	probe_live_clear(p);
	fprintf(stderr, "%s  %-8s outage %s (±%s), %llu lost\n", s->target->str, s->desc->name,
	        bo_dur_str(o->duration, d, sizeof d), bo_dur_str(pm, e, sizeof e),
	        (unsigned long long)o->lost);
}

void probe_engine_advance(probe *p, int64_t now)
{
	if (!p->engine)
		return;
	an_run *r = &p->engine->run;
	an_engine_advance(r, now);
	for (int i = 0; i < p->nslots && i < r->eng.nstreams; i++) {
		const an_stream *st = &r->eng.streams[i];
		while (p->engine->reported[i] < st->noutages)
			report(p, &p->slots[i], &st->outages[p->engine->reported[i]++]);
	}
}

void probe_engine_close(probe *p, probe_engine *e)
{
	if (!e)
		return;
	an_run_free(&e->run);
	free(e->reported);
	free(e);
	if (p->engine == e)
		p->engine = NULL;
}

/* How many of a stream's first outages ended before `before` (their end's upper bound, or
 * their last lost probe for one without). */
static int old_outages(const an_stream *s, int64_t before)
{
	int n = 0;
	while (n < s->noutages &&
	       (s->outages[n].end_hi ? s->outages[n].end_hi : s->outages[n].last_lost) < before)
		n++;
	return n;
}

void probe_engine_forget(probe *p, int64_t before, int *seen)
{
	if (!p->engine)
		return;
	an_run *r = &p->engine->run;
	for (int i = 0; i < r->eng.nstreams; i++) {
		an_stream *s = &r->eng.streams[i];
		int n = old_outages(s, before);
		/* only what every reader has seen, and not the one still collecting its RTTs */
		if (seen && seen[i] < n)
			n = seen[i];
		if (p->engine->reported[i] < n)
			n = p->engine->reported[i];
		if (s->collect_after >= 0 && s->collect_after < n)
			n = s->collect_after;
		if (n > 0) {
			memmove(s->outages, s->outages + n,
			        (size_t)(s->noutages - n) * sizeof *s->outages);
			s->noutages -= n;
			if (s->collect_after >= 0)
				s->collect_after -= n;
			p->engine->reported[i] -= n;
			if (seen)
				seen[i] -= n;
		}
		if (s->desc->flags & BO_STREAM_BYTES) { /* tcp-est's stalls */
			struct an_bytes *b = &s->u.bytes;
			int k = 0;
			while (k < b->nstalls && b->stalls[k].last_reply < before)
				k++;
			memmove(b->stalls, b->stalls + k,
			        (size_t)(b->nstalls - k) * sizeof *b->stalls);
			b->nstalls -= k;
		}
		if (s->desc->kind == BO_MATCH_STAMP) { /* the clock samples */
			struct an_clocks *c = &s->u.clk;
			int k = 0;
			while (k < c->n && c->v[k].ts < before)
				k++;
			memmove(c->v, c->v + k, (size_t)(c->n - k) * sizeof *c->v);
			c->n -= k;
		}
	}
	int k = 0;
	while (k < r->eng.nannounce && r->eng.announces[k].ts < before)
		k++;
	memmove(r->eng.announces, r->eng.announces + k,
	        (size_t)(r->eng.nannounce - k) * sizeof *r->eng.announces);
	r->eng.nannounce -= k;
}
