/* blackout-probe: paced probes to one or more targets, captured with nanosecond timestamps. */
#ifndef PROBE_H
#define PROBE_H

#include <pcap/pcap.h>
#include <stdatomic.h>
#include <stdint.h>
#include <uv.h>

#include "bo_addrmap.h"
#include "bo_log.h"
#include "bo_pkt.h"
#include "bo_stamp.h"
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

/* A stream type: one file each (stream_*.c), listed in streams.c. The sender and the capture
 * iterate this table; nothing switches on stream names. */
typedef struct probe_stream_ops {
	const char *name;
	uint8_t wire_id; /* the stream number carried in every probe */
	const char *summary;
	/* A BPF expression for this slot's requests and replies. */
	void (*filter)(const probe_slot *s, char *buf, size_t len);
	int (*open)(probe_slot *s, char *err, size_t errlen);
	/* Sends one probe; runs on the pacer thread. Returns 0 or a negative errno. */
	int (*send)(probe_slot *s, uint32_t seq, int64_t deadline);
	/* Is a captured packet this slot's request (1) or reply (2)? Sets *seq. 0: neither. */
	int (*classify)(const probe_slot *s, const bo_pkt *p, uint32_t *seq);
	/* --dry-run: the transport-layer packet probe seq would be (UDP and TCP with their
	 * headers); the length, and the IP protocol in *proto. Checksums are left to dry.c. */
	int (*render)(const probe_slot *s, uint32_t seq, int64_t deadline, uint8_t *out, size_t cap,
	              uint8_t *proto);
	/* A byte stream (tcp-est): no faster probing in an outage (it would only queue up in
	 * TCP), and a segment may carry several frames back to back. */
	int steady;
	/* Why it may never answer, for the pre-flight warning; %u is the port it uses. */
	const char *silent;
} probe_stream_ops;

#define PROBE_PKT_REQUEST 1
#define PROBE_PKT_REPLY 2

const probe_stream_ops *probe_stream_find(const char *name);
/* streams.c: the run's raw socket for a family and protocol, opened by its first user and
 * shared by every slot (one socket per slot would have the kernel copy each arriving packet
 * to all of them). Sets s->fd; 0 or negative errno. */
int probe_raw_shared(probe_slot *s, int tcp, char *err, size_t errlen);
void probe_streams_help(FILE *f);

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
} probe_live;

struct probe_slot {
	const probe_stream_ops *ops;
	probe *run;
	probe_target *target;
	int64_t interval;
	int64_t phase;
	int64_t outage_interval; /* spacing while in an outage; 0: keep the interval */
	int fd;
	int fd_shared; /* fd is one of the run's raw_fd[]: not the slot's to close */
	uint16_t icmp_id;
	uint16_t ssid;                   /* STAMP session id of udp streams */
	uint16_t local_port;             /* source port of udp and tcp-est streams */
	bo_addr local;                   /* our address towards the target (raw TCP checksums) */
	int est_state;                   /* tcp-est, pacer thread: 0 closed, 1 connecting, 2 up */
	int64_t est_retry;               /* tcp-est: no new connection before this (monotonic ns) */
	atomic_uint_fast64_t reconnects; /* tcp-est: connections made after the first */
	/* pacer thread */
	int64_t next_deadline;
	uint32_t next_seq;
	int in_fast;
	/* shared with the loop */
	atomic_int fast; /* set by the loop while the capture shows an outage */
	atomic_uint_fast64_t sent, send_errors, late;
	atomic_int_fast64_t max_late;
	/* loop thread */
	probe_live live;
};

typedef struct probe_config {
	const char *run_dir;
	const char *iface;
	const char *streams[PROBE_MAX_STREAMS];
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
	const char *exec; /* the migration command, run through /bin/sh -c */
	int64_t exec_lead; /* from the first probe to starting it */
	int64_t after;     /* from its end to the end of the run */
	char **targets;
	int ntargets;
	int argc;
	char **argv;
} probe_config;

typedef struct probe_pacer probe_pacer;
typedef struct probe_guest probe_guest;

struct probe {
	probe_config cfg;
	bo_key key;
	uint32_t run_id;
	bo_stamp_key stamp_key; /* empty: unauthenticated STAMP */
	int64_t mono_to_real;   /* realtime - monotonic at start, for STAMP timestamps */
	probe_target *targets;
	int ntargets;
	bo_addrmap target_map; /* address → target index */
	probe_slot *slots;     /* target t's streams: slots[t * nstreams, (t + 1) * nstreams) */
	int nslots;
	int raw_fd[4]; /* shared raw sockets: ICMP v4, ICMPv6, TCP v4, TCP v6; -1 unopened */
	uv_loop_t *loop;
	bo_log log;
	/* capture */
	pcap_t *pcap;
	pcap_dumper_t *dump;
	int linktype;
	char iface[64];
	uv_poll_t poll;
	uint64_t captured, invalid;
	int64_t last_cap_ts;
	/* timers and signals */
	uv_timer_t tick, stop_timer, duration_timer, drain;
	const char *stop_timer_reason;
	int finished;
	uv_signal_t sigint, sigterm, sigusr1;
	uv_timer_t exec_timer;
	uv_process_t exec_proc;
	int exec_running;
	uv_tty_t keys;
	int tty_on;
	char key_buf[64];
	int64_t start_mono, start_real;
	int64_t preflight_at; /* monotonic; 0 once done */
	int stopping;
	const char *stop_reason;
	int exit_code;
	int tty;
	int status_lines;          /* lines of the live status currently on screen */
	int ticks;                 /* 250 ms ticks so far */
	int64_t last_plain_status; /* when the last periodic status line was printed (no TTY) */
	probe_pacer *pacer;
	atomic_int sender_rt; /* the sender thread got a real-time priority */
	probe_guest *guests;  /* one per target, when subscribing to guest events */
	bo_log guest_log;     /* RUN/guest.jsonl */
};

