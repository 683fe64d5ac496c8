/* SPDX-License-Identifier: Apache-2.0 */
/* blackout-analyze: outage windows with bounds, resume markers and verdicts from a capture. */
#ifndef AN_H
#define AN_H

#include <jansson.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

#include "bo_addrmap.h"
#include "bo_caprd.h"
#include "bo_pkt.h"
#include "bo_stamp.h"
#include "bo_stream.h"
#include "bo_tag.h"

#define AN_FORMAT_VERSION 4 /* 4: evidence; 3: resume_kind a code, resume_label beside it */
#define AN_RTT_WINDOW 16
#define AN_MARGIN_CAP INT64_C(1000000) /* the start bound's round-trip stand-in, at most */
/* tcp-est: TCP holds and resends what a path drops, so a frame is lost only when not echoed
 * this long; a slow echo is a stall. */
#define AN_FRAMES_TIMEOUT (30 * INT64_C(1000000000))
/* At the capture's end, a probe unanswered this long (or four of its stream's slowest round
 * trips) is lost even before its reply timeout (an_stream_finish). */
#define AN_END_GRACE (10 * INT64_C(1000000))
/* A foreign request with the number of the one before, this soon after it: the same packet
 * captured twice (on two interfaces), not another probe. */
#define AN_DUP_WINDOW (100 * INT64_C(1000))
/* An outage with more lost probes than this, of which only its first or last two reached the
 * guest (in flight as the path broke or opened), never arrived. */
#define AN_EDGE_LOST 4
#define AN_STALL_MIN (200 * INT64_C(1000000)) /* an echo slower than this (and 20 RTTs) */
#define AN_MAX_STALLS 4096                    /* a tcp-est stream's stalls kept */
#define AN_TCP_HOLES 8 /* per direction: ranges of a byte stream not yet captured, awaited */

enum { AN_EXIT_OK = 0, AN_EXIT_INPUT = 1, AN_EXIT_USAGE = 2, AN_EXIT_GATE = 3 };

typedef struct an_settings {
	int64_t reply_timeout;   /* 0: from the run, else 1 s */
	int64_t normal;          /* reference: normal quarantine, 3 s */
	int64_t timeout;         /* reference: safety timeout, 7 s */
	int64_t switchover;      /* longest dark time after resume still "switchover", 1 s */
	const char *host_events; /* --host-events FILE; NULL: RUN/host.jsonl if there */
	const char *tz;          /* --tz: the reports' zone; NULL: UTC (bo_time_offset) */
} an_settings;

/* The analysis as computed once (verdict.c) and read by every output module: the verdict, its
 * reason, the main outage, the resume, the phases, the guest's clock against the probe's, and
 * per outage what the guest saw. Output modules never recompute these. */
enum an_verdict_code {
	AN_V_NO_BLACKOUT = 0,
	AN_V_SWITCHOVER,
	AN_V_QUARANTINE_NORMAL,
	AN_V_QUARANTINE_TIMEOUT,
	AN_V_ANOMALOUS,
	AN_V_FULL_OUTAGE, /* established TCP stalled as long: not a quarantine */
	AN_NVERDICTS
};
/* "no-blackout", "switchover-only", "quarantine-normal", "quarantine-safety-timeout",
 * "anomalous", "full-outage": the names in every output. */
extern const char *const an_verdict_names[AN_NVERDICTS];
/* A verdict by its name or the end of it ("safety-timeout"), for --fail-if: code or -1. */
int an_verdict_parse(const char *s);
/* Is the verdict one a fleet wants (nothing worse than a normal quarantine)? */
int an_verdict_ok(int v);

/* What the guest's capture says of an outage's lost probes. */
enum an_attribution_code {
	AN_ATTR_NONE = 0, /* no guest data, or a byte stream (TCP holds and resends) */
	AN_ATTR_NEVER_ARRIVED,
	AN_ATTR_DROPPED_IN_GUEST,
	AN_ATTR_MIXED, /* never arrived, then dropped in the guest */
	AN_NATTRS
};
extern const char *const an_attribution_names[AN_NATTRS]; /* [0] is NULL */

