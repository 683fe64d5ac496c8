/* SPDX-License-Identifier: Apache-2.0 */
/* The watcher's directory (watch.h has its layout): each event cut out of the flight recorder
 * as a run directory and analysed by blackout-analyze's own code, its records appended and
 * fsync'd, index.html, the disk budget, and what a kill -9 left behind put right at start. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bo_caprd.h"
#include "bo_capwr.h"
#include "bo_fs.h"
#include "bo_time.h"
#include "bo_vocab.h"
#include "watch.h"

#define HOST_EVENTS_READ (8 << 20) /* the end of --host-events FILE read for an excerpt */
#define GUEST_LINE_MAX (1 << 20)

void watch_log(watch *w, json_t *o)
{
	if (!o)
		return;
	char *s = json_dumps(o, JSON_COMPACT);
	int64_t n = s ? (int64_t)strlen(s) + 1 : 0;
	free(s);
	if (w->log.f && w->log_bytes + n > WATCH_LOG_MAX) { /* one older file kept */
		char path[4200], old[4200];
		snprintf(path, sizeof path, "%s/watch.jsonl", w->dir);
		snprintf(old, sizeof old, "%s/watch.jsonl.1", w->dir);
		bo_log_close(&w->log);
		if (rename(path, old) != 0 || bo_log_open(&w->log, path, 1) != 0)
			w->log.f = NULL;
		w->log_bytes = 0;
	}
	w->log_bytes += n;
	if (w->log.f)
		bo_log_put(&w->log, o);
	else
		json_decref(o);
}

/* ---- the event's run directory ------------------------------------------------------- */

/* Does a frame concern the target: to or from it, or an announcement (ARP, RARP, an NA: the
 * analyzer tells whose)? Not the target's event channel: guest.jsonl has what it carried. */
static int frame_of(probe *pr, const struct pcap_pkthdr *h, const unsigned char *d,
                    const probe_target *t)
{
	bo_pkt p;
	if (bo_pkt_parse(pr->cap.linktype, d, h->caplen, &p) != 0)
		return 0;
	if (p.l4 == BO_L4_ARP || (p.l4 == BO_L4_ICMP6 && p.icmp_type == 136))
		return 1;
	int to = bo_addr_eq(&p.dst, &t->addr), from = bo_addr_eq(&p.src, &t->addr);
	if (p.l4 == BO_L4_TCP && (to || from) &&
	    probe_guest_is_channel(pr, t, to ? p.sport : p.dport))
		return 0;
	return to || from;
}

/* The session's capture segments that hold any of [a, b], as paths. */
static int segments_in(const probe *p, int64_t a, int64_t b, const char **paths, int max)
{
	const bo_capseg *segs;
	int n = p->cap.wr ? bo_capwr_segments(p->cap.wr, &segs) : 0, k = 0;
	for (int i = 0; i < n && k < max; i++)
		if (segs[i].first_ts && segs[i].first_ts <= b && segs[i].last_ts >= a)
			paths[k++] = segs[i].path;
	return k;
}

/* probe.pcap: the target's frames of [a, b]. Frames counted into *frames. */
static int cut_capture(probe *p, const char *dir, const probe_target *target, int64_t a, int64_t b,
                       uint64_t *frames)
{
	const char *paths[256];
	int n = segments_in(p, a, b, paths, 256);
	char out[4300], err[512];
	snprintf(out, sizeof out, "%s/probe.pcap", dir);
	bo_capwr *wr;
	if (bo_capwr_open(&wr, p->cap.linktype, 65535, out, 0, err, sizeof err) != 0)
		return -1;
	bo_caprd *rd = NULL;
	if (n && bo_caprd_open(&rd, paths, n, 0, err, sizeof err) == 0) {
		struct pcap_pkthdr *h;
		const unsigned char *d;
		int rc;
		while ((rc = bo_caprd_next(rd, &h, &d)) != 0) {
			if (rc < 0) /* the current segment's last record, half flushed */
				continue;
			int64_t ts = bo_caprd_ts(h);
			if (ts >= a && ts <= b && frame_of(p, h, d, target)) {
				bo_capwr_write(wr, h, d);
				(*frames)++;
			}
		}
		bo_caprd_close(rd);
	}
	return bo_capwr_close(wr) ? -1 : 0;
}

/* probe.jsonl: the session's header for this target, its streams, the start, the markers of
 * [a, b], and an end record with the capture's drops while the event was open. */