/* run.c */
int probe_run(const probe_config *cfg);

/* run.c: stopping. */
void probe_request_stop(probe *p, const char *reason);
void probe_stop_after(probe *p, int64_t delay, const char *reason);

/* markers.c */
void probe_marker(probe *p, const char *kind, const char *label, json_t *extra);
int probe_markers_start(probe *p, int64_t lead_ms);
void probe_markers_close(probe *p);

/* pacer.c: the sender thread, absolute deadlines on the monotonic clock. */
int probe_pacer_start(probe *p, int64_t t0);
void probe_pacer_stop(probe *p);
/* The same schedule without a clock: fn for every (slot, seq, deadline) before end, in
 * deadline order (the dry run). Stops at fn's first nonzero return, which it returns. */
typedef int (*probe_walk_fn)(probe_slot *s, uint32_t seq, int64_t deadline, void *arg);
int probe_schedule_walk(probe *p, int64_t t0, int64_t end, probe_walk_fn fn, void *arg);

/* capture.c */
/* RUN/probe.pcap for p->pcap's link type (the capture's, or the dry run's). */
int probe_dump_open(probe *p, char *err, size_t errlen);
int probe_capture_open(probe *p, char *err, size_t errlen);
int probe_capture_start(probe *p);
void probe_capture_drain(probe *p);
void probe_capture_stats(probe *p, json_t **out);
void probe_capture_close(probe *p);

/* live.c: pairing from the capture, status line, outage lines. */
void probe_live_packet(probe *p, const bo_pkt *pkt, int64_t ts);
void probe_live_status(probe *p, int final);
void probe_live_clear(probe *p); /* removes the status block before a log line */
/* Once every stream has had time to answer: warns about those that never did. */
void probe_live_preflight(probe *p);
/* Per (target, stream) counters; only those in a gap when only_gaps. */
json_t *probe_live_json(probe *p, int64_t now, int only_gaps);
/* Per stream over all targets. */
json_t *probe_live_totals_json(probe *p, int64_t now);

/* guest.c: the responders' event channels into RUN/guest.jsonl. */
int probe_guest_start(probe *p, char *err, size_t errlen);
json_t *probe_guest_json(probe *p, const probe_target *t);
int probe_guest_connected(probe *p, const probe_target *t);
void probe_guest_close(probe *p);
void probe_guest_free(probe *p);

/* The packet builders, golden-tested byte for byte (tests/unit/test_golden.c).
 * stream_icmp.c: the ICMP/ICMPv6 echo request of an icmp or icmp-new probe (the kernel fills
 * the ICMPv6 checksum). */
void probe_icmp_build(const probe_slot *s, uint32_t seq, int64_t deadline,
                      uint8_t pkt[8 + BO_TAG_LEN]);
/* stream_udp.c: the STAMP packet of a udp or udp-new probe; its length or negative. */
int probe_stamp_build(const probe_slot *s, uint32_t seq, int64_t deadline, uint8_t *out,
                      size_t cap);
/* stream_tcp.c: the TCP header of a tcp-syn probe; the frame of a tcp-est probe. */
void probe_syn_build(const probe_slot *s, uint32_t seq, uint8_t out[20]);
void probe_est_build(const probe_slot *s, uint32_t seq, int64_t deadline, uint8_t out[BO_TAG_LEN]);

/* dry.c: --dry-run, the whole run's probes at their deadlines into RUN/probe.pcap (raw IP),
 * at once, without privileges. */
int probe_dry_open(probe *p, char *err, size_t errlen);
int probe_dry_run(probe *p, int64_t t0);

/* net-linux.c (platform) */
int probe_raw_open(int family, char *err, size_t errlen);
int probe_iface_for(const bo_addr *target, char *iface, size_t len, char *err, size_t errlen);
int probe_thread_tune(void);
/* Raises the open-files limit to at least need (a socket per UDP and tcp-est slot). */
int probe_files_limit(int need, char *err, size_t errlen); /* 1: real-time priority granted */
int probe_sendto(int fd, const void *buf, size_t len, const bo_addr *dst);
/* A UDP socket connected to dst:port that keeps nothing it receives; fd or negative errno. */
int probe_udp_connect(const bo_addr *dst, uint16_t port, uint16_t *local_port, char *err,
                      size_t errlen);
int probe_send(int fd, const void *buf, size_t len);
/* A raw TCP socket (we write TCP headers, the kernel the IP header); fd or negative errno. */
int probe_tcp_raw_open(int family, char *err, size_t errlen);
/* The source address the kernel picks for packets to dst (raw TCP checksums). */
int probe_route_source(const bo_addr *dst, bo_addr *local, char *err, size_t errlen);
/* A non-blocking TCP connection being made to dst:port; fd or negative errno. */
int probe_tcp_connect_start(const bo_addr *dst, uint16_t port, uint16_t *local_port);
/* 1 connected, 0 still connecting, negative errno when it failed. */
int probe_tcp_connected(int fd);
/* Sends on a stream socket without blocking or SIGPIPE; 0 or negative errno. */
int probe_stream_send(int fd, const void *buf, size_t len);
/* Reads and drops whatever waits on a socket (the capture has it). */
void probe_drain_input(int fd); /* 0 or negative errno */

#endif
