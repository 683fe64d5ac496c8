/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON report (format documented in docs/formats.md). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "an.h"
#include "bo_fs.h"
#include "bo_time.h"

int an_write_json(json_t *j, const char *path)
{
	if (path[0] == '-' && !path[1])
		return json_dumpf(j, stdout, JSON_INDENT(2)) | (fputc('\n', stdout) == EOF);
	/* Written beside its place and renamed over it (bo_fs_out): a link planted in a run
	 * directory is replaced, never written through. */
	bo_fs_out o;
	int rc = bo_fs_out_open(&o, path);
	if (rc == 0) {
		json_dumpf(j, o.f, JSON_INDENT(2));
		fputc('\n', o.f);
		rc = bo_fs_out_commit(&o);
	}
	if (rc != 0)
		fprintf(stderr, "blackout-analyze: cannot write %s: %s\n", path, strerror(errno));
	return rc;
}

static json_t *outage_json(const an_run *r, const an_stream *s, const an_outage *o)
{
	json_t *j = json_object();
	(void)s;
	const char *why = an_attribution_names[o->attribution];
	json_object_set_new(j, "first_seq", json_integer(o->first_seq));
	json_object_set_new(j, "last_seq", json_integer(o->last_seq));
	json_object_set_new(j, "guest_arrived",
	                    r->in.have_guest ? json_integer((json_int_t)o->arrived) : json_null());
	json_object_set_new(j, "firewall_dropped",
	                    r->in.have_fwlog ? json_integer((json_int_t)o->fw_dropped)
	                                     : json_null());
	json_object_set_new(j, "first_guest_arrival_ns", an_json_ns(o->first_arrival));
	json_object_set_new(j, "attribution", why ? json_string(why) : json_null());
	json_object_set_new(j, "guest_capture_down_ns",
	                    why ? json_integer((json_int_t)o->guest_down) : json_null());
	json_object_set_new(j, "lost", json_integer((json_int_t)o->lost));
	json_object_set_new(j, "blind", json_integer((json_int_t)o->blind));
	json_object_set_new(j, "open", json_boolean(!o->next_ok || !o->prev_ok));
	/* still dark at the capture's end: its duration is partial; it lasted at least this */
	json_object_set_new(j, "at_least_ns",
	                    o->next_ok ? json_null() : json_integer((json_int_t)(o->dmin)));
	json_object_set_new(j, "prev_ok_send_ns", an_json_ns(o->prev_ok));
	json_object_set_new(j, "first_lost_send_ns", json_integer((json_int_t)o->first_lost));
	json_object_set_new(j, "last_lost_send_ns", json_integer((json_int_t)o->last_lost));
	json_object_set_new(j, "next_ok_send_ns", an_json_ns(o->next_ok));
	json_object_set_new(j, "start_lo_ns", an_json_ns(o->start_lo));
	json_object_set_new(j, "start_hi_ns", json_integer((json_int_t)o->start_hi));
	json_object_set_new(j, "start_ns", json_integer((json_int_t)o->start));
	json_object_set_new(j, "end_lo_ns", json_integer((json_int_t)o->end_lo));
	json_object_set_new(j, "end_hi_ns", an_json_ns(o->end_hi));
	json_object_set_new(j, "end_ns", json_integer((json_int_t)o->end));
	json_object_set_new(j, "duration_ns", json_integer((json_int_t)o->duration));
	json_object_set_new(j, "duration_min_ns", json_integer((json_int_t)o->dmin));
	json_object_set_new(j, "duration_max_ns", an_json_ns(o->dmax));
	json_object_set_new(j, "rtt_before_ns", an_json_ns(o->rtt_before));
	json_object_set_new(j, "rtt_after_ns", an_json_ns(o->rtt_after));
	return j;
}

