/* SPDX-License-Identifier: Apache-2.0 */
/* The verdict of a migration, from its longest outage and the target's resume announcement,
 * against the reference figures: about 3 s for a normal quarantine, 7 s for the safety
 * timeout (both configurable). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an.h"
#include "bo_time.h"

const char *const an_verdict_names[AN_NVERDICTS] = {
        [AN_V_NO_BLACKOUT] = "no-blackout",
        [AN_V_SWITCHOVER] = "switchover-only",
        [AN_V_QUARANTINE_NORMAL] = "quarantine-normal",
        [AN_V_QUARANTINE_TIMEOUT] = "quarantine-safety-timeout",
        [AN_V_ANOMALOUS] = "anomalous",
        [AN_V_FULL_OUTAGE] = "full-outage",
};

/* What the reason says after "-> " for a verdict judged from the resume. */
static const char *const verdict_gloss[AN_NVERDICTS] = {
        [AN_V_SWITCHOVER] = "no quarantine after resume",
        [AN_V_QUARANTINE_NORMAL] = "near the normal quarantine figure",
        [AN_V_QUARANTINE_TIMEOUT] = "near the safety timeout",
        [AN_V_ANOMALOUS] = "longer than any reference figure",
        [AN_V_FULL_OUTAGE] = "not a quarantine: everything was dark",
};

int an_verdict_parse(const char *s)
{
	size_t lf = strlen(s);
	for (int v = 0; v < AN_NVERDICTS; v++) {
		size_t lv = strlen(an_verdict_names[v]);
		if (lf && lf <= lv && !strcmp(an_verdict_names[v] + lv - lf, s))
			return v;
	}
	return -1;
}

int an_verdict_ok(int v)
{
	return v == AN_V_NO_BLACKOUT || v == AN_V_SWITCHOVER || v == AN_V_QUARANTINE_NORMAL;
}

uint64_t an_probes_dropped(const an_run *r)
{
	uint64_t n = 0;
	for (int i = 0; i < r->eng.nstreams; i++)
		n += r->eng.streams[i].dropped;
	return n;
}

const an_outage *an_main_outage(const an_run *r)
{
	return r->res.main_stream >= 0
	               ? &r->eng.streams[r->res.main_stream].outages[r->res.main_outage]
	               : NULL;
}

/* What follows from the verdict's outage, once, for every output: per outage what the guest
 * saw, the main outage's phases, the clock fit around it, the guest firewall's window. */
static void derive(an_run *r)
{
	for (int i = 0; i < r->eng.nstreams; i++)
		for (int k = 0; k < r->eng.streams[i].noutages; k++) {
			an_outage *o = &r->eng.streams[i].outages[k];
			o->attribution = (uint8_t)an_attribution(r, &r->eng.streams[i], o);
			o->guest_down = o->attribution ? an_guest_blind(r, o->start, o->end) : 0;
		}
	memset(&r->res.phases, 0, sizeof r->res.phases);
	memset(&r->res.clock, 0, sizeof r->res.clock);
	r->res.quarantine = NULL;
	const an_outage *o = an_main_outage(r);
	if (!o)
		return;
	an_clock_fit(r, r->res.main_stream, r->res.main_outage, INT64_MIN, INT64_MAX,
	             &r->res.clock);
	an_phases_of(r, o, &r->res.phases);
	r->res.quarantine = an_guest_quarantine(r, o->start, o->end);
}

void an_phases_of(const an_run *r, const an_outage *o, struct an_phases *p)
{
	memset(p, 0, sizeof *p);
	if (o->first_arrival && o->next_ok)
		*p = (struct an_phases){1, o->first_arrival - o->start, o->end - o->first_arrival,
		                        o->first_arrival,
		                        an_guest_blind(r, o->start, o->first_arrival)};
}

static void judge(an_run *r, const an_settings *set);

void an_verdict(an_run *r, const an_settings *set)
{
	judge(r, set);
	derive(r);
}

/* The announcements' codes and labels, one table. */
static const struct {
	const char *code, *label;
} announce_names[] = {
        {"arp", "ARP"}, {"garp", "gratuitous ARP"}, {"rarp", "RARP"}, {"na", "unsolicited NA"}};

static int announce_type(const an_announce *a)
{
	return a->rarp ? 2 : a->ndp ? 3 : a->gratuitous ? 1 : 0;
}

const char *an_announce_code(const an_announce *a)
{
	return announce_names[announce_type(a)].code;
}

const char *an_announce_label(const an_announce *a)
{
	return announce_names[announce_type(a)].label;
}