/* One outage: a run of consecutive lost probes, bounded by the answered probes around it. */
typedef struct an_outage {
	int64_t prev_ok;    /* send time of the last answered probe before, 0 if none */
	int64_t first_lost; /* send time of the first lost probe */
	int64_t last_lost;
	int64_t next_ok;               /* send time of the first answered probe after, 0 if none */
	int64_t rtt_before, rtt_after; /* median RTT around it, 0 if unknown */
	int64_t rtt_margin;  /* stand-in for the first lost probe's RTT: the start's margin */
	int64_t rtt_next_ok; /* RTT of the first answered probe after: the end's margin */
	uint64_t lost, blind;
	int64_t start_lo, start_hi, end_lo, end_hi; /* bounds; *_hi = 0 if open */
	int64_t start, end, duration, dmin, dmax;   /* point estimates and duration bounds */
	uint32_t first_seq, last_seq;               /* its lost probes' sequence numbers */
	/* from guest.jsonl: lost probes the guest's capture saw arrive */
	uint64_t arrived;
	uint64_t edge_arrived; /* ...of them, among its first or last two (in flight at a change) */
	uint64_t fw_dropped;   /* of its lost probes, those the guest's firewall logged dropping */
	uint64_t fw_quarantine; /* ...of them, by the quarantine's own filters (WFP) */
	int64_t first_arrival;  /* on the probe's clock; 0: none */
	/* when its first three lost probes arrived, and the earliest from the third on, on the
	 * guest's clock (0: not) */
	int64_t head_arrival[3], rest_arrival;
	/* the results (verdict.c) */
	uint8_t attribution; /* enum an_attribution_code */
	int64_t guest_down;  /* how long the guest's capture was down inside it */
} an_outage;

typedef struct an_probe {
	int64_t send;   /* capture time of the request, 0 if never captured */
	int64_t reply;  /* capture time of the first reply, 0 if none */
	uint16_t label; /* a foreign ping's sequence number as on the wire */
	uint8_t fast;   /* sent at the outage spacing, off the stream's schedule */
} an_probe;

/* A run of consecutive probes with the same fate, for the timeline: memory grows with the
 * number of changes, not of probes. */
enum { AN_OK = 0, AN_LOST = 1, AN_BLIND = 2 };
typedef struct an_seg {
	int64_t first, last; /* send times of its first and last probe */
	uint32_t count;
	uint8_t status;
} an_seg;
#define AN_SEG_MAX 200000     /* beyond, the timeline keeps the first ones */
#define AN_MAX_STREAMS 4096   /* a foreign capture's streams (a run's come from its log) */
#define AN_MAX_SYN_STREAMS 64 /* each keeps its probes by source port: 768 KiB */

/* sched.c: streaming histogram of schedule errors. */
typedef struct an_hist an_hist;
void an_hist_add(an_hist **h, int64_t v);
int64_t an_hist_quantile(const an_hist *h, double q);
uint64_t an_hist_count(const an_hist *h);
json_t *an_hist_json(const an_hist *h);
void an_hist_free(an_hist *h);

/* A resolved probe, for per-probe output (the CSV): status AN_OK, AN_LOST or AN_BLIND. */
typedef struct an_stream an_stream;
typedef void (*an_probe_cb)(void *arg, const an_stream *s, uint32_t seq, int64_t send,
                            int64_t reply, int status);
/* Called with s NULL when the input is read again from its start (its records were found out
 * of time order): what it was given before is void. */

struct an_stream {
	const bo_stream_desc *desc; /* the registry's stream type */
	const char *name;           /* desc->name */
	bo_stream_inst inst;        /* what the registry's matchers check a hit against */
	bo_addr target;
	int next_same; /* index of the next stream to the same target, -1: none */
	char target_str[48];
	/* What only one kind of stream has (desc->kind says which). */
	union {
		struct an_bytes { /* BO_MATCH_FRAMES (tcp-est): the byte stream followed */
			uint64_t retransmits; /* retransmitted segments, each way */
			struct an_stall {     /* echoes held up, one per migration or so */
				int64_t first_send, last_reply, max_delay;
				uint32_t frames;
				int open; /* still held when the capture ended */
			} * stalls;
			int nstalls, stall_cap;
			uint64_t more_stalls; /* beyond the AN_MAX_STALLS kept */
			struct an_tcpdir {
				uint16_t port; /* our side's port of the connection followed */
				int valid;
				uint32_t next; /* TCP sequence number after the last byte read */
				uint8_t carry[BO_TAG_LEN - 1];
				size_t ncarry;
				/* bytes not yet seen below next: segments that came out of order
				 * (the echo's, lost before the capture and resent) fill them */
				struct an_hole {
					uint32_t lo, hi;
				} holes[AN_TCP_HOLES];
				int nholes;
			} dir[2]; /* 0 our frames, 1 the echo */
		} bytes;
		struct an_syns { /* BO_MATCH_SYN, a foreign capture's: last probe per port */
			struct an_synent {
				uint32_t seq, isn;
				int used;
			} * map;
		} syn;
		struct an_clocks { /* BO_MATCH_STAMP: per second the least round trip's sample */
			struct an_clk {
				int64_t ts, rtt, offset; /* offset: reflector clock - probe clock */
			} * v;
			int n, cap;
		} clk;
	} u;
	int keyed;        /* a run's stream: probes verified with its key, 32-bit sequence */
	int64_t interval; /* from the run log, or inferred from the sends */
	/* pending probes: ring[(seq - base) % cap] for seq in [base, top) */
	an_probe *ring;
	uint32_t cap, base, top;
	int started;
	/* a foreign ping: probes numbered in capture order, its sequence numbers labels */
	uint16_t last_label;
	uint8_t seq_le;      /* its sender writes them little-endian (hping3): said, not needed */
	uint8_t order_known; /* ...found out from two requests that follow each other */
	uint64_t repeated;   /* requests that repeated the number of the one before (nping) */
	uint32_t max_answered;
	int any_answered;
	/* counts */
	uint64_t sent, answered, lost, dups, late, reordered, blind, unresolved;
	uint64_t dropped; /* requests past the ring's bound (16 M in flight): not analysed */
	/* of sent, answered and lost: the probes off the stream's schedule (the outage spacing) */
	uint64_t sent_fast, answered_fast, lost_fast;
	int scheduled; /* its requests carry their deadlines (not tcp-syn's): the above known */
	int64_t phase; /* its deadlines: the run's t0 + phase + k x interval (probe.jsonl) */
	int64_t first_send, last_send, rtt_min, rtt_max, rtt_sum;
	int64_t infer[33]; /* first send deltas, for interval inference */
	an_hist *sched;    /* capture time - deadline of each request (keyed streams) */
	int ninfer;
	/* outage machine */
	int in_outage;
	an_outage cur;
	int64_t last_ok_send;
	/* send time of the newest probe answered so far, set at its reply, before the probes
	 * ahead of it are resolved: a live engine's sign that an outage is ending */
	int64_t newest_reply_send;
	int64_t rtts[AN_RTT_WINDOW];
	int nrtt;
	int collect_after; /* outages[] index still collecting after-RTTs, -1 none */
	int64_t after[AN_RTT_WINDOW];
	int nafter;
	an_outage *outages;
	int noutages, outage_cap;
	/* timeline */
	an_seg *segs;
	int nsegs, seg_cap;
	int64_t last_retired; /* send time of the last probe retired, for blind ones */
	an_probe_cb on_probe; /* every resolved probe, or NULL */
	void *on_probe_arg;
	int no_timeline; /* a live engine's: no segments kept (memory flat over weeks) */
};