static json_t *stream_json(const an_run *r, const an_stream *s)
{
	json_t *outs = json_array();
	for (int i = 0; i < s->noutages; i++)
		json_array_append_new(outs, outage_json(r, s, &s->outages[i]));
	json_t *j = json_pack("{s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	                      "stream", s->name, "target", s->target_str, "keyed", s->keyed,
	                      "interval_ns", (json_int_t)s->interval, "sent", (json_int_t)s->sent,
	                      "answered", (json_int_t)s->answered, "lost", (json_int_t)s->lost,
	                      "duplicates", (json_int_t)s->dups, "late", (json_int_t)s->late,
	                      "reordered", (json_int_t)s->reordered, "blind", (json_int_t)s->blind,
	                      "unresolved", (json_int_t)s->unresolved);
	/* of sent, answered and lost: the probes off the schedule (the outage spacing) */
	json_t *fast = json_null();
	if (s->scheduled)
		fast = json_pack("{s:I, s:I, s:I}", "sent", (json_int_t)s->sent_fast, "answered",
		                 (json_int_t)s->answered_fast, "lost", (json_int_t)s->lost_fast);
	json_object_set_new(j, "outage_rate", fast);
	int echo = s->desc->kind == BO_MATCH_ECHO;
	json_object_set_new(j, "icmp_id", echo ? json_integer(s->inst.icmp_id) : json_null());
	json_object_set_new(j, "icmp_seq_order",
	                    echo && !s->keyed ? json_string(s->seq_le ? "le" : "be") : json_null());
	json_object_set_new(j, "icmp_seq_repeated",
	                    echo && !s->keyed ? json_integer((json_int_t)s->repeated)
	                                      : json_null());
	json_object_set_new(j, "port",
	                    s->desc->kind == BO_MATCH_SYN && !s->keyed
	                            ? json_integer(s->inst.tcp_port)
	                            : json_null());
	json_object_set_new(j, "rtt_min_ns", an_json_ns(s->rtt_min));
	json_object_set_new(j, "rtt_mean_ns",
	                    an_json_ns(s->answered ? s->rtt_sum / (int64_t)s->answered : 0));
	json_object_set_new(j, "rtt_max_ns", an_json_ns(s->rtt_max));
	json_object_set_new(j, "schedule_error", an_hist_json(s->sched));
	json_t *st = json_null();
	if (s->desc->flags & BO_STREAM_BYTES) {
		json_t *arr = json_array();
		for (int i = 0; i < s->u.bytes.nstalls; i++)
			json_array_append_new(
			        arr, json_pack("{s:I, s:I, s:I, s:i, s:b}", "first_send_ns",
			                       (json_int_t)s->u.bytes.stalls[i].first_send,
			                       "last_echo_ns",
			                       (json_int_t)s->u.bytes.stalls[i].last_reply,
			                       "max_delay_ns",
			                       (json_int_t)s->u.bytes.stalls[i].max_delay, "frames",
			                       (int)s->u.bytes.stalls[i].frames, "open",
			                       s->u.bytes.stalls[i].open));
		st = json_pack("{s:I, s:o, s:I}", "retransmitted_segments",
		               (json_int_t)s->u.bytes.retransmits, "stalls", arr, "more_stalls",
		               (json_int_t)s->u.bytes.more_stalls);
	}
	json_object_set_new(j, "tcp", st);
	json_object_set_new(j, "outages", outs);
	return j;
}

/* The lab's truth against what was measured, for the first stream of each name that had an
 * outage. */
static json_t *lab_json(const an_run *r)
{
	json_t *arr = json_array();
	for (int i = 0; i < r->in.ntruth; i++) {
		const an_truth *t = &r->in.truth[i];
		const an_outage *o = NULL;
		const bo_stream_desc *d = bo_stream_by_name(t->stream);
		for (int k = 0; k < r->eng.nstreams && !o; k++)
			if (r->eng.streams[k].desc == d)
				o = an_stream_longest(&r->eng.streams[k]);
		json_t *j = json_pack("{s:s, s:[I,I], s:[I,I], s:I, s:s, s:b}", "stream", t->stream,
		                      "truth_start_ns", (json_int_t)t->start[0],
		                      (json_int_t)t->start[1], "truth_end_ns",
		                      (json_int_t)t->end[0], (json_int_t)t->end[1],
		                      "truth_duration_ns", (json_int_t)t->duration,
		                      "expected_verdict", t->verdict, "measured", o != NULL);
		if (o) {
			int sin, ein;
			an_truth_inside(t, o, &sin, &ein);
			json_object_set_new(j, "start_inside", json_boolean(sin));
			json_object_set_new(j, "end_inside", json_boolean(ein));
			json_object_set_new(j, "duration_error_ns",
			                    json_integer((json_int_t)(o->duration - t->duration)));
		}
		json_array_append_new(arr, j);
	}
	return json_pack("{s:s, s:o}", "scenario", r->in.lab_scenario, "streams", arr);
}

static json_t *time_or_null(int64_t ns)
{
	return ns ? json_integer((json_int_t)ns) : json_null();
}

static json_t *dur_or_null(int64_t ns)
{
	return ns >= 0 ? json_integer((json_int_t)ns) : json_null();
}

