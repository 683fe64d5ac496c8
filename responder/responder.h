/* SPDX-License-Identifier: Apache-2.0 */
/* blackout-responder: runs in the guest. A STAMP Session-Reflector, a TCP listener (SYN target,
 * echo, event channel), the guest's events (network changes, clocks, probe arrivals) and a
 * heartbeat to the probe host. Platform code lives in the *-linux.c / *-posix.c files. */
#ifndef RESPONDER_H
#define RESPONDER_H

#include <pcap/pcap.h>
#include <stdint.h>
#include <uv.h>

#include "bo_vocab.h"
#include "bo_ctl.h"
#include "bo_kvp.h"
#include "bo_log.h"
#include "bo_pkt.h"
#include "bo_stamp.h"

enum { RSP_EXIT_OK = 0, RSP_EXIT_RUNTIME = 1, RSP_EXIT_USAGE = 2, RSP_EXIT_SETUP = 4 };

#define RSP_MAX_SESSIONS 4096

/* ---- STAMP reflector (stamp.c) ---- */

/* A STAMP session is (sender address, sender port, SSID); each has its own sequence counter so
 * the sender can tell forward from backward loss (RFC 8762 §4.3, stateful mode). */
typedef struct rsp_session {
	bo_addr addr;
	uint16_t port, ssid;
	uint32_t next_seq;
	int64_t last_seen;
	int used;
} rsp_session;

typedef struct rsp_counters {
	uint64_t received, reflected, malformed, auth_failed, send_errors, evicted, denied, limited;
	uint64_t replayed;      /* authenticated, but a sequence number its SSID has had already */
	uint64_t loop_refused;  /* from the reflector's own address and port (a spoofed loop) */
	uint64_t port_refused;  /* from a port below --min-source-port or a reflector port */
	uint64_t queue_dropped; /* dropped by the kernel before we read them: the queue was full */
	uint64_t plain;         /* with a key: plain (unauthenticated) requests, answered in kind */
} rsp_counters;

/* Authenticated mode: per SSID the highest sender sequence number seen and a window of the 64
 * below it, so a captured packet replayed from any source and port is refused. An SSID idle
 * for RSP_REPLAY_IDLE starts afresh (a new probe run may reuse it). */
#define RSP_REPLAY_WINDOW 64
#define RSP_REPLAY_IDLE (10 * INT64_C(1000000000))
typedef struct rsp_replay {
	uint32_t top;  /* highest sequence number accepted */
	uint64_t seen; /* bit k: top - k accepted */
	int64_t last;  /* when, receive time; 0: never */
} rsp_replay;

typedef struct rsp_reflector {
	uv_os_sock_t sock;
	uv_poll_t poll;
	bo_stamp_key key;
	rsp_session sessions[RSP_MAX_SESSIONS];
	uint8_t hash_key[16]; /* random, for the session table's index */
	int nsessions;
	rsp_counters c;
	rsp_replay *replay;       /* 65 536 entries, by SSID; made when a key is given */
	uint16_t port;            /* its own port: nothing is reflected to it */
	uint16_t min_source_port; /* sources below it are refused (1024; 0: none) */
	int auth_only;            /* with a key, plain STAMP is refused (--stamp-auth-only) */
} rsp_reflector;

/* The pure part, testable without sockets, in two steps. Accepting reads and checks a request
 * (malformed, wrong HMAC, replayed: a negative code, counted) into *in; answering writes the
 * reply for an accepted one: its length, never more than req_len. Between them the caller may
 * refuse it (the rate limit charges only what was accepted). */
int rsp_stamp_accept(rsp_reflector *r, const uint8_t *req, size_t req_len, int64_t rx_ns,
                     bo_stamp *in);
int rsp_stamp_answer(rsp_reflector *r, const bo_addr *src, uint16_t sport, const bo_stamp *in,
                     size_t req_len, int64_t rx_ns, int64_t tx_ns, uint8_t ttl, uint8_t *out,
                     size_t cap);
/* Both at once. */
int rsp_stamp_reflect(rsp_reflector *r, const bo_addr *src, uint16_t sport, const uint8_t *req,
                      size_t req_len, int64_t rx_ns, int64_t tx_ns, uint8_t ttl, uint8_t *out,
                      size_t cap);