const an_stream *an_est_stall(const an_run *r, const bo_addr *target, int64_t from, int64_t to,
                              int64_t *held, int64_t *covered)
{
	*held = *covered = 0;
	for (int i = 0; i < r->eng.nstreams; i++) {
		const an_stream *e = &r->eng.streams[i];
		if (!(e->desc->flags & BO_STREAM_BYTES) || !bo_addr_eq(&e->target, target) ||
		    !e->answered)
			continue;
		for (int k = 0; k < e->u.bytes.nstalls; k++) {
			const struct an_stall *st = &e->u.bytes.stalls[k];
			if (st->first_send > to || st->last_reply < from)
				continue;
			if (st->max_delay > *held)
				*held = st->max_delay;
			/* how much of [from, to] it covered: a full outage's stall covers it all */
			int64_t a = st->first_send > from ? st->first_send : from;
			int64_t b = st->last_reply < to ? st->last_reply : to;
			if (b - a > *covered)
				*covered = b - a;
		}
		return e;
	}
	return NULL;
}

/* The verdict of one outage (the longest of a migration event, or of the run): the resume is
 * the target's first announcement inside it, the dark time after the resume is held against the
 * reference figures, and the established flow beside it tells a quarantine (it passes) from a
 * full outage (it stalls as long). */
void an_judge_outage(const an_run *r, const an_settings *set, int stream, int outage,
                     an_judgement *j)
{
	const an_stream *s = &r->eng.streams[stream];
	const an_outage *o = &s->outages[outage];
	char *reason = j->reason;
	size_t reason_len = sizeof j->reason;
	j->resume_ts = 0;
	j->resume_kind = j->resume_code = NULL;
	/* The first announcement from the target inside the outage marks the resume. */
	int64_t from = o->start_lo ? o->start_lo : o->first_lost;
	int64_t to = o->end_hi ? o->end_hi : r->eng.last_ts;
	/* ...from the main stream's target (the others' migrations have their own). */
	int target = bo_addrmap_get(&r->eng.by_target, &s->target);
	for (int i = 0; i < r->eng.nannounce; i++)
		if (r->eng.announces[i].ts > from && r->eng.announces[i].ts <= to &&
		    (r->eng.announces[i].target < 0 || r->eng.announces[i].target == target)) {
			j->resume_ts = r->eng.announces[i].ts;
			j->resume_kind = an_announce_label(&r->eng.announces[i]);
			j->resume_code = an_announce_code(&r->eng.announces[i]);
			break;
		}
	char d[32], p[32];
	bo_dur_str(o->duration, d, sizeof d);
	if (!o->next_ok) {
		j->verdict = AN_V_ANOMALOUS;
		snprintf(reason, reason_len,
		         "%s still dark when the capture ended, %s after its first lost probe",
		         s->name, bo_dur_str(r->eng.last_ts - o->first_lost, d, sizeof d));
		return;
	}
	/* The established flow beside it: a quarantine lets it pass, so how much of the outage
	 * one of its stalls covered tells the two apart. */
	int64_t held, covered;
	const an_stream *est = an_est_stall(r, &s->target, from, o->end_hi, &held, &covered);
	int64_t post = j->resume_ts ? o->end - j->resume_ts : o->duration;
	int v;
	if (post <= set->switchover)
		v = AN_V_SWITCHOVER;
	else if (est && covered >= (o->duration / 10 * 9 > set->switchover ? o->duration / 10 * 9
	                                                                   : set->switchover))
		v = AN_V_FULL_OUTAGE; /* TCP resends until the path opens: it stalls (nearly) as
		                       * long as a full outage, through a quarantine far shorter */
	else if (post < (set->normal + set->timeout) / 2)
		v = AN_V_QUARANTINE_NORMAL;
	else if (post <= set->timeout + (set->timeout - set->normal) / 2)
		v = AN_V_QUARANTINE_TIMEOUT;
	else
		v = AN_V_ANOMALOUS;
	j->verdict = v;
	char n[32], t[32];
	bo_dur_str(set->normal, n, sizeof n);
	bo_dur_str(set->timeout, t, sizeof t);
	char when[64];
	if (post > 0)
		snprintf(when, sizeof when, "%s after", bo_dur_str(post, p, sizeof p));
	else /* the first answered probe went out before the announcement was captured */
		snprintf(when, sizeof when, "together with");
	if (j->resume_ts)
		snprintf(reason, reason_len,
		         "%s dark %s; recovered %s the guest's %s (resume) -> %s", s->name, d, when,
		         j->resume_kind, verdict_gloss[v]);
	else
		snprintf(reason, reason_len,
		         "%s dark %s; no resume announcement seen, so judged on the whole outage "
		         "(references: normal %s, safety timeout %s)%s",
		         s->name, d, n, t, v == AN_V_FULL_OUTAGE ? " -> not a quarantine" : "");
	if (est) {
		char h[32];
		size_t len = strlen(reason);
		if (v == AN_V_FULL_OUTAGE)
			snprintf(reason + len, reason_len - len,
			         "; established TCP stalled as well (echoes held up %s): a "
			         "quarantine "
			         "lets established flows pass, so the network or the VM was dark",
			         bo_dur_str(held, h, sizeof h));
		else if (held) /* a stall, if shorter than the outage: never "unaffected" */
			snprintf(reason + len, reason_len - len,
			         "; established TCP held up %s, not through the whole outage",
			         bo_dur_str(held, h, sizeof h));
		else
			snprintf(reason + len, reason_len - len,
			         "; established TCP unaffected (no echo held up %s or more)",
			         bo_dur_str(an_stall_bound(est), h, sizeof h));
	}
	/* The phases, when the guest's capture saw lost probes arrive. */
	if (o->first_arrival && an_attribution(r, s, o)) {
		char a[32], b[32], c[32], more[200] = "";
		int64_t unsure = an_guest_blind(r, o->start, o->first_arrival);
		if (unsure)
			snprintf(more, sizeof more,
			         ", or up to %s less: the guest's capture was down",
			         bo_dur_str(unsure, c, sizeof c));
		size_t len = strlen(reason);
		snprintf(reason + len, reason_len - len,
		         "; probes reached the guest again %s in (pause%s), then the guest dropped "
		         "them for %s (quarantine)",
		         bo_dur_str(o->first_arrival - o->start, a, sizeof a), more,
		         bo_dur_str(o->end - o->first_arrival, b, sizeof b));
	}
	/* The guest firewall's log of its drops (--fw-log): which lost probes it dropped. */
	if (r->in.have_fwlog && o->lost) {
		size_t len = strlen(reason);
		snprintf(reason + len, reason_len - len,
		         "; the guest's firewall logged dropping %llu of its %llu lost probes",
		         (unsigned long long)o->fw_dropped, (unsigned long long)o->lost);
		len = strlen(reason);
		if (o->fw_quarantine)
			snprintf(reason + len, reason_len - len,
			         ", %llu of them by the quarantine's filters (WFP)",
			         (unsigned long long)o->fw_quarantine);
	}
	/* The guest firewall's own account (Windows WFP). */
	const int64_t *q = an_guest_quarantine(r, o->start, o->end);
	if (q) {
		char a[32], b[32];
		size_t len = strlen(reason);
		if (q[1])
			snprintf(reason + len, reason_len - len,
			         "; the guest's firewall held the interface in quarantine for %s "
			         "(WFP), lifted %s %s the probes' outage ended",
			         bo_dur_str(q[1] - q[0], a, sizeof a),
			         bo_dur_str(llabs(o->end - q[1]), b, sizeof b),
			         o->end >= q[1] ? "before" : "after");
		else
			snprintf(
			        reason + len, reason_len - len,
			        "; the guest's firewall still had the interface in quarantine when "
			        "the run ended (WFP)");
	}
}

