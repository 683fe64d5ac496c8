/* SPDX-License-Identifier: Apache-2.0 */
/* blackout-probe --watch: the watcher's state, shared by its parts: watch.c (sessions, events
 * found as they happen), watch_record.c (an event cut out, analysed and recorded on a worker
 * thread), watch_store.c (the flight recorder's directory: the disk budget, index.html,
 * recovery after a kill) and watch_metrics.c (what /metrics says).
 *
 * DIR/
 *   records.jsonl           a line per event (the --records schema), fsync'd
 *   index.html              the events, newest first, each linked to its report
 *   watch.jsonl             the watcher's own log: sessions, events, faults (rotated)
 *   sessions/SID/           one per session (a start, a SIGHUP): probe.jsonl, the capture's
 *                           segments seg-NNNNNN.pcap and the guests' guest-NNNNNN.jsonl
 *   events/ID/              an event as a run directory: probe.pcap, probe.jsonl, guest.jsonl,
 *                           host.jsonl, analysis.json, report.html (blackout-analyze reads it)
 */
#ifndef WATCH_H
#define WATCH_H

#include "an.h"
#include "probe.h"

#define WATCH_RECENT 2000        /* events index.html lists */
#define WATCH_TARGETS 4096       /* targets whose last verdict /metrics says */
#define WATCH_STREAMS 16         /* stream types in the dark-time histogram */
#define WATCH_BUCKETS 16         /* its buckets */
#define WATCH_LOG_MAX (16 << 20) /* watch.jsonl's size before it is rotated */
#define WATCH_QUEUE 4096         /* events waiting to be recorded, at most */

/* An event being found: a target's outages from the first that opened it until every stream
 * of the target has answered for --settle. */
typedef struct watch_open {
	int open;
	int64_t start;     /* the first lost probe's send (capture time) */
	int64_t last_bad;  /* the latest a stream of the target was dark */
	int64_t cap_drops; /* the capture's drops when it opened (pcap_stats) */
	/* the last event closed on the target: an outage the engine reports only later (an
	 * established stream's stall, judged once TCP has caught up) that began before it ended
	 * was part of it, and opens no second event */
	int64_t closed_end;
} watch_open;

/* An event recorded: what index.html and /metrics say of it. */
typedef struct watch_done {
	char id[96]; /* its directory under events/ */
	char target[48];
	char kind[12]; /* migration, loss */
	char verdict[32];
	int64_t start, dark; /* ns */
	char stream[16];
} watch_done;

typedef struct watch_job watch_job; /* an event being recorded (watch_record.c) */

typedef struct watch {
	probe_config cfg; /* as given; each session's targets and run_dir set anew */
	char dir[4096];
	uv_loop_t *loop;
	probe *p;           /* the current session */
	char **run_targets; /* the targets of the session (the command line's and the file's) */
	int run_ntargets;
	char **pending; /* a reload's new list, taken by the next session */
	int npending;
	int64_t reload;         /* when a reload asked for the next session; 0 none */
	bo_stamp_key stamp_key; /* --stamp-key: an event with authenticated STAMP is read with it */
	char session[64];
	int session_n;
	int stopping;
	const char *stop_reason;
	uv_signal_t sighup, sigint, sigterm;
	uv_timer_t tick;
	bo_log log; /* watch.jsonl */
	int64_t log_bytes;
	watch_open *open;     /* per target of the session */
	int guest_seg;        /* the guest log's segment number */
	int64_t mono_to_real; /* the last clock pair's: a change is a clock step */
	probe_metrics *metrics;
	/* records.jsonl */
	char records_path[4200];
	/* the recorder: the job on the worker thread, those waiting (oldest first) */
	watch_job *job, *jobs;
	int njobs;
	/* the events recorded, newest last (a ring) */
	watch_done recent[WATCH_RECENT];
	int nrecent, recent_head;
	/* /metrics */
	uint64_t events_total[2][AN_NVERDICTS]; /* [kind][verdict] */
	struct watch_hist {
		const char *stream;
		uint64_t bucket[WATCH_BUCKETS];
		uint64_t count;
		double sum;
	} dark[WATCH_STREAMS];
	int ndark;
	struct watch_last {
		char target[48];
		char verdict[32];
		int64_t at, dark;
	} last[WATCH_TARGETS];
	int nlast;
	uint64_t events_unrecorded, records_failed, disk_errors, segments_pruned, events_pruned,
	        clock_steps, reloads, sessions_failed, capture_reopens;
	uint64_t outages_folded; /* outages reported after their event had closed (extend) */
	int64_t disk_bytes, started_real;
	int64_t capture_written; /* capture bytes of the sessions that ended */
	int disk_full;           /* the last write failed for want of space */
} watch;

/* watch.c: an outage [from, to] (capture times) of a target: its open event opened or made
 * longer, or, when it began before the last recorded event's end, counted as folded into that
 * one. */
void watch_extend(watch *w, watch_open *ev, int64_t from, int64_t to);

/* watch_record.c: an event closed, queued to be recorded: its run directory cut from the
 * session's segments and logs, analysed by blackout-analyze's engine, recorded (records.jsonl,
 * the recent list, /metrics). The session may end before: the job holds copies. */
void watch_record_event(watch *w, int target, const watch_open *ev, int64_t end);
/* Does a queued or running recording read the file at path (the budget keeps it)? */
int watch_record_needs(const watch *w, const char *path);
void watch_record_drain(watch *w); /* runs the loop until every queued event is recorded */
/* A run directory under events/ recorded now, on this thread (one a kill left unrecorded):
 * the number of records written, -1 on a failure. */
int watch_record_dir(watch *w, const char *dir, const char *id);

/* watch_store.c */
int watch_store_open(watch *w, char *err, size_t errlen); /* dirs, records repaired, recovery */
/* The disk budget and age kept (every few seconds); the segments an open event needs stay. */
void watch_store_budget(watch *w);
void watch_store_index(watch *w); /* index.html anew */
/* A line of the watcher's log (watch.jsonl), rotated at WATCH_LOG_MAX. */
void watch_log(watch *w, json_t *o);
/* An event recorded: counted for /metrics and kept for index.html. */
void watch_note(watch *w, const watch_done *d);

/* watch_metrics.c: the body of /metrics */
char *watch_metrics_render(void *arg, size_t *len);
/* The dark-time histogram's bucket bounds, seconds (they tell 3 s from 7 s). */
extern const double watch_buckets[WATCH_BUCKETS];

#endif