/* Must a datagram from src:sport to local:port go unanswered, as a loop or an attack's
 * reflection? 0 no; 1 from the reflector itself; 2 from a privileged or reflector port. */
int rsp_stamp_refuse(const rsp_reflector *r, const bo_addr *src, uint16_t sport,
                     const bo_addr *local);

/* ---- who may talk to the responder, and how fast (guard.c) ---- */

#define RSP_MAX_ALLOW 64
#define RSP_RATE_SLOTS 1024

typedef struct rsp_cidr {
	bo_addr net;
	uint8_t bits;
} rsp_cidr;

typedef struct rsp_guard {
	rsp_cidr allow[RSP_MAX_ALLOW]; /* none: everyone may */
	int nallow;
	uint32_t rate;    /* packets per second per source; 0: no limit */
	int64_t burst_ns; /* how far ahead of now a source's schedule may run (1 s) */
	struct rsp_bucket {
		bo_addr addr;
		int64_t tat; /* GCRA's theoretical arrival time, ns */
		int used;
	} buckets[RSP_RATE_SLOTS];
	uint8_t hash_key[16];
} rsp_guard;

enum { RSP_PASS = 0, RSP_DENIED = 1, RSP_LIMITED = 2 };

/* "192.0.2.0/24", "2001:db8::/32" or a bare address (a /32 or /128). Returns 0 or BO_EINVAL. */
int rsp_cidr_parse(const char *s, rsp_cidr *c);
int rsp_cidr_match(const rsp_cidr *c, const bo_addr *a);
/* RSP_PASS, RSP_DENIED (not in the allowlist) or RSP_LIMITED (over the rate). A fixed table
 * of sources: the stalest one is reused, so no input makes memory grow. */
int rsp_guard_check(rsp_guard *g, const bo_addr *src, int64_t now_ns);
/* The two halves: is src allowed (1/0); charge one packet to src's rate (RSP_PASS/LIMITED). */
int rsp_guard_allowed(const rsp_guard *g, const bo_addr *src);
int rsp_guard_charge(rsp_guard *g, const bo_addr *src, int64_t now_ns);
/* Who may use the event channel and the echo (tcp.c), from the options: a responder started
 * with neither a key nor --allow serves them to this host alone, so an installed guest tells a
 * stranger nothing; a key opens them to anyone who proves it (events) or connects (echo). */
enum rsp_access {
	RSP_ACCESS_LOOPBACK = 0, /* neither --key-file nor --allow: loopback only */
	RSP_ACCESS_ALLOWED,      /* --allow's networks (and loopback), without a key */
	RSP_ACCESS_KEY,          /* events only after the key's challenge; echo to anyone */
	RSP_ACCESS_ANYONE,       /* --open-to-anyone: events unauthenticated, to anyone */
};
int rsp_access_mode(int keyed, int nallow, int anyone);
/* May a client from peer use the event channel or the echo (before any challenge)? 1 or 0. */
int rsp_access_permits(int mode, const bo_addr *peer);
/* The start-up summary's words for a mode. */
const char *rsp_access_text(int mode);
/* 127.0.0.0/8 and ::1. */
int rsp_addr_loopback(const bo_addr *a);

/* A socket address as a bo_addr (an IPv4-mapped IPv6 address as IPv4) and its port; 0, or
 * BO_EINVAL for another family. */
int rsp_addr_from_sockaddr(const struct sockaddr *sa, bo_addr *a, uint16_t *port);
/* The other way, for a dual-stack socket: an IPv4 address as IPv4-mapped IPv6. */
void rsp_addr_to_sin6(const bo_addr *a, uint16_t port, struct sockaddr_in6 *out);

/* ---- the event journal (journal.c) ---- */

/* Events are numbered from 0; the journal keeps the newest ones within a count and a byte bound
 * so a probe that reconnects resumes where it left off. */
typedef struct rsp_journal {
	char **line; /* each ends with '\n' */
	uint32_t *len;
	uint32_t cap; /* a power of two */
	uint64_t first, next;
	size_t bytes, max_bytes;
} rsp_journal;

int rsp_journal_init(rsp_journal *j, uint32_t cap, size_t max_bytes);
void rsp_journal_free(rsp_journal *j);
/* Appends a copy of line (len bytes, ending with '\n'); drops the oldest to stay in bounds. */
int rsp_journal_add(rsp_journal *j, const char *line, size_t len);
/* The line numbered seq, or NULL when it was dropped or does not exist yet. */
const char *rsp_journal_get(const rsp_journal *j, uint64_t seq, size_t *len);