static int cut_log(const probe *p, const char *dir, int t, int64_t a, int64_t b, uint64_t drops)
{
	char path[4300];
	snprintf(path, sizeof path, "%s/probe.jsonl", dir);
	bo_log log;
	if (bo_log_open(&log, path, 0) != 0)
		return -1;
	const probe_target *tg = &p->targets[t];
	json_t *h = json_deep_copy(p->header);
	json_t *cfg = json_object_get(h, "config");
	json_object_set_new(cfg, "targets", json_pack("[s]", tg->str));
	json_object_set_new(cfg, "watch", json_string(p->cfg.watch_dir));
	/* the clock pair now: the analyzer places the probes' monotonic deadlines with it */
	json_object_set_new(h, "clock",
	                    json_pack("{s:I, s:I}", "realtime_ns", (json_int_t)bo_clock_real_ns(),
	                              "monotonic_ns", (json_int_t)bo_clock_mono_ns()));
	bo_log_put(&log, h);
	int n = p->cfg.nstreams;
	for (int k = t * n; k < (t + 1) * n; k++)
		bo_log_put(&log, probe_stream_record(&p->slots[k]));
	bo_log_put(&log, json_pack("{s:s, s:s, s:i, s:s}", "type", bo_rec_name(BO_REC_CAPTURE),
	                           "interface", p->cap.iface, "linktype", p->cap.linktype,
	                           "tstamp_precision", "ns"));
	bo_log_put(&log, json_pack("{s:s, s:I}", "type", bo_rec_name(BO_REC_START),
	                           "t0_monotonic_ns", (json_int_t)p->t0));
	int kept = p->nmarkers_kept < PROBE_MARKERS_KEPT ? p->nmarkers_kept : PROBE_MARKERS_KEPT;
	for (int i = p->nmarkers_kept - kept; i < p->nmarkers_kept; i++) {
		json_t *m = p->markers_kept[i % PROBE_MARKERS_KEPT];
		int64_t ts = bo_json_time(m, "realtime_ns");
		if (ts >= a && ts <= b)
			bo_log_put(&log, json_incref(m));
	}
	bo_log_put(&log, json_pack("{s:s, s:I, s:s, s:{s:I, s:I}}", "type", bo_rec_name(BO_REC_END),
	                           "realtime_ns", (json_int_t)b, "reason", "event", "capture",
	                           "dropped", (json_int_t)drops, "if_dropped", (json_int_t)0));
	return bo_log_close(&log) ? -1 : 0;
}

/* guest.jsonl: the target's responder's last start event, then its events of [a, b] from the
 * session's guest files of those segments. */
static void cut_guest(const probe *p, const char *dir, int t, int64_t a, int64_t b)
{
	if (!p->guests)
		return;
	const probe_target *tg = &p->targets[t];
	char path[4300];
	snprintf(path, sizeof path, "%s/guest.jsonl", dir);
	bo_log log;
	if (bo_log_open(&log, path, 0) != 0)
		return;
	log.buffered = 1; /* tens of thousands of lines: one flush, at the close */
	json_t *start = probe_guest_start_event((probe *)p, tg);
	if (start && bo_json_time(start, "probe_realtime_ns") < a)
		bo_log_put(&log, json_incref(start));
	const bo_capseg *segs;
	int n = bo_capwr_segments(p->cap.wr, &segs);
	for (int i = 0; i < n; i++) {
		if (segs[i].first_ts && (segs[i].last_ts < a || segs[i].first_ts > b))
			continue;
		char gpath[4300];
		snprintf(gpath, sizeof gpath, "%s/guest-%06u.jsonl", p->cfg.run_dir,
		         segs[i].number);
		FILE *f = bo_fs_open_regular(gpath);
		json_t *o;
		long line = 0;
		int rc;
		char needle[64]; /* the probe writes these lines: its target field, compact */
		snprintf(needle, sizeof needle, "\"target\":\"%s\"", tg->str);
		char *raw;
		while (f &&
		       (rc = bo_jsonl_next_with(f, GUEST_LINE_MAX, needle, &o, &line, &raw)) != 0) {
			if (rc < 0)
				continue;
			int64_t at = bo_json_time(o, "probe_realtime_ns");
			if (at >= a && at <= b && !strcmp(bo_json_str(o, "target", ""), tg->str))
				bo_log_put_line(&log, raw); /* as the probe wrote it */
			json_decref(o);
			free(raw);
		}
		if (f)
			fclose(f);
	}
	bo_log_close(&log);
}

