/* The verdict of a migration, from its longest outage and the target's resume announcement,
 * against the reference figures: about 3 s for a normal quarantine, 7 s for the safety
 * timeout (both configurable). */
#include <stdio.h>
#include <string.h>

#include "an.h"
#include "bo_time.h"

static const char *announce_kind(const an_announce *a)
{
	return a->rarp         ? "RARP"
	       : a->ndp        ? "unsolicited NA"
	       : a->gratuitous ? "gratuitous ARP"
	                       : "ARP";
}

void an_verdict(an_run *r, const an_settings *set)
{
	r->main_stream = r->main_outage = -1;
	r->resume_ts = 0;
	r->resume_kind = NULL;
	int64_t longest = -1;
	int any_answered = 0;
	for (int i = 0; i < r->nstreams; i++)
		any_answered |= r->streams[i].answered > 0;
	for (int i = 0; i < r->nstreams; i++)
		for (int k = 0; k < r->streams[i].noutages; k++) {
			/* A stream that never answered says nothing about the migration (no
			 * reflector, a firewall rule missing): the text report lists it. */
			if (any_answered && !r->streams[i].answered)
				continue;
			const an_outage *o = &r->streams[i].outages[k];
			int64_t d = o->next_ok ? o->duration : r->last_ts - o->first_lost;
			if (d > longest) {
				longest = d;
				r->main_stream = i;
				r->main_outage = k;
			}
		}
	if (r->main_stream < 0) {
		int answered = 0;
		for (int i = 0; i < r->nstreams; i++)
			answered += r->streams[i].answered > 0;
		snprintf(r->verdict, sizeof r->verdict, "%s",
		         answered ? "no-blackout" : "anomalous");
		snprintf(r->reason, sizeof r->reason, "%s",
		         answered ? "every probe was answered" : "no probe was answered at all");
		return;
	}
	const an_stream *s = &r->streams[r->main_stream];
	const an_outage *o = &s->outages[r->main_outage];
	/* The first announcement from the target inside the outage marks the resume. */
	int64_t from = o->start_lo ? o->start_lo : o->first_lost;
	int64_t to = o->end_hi ? o->end_hi : r->last_ts;
	for (int i = 0; i < r->nannounce; i++)
		if (r->announces[i].ts > from && r->announces[i].ts <= to) {
			r->resume_ts = r->announces[i].ts;
			r->resume_kind = announce_kind(&r->announces[i]);
			break;
		}
	char d[32], p[32];
	bo_dur_str(o->duration, d, sizeof d);
	if (!o->next_ok) {
		snprintf(r->verdict, sizeof r->verdict, "anomalous");
		snprintf(r->reason, sizeof r->reason,
		         "%s still dark when the capture ended, %s after its first lost probe",
		         s->name, bo_dur_str(r->last_ts - o->first_lost, d, sizeof d));
		return;
	}
	int64_t post = r->resume_ts ? o->end - r->resume_ts : o->duration;
	const char *v;
	if (post <= set->switchover)
		v = "switchover-only";
	else if (post < (set->normal + set->timeout) / 2)
		v = "quarantine-normal";
	else if (post <= set->timeout + (set->timeout - set->normal) / 2)
		v = "quarantine-safety-timeout";
	else
		v = "anomalous";
	snprintf(r->verdict, sizeof r->verdict, "%s", v);
	char n[32], t[32];
	bo_dur_str(set->normal, n, sizeof n);
	bo_dur_str(set->timeout, t, sizeof t);
	char when[64];
	if (post > 0)
		snprintf(when, sizeof when, "%s after", bo_dur_str(post, p, sizeof p));
	else /* the first answered probe went out before the announcement was captured */
		snprintf(when, sizeof when, "together with");
	if (r->resume_ts)
		snprintf(r->reason, sizeof r->reason,
		         "%s dark %s; recovered %s the guest's %s (resume) -> %s", s->name, d, when,
		         r->resume_kind,
		         !strcmp(v, "switchover-only")     ? "no quarantine after resume"
		         : !strcmp(v, "quarantine-normal") ? "near the normal quarantine figure"
		         : !strcmp(v, "quarantine-safety-timeout")
		                 ? "near the safety timeout"
		                 : "longer than any reference figure");
	else
		snprintf(r->reason, sizeof r->reason,
		         "%s dark %s; no resume announcement seen, so judged on the whole outage "
		         "(references: normal %s, safety timeout %s)",
		         s->name, d, n, t);
	/* The established flow beside it: a quarantine lets it pass. */
	for (int i = 0; i < r->nstreams; i++) {
		const an_stream *e = &r->streams[i];
		if (!(e->desc->flags & BO_STREAM_BYTES) || !bo_addr_eq(&e->target, &s->target) ||
		    !e->answered)
			continue;
		int64_t held = 0;
		for (int k = 0; k < e->nstalls; k++)
			held = e->stalls[k].max_delay > held ? e->stalls[k].max_delay : held;
		char h[32];
		size_t len = strlen(r->reason);
		if (!e->lost)
			snprintf(r->reason + len, sizeof r->reason - len,
			         "; established TCP unaffected (echoes held up %s at most)",
			         held ? bo_dur_str(held, h, sizeof h) : "not at all");
		else
			snprintf(r->reason + len, sizeof r->reason - len,
			         "; established TCP lost %llu frames too",
			         (unsigned long long)e->lost);
		break;
	}
	/* The phases, when the guest's capture saw lost probes arrive. */
	if (o->first_arrival && an_attribution(r, s, o)) {
		char a[32], b[32], c[32], more[200] = "";
		int64_t unsure = an_guest_blind(r, o->start, o->first_arrival);
		if (unsure)
			snprintf(more, sizeof more,
			         ", or up to %s less: the guest's capture was down",
			         bo_dur_str(unsure, c, sizeof c));
		size_t len = strlen(r->reason);
		snprintf(r->reason + len, sizeof r->reason - len,
		         "; probes reached the guest again %s in (pause%s), then the guest dropped "
		         "them for %s (quarantine)",
		         bo_dur_str(o->first_arrival - o->start, a, sizeof a), more,
		         bo_dur_str(o->end - o->first_arrival, b, sizeof b));
	}
	/* The guest firewall's own account (Windows WFP). */
	const int64_t *q = an_guest_quarantine(r, o->start, o->end);
	if (q) {
		char a[32], b[32];
		size_t len = strlen(r->reason);
		if (q[1])
			snprintf(r->reason + len, sizeof r->reason - len,
			         "; the guest's firewall held the interface in quarantine for %s "
			         "(WFP), lifted %s before the probes' outage ended",
			         bo_dur_str(q[1] - q[0], a, sizeof a),
			         bo_dur_str(o->end - q[1], b, sizeof b));
		else
			snprintf(
			        r->reason + len, sizeof r->reason - len,
			        "; the guest's firewall still had the interface in quarantine when "
			        "the run ended (WFP)");
	}
}
