/* SPDX-License-Identifier: Apache-2.0 */
/* The text report, for a terminal. */
#include <stdlib.h>
#include <string.h>

#include "an.h"
#include "bo_log.h"
#include "bo_time.h"

/* A moment as RFC 3339 to the microsecond, in the report's zone (--tz; UTC: Z):
 * 2026-12-01T21:23:39.684512Z. buf: 48 bytes. */
static const char *tod(const an_run *r, int64_t ns, char *buf, size_t len)
{
	int off = 0;
	bo_time_offset(r->in.tz, ns, &off); /* the zone was checked at start */
	return bo_time_rfc3339(ns, off, 6, buf, len);
}

/* Prints text in lines of at most width characters, each starting with indent. */
static void wrap(FILE *f, const char *text, const char *indent, int width)
{
	int avail = width - (int)strlen(indent);
	while (*text) {
		int n = (int)strlen(text);
		if (n > avail) {
			n = avail;
			while (n > 0 && text[n] != ' ')
				n--;
			if (n == 0)
				n = avail;
		}
		fprintf(f, "%s%.*s\n", indent, n, text);
		text += n;
		while (*text == ' ')
			text++;
	}
}

static void outage_text(FILE *f, const an_run *r, const an_outage *o, int n)
{
	char d[48], pm[48], a[48], b[48], c[48], e[48];
	int64_t err =
	        o->dmax ? (o->dmax - o->duration > o->duration - o->dmin ? o->dmax - o->duration
	                                                                 : o->duration - o->dmin)
	                : 0;
	if (!o->next_ok) /* its end is not known: only how long it lasted at least */
		fprintf(f,
		        "    outage %d: at least %s (from its first lost probe to its last; no "
		        "answer until the capture ended %s after it began)",
		        n, bo_dur_str(o->dmin, d, sizeof d),
		        bo_dur_str(r->eng.last_ts - o->first_lost, pm, sizeof pm));
	else
		fprintf(f, "    outage %d: %s", n, bo_dur_str(o->duration, d, sizeof d));
	if (err && o->next_ok)
		fprintf(f, " (±%s)", bo_dur_str(err, pm, sizeof pm));
	fprintf(f, ", %llu lost", (unsigned long long)o->lost);
	if (o->blind)
		fprintf(f, ", %llu blind", (unsigned long long)o->blind);
	fprintf(f, "\n      start %s .. %s\n      end   %s .. %s\n",
	        o->start_lo ? tod(r, o->start_lo, a, sizeof a) : "(before capture)",
	        tod(r, o->start_hi, b, sizeof b), tod(r, o->end_lo, c, sizeof c),
	        o->end_hi ? tod(r, o->end_hi, e, sizeof e) : "(after capture)");
	if (o->rtt_before || o->rtt_after)
		fprintf(f, "      rtt before %s, after %s\n",
		        o->rtt_before ? bo_dur_str(o->rtt_before, a, sizeof a) : "-",
		        o->rtt_after ? bo_dur_str(o->rtt_after, b, sizeof b) : "-");
	const char *why = an_attribution_names[o->attribution];
	if (why && o->first_arrival && o->next_ok)
		fprintf(f,
		        "      guest: %llu of %llu lost probes reached it (%s); the first %s after "
		        "the start, %s before the end\n",
		        (unsigned long long)o->arrived, (unsigned long long)o->lost, why,
		        bo_dur_str(o->first_arrival - o->start, a, sizeof a),
		        bo_dur_str(o->end - o->first_arrival, b, sizeof b));
	else if (why)
		fprintf(f, "      guest: %llu of %llu lost probes reached it (%s)\n",
		        (unsigned long long)o->arrived, (unsigned long long)o->lost, why);
	int64_t blind = o->guest_down;
	if (blind)
		fprintf(f, "      guest capture down %s of it (arrivals then unknown)\n",
		        bo_dur_str(blind, a, sizeof a));
}