/* The hypervisor's migrations, each with the outages it made. */
static json_t *host_json(const an_run *r)
{
	json_t *migs = json_array();
	for (int i = 0; i < r->in.nhost; i++) {
		const an_host_mig *m = &r->in.host[i];
		char t[48];
		json_t *streams = json_array();
		for (int k = 0; k < r->eng.nstreams && k < AN_HOST_STREAMS; k++) {
			if (m->outage[k] < 0)
				continue;
			const an_stream *s = &r->eng.streams[k];
			const an_outage *o = &s->outages[m->outage[k]];
			json_t *e = json_pack("{s:s, s:s, s:i, s:I}", "stream", s->name, "target",
			                      s->target_str, "outage", m->outage[k], "dark_ns",
			                      (json_int_t)o->duration);
			json_object_set_new(
			        e, "beyond_downtime_ns",
			        m->downtime >= 0
			                ? json_integer((json_int_t)(o->duration - m->downtime))
			                : json_null());
			json_object_set_new(e, "stop_in_start_bounds",
			                    m->stop ? json_boolean(m->stop > o->start_lo &&
			                                           m->stop <= o->start_hi)
			                            : json_null());
			json_object_set_new(e, "end_after_resume",
			                    m->resume && o->end_hi
			                            ? json_boolean(o->end_hi > m->resume)
			                            : json_null());
			json_array_append_new(streams, e);
		}
		int k = -1;
		int64_t dark = an_host_dark(r, m, &k);
		json_t *e = json_pack("{s:s, s:s, s:s}", "source", m->source, "vm", m->vm, "mode",
		                      m->mode);
		json_object_set_new(e, "target",
		                    m->have_target
		                            ? json_string(bo_addr_str(&m->target, t, sizeof t))
		                            : json_null());
		json_object_set_new(e, "from_host", an_json_str(m->from_host));
		json_object_set_new(e, "to_host", an_json_str(m->to_host));
		json_object_set_new(e, "logged_by", an_json_str(m->logged_by));
		json_object_set_new(e, "event_id",
		                    m->event_id ? json_integer(m->event_id) : json_null());
		json_object_set_new(e, "stop_ns", time_or_null(m->stop));
		json_object_set_new(e, "resume_ns", time_or_null(m->resume));
		json_object_set_new(e, "end_ns", time_or_null(m->end));
		json_object_set_new(e, "downtime_ns", dur_or_null(m->downtime));
		json_object_set_new(e, "total_ns", dur_or_null(m->total));
		json_object_set_new(e, "network_dark_ns", dur_or_null(dark));
		json_object_set_new(e, "network_dark_stream",
		                    k >= 0 ? json_string(r->eng.streams[k].name) : json_null());
		json_object_set_new(e, "beyond_downtime_ns",
		                    dark >= 0 && m->downtime >= 0
		                            ? json_integer((json_int_t)(dark - m->downtime))
		                            : json_null());
		json_object_set_new(e, "streams", streams);
		json_array_append_new(migs, e);
	}
	return json_pack("{s:s, s:o, s:I, s:I}", "path", r->in.host_path, "migrations", migs,
	                 "unreadable", (json_int_t)r->in.host_bad, "not_read",
	                 (json_int_t)r->in.host_dropped);
}

