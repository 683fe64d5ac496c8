/* SPDX-License-Identifier: Apache-2.0 */
/* blackout-probe: paced probes to one or more targets, captured with nanosecond timestamps. */
#ifndef PROBE_H
#define PROBE_H

#include <pcap/pcap.h>
#include <stdatomic.h>
#include <stdint.h>
#include <uv.h>

#include "bo_addrmap.h"
#include "bo_capwr.h"
#include "bo_log.h"
#include "bo_pkt.h"
#include "bo_stamp.h"
#include "bo_stream.h"
#include "bo_tag.h"

/* Exit codes, documented in docs/probe.md. */
enum {
	PROBE_EXIT_OK = 0,
	PROBE_EXIT_RUNTIME = 1, /* failed during the run; files written so far stay readable */
	PROBE_EXIT_USAGE = 2,
	PROBE_EXIT_PERM = 3,  /* no privilege for raw sockets or capture */
	PROBE_EXIT_SETUP = 4, /* interface, route, run directory */
};

#define PROBE_MAX_TARGETS 4096
#define PROBE_MAX_STREAMS 8
/* Up to this many targets the status shows a line per target; beyond, a line per stream over
 * all targets and the targets in a gap. Beyond PROBE_STATUS_SLOTS (target, stream) pairs, the
 * log's status records list only those in a gap (the end record lists all). */
#define PROBE_STATUS_TARGETS 8
#define PROBE_STATUS_SLOTS 64
/* Between the deadlines of one target's streams (run.c). */
#define PROBE_STREAM_STEP (20 * BO_NS_PER_US)

typedef struct probe_slot probe_slot;
typedef struct probe probe;

/* Stream types are the registry's (lib/bo_stream.h): it names, builds and matches every
 * probe; the probe adds pacing, a transmit backend and the live view. */
const bo_stream_desc *probe_stream_find(const char *name);
void probe_streams_help(FILE *f);

/* The transmit backend: how a built probe leaves the host. One per platform (tx-raw-linux.c,
 * tx-win.c; tx-null.c where there is none yet), chosen by CMake, and the dry run's
 * (tx-dry.c). Each slot's socket kind follows from its stream's transport and flags. A
 * backend keeps its run-wide state behind p->tx_priv (open makes it, close frees it) and a
 * slot's in slot->tx. Errors: negative BO_E* codes (= -errno), with a message in err for
 * open. */
typedef struct probe_tx_ops {
	const char *name;
	int (*open)(probe *p, char *err, size_t errlen); /* the run's shared resources */
	int (*slot_open)(probe_slot *s, char *err, size_t errlen);
	/* Sends probe seq, built into pkt, or queues it (PROBE_TX_QUEUED) when the run batches;
	 * runs on the pacer thread and never blocks. */
	int (*send)(probe_slot *s, const bo_probe_pkt *pkt, uint32_t seq, int64_t deadline);
	/* Sends what send queued, counting each probe (probe_tx_done), and does what send left
	 * for later; NULL: nothing ever is. The pacer calls it before it waits for the next
	 * deadline and when it stops. */
	void (*flush)(probe *p);
	int batches; /* send queues when the run batches (--tx batch; auto from PROBE_BATCH_RATE) */
	void (*close)(probe *p); /* every slot's and the run's */
	/* What it did, for the end record's `tx` (the mode is added); NULL: nothing to say. */
	json_t *(*report)(probe *p);
} probe_tx_ops;

#define PROBE_TX_QUEUED 1
/* How the run transmits (--tx): one system call a probe, or batches above PROBE_BATCH_RATE. */
enum probe_tx_mode { PROBE_TX_AUTO, PROBE_TX_SINGLE, PROBE_TX_BATCH };
#define PROBE_BATCH_RATE 10000 /* probes a second: --tx auto batches from here */

/* pacer.c: a probe's send counted on its slot (sent, sent_fast or send_errors). */
void probe_tx_done(probe_slot *s, int fast, int rc);