/* The guest firewall's quarantines (Windows WFP), on the probe's clock. */
static void quarantine_text(FILE *f, const an_run *r)
{
	for (int i = 0; i < r->in.nguest_quar; i++) {
		char t[48], d[48];
		const int64_t *q = r->in.guest_quar[i];
		fprintf(f, "  guest firewall (WFP): interface quarantined at %s, ",
		        tod(r, q[0], t, sizeof t));
		if (q[1])
			fprintf(f, "lifted %s later\n", bo_dur_str(q[1] - q[0], d, sizeof d));
		else
			fprintf(f, "not lifted when the run ended\n");
	}
}

/* The guest's clock against the probe's before and after an outage (STAMP T1-T4). */
static void clock_text(FILE *f, const struct an_clock_result *c, const char *indent)
{
	if (c->both) {
		char a[48], b[48], d[48], e[48], g[48];
		fprintf(f,
		        "%sguest clock (STAMP, least round trip): %s%s ±%s before, %s%s ±%s after: "
		        "%s%s\n",
		        indent, c->before < 0 ? "-" : "+",
		        bo_dur_str(llabs(c->before), a, sizeof a),
		        bo_dur_str(c->before_err, b, sizeof b), c->after < 0 ? "-" : "+",
		        bo_dur_str(llabs(c->after), d, sizeof d),
		        bo_dur_str(c->after_err, e, sizeof e),
		        c->stepped ? "STEPPED by " : "no step",
		        c->stepped ? bo_dur_str(c->step, g, sizeof g) : "");
	}
}

/* Per migration the hypervisor reported: its downtime beside the network's dark time. */
static void host_text(FILE *f, const an_run *r)
{
	if (!r->in.have_host)
		return;
	fprintf(f, "  hypervisor (%s): %d migration%s\n", r->in.host_path, r->in.nhost,
	        r->in.nhost == 1 ? "" : "s");
	for (int i = 0; i < r->in.nhost; i++) {
		const an_host_mig *m = &r->in.host[i];
		char a[48], b[48], c[48], t[48];
		fprintf(f, "    %s %s%s%s at %s: %s downtime %s", m->source, m->vm[0] ? m->vm : "?",
		        m->mode[0] ? " " : "", m->mode,
		        tod(r, m->stop ? m->stop : m->end, a, sizeof a), m->source,
		        m->downtime >= 0 ? bo_dur_str(m->downtime, b, sizeof b) : "?");
		if (m->stop && m->resume > m->stop)
			fprintf(f, " (stop to resume %s)",
			        bo_dur_str(m->resume - m->stop, c, sizeof c));
		fprintf(f, "\n");
		int k = -1;
		int64_t dark = an_host_dark(r, m, &k);
		if (dark < 0) {
			fprintf(f, "      network: no outage of any stream at that time\n");
			continue;
		}
		const an_stream *s = &r->eng.streams[k];
		const an_outage *o = &s->outages[m->outage[k]];
		fprintf(f, "      network dark %s (%s %s)", bo_dur_str(dark, a, sizeof a),
		        bo_addr_str(&s->target, t, sizeof t), s->name);
		if (m->downtime >= 0)
			fprintf(f, ", %s%s after the hypervisor's figure",
			        dark >= m->downtime ? "+" : "-",
			        bo_dur_str(llabs(dark - m->downtime), b, sizeof b));
		if (m->stop)
			fprintf(f, "; stop %s the start bounds",
			        m->stop > o->start_lo && m->stop <= o->start_hi ? "inside"
			                                                        : "outside");
		fprintf(f, "\n      per stream:");
		for (int j = 0; j < r->eng.nstreams && j < AN_HOST_STREAMS; j++)
			if (m->outage[j] >= 0)
				fprintf(f, " %s %s", r->eng.streams[j].name,
				        bo_dur_str(r->eng.streams[j].outages[m->outage[j]].duration,
				                   c, sizeof c));
		fprintf(f, "\n");
	}
}

