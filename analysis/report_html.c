/* SPDX-License-Identifier: Apache-2.0 */
/* The HTML report: one self-contained file (no scripts, no fetches) with the verdict, a table
 * of the streams and an SVG timeline: a row per stream, each run of answered / lost / blind
 * probes a coloured band, each outage's start and end bounds shaded, markers (the migration
 * command, the target's resume announcement, the guest's network event) and reference lines
 * at +3 s and +7 s after the network event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an.h"
#include "bo_time.h"

#define W 1200    /* SVG width */
#define LEFT 190  /* label column */
#define RIGHT 20  /* margin */
#define ROW 30    /* height of a stream's row */
#define TOP 62    /* above the first row: marker labels, four levels */
#define BOTTOM 56 /* below the last row: the time axis (seconds, time of day, its title) */

static void esc(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
}

typedef struct axis {
	int64_t t0, t1;
} axis;

static double x_of(const axis *a, int64_t t)
{
	if (t < a->t0)
		t = a->t0;
	if (t > a->t1)
		t = a->t1;
	return LEFT + (double)(t - a->t0) * (W - LEFT - RIGHT) / (double)(a->t1 - a->t0);
}

/* A round tick step giving 8 to 20 ticks. */
static int64_t tick_step(int64_t span)
{
	static const int64_t steps[] = {1,     2,      5,      10,     20,      50,     100,
	                                200,   500,    1000,   2000,   5000,    10000,  30000,
	                                60000, 120000, 300000, 600000, 1800000, 3600000};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (span / (steps[i] * BO_NS_PER_MS) <= 20)
			return steps[i] * BO_NS_PER_MS;
	return (span / 20 / (3600 * BO_NS_PER_S) + 1) * 3600 * BO_NS_PER_S; /* 20 ticks at most */
}

/* Vertical marker lines; their labels are placed on the lowest of LEVELS lines above the rows
 * where they do not overlap one placed before (left to right). */
#define LEVELS 4
typedef struct vmark {
	int64_t t;
	const char *cls;
	char label[64];
} vmark;

static int vmark_cmp(const void *a, const void *b)
{
	const vmark *x = a, *y = b;
	return x->t < y->t ? -1 : x->t > y->t;
}

static void vlines(FILE *f, const axis *a, vmark *m, int n, int body)
{
	qsort(m, (size_t)n, sizeof *m, vmark_cmp);
	double busy[LEVELS]; /* right end of the last label on each level */
	for (int l = 0; l < LEVELS; l++)
		busy[l] = -1e9;
	for (int i = 0; i < n; i++) {
		double x = x_of(a, m[i].t), w = 6.2 * (double)strlen(m[i].label) + 6;
		/* a label that would run past the right edge ends at its line instead */
		int left_of = x + w > W - 2;
		double from = left_of ? x - w : x;
		int l = 0;
		while (l < LEVELS - 1 && busy[l] > from)
			l++;
		busy[l] = from + w;
		int y = TOP - 8 - 14 * l;
		fprintf(f, "<line class=\"%s\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>\n",
		        m[i].cls, x, x, y + 2, TOP + body);
		fprintf(f, "<text class=\"%s-t\" x=\"%.1f\" y=\"%d\"%s>", m[i].cls,
		        left_of ? x - 3 : x + 3, y, left_of ? " text-anchor=\"end\"" : "");
		esc(f, m[i].label);
		fputs("</text>\n", f);
	}
}

/* The guest's network event this migration is judged from: the first inside the main outage,
 * else the resume announcement. */
static int64_t network_event(const an_run *r, const char **what)
{
	if (r->res.main_stream >= 0) {
		const an_outage *o =
		        &r->eng.streams[r->res.main_stream].outages[r->res.main_outage];
		int64_t from = o->start_lo ? o->start_lo : o->first_lost;
		int64_t to = o->end_hi ? o->end_hi : r->eng.last_ts;
		for (int i = 0; i < r->in.nguest_net; i++)
			if (r->in.guest_net[i] >= from && r->in.guest_net[i] <= to) {
				*what = "guest network event";
				return r->in.guest_net[i];
			}
	}
	*what = r->res.resume_kind ? r->res.resume_kind : "resume";
	return r->res.resume_ts;
}