typedef struct an_announce {
	int64_t ts;
	int gratuitous; /* ARP: sender = target address; NA: unsolicited (no S flag) */
	int rarp;
	int ndp;
	int target; /* by_target's index of the target it announces, -1 unknown */
} an_announce;
/* An announcement's code (arp, garp, rarp, na: the JSON's) and label (the reports' prose). */
const char *an_announce_code(const an_announce *a);
const char *an_announce_label(const an_announce *a);
#define AN_MAX_MACS 64        /* targets whose MAC is learned (a RARP names only the MAC) */
#define AN_MAX_GUEST_FACTS 64 /* responders' start events kept for the records */

typedef struct an_marker {
	int64_t ts; /* realtime */
	char kind[16];
	char label[112];
} an_marker;

typedef struct an_truth {
	char stream[16];
	int64_t start[2], end[2], duration;
	char verdict[40];
} an_truth;

/* An outage split where the guest's capture saw its lost probes arrive again (verdict.c). */
struct an_phases {
	int have;                      /* the guest's capture saw lost probes arrive */
	int64_t pause, quarantine;     /* the outage split at the first arrival */
	int64_t resume, resume_unsure; /* the first arrival, and the capture's gaps before */
};
/* The guest's clock against the probe's before and after an outage (stamp.c). */
struct an_clock_result {
	int have_before, have_after;
	int64_t before, before_err, after, after_err; /* offsets (reflector - probe), ± */
	int both;                                     /* a step can be told */
	int64_t step;
	int stepped; /* beyond both errors and 1 ms */
};

/* A migration event (events.c): one target's outages of all its streams that overlap or nearly
 * touch, judged on its longest like a run (verdict.c). Outages no longer than two of their
 * stream's intervals with no sign of a migration (no announcement, no guest network event, no
 * hypervisor record) are `loss`. */
#define AN_EVENT_PARTS 16                       /* a target's streams in one event */
#define AN_EVENT_JOIN (1000 * INT64_C(1000000)) /* outages this close are one event */
/* A marker belongs to the event that ends after it, up to this long before the event starts
 * (a migration's memory copy runs before its switchover) and not before the target's previous
 * event ended. */