/* The table of migration events that opens the report: one line each, the verdict first. */
static void events_text(FILE *f, const an_run *r)
{
	int counts[AN_NVERDICTS], n = 0, losses = 0;
	an_event_counts(r, counts);
	for (int v = 0; v < AN_NVERDICTS; v++)
		n += counts[v];
	losses = r->res.nevents - n;
	fprintf(f, "  migrations: %d", n);
	for (int v = AN_NVERDICTS - 1; v >= 0; v--)
		if (counts[v])
			fprintf(f, ", %s %d", an_verdict_names[v], counts[v]);
	if (losses)
		fprintf(f,
		        " (and %d loss%s: a probe or two, or the responder away while the kernel "
		        "answered; no sign of a migration)",
		        losses, losses == 1 ? "" : "es");
	fprintf(f, "\n");
	if (!n)
		return;
	/* the stream types the run has, in the registry's order */
	const bo_stream_desc *cols[16];
	int ncols = 0;
	for (int d = 0; d < bo_nstreams && ncols < 16; d++)
		for (int i = 0; i < r->eng.nstreams; i++)
			if (r->eng.streams[i].desc == bo_streams[d] &&
			    !(bo_streams[d]->flags & BO_STREAM_BYTES)) {
				cols[ncols++] = bo_streams[d];
				break;
			}
	fprintf(f, "  %3s  %-26s %-15s %-29s", "#", "verdict", "target", "start");
	for (int c = 0; c < ncols; c++)
		fprintf(f, " %-19s", cols[c]->name);
	fprintf(f, " %s\n", "hypervisor");
	for (int i = 0, shown = 0; i < r->res.nevents; i++) {
		const an_event *e = &r->res.events[i];
		if (e->kind != AN_EV_MIGRATION)
			continue;
		char iso[48];
		int off = 0;
		bo_time_offset(r->in.tz, e->start, &off);
		bo_time_rfc3339(e->start, off, 3, iso, sizeof iso); /* to the millisecond */
		fprintf(f, "  %3d  %-26s %-15s %-29s", i + 1, an_verdict_names[e->j.verdict],
		        r->eng.streams[e->stream0].target_str, iso);
		for (int c = 0; c < ncols; c++) {
			char cell[40] = "-", a[48], b[48];
			for (int k = 0; k < e->nparts; k++) {
				const an_stream *s = &r->eng.streams[e->parts[k].stream];
				const an_outage *o = &s->outages[e->parts[k].outage];
				if (s->desc != cols[c])
					continue;
				if (o->next_ok)
					snprintf(cell, sizeof cell, "%s ±%s",
					         bo_dur_str(o->duration, a, sizeof a),
					         bo_dur_str((o->dmax - o->dmin) / 2, b, sizeof b));
				else
					snprintf(cell, sizeof cell, "at least %s",
					         bo_dur_str(o->dmin, a, sizeof a));
				break;
			}
			fprintf(f, " %-19s", cell);
		}
		if (e->host >= 0 && r->in.host[e->host].downtime >= 0) {
			char a[48];
			fprintf(f, " %s (%s)",
			        bo_dur_str(r->in.host[e->host].downtime, a, sizeof a),
			        r->in.host[e->host].source);
		} else {
			fprintf(f, " -");
		}
		fprintf(f, "\n");
		if (++shown == 200 && n > 200) {
			fprintf(f, "  ... %d more in the JSON report (migrations[])\n", n - shown);
			break;
		}
	}
}

/* "p50 X  p99 Y  max Z" of a schedule error histogram, into buf. */
static const char *sched_text(const an_hist *h, char *buf, size_t len)
{
	char a[48], b[48], c[48];
	snprintf(buf, len, "p50 %s  p99 %s  max %s",
	         bo_dur_str(an_hist_quantile(h, 0.5), a, sizeof a),
	         bo_dur_str(an_hist_quantile(h, 0.99), b, sizeof b),
	         bo_dur_str(an_hist_quantile(h, 1.0), c, sizeof c));
	return buf;
}

/* The guest's own account of an event, a line each: whether a network-change indication
 * reached it and when, the hosts its Hyper-V KVP values named when they changed in it, and the
 * network's re-classification that ended it (Windows' own events). */
