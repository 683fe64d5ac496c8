/* SPDX-License-Identifier: Apache-2.0 */
/* blackout-probe --watch DIR: probes its targets until stopped, and finds the events nobody
 * scheduled as they happen. Each second the analyzer's engine (fed the live capture, engine.c)
 * is read per target: a stream with --min-event consecutive probes lost opens an event; when
 * every stream of the target has answered for --settle, it closes, and watch_store.c cuts it
 * out of the flight recorder as a run directory, analyses it with blackout-analyze's own code
 * and records it. A session (probe.c's run: targets, sockets, capture, key) lasts until
 * SIGTERM, a SIGHUP that changed --targets FILE, or a capture that broke (a link gone): the
 * watcher then starts the next one on the same loop, its records and metrics going on. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bo_capwr.h"
#include "bo_err.h"
#include "bo_fs.h"
#include "bo_time.h"
#include "bo_vocab.h"
#include "watch.h"

#define WATCH_RELOAD_WAIT (60 * BO_NS_PER_S) /* a reload waits this long for open events */
#define WATCH_RETRY_MS 5000                  /* a session that could not open, tried again */
#define WATCH_TICKS_PER_S 4 /* events looked at; the capture's and guests' buffers flushed */
#define WATCH_STEP (50 * BO_NS_PER_MS) /* a change of realtime - monotonic: a step */

static watch W;

static void session_finished(probe *p)
{
	watch *w = p->watch;
	uv_stop(w->loop);
}

/* An event of a target's streams, opened or made longer by an outage [from, to]. An outage
 * that began before the last recorded event's end is late news of that event (an established
 * stream's stall, judged once TCP has caught up), counted and dropped, whether or not a later
 * event is open: it neither opens a second record of it nor stretches the next one back. */
void watch_extend(watch *w, watch_open *ev, int64_t from, int64_t to)
{
	if (ev->closed_end && from <= ev->closed_end) {
		w->outages_folded++;
		return;
	}
	if (!ev->open) {
		struct pcap_stat st = {0};
		if (w->p && w->p->cap.pcap)
			pcap_stats(w->p->cap.pcap, &st);
		*ev = (watch_open){1, from, to, st.ps_drop, ev->closed_end};
		return;
	}
	if (from < ev->start)
		ev->start = from;
	if (to > ev->last_bad)
		ev->last_bad = to;
}

/* The engine's view of target t's streams (slots [t*n, (t+1)*n), engine streams alike). An
 * event that closes is queued to be recorded on the worker thread: the loop goes on. */
static void look(watch *w, int t, int64_t now, int *seen)
{
	probe *p = w->p;
	an_run *r = probe_engine_run(p);
	watch_open *ev = &w->open[t];
	int n = p->cfg.nstreams, dark = 0;
	for (int k = t * n; k < (t + 1) * n && k < r->eng.nstreams; k++) {
		const an_stream *st = &r->eng.streams[k];
		if (!st->answered) { /* never answered (no responder): says nothing of the target */
			seen[k] = st->noutages;
			continue;
		}
		for (; seen[k] < st->noutages; seen[k]++) { /* outages closed since */
			const an_outage *o = &st->outages[seen[k]];
			int64_t end = o->end_hi ? o->end_hi : now;
			if ((int)o->lost >= p->cfg.min_event)
				watch_extend(w, ev, o->first_lost, end);
			else if (ev->open && end > ev->last_bad)
				ev->last_bad = end; /* a probe or two lost inside the event */
		}
		if (!st->in_outage)
			continue;
		/* answered again after its last lost probe: the outage is ending (the engine
		 * closes it once the probes before that answer have timed out, a reply timeout
		 * later): dark until its last probe known lost, not until now */
		int ending = st->newest_reply_send > st->cur.last_lost;
		int64_t until = ending ? st->cur.last_lost : now;
		dark |= !ending;
		if ((int)st->cur.lost >= p->cfg.min_event)
			watch_extend(w, ev, st->cur.first_lost, until);
		else if (ev->open && until > ev->last_bad)
			ev->last_bad = until;
	}
	if (ev->open && !dark && now - ev->last_bad >= p->cfg.settle) {
		watch_record_event(w, t, ev, now);
		ev->open = 0;
		ev->closed_end = ev->last_bad;
	}
}