#define AN_EVENT_LEAD (600 * INT64_C(1000000000))
enum an_event_kind { AN_EV_MIGRATION = 0, AN_EV_LOSS };
/* What a migration's verdict rests on (events.c), a bit each; the codes in every output. */
enum an_evidence_code {
	AN_EVI_DURATION = 0,  /* its dark time against the reference figures: always */
	AN_EVI_ANNOUNCEMENT,  /* the target's announcement: the dark time counted from the resume */
	AN_EVI_INDICATION,    /* the guest's network events cover it: an indication came or not */
	AN_EVI_ARRIVALS,      /* the guest's capture: which lost probes reached the guest */
	AN_EVI_FW_DROPS,      /* the guest firewall's log of what it dropped */
	AN_EVI_FW_QUARANTINE, /* the guest firewall's own quarantine window (WFP) */
	AN_EVI_PROFILE,       /* the network's re-classification that ended it (Windows) */
	AN_EVI_TCP_EST,       /* an established TCP stream beside it: passes a quarantine */
	AN_EVI_HYPERVISOR,    /* the hypervisor's record of it */
	AN_NEVIDENCE
};
/* "duration", "announcement", "indication", "guest-arrivals", "firewall-drops",
 * "firewall-quarantine", "profile-change", "tcp-est", "hypervisor". */
extern const char *const an_evidence_names[AN_NEVIDENCE];
/* The evidence that tells a quarantine from a full outage; without any, a verdict rests on
 * the dark time alone (a 3 s outage of everything and a 3 s quarantine look the same). */
#define AN_EVI_CAUSE                                                                               \
	(1u << AN_EVI_INDICATION | 1u << AN_EVI_ARRIVALS | 1u << AN_EVI_FW_DROPS |                 \
	 1u << AN_EVI_FW_QUARANTINE | 1u << AN_EVI_PROFILE | 1u << AN_EVI_TCP_EST)
typedef struct an_judgement {
	int verdict;
	char reason[512];
	int64_t resume_ts;
	const char *resume_kind; /* the announcement's label: "gratuitous ARP" */
	const char *resume_code; /* ...and its code: "garp" (an_announce_code) */
} an_judgement;
typedef struct an_event {
	int kind;
	int stream0; /* a stream of its target (the target's first) */
	int nparts;
	struct an_event_part {
		int stream, outage;
	} parts[AN_EVENT_PARTS];
	int64_t start, end; /* earliest start and latest end (point estimates) of its outages */
	int main_stream, main_outage; /* its longest */
	an_judgement j;
	int host;        /* the hypervisor's record of it (index into host), -1 none */
	int64_t held;    /* tcp-est's longest stall across it, 0 none; -1: no tcp-est to tell */
	int attribution; /* its longest outage's (an_attribution_names), 0 none */
	struct an_phases phases;      /* its longest outage's */
	struct an_clock_result clock; /* the guest's clock between its neighbours and it */
	int mark0, nmarks;            /* its markers: markers[mark0 .. mark0 + nmarks) */
	int64_t indication;           /* the guest's first network event in it (a network-change
	                               * indication reached the guest), 0 none */
	int indication_known;         /* the guest's events cover it (they go on past its end) */
	int indication_netvsc;        /* ...said by Hyper-V Netvsc's event 14 (Windows) */
	uint64_t fw_dropped;          /* its lost probes the guest's firewall logged dropping */
	uint64_t fw_quarantine;       /* ...of them, by the quarantine's own filters (WFP) */
	int guest_host;               /* the guest's KVP host change in it (guest_hosts), -1 none */
	int guest_profile; /* the profile change that ended it (guest_profiles), -1 none */
	unsigned evidence; /* what its verdict rests on: 1 << enum an_evidence_code */
} an_event;

/* host.c: a migration as the hypervisor tells it (host.jsonl, a Hyper-V event export). */
#define AN_MAX_HOST 4096   /* migrations read; more are counted */
#define AN_HOST_STREAMS 64 /* streams a migration is matched against (the first ones) */
typedef struct an_host_mig {
	char source[16]; /* qemu, libvirt, hyperv, ... */
	char vm[64];
	char mode[24];
	char from_host[64], to_host[64]; /* where known (host.jsonl's from_host, to_host) */
	char logged_by[64];              /* Hyper-V: the host whose event log had it */
	bo_addr target;
	int have_target;
	int event_id;              /* Hyper-V: 20415, or 20417 (unexpectedly long) */
	int64_t stop, resume, end; /* realtime ns; 0 unknown */
	int64_t downtime, total;   /* ns; -1 unknown */
	int to_fixed; /* its destination host has the fix (host facts): 1, 0, -1 unknown */
	int outage[AN_HOST_STREAMS]; /* each stream's outage it made, -1 none */
} an_host_mig;

/* What the run's files say (probe.jsonl, lab.jsonl, guest.jsonl, host.jsonl): the input,
 * read once (runinfo.c, guest.c, host.c) beside the capture. */