/* ---- a probe packet seen by the guest capture (arrival.c) ---- */

typedef struct rsp_arrival {
	const char *proto; /* "icmp", "udp", "tcp" */
	bo_addr src;
	uint16_t sport;
	int tagged; /* a blackout tag: stream, run, seq */
	uint8_t stream;
	uint32_t run, seq;
	int stamp; /* a STAMP test packet: ssid, seq */
	uint16_t ssid;
	int syn; /* a TCP SYN: sport, isn */
	uint32_t isn;
	int echo; /* an ICMP echo request without a tag: identifier, sequence number */
	uint16_t icmp_id, icmp_seq;
} rsp_arrival;

/* The arrivals in one captured frame (a TCP segment may carry several tcp-est frames): fills
 * up to max entries, returns how many. stamp_port/tcp_port are the responder's own ports. */
int rsp_arrivals(int linktype, const uint8_t *frame, size_t caplen, const bo_stamp_key *key,
                 uint16_t stamp_port, uint16_t tcp_port, rsp_arrival *out, int max);

/* ---- items from system threads to the loop (handoff.c) ---- */

#define RSP_HANDOFF_MAX_ITEM 256
/* Called on the loop for each item, in order; dropped: items that did not fit before it. */
typedef void (*rsp_handoff_take)(void *data, const void *item, unsigned dropped);
typedef struct rsp_handoff {
	uv_async_t wake;
	uv_mutex_t lock;
	uint8_t *items; /* cap items of size bytes (at most RSP_HANDOFF_MAX_ITEM) */
	size_t size;
	unsigned cap, head, count, dropped;
	rsp_handoff_take take;
	void (*closed)(void *data);
	void *data;
} rsp_handoff;

int rsp_handoff_init(rsp_handoff *h, uv_loop_t *loop, size_t item_size, unsigned cap,
                     rsp_handoff_take take, void *data);
/* Any thread: 0 queued, -1 full (counted; the caller still owns what item points to). */
int rsp_handoff_push(rsp_handoff *h, const void *item);
void rsp_handoff_drain(uv_async_t *a); /* the loop (the wake-up's callback) */
/* Closes the wake-up; done(data) runs when the loop has let go of it. */
void rsp_handoff_close(rsp_handoff *h, void (*done)(void *data));

/* nflog.c: the guest firewall's drops as Linux's NFLOG reports them (a rule's `log group N`):
 * a netlink buffer's packet messages into out (at most max), each with its group, the rule's
 * prefix, the kernel's timestamp (0: none) and the IP packet (an IPv4 or IPv6 header that
 * reads); *bad counts messages that were not readable drops. Returns how many. */
typedef struct rsp_fwdrop {
	uint16_t group;
	char prefix[64];
	int64_t ts;
	const uint8_t *ip; /* the packet from its IP header, inside the buffer parsed */
	size_t iplen;
} rsp_fwdrop;
int rsp_nflog_parse(const uint8_t *buf, size_t len, rsp_fwdrop *out, int max, int *bad);

/* winevent.c: one Windows event rendered as XML (UTF-8): its provider, id, creation time
 * (realtime ns, 0 unknown) and EventData values. 0, or -1 when it is not an event. */
#define RSP_WINEVENT_DATA 8
typedef struct rsp_winevent {
	char provider[96];
	int id;
	int64_t time_ns;
	struct rsp_winevent_data {
		char name[40];
		char value[160];
	} data[RSP_WINEVENT_DATA];
	int ndata;
} rsp_winevent;
int rsp_winevent_parse(const char *xml, size_t len, rsp_winevent *ev);
/* The event logs the Windows responder subscribes to (evlog-win.c), a row each: the event's
 * type, the channel, the provider, its ids, their names (NULL for other ids; Netvsc's: 10
 * paused, 11 restarted, 12 connected, 13 disconnected, 14 network changed: the indication),
 * the fields its report takes from EventData (or NULL), what the start event says of it. */