static int *seen_of(probe *p)
{
	static int *seen;
	static probe *owner;
	if (owner != p) {
		free(seen);
		seen = calloc((size_t)p->nslots, sizeof *seen);
		owner = p;
	}
	return seen;
}

/* The guests' events go to a file per capture segment (guest-NNNNNN.jsonl), so an event's
 * excerpt reads only those of its time and old ones go with their segments. */
static void rotate_guest_log(watch *w)
{
	probe *p = w->p;
	const bo_capseg *segs;
	int n = p->cap.wr ? bo_capwr_segments(p->cap.wr, &segs) : 0;
	if (!n || !p->guests || (int)segs[n - 1].number == w->guest_seg)
		return;
	char path[4200];
	snprintf(path, sizeof path, "%s/guest-%06u.jsonl", p->cfg.run_dir, segs[n - 1].number);
	if (p->guest_log.f)
		bo_log_close(&p->guest_log);
	if (bo_log_open(&p->guest_log, path, 0) != 0)
		w->disk_errors++;
	w->guest_seg = (int)segs[n - 1].number;
}

static void on_tick(uv_timer_t *t)
{
	watch *w = t->data;
	probe *p = w->p;
	if (!p || p->finished || !p->engine)
		return;
	int64_t now = bo_clock_real_ns(), m2r = now - bo_clock_mono_ns();
	if (w->mono_to_real && llabs(m2r - w->mono_to_real) > WATCH_STEP) {
		w->clock_steps++;
		watch_log(w, json_pack("{s:s, s:I, s:I}", "type", "clock-step", "realtime_ns",
		                       (json_int_t)now, "step_ns",
		                       (json_int_t)(m2r - w->mono_to_real)));
	}
	w->mono_to_real = m2r;
	/* the files' buffers out first: an event closed now is cut from them */
	if (p->cap.wr && bo_capwr_flush(p->cap.wr) < 0) {
		w->disk_errors++;
		w->disk_full = bo_capwr_error(p->cap.wr) == -ENOSPC;
		watch_log(w, json_pack("{s:s, s:s}", "type", "disk", "what",
		                       "a capture segment could not be written: probing goes on"));
	}
	/* the guests' lines (an arrival a probe) flushed here, four times a second, not each */
	p->guest_log.buffered = 1;
	if (p->guest_log.f)
		fflush(p->guest_log.f);
	rotate_guest_log(w);
	p->guest_log.buffered = 1;
	int *seen = seen_of(p);
	for (int i = 0; seen && i < p->ntargets; i++)
		look(w, i, now, seen);
	/* an event closes within a tick of its settle time; the rest once a second */
	static int ticks;
	if (++ticks % WATCH_TICKS_PER_S != 0)
		return;
	/* the engine forgets what no event can need any more: memory flat over weeks */
	int64_t before = now - p->cfg.settle - p->cfg.event_lead - 60 * BO_NS_PER_S;
	int open = 0;
	for (int i = 0; i < p->ntargets; i++)
		if (w->open[i].open) {
			open++;
			if (w->open[i].start - p->cfg.event_lead < before)
				before = w->open[i].start - p->cfg.event_lead;
		}
	probe_engine_forget(p, before, seen);
	if (w->reload && (!open || now - w->reload >= WATCH_RELOAD_WAIT))
		probe_request_stop(p, "reload");
	if (ticks % (5 * WATCH_TICKS_PER_S) == 0)
		watch_store_budget(w);
}

/* The session's targets: the command line's and --targets FILE's, read anew at each session
 * (a SIGHUP). The first session's error is fatal (a usage error); a later one keeps the
 * targets before. */