/* The class that colours a verdict (the style's .v-ok, .v-bad, .v-warn). */
static const char *verdict_class(int v)
{
	return an_verdict_ok(v) ? "v-ok" : v == AN_V_QUARANTINE_TIMEOUT ? "v-bad" : "v-warn";
}

static void bound_rect(FILE *f, const axis *a, int64_t lo, int64_t hi, int y, int h)
{
	double w = x_of(a, hi) - x_of(a, lo); /* at least 2: visible whatever the zoom */
	fprintf(f, "<rect class=\"bound\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\"/>\n",
	        x_of(a, lo), y + 3, w > 2 ? w : 2, h - 6);
}

static const char *const seg_cls[] = {"ok", "lost", "blind"};

/* An outage's duration as a person should read it: "≥ D" when it was still dark at the end. */
static const char *dark_str(const an_outage *o, char *buf, size_t len)
{
	char d[32];
	if (o->next_ok)
		return bo_dur_str(o->duration, buf, len);
	snprintf(buf, len, "&ge; %s", bo_dur_str(o->dmin, d, sizeof d));
	return buf;
}

/* A stream's runs of one status as bands in [y, y + h). */
static void segs(FILE *f, const axis *a, const an_stream *s, int status, int y, int h)
{
	for (int i = 0; i < s->nsegs; i++) {
		const an_seg *g = &s->segs[i];
		if (g->status != status)
			continue;
		double x0 = x_of(a, g->first),
		       x1 = x_of(a, g->last + (s->interval ? s->interval : 0));
		if (x1 - x0 < 1)
			x1 = x0 + 1;
		fprintf(f,
		        "<rect class=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
		        "height=\"%d\"><title>%s %u "
		        "%s</title></rect>\n",
		        seg_cls[g->status], x0, y, x1 - x0, h, s->name, g->count,
		        g->status == AN_OK     ? "answered"
		        : g->status == AN_LOST ? "lost"
		                               : "blind");
	}
}

static void stream_row(FILE *f, const axis *a, const an_stream *s, int y, int first)
{
	fprintf(f, "<text class=\"lbl\" x=\"%d\" y=\"%d\">", LEFT - 8, y + ROW / 2 + 4);
	if (first) /* the target once, on its first row */
		esc(f, s->target_str);
	fprintf(f, " %s</text>\n", s->name);
	for (int st = AN_OK; st <= AN_BLIND; st++)
		segs(f, a, s, st, y + 8, ROW - 16);
	/* tcp-est's stalls: when its echoes were held up */
	for (int i = 0; (s->desc->flags & BO_STREAM_BYTES) && i < s->u.bytes.nstalls; i++) {
		const struct an_stall *st = &s->u.bytes.stalls[i];
		double x0 = x_of(a, st->first_send), x1 = x_of(a, st->last_reply);
		char h[32];
		fprintf(f,
		        "<rect class=\"stall\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
		        "height=\"%d\"><title>stall: echoes held up %s</title></rect>\n",
		        x0, y + 8, x1 - x0 > 2 ? x1 - x0 : 2, ROW - 16,
		        bo_dur_str(st->max_delay, h, sizeof h));
	}
	for (int i = 0; i < s->noutages; i++) {
		const an_outage *o = &s->outages[i];
		/* the pause: lost before the guest saw the probes again (then the quarantine) */
		if (o->first_arrival && o->next_ok && o->attribution) {
			double x0 = x_of(a, o->start), x1 = x_of(a, o->first_arrival);
			char d[32];
			fprintf(f,
			        "<rect class=\"pause\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
			        "height=\"%d\"><title>pause %s: lost before the guest saw them; "
			        "then "
			        "dropped in the guest</title></rect>\n",
			        x0, y + 8, x1 - x0 > 1 ? x1 - x0 : 1, ROW - 16,
			        bo_dur_str(o->first_arrival - o->start, d, sizeof d));
		}
		/* The bounds: the start lies in [start_lo, start_hi], the end in [end_lo, end_hi].
		 */
		if (o->start_lo)
			bound_rect(f, a, o->start_lo, o->start_hi, y, ROW);
		if (o->end_hi)
			bound_rect(f, a, o->end_lo, o->end_hi, y, ROW);
		char d[32], pm[32], label[80];
		bo_dur_str(o->duration, d, sizeof d);
		bo_dur_str((o->dmax - o->dmin) / 2, pm, sizeof pm);
		snprintf(label, sizeof label, "%s ± %s", d, pm);
		double x0 = x_of(a, o->start_hi ? o->start_hi : o->start);
		double x1 = x_of(a, o->end_lo ? o->end_lo : o->end);
		if (o->next_ok && x1 - x0 > 7.0 * (double)strlen(label) + 12) /* where it fits */
			fprintf(f, "<text class=\"dur\" x=\"%.1f\" y=\"%d\">%s</text>\n",
			        (x0 + x1) / 2, y + ROW / 2 + 4, label);
	}
}