typedef struct rsp_evlog {
	enum bo_gev type;
	const char *channel, *provider;
	int id_lo, id_hi;
	const char *(*what)(int id);
	void (*fields)(json_t *report, const rsp_winevent *e);
	const char *watching;
} rsp_evlog;
extern const rsp_evlog rsp_evlogs[];
extern const size_t rsp_nevlogs;
/* A parsed event as the responder reports it ({"id", "what", "event_time_ns", and per type
 * the fields that matter}), or NULL when it is not one of src's. */
json_t *rsp_evlog_event(const rsp_evlog *src, const rsp_winevent *e);

/* wfpdrop.c: one WFP classify drop as wfpdrop-win.c copies it out of FWPM_NET_EVENT1:
 * addresses in network order, ports in host order, family 4 or 6, direction as
 * msFwpDirection gives it, the header's FILETIME. */
typedef struct rsp_wfpdrop {
	uint64_t filetime, filter_id;
	uint32_t reauth_reason, direction;
	uint16_t layer_id, local_port, remote_port;
	uint8_t family, proto;
	uint8_t local[16], remote[16];
} rsp_wfpdrop;
/* 1 when d was a probe for this responder: inbound ICMP, UDP to the STAMP port, TCP to the
 * TCP port (0: none). */
int rsp_wfpdrop_ours(const rsp_wfpdrop *d, uint16_t stamp_port, uint16_t tcp_port);
/* The "wfp-drop" event of d; quarantine 1, 0, or -1 when not known. */
json_t *rsp_wfpdrop_json(const rsp_wfpdrop *d, int quarantine);

/* ---- the responder (main.c and the files that hang off its loop) ---- */

typedef struct rsp_conn rsp_conn;
typedef struct rsp_os rsp_os;

typedef struct rsp {
	uv_loop_t *loop;
	rsp_reflector refl;
	rsp_guard guard;
	rsp_journal journal;
	bo_log log; /* the local copy of the events */
	int quiet;
	uint16_t port, tcp_port;
	uv_signal_t sigint, sigterm;
	uv_timer_t tick; /* 100 ms: clock pair, journal flush, idle connections */
	int ticks;
	int64_t last_offset; /* realtime - monotonic at the previous clock pair */
	int64_t step_ns;     /* a change of that offset larger than this is a clock step */
	struct rsp_tcp {     /* tcp.c: the listener and its clients */
		uv_tcp_t listener;
		int on;
		rsp_conn *conns;
		int nconns;
		uint64_t refused, echo_bytes, auth_failed;
		uint64_t strangers; /* closed: not loopback, and neither a key nor --allow */
	} tcp;
	int access;        /* enum rsp_access: who may use the event channel and the echo */
	struct rsp_netev { /* netev-*.c: the guest's network changes */
		int on;
		char what[96];
	} netev;
	struct rsp_capture { /* capture.c, capture-*.c */
		const char *iface;
		char dev[256]; /* what pcap opens: iface, or on Windows the adapter it names */
		pcap_t *pcap;
		int on;
		int opening; /* a reopen is running on the thread pool */
		uv_timer_t retry;
		int64_t lost_at; /* realtime when the capture broke, 0 while it runs */
		uint64_t arrivals, errors, not_allowed;
	} cap;
	struct rsp_hb { /* heartbeat.c */
		int on;
		uv_udp_t udp;
		uv_timer_t timer;
		struct sockaddr_storage dst;
		uint32_t instance, seq;
		uint64_t errors;
	} hb;
	/* What only one platform has (os-linux.h, os-win.h), made by rsp_os_new. */
	rsp_os *os;
	char status[8][160];       /* start-up summary lines for the optional parts */
	int fwlog_group;           /* --fw-log GROUP: the guest firewall's NFLOG group, 0 off */
	const char *kvp_path;      /* --kvp FILE (Linux): Hyper-V's pool of host values */
	char kvp_host[256];        /* the host it names, as last read ("" unknown) */
	uint64_t fw_drops, fw_bad; /* drops reported; messages not readable */
	const char *user;          /* --user: who to become once the sockets and capture are open */
	json_t *sys;               /* what the platform reports of itself (sys-*.c) */
	/* the local log's bounds (events.c) */
	int64_t log_max;   /* bytes before it is rotated to LOG.1 (0: never) */
	int64_t log_bytes; /* in the current file */
	uint64_t log_rotations;
	struct rsp_budget { /* per event class: a second's worth, refilled every second */
		int64_t second;
		uint32_t used;
	} budget[3];
	uint64_t events_dropped[3]; /* over their class's rate: arrivals, connections, the rest */
	/* options read by serve() */
	const char *log_path, *hb_dest;
	int prio, add_fw_rules, service, stopping;
	uv_async_t stop; /* a service stop request, from the service's control thread */
} rsp;