static int session_targets(watch *w, char err[512])
{
	static char **list;
	static int n;
	if (!w->cfg.targets_file)
		return 0;
	char **next;
	int nn;
	if (probe_targets_read(w->cfg.targets_file, w->cfg.targets_cli, w->cfg.ntargets_cli, &next,
	                       &nn, err, 512) != 0)
		return list ? 0 : -1;
	if (!nn) {
		snprintf(err, 512, "%s names no target", w->cfg.targets_file);
		probe_targets_free(next, nn);
		return list ? 0 : -1;
	}
	probe_targets_free(list, n);
	list = next, n = nn;
	w->run_targets = list, w->run_ntargets = n;
	return 0;
}

static void on_signal(uv_signal_t *h, int signum)
{
	watch *w = h->data;
	if (signum == SIGHUP) {
		w->reload = bo_clock_real_ns();
		w->reloads++;
		watch_log(w, json_pack("{s:s, s:I}", "type", "sighup", "realtime_ns",
		                       (json_int_t)w->reload));
		return;
	}
	w->stopping = 1;
	w->stop_reason = signum == SIGINT ? "interrupt" : "terminate";
	if (w->p && !w->p->finished)
		probe_request_stop(w->p, w->stop_reason);
	else
		uv_stop(w->loop);
}

/* The targets before and after a reload, said in the log: which came, which went. */
static void say_reload(watch *w, char **before, int nbefore)
{
	json_t *added = json_array(), *removed = json_array();
	for (int i = 0; i < w->run_ntargets; i++) {
		int k = 0;
		while (k < nbefore && strcmp(before[k], w->run_targets[i]))
			k++;
		if (k == nbefore)
			json_array_append_new(added, json_string(w->run_targets[i]));
	}
	for (int k = 0; k < nbefore; k++) {
		int i = 0;
		while (i < w->run_ntargets && strcmp(before[k], w->run_targets[i]))
			i++;
		if (i == w->run_ntargets)
			json_array_append_new(removed, json_string(before[k]));
	}
	if (!w->cfg.quiet)
		fprintf(stderr,
		        "blackout-probe: reload: %zu target(s) added, %zu removed, %d now\n",
		        json_array_size(added), json_array_size(removed), w->run_ntargets);
	watch_log(w, json_pack("{s:s, s:o, s:o, s:i}", "type", "reload", "added", added, "removed",
	                       removed, "targets", w->run_ntargets));
}

/* One session: opened, run until it ends, ended. 0 when it ran, 1 when it could not open
 * (said; tried again), -1 on a usage error of the first session. */