/* host.jsonl: the hypervisor's records of [a - 1 min, b] and every host's facts, from the end
 * of --host-events FILE (whoever appends to it: a libvirt hook, blackout-lab). */
static void cut_host(const probe *p, const char *dir, int64_t a, int64_t b)
{
	const char *src = p->cfg.host_events;
	FILE *f = src ? bo_fs_open_regular(src) : NULL;
	if (!f)
		return;
	if (fseek(f, 0, SEEK_END) == 0 && ftell(f) > HOST_EVENTS_READ) {
		fseek(f, -HOST_EVENTS_READ, SEEK_END);
		int c;
		while ((c = fgetc(f)) != EOF && c != '\n') /* to a line's start */
			;
	} else {
		fseek(f, 0, SEEK_SET);
	}
	char path[4300];
	snprintf(path, sizeof path, "%s/host.jsonl", dir);
	bo_log log;
	if (bo_log_open(&log, path, 0) != 0) {
		fclose(f);
		return;
	}
	json_t *o;
	long line = 0;
	int rc;
	while ((rc = bo_jsonl_next(f, GUEST_LINE_MAX, &o, &line)) != 0) {
		if (rc < 0)
			continue;
		int kind = bo_lab_parse(bo_json_str(o, "type", ""));
		int64_t at = bo_json_time(o, "stop_ns");
		if (!at)
			at = bo_json_time(o, "end_ns");
		if (kind == BO_LAB_HOST ||
		    (kind == BO_LAB_MIGRATION && at >= a - 60 * BO_NS_PER_S && at <= b))
			bo_log_put(&log, o);
		else
			json_decref(o);
	}
	fclose(f);
	bo_log_close(&log);
}

/* The event's name: its start to the millisecond and its target ("20261207T031522.123Z-
 * 192.0.2.2"; an IPv6 address's colons as dots). */
static void event_id(int64_t start, const char *target, char *id, size_t len)
{
	char iso[BO_TIME_ISO_LEN];
	bo_time_rfc3339(start, 0, 3, iso, sizeof iso);
	size_t n = 0;
	for (const char *s = iso; *s && n + 1 < len; s++)
		if (*s != '-' && *s != ':')
			id[n++] = *s;
	id[n] = 0;
	snprintf(id + n, len - n, "-%s", target);
	for (char *s = id; *s; s++)
		if (*s == ':')
			*s = '.';
}

/* The analysis of a run directory, as blackout-analyze writes it: analysis.json and
 * report.html beside the inputs. 0, or -1 (said in the log). */
static int analyse(watch *w, const char *dir, an_run *r)
{
	an_settings set = an_settings_defaults(); /* blackout-analyze's, with no option */
	if (an_load(r, dir, &set, &w->stamp_key, NULL, NULL) != 0)
		return -1;
	char path[4300];
	snprintf(path, sizeof path, "%s/analysis.json", dir);
	json_t *j = an_report_json(r, &set);
	int rc = an_write_json(j, path);
	json_decref(j);
	bo_fs_out o;
	snprintf(path, sizeof path, "%s/report.html", dir);
	if (rc == 0 && bo_fs_out_open(&o, path) == 0) {
		an_report_html(o.f, r, &set);
		rc = bo_fs_out_commit(&o);
	}
	return rc;
}

/* A record's line appended to records.jsonl in one write and flushed to the disk: a kill
 * leaves a whole line or a torn last one, which the next start cuts away. */
