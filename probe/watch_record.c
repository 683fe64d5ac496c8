/* SPDX-License-Identifier: Apache-2.0 */
/* An event's recording, off the event loop. On the loop, when the event closes, what its
 * recording needs is copied out of the session (the names of the capture segments and guest
 * files of its time, probe.jsonl's lines, the responder's start event, the event channel's
 * ports): a job. On a worker thread the job cuts the target's frames and lines out of those
 * files into a run directory, analyses it with blackout-analyze's own code and appends its
 * records (fsync'd). Back on the loop it is noted: the recent list, /metrics, index.html, the
 * log. One job runs at a time, in the order the events closed; the loop meanwhile goes on
 * reading the capture, so a long recording (a second at a fleet's rate) costs no frame. The
 * disk budget keeps every file a queued job names (watch_record_needs). */
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
#define LINE_MAX_BYTES (1 << 20)
#define JOB_FILES 256 /* segments (and as many guest files) a job reads at most */

/* An event recorded: what is noted on the loop (the recent list, the histogram). */
typedef struct watch_noted {
	watch_done d;
	int nparts;
	struct {
		const char *stream; /* the stream descriptor's name: static */
		double sec;
	} part[WATCH_STREAMS];
} watch_noted;

struct watch_job {
	uv_work_t req;
	struct watch_job *next;
	watch *w;
	/* the snapshot, the worker's alone */
	char target[48];
	bo_addr addr;
	uint16_t chan[4]; /* the event channel's ports on our side */
	int nchan, linktype;
	char *seg[JOB_FILES], *guest[JOB_FILES];
	int nseg, nguest;
	json_t *lines;       /* probe.jsonl */
	json_t *guest_start; /* the responder's start event, or NULL */
	char *host_events;
	int64_t a, b, start, end, last_bad;
	/* the outcome */
	char id[96];
	const char *why;
	int enospc, records_failed;
	uint64_t frames;
	double took[3]; /* ms: the capture cut, the logs cut, the analysis and records */
	watch_noted *notes;
	int nnotes;
};

/* ---- the worker: the run directory cut, analysed, recorded -------------------------------- */

/* Does a frame concern the target: to or from it, or an announcement (ARP, RARP, an NA: the
 * analyzer tells whose)? Not the target's event channel: guest.jsonl has what it carried. */
static int frame_of(const watch_job *j, const struct pcap_pkthdr *h, const unsigned char *d)
{
	bo_pkt p;
	if (bo_pkt_parse(j->linktype, d, h->caplen, &p) != 0)
		return 0;
	if (p.l4 == BO_L4_ARP || (p.l4 == BO_L4_ICMP6 && p.icmp_type == 136))
		return 1;
	int to = bo_addr_eq(&p.dst, &j->addr), from = bo_addr_eq(&p.src, &j->addr);
	if (!to && !from)
		return 0;
	uint16_t ours = to ? p.sport : p.dport;
	for (int i = 0; p.l4 == BO_L4_TCP && ours && i < j->nchan; i++)
		if (j->chan[i] == ours)
			return 0;
	return 1;
}

/* probe.pcap: the target's frames of [a, b]. */
static int cut_capture(watch_job *j, const char *dir)
{
	char out[4300], err[512];
	snprintf(out, sizeof out, "%s/probe.pcap", dir);
	bo_capwr *wr;
	if (bo_capwr_open(&wr, j->linktype, 65535, out, 0, err, sizeof err) != 0)
		return -1;
	bo_caprd *rd = NULL;
	if (j->nseg &&
	    bo_caprd_open(&rd, (const char **)j->seg, j->nseg, 0, err, sizeof err) == 0) {
		struct pcap_pkthdr *h;
		const unsigned char *d;
		int rc;
		while ((rc = bo_caprd_next(rd, &h, &d)) != 0) {
			if (rc < 0) /* the current segment's last record, half flushed */
				continue;
			int64_t ts = bo_caprd_ts(h);
			if (ts >= j->a && ts <= j->b && frame_of(j, h, d)) {
				bo_capwr_write(wr, h, d);
				j->frames++;
			}
		}
		bo_caprd_close(rd);
	}
	return bo_capwr_close(wr) ? -1 : 0;
}