static int session(watch *w)
{
	char err[1024] = "", terr[512] = "";
	char **before = NULL;
	int nbefore = 0;
	if (w->session_n) { /* the targets before, to say what a reload changed */
		before = calloc((size_t)w->run_ntargets + 1, sizeof *before);
		for (int i = 0; before && i < w->run_ntargets; i++)
			before[nbefore++] = strdup(w->run_targets[i]);
	}
	if (session_targets(w, terr) != 0) {
		fprintf(stderr, "blackout-probe: %s\n", terr);
		probe_targets_free(before, nbefore);
		return -1;
	}
	if (terr[0])
		watch_log(w, json_pack("{s:s, s:s}", "type", "reload-refused", "why", terr));
	if (w->session_n && w->reload)
		say_reload(w, before, nbefore);
	probe_targets_free(before, nbefore);
	w->reload = 0;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(w->session, sizeof w->session, "%Y%m%dT%H%M%SZ", &tm);
	snprintf(w->session + strlen(w->session), sizeof w->session - strlen(w->session), "-%d",
	         ++w->session_n);
	char dir[4200];
	snprintf(dir, sizeof dir, "%s/sessions/%s", w->dir, w->session);
	probe_config c = w->cfg;
	c.run_dir = dir;
	c.targets = w->run_targets;
	c.ntargets = w->run_ntargets;
	probe *p = calloc(1, sizeof *p);
	if (!p)
		return 1;
	p->watch = w;
	p->on_finish = session_finished;
	int rc = probe_session_open(p, &c, err, sizeof err);
	if (rc == 0) {
		w->p = p;
		w->open = calloc((size_t)p->ntargets, sizeof *w->open);
		w->guest_seg = 0;
		rc = w->open ? probe_session_start(p, w->loop, 0) : BO_ENOMEM;
	}
	if (rc != 0) {
		w->sessions_failed++;
		if (err[0])
			fprintf(stderr, "blackout-probe: --watch: %s (trying again in %d s)\n", err,
			        WATCH_RETRY_MS / 1000);
		watch_log(w, json_pack("{s:s, s:s, s:s}", "type", "session-failed", "session",
		                       w->session, "why", err[0] ? err : "cannot start"));
		int first = w->session_n == 1 && rc == BO_EUSAGE;
		w->p = NULL;
		w->capture_written += p->cap.wr ? bo_capwr_written(p->cap.wr) : 0;
		probe_session_end(p, rc);
		free(p);
		free(w->open);
		w->open = NULL;
		return first ? -1 : 1;
	}
	watch_log(w, json_pack("{s:s, s:s, s:i, s:i, s:s}", "type", "session", "session",
	                       w->session, "targets", p->ntargets, "streams", c.nstreams,
	                       "interface", p->cap.iface));
	if (!c.quiet) {
		char iv[32];
		fprintf(stderr,
		        "blackout-probe: watching %d target(s), %d stream(s) every %s on %s -> "
		        "%s (session %s)\n",
		        p->ntargets, c.nstreams, bo_dur_str(c.interval, iv, sizeof iv),
		        p->cap.iface, w->dir, w->session);
	}
	uv_run(w->loop, UV_RUN_DEFAULT); /* until the session has finished (uv_stop) */
	/* what was still open when it ended: recorded as it is (a stop, a reload cut it) */
	int64_t end = bo_clock_real_ns();
	for (int i = 0; i < p->ntargets; i++)
		if (w->open[i].open)
			watch_record_event(w, i, &w->open[i], end);
	const char *why = p->stop_reason ? p->stop_reason : "?";
	if (!strcmp(why, "interrupt") || !strcmp(why, "terminate")) { /* q on the terminal */
		w->stopping = 1;
		w->stop_reason = why;
	}
	watch_log(w, json_pack("{s:s, s:s, s:s}", "type", "session-end", "session", w->session,
	                       "reason", why));
	w->p = NULL;
	uv_run(w->loop, UV_RUN_NOWAIT); /* the session's closed handles' callbacks */
	w->capture_written += p->cap.wr ? bo_capwr_written(p->cap.wr) : 0;
	probe_session_end(p, 0);
	free(p);
	free(w->open);
	w->open = NULL;
	return 0;
}

static const char *size_str(int64_t b, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)b;
	int u = 0;
	while (v >= 1024 && u < 4)
		v /= 1024, u++;
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
	return buf;
}

