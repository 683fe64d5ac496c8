/* SPDX-License-Identifier: Apache-2.0 */
/* Migration events: a run that watched many migrations (a host drained VM after VM, one VM
 * moved twice) gets one event per migration, each with its own windows and verdict.
 *
 * Per target, the outages of all its streams are taken in order of their start; an outage that
 * starts within AN_EVENT_JOIN of the end of the event so far joins it (a quarantine's UDP
 * outage and its ICMP one are the same migration). An event is a migration when it carries a
 * migration's signature (the target's resume announcement inside it, a guest network event, a
 * hypervisor's record) or was dark longer than two of its stream's intervals on some stream
 * without the target's kernel answering all along (only the responder away); else it is `loss`
 * (a probe or two, or the responder's restart).
 * Each migration is judged on its longest outage, as the run is on its own (an_judge_outage).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "an.h"
#include "bo_err.h"
#include "bo_time.h"

const char *const an_evidence_names[AN_NEVIDENCE] = {
        [AN_EVI_DURATION] = "duration",       [AN_EVI_ANNOUNCEMENT] = "announcement",
        [AN_EVI_INDICATION] = "indication",   [AN_EVI_ARRIVALS] = "guest-arrivals",
        [AN_EVI_FW_DROPS] = "firewall-drops", [AN_EVI_FW_QUARANTINE] = "firewall-quarantine",
        [AN_EVI_PROFILE] = "profile-change",  [AN_EVI_TCP_EST] = "tcp-est",
        [AN_EVI_HYPERVISOR] = "hypervisor",
};

typedef struct piece {
	int64_t start, end;
	int stream, outage;
} piece;

static int by_start(const void *a, const void *b)
{
	const piece *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static int64_t end_of(const an_run *r, const an_outage *o)
{
	return o->next_ok ? o->end : r->eng.last_ts;
}

static int add_event(an_run *r, const an_event *e)
{
	if (r->res.nevents == r->res.event_cap) {
		int cap = r->res.event_cap ? r->res.event_cap * 2 : 16;
		an_event *n = realloc(r->res.events, (size_t)cap * sizeof *n);
		if (!n)
			return BO_ENOMEM;
		r->res.events = n, r->res.event_cap = cap;
	}
	r->res.events[r->res.nevents++] = *e;
	return 0;
}

/* Does anything beside the probes say a migration happened in [from, to]? An announcement
 * that is one (a gratuitous ARP, a RARP, an unsolicited NA; not the target's routine ARP
 * requests and answers or solicited NAs, which a host with many addresses sends from one of
 * them all the time), a network event in that target's guest, the hypervisor's record. */
static int signature(const an_run *r, const an_event *e, int64_t from, int64_t to)
{
	const bo_addr *t = &r->eng.streams[e->stream0].target;
	int target = bo_addrmap_get(&r->eng.by_target, t);
	for (int i = 0; i < r->eng.nannounce; i++) {
		const an_announce *a = &r->eng.announces[i];
		if (a->ts > from && a->ts <= to && (a->target < 0 || a->target == target) &&
		    (a->rarp || a->gratuitous))
			return 1;
	}
	for (int i = 0; i < r->in.nguest_net; i++)
		if (r->in.guest_net[i] >= from && r->in.guest_net[i] <= to &&
		    (!r->in.guest_net_target[i].family ||
		     bo_addr_eq(&r->in.guest_net_target[i], t)))
			return 1;
	return e->host >= 0;
}

/* Was only the responder away (a restart, a crash, stopped)? Every part of the event is a
 * stream the responder answers, while a stream the target's kernel answers (icmp, icmp-new,
 * tcp-syn) was probed from before the event's start (from) to within an interval of its last
 * lost probe, twice at least, and lost nothing there: a migration's pause darkens every stream, a
 * quarantine the kernel's ICMP as well. (The last lost probe, not the event's end: an outage still
 * open when the capture ends ends with it, after the last probes.) */
static int responder_away(const an_run *r, const an_event *e, int64_t from)
{
	int64_t to = from;
	for (int i = 0; i < e->nparts; i++) {
		const an_stream *s = &r->eng.streams[e->parts[i].stream];
		if (s->desc->flags & BO_STREAM_KERNEL)
			return 0;
		if (s->outages[e->parts[i].outage].last_lost > to)
			to = s->outages[e->parts[i].outage].last_lost;
	}
	const bo_addr *t = &r->eng.streams[e->stream0].target;
	for (int k = 0; k < r->eng.nstreams; k++) {
		const an_stream *s = &r->eng.streams[k];
		if (!(s->desc->flags & BO_STREAM_KERNEL) || !s->answered ||
		    !bo_addr_eq(&s->target, t) || s->first_send > from ||
		    s->last_send + s->interval < to || to - from < 2 * s->interval)
			continue;
		int clean = 1;
		for (int o = 0; o < s->noutages && clean; o++)
			if (s->outages[o].first_lost <= to && s->outages[o].last_lost >= from)
				clean = 0;
		if (clean)
			return 1;
	}
	return 0;
}