static int append_record(watch *w, json_t *rec)
{
	char *s = json_dumps(rec, JSON_COMPACT);
	if (!s)
		return -1;
	size_t n = strlen(s);
	char *line = realloc(s, n + 2);
	if (!line) {
		free(s);
		return -1;
	}
	line[n++] = '\n';
	int fd =
	        open(w->records_path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	int rc = fd < 0 || write(fd, line, n) != (ssize_t)n || fsync(fd) != 0 ? -1 : 0;
	if (fd >= 0)
		close(fd);
	free(line);
	return rc;
}

/* Each analysed event of the run directory that overlaps [from, to] (all, when to is 0), its
 * record appended and noted. The number recorded, -1 when a write failed. */
static int record_events(watch *w, const an_run *r, const char *id, int64_t from, int64_t to)
{
	int n = 0;
	for (int i = 0; i < r->res.nevents; i++) {
		const an_event *e = &r->res.events[i];
		if (to && (e->end < from || e->start > to))
			continue;
		json_t *rec = an_event_record(r, i);
		char rel[160];
		snprintf(rel, sizeof rel, "events/%s", id);
		json_object_set_new(rec, "event_dir", json_string(rel));
		/* when it was written: an event closes --settle after its last loss */
		json_object_set_new(rec, "recorded_ns",
		                    json_integer((json_int_t)bo_clock_real_ns()));
		int rc = append_record(w, rec);
		if (rc != 0) {
			w->records_failed++;
			json_decref(rec);
			return -1;
		}
		watch_done d = {0};
		snprintf(d.id, sizeof d.id, "%s", id);
		snprintf(d.target, sizeof d.target, "%s", r->eng.streams[e->stream0].target_str);
		snprintf(d.kind, sizeof d.kind, "%s",
		         e->kind == AN_EV_MIGRATION ? "migration" : "loss");
		snprintf(d.verdict, sizeof d.verdict, "%s", an_verdict_names[e->j.verdict]);
		snprintf(d.stream, sizeof d.stream, "%s", r->eng.streams[e->main_stream].name);
		d.start = e->start;
		an_event_dark(r, e, &d.dark);
		watch_note(w, &d);
		/* the dark time of each of its streams, for the histogram */
		for (int k = 0; k < e->nparts; k++) {
			const an_stream *s = &r->eng.streams[e->parts[k].stream];
			const an_outage *o = &s->outages[e->parts[k].outage];
			int h = 0;
			while (h < w->ndark && strcmp(w->dark[h].stream, s->name))
				h++;
			if (h == w->ndark && h < WATCH_STREAMS)
				w->dark[w->ndark++].stream = s->desc->name;
			if (h == WATCH_STREAMS)
				continue;
			double sec = (double)(o->next_ok ? o->duration : o->dmin) / 1e9;
			for (int b = 0; b < WATCH_BUCKETS; b++)
				w->dark[h].bucket[b] += sec <= watch_buckets[b];
			w->dark[h].count++;
			w->dark[h].sum += sec;
		}
		json_decref(rec);
		n++;
	}
	return n;
}

void watch_store_event(watch *w, int t, const watch_open *ev, int64_t end)
{
	probe *p = w->p;
	const probe_target *tg = &p->targets[t];
	int64_t a = ev->start - p->cfg.event_lead, b = end;
	char id[96], tmp[4300], dir[4300];
	event_id(ev->start, tg->str, id, sizeof id);
	snprintf(dir, sizeof dir, "%s/events/%s", w->dir, id);
	snprintf(tmp, sizeof tmp, "%s/events/.tmp-%s", w->dir, id);
	struct stat st;
	for (int k = 2; lstat(dir, &st) == 0 && k < 100; k++) { /* the same millisecond */
		event_id(ev->start, tg->str, id, sizeof id);
		snprintf(id + strlen(id), sizeof id - strlen(id), "-%d", k);
		snprintf(dir, sizeof dir, "%s/events/%s", w->dir, id);
		snprintf(tmp, sizeof tmp, "%s/events/.tmp-%s", w->dir, id);
	}
	struct pcap_stat ps = {0};
	if (p->cap.pcap)
		pcap_stats(p->cap.pcap, &ps);
	uint64_t drops = ps.ps_drop - ev->cap_drops, frames = 0;
	const char *why = NULL;
	int64_t t0 = bo_clock_mono_ns(), t_cut = 0, t_capture = 0;
	if (bo_mkdir1(tmp) != 0)
		why = "cannot create its directory";
	else if (cut_capture(p, tmp, tg, a, b, &frames) != 0)
		why = "its capture could not be written";
	t_capture = bo_clock_mono_ns();
	if (!why && !frames)
		why = "its capture was not kept (a full disk, or pruned)";
	else if (!why && cut_log(p, tmp, t, a, b, drops) != 0)
		why = "its log could not be written";
	an_run r;
	memset(&r, 0, sizeof r);
	if (!why) {
		cut_guest(p, tmp, t, a, b);
		cut_host(p, tmp, a, b);
		t_cut = bo_clock_mono_ns();
		if (analyse(w, tmp, &r) != 0)
			why = "its analysis failed";
		else if (rename(tmp, dir) != 0)
			why = "its directory could not be renamed";
	}
	if (!why && record_events(w, &r, id, ev->start, end) <= 0)
		why = "no record was written";
	if (why) {
		w->events_unrecorded++;
		if (errno == ENOSPC)
			w->disk_full = 1;
		watch_log(w, json_pack("{s:s, s:s, s:s, s:I, s:I}", "type", "event-unrecorded",
		                       "target", tg->str, "why", why, "start_ns",
		                       (json_int_t)ev->start, "end_ns", (json_int_t)end));
		if (!p->cfg.quiet)
			fprintf(stderr, "blackout-probe: %s: an event at %s not recorded: %s\n",
			        tg->str, id, why);
	} else {
		/* what recording it took: the capture cut, the logs cut, the analysis */
		int64_t t_done = bo_clock_mono_ns();
		watch_log(w, json_pack("{s:s, s:s, s:s, s:I, s:I, s:{s:f, s:f, s:f}}", "type",
		                       "event", "id", id, "target", tg->str, "frames",
		                       (json_int_t)frames, "last_dark_ns", (json_int_t)ev->last_bad,
		                       "took_ms", "capture", (double)(t_capture - t0) / 1e6, "logs",
		                       (double)(t_cut - t_capture) / 1e6, "analysis",
		                       (double)(t_done - t_cut) / 1e6));
		watch_store_index(w);
	}
	an_run_free(&r);
}

/* ---- the recent events, index.html ---------------------------------------------------- */

void watch_note(watch *w, const watch_done *d)
{
	w->recent[w->recent_head] = *d;
	w->recent_head = (w->recent_head + 1) % WATCH_RECENT;
	if (w->nrecent < WATCH_RECENT)
		w->nrecent++;
	int kind = strcmp(d->kind, "migration") != 0;
	int v = an_verdict_parse(d->verdict);
	if (v >= 0)
		w->events_total[kind][v]++;
	if (kind) /* a loss says nothing of where a migration left a target */
		return;
	int k = 0;
	while (k < w->nlast && strcmp(w->last[k].target, d->target))
		k++;
	if (k == w->nlast && k < WATCH_TARGETS)
		w->nlast++;
	if (k == WATCH_TARGETS)
		return;
	snprintf(w->last[k].target, sizeof w->last[k].target, "%s", d->target);
	snprintf(w->last[k].verdict, sizeof w->last[k].verdict, "%s", d->verdict);
	w->last[k].at = d->start;
	w->last[k].dark = d->dark;
	if (!w->cfg.quiet && w->p) {
		char dark[32];
		probe_live_clear(w->p);
		fprintf(stderr, "%s %s %s, dark %s: events/%s\n", d->target, d->kind, d->verdict,
		        bo_dur_str(d->dark, dark, sizeof dark), d->id);
	}
}

static void html_text(FILE *f, const char *s)
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

void watch_store_index(watch *w)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/index.html", w->dir);
	bo_fs_out o;
	if (bo_fs_out_open(&o, path) != 0)
		return;
	FILE *f = o.f;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<title>blackout-probe --watch</title><style>body{font:14px sans-serif;margin:20px}"
	      "table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid "
	      "#ddd;text-align:left}.v-ok{color:#2e7d32}.v-bad{color:#c62828;font-weight:600}"
	      ".v-warn{color:#b26a00}</style></head><body>\n<h1>blackout: events</h1>\n<p>",
	      f);
	html_text(f, w->dir);
	fprintf(f,
	        ": %d event%s, newest first (records.jsonl has them all).</p>\n<table><tr>"
	        "<th>start (UTC)</th><th>target</th><th>kind</th><th>verdict</th><th>dark</th>"
	        "<th>stream</th><th>report</th></tr>\n",
	        w->nrecent, w->nrecent == 1 ? "" : "s");
	for (int i = 0; i < w->nrecent; i++) {
		const watch_done *d =
		        &w->recent[(w->recent_head - 1 - i + 2 * WATCH_RECENT) % WATCH_RECENT];
		char iso[48], dark[32];
		int v = an_verdict_parse(d->verdict);
		const char *cls = v < 0                          ? ""
		                  : an_verdict_ok(v)             ? "v-ok"
		                  : v == AN_V_QUARANTINE_TIMEOUT ? "v-bad"
		                                                 : "v-warn";
		fprintf(f, "<tr><td>%s</td><td>", bo_time_rfc3339(d->start, 0, 3, iso, sizeof iso));
		html_text(f, d->target);
		fprintf(f, "</td><td>%s</td><td class=\"%s\">", d->kind, cls);
		html_text(f, d->verdict);
		fprintf(f, "</td><td>%s</td><td>", bo_dur_str(d->dark, dark, sizeof dark));
		html_text(f, d->stream);
		fputs("</td><td><a href=\"events/", f);
		html_text(f, d->id);
		fputs("/report.html\">report</a></td></tr>\n", f);
	}
	fputs("</table>\n</body></html>\n", f);
	bo_fs_out_commit(&o);
}

