/* SPDX-License-Identifier: Apache-2.0 */
/* What the watcher's /metrics says, in Prometheus' text format (0.0.4): the events per kind and
 * verdict, a histogram of dark seconds per stream whose buckets tell a normal quarantine
 * (about 3 s) from the safety timeout (7 s), each target's last verdict, and the watcher's own
 * health. Label values are addresses, stream and verdict names; escaped all the same. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bo_capwr.h"
#include "bo_time.h"
#include "watch.h"

const double watch_buckets[WATCH_BUCKETS] = {0.1, 0.3, 0.5, 1, 2,  3,  4,  5,
                                             6,   7,   8,   9, 10, 15, 30, 60};

typedef struct text {
	char *s;
	size_t len, cap;
} text;

static void put(text *t, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (t->s && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap ? t->cap * 2 : 16384;
		while (cap < t->len + (size_t)n + 1)
			cap *= 2;
		char *s = realloc(t->s, cap);
		if (!s)
			return;
		t->s = s, t->cap = cap;
	}
}

/* A label value: backslash, quote and newline escaped (the text format's rule). */
static const char *label(const char *s, char *buf, size_t len)
{
	size_t n = 0;
	for (; *s && n + 3 < len; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n') {
			buf[n++] = '\\';
			buf[n++] = *s == '\n' ? 'n' : *s;
		} else {
			buf[n++] = *s;
		}
	}
	buf[n] = 0;
	return buf;
}