static void finish(an_run *r, const an_settings *set, an_event *e)
{
	int64_t longest = -1;
	int brief = 1; /* every part shorter than two of its stream's intervals */
	e->main_stream = e->main_outage = -1;
	for (int i = 0; i < e->nparts; i++) {
		const an_outage *o =
		        &r->eng.streams[e->parts[i].stream].outages[e->parts[i].outage];
		int64_t d = end_of(r, o) - o->start;
		if (d > longest) {
			longest = d;
			e->main_stream = e->parts[i].stream;
			e->main_outage = e->parts[i].outage;
		}
		/* "a probe or two": the stream's own interval, not the faster probing inside an
		 * outage, is the yardstick */
		if (d > 2 * r->eng.streams[e->parts[i].stream].interval)
			brief = 0;
	}
	/* The hypervisor's record of it: one whose matched outage is among its parts. */
	e->host = -1;
	for (int h = 0; h < r->in.nhost && e->host < 0; h++)
		for (int i = 0; i < e->nparts; i++)
			if (e->parts[i].stream < AN_HOST_STREAMS &&
			    r->in.host[h].outage[e->parts[i].stream] == e->parts[i].outage) {
				e->host = h;
				break;
			}
	const an_outage *m = &r->eng.streams[e->main_stream].outages[e->main_outage];
	int64_t from = m->start_lo ? m->start_lo : m->first_lost;
	e->kind = signature(r, e, from, e->end) || (!brief && !responder_away(r, e, from))
	                  ? AN_EV_MIGRATION
	                  : AN_EV_LOSS;
	an_judge_outage(r, set, e->main_stream, e->main_outage, &e->j);
	/* tcp-est's longest stall across it, for the records (-1: the target has no tcp-est) */
	int64_t held, covered;
	e->held = an_est_stall(r, &r->eng.streams[e->stream0].target, from, e->end, &held, &covered)
	                  ? held
	                  : -1;
}

/* Is there a guest account of target t at all (a responder's events)? */
static int guest_of(const an_run *r, const bo_addr *t)
{
	for (int k = 0; k < r->in.nguest_seen; k++)
		if (bo_addr_eq(&r->in.guest_seen[k].target, t))
			return 1;
	return 0;
}

/* What an event's verdict rests on, once all else of it is known. The guest's silence is
 * evidence only where its account goes on past the event (indication_known): a guest that
 * said nothing because its channel was cut says nothing of the cause. */
static void evidence(const an_run *r, an_event *e)
{
	unsigned v = 1u << AN_EVI_DURATION;
	v |= e->j.resume_ts ? 1u << AN_EVI_ANNOUNCEMENT : 0;
	v |= e->indication_known ? 1u << AN_EVI_INDICATION : 0;
	v |= e->attribution != AN_ATTR_NONE ? 1u << AN_EVI_ARRIVALS : 0;
	v |= r->in.have_fwlog && (e->fw_dropped || e->indication_known) ? 1u << AN_EVI_FW_DROPS : 0;
	v |= an_guest_quarantine(r, e->start, e->end) ? 1u << AN_EVI_FW_QUARANTINE : 0;
	v |= e->guest_profile >= 0 ? 1u << AN_EVI_PROFILE : 0;
	v |= e->held >= 0 ? 1u << AN_EVI_TCP_EST : 0;
	v |= e->host >= 0 ? 1u << AN_EVI_HYPERVISOR : 0;
	e->evidence = v;
}

int an_evidence_duration_alone(const an_event *e)
{
	return e->kind == AN_EV_MIGRATION && !(e->evidence & AN_EVI_CAUSE);
}

const char *an_evidence_alone(const an_run *r, const an_event *e, char *buf, size_t len)
{
	if (!an_evidence_duration_alone(e))
		return NULL;
	int guest = guest_of(r, &r->eng.streams[e->stream0].target);
	snprintf(buf, len, "judged on duration alone: %s, no established-TCP stream",
	         guest ? "the guest's data does not cover it" : "no guest data");
	return buf;
}

