/* SPDX-License-Identifier: Apache-2.0 */
/* The watcher's directory (watch.h has its layout): the recent events and index.html, the disk
 * budget, and what a kill -9 left behind put right at start. (An event's own directory and
 * records: watch_record.c.) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bo_capwr.h"
#include "bo_fs.h"
#include "bo_time.h"
#include "bo_vocab.h"
#include "watch.h"

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
 * files of every session (not the current one's segment, nor any an open event or an event
 * being recorded needs), old
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
				if (watch_record_needs(w, fp) || lstat(fp, &st) != 0)
					continue; /* an event being recorded reads it */
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
		if (watch_record_dir(w, ep, e->d_name) > 0)
			recovered++;
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