extern const probe_tx_ops probe_tx_system; /* tx-raw-linux.c, tx-win.c, or tx-null.c */

/* est.c: tcp-est's connection, shared by the backends: opened (connecting) at slot_open, each
 * probe a frame on it (made again when it broke), closed with the slot. */
int probe_est_open(probe_slot *s, char *err, size_t errlen);
int probe_est_send(probe_slot *s, const bo_probe_pkt *pkt, uint32_t seq);
void probe_est_close(probe_slot *s);
/* frame.c: the IP packet a probe is, header and every checksum filled (from the slot's local
 * address to its target; ip_id the IPv4 identification), into out (at least 40 +
 * BO_PROBE_MAX octets): its length. */
size_t probe_ip_packet(const probe_slot *s, const bo_probe_pkt *b, uint16_t ip_id, uint8_t *out);
extern const probe_tx_ops probe_tx_dry; /* tx-dry.c */

/* A slot's state in the transmit backend. A socket is an int on every platform (a Windows
 * SOCKET's value fits: kernel handles are 32-bit significant); -1 none. */
typedef struct probe_tx_slot {
	int fd;
	int shared;                      /* fd is one of the backend's shared sockets */
	int how;                         /* the backend's own: how this slot's probes leave */
	int est_state;                   /* byte streams: 0 closed, 1 connecting, 2 up */
	int64_t est_retry;               /* byte streams: no new connection before this */
	atomic_uint_fast64_t reconnects; /* byte streams: connections made after the first */
} probe_tx_slot;

typedef struct probe_target {
	bo_addr addr;
	char str[48];
	int index;
} probe_target;

/* What the capture tells about one slot, as the run goes; owned by the loop thread. */
typedef struct probe_live {
	uint64_t seen, answered, dups, reordered;
	int have_ans;
	uint32_t last_ans_seq;
	int64_t last_ans_send; /* capture time of the last answered request */
	int have_pend;
	uint32_t pend_seq; /* the first request after the last answered one */
	int64_t pend_send;
	int64_t last_rtt;
	uint32_t recent_seq[64]; /* recent requests, for the send time of a reply's request */
	int64_t recent_ts[64];
	uint64_t outages;
	int64_t longest;
	/* replies that came but were not this stream's to read (the pre-flight says why) */
	uint64_t answered_fast; /* of answered: while the slot was probed fast (an outage's end) */
	uint64_t unread;
	int unread_status;   /* the last one's: BO_ETRUNC, BO_EAUTH, or 0 (another SSID) */
	uint16_t unread_len; /* its octets */
	uint16_t unread_ssid;
} probe_live;

struct probe_slot {
	const bo_stream_desc *desc;
	bo_stream_inst inst; /* what the registry's filter, match and build take */
	probe *run;
	probe_target *target;
	int64_t interval;
	int64_t phase;
	int64_t outage_interval; /* spacing while in an outage; 0: keep the interval */
	probe_tx_slot tx;
	/* pacer thread */
	int64_t next_deadline;
	uint32_t next_seq;
	int in_fast;
	/* shared with the loop */
	atomic_int fast; /* set by the loop while the capture shows an outage */
	atomic_uint_fast64_t sent, send_errors, late;
	atomic_uint_fast64_t sent_fast; /* of sent: at the outage spacing, between the nominal */
	atomic_int_fast64_t max_late;
	/* loop thread */
	probe_live live;
};