typedef struct an_input {
	const char *input;
	const char *tz; /* the reports' zone (an_settings.tz) */
	int is_dir;
	char path_pcap[4096];
	/* from probe.jsonl */
	int have_log;
	bo_key key;
	uint32_t run_id;
	int64_t log_timeout;
	int64_t mono_to_real; /* realtime - monotonic on the probe host, from the header */
	int64_t t0;           /* the probe's schedule origin (start record), monotonic; 0 unknown */
	uint16_t stamp_port;  /* the reflectors' port (862 unless the run says otherwise) */
	uint16_t tcp_port;    /* blackout-responder's TCP port (tcp-syn, tcp-est) */
	int stamp_auth;       /* the run used authenticated STAMP */
	bo_stamp_key stamp_key;
	json_t *header;
	uint64_t cap_dropped, cap_ifdropped;
	char stop_reason[32];
	int log_complete; /* an end record was found */
	long log_bad_lines;
	/* markers from probe.jsonl (the migration command, signals, keys) */
	an_marker *markers;
	int nmarkers, marker_cap;
	/* lab ground truth */
	int have_lab;
	char lab_scenario[32];
	an_truth truth[8];
	int ntruth;
	/* guest.jsonl: the guest's network events on the probe's clock */
	int have_guest;
	int64_t guest_offset; /* probe realtime - guest realtime, least over the clock events */
	/* the guest's network events (the lab's indication: link down, up), and whose */
	int64_t guest_net[256];
	bo_addr guest_net_target[256];
	uint8_t guest_net_netvsc[256]; /* Hyper-V Netvsc's event 14 itself (Windows), not a link */
	uint8_t guest_net_link[256]; /* a link change or Netvsc's 14: an indication, not an address
	                              */
	int nguest_net;
	/* the guest's "host" events: Hyper-V's KVP host name changed (a migration's two ends) */
	struct an_guest_host {
		bo_addr target;
		int64_t at; /* probe clock */
		char host[64], previous[64];
	} guest_hosts[64];
	int nguest_hosts;
	/* the network's re-classification (Windows: NetworkProfile 10000-10002, firewall 2010) */
	struct an_guest_profile {
		bo_addr target;
		int64_t at; /* probe clock */
		char what[96];
		int firewall; /* the firewall's own (2010), else the Network List Service's */
	} guest_profiles[64];
	int nguest_profiles;
	struct an_guest_seen { /* per target, the last of its events (how far its account goes) */
		bo_addr target;
		int64_t last;
	} guest_seen[AN_MAX_GUEST_FACTS];
	int nguest_seen;
	uint64_t guest_events, guest_arrivals;
	int have_fwlog;               /* a responder read its firewall's drops (--fw-log) */
	uint64_t guest_fw_drops;      /* fw-drop and wfp-drop events, all */
	uint64_t guest_wfp_unmatched; /* wfp-drop events in no outage of a stream of theirs */
	int64_t guest_gap[16][2];     /* the guest's capture down (capture-lost .. capture-back) */
	int nguest_gap;
	/* The guest firewall's own account of a quarantine (Windows, "wfp" events): from its
	 * unquarantine filters deleted to added back; [1] 0 when not back within the run. */
	int64_t guest_quar[8][2];
	int nguest_quar;
	json_t *guest_facts[AN_MAX_GUEST_FACTS]; /* each responder's start event (records) */
	int nguest_facts;
	/* the hypervisor's account (host.c); each migration's matched outages (an_host_match) */
	int have_host;
	char host_path[4200];
	an_host_mig *host;
	int nhost, host_cap;
	/* host facts (host.jsonl "host" lines, Get-BlackoutHostFacts.ps1): does a host have the
	 * fix (KB4338822's build and SendLmNetworkChangeIndication 0)? */
	struct an_host_fact {
		char host[64];
		int fixed;
	} host_facts[256];
	int nhost_facts;
	uint64_t host_bad, host_dropped; /* records unreadable, beyond AN_MAX_HOST */
} an_input;

/* The engine: the streams with their pairing rings and outage machines, the announcements,
 * fed packet by packet (an_engine_packet; capture.c) from a file or a live capture. */
typedef struct an_engine {
	an_hist *sched; /* every keyed request's schedule error, over all streams */
	an_stream *streams;
	int nstreams, stream_cap;
	bo_addrmap by_target; /* target → index of its first stream: one lookup per packet */
	bo_addrmap by_id;     /* a foreign capture's (target, kind and identifier) → stream */
	/* Bounds (memory and time by design): what they left out is counted and reported. */
	uint64_t streams_dropped; /* streams past AN_MAX_STREAMS, SYN streams past the SYN cap */
	int syn_streams;
	an_probe_cb on_probe; /* --csv: every probe as it is resolved */
	void *on_probe_arg;
	bo_stream_ctx sctx; /* the registry's view of the run */
	int64_t timeout;    /* the reply timeout it pairs with */
	/* capture */
	int linktype;
	uint64_t packets, invalid, strays;
	int64_t first_ts, last_ts;
	int truncated;        /* the capture ended inside a record: analysed up to there */
	bo_caprd_order order; /* its records' order in time (read sorted when they went back) */
	an_announce *announces;
	int nannounce, announce_cap;
	struct an_mac {
		uint8_t mac[6];
		int target;  /* by_target's index */
	} macs[AN_MAX_MACS]; /* each target's MAC, from its first reply */
	int nmacs;
} an_engine;