const an_event *an_main_event(const an_run *r)
{
	for (int i = 0; i < r->res.nevents; i++)
		if (r->res.events[i].main_stream == r->res.main_stream &&
		    r->res.events[i].main_outage == r->res.main_outage)
			return &r->res.events[i];
	return NULL;
}

/* What an event knows once its neighbours are known: the guest's clock between the target's
 * previous event and its next (a VM moved twice may step twice), its phases and attribution,
 * its markers. */
static void surroundings(an_run *r, int i)
{
	an_event *e = &r->res.events[i];
	const bo_addr *t = &r->eng.streams[e->stream0].target;
	int64_t lo = INT64_MIN, hi = INT64_MAX;
	for (int k = i - 1; k >= 0 && lo == INT64_MIN; k--)
		if (bo_addr_eq(&r->eng.streams[r->res.events[k].stream0].target, t))
			lo = r->res.events[k].end;
	for (int k = i + 1; k < r->res.nevents && hi == INT64_MAX; k++)
		if (bo_addr_eq(&r->eng.streams[r->res.events[k].stream0].target, t))
			hi = r->res.events[k].start;
	const an_outage *o = &r->eng.streams[e->main_stream].outages[e->main_outage];
	an_clock_fit(r, e->main_stream, e->main_outage, lo, hi, &e->clock);
	an_phases_of(r, o, &e->phases);
	e->attribution = o->attribution;
	/* a network-change indication: the target's own guest network event inside it (known
	 * only if that guest's account goes on past the event: a full outage can hold its event
	 * channel back beyond the run's end) */
	e->indication = 0;
	e->indication_known = 0;
	for (int k = 0; k < r->in.nguest_seen; k++)
		if (bo_addr_eq(&r->in.guest_seen[k].target, t) && r->in.guest_seen[k].last > e->end)
			e->indication_known = 1;
	e->indication_netvsc = 0;
	for (int k = 0; k < r->in.nguest_net; k++)
		if (r->in.guest_net_link[k] && /* an address settling (IPv6 DAD) is no indication */
		    r->in.guest_net[k] >= e->start - BO_NS_PER_S && r->in.guest_net[k] <= e->end &&
		    (!r->in.guest_net_target[k].family ||
		     bo_addr_eq(&r->in.guest_net_target[k], t))) {
			if (!e->indication)
				e->indication = r->in.guest_net[k];
			e->indication_netvsc |= r->in.guest_net_netvsc[k];
		}
	if (e->indication)
		e->indication_known = 1;
	/* the guest's KVP host change: from the event's start to 2 s after its end (the responder
	 * looks at the file every 500 ms; Hyper-V writes it once the VM runs on the destination) */
	e->guest_host = -1;
	for (int k = 0; k < r->in.nguest_hosts && e->guest_host < 0; k++)
		if (bo_addr_eq(&r->in.guest_hosts[k].target, t) &&
		    r->in.guest_hosts[k].at >= e->start - BO_NS_PER_S &&
		    r->in.guest_hosts[k].at <= e->end + 2 * BO_NS_PER_S &&
		    r->in.guest_hosts[k].previous[0])
			e->guest_host = k;
	/* the network classified anew, from its start to 2 s after its end: the firewall's own
	 * account before the Network List Service's, then the one nearest its end */
	e->guest_profile = -1;
	for (int k = 0; k < r->in.nguest_profiles; k++) {
		const struct an_guest_profile *p = &r->in.guest_profiles[k], *b;
		if (!bo_addr_eq(&p->target, t) || p->at < e->start ||
		    p->at > e->end + 2 * BO_NS_PER_S)
			continue;
		b = e->guest_profile >= 0 ? &r->in.guest_profiles[e->guest_profile] : NULL;
		if (!b || p->firewall > b->firewall ||
		    (p->firewall == b->firewall && llabs(p->at - e->end) < llabs(b->at - e->end)))
			e->guest_profile = k;
	}
	e->fw_dropped = e->fw_quarantine = 0;
	for (int k = 0; k < e->nparts; k++) {
		const an_outage *x =
		        &r->eng.streams[e->parts[k].stream].outages[e->parts[k].outage];
		e->fw_dropped += x->fw_dropped;
		e->fw_quarantine += x->fw_quarantine;
	}
	evidence(r, e);
	int64_t from = e->start - AN_EVENT_LEAD > lo ? e->start - AN_EVENT_LEAD : lo;
	e->mark0 = e->nmarks = 0;
	for (int k = 0; k < r->in.nmarkers; k++)
		if (r->in.markers[k].ts > from && r->in.markers[k].ts <= e->end) {
			if (!e->nmarks)
				e->mark0 = k;
			e->nmarks++;
		}
}