int probe_watch_status(probe *p)
{
	watch *w = p->watch;
	uint64_t mig = 0, loss = 0;
	for (int v = 0; v < AN_NVERDICTS; v++)
		mig += w->events_total[0][v], loss += w->events_total[1][v];
	int open = 0;
	for (int i = 0; w->open && i < p->ntargets; i++)
		open += w->open[i].open;
	char d[32], used[32], keep[32], line[256];
	/* a line each, cut to the terminal's width (a wrapped line would not be cleared) */
	int width = p->term.columns > 20 ? p->term.columns - 1 : 79;
	snprintf(line, sizeof line,
	         "watching %d targets, %.0f probes/s | events %llu (%llu migration, %llu loss), %d "
	         "open | disk %s/%s%s",
	         p->ntargets, probe_rate(p), (unsigned long long)(mig + loss),
	         (unsigned long long)mig, (unsigned long long)loss, open,
	         size_str(w->disk_bytes, used, sizeof used),
	         size_str(w->cfg.keep_bytes, keep, sizeof keep), w->disk_full ? " FULL" : "");
	fprintf(stderr, "%.*s\n", width, line);
	int lines = 1;
	for (int i = 0; i < w->nrecent && i < 3; i++, lines++) {
		const watch_done *e =
		        &w->recent[(w->recent_head - 1 - i + 2 * WATCH_RECENT) % WATCH_RECENT];
		char iso[48];
		snprintf(line, sizeof line, "  %s  %-15s %-9s %-26s %s",
		         bo_time_rfc3339(e->start, 0, 0, iso, sizeof iso), e->target, e->kind,
		         e->verdict, bo_dur_str(e->dark, d, sizeof d));
		fprintf(stderr, "%.*s\n", width, line);
	}
	return lines;
}

static void on_retry(uv_timer_t *t)
{
	uv_stop(t->loop);
	(void)t;
}

int probe_watch_run(const probe_config *cfg)
{
	watch *w = &W;
	char err[1024];
	w->cfg = *cfg;
	w->run_targets = cfg->targets;
	w->run_ntargets = cfg->ntargets;
	w->started_real = bo_clock_real_ns();
	snprintf(w->dir, sizeof w->dir, "%s", cfg->watch_dir);
	if (watch_store_open(w, err, sizeof err) != 0) {
		fprintf(stderr, "blackout-probe: --watch %s: %s\n", cfg->watch_dir, err);
		return PROBE_EXIT_SETUP;
	}
	w->loop = uv_default_loop();
	if (cfg->metrics_addr &&
	    probe_metrics_start(w->loop, cfg->metrics_addr, watch_metrics_render, w, &w->metrics,
	                        err, sizeof err) != 0) {
		fprintf(stderr, "blackout-probe: %s\n", err);
		return PROBE_EXIT_SETUP;
	}
	uv_signal_t *sigs[] = {&w->sighup, &w->sigint, &w->sigterm};
	int signums[] = {SIGHUP, SIGINT, SIGTERM};
	for (int i = 0; i < 3; i++) {
		uv_signal_init(w->loop, sigs[i]);
		sigs[i]->data = w;
		uv_signal_start(sigs[i], on_signal, signums[i]);
	}
	uv_timer_init(w->loop, &w->tick);
	w->tick.data = w;
	uv_timer_start(&w->tick, on_tick, 1000 / WATCH_TICKS_PER_S, 1000 / WATCH_TICKS_PER_S);
	uv_timer_t retry;
	uv_timer_init(w->loop, &retry);
	int status = PROBE_EXIT_OK;
	while (!w->stopping) {
		int rc = session(w);
		if (rc < 0) {
			status = PROBE_EXIT_USAGE;
			break;
		}
		if (w->stopping)
			break;
		/* a session that could not open, or that broke (a capture gone with its link):
		 * the next after a pause */
		uv_timer_start(&retry, on_retry, rc ? WATCH_RETRY_MS : 1000, 0);
		uv_run(w->loop, UV_RUN_DEFAULT);
	}
	watch_record_drain(w); /* the events closed last, recorded before the end */
	watch_log(w, json_pack("{s:s, s:s, s:I}", "type", "stop", "reason",
	                       w->stop_reason ? w->stop_reason : "error", "realtime_ns",
	                       (json_int_t)bo_clock_real_ns()));
	watch_store_index(w);
	probe_metrics_stop(w->metrics);
	uv_close((uv_handle_t *)&retry, NULL);
	uv_close((uv_handle_t *)&w->tick, NULL);
	for (int i = 0; i < 3; i++)
		uv_close((uv_handle_t *)sigs[i], NULL);
	uv_run(w->loop, UV_RUN_DEFAULT);
	uv_loop_close(w->loop);
	bo_log_close(&w->log);
	return status;
}
