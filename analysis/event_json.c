/* SPDX-License-Identifier: Apache-2.0 */
/* A migration event and the parts of the results it shares with the report, as JSON: what
 * the report (migrations[], verdict) and the records (--records) both write, so neither output
 * module needs the other. Formats in docs/formats.md. */
#include <stdlib.h>

#include "an.h"
#include "bo_time.h"

json_t *an_json_ns(int64_t v)
{
	return v ? json_integer((json_int_t)v) : json_null();
}

json_t *an_json_str(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

json_t *an_phases_json(const struct an_phases *p)
{
	if (!p->have)
		return json_null();
	return json_pack("{s:I, s:I, s:I, s:I}", "pause_ns", (json_int_t)p->pause, "quarantine_ns",
	                 (json_int_t)p->quarantine, "resume_ns", (json_int_t)p->resume,
	                 "resume_uncertainty_ns", (json_int_t)p->resume_unsure);
}

json_t *an_clock_json(const struct an_clock_result *c)
{
	if (!c->have_before && !c->have_after)
		return json_null();
	json_t *cl = json_object();
	json_object_set_new(cl, "offset_before_ns",
	                    c->have_before ? json_integer(c->before) : json_null());
	json_object_set_new(cl, "offset_before_err_ns",
	                    c->have_before ? json_integer(c->before_err) : json_null());
	json_object_set_new(cl, "offset_after_ns",
	                    c->have_after ? json_integer(c->after) : json_null());
	json_object_set_new(cl, "offset_after_err_ns",
	                    c->have_after ? json_integer(c->after_err) : json_null());
	json_object_set_new(cl, "step_ns", c->both ? json_integer(c->step) : json_null());
	json_object_set_new(cl, "stepped", c->both ? json_boolean(c->stepped) : json_null());
	return cl;
}

json_t *an_evidence_json(unsigned evidence)
{
	json_t *a = json_array();
	for (int i = 0; i < AN_NEVIDENCE; i++)
		if (evidence & 1u << i)
			json_array_append_new(a, json_string(an_evidence_names[i]));
	return a;
}

json_t *an_event_json(const an_run *r, int i)
{
	const an_event *e = &r->res.events[i];
	const an_stream *t = &r->eng.streams[e->stream0];
	char iso[BO_TIME_ISO_LEN];
	json_t *streams = json_array();
	for (int k = 0; k < e->nparts; k++) {
		const an_stream *s = &r->eng.streams[e->parts[k].stream];
		const an_outage *o = &s->outages[e->parts[k].outage];
		json_t *p = json_pack("{s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I}", "stream", s->name,
		                      "outage", e->parts[k].outage, "start_hi_ns",
		                      (json_int_t)o->start_hi, "end_lo_ns", (json_int_t)o->end_lo,
		                      "duration_ns", (json_int_t)o->duration, "duration_min_ns",
		                      (json_int_t)o->dmin, "duration_max_ns", (json_int_t)o->dmax,
		                      "lost", (json_int_t)o->lost);
		json_object_set_new(p, "start_lo_ns", an_json_ns(o->start_lo));
		json_object_set_new(p, "end_hi_ns", an_json_ns(o->end_hi));
		json_object_set_new(p, "open", json_boolean(!o->next_ok || !o->prev_ok));
		json_object_set_new(p, "at_least_ns",
		                    o->next_ok ? json_null() : json_integer((json_int_t)(o->dmin)));
		json_array_append_new(streams, p);
	}
	json_t *j = json_pack(
	        "{s:i, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:o}", "id", i + 1, "kind",
	        e->kind == AN_EV_MIGRATION ? "migration" : "loss", "target", t->target_str,
	        "start_ns", (json_int_t)e->start, "end_ns", (json_int_t)e->end, "start_utc",
	        bo_time_iso(e->start, iso, sizeof iso), "verdict", an_verdict_names[e->j.verdict],
	        "reason", e->j.reason, "streams", streams);
	/* what the verdict rests on: the dark time alone names no cause */
	json_object_set_new(j, "evidence", an_evidence_json(e->evidence));
	json_object_set_new(j, "duration_alone", json_boolean(an_evidence_duration_alone(e)));
	json_object_set_new(j, "main_stream", json_string(r->eng.streams[e->main_stream].name));
	json_object_set_new(j, "dark_ns",
	                    json_integer((json_int_t)r->eng.streams[e->main_stream]
	                                         .outages[e->main_outage]
	                                         .duration));
	json_object_set_new(j, "resume_ns", an_json_ns(e->j.resume_ts));
	json_object_set_new(j, "resume_kind",
	                    e->j.resume_code ? json_string(e->j.resume_code) : json_null());
	json_object_set_new(j, "resume_label",
	                    e->j.resume_kind ? json_string(e->j.resume_kind) : json_null());
	const char *why = an_attribution_names[e->attribution];
	json_object_set_new(j, "attribution", why ? json_string(why) : json_null());
	json_object_set_new(j, "phases", an_phases_json(&e->phases));
	json_object_set_new(j, "clock", an_clock_json(&e->clock));
	json_t *marks = json_array();
	for (int k = e->mark0; k < e->mark0 + e->nmarks; k++)
		json_array_append_new(marks,
		                      json_pack("{s:s, s:s, s:I}", "kind", r->in.markers[k].kind,
		                                "label", r->in.markers[k].label, "ts_ns",
		                                (json_int_t)r->in.markers[k].ts));
	json_object_set_new(j, "markers", marks);
	/* the guest's own evidence: did a network-change indication reach it, and what did its
	 * firewall drop (null when the guest did not say, or its account stops before the end) */
	json_object_set_new(j, "indication_ns", an_json_ns(e->indication));
	json_object_set_new(j, "indication",
	                    !e->indication_known ? json_null() : json_boolean(e->indication != 0));
	json_object_set_new(j, "indication_source",
	                    !e->indication         ? json_null()
	                    : e->indication_netvsc ? json_string("netvsc")
	                                           : json_string("network-event"));
	json_object_set_new(j, "firewall_dropped",
	                    r->in.have_fwlog ? json_integer((json_int_t)e->fw_dropped)
	                                     : json_null());
	json_object_set_new(j, "firewall_dropped_quarantine",
	                    r->in.have_fwlog ? json_integer((json_int_t)e->fw_quarantine)
	                                     : json_null());
	/* the network classified anew (NetworkProfile, firewall 2010): what ended it */
	const struct an_guest_profile *gp =
	        e->guest_profile >= 0 ? &r->in.guest_profiles[e->guest_profile] : NULL;
	json_object_set_new(j, "profile_change",
	                    gp ? json_pack("{s:s, s:I}", "what", gp->what, "after_start_ns",
	                                   (json_int_t)(gp->at - e->start))
	                       : json_null());
	json_object_set_new(j, "tcp_est_held_ns",
	                    e->held >= 0 ? json_integer((json_int_t)e->held) : json_null());
	/* the guest's own account of the hosts (Hyper-V's KVP host name, changed in it) */
	const struct an_guest_host *gh =
	        e->guest_host >= 0 ? &r->in.guest_hosts[e->guest_host] : NULL;
	json_object_set_new(j, "guest_host",
	                    gh ? json_pack("{s:s, s:s, s:I}", "from", gh->previous, "to", gh->host,
	                                   "at_ns", (json_int_t)gh->at)
	                       : json_null());
	json_t *hv = json_null();
	if (e->host >= 0) {
		const an_host_mig *m = &r->in.host[e->host];
		hv = json_pack("{s:s, s:s, s:s}", "source", m->source, "vm", m->vm, "mode",
		               m->mode);
		json_object_set_new(hv, "downtime_ns",
		                    m->downtime >= 0 ? json_integer((json_int_t)m->downtime)
		                                     : json_null());
		int64_t dark = r->eng.streams[e->main_stream].outages[e->main_outage].duration;
		json_object_set_new(hv, "beyond_downtime_ns",
		                    m->downtime >= 0
		                            ? json_integer((json_int_t)(dark - m->downtime))
		                            : json_null());
		json_object_set_new(hv, "from_host", an_json_str(m->from_host));
		json_object_set_new(hv, "to_host", an_json_str(m->to_host));
		json_object_set_new(hv, "to_host_fixed",
		                    m->to_fixed < 0 ? json_null() : json_boolean(m->to_fixed));
		json_object_set_new(hv, "logged_by", an_json_str(m->logged_by));
		json_object_set_new(hv, "stop_ns", an_json_ns(m->stop));
		json_object_set_new(hv, "resume_ns", an_json_ns(m->resume));
	}
	json_object_set_new(j, "hypervisor", hv);
	return j;
}