/* probe.jsonl: its lines, as the loop made them. */
static int cut_log(watch_job *j, const char *dir)
{
	char path[4300];
	snprintf(path, sizeof path, "%s/probe.jsonl", dir);
	bo_log log;
	if (bo_log_open(&log, path, 0) != 0)
		return -1;
	size_t i;
	json_t *o;
	json_array_foreach(j->lines, i, o)
	{
		bo_log_put(&log, json_incref(o));
	}
	return bo_log_close(&log) ? -1 : 0;
}

/* guest.jsonl: the target's responder's last start event, then its events of [a, b] from the
 * session's guest files of those segments. */
static void cut_guest(watch_job *j, const char *dir)
{
	if (!j->nguest && !j->guest_start)
		return;
	char path[4300];
	snprintf(path, sizeof path, "%s/guest.jsonl", dir);
	bo_log log;
	if (bo_log_open(&log, path, 0) != 0)
		return;
	log.buffered = 1; /* tens of thousands of lines: one flush, at the close */
	if (j->guest_start && bo_json_time(j->guest_start, "probe_realtime_ns") < j->a)
		bo_log_put(&log, json_incref(j->guest_start));
	char needle[64]; /* the probe writes these lines: its target field, compact */
	snprintf(needle, sizeof needle, "\"target\":\"%s\"", j->target);
	for (int i = 0; i < j->nguest; i++) {
		FILE *f = bo_fs_open_regular(j->guest[i]);
		json_t *o;
		long line = 0;
		int rc;
		char *raw;
		while (f &&
		       (rc = bo_jsonl_next_with(f, LINE_MAX_BYTES, needle, &o, &line, &raw)) != 0) {
			if (rc < 0)
				continue;
			int64_t at = bo_json_time(o, "probe_realtime_ns");
			if (at >= j->a && at <= j->b &&
			    !strcmp(bo_json_str(o, "target", ""), j->target))
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
static void cut_host(watch_job *j, const char *dir)
{
	FILE *f = j->host_events ? bo_fs_open_regular(j->host_events) : NULL;
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
	while ((rc = bo_jsonl_next(f, LINE_MAX_BYTES, &o, &line)) != 0) {
		if (rc < 0)
			continue;
		int kind = bo_lab_parse(bo_json_str(o, "type", ""));
		int64_t at = bo_json_time(o, "stop_ns");
		if (!at)
			at = bo_json_time(o, "end_ns");
		if (kind == BO_LAB_HOST ||
		    (kind == BO_LAB_MIGRATION && at >= j->a - 60 * BO_NS_PER_S && at <= j->b))
			bo_log_put(&log, o);
		else
			json_decref(o);
	}
	fclose(f);
	bo_log_close(&log);
}

/* The event's name: its start to the millisecond and its target ("20261207T031522.123Z-
 * 192.0.2.2"; an IPv6 address's colons as dots), "-2" and on when that is taken. */
static void event_id(const char *events, int64_t start, const char *target, char *id, size_t len)
{
	char iso[BO_TIME_ISO_LEN], dir[4300];
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
	size_t base = strlen(id);
	struct stat st;
	snprintf(dir, sizeof dir, "%s/%s", events, id);
	for (int k = 2; lstat(dir, &st) == 0 && k < 100; k++) { /* the same millisecond */
		snprintf(id + base, len - base, "-%d", k);
		snprintf(dir, sizeof dir, "%s/%s", events, id);
	}
}

/* The analysis of a run directory made at tmp, as blackout-analyze writes it: analysis.json
 * and report.html beside the inputs, which name it by where it goes (final). */
static int analyse(const watch *w, const char *tmp, const char *final, an_run *r)
{
	an_settings set = an_settings_defaults(); /* blackout-analyze's, with no option */
	if (an_load(r, tmp, &set, &w->stamp_key, NULL, NULL) != 0)
		return -1;
	r->in.input = final;
	snprintf(r->in.path_pcap, sizeof r->in.path_pcap, "%s/probe.pcap", final);
	char path[4300];
	snprintf(path, sizeof path, "%s/analysis.json", tmp);
	json_t *j = an_report_json(r, &set);
	int rc = an_write_json(j, path);
	json_decref(j);
	bo_fs_out o;
	snprintf(path, sizeof path, "%s/report.html", tmp);
	if (rc == 0 && bo_fs_out_open(&o, path) == 0) {
		an_report_html(o.f, r, &set);
		rc = bo_fs_out_commit(&o);
	}
	return rc;
}

/* A record's line appended to records.jsonl in one write and flushed to the disk: a kill
 * leaves a whole line or a torn last one, which the next start cuts away. */
static int append_record(const char *records, json_t *rec)
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
	int fd = open(records, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	int rc = fd < 0 || write(fd, line, n) != (ssize_t)n || fsync(fd) != 0 ? -1 : 0;
	if (fd >= 0)
		close(fd);
	free(line);
	return rc;
}

/* Each analysed event of the run directory that overlaps [from, to] (all, when to is 0): its
 * record appended, what the loop notes of it in (*notes)[]. The number recorded; -1 when a
 * write failed (those before it are noted all the same). */
static int write_records(const watch *w, const an_run *r, const char *id, int64_t from, int64_t to,
                         watch_noted **notes, int *nnotes)
{
	*nnotes = 0;
	*notes = r->res.nevents ? calloc((size_t)r->res.nevents, sizeof **notes) : NULL;
	if (!*notes)
		return r->res.nevents ? -1 : 0;
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
		int rc = append_record(w->records_path, rec);
		json_decref(rec);
		if (rc != 0)
			return -1;
		watch_noted *n = &(*notes)[(*nnotes)++];
		watch_done *d = &n->d;
		snprintf(d->id, sizeof d->id, "%s", id);
		snprintf(d->target, sizeof d->target, "%s", r->eng.streams[e->stream0].target_str);
		snprintf(d->kind, sizeof d->kind, "%s",
		         e->kind == AN_EV_MIGRATION ? "migration" : "loss");
		snprintf(d->verdict, sizeof d->verdict, "%s", an_verdict_names[e->j.verdict]);
		snprintf(d->stream, sizeof d->stream, "%s", r->eng.streams[e->main_stream].name);
		d->start = e->start;
		an_event_dark(r, e, &d->dark);
		for (int k = 0; k < e->nparts && n->nparts < WATCH_STREAMS; k++) {
			const an_stream *s = &r->eng.streams[e->parts[k].stream];
			const an_outage *o = &s->outages[e->parts[k].outage];
			n->part[n->nparts].stream = s->desc->name;
			n->part[n->nparts++].sec =
			        (double)(o->next_ok ? o->duration : o->dmin) / 1e9;
		}
	}
	return *nnotes;
}

static void record(uv_work_t *req)
{
	watch_job *j = req->data;
	const watch *w = j->w;
	char events[4300], dir[4400], tmp[4400];
	snprintf(events, sizeof events, "%s/events", w->dir);
	event_id(events, j->start, j->target, j->id, sizeof j->id);
	snprintf(dir, sizeof dir, "%s/%s", events, j->id);
	snprintf(tmp, sizeof tmp, "%s/.tmp-%s", events, j->id);
	int64_t t0 = bo_clock_mono_ns(), t1 = 0, t2 = 0;
	errno = 0;
	if (bo_mkdir1(tmp) != 0)
		j->why = "cannot create its directory";
	else if (cut_capture(j, tmp) != 0)
		j->why = "its capture could not be written";
	t1 = bo_clock_mono_ns();
	if (!j->why && !j->frames)
		j->why = "its capture was not kept (a full disk, or pruned)";
	else if (!j->why && cut_log(j, tmp) != 0)
		j->why = "its log could not be written";
	an_run r;
	memset(&r, 0, sizeof r);
	if (!j->why) {
		cut_guest(j, tmp);
		cut_host(j, tmp);
		t2 = bo_clock_mono_ns();
		if (analyse(w, tmp, dir, &r) != 0)
			j->why = "its analysis failed";
		else if (rename(tmp, dir) != 0)
			j->why = "its directory could not be renamed";
	}
	if (!j->why) {
		int n = write_records(w, &r, j->id, j->start, j->end, &j->notes, &j->nnotes);
		j->records_failed = n < 0;
		if (n <= 0)
			j->why = "no record was written";
	}
	j->enospc = errno == ENOSPC;
	int64_t t3 = bo_clock_mono_ns();
	j->took[0] = (double)(t1 - t0) / 1e6;
	j->took[1] = (double)(t2 - t1) / 1e6;
	j->took[2] = (double)(t3 - t2) / 1e6;
	an_run_free(&r);
}

/* ---- the loop: jobs queued, their outcome noted ------------------------------------------ */

static void job_free(watch_job *j)
{
	for (int i = 0; i < j->nseg; i++)
		free(j->seg[i]);
	for (int i = 0; i < j->nguest; i++)
		free(j->guest[i]);
	json_decref(j->lines);
	json_decref(j->guest_start);
	free(j->host_events);
	free(j->notes);
	free(j);
}

static void note_all(watch *w, const watch_noted *n, int count)
{
	for (int i = 0; i < count; i++) {
		watch_note(w, &n[i].d);
		for (int k = 0; k < n[i].nparts; k++) { /* the dark-time histogram */
			int h = 0;
			while (h < w->ndark && strcmp(w->dark[h].stream, n[i].part[k].stream))
				h++;
			if (h == w->ndark && h < WATCH_STREAMS)
				w->dark[w->ndark++].stream = n[i].part[k].stream;
			if (h == WATCH_STREAMS)
				continue;
			double sec = n[i].part[k].sec;
			for (int b = 0; b < WATCH_BUCKETS; b++)
				w->dark[h].bucket[b] += sec <= watch_buckets[b];
			w->dark[h].count++;
			w->dark[h].sum += sec;
		}
	}
}

static void unrecorded(watch *w, const char *target, const char *id, const char *why, int64_t start,
                       int64_t end)
{
	w->events_unrecorded++;
	watch_log(w, json_pack("{s:s, s:s, s:s, s:I, s:I}", "type", "event-unrecorded", "target",
	                       target, "why", why, "start_ns", (json_int_t)start, "end_ns",
	                       (json_int_t)end));
	if (!w->cfg.quiet)
		fprintf(stderr, "blackout-probe: %s: an event at %s not recorded: %s\n", target, id,
		        why);
}

static void start_next(watch *w);

static void recorded(uv_work_t *req, int status)
{
	watch_job *j = req->data;
	watch *w = j->w;
	w->job = NULL;
	note_all(w, j->notes, j->nnotes);
	w->records_failed += (uint64_t)j->records_failed;
	if (status != 0 && !j->why)
		j->why = "its recording was cancelled";
	if (j->why) {
		if (j->enospc)
			w->disk_full = 1;
		unrecorded(w, j->target, j->id, j->why, j->start, j->end);
	} else {
		/* what recording it took: the capture cut, the logs cut, the analysis; how long
		 * it waited for the ones before it */
		watch_log(w, json_pack("{s:s, s:s, s:s, s:I, s:I, s:{s:f, s:f, s:f}, s:f}", "type",
		                       "event", "id", j->id, "target", j->target, "frames",
		                       (json_int_t)j->frames, "last_dark_ns",
		                       (json_int_t)j->last_bad, "took_ms", "capture", j->took[0],
		                       "logs", j->took[1], "analysis", j->took[2], "late_s",
		                       (double)(bo_clock_real_ns() - j->end) / 1e9));
		watch_store_index(w);
	}
	job_free(j);
	start_next(w);
}

static void start_next(watch *w)
{
	if (w->job || !w->jobs)
		return;
	watch_job *j = w->jobs;
	w->jobs = j->next;
	w->njobs--;
	w->job = j;
	j->req.data = j;
	if (uv_queue_work(w->loop, &j->req, record, recorded) != 0) {
		w->job = NULL;
		unrecorded(w, j->target, "?", "no worker thread", j->start, j->end);
		job_free(j);
	}
}

/* probe.jsonl's lines: the session's header for this target, its streams, the start, the
 * markers of [a, b], and an end record with the capture's drops while the event was open. */
static json_t *log_lines(const probe *p, int t, int64_t a, int64_t b, uint64_t drops)
{
	json_t *lines = json_array();
	const probe_target *tg = &p->targets[t];
	/* the header, its config's list of every target left out (a fleet's: big) */
	json_t *h = json_object(), *cfg = json_object(), *v;
	const char *k;
	json_object_foreach(p->header, k, v)
	{
		if (strcmp(k, "config"))
			json_object_set_new(h, k, json_deep_copy(v));
	}
	json_object_foreach(json_object_get(p->header, "config"), k, v)
	{
		if (strcmp(k, "targets"))
			json_object_set_new(cfg, k, json_deep_copy(v));
	}
	json_object_set_new(h, "config", cfg);
	json_object_set_new(cfg, "targets", json_pack("[s]", tg->str));
	json_object_set_new(cfg, "watch", json_string(p->cfg.watch_dir));
	/* the clock pair now: the analyzer places the probes' monotonic deadlines with it */
	json_object_set_new(h, "clock",
	                    json_pack("{s:I, s:I}", "realtime_ns", (json_int_t)bo_clock_real_ns(),
	                              "monotonic_ns", (json_int_t)bo_clock_mono_ns()));
	json_array_append_new(lines, h);
	int n = p->cfg.nstreams;
	for (int s = t * n; s < (t + 1) * n; s++)
		json_array_append_new(lines, probe_stream_record(&p->slots[s]));
	json_array_append_new(lines,
	                      json_pack("{s:s, s:s, s:i, s:s}", "type", bo_rec_name(BO_REC_CAPTURE),
	                                "interface", p->cap.iface, "linktype", p->cap.linktype,
	                                "tstamp_precision", "ns"));
	json_array_append_new(lines, json_pack("{s:s, s:I}", "type", bo_rec_name(BO_REC_START),
	                                       "t0_monotonic_ns", (json_int_t)p->t0));
	int kept = p->nmarkers_kept < PROBE_MARKERS_KEPT ? p->nmarkers_kept : PROBE_MARKERS_KEPT;
	for (int i = p->nmarkers_kept - kept; i < p->nmarkers_kept; i++) {
		json_t *m = p->markers_kept[i % PROBE_MARKERS_KEPT];
		int64_t ts = bo_json_time(m, "realtime_ns");
		if (ts >= a && ts <= b)
			json_array_append_new(lines, json_deep_copy(m));
	}
	json_array_append_new(
	        lines, json_pack("{s:s, s:I, s:s, s:{s:I, s:I}}", "type", bo_rec_name(BO_REC_END),
	                         "realtime_ns", (json_int_t)b, "reason", "event", "capture",
	                         "dropped", (json_int_t)drops, "if_dropped", (json_int_t)0));
	return lines;
}

void watch_record_event(watch *w, int t, const watch_open *ev, int64_t end)
{
	probe *p = w->p;
	const probe_target *tg = &p->targets[t];
	if (w->njobs >= WATCH_QUEUE) {
		unrecorded(w, tg->str, "?", "the recorder is behind: too many events wait",
		           ev->start, end);
		return;
	}
	watch_job *j = calloc(1, sizeof *j);
	if (!j) {
		unrecorded(w, tg->str, "?", "out of memory", ev->start, end);
		return;
	}
	j->w = w;
	snprintf(j->target, sizeof j->target, "%s", tg->str);
	j->addr = tg->addr;
	j->nchan = probe_guest_channel_ports(p, tg, j->chan);
	j->linktype = p->cap.linktype;
	j->start = ev->start, j->end = end, j->last_bad = ev->last_bad;
	j->a = ev->start - p->cfg.event_lead, j->b = end;
	const bo_capseg *segs;
	int n = p->cap.wr ? bo_capwr_segments(p->cap.wr, &segs) : 0;
	for (int i = 0; i < n; i++) {
		/* a segment's frames of [a, b]; the guests' lines also of one with no frame yet */
		int of_event =
		        segs[i].first_ts && segs[i].first_ts <= j->b && segs[i].last_ts >= j->a;
		if (of_event && j->nseg < JOB_FILES)
			j->seg[j->nseg++] = strdup(segs[i].path);
		if (p->guests && j->nguest < JOB_FILES && (of_event || !segs[i].first_ts)) {
			char path[4300];
			snprintf(path, sizeof path, "%s/guest-%06u.jsonl", p->cfg.run_dir,
			         segs[i].number);
			j->guest[j->nguest++] = strdup(path);
		}
	}
	struct pcap_stat ps = {0};
	if (p->cap.pcap)
		pcap_stats(p->cap.pcap, &ps);
	j->lines = log_lines(p, t, j->a, j->b, ps.ps_drop - ev->cap_drops);
	json_t *start = probe_guest_start_event(p, tg);
	j->guest_start = start ? json_deep_copy(start) : NULL;
	j->host_events = p->cfg.host_events ? strdup(p->cfg.host_events) : NULL;
	int short_of = !j->lines || (p->cfg.host_events && !j->host_events);
	for (int i = 0; i < j->nseg; i++)
		short_of |= !j->seg[i];
	for (int i = 0; i < j->nguest; i++)
		short_of |= !j->guest[i];
	if (short_of) {
		unrecorded(w, tg->str, "?", "out of memory", ev->start, end);
		job_free(j);
		return;
	}
	watch_job **tail = &w->jobs;
	while (*tail)
		tail = &(*tail)->next;
	*tail = j;
	w->njobs++;
	start_next(w);
}

static int job_needs(const watch_job *j, const char *path)
{
	for (int i = 0; i < j->nseg; i++)
		if (!strcmp(j->seg[i], path))
			return 1;
	for (int i = 0; i < j->nguest; i++)
		if (!strcmp(j->guest[i], path))
			return 1;
	return 0;
}

int watch_record_needs(const watch *w, const char *path)
{
	if (w->job && job_needs(w->job, path))
		return 1;
	for (const watch_job *j = w->jobs; j; j = j->next)
		if (job_needs(j, path))
			return 1;
	return 0;
}

void watch_record_drain(watch *w)
{
	while (w->job)
		uv_run(w->loop, UV_RUN_ONCE);
}

int watch_record_dir(watch *w, const char *dir, const char *id)
{
	an_run r;
	an_settings set = an_settings_defaults();
	memset(&r, 0, sizeof r);
	watch_noted *notes = NULL;
	int n = -1, nnotes = 0;
	if (an_load(&r, dir, &set, &w->stamp_key, NULL, NULL) == 0) {
		n = write_records(w, &r, id, 0, 0, &notes, &nnotes);
		note_all(w, notes, nnotes);
		w->records_failed += n < 0;
	}
	free(notes);
	an_run_free(&r);
	return n;
}