int an_events(an_run *r, const an_settings *set)
{
	free(r->res.events);
	r->res.events = NULL;
	r->res.nevents = r->res.event_cap = 0;
	/* Each target once, at the head of its chain of streams (by_target names the last one
	 * added; next_same leads through the others). */
	for (int t = 0; t < r->eng.nstreams; t++) {
		const an_stream *first = &r->eng.streams[t];
		if (bo_addrmap_get(&r->eng.by_target, &first->target) != t)
			continue;
		int n = 0;
		for (int i = t; i >= 0; i = r->eng.streams[i].next_same)
			n += r->eng.streams[i].noutages;
		if (!n)
			continue;
		piece *p = malloc((size_t)n * sizeof *p);
		if (!p)
			return BO_ENOMEM;
		n = 0;
		for (int i = t; i >= 0; i = r->eng.streams[i].next_same) {
			const an_stream *s = &r->eng.streams[i];
			/* a stream that never answered says nothing (as for the run's verdict) */
			if (!s->answered)
				continue;
			for (int k = 0; k < s->noutages; k++)
				p[n++] = (piece){s->outages[k].start, end_of(r, &s->outages[k]), i,
				                 k};
		}
		qsort(p, (size_t)n, sizeof *p, by_start);
		an_event e;
		int open = 0;
		for (int i = 0; i <= n; i++) {
			if (open && (i == n || p[i].start > e.end + AN_EVENT_JOIN)) {
				finish(r, set, &e);
				if (add_event(r, &e) != 0) {
					free(p);
					return BO_ENOMEM;
				}
				open = 0;
			}
			if (i == n)
				break;
			if (!open) {
				memset(&e, 0, sizeof e);
				e.stream0 = t;
				e.start = p[i].start;
				e.end = p[i].end;
				open = 1;
			}
			if (e.nparts < AN_EVENT_PARTS)
				e.parts[e.nparts++] =
				        (struct an_event_part){p[i].stream, p[i].outage};
			else
				r->res.event_parts_dropped++;
			if (p[i].end > e.end)
				e.end = p[i].end;
		}
		free(p);
	}
	/* In time order over all targets. */
	for (int i = 1; i < r->res.nevents; i++)
		for (int k = i; k > 0 && r->res.events[k].start < r->res.events[k - 1].start; k--) {
			an_event tmp = r->res.events[k];
			r->res.events[k] = r->res.events[k - 1];
			r->res.events[k - 1] = tmp;
		}
	/* the markers in time order (the log has them so, but for a clock stepped between) */
	for (int i = 1; i < r->in.nmarkers; i++)
		for (int k = i; k > 0 && r->in.markers[k].ts < r->in.markers[k - 1].ts; k--) {
			an_marker tmp = r->in.markers[k];
			r->in.markers[k] = r->in.markers[k - 1];
			r->in.markers[k - 1] = tmp;
		}
	for (int i = 0; i < r->res.nevents; i++) {
		surroundings(r, i);
		/* the run's own clock fit is its main outage's event's: not across other
		 * migrations of the same target */
		if (r->res.events[i].main_stream == r->res.main_stream &&
		    r->res.events[i].main_outage == r->res.main_outage)
			r->res.clock = r->res.events[i].clock;
	}
	return 0;
}

int an_event_dark(const an_run *r, const an_event *e, int64_t *dark)
{
	int open = 0;
	*dark = 0;
	for (int i = 0; i < e->nparts; i++) {
		const an_outage *o =
		        &r->eng.streams[e->parts[i].stream].outages[e->parts[i].outage];
		int64_t d = o->next_ok ? o->duration : o->dmin;
		open |= !o->next_ok;
		if (d > *dark)
			*dark = d;
	}
	return open;
}

void an_event_hosts(const an_run *r, const an_event *e, const char **from, const char **to)
{
	const an_host_mig *m = e->host >= 0 ? &r->in.host[e->host] : NULL;
	const struct an_guest_host *g =
	        e->guest_host >= 0 ? &r->in.guest_hosts[e->guest_host] : NULL;
	*from = m && m->from_host[0] ? m->from_host : g ? g->previous : "";
	*to = m && m->to_host[0] ? m->to_host : g ? g->host : "";
}

void an_event_counts(const an_run *r, int counts[AN_NVERDICTS])
{
	memset(counts, 0, AN_NVERDICTS * sizeof counts[0]);
	for (int i = 0; i < r->res.nevents; i++)
		if (r->res.events[i].kind == AN_EV_MIGRATION)
			counts[r->res.events[i].j.verdict]++;
}