/* The timeline's rows, a target's together (targets in the order they were first probed):
 * with up to HTML_DETAIL_TARGETS targets a row a stream; with more, a row a target with its
 * streams drawn over each other, losses on top (which stream, the tables say). */
#define HTML_DETAIL_TARGETS 8
#define ROW_TARGET 16 /* height of a target's row */
typedef struct trow {
	int stream; /* a stream, or the target's head stream (compact) */
	int first;  /* the target's first row */
	int group;  /* the target's number, for the shading */
} trow;

static int timeline_rows(const an_run *r, trow *rows, int *chain, int *compact)
{
	int n = 0, targets = 0;
	for (int t = 0; t < r->eng.nstreams; t++)
		targets += r->eng.streams[t].next_same < 0; /* a target's first stream */
	*compact = targets > HTML_DETAIL_TARGETS;
	for (int t = 0, g = 0; t < r->eng.nstreams; t++) {
		if (r->eng.streams[t].next_same >= 0)
			continue;
		/* by_target names the target's last stream, next_same leads back to its first */
		int head = bo_addrmap_get(&r->eng.by_target, &r->eng.streams[t].target), k = 0;
		if (*compact) {
			rows[n++] = (trow){head, 1, g++};
			continue;
		}
		for (int i = head; i >= 0; i = r->eng.streams[i].next_same)
			chain[k++] = i;
		for (int first = 1; k--; first = 0)
			rows[n++] = (trow){chain[k], first, g};
		g++;
	}
	return n;
}

static void target_row(FILE *f, const axis *a, const an_run *r, int head, int y)
{
	static const int order[] = {AN_OK, AN_BLIND, AN_LOST}; /* any stream's loss on top */
	fprintf(f, "<text class=\"lbl\" x=\"%d\" y=\"%d\">", LEFT - 8, y + ROW_TARGET / 2 + 4);
	esc(f, r->eng.streams[head].target_str);
	fputs("</text>\n", f);
	for (int k = 0; k < 3; k++)
		for (int i = head; i >= 0; i = r->eng.streams[i].next_same)
			segs(f, a, &r->eng.streams[i], order[k], y + 3, ROW_TARGET - 6);
}