json_t *an_report_json(const an_run *r, const an_settings *set)
{
	json_t *streams = json_array(), *ann = json_array();
	for (int i = 0; i < r->eng.nstreams; i++)
		json_array_append_new(streams, stream_json(r, &r->eng.streams[i]));
	for (int i = 0; i < r->eng.nannounce && i < 1000; i++) {
		const an_announce *a = &r->eng.announces[i];
		json_array_append_new(ann, json_pack("{s:I, s:s, s:s}", "ts_ns", (json_int_t)a->ts,
		                                     "kind", an_announce_code(a), "label",
		                                     an_announce_label(a)));
	}
	json_t *j = json_pack(
	        "{s:s, s:s, s:i, s:{s:I, s:I, s:I, s:I}, s:{s:s, s:s, s:s, s:i, s:I, s:I, s:I, "
	        "s:I, "
	        "s:I, s:I, s:b, s:I}}",
	        "tool", "blackout-analyze", "version", BLACKOUT_VERSION, "format",
	        AN_FORMAT_VERSION, "settings", "reply_timeout_ns", (json_int_t)set->reply_timeout,
	        "normal_ns", (json_int_t)set->normal, "timeout_ns", (json_int_t)set->timeout,
	        "switchover_ns", (json_int_t)set->switchover, "input", "path", r->in.input, "kind",
	        r->in.is_dir ? "run" : "capture", "pcap", r->in.path_pcap, "linktype",
	        r->eng.linktype, "packets", (json_int_t)r->eng.packets, "invalid",
	        (json_int_t)r->eng.invalid, "strays", (json_int_t)r->eng.strays, "first_ns",
	        (json_int_t)r->eng.first_ts, "last_ns", (json_int_t)r->eng.last_ts,
	        "capture_dropped", (json_int_t)(r->in.cap_dropped + r->in.cap_ifdropped),
	        "log_complete", r->in.log_complete, "log_bad_lines",
	        (json_int_t)r->in.log_bad_lines);
	json_object_set_new(json_object_get(j, "input"), "truncated",
	                    json_boolean(r->eng.truncated));
	json_object_set_new(json_object_get(j, "input"), "order",
	                    json_pack("{s:I, s:I, s:i, s:b}", "steps_back",
	                              (json_int_t)r->eng.order.steps_back, "small_steps",
	                              (json_int_t)r->eng.order.small_steps, "runs",
	                              r->eng.order.runs, "sorted", r->eng.order.sorted));
	json_object_set_new(json_object_get(j, "input"), "not_analysed",
	                    json_pack("{s:I, s:I}", "streams", (json_int_t)r->eng.streams_dropped,
	                              "probes", (json_int_t)an_probes_dropped(r)));
	if (r->in.have_log)
		json_object_set_new(json_object_get(j, "input"), "run_id",
		                    json_integer((json_int_t)r->in.run_id));
	json_object_set_new(j, "streams", streams);
	json_object_set_new(j, "schedule_error", an_hist_json(r->eng.sched));
	json_object_set_new(j, "announcements", ann);
	json_t *marks = json_array();
	for (int i = 0; i < r->in.nmarkers; i++)
		json_array_append_new(marks, json_pack("{s:I, s:s, s:s}", "ts_ns",
		                                       (json_int_t)r->in.markers[i].ts, "kind",
		                                       r->in.markers[i].kind, "label",
		                                       r->in.markers[i].label));
	json_object_set_new(j, "markers", marks);
	json_t *v = json_pack("{s:s, s:s}", "verdict", an_verdict_names[r->res.verdict], "reason",
	                      r->res.reason);
	json_object_set_new(v, "stream",
	                    r->res.main_stream >= 0
	                            ? json_string(r->eng.streams[r->res.main_stream].name)
	                            : json_null());
	json_object_set_new(v, "target",
	                    r->res.main_stream >= 0
	                            ? json_string(r->eng.streams[r->res.main_stream].target_str)
	                            : json_null());
	const an_event *me = an_main_event(r);
	json_object_set_new(v, "evidence", an_evidence_json(me ? me->evidence : 0));
	json_object_set_new(v, "duration_alone",
	                    me ? json_boolean(an_evidence_duration_alone(me)) : json_null());
	json_object_set_new(v, "resume_ns", an_json_ns(r->res.resume_ts));
	json_object_set_new(v, "resume_kind",
	                    r->res.resume_code ? json_string(r->res.resume_code) : json_null());
	json_object_set_new(v, "resume_label",
	                    r->res.resume_kind ? json_string(r->res.resume_kind) : json_null());
	json_object_set_new(v, "phases", an_phases_json(&r->res.phases));
	json_object_set_new(v, "clock", an_clock_json(&r->res.clock));
	json_t *g = json_null();
	if (r->in.have_guest) {
		json_t *net = json_array();
		for (int i = 0; i < r->in.nguest_net; i++)
			json_array_append_new(net, json_integer((json_int_t)r->in.guest_net[i]));
		json_t *quar = json_array();
		for (int i = 0; i < r->in.nguest_quar; i++) {
			const int64_t *q = r->in.guest_quar[i];
			json_array_append_new(
			        quar,
			        json_pack("{s:I, s:o, s:o}", "start_ns", (json_int_t)q[0], "end_ns",
			                  q[1] ? json_integer((json_int_t)q[1]) : json_null(),
			                  "duration_ns",
			                  q[1] ? json_integer((json_int_t)(q[1] - q[0]))
			                       : json_null()));
		}
		g = json_pack("{s:I, s:I, s:o, s:o}", "events", (json_int_t)r->in.guest_events,
		              "offset_ns", (json_int_t)r->in.guest_offset, "network_events_ns", net,
		              "quarantines", quar);
		/* the firewall's logged drops, and WFP's that matched no outage */
		json_object_set_new(g, "firewall_drops",
		                    json_integer((json_int_t)r->in.guest_fw_drops));
		json_object_set_new(g, "firewall_drops_unmatched",
		                    json_integer((json_int_t)r->in.guest_wfp_unmatched));
	}
	json_object_set_new(j, "guest", g);
	json_object_set_new(j, "verdict", v);
	json_object_set_new(j, "lab", r->in.have_lab ? lab_json(r) : json_null());
	json_object_set_new(j, "host", r->in.have_host ? host_json(r) : json_null());
	json_t *migs = json_array();
	for (int i = 0; i < r->res.nevents; i++)
		json_array_append_new(migs, an_event_json(r, i));
	json_object_set_new(j, "migrations", migs);
	int counts[AN_NVERDICTS];
	an_event_counts(r, counts);
	json_t *per = json_object();
	for (int vc = 0; vc < AN_NVERDICTS; vc++)
		json_object_set_new(per, an_verdict_names[vc], json_integer(counts[vc]));
	json_object_set_new(j, "migration_verdicts", per);
	return j;
}