/* Adds "seq", "type", and both guest clocks (unless the object has them), writes the event to
 * the local log and the journal, and hands it to event-channel clients. Takes obj. Bounded:
 * arrivals at most RSP_ARRIVALS_PER_S, connection events RSP_CONNS_PER_S (the rest of a second
 * is dropped and counted, and said in the next counters event); the log rotates at log_max. */
#define RSP_ARRIVALS_PER_S 50000
#define RSP_CONNS_PER_S 200
void rsp_event(rsp *r, enum bo_gev type, json_t *obj);
/* Hyper-V's KVP values name host (sys-linux.c's file, kvp-win.c's registry): a "host" event
 * when it is not r->kvp_host, which it then becomes. refused: the malformed records beside it
 * (Linux's pool file), -1 where none are counted. */
void rsp_kvp_host(rsp *r, const char *host, const char *vm, int refused);
void rsp_event_at(rsp *r, enum bo_gev type, json_t *obj, int64_t realtime_ns);

/* tcp.c */
int rsp_tcp_start(rsp *r, char *err, size_t errlen);
void rsp_tcp_wake(rsp *r); /* new events: feed the event-channel clients */
void rsp_tcp_tick(rsp *r); /* closes clients that never sent a request */
void rsp_tcp_stop(rsp *r);

/* netev-linux.c: the guest's network changes as "net" events. */
/* nflog-linux.c (Linux; elsewhere a stub that says why not): --fw-log GROUP. */
int rsp_fwlog_start(rsp *r, char *err, size_t errlen);
void rsp_fwlog_stop(rsp *r);
/* capture.c: a probe packet's fields as an event's (arrival, fw-drop). */
json_t *rsp_arrival_json(const rsp_arrival *a);
int rsp_netev_start(rsp *r, char *err, size_t errlen);
void rsp_netev_stop(rsp *r);
/* One buffer of routing messages into "net" events. */
void rsp_netev_parse(rsp *r, const uint8_t *buf, size_t len);
/* netlink-linux.c, the pure part (fuzzed): link and address messages into records, at most max;
 * their number. */
typedef struct rsp_netmsg {
	int link; /* a link message; else an address message */
	int add;  /* new, or del */
	int ifindex;
	char ifname[17]; /* link: IFLA_IFNAME, cut at 16 */
	int up, running; /* link: flags */
	int oper;        /* link: IFLA_OPERSTATE, -1 when absent */
	bo_addr addr;    /* address */
	int prefix;
} rsp_netmsg;
int rsp_netlink_parse(const uint8_t *buf, size_t len, rsp_netmsg *out, int max);

/* capture.c + capture-posix.c / capture-win.c */
int rsp_capture_start(rsp *r, char *err, size_t errlen);
/* platform: r->cap.dev from r->cap.iface; on Windows also whether Npcap is there. 0 or -1. */
int rsp_capture_prepare(rsp *r, char *err, size_t errlen);
/* platform: settings before activation (Windows: timestamps on the system's precise clock). */
void rsp_capture_configure(pcap_t *pc);
/* ...and once it is active: what only some capture libraries offer (the direction). */
void rsp_capture_activated(pcap_t *pc);
const char *rsp_npcap_version(void); /* Windows: pcap_lib_version(), or why there is none */
void rsp_capture_stop(rsp *r);
/* Called by the platform watcher when packets wait, or with the watcher's error. */
void rsp_capture_ready(rsp *r, const char *watch_error);
int rsp_capture_watch(rsp *r); /* platform: watch r->cap.pcap; 0 or a negative code */
void rsp_capture_unwatch(rsp *r);

/* heartbeat.c */
int rsp_heartbeat_start(rsp *r, const char *dest, char *err, size_t errlen);
void rsp_heartbeat_stop(rsp *r);

/* udp-linux.c, udp-win.c (platform): a dual-stack UDP socket with receive timestamps, TTL and
 * the address each datagram was sent to (where the platform gives them). */