static void timeline(FILE *f, const an_run *r, const an_settings *set)
{
	axis a = {r->eng.first_ts,
	          r->eng.last_ts > r->eng.first_ts ? r->eng.last_ts : r->eng.first_ts + 1};
	trow *rows = malloc((size_t)(r->eng.nstreams ? r->eng.nstreams : 1) * sizeof *rows);
	int *ys = malloc((size_t)(r->eng.nstreams + 1) * sizeof *ys);
	int *chain = malloc((size_t)(r->eng.nstreams + 1) * sizeof *chain);
	if (!rows || !ys || !chain) {
		free(rows);
		free(ys);
		free(chain);
		fputs("<p>(no memory for the timeline)</p>\n", f);
		return;
	}
	int compact, nrows = timeline_rows(r, rows, chain, &compact),
	             rh = compact ? ROW_TARGET : ROW;
	int body = nrows * rh, h = TOP + body + BOTTOM;
	/* scales to the window: the viewBox gives its proportions, the page its width */
	fprintf(f,
	        "<svg class=\"tl\" xmlns=\"http://www.w3.org/2000/svg\" "
	        "viewBox=\"0 0 %d %d\" preserveAspectRatio=\"xMinYMin meet\">\n",
	        W, h);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", W, h);
	for (int i = 0; i < nrows; i++) {
		ys[i] = TOP + i * rh;
		if (rows[i].group % 2) /* a target's rows shaded together */
			fprintf(f,
			        "<rect class=\"stripe\" x=\"0\" y=\"%d\" width=\"%d\" "
			        "height=\"%d\"/>\n",
			        ys[i], W - RIGHT, rh);
		else if (rows[i].first && i)
			fprintf(f,
			        "<line class=\"grid\" x1=\"0\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>\n",
			        W - RIGHT, ys[i], ys[i]);
	}
	/* time axis, in seconds from the first packet */
	int64_t step = tick_step(a.t1 - a.t0);
	for (int64_t t = 0; a.t0 + t <= a.t1; t += step) {
		double x = x_of(&a, a.t0 + t);
		fprintf(f, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>\n",
		        x, x, TOP, TOP + body + 4);
		char wall[48];
		int off = 0;
		bo_time_offset(r->in.tz, a.t0 + t, &off);
		int tenths = step < BO_NS_PER_S; /* ticks under a second apart: to the tenth */
		bo_time_rfc3339(a.t0 + t, off, tenths, wall, sizeof wall);
		fprintf(f,
		        "<text class=\"tick\" x=\"%.1f\" y=\"%d\">%g s</text><text "
		        "class=\"tick\" x=\"%.1f\" y=\"%d\">%.*s</text>\n",
		        x, TOP + body + 18, (double)t / 1e9, x, TOP + body + 31, tenths ? 10 : 8,
		        wall + 11);
	}
	for (int i = 0; i < nrows; i++)
		if (compact)
			target_row(f, &a, r, rows[i].stream, ys[i]);
		else
			stream_row(f, &a, &r->eng.streams[rows[i].stream], ys[i], rows[i].first);
	vmark m[64];
	int n = 0;
	for (int i = 0; i < r->in.nmarkers && n < 57; i++) {
		m[n] = (vmark){r->in.markers[i].ts, "mark", ""};
		snprintf(m[n++].label, sizeof m[0].label, "%s", r->in.markers[i].kind);
	}
	if (r->res.resume_ts) {
		m[n] = (vmark){r->res.resume_ts, "resume", ""};
		snprintf(m[n++].label, sizeof m[0].label, "%s",
		         r->res.resume_kind ? r->res.resume_kind : "resume");
	}
	for (int i = 0; i < r->in.nguest_quar && n < 59; i++) { /* the first quarantine (WFP) */
		m[n] = (vmark){r->in.guest_quar[i][0], "event", ""};
		snprintf(m[n++].label, sizeof m[0].label, "guest quarantine on (WFP)");
		if (r->in.guest_quar[i][1]) {
			m[n] = (vmark){r->in.guest_quar[i][1], "event", ""};
			snprintf(m[n++].label, sizeof m[0].label, "guest quarantine off (WFP)");
		}
		break;
	}
	const char *what;
	int64_t ev = network_event(r, &what);
	if (ev) {
		char d[32];
		if (strcmp(what, "guest network event") == 0) {
			m[n] = (vmark){ev, "event", ""};
			snprintf(m[n++].label, sizeof m[0].label, "%s", what);
		}
		if (ev + set->normal <= a.t1) {
			m[n] = (vmark){ev + set->normal, "ref", ""};
			snprintf(m[n++].label, sizeof m[0].label, "+%s normal",
			         bo_dur_str(set->normal, d, sizeof d));
		}
		if (ev + set->timeout <= a.t1) {
			m[n] = (vmark){ev + set->timeout, "ref", ""};
			snprintf(m[n++].label, sizeof m[0].label, "+%s safety timeout",
			         bo_dur_str(set->timeout, d, sizeof d));
		}
	}
	vlines(f, &a, m, n, body);
	/* each migration event: its number at its start, above its target's first row, framed
	 * in its verdict's colour across the target's rows */
	for (int i = 0; i < r->res.nevents; i++) {
		const an_event *e = &r->res.events[i];
		if (e->kind != AN_EV_MIGRATION)
			continue;
		int row = 0, last = 0;
		for (int k = 0; k < nrows; k++)
			if (bo_addr_eq(&r->eng.streams[rows[k].stream].target,
			               &r->eng.streams[e->stream0].target)) {
				if (!last)
					row = k;
				last = k + 1;
			}
		double x0 = x_of(&a, e->start), x1 = x_of(&a, e->end);
		fprintf(f,
		        "<rect class=\"evbox %s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
		        "height=\"%d\"><title>#%d %s</title></rect>\n",
		        verdict_class(e->j.verdict), x0 - 1, ys[row], x1 - x0 + 2,
		        (last - row) * rh, i + 1, an_verdict_names[e->j.verdict]);
		fprintf(f, "<text class=\"evn\" x=\"%.1f\" y=\"%d\">#%d</text>\n", x1 + 3,
		        ys[row] + (compact ? ROW_TARGET - 4 : 10), i + 1);
	}
	{
		char t0[48];
		int off = 0;
		bo_time_offset(r->in.tz, a.t0, &off);
		bo_time_rfc3339(a.t0, off, 3, t0, sizeof t0);
		fprintf(f,
		        "<text class=\"axis\" x=\"%d\" y=\"%d\">seconds from the first packet, "
		        "%s; below them the time of day (%s)</text>\n",
		        W - RIGHT, h - 4, t0, off ? t0 + 23 : "UTC");
	}
	fputs("</svg>\n", f);
	free(rows);
	free(ys);
	free(chain);
}