/* ---- the disk budget --------------------------------------------------------------------- */

typedef struct entry {
	char path[4200];
	int64_t bytes;
	int64_t mtime; /* s */
	int dir;       /* an event or a session directory: removed whole */
} entry;

static int64_t dir_bytes(const char *path, int64_t *newest)
{
	DIR *d = opendir(path);
	if (!d)
		return 0;
	int64_t sum = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' &&
		    (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		char p[4400];
		struct stat st;
		snprintf(p, sizeof p, "%s/%s", path, e->d_name);
		if (lstat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			sum += dir_bytes(p, newest);
		else
			sum += (int64_t)st.st_blocks * 512;
		if (newest && st.st_mtime > *newest)
			*newest = st.st_mtime;
	}
	closedir(d);
	return sum;
}

static int remove_tree(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return unlink(path);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' &&
		    (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		char p[4400];
		struct stat st;
		snprintf(p, sizeof p, "%s/%s", path, e->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(p);
		else
			unlink(p);
	}
	closedir(d);
	return rmdir(path);
}

static int by_mtime(const void *x, const void *y)
{
	const entry *a = x, *b = y;
	return a->mtime < b->mtime ? -1 : a->mtime > b->mtime ? 1 : strcmp(a->path, b->path);
}

/* The files and directories the budget may take, oldest first: the capture segments and guest
 * files of every session (not the current one's segment, nor any an open event needs), old
 * sessions' directories once empty, and the events. */
static int candidates(watch *w, entry **out, int *n_events)
{
	int n = 0, cap = 256;
	entry *v = malloc((size_t)cap * sizeof *v);
	*n_events = 0;
	if (!v)
		return 0;
	int64_t need_from = INT64_MAX; /* what an open event needs, capture time */
	const probe *p = w->p;
	for (int i = 0; p && w->open && i < p->ntargets; i++)
		if (w->open[i].open && w->open[i].start - p->cfg.event_lead < need_from)
			need_from = w->open[i].start - p->cfg.event_lead;
	const char *subs[] = {"sessions", "events"};
	for (int s = 0; s < 2; s++) {
		char base[4200];
		snprintf(base, sizeof base, "%s/%s", w->dir, subs[s]);
		DIR *d = opendir(base);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char path[4300];
			snprintf(path, sizeof path, "%s/%s", base, e->d_name);
			int current = s == 0 && !strcmp(e->d_name, w->session) && w->p;
			if (s == 1) { /* an event: whole */
				int64_t newest = 0;
				if (n == cap && !(v = realloc(v, (size_t)(cap *= 2) * sizeof *v)))
					break;
				v[n] = (entry){.bytes = dir_bytes(path, &newest),
				               .mtime = newest,
				               .dir = 1};
				snprintf(v[n++].path, sizeof v->path, "%s", path);
				(*n_events)++;
				continue;
			}
			DIR *sd = opendir(path);
			struct dirent *f;
			while (sd && (f = readdir(sd))) {
				if (strncmp(f->d_name, "seg-", 4) &&
				    strncmp(f->d_name, "guest-", 6))
					continue;
				unsigned num = 0;
				sscanf(f->d_name + (f->d_name[0] == 's' ? 4 : 6), "%u", &num);
				if (current) { /* the current segment, and those an open event needs
					        */
					const bo_capseg *segs;
					int ns = bo_capwr_segments(p->cap.wr, &segs), keep = 0;
					for (int i = 0; i < ns; i++)
						if (segs[i].number == num &&
						    (i == ns - 1 || segs[i].last_ts >= need_from))
							keep = 1;
					if (keep || (ns && num >= segs[ns - 1].number))
						continue;
				}
				char fp[4400];
				struct stat st;
				snprintf(fp, sizeof fp, "%s/%s", path, f->d_name);
				if (lstat(fp, &st) != 0)
					continue;
				if (n == cap && !(v = realloc(v, (size_t)(cap *= 2) * sizeof *v)))
					break;
				v[n] = (entry){.bytes = (int64_t)st.st_blocks * 512,
				               .mtime = st.st_mtime};
				snprintf(v[n++].path, sizeof v->path, "%s", fp);
			}
			if (sd)
				closedir(sd);
			if (!current) { /* an old session's directory, once its segments are gone */
				if (n == cap && !(v = realloc(v, (size_t)(cap *= 2) * sizeof *v)))
					break;
				int64_t newest = 0;
				dir_bytes(path, &newest);
				v[n] = (entry){.bytes = 0, .mtime = newest, .dir = 1};
				snprintf(v[n++].path, sizeof v->path, "%s", path);
			}
		}
		if (d)
			closedir(d);
	}
	qsort(v, (size_t)n, sizeof *v, by_mtime);
	*out = v;
	return n;
}

void watch_store_budget(watch *w)
{
	w->disk_bytes = dir_bytes(w->dir, NULL);
	/* down to 90 % of --keep, so what comes until the next look (every 5 s) still fits */
	int64_t keep = w->cfg.keep_bytes / 10 * 9, now = bo_clock_real_ns() / BO_NS_PER_S;
	entry *v = NULL;
	int nev, n = candidates(w, &v, &nev);
	int removed_segments = 0, removed_events = 0;
	/* segments and session directories first, oldest first; events only when they alone are
	 * over the budget (or older than --keep-age) */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < n; i++) {
			int event = v[i].dir && strstr(v[i].path, "/events/") != NULL;
			int old =
			        w->cfg.keep_age && now - v[i].mtime > w->cfg.keep_age / BO_NS_PER_S;
			if (!v[i].path[0] || (pass == 0 && event) || (pass == 1 && !event))
				continue;
			if (!old && w->disk_bytes <= keep && !(v[i].dir && !event))
				continue;
			if (v[i].dir && !event) { /* a session's directory: only when emptied */
				char probe_log[4400];
				snprintf(probe_log, sizeof probe_log, "%s/probe.jsonl", v[i].path);
				DIR *d = opendir(v[i].path);
				int left = 0;
				struct dirent *e;
				while (d && (e = readdir(d)))
					left += !strncmp(e->d_name, "seg-", 4);
				if (d)
					closedir(d);
				if (left || (!old && w->disk_bytes <= keep))
					continue;
			}
			int64_t b = v[i].dir ? dir_bytes(v[i].path, NULL) : v[i].bytes;
			if ((v[i].dir ? remove_tree(v[i].path) : unlink(v[i].path)) == 0) {
				w->disk_bytes -= b;
				if (event)
					removed_events++;
				else if (!v[i].dir && strstr(v[i].path, "/seg-"))
					removed_segments++;
			}
			v[i].path[0] = 0;
		}
	/* the current session's writer forgets the segments removed */
	if (w->p && w->p->cap.wr) {
		const bo_capseg *segs;
		int ns = bo_capwr_segments(w->p->cap.wr, &segs), gone = 0;
		struct stat st;
		while (gone < ns - 1 && lstat(segs[gone].path, &st) != 0)
			gone++;
		bo_capwr_forget(w->p->cap.wr, gone);
	}
	w->segments_pruned += (uint64_t)removed_segments;
	w->events_pruned += (uint64_t)removed_events;
	if (removed_events)
		watch_log(w, json_pack("{s:s, s:i, s:I}", "type", "budget", "events_removed",
		                       removed_events, "bytes", (json_int_t)w->disk_bytes));
	free(v);
	(void)nev;
}