/* The results, computed once (verdict.c, events.c) and read by every output module. */
typedef struct an_results {
	int verdict; /* enum an_verdict_code */
	char reason[512];
	int64_t resume_ts;
	const char *resume_kind;      /* label of the announcement that marked the resume */
	const char *resume_code;      /* its code (arp, garp, rarp, na) */
	int main_stream, main_outage; /* -1 when none */
	struct an_phases phases;      /* of the main outage */
	struct an_clock_result clock; /* around the main outage, within its event's neighbours */
	const int64_t *quarantine; /* the guest firewall's window overlapping it (WFP), or NULL */
	/* migration events (events.c), in time order */
	an_event *events;
	int nevents, event_cap;
	uint64_t event_parts_dropped; /* outages beyond AN_EVENT_PARTS in one event */
} an_results;

/* A run: its input, the engine's state after the capture, and the results. */
typedef struct an_run {
	an_input in;
	an_engine eng;
	an_results res;
} an_run;

/* A request's schedule error (capture time - its deadline), on its stream and the run's. */
void an_sched_add(an_run *r, an_stream *s, int64_t err);

/* verdict.c: the target's tcp-est stream (the first that answered), or NULL; its longest stall
 * overlapping [from, to] in *held, and the most of [from, to] one stall covered in *covered. */
const an_stream *an_est_stall(const an_run *r, const bo_addr *target, int64_t from, int64_t to,
                              int64_t *held, int64_t *covered);
/* verdict.c: the verdict of one outage, as the run's and each event's is judged. */
void an_judge_outage(const an_run *r, const an_settings *set, int stream, int outage,
                     an_judgement *j);
/* events.c: the run's outages grouped into migration events, each judged (after an_verdict and
 * an_host_match). 0 or BO_ENOMEM. */
int an_events(an_run *r, const an_settings *set);
/* An event's longest dark time: 1 when an outage of it was still open at the capture's end
 * (then *dark is what it lasted at least: its bounds' least, from the first lost probe to the
 * last), else 0. */
int an_event_dark(const an_run *r, const an_event *e, int64_t *dark);
/* Does a migration's verdict rest on its dark time alone (no evidence of its cause)? */
int an_evidence_duration_alone(const an_event *e);
/* When an event's verdict rests on its dark time alone, the words that say so and what was
 * missing ("judged on duration alone: no guest data, no established-TCP stream") into buf;
 * else NULL. */
const char *an_evidence_alone(const an_run *r, const an_event *e, char *buf, size_t len);
/* The event the run's verdict is (its main outage's), or NULL. */
const an_event *an_main_event(const an_run *r);
/* The hosts an event went between: the hypervisor's record (host.jsonl), else the guest's
 * Hyper-V KVP host change in it; "" where neither says. */
void an_event_hosts(const an_run *r, const an_event *e, const char **from, const char **to);
/* gate.c: --fail-if and --max-blackout. */
typedef struct an_gates {
	int fail_if[8], nfail;
	int64_t max_blackout;
} an_gates;
void an_gate_fail_if(an_gates *g, const char *list); /* VERDICT[,...]; a usage error if not */
/* One migration against the gates (each failure said on stderr): 1 failed, 0 passed. */
int an_gate_check(const an_gates *g, const char *input, const char *target, int event, int verdict,
                  int64_t dark, int open);
/* Every migration event of a run (or the run's verdict when it has none). */
int an_gate_run(const an_gates *g, const an_run *r);
/* Migration events per verdict (kind AN_EV_MIGRATION only). */
void an_event_counts(const an_run *r, int counts[AN_NVERDICTS]);
/* event_json.c: what the report and the records share, as JSON: event i (migrations[],
 * --records); a time or an id, null when 0; a text, null when ""; phases and clock fit (null
 * when unknown); an event's evidence codes. */
json_t *an_event_json(const an_run *r, int i);
json_t *an_json_ns(int64_t v);
json_t *an_json_str(const char *s);
json_t *an_phases_json(const struct an_phases *p);
json_t *an_clock_json(const struct an_clock_result *c);
json_t *an_evidence_json(unsigned evidence);
/* report_records.c: event i's record (a --records line, the watcher's records.jsonl's);
 * --records FILE (appended, a line per migration event); --prom FILE (a Prometheus textfile,
 * accumulating). 0 or -1. */
json_t *an_event_record(const an_run *r, int i);
int an_write_records(const an_run *r, const char *path);
int an_write_prom(const an_run *r, const char *path);

/* host.c: RUN/host.jsonl, or path (an error when it cannot be read); matched after the
 * capture pass by an_host_match. */