typedef struct probe_config {
	const char *run_dir;
	const char *iface;
	const bo_stream_desc *streams[PROBE_MAX_STREAMS];
	int64_t intervals[PROBE_MAX_STREAMS]; /* 0: the default interval */
	int nstreams;
	int64_t interval;
	int64_t duration;        /* 0: until a signal */
	int64_t timeout;         /* reply timeout, also the drain time at the end */
	int64_t outage_interval; /* -1: a tenth of each interval (at least 1 ms); 0: off */
	uint16_t stamp_port;     /* the reflector's UDP port */
	uint16_t tcp_port;       /* the responder's TCP port: tcp-syn, tcp-est, guest events */
	int events;              /* subscribe to the responders' guest events */
	const char *stamp_key_file;
	int quiet;
	int dry_run;      /* write what would be sent to RUN/probe.pcap; send and capture nothing */
	int tx_mode;      /* enum probe_tx_mode */
	const char *exec; /* the migration command, run through the shell (probe_shell_argv) */
	int64_t exec_lead; /* from the first probe to starting it */
	int64_t after;     /* from its end to the end of the run */
	char **targets;
	int ntargets;
	const char *targets_file; /* --targets FILE: read again on SIGHUP when watching */
	char **targets_cli;       /* the command line's, before the file's */
	int ntargets_cli;
	int argc;
	char **argv;
	/* --watch DIR: runs until stopped, finds events as they happen (watch.c) */
	const char *watch_dir;
	int64_t keep_bytes;       /* --keep: DIR's budget */
	int64_t keep_age;         /* --keep-age: events and segments older go; 0 none */
	int64_t segment;          /* --segment: capture time a segment holds */
	int min_event;            /* --min-event: consecutive lost probes that open an event */
	int64_t settle;           /* --settle: every stream answering this long closes it */
	int64_t event_lead;       /* --event-lead: capture kept before an event's start */
	const char *metrics_addr; /* --metrics ADDR:PORT, or NULL */
	const char *host_events;  /* --host-events FILE: the hypervisor's records, or NULL */
} probe_config;

typedef struct probe_pacer probe_pacer;
typedef struct probe_guest probe_guest;
typedef struct probe_engine probe_engine;

/* capture.c: the capture and RUN/probe.pcap (the run store's writer: one file, or a
 * watcher's segments). */
typedef struct probe_capture {
	pcap_t *pcap;
	bo_capwr *wr;
	int linktype;
	char iface[64];
	union {
		uv_poll_t poll;   /* capture-posix.c: the capture's descriptor */
		uv_timer_t timer; /* capture-win.c: Npcap read every few milliseconds */
	} watch;
	uint64_t captured, invalid;
	int64_t last_ts;
	int write_error; /* a write to the capture's file failed (reported once) */
	int failed;      /* the capture itself failed (its interface gone): said once */
} probe_capture;

/* live.c: the terminal. */
typedef struct probe_term {
	int tty;                   /* standard error is a terminal */
	int status_lines;          /* lines of the live status currently on screen */
	int columns;               /* the terminal's width, 0 unknown (a line each then) */
	int preflight_silent;      /* streams the pre-flight found silent; -1: not yet run */
	int ticks;                 /* 250 ms ticks so far */
	int64_t last_plain_status; /* when the last periodic status line was printed (no TTY) */
	uv_tty_t keys;
	int keys_on;
	char key_buf[64];
} probe_term;

/* markers.c: the migration command. */
typedef struct probe_exec {
	uv_timer_t timer;
	uv_process_t proc;
	int running;
} probe_exec;