static void head(text *t, const char *name, const char *type, const char *help)
{
	put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

char *watch_metrics_render(void *arg, size_t *len)
{
	watch *w = arg;
	probe *p = w->p;
	text t = {0};
	char a[128], b[128];
	static const char *const kinds[2] = {"migration", "loss"};
	head(&t, "blackout_watch_events_total", "counter",
	     "Events found, per kind (migration, or a loss with no sign of one) and verdict.");
	for (int k = 0; k < 2; k++)
		for (int v = 0; v < AN_NVERDICTS; v++)
			if (k == 0 || w->events_total[k][v])
				put(&t,
				    "blackout_watch_events_total{kind=\"%s\",verdict=\"%s\"} "
				    "%llu\n",
				    kinds[k], an_verdict_names[v],
				    (unsigned long long)w->events_total[k][v]);
	head(&t, "blackout_watch_dark_seconds", "histogram",
	     "Dark time of each stream in each event, seconds.");
	for (int h = 0; h < w->ndark; h++) {
		for (int i = 0; i < WATCH_BUCKETS; i++)
			put(&t,
			    "blackout_watch_dark_seconds_bucket{stream=\"%s\",le=\"%g\"} %llu\n",
			    label(w->dark[h].stream, a, sizeof a), watch_buckets[i],
			    (unsigned long long)w->dark[h].bucket[i]);
		put(&t, "blackout_watch_dark_seconds_bucket{stream=\"%s\",le=\"+Inf\"} %llu\n", a,
		    (unsigned long long)w->dark[h].count);
		put(&t, "blackout_watch_dark_seconds_sum{stream=\"%s\"} %.9g\n", a, w->dark[h].sum);
		put(&t, "blackout_watch_dark_seconds_count{stream=\"%s\"} %llu\n", a,
		    (unsigned long long)w->dark[h].count);
	}
	head(&t, "blackout_watch_last_verdict", "gauge",
	     "1 for each target's last migration's verdict.");
	for (int i = 0; i < w->nlast; i++)
		put(&t, "blackout_watch_last_verdict{target=\"%s\",verdict=\"%s\"} 1\n",
		    label(w->last[i].target, a, sizeof a), label(w->last[i].verdict, b, sizeof b));
	head(&t, "blackout_watch_last_dark_seconds", "gauge",
	     "Each target's last migration's longest dark time, seconds.");
	for (int i = 0; i < w->nlast; i++)
		put(&t, "blackout_watch_last_dark_seconds{target=\"%s\"} %.9g\n",
		    label(w->last[i].target, a, sizeof a), (double)w->last[i].dark / 1e9);
	head(&t, "blackout_watch_last_event_timestamp_seconds", "gauge",
	     "When each target's last migration began, seconds since 1970.");
	for (int i = 0; i < w->nlast; i++)
		put(&t, "blackout_watch_last_event_timestamp_seconds{target=\"%s\"} %.3f\n",
		    label(w->last[i].target, a, sizeof a), (double)w->last[i].at / 1e9);
	/* the watcher's own health */
	uint64_t sent = 0, errors = 0, lost = 0, answered = 0, drops = 0, ifdrops = 0;
	int connected = 0, open = 0, targets = 0;
	double lag = 0;
	if (p && !p->finished) {
		targets = p->ntargets;
		for (int i = 0; i < p->nslots; i++) {
			sent += atomic_load(&p->slots[i].sent);
			errors += atomic_load(&p->slots[i].send_errors);
			answered += p->slots[i].live.answered;
		}
		an_run *r = probe_engine_run(p);
		for (int i = 0; r && i < r->eng.nstreams; i++)
			lost += r->eng.streams[i].lost;
		struct pcap_stat st = {0};
		if (p->cap.pcap && pcap_stats(p->cap.pcap, &st) == 0)
			drops = st.ps_drop, ifdrops = st.ps_ifdrop;
		for (int i = 0; i < p->ntargets; i++) {
			connected += probe_guest_connected(p, &p->targets[i]);
			open += w->open && w->open[i].open;
		}
		lag = (double)atomic_load(&p->sender_lag) / 1e9;
	}
	int64_t written = w->capture_written + (p && p->cap.wr ? bo_capwr_written(p->cap.wr) : 0);
	struct {
		const char *name, *type, *help;
		double v;
	} health[] = {
	        {"blackout_watch_targets", "gauge", "Targets probed.", targets},
	        {"blackout_watch_events_open", "gauge", "Events being found (not closed yet).",
	         open},
	        {"blackout_watch_probes_sent_total", "counter",
	         "Probes sent in this session (all streams).", (double)sent},
	        {"blackout_watch_probes_answered_total", "counter",
	         "Probes answered in this session, as the capture saw them.", (double)answered},
	        {"blackout_watch_probes_lost_total", "counter",
	         "Probes lost in this session (their reply timeout passed).", (double)lost},
	        {"blackout_watch_send_errors_total", "counter",
	         "Probes the host could not send (a link down: blind, not lost).", (double)errors},
	        {"blackout_watch_send_lag_seconds", "gauge",
	         "How late the sender's last probe went.", lag},
	        {"blackout_watch_capture_dropped_total", "counter",
	         "Frames the capture dropped in this session.", (double)(drops + ifdrops)},
	        {"blackout_watch_responders_connected", "gauge",
	         "Targets whose responder's event channel is connected.", connected},
	        {"blackout_watch_disk_bytes", "gauge", "Bytes the watch directory takes.",
	         (double)w->disk_bytes},
	        {"blackout_watch_disk_budget_bytes", "gauge", "--keep.", (double)w->cfg.keep_bytes},
	        {"blackout_watch_capture_written_bytes_total", "counter",
	         "Capture bytes written to segments since the watcher started (its rate: disk "
	         "per hour).",
	         (double)written},
	        {"blackout_watch_disk_errors_total", "counter",
	         "Writes that failed (a full disk): probing went on.", (double)w->disk_errors},
	        {"blackout_watch_disk_full", "gauge",
	         "1 when the last failed write found no space.", w->disk_full},
	        {"blackout_watch_segments_pruned_total", "counter",
	         "Capture segments removed to keep the budget.", (double)w->segments_pruned},
	        {"blackout_watch_events_pruned_total", "counter",
	         "Event directories removed to keep the budget or the age.",
	         (double)w->events_pruned},
	        {"blackout_watch_events_waiting", "gauge",
	         "Events closed and not recorded yet (one is being recorded, the rest wait).",
	         (double)(w->njobs + (w->job != NULL))},
	        {"blackout_watch_events_unrecorded_total", "counter",
	         "Events found but not recorded (their capture not kept, a write failed).",
	         (double)w->events_unrecorded},
	        {"blackout_watch_outages_folded_total", "counter",
	         "Outages the engine reported after their event had been recorded (they began "
	         "inside it), not made an event of their own.",
	         (double)w->outages_folded},
	        {"blackout_watch_clock_steps_total", "counter", "Steps of the wall clock seen.",
	         (double)w->clock_steps},
	        {"blackout_watch_reloads_total", "counter", "SIGHUPs.", (double)w->reloads},
	        {"blackout_watch_sessions_total", "counter",
	         "Sessions started (the first, reloads, a capture that came back).",
	         (double)w->session_n},
	        {"blackout_watch_start_time_seconds", "gauge",
	         "When this watcher started, seconds since 1970.", (double)w->started_real / 1e9},
	};
	for (size_t i = 0; i < sizeof health / sizeof health[0]; i++) {
		head(&t, health[i].name, health[i].type, health[i].help);
		put(&t, "%s %.15g\n", health[i].name, health[i].v);
	}
	*len = t.len;
	return t.s;
}