int an_read_host(an_run *r, const char *path);
/* The same from a buffer (either format): 0, or BO_EINVAL for UTF-16. The fuzzers' entry. */
int an_host_parse(an_run *r, const char *buf, size_t len);
void an_host_match(an_run *r);
int64_t an_host_dark(const an_run *r, const an_host_mig *m, int *stream);

/* The guest's quarantine window (guest_quar) that overlaps [from, to], or NULL. */
const int64_t *an_guest_quarantine(const an_run *r, int64_t from, int64_t to);
/* Probes left out by the rings' bound, over all streams. */
uint64_t an_probes_dropped(const an_run *r);
/* stream.c: a request just filed under seq was off the stream's schedule (deadline, probe
 * monotonic ns, against the run's t0 and the stream's phase and interval): counted apart. */
void an_stream_schedule(an_stream *s, const an_run *r, uint32_t seq, int64_t deadline);
/* stream.c, a foreign ping: its next request, by its sequence number on the wire (label), filed
 * in the order of capture (0, or -1 past the ring's bound); a reply, to the oldest request
 * still unanswered that carried its label. */
int an_stream_request_label(an_stream *s, uint16_t label, int64_t ts, int64_t timeout);
void an_stream_reply_label(an_stream *s, uint16_t label, int64_t ts);
/* The main outage, or NULL. */
const an_outage *an_main_outage(const an_run *r);

/* load.c: an input read and judged (errors said on stderr); 0 or -1. Free with an_run_free
 * either way. on_probe: every probe as it is resolved, or NULL. */
int an_load(an_run *r, const char *input, const an_settings *set, const bo_stamp_key *stamp_key,
            an_probe_cb on_probe, void *on_probe_arg);
void an_run_free(an_run *r);
/* The reference figures and timeouts when no option says otherwise: normal 3 s, safety
 * timeout 7 s, switchover 1 s, the reply timeout the run's. */
an_settings an_settings_defaults(void);
/* The analysis options both commands take (--reply-timeout R, --normal N, --timeout T,
 * --switchover S, --stamp-key K, by those getopt values): 1 when opt was one of them. */
int an_settings_option(int opt, const char *arg, an_settings *set, bo_stamp_key *key);

/* stats.c: quantiles and the Mann-Whitney U test (compare). */
#define AN_MW_EXACT_MAX 2500 /* n * m up to which the exact distribution is counted */
void an_sort64(int64_t *v, int n);
/* The q-quantile (nearest rank) of n sorted values; 0 when n is 0. */
int64_t an_quantile(const int64_t *v, int n, double q);
/* Two-sided p-value of U for samples a (n) and b (m), U (a's wins, ties half) in *u: exact
 * without ties and n * m <= AN_MW_EXACT_MAX, else the normal approximation with tie and
 * continuity corrections. */
double an_mann_whitney(const int64_t *a, int n, const int64_t *b, int m, double *u);
/* The least p-value samples of n and m can reach (complete separation, exact). */
double an_mann_whitney_best_p(int n, int m);

/* compare.c: `blackout-analyze compare ...`; its exit status. */
int an_compare(int argc, char **argv, const an_settings *set, const bo_stamp_key *stamp_key);

/* runinfo.c */
int an_read_runlog(an_run *r, char *err, size_t errlen);
int an_read_lab(an_run *r, char *err, size_t errlen);

/* stream.c */
an_stream *an_stream_add(an_run *r, const bo_stream_desc *desc, const bo_addr *target, int keyed,
                         int64_t interval);
/* A run's stream as its log describes it (a `stream` record of probe.jsonl, or the probe's own
 * slot), or NULL. */
an_stream *an_stream_of_run(an_run *r, const bo_stream_desc *d, const bo_addr *target,
                            int64_t interval, int64_t phase, uint16_t icmp_id, uint16_t ssid,
                            uint16_t local_port);
/* A run's stream that accepts a hit (the registry's check), or NULL. */
an_stream *an_stream_for_hit(an_run *r, const bo_hit *h);
/* The target's stream of a kind (the first byte stream, a foreign capture's streams). */
an_stream *an_stream_of_kind(an_run *r, const bo_addr *target, enum bo_match_kind kind);
an_stream *an_stream_find_desc(an_run *r, const bo_addr *target, const bo_stream_desc *d);
/* A foreign stream made from a packet enters the lookups by its identifier (ICMP identifier,
 * SSID, target port). 0 or BO_ENOMEM. */