/* ---- start: the directory, records repaired, what a kill left put right ------------------ */

/* records.jsonl's torn last line (a kill in the middle of a write) cut away. */
static void repair_records(watch *w)
{
	int fd = open(w->records_path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		off_t end = st.st_size, keep = 0;
		char buf[4096];
		for (off_t at = end; at > 0 && !keep;) { /* back to the last newline */
			size_t n = at > (off_t)sizeof buf ? sizeof buf : (size_t)at;
			at -= (off_t)n;
			if (pread(fd, buf, n, at) != (ssize_t)n)
				break;
			for (size_t i = n; i-- > 0;)
				if (buf[i] == '\n') {
					keep = at + (off_t)i + 1;
					break;
				}
		}
		if (keep < end && ftruncate(fd, keep) == 0)
			watch_log(w, json_pack("{s:s, s:I}", "type", "records-repaired",
			                       "bytes_cut", (json_int_t)(end - keep)));
	}
	close(fd);
}

/* The events records.jsonl names (event_dir), and the newest for index.html and /metrics. */
static char **recorded(watch *w, int *n)
{
	FILE *f = bo_fs_open_regular(w->records_path);
	char **ids = NULL;
	int cap = 0;
	*n = 0;
	json_t *o;
	long line = 0;
	int rc;
	while (f && (rc = bo_jsonl_next(f, GUEST_LINE_MAX, &o, &line)) != 0) {
		if (rc < 0)
			continue;
		const char *dir = bo_json_str(o, "event_dir", "");
		if (!strncmp(dir, "events/", 7)) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 256;
				char **g = realloc(ids, (size_t)cap * sizeof *g);
				if (!g)
					break;
				ids = g;
			}
			ids[(*n)++] = strdup(dir + 7);
			watch_done d = {0};
			snprintf(d.id, sizeof d.id, "%s", dir + 7);
			bo_json_text(o, "target", "", d.target, sizeof d.target);
			bo_json_text(o, "kind", "", d.kind, sizeof d.kind);
			bo_json_text(o, "verdict", "", d.verdict, sizeof d.verdict);
			bo_json_text(o, "main_stream", "", d.stream, sizeof d.stream);
			d.start = bo_json_time(o, "start_ns");
			d.dark = bo_json_time(o, "dark_ns");
			/* the index's list only: counters start from zero with each process */
			w->recent[w->recent_head] = d;
			w->recent_head = (w->recent_head + 1) % WATCH_RECENT;
			if (w->nrecent < WATCH_RECENT)
				w->nrecent++;
		}
		json_decref(o);
	}
	if (f)
		fclose(f);
	return ids;
}