static void judge(an_run *r, const an_settings *set)
{
	r->res.main_stream = r->res.main_outage = -1;
	r->res.resume_ts = 0;
	r->res.resume_kind = r->res.resume_code = NULL;
	int64_t longest = -1;
	for (int i = 0; i < r->eng.nstreams; i++)
		for (int k = 0; k < r->eng.streams[i].noutages; k++) {
			/* A stream that never answered says nothing about the migration (no
			 * reflector, a firewall rule missing, replies the capture cut): the text
			 * report lists it as left out, and nothing rests on it. */
			if (!r->eng.streams[i].answered)
				continue;
			const an_outage *o = &r->eng.streams[i].outages[k];
			int64_t d = o->next_ok ? o->duration : r->eng.last_ts - o->first_lost;
			if (d > longest) {
				longest = d;
				r->res.main_stream = i;
				r->res.main_outage = k;
			}
		}
	if (r->res.main_stream < 0) {
		int answered = 0;
		for (int i = 0; i < r->eng.nstreams; i++)
			answered += r->eng.streams[i].answered > 0;
		r->res.verdict = answered ? AN_V_NO_BLACKOUT : AN_V_ANOMALOUS;
		snprintf(r->res.reason, sizeof r->res.reason, "%s",
		         answered ? "every probe was answered" : "no probe was answered at all");
		return;
	}
	an_judgement j;
	an_judge_outage(r, set, r->res.main_stream, r->res.main_outage, &j);
	r->res.verdict = j.verdict;
	r->res.resume_ts = j.resume_ts;
	r->res.resume_kind = j.resume_kind;
	r->res.resume_code = j.resume_code;
	snprintf(r->res.reason, sizeof r->res.reason, "%s", j.reason);
}