struct probe {
	probe_config cfg;
	bo_key key;
	uint32_t run_id;
	bo_stamp_key stamp_key; /* empty: unauthenticated STAMP */
	int64_t mono_to_real;   /* realtime - monotonic at start, for STAMP timestamps */
	bo_stream_ctx sctx;     /* the registry's view of the run: key, ports, clocks */
	probe_target *targets;
	int ntargets;
	bo_addrmap target_map; /* address → target index */
	probe_slot *slots;     /* target t's streams: slots[t * nstreams, (t + 1) * nstreams) */
	int nslots;
	const probe_tx_ops *tx;
	void *tx_priv; /* the backend's run-wide state */
	int tx_batch;  /* the run batches (--tx): the backend may queue, the pacer waits longer */
	uv_loop_t *loop;
	bo_log log;
	probe_capture cap;
	probe_term term;
	probe_exec exec;
	/* timers and signals */
	uv_timer_t tick, stop_timer, duration_timer, drain;
	const char *stop_timer_reason;
	int finished;
	uv_signal_t sigint, sigterm, sigusr1;
	int64_t start_mono, start_real;
	int64_t t0;     /* the schedule's origin (monotonic) */
	json_t *header; /* probe.jsonl's header record */
	                /* the last markers (a watcher's excerpts carry those of their time) */
#define PROBE_MARKERS_KEPT 64
	json_t *markers_kept[PROBE_MARKERS_KEPT];
	int nmarkers_kept;
	/* --watch: the watcher behind this session (watch.c), told when the session has ended */
	void *watch;
	void (*on_finish)(probe *p);
	int64_t preflight_at; /* monotonic; 0 once done */
	int stopping;
	int run_error; /* a file could not be written: exit 1 */
	const char *stop_reason;
	probe_pacer *pacer;
	atomic_int sender_rt; /* the sender thread got a real-time priority */
	/* Outage probing's budget (pacer.c): at most this many probes a second beyond the streams'
	 * own rate, however many slots are in an outage at once; what it refused, counted. */
	int64_t fast_budget;
	atomic_uint_fast64_t fast_denied;
	atomic_int_fast64_t sender_lag; /* how late the sender's last probe went (pacer.c) */
	/* where the sender's time goes (pacer.c): its sleeps, the time it spun to a deadline
	 * after one or between two, and how early it wakes (the learnt oversleep) */
	atomic_uint_fast64_t sender_sleeps;
	atomic_int_fast64_t sender_spin_ns, sender_wake_early_ns;
	int64_t lag_warned;   /* monotonic: when the status last said so */
	probe_engine *engine; /* the analyzer's engine on the live capture (engine.c) */
	probe_guest *guests;  /* one per target, when subscribing to guest events */
	bo_log guest_log;     /* RUN/guest.jsonl */
	int64_t guest_bytes;  /* written to it */
};

/* run.c: a session, as probe_run and the watcher run it: opened (targets, sockets, the run
 * directory, the capture), started on a loop (signals: SIGINT and SIGTERM stop it; a watcher
 * takes them itself), ended once the loop has closed its handles (files closed; the result). */
int probe_session_open(probe *p, const probe_config *cfg, char *err, size_t errlen);
int probe_session_start(probe *p, uv_loop_t *loop, int signals);
int probe_session_end(probe *p, int rc);
/* watch.c: blackout-probe --watch DIR; its exit status. Its status on the terminal (the lines
 * printed). */
int probe_watch_run(const probe_config *cfg);
int probe_watch_status(probe *p);

/* http.c: what a metrics request asks, from the bytes arrived so far (*head: a HEAD request). */
#define PROBE_HTTP_MAX 8192
enum {
	PROBE_HTTP_MORE = 0, /* not whole yet */
	PROBE_HTTP_METRICS,
	PROBE_HTTP_ROOT,
	PROBE_HTTP_NOT_FOUND,
	PROBE_HTTP_BAD_METHOD,
	PROBE_HTTP_BAD,
	PROBE_HTTP_TOO_LONG
};
int probe_http_parse(const char *buf, size_t len, int *head);
/* metrics.c: the HTTP endpoint on the loop; render returns the body (malloc'd) and its length. */
typedef struct probe_metrics probe_metrics;
typedef char *(*probe_metrics_render)(void *arg, size_t *len);
int probe_metrics_start(uv_loop_t *loop, const char *addr, probe_metrics_render render, void *arg,
                        probe_metrics **out, char *err, size_t errlen);
void probe_metrics_counts(const probe_metrics *m, uint64_t *served, uint64_t *refused,
                          uint64_t *bad);
void probe_metrics_stop(probe_metrics *m);

/* targets.c: first[0..nfirst) and then the targets of the file at path, into a list of
 * strings (*out, *n; probe_targets_free): 0, or -1 with err said. */