int rsp_udp_open(uint16_t port, uv_os_sock_t *sock, char *err, size_t errlen);
void rsp_udp_close(uv_os_sock_t sock);
typedef struct rsp_dgram {
	bo_addr src; /* the sender */
	uint16_t sport;
	bo_addr local; /* the address it was sent to: the reply goes out from it */
	unsigned ifindex;
	int64_t rx_ns;     /* receive time, realtime: the kernel's, else when it was read */
	uint8_t ttl;       /* IP TTL / hop limit as received; 255 when the platform does not say */
	uint8_t to_v6;     /* sent to an IPv6 address (not an IPv4 datagram) */
	uint8_t mapped_v6; /* an IPv6 packet from an IPv4-mapped source: refused */
	uint32_t queue_dropped; /* datagrams the socket's full queue dropped so far (Linux) */
} rsp_dgram;
/* The reflector socket's receive buffer: a few thousand datagrams. */
#define RSP_UDP_RCVBUF (4 << 20)
/* Receives one datagram: returns its length (may be 0), -EAGAIN when none is waiting, another
 * negative code on error. */
int rsp_udp_recv(uv_os_sock_t sock, uint8_t *buf, size_t cap, rsp_dgram *d);
/* Answers d: to its sender, from the address it was sent to (a guest with many addresses
 * answers from the one the probe addressed). */
int rsp_udp_reply(uv_os_sock_t sock, const uint8_t *buf, size_t len, const rsp_dgram *d);

/* sys-linux.c, sys-win.c (platform) */
enum { RSP_PRIO_NORMAL = 0, RSP_PRIO_HIGH = 1, RSP_PRIO_REALTIME = 2 };
/* Raises the process's priority; msg says what it got (or why not). 0 or -1 (not permitted:
 * the responder runs on at normal priority). */
int rsp_priority_set(int level, char *msg, size_t len);
/* What the platform tells of itself for the start event and the summary: the OS and its
 * build; on Windows also the firewall rules, the interface quarantine and Npcap. Values are
 * strings (shown one per line in the summary) or other JSON (in the event only). */
json_t *rsp_sys_report(rsp *r);
/* Platform parts that run with the loop (Windows: the WFP subscription, which adds "wfp" to
 * sys), and their end. */
void rsp_sys_start(rsp *r, json_t *sys);
void rsp_sys_stop(rsp *r);
/* Runs serve(r): directly, or with r->service as a Windows service (elsewhere a usage error),
 * telling the service manager it runs once rsp_service_running is called. */
int rsp_run(rsp *r, int (*serve)(rsp *));
void rsp_service_running(rsp *r);
void rsp_request_stop(rsp *r); /* any thread: the loop shuts down */
/* sys-linux.c, sys-win.c: the platform's part of the responder, zeroed; NULL without memory. */
rsp_os *rsp_os_new(void);

/* wfp-win.c */
void rsp_wfp_start(rsp *r, json_t *sys);
void rsp_wfp_stop(rsp *r);
/* evlog-win.c: the event logs of rsp_evlogs ("netvsc", "netprofile", "fwprofile" events). */
void rsp_evlog_start(rsp *r, json_t *sys);
void rsp_evlog_stop(rsp *r);
/* wfpdrop-win.c: the firewall's classify drops of our probes, "wfp-drop" events. */
void rsp_wfpdrop_start(rsp *r, json_t *sys);
void rsp_wfpdrop_stop(rsp *r);
/* wfp-win.c: a session of the WFP engine (a HANDLE) for one subscription, or NULL once
 * sys[key] says why it could not be opened. */
void *rsp_wfp_engine(json_t *sys, const char *key);
/* wfp-win.c: 1 when filter_id is one of the quarantine's filters, 0 not, -1 not known. */
int rsp_wfp_quarantine_filter(rsp *r, uint64_t filter_id);
/* kvp-win.c: Hyper-V's host values in the registry, "host" events when they change. */
void rsp_kvp_start(rsp *r, json_t *sys);
void rsp_kvp_stop(rsp *r);

#ifdef _WIN32
#define RSP_PRIV_HINT "run as Administrator, or install Npcap without admin-only mode"
#else
#define RSP_PRIV_HINT "run as root or grant CAP_NET_RAW"
#endif

#endif