int an_stream_index_id(an_run *r, an_stream *s, uint16_t id);
/* A foreign capture's streams: ICMP by identifier, STAMP by SSID, SYN by target port. */
an_stream *an_stream_find_echo(an_run *r, const bo_addr *target, uint16_t icmp_id);
an_stream *an_stream_find_ssid(an_run *r, const bo_addr *target, uint16_t ssid);
an_stream *an_stream_find_port(an_run *r, const bo_addr *target, uint16_t port);
int an_stream_request(an_stream *s, uint32_t seq, int64_t ts, int64_t timeout);
void an_stream_reply(an_stream *s, uint32_t seq, int64_t ts);
void an_stream_advance(an_stream *s, int64_t now, int64_t timeout);
void an_stream_finish(an_stream *s, int64_t end, int64_t timeout);
void an_stream_free(an_stream *s);
/* Capture time of pending probe seq's request, or 0. */
int64_t an_stream_send_time(const an_stream *s, uint32_t seq);
/* tcp-est: the least delay of an echo that counts as held up (a stall): AN_STALL_MIN, or 20
 * of the stream's least round trips when longer. */
int64_t an_stall_bound(const an_stream *s);
/* The stream's longest outage, or NULL. */
const an_outage *an_stream_longest(const an_stream *s);
/* Does the lab's truth lie in the outage's bounds? The true instant may be anywhere in its
 * bracket, so a bound contains it when the bracket and the bound overlap. */
void an_truth_inside(const an_truth *t, const an_outage *o, int *start_in, int *end_in);

/* capture.c: the engine, fed a frame at a time (from a file, or the probe's live capture):
 * begun with the run's context and the capture's link type; each frame in capture order (ts
 * in ns, -1 for a damaged record: counted); advanced to capture time now (probes unanswered
 * for the reply timeout are lost, the outages they end are closed, with their bounds); finished
 * at the end of the input (what is left is judged as at a capture's end). */
void an_engine_begin(an_run *r, const an_settings *set, int linktype);
void an_engine_packet(an_run *r, int64_t ts, const uint8_t *data, uint32_t caplen);
void an_engine_advance(an_run *r, int64_t now);
void an_engine_finish(an_run *r);
/* r->sctx from what the run log said (or a foreign capture's defaults). */
void an_run_context(an_run *r);
/* RUN's capture (r->path_pcap), in file order or sorted by time: 0, 1 when cut short (what
 * came before is read), -1 on error, AN_CAPTURE_UNORDERED when records go back in time and it
 * was not asked sorted (an_load reads it again sorted). */
#define AN_CAPTURE_UNORDERED 2
int an_read_capture(an_run *r, const an_settings *set, int sort, char *err, size_t errlen);
/* The same on a capture already open (closed on return): the fuzz driver's way in. */
int an_read_pcap(an_run *r, pcap_t *pc, const an_settings *set, char *err, size_t errlen);
/* stamp.c: STAMP requests and replies, from our runs and from any STAMP sender. */
void an_on_stamp(an_run *r, const bo_hit *h, int64_t ts, int64_t timeout);
/* tcp.c: a foreign capture's SYN probes; a run's byte streams, reassembled. */
void an_on_foreign_syn(an_run *r, const bo_hit *h, int64_t ts, int64_t timeout);
void an_on_frames(an_run *r, const bo_pkt *p, int64_t ts, int64_t timeout);

/* guest.c: RUN/guest.jsonl, when the probe subscribed to the responder's events, read after
 * the capture pass: the clock offset, the network events and the capture's gaps, and the
 * arrivals of lost probes counted into their outages. */
int an_read_guest(an_run *r);
/* What the guest's capture says of an outage (enum an_attribution_code). */
int an_attribution(const an_run *r, const an_stream *s, const an_outage *o);
/* How long the guest's capture was down inside [from, to] (those arrivals are unknown). */
int64_t an_guest_blind(const an_run *r, int64_t from, int64_t to);

/* report_html.c: one self-contained HTML page with an SVG timeline. */
void an_report_html(FILE *f, const an_run *r, const an_settings *set);

/* stamp.c: the guest's clock against the probe's, from STAMP T1-T4 of the target's samples
 * in [lo, hi] before and after the outage (the least round trip on each side). */
void an_clock_fit(const an_run *r, int stream, int outage, int64_t lo, int64_t hi,
                  struct an_clock_result *c);
/* verdict.c: an outage's phases (have 0 when the guest's capture did not see it end). */
void an_phases_of(const an_run *r, const an_outage *o, struct an_phases *p);

/* verdict.c: the results, once, after the capture and guest passes. */
void an_verdict(an_run *r, const an_settings *set);

/* report_csv.c: the per-probe CSV, fed by the pairing engine's callback (arg: a FILE *). */
void an_csv_header(FILE *f);
/* The rows as streamed (in) with the event column added (out), once the events are known. */
int an_csv_events(const an_run *r, FILE *in, FILE *out);
void an_csv_probe(void *f, const an_stream *s, uint32_t seq, int64_t send, int64_t reply,
                  int status);

/* report_text.c, report_json.c; an_write_json: to path ("-": standard output), 0 or -1
 * (said). */
int an_write_json(json_t *j, const char *path);
void an_report_text(FILE *f, const an_run *r, const an_settings *set);
json_t *an_report_json(const an_run *r, const an_settings *set);

#endif