int probe_targets_read(const char *path, char **first, int nfirst, char ***out, int *n, char *err,
                       size_t errlen);
void probe_targets_free(char **list, int n);

/* exit.c: the exit status for probe_run's result; main's only. */
int probe_exit_status(int code, int at_setup);
/* run.c: 0, or a negative code (bo_err.h), the reason already said; *at_setup tells
 * whether it failed before the first probe. main maps it to an exit status. */
int probe_run(const probe_config *cfg, int *at_setup);

/* run.c: stopping. */
void probe_request_stop(probe *p, const char *reason);
void probe_stop_after(probe *p, int64_t delay, const char *reason);

/* run.c: a slot's `stream` record, as probe.jsonl has it. */
json_t *probe_stream_record(const probe_slot *s);

/* markers.c */
void probe_marker(probe *p, const char *kind, const char *label, json_t *extra);
int probe_markers_start(probe *p, int64_t lead_ms);
void probe_markers_close(probe *p);

/* pacer.c: the sender thread, absolute deadlines on the monotonic clock. */
int probe_pacer_start(probe *p, int64_t t0);
/* The probes a second the run's streams ask for, outage probing aside. */
double probe_rate(const probe *p);
/* Outage probing's budget for the run, probes a second beyond the streams' own rate. */
int64_t probe_fast_budget(const probe *p);
void probe_pacer_stop(probe *p);
/* Builds probe seq of slot s and hands it to the run's transmit backend: 0 or a negative
 * code. The pacer's and the dry run's one way out. */
int probe_send_one(probe_slot *s, uint32_t seq, int64_t deadline);
/* The same schedule without a clock: fn for every (slot, seq, deadline) before end, in
 * deadline order (the dry run). Stops at fn's first nonzero return, which it returns. */
typedef int (*probe_walk_fn)(probe_slot *s, uint32_t seq, int64_t deadline, void *arg);
int probe_schedule_walk(probe *p, int64_t t0, int64_t end, probe_walk_fn fn, void *arg);

/* capture.c */
/* RUN/probe.pcap for the capture's link type (the capture's, or the dry run's DLT_RAW). */
int probe_dump_open(probe *p, char *err, size_t errlen);
/* A frame to the run's capture file (the dry run's too); a write that failed is said once. */
void probe_dump_write(probe *p, const struct pcap_pkthdr *h, const u_char *data);
int probe_capture_open(probe *p, char *err, size_t errlen);
int probe_capture_start(probe *p);
int probe_capture_read(probe *p);   /* a bounded read of what the capture has: frames read */
void probe_capture_drain(probe *p); /* all of it, at the end (for at most 2 s) */
/* The capture broke (its interface gone): said once, the run stopped (a watcher starts its
 * next session when it can). */
void probe_capture_failed(probe *p, const char *why);
void probe_capture_stats(probe *p, json_t **out);
/* Flushes probe.pcap and probe.jsonl and checks them: 0, or on the first failure says which
 * file and why (ENOSPC) once and returns the code; the caller stops the run. */
int probe_files_check(probe *p);
void probe_capture_close(probe *p);

/* live.c: pairing from the capture for the status line and the faster probing of a stream in
 * an outage (the outages themselves are the engine's). */
void probe_live_packet(probe *p, const bo_pkt *pkt, int64_t ts);
void probe_live_status(probe *p, int final);
void probe_live_clear(probe *p); /* removes the status block before a log line */
/* Once every stream has had time to answer: warns about those that never did. */
void probe_live_preflight(probe *p);
/* Per (target, stream) counters; only those in a gap when only_gaps. */
json_t *probe_live_json(probe *p, int64_t now, int only_gaps);
/* Per stream over all targets. */
json_t *probe_live_totals_json(probe *p, int64_t now);

/* engine.c: the analyzer's engine fed the live capture (engine stream k is slot k): opened
 * once the capture's link type is known; every captured frame; advanced to the wall clock at
 * each tick, reporting the outages it closed (probe.jsonl's `outage` records, the outage
 * lines, each slot's count); closed at the end. */