int watch_store_open(watch *w, char *err, size_t errlen)
{
	char path[4300];
	const char *subs[] = {"", "/sessions", "/events"};
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s%s", w->dir, subs[i]);
		struct stat st;
		if (bo_mkdir_p(path) != 0 || lstat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "cannot use %s as a directory: %s", path,
			         errno ? strerror(errno) : "a link or a file is in its place");
			return -1;
		}
	}
	snprintf(path, sizeof path, "%s/watch.jsonl", w->dir);
	if (bo_log_open(&w->log, path, 1) != 0) {
		snprintf(err, errlen, "cannot append to %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	w->log_bytes = stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
	snprintf(w->records_path, sizeof w->records_path, "%s/records.jsonl", w->dir);
	if (w->cfg.stamp_key_file &&
	    bo_stamp_key_load(w->cfg.stamp_key_file, &w->stamp_key, err, errlen) != 0)
		return -1;
	watch_log(w, json_pack("{s:s, s:s, s:s, s:i, s:I, s:I}", "type", "start", "tool",
	                       "blackout-probe", "version", BLACKOUT_VERSION, "pid", (int)getpid(),
	                       "keep_bytes", (json_int_t)w->cfg.keep_bytes, "realtime_ns",
	                       (json_int_t)bo_clock_real_ns()));
	repair_records(w);
	int nrec;
	char **ids = recorded(w, &nrec);
	/* events/: a half-made one (.tmp-) removed; a whole one without its records (a kill
	 * between the two) recorded now, from its own analysis */
	snprintf(path, sizeof path, "%s/events", w->dir);
	DIR *d = opendir(path);
	struct dirent *e;
	int recovered = 0;
	while (d && (e = readdir(d))) {
		char ep[4400];
		snprintf(ep, sizeof ep, "%s/%s", path, e->d_name);
		if (!strncmp(e->d_name, ".tmp-", 5)) {
			remove_tree(ep);
			continue;
		}
		if (e->d_name[0] == '.')
			continue;
		int known = 0;
		for (int i = 0; i < nrec && !known; i++)
			known = !strcmp(ids[i], e->d_name);
		char aj[4500];
		snprintf(aj, sizeof aj, "%s/analysis.json", ep);
		if (known || access(aj, F_OK) != 0)
			continue;
		an_run r;
		an_settings set = an_settings_defaults();
		memset(&r, 0, sizeof r);
		if (an_load(&r, ep, &set, &w->stamp_key, NULL, NULL) == 0 &&
		    record_events(w, &r, e->d_name, 0, 0) > 0)
			recovered++;
		an_run_free(&r);
	}
	if (d)
		closedir(d);
	for (int i = 0; i < nrec; i++)
		free(ids[i]);
	free(ids);
	if (recovered)
		watch_log(w, json_pack("{s:s, s:i}", "type", "recovered", "events", recovered));
	watch_store_index(w);
	return 0;
}