static void guest_text(FILE *f, const an_run *r, const an_event *e, const char *indent)
{
	char at[48];
	if (r->in.have_guest && e->indication)
		fprintf(f, "%s%s reached the guest%s, %s %s the start\n", indent,
		        e->indication_netvsc ? "the network-change indication"
		                             : "a network-change indication",
		        e->indication_netvsc ? " (Hyper-V Netvsc event 14)" : "",
		        bo_dur_str(llabs(e->indication - e->start), at, sizeof at),
		        e->indication >= e->start ? "after" : "before");
	else if (r->in.have_guest)
		fprintf(f, "%s%s\n", indent,
		        e->indication_known ? "no network-change indication in the guest"
		                            : "whether an indication reached the guest is not "
		                              "known (its events "
		                              "stop before the migration ended)");
	if (e->guest_host >= 0) {
		const struct an_guest_host *h = &r->in.guest_hosts[e->guest_host];
		char from[64], to[64];
		fprintf(f, "%shost: %s -> %s (the guest's Hyper-V KVP values)\n", indent,
		        bo_text_clean(from, sizeof from, h->previous),
		        bo_text_clean(to, sizeof to, h->host));
	}
	if (e->guest_profile >= 0) {
		const struct an_guest_profile *p = &r->in.guest_profiles[e->guest_profile];
		char what[96];
		fprintf(f, "%sprofile: %s, %s after the start\n", indent,
		        bo_text_clean(what, sizeof what, p->what),
		        bo_dur_str(p->at - e->start, at, sizeof at));
	}
}

/* What an event's verdict rests on, and in words when that is its dark time alone. */
static void evidence_text(FILE *f, const an_run *r, const an_event *e, const char *indent)
{
	char line[256], alone[160];
	size_t n = (size_t)snprintf(line, sizeof line, "evidence:");
	for (int i = 0; i < AN_NEVIDENCE && n < sizeof line; i++)
		if (e->evidence & 1u << i)
			n += (size_t)snprintf(line + n, sizeof line - n, "%s %s", n > 9 ? "," : "",
			                      an_evidence_names[i]);
	fprintf(f, "%s%s\n", indent, line);
	if (an_evidence_alone(r, e, alone, sizeof alone))
		fprintf(f, "%s%s\n", indent, alone);
}

/* Each migration's own account, when the run had more than one: its reason, markers and the
 * guest's clock around it (a single migration's is the run's verdict, below). */
#define TEXT_EVENT_DETAILS 50
static void event_details(FILE *f, const an_run *r)
{
	int n = 0, shown = 0;
	for (int i = 0; i < r->res.nevents; i++)
		n += r->res.events[i].kind == AN_EV_MIGRATION;
	if (n < 2)
		return;
	for (int i = 0; i < r->res.nevents; i++) {
		const an_event *e = &r->res.events[i];
		if (e->kind != AN_EV_MIGRATION)
			continue;
		if (shown++ == TEXT_EVENT_DETAILS) {
			fprintf(f, "  ... %d more migrations in the JSON report (migrations[])\n",
			        n - TEXT_EVENT_DETAILS);
			break;
		}
		char a[48];
		fprintf(f, "  #%d %s %s\n", i + 1, r->eng.streams[e->stream0].target_str,
		        an_verdict_names[e->j.verdict]);
		wrap(f, e->j.reason, "      ", 96);
		evidence_text(f, r, e, "      ");
		for (int k = e->mark0; k < e->mark0 + e->nmarks; k++)
			fprintf(f, "      marker %-12s %s  %.60s\n", r->in.markers[k].kind,
			        tod(r, r->in.markers[k].ts, a, sizeof a), r->in.markers[k].label);
		clock_text(f, &e->clock, "      ");
		guest_text(f, r, e, "      ");
	}
}

/* The dark time per stream of the verdict's migration (its event's outages), "at least" for
 * one still open at the end; tcp-est's stall beside them. */