static const char style[] =
        "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}"
        "h1{font-size:20px;margin:0 0 4px}.verdict{font-size:18px;font-weight:600}"
        ".v-ok{color:#2e7d32}.v-bad{color:#c62828}.v-warn{color:#b26a00}"
        "table{border-collapse:collapse;margin:12px 0}td,th{padding:3px 10px;text-align:right;"
        "border-bottom:1px solid #ddd}th{background:#f4f4f4}td:first-child,th:first-child,"
        "td:nth-child(2){text-align:left}"
        /* Okabe and Ito's palette: told apart with every common colour blindness */
        ".ok{fill:#0072b2}.lost{fill:#d55e00}.pause{fill:#cc79a7}.blind{fill:#999999}"
        ".bound{fill:#f0e442;stroke:#8a7f00;stroke-width:.6}.stall{fill:#e69f00}"
        "svg.tl{width:100%;height:auto;max-width:1800px}"
        ".stripe{fill:#f6f6f6}.grid{stroke:#ddd}.tick,.axis{font-size:11px;fill:#666;"
        "text-anchor:middle}.axis{text-anchor:end}.lbl{font-size:12px;text-anchor:end}"
        ".dur{font-size:12px;font-weight:600;fill:#fff;text-anchor:middle}"
        ".mark{stroke:#1565c0;stroke-width:1.5}.mark-t{font-size:11px;fill:#1565c0}"
        ".resume{stroke:#6a1b9a;stroke-width:1.5}.resume-t{font-size:11px;fill:#6a1b9a}"
        ".event{stroke:#000;stroke-width:1.5}.event-t{font-size:11px}"
        ".ref{stroke:#555;stroke-dasharray:5 4}.ref-t{font-size:11px;fill:#555}"
        ".evn{font-size:10px;fill:#000;font-weight:600}"
        ".evbox{fill:none;stroke:currentColor;stroke-width:1.5}"
        ".strip{display:flex;flex-wrap:wrap;gap:2px}.strip span{padding:2px 6px;"
        "font-size:12px}.strip .v-ok{background:#2e7d32;color:#fff}.strip .v-bad{"
        "background:#c62828;color:#fff}.strip .v-warn{background:#b26a00;color:#fff}"
        ".legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 14px;"
        "vertical-align:-1px}";