int probe_engine_open(probe *p);
struct an_run;
struct an_run *probe_engine_run(probe *p);
void probe_engine_frame(probe *p, const struct pcap_pkthdr *h, const unsigned char *data);
void probe_engine_advance(probe *p, int64_t now);
void probe_engine_close(probe *p, probe_engine *e);
/* What the engine no longer needs to keep (outages, stalls, announcements that ended before
 * `before`, capture time): forgotten, and each stream's count of outages in seen[] (and the
 * engine's own reported count) lowered by those forgotten. */
void probe_engine_forget(probe *p, int64_t before, int *seen);

/* guest.c: the responders' event channels into RUN/guest.jsonl. */
int probe_guest_start(probe *p, char *err, size_t errlen);
json_t *probe_guest_json(probe *p, const probe_target *t);
/* Our side's ports of the target's event channel (its last connections, up to 4): how many. */
int probe_guest_channel_ports(probe *p, const probe_target *t, uint16_t ports[4]);
/* The target's responder's last start event (what it is, what it found), or NULL. */
json_t *probe_guest_start_event(probe *p, const probe_target *t);
int probe_guest_connected(probe *p, const probe_target *t);
void probe_guest_close(probe *p);
void probe_guest_free(probe *p);
/* The event-channel client's reading of a responder's bytes, without a connection (the fuzz
 * driver): the events it would write. keyed: as with --stamp-key. */
int probe_guest_feed(const uint8_t *data, size_t size, int keyed);

/* capture-posix.c, capture-win.c (platform): what the capture needs before it is made
 * (Npcap found: 0, or a negative code with err said); its settings before it is activated
 * (returns the time stamp type it chose, NULL: the default); probe_capture_read called
 * whenever the capture has frames, until unwatched; the handle that does it, for closing. */
int probe_capture_prepare(probe *p, char *err, size_t errlen);
const char *probe_capture_configure(probe *p);
int probe_capture_watch(probe *p);
void probe_capture_unwatch(probe *p);
uv_handle_t *probe_capture_handle(probe *p);

/* streams.c: probe seq of slot s into pkt (the registry's builder); 0 or a negative code. */
int probe_build(const probe_slot *s, uint32_t seq, int64_t deadline, bo_probe_pkt *pkt);

/* sys-posix.c, sys-win.c (platform): the shell --exec runs its command through (argv,
 * NULL-ended); the signals that stop a run (an interrupt, a termination); the signal that
 * asks for a marker (0: none) and how an operator sends it (NULL: no way). */
#define PROBE_SHELL_ARGS 8
void probe_shell_argv(const char *cmd, char *argv[PROBE_SHELL_ARGS]);
extern const int probe_stop_signals[2];
extern const int probe_marker_signal;
const char *probe_marker_hint(char *buf, size_t len);
/* ...and the words --help has for them: what the probe needs, the signal that ends a run as
 * Ctrl-C does, the shell, how to ask for a marker. */
typedef struct probe_platform_words {
	const char *privilege, *terminate, *shell, *marker;
} probe_platform_words;
extern const probe_platform_words probe_words;

/* net-linux.c, net-win.c (platform): routes, interfaces, limits, the sender thread. */
int probe_iface_for(const bo_addr *target, char *iface, size_t len, char *err, size_t errlen);
/* 1: real-time priority granted. */
int probe_thread_tune(void);
/* Raises the open-files limit to at least need (a socket per UDP and tcp-est slot). */
int probe_files_limit(int need, char *err, size_t errlen);
/* The source address the kernel picks for packets to dst (pseudo-header checksums). */
int probe_route_source(const bo_addr *dst, bo_addr *local, char *err, size_t errlen);
/* How to grant what the probe lacks, for an error message: "sudo setcap ... PATH". */
const char *probe_privilege_hint(void);

#endif