static void dark_text(FILE *f, const an_run *r)
{
	const an_event *e = an_main_event(r);
	if (!e)
		return;
	char line[1024] = "dark:";
	size_t n = strlen(line);
	for (int k = 0; k < e->nparts && n < sizeof line; k++) {
		const an_stream *s = &r->eng.streams[e->parts[k].stream];
		const an_outage *o = &s->outages[e->parts[k].outage];
		char d[48], pm[48];
		if (o->next_ok)
			n += (size_t)snprintf(line + n, sizeof line - n, "%s %s %s ±%s",
			                      k ? "," : "", s->name,
			                      bo_dur_str(o->duration, d, sizeof d),
			                      bo_dur_str((o->dmax - o->dmin) / 2, pm, sizeof pm));
		else
			n += (size_t)snprintf(line + n, sizeof line - n, "%s %s at least %s",
			                      k ? "," : "", s->name,
			                      bo_dur_str(o->dmin, d, sizeof d));
	}
	if (e->held > 0 && n < sizeof line) {
		char h[48];
		snprintf(line + n, sizeof line - n, "; tcp-est held up %s",
		         bo_dur_str(e->held, h, sizeof h));
	}
	wrap(f, line, "    ", 96);
	guest_text(f, r, e, "    ");
	evidence_text(f, r, e, "    ");
}