/* What a verdict rests on: its codes, and in words when that is the dark time alone. */
static void evidence_html(FILE *f, const an_run *r, const an_event *e)
{
	char alone[160];
	for (int i = 0, n = 0; i < AN_NEVIDENCE; i++)
		if (e->evidence & 1u << i)
			fprintf(f, "%s%s", n++ ? ", " : "", an_evidence_names[i]);
	if (an_evidence_alone(r, e, alone, sizeof alone))
		fprintf(f, " <b>(%s)</b>", alone);
}

/* The migration events first: counts per verdict, a strip of them in time order (one cell
 * each, coloured by verdict), and their table. */
static void migrations_html(FILE *f, const an_run *r)
{
	int counts[AN_NVERDICTS], n = 0;
	an_event_counts(r, counts);
	for (int v = 0; v < AN_NVERDICTS; v++)
		n += counts[v];
	if (n < 2) /* one migration: the verdict above says it all */
		return;
	fprintf(f, "<p><b>%d migrations</b>:", n);
	for (int v = AN_NVERDICTS - 1; v >= 0; v--)
		if (counts[v])
			fprintf(f, " <span class=\"%s\">%s %d</span>", verdict_class(v),
			        an_verdict_names[v], counts[v]);
	fputs("</p>\n<p class=\"strip\">", f);
	for (int i = 0; i < r->res.nevents; i++)
		if (r->res.events[i].kind == AN_EV_MIGRATION)
			fprintf(f, "<span class=\"%s\" title=\"%s\">#%d</span>",
			        verdict_class(r->res.events[i].j.verdict),
			        an_verdict_names[r->res.events[i].j.verdict], i + 1);
	fputs("</p>\n<table><tr><th>#</th><th>verdict</th><th>target</th>"
	      "<th>start</th><th>dark</th><th>±</th><th>stream</th><th>hypervisor</th>"
	      "<th>evidence</th></tr>\n",
	      f);
	for (int i = 0; i < r->res.nevents; i++) {
		const an_event *e = &r->res.events[i];
		if (e->kind != AN_EV_MIGRATION)
			continue;
		const an_outage *o = &r->eng.streams[e->main_stream].outages[e->main_outage];
		char iso[48], d[32], pm[32] = "-", hv[48] = "-";
		int off = 0;
		bo_time_offset(r->in.tz, e->start, &off);
		bo_time_rfc3339(e->start, off, 3, iso, sizeof iso);
		if (o->dmax)
			bo_dur_str((o->dmax - o->dmin) / 2, pm, sizeof pm);
		if (e->host >= 0 && r->in.host[e->host].downtime >= 0) {
			char t[32];
			snprintf(hv, sizeof hv, "%s (%s)",
			         bo_dur_str(r->in.host[e->host].downtime, t, sizeof t),
			         r->in.host[e->host].source);
		}
		fprintf(f, "<tr><td>%d</td><td class=\"%s\">%s</td><td>", i + 1,
		        verdict_class(e->j.verdict), an_verdict_names[e->j.verdict]);
		esc(f, r->eng.streams[e->stream0].target_str);
		fprintf(f, "</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>", iso,
		        dark_str(o, d, sizeof d), pm, r->eng.streams[e->main_stream].name);
		esc(f, hv);
		fputs("</td><td>", f);
		evidence_html(f, r, e);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

void an_report_html(FILE *f, const an_run *r, const an_settings *set)
{
	const char *v = an_verdict_names[r->res.verdict];
	const char *vcls = verdict_class(r->res.verdict);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	      "charset=\"utf-8\">\n<title>blackout: ",
	      f);
	esc(f, r->in.input);
	fprintf(f, "</title>\n<style>%s</style></head><body>\n<h1>blackout report: ", style);
	esc(f, r->in.input);
	if (r->in.have_lab) {
		fputs(" <small>(lab scenario ", f);
		esc(f, r->in.lab_scenario);
		fputs(")</small>", f);
	}
	fprintf(f, "</h1>\n<p class=\"verdict %s\">%s</p>\n<p>", vcls, v);
	esc(f, r->res.reason);
	const an_event *me = an_main_event(r);
	if (me) {
		fputs("</p>\n<p>Evidence: ", f);
		evidence_html(f, r, me);
		fputs(".", f);
	}
	char t0[48], t1[48];
	int o0 = 0, o1 = 0;
	bo_time_offset(r->in.tz, r->eng.first_ts, &o0);
	bo_time_offset(r->in.tz, r->eng.last_ts, &o1);
	fprintf(f, "</p>\n<p>Captured from %s to %s.</p>\n",
	        bo_time_rfc3339(r->eng.first_ts, o0, 3, t0, sizeof t0),
	        bo_time_rfc3339(r->eng.last_ts, o1, 3, t1, sizeof t1));
	migrations_html(f, r);
	timeline(f, r, set);
	fputs("<p class=\"legend\"><span style=\"background:#0072b2\"></span>answered"
	      "<span style=\"background:#cc79a7\"></span>lost, not at the guest (pause)"
	      "<span style=\"background:#d55e00\"></span>lost (at the guest: quarantine)"
	      "<span style=\"background:#999999\"></span>blind (not sent or not captured)"
	      "<span style=\"background:#f0e442\"></span>bounds of an outage's start and end"
	      "<span style=\"background:#e69f00\"></span>tcp-est stall (echoes held up)</p>\n",
	      f);
	fputs("<table><tr><th>target</th><th>stream</th><th>interval</th><th>sent</th>"
	      "<th>answered</th><th>lost</th><th>blind</th><th>longest outage</th><th>±</th>"
	      "<th>rtt before</th><th>rtt after</th></tr>\n",
	      f);
	for (int i = 0; i < r->eng.nstreams; i++) {
		const an_stream *s = &r->eng.streams[i];
		const an_outage *o = an_stream_longest(s);
		char iv[32], d[48] = "-", pm[32] = "-", rb[32] = "-", ra[32] = "-";
		bo_dur_str(s->interval, iv, sizeof iv);
		if (o) {
			dark_str(o, d, sizeof d);
			if (o->dmax)
				bo_dur_str((o->dmax - o->dmin) / 2, pm, sizeof pm);
			if (o->rtt_before)
				bo_dur_str(o->rtt_before, rb, sizeof rb);
			if (o->rtt_after)
				bo_dur_str(o->rtt_after, ra, sizeof ra);
		}
		fputs("<tr><td>", f);
		esc(f, s->target_str);
		fprintf(f,
		        "</td><td>%s</td><td>%s</td><td>%llu</td><td>%llu</td><td>%llu</"
		        "td><td>%llu</td>"
		        "<td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
		        s->name, iv, (unsigned long long)(s->sent - s->sent_fast),
		        (unsigned long long)(s->answered - s->answered_fast),
		        (unsigned long long)(s->lost - s->lost_fast), (unsigned long long)s->blind,
		        d, pm, rb, ra);
	}
	fputs("</table>\n", f);
	uint64_t fast = 0;
	for (int i = 0; i < r->eng.nstreams; i++)
		fast += r->eng.streams[i].sent_fast;
	if (fast)
		fprintf(f,
		        "<p>Sent, answered and lost count the probes at each stream's interval; "
		        "%llu more were sent during outages at the outage spacing, to find each "
		        "outage's end closely (in the JSON: <code>outage_rate</code>).</p>\n",
		        (unsigned long long)fast);
	if (r->in.have_guest)
		fprintf(f,
		        "<p>Guest events: %llu, %d network events placed on the probe's clock "
		        "(offset "
		        "%+.3f ms, the least arrival delay of the event channel included).</p>\n",
		        (unsigned long long)r->in.guest_events, r->in.nguest_net,
		        (double)r->in.guest_offset / 1e6);
	fputs("<p><small>blackout-analyze " BLACKOUT_VERSION
	      ": windows from the probe's capture clock; an outage starts between the last "
	      "answered probe and the first lost one, and ends between the last lost probe and "
	      "the next answered one.</small></p>\n</body></html>\n",
	      f);
}