void an_report_text(FILE *f, const an_run *r, const an_settings *set)
{
	(void)set;
	char a[48], b[48];
	char in[512];
	fprintf(f, "blackout report: %s", bo_text_clean(in, sizeof in, r->in.input));
	if (r->in.have_lab)
		fprintf(f, "  (lab scenario %s)", r->in.lab_scenario);
	fprintf(f, "\n  capture: %llu packets over %s", (unsigned long long)r->eng.packets,
	        bo_dur_str(r->eng.last_ts - r->eng.first_ts, a, sizeof a));
	if (r->in.cap_dropped + r->in.cap_ifdropped)
		fprintf(f, ", %llu DROPPED by the capture: windows near drops are unreliable",
		        (unsigned long long)(r->in.cap_dropped + r->in.cap_ifdropped));
	else if (r->in.have_log)
		fprintf(f, ", no capture drops");
	if (r->eng.invalid)
		fprintf(f, ", %llu unreadable", (unsigned long long)r->eng.invalid);
	if (r->eng.order.steps_back)
		fprintf(f,
		        "\n  RECORDS OUT OF TIME ORDER (%llu step%s back: files joined the wrong "
		        "way "
		        "round?): %s",
		        (unsigned long long)r->eng.order.steps_back,
		        r->eng.order.steps_back == 1 ? "" : "s",
		        r->eng.order.sorted ? "read sorted by time"
		                            : "too many parts to sort, read as they are");
	if (r->eng.truncated)
		fprintf(f,
		        "\n  CAPTURE CUT SHORT inside a record (a full disk, a killed capture?): "
		        "analysed up to there");
	if (r->eng.streams_dropped || an_probes_dropped(r))
		fprintf(f,
		        "\n  NOT ANALYSED: %llu streams (beyond %d, or %d SYN streams) and %llu "
		        "probes "
		        "(beyond 16 M in flight a stream)",
		        (unsigned long long)r->eng.streams_dropped, AN_MAX_STREAMS,
		        AN_MAX_SYN_STREAMS, (unsigned long long)an_probes_dropped(r));
	if (r->in.have_log && !r->in.log_complete)
		fprintf(f, "\n  note: the probe did not finish its log (killed?): analysed what is "
		           "there");
	/* the capture's span, dated */
	fprintf(f, "\n  from %s to %s\n", tod(r, r->eng.first_ts, a, sizeof a),
	        tod(r, r->eng.last_ts, b, sizeof b));
	/* the verdict first, with the dark time per stream of its outage's migration */
	fprintf(f, "  verdict: %s\n", an_verdict_names[r->res.verdict]);
	wrap(f, r->res.reason, "    ", 96);
	dark_text(f, r);
	events_text(f, r);
	event_details(f, r);
	for (int i = 0; i < r->eng.nstreams; i++) {
		const an_stream *s = &r->eng.streams[i];
		/* the probes at the stream's interval, as a ping user counts them; the faster ones
		 * during outages apart */
		fprintf(f, "  %-15s %-8s every %s  sent %llu  answered %llu  lost %llu",
		        s->target_str, s->name, bo_dur_str(s->interval, a, sizeof a),
		        (unsigned long long)(s->sent - s->sent_fast),
		        (unsigned long long)(s->answered - s->answered_fast),
		        (unsigned long long)(s->lost - s->lost_fast));
		if (s->sent_fast)
			fprintf(f, "  (+%llu sent during outages, %llu of them lost)",
			        (unsigned long long)s->sent_fast, (unsigned long long)s->lost_fast);
		if (s->answered)
			fprintf(f, "  rtt %s",
			        bo_dur_str(s->rtt_sum / (int64_t)s->answered, b, sizeof b));
		else if (s->sent)
			fprintf(f, "\n    never answered: left out of the verdict (no reflector or "
			           "responder? a guest firewall rule missing?)");
		if (s->sched) {
			char q[160];
			fprintf(f, "\n    schedule error %s", sched_text(s->sched, q, sizeof q));
		}
		int bytes = (s->desc->flags & BO_STREAM_BYTES) != 0;
		for (int k = 0; bytes && k < s->u.bytes.nstalls && k < 16; k++) {
			char c[48];
			fprintf(f, "\n    stall %d: echoes held up to %s (%u frames, from %s)%s",
			        k + 1, bo_dur_str(s->u.bytes.stalls[k].max_delay, a, sizeof a),
			        s->u.bytes.stalls[k].frames,
			        tod(r, s->u.bytes.stalls[k].first_send, c, sizeof c),
			        s->u.bytes.stalls[k].open ? ", still held when the capture ended"
			                                  : "");
		}
		if (bytes && s->u.bytes.nstalls > 16)
			fprintf(f, "\n    ... %d more stalls in the JSON report",
			        s->u.bytes.nstalls - 16);
		if (bytes && s->u.bytes.retransmits)
			fprintf(f, "\n    TCP retransmitted %llu segments",
			        (unsigned long long)s->u.bytes.retransmits);
		if (s->dups || s->late || s->reordered || s->blind)
			fprintf(f, "\n    duplicates %llu  late %llu  reordered %llu  blind %llu",
			        (unsigned long long)s->dups, (unsigned long long)s->late,
			        (unsigned long long)s->reordered, (unsigned long long)s->blind);
		fprintf(f, "\n");
		for (int k = 0; k < s->noutages; k++)
			outage_text(f, r, &s->outages[k], k + 1);
	}
	if (r->eng.sched && r->eng.nstreams > 1) {
		char q[160];
		fprintf(f, "  schedule error, all %llu requests: %s\n",
		        (unsigned long long)an_hist_count(r->eng.sched),
		        sched_text(r->eng.sched, q, sizeof q));
	}
	for (int i = 0; i < r->in.nmarkers; i++)
		fprintf(f, "  marker %-12s %s  %.70s\n", r->in.markers[i].kind,
		        tod(r, r->in.markers[i].ts, a, sizeof a), r->in.markers[i].label);
	if (r->res.resume_ts)
		fprintf(f, "  resume: %s from the target at %s\n", r->res.resume_kind,
		        tod(r, r->res.resume_ts, a, sizeof a));
	quarantine_text(f, r);
	clock_text(f, &r->res.clock, "  ");
	host_text(f, r);
	for (int i = 0; r->in.have_lab && i < r->in.ntruth; i++) {
		const an_truth *t = &r->in.truth[i];
		const bo_stream_desc *d = bo_stream_by_name(t->stream);
		for (int k = 0; k < r->eng.nstreams; k++) {
			const an_stream *s = &r->eng.streams[k];
			const an_outage *o = s->desc != d ? NULL : an_stream_longest(s);
			if (!o)
				continue;
			int sin, ein;
			an_truth_inside(t, o, &sin, &ein);
			fprintf(f,
			        "  lab truth %-8s %s, measured %s (error %s)\n"
			        "    truth %s the bounds, expected %s\n",
			        t->stream, bo_dur_str(t->duration, a, sizeof a),
			        bo_dur_str(o->duration, b, sizeof b),
			        bo_dur_str(o->duration - t->duration, (char[48]){0}, 32),
			        sin && ein ? "inside" : "OUTSIDE", t->verdict);
		}
	}
}
