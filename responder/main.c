/* SPDX-License-Identifier: Apache-2.0 */
/* blackout-responder: command line, event loop, start-up summary, periodic events. */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bo_cli.h"
#include "bo_hb.h"
#include "bo_priv.h"
#include "bo_time.h"
#include "responder.h"

#define JOURNAL_EVENTS (1u << 18)
#define JOURNAL_BYTES ((size_t)32 << 20)
#define DEFAULT_RATE 10000

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: blackout-responder [OPTIONS]\n"
	        "\n"
	        "Runs inside the guest VM: answers blackout-probe (and any STAMP sender) and "
	        "reports\n"
	        "the guest's side of a migration.\n"
	        "\n"
	        "Reflector and listener:\n"
	        "  -p, --port PORT         STAMP reflector's UDP port (default 862)\n"
	        "  -t, --tcp-port PORT     TCP listener: tcp-syn target, tcp-est echo, event "
	        "channel\n"
	        "                          (default %d; 0: no listener)\n"
	        "  -k, --key-file FILE     the key (HMAC-SHA-256, hex or raw, up to 64 bytes): the "
	        "event\n"
	        "                          channel only for a probe that has it (its --stamp-key), "
	        "and\n"
	        "                          authenticated STAMP; plain STAMP is still answered in "
	        "kind\n"
	        "      --stamp-auth-only   with --key-file, no answer to plain STAMP\n"
	        "  -a, --allow CIDR        answer only these sources (repeatable; default: all)\n"
	        "      --open-to-anyone    serve the event channel and the echo to anyone, "
	        "unauthenticated\n"
	        "                          (without --key-file or --allow they serve loopback "
	        "only)\n"
	        "  -r, --rate-limit N      STAMP packets per second per source (default %d; 0: "
	        "off),\n"
	        "                          charged only for well-formed (and authentic) ones\n"
	        "      --min-source-port PORT\n"
	        "                          no reply to sources below this port or on a "
	        "reflector's\n"
	        "                          port (862, 861, 8620, 8621) (default 1024; 0: any "
	        "but\n"
	        "                          the reflector's own address and port)\n"
	        "\n"
	        "Guest events (to the log and the event channel):\n"
	        "  -c, --capture IFACE     record every probe's arrival at the NIC (needs root or\n"
	        "                          CAP_NET_RAW); off by default\n"
	        "      --fw-log GROUP      the guest firewall's drops: the NFLOG group its drop\n"
	        "                          rules log to (nft ... log group 7 drop), each dropped\n"
	        "                          probe a fw-drop event (Linux; needs CAP_NET_ADMIN)\n"
	        "      --kvp FILE          Hyper-V's host values (hv_kvp_daemon's pool file),\n"
	        "                          watched: a new host name is a host event (Linux;\n"
	        "                          default " BO_KVP_POOL "; Windows reads\n"
	        "                          the registry)\n"
	        "  -H, --heartbeat HOST[:PORT]\n"
	        "                          a 32-byte datagram to the probe host every 10 ms (port "
	        "%d)\n"
	        "  -s, --step DURATION     report a clock step larger than this (default 1ms)\n"
	        "  -l, --log FILE          the events as JSON lines (appended)\n"
	        "      --log-max SIZE      rotate the log to FILE.1 at this size (default 256M; 0: "
	        "never)\n"
	        "  -P, --priority LEVEL    normal, high (default) or realtime: how soon the "
	        "reflector\n"
	        "                          runs when a request arrives\n"
	        "  -u, --user USER         when started as root, become USER once the sockets "
	        "and\n"
	        "                          capture are open (capabilities are dropped in any "
	        "case)\n"
	        "\n"
	        "Windows:\n"
	        "      --add-firewall-rules  add inbound allow rules (group \"blackout\") for "
	        "ICMP echo\n"
	        "                          and the ports when the firewall blocks them; without "
	        "it the\n"
	        "                          responder only reports what is blocked\n"
	        "      --service           run as a Windows service (docs/responder.md: "
	        "New-Service)\n"
	        "\n"
	        "  -q, --quiet             no start-up summary or counters on exit\n"
	        "  -h, --help, -V, --version\n"
	        "\n"
	        "Network changes and clock pairs (every 100 ms) are always recorded. Exit status: "
	        "0 stopped\n"
	        "by SIGINT/SIGTERM, 1 failure while running, 2 usage error, 4 set-up failed (port "
	        "in use\n"
	        "or not permitted, key file or log unwritable).\n",
	        BO_PORT_TCP_DEFAULT, DEFAULT_RATE, BO_PORT_HB_DEFAULT);
}

static json_t *counters(const rsp *r)
{
	const rsp_counters *c = &r->refl.c;
	return json_pack(
	        "{s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:I, s:I, s:I, s:I, s:I}, "
	        "s:{s:i, s:I, s:I, s:I, s:I}, "
	        "s:{s:I, s:I, s:I}, s:{s:I, s:I}, s:{s:I, s:I, s:I}, "
	        "s:{s:I, s:I}, s:{s:I, s:I}, s:{s:I, s:I}}",
	        "stamp", "received", (json_int_t)c->received, "reflected", (json_int_t)c->reflected,
	        "malformed", (json_int_t)c->malformed, "auth_failed", (json_int_t)c->auth_failed,
	        "denied", (json_int_t)c->denied, "rate_limited", (json_int_t)c->limited,
	        "send_errors", (json_int_t)c->send_errors, "sessions_evicted",
	        (json_int_t)c->evicted, "sessions", r->refl.nsessions, "replayed",
	        (json_int_t)c->replayed, "loop_refused", (json_int_t)c->loop_refused,
	        "port_refused", (json_int_t)c->port_refused, "queue_dropped",
	        (json_int_t)c->queue_dropped, "plain", (json_int_t)c->plain, "tcp", "clients",
	        r->tcp.nconns, "refused", (json_int_t)r->tcp.refused, "echo_bytes",
	        (json_int_t)r->tcp.echo_bytes, "auth_failed", (json_int_t)r->tcp.auth_failed,
	        "strangers", (json_int_t)r->tcp.strangers, "capture", "arrivals",
	        (json_int_t)r->cap.arrivals, "errors", (json_int_t)r->cap.errors, "not_allowed",
	        (json_int_t)r->cap.not_allowed, "heartbeat", "sent", (json_int_t)r->hb.seq,
	        "errors", (json_int_t)r->hb.errors, "journal", "events",
	        (json_int_t)r->journal.next, "kept",
	        (json_int_t)(r->journal.next - r->journal.first), "bytes",
	        (json_int_t)r->journal.bytes, "events_dropped", "arrivals",
	        (json_int_t)r->events_dropped[0], "connections", (json_int_t)r->events_dropped[1],
	        "log", "bytes", (json_int_t)r->log_bytes, "rotations", (json_int_t)r->log_rotations,
	        "firewall", "drops", (json_int_t)r->fw_drops, "unreadable", (json_int_t)r->fw_bad);
}

static void on_readable(uv_poll_t *h, int status, int events)
{
	(void)events;
	rsp *r = h->data;
	if (status < 0)
		return;
	uint8_t buf[2048], out[BO_STAMP_AUTH_LEN];
	/* A bounded batch per wake-up keeps the loop responsive under a flood. */
	for (int i = 0; i < 64; i++) {
		rsp_dgram d;
		int n = rsp_udp_recv(r->refl.sock, buf, sizeof buf, &d);
		if (n < 0)
			break; /* -EAGAIN: drained; other errors (ICMP errors queued) end the batch
			        */
		if (d.queue_dropped > r->refl.c.queue_dropped)
			r->refl.c.queue_dropped = d.queue_dropped;
		/* Who first, then what: the HMAC and replay check before the rate limit, so a
		 * flood of forgeries from a probe's address cannot use up its budget. */
		if (d.mapped_v6 || !rsp_guard_allowed(&r->guard, &d.src)) {
			r->refl.c.received++;
			r->refl.c.denied++;
			continue;
		}
		int why = rsp_stamp_refuse(&r->refl, &d.src, d.sport, &d.local);
		if (why) {
			r->refl.c.received++;
			if (why == 1)
				r->refl.c.loop_refused++;
			else
				r->refl.c.port_refused++;
			continue;
		}
		bo_stamp in;
		if (rsp_stamp_accept(&r->refl, buf, (size_t)n, d.rx_ns, &in) != 0)
			continue;
		if (rsp_guard_charge(&r->guard, &d.src, bo_clock_mono_ns()) != RSP_PASS) {
			r->refl.c.limited++;
			continue;
		}
		int m = rsp_stamp_answer(&r->refl, &d.src, d.sport, &in, (size_t)n, d.rx_ns,
		                         bo_clock_real_ns(), d.ttl, out, sizeof out);
		if (m <= 0)
			continue;
		if (rsp_udp_reply(r->refl.sock, out, (size_t)m, &d) == 0)
			r->refl.c.reflected++;
		else
			r->refl.c.send_errors++;
	}
}

/* Every 100 ms: a clock pair (and a step, if the clocks moved apart), the log flushed, idle
 * clients closed; every 10 s the counters. */
static void on_tick(uv_timer_t *t)
{
	rsp *r = t->data;
	int64_t real = bo_clock_real_ns(), mono = bo_clock_mono_ns();
	int64_t offset = real - mono, step = offset - r->last_offset;
	if (r->ticks > 0 && (step > r->step_ns || step < -r->step_ns))
		rsp_event_at(r, BO_GEV_CLOCK_STEP, json_pack("{s:I}", "step_ns", (json_int_t)step),
		             real);
	r->last_offset = offset;
	rsp_event_at(r, BO_GEV_CLOCK, json_pack("{s:I}", "mono_ns", (json_int_t)mono), real);
	if (++r->ticks % 100 == 0)
		rsp_event(r, BO_GEV_COUNTERS, counters(r));
	rsp_tcp_tick(r);
	if (r->log.f)
		fflush(r->log.f);
}

/* Stops everything so the loop ends: on SIGINT/SIGTERM (Ctrl-C, Ctrl-Break on Windows) or a
 * service stop request. */
static void shut_down(rsp *r, const char *why)
{
	if (r->stopping)
		return;
	r->stopping = 1;
	rsp_event(r, BO_GEV_STOP, json_pack("{s:s, s:o}", "signal", why, "counters", counters(r)));
	uv_poll_stop(&r->refl.poll);
	uv_close((uv_handle_t *)&r->refl.poll, NULL);
	uv_close((uv_handle_t *)&r->tick, NULL);
	uv_close((uv_handle_t *)&r->sigint, NULL);
	uv_close((uv_handle_t *)&r->sigterm, NULL);
	uv_close((uv_handle_t *)&r->stop, NULL);
	rsp_tcp_stop(r);
	rsp_netev_stop(r);
	rsp_fwlog_stop(r);
	rsp_capture_stop(r);
	rsp_heartbeat_stop(r);
	rsp_sys_stop(r);
}

static void on_signal(uv_signal_t *h, int signum)
{
	shut_down(h->data, signum == SIGINT ? "SIGINT" : "SIGTERM");
}

static void on_stop_request(uv_async_t *h)
{
	shut_down(h->data, "service stop");
}

void rsp_request_stop(rsp *r)
{
	uv_async_send(&r->stop);
}

static const char *stamp_mode(const rsp *r)
{
	if (!r->refl.key.len)
		return "unauthenticated";
	return r->refl.auth_only ? "authenticated (HMAC-SHA-256) only"
	                         : "authenticated (HMAC-SHA-256) and plain, each in kind";
}

static void summary(const rsp *r)
{
	fprintf(stderr, "blackout-responder %s\n", BLACKOUT_VERSION);
	fprintf(stderr,
	        "  STAMP reflector  UDP %u, IPv4 and IPv6, %s, stateful, up to %d sessions\n",
	        r->port, stamp_mode(r), RSP_MAX_SESSIONS);
	if (r->guard.nallow || r->guard.rate) {
		if (r->guard.nallow)
			fprintf(stderr, "  sources          %d allowed network(s)",
			        r->guard.nallow);
		else
			fprintf(stderr, "  sources          all");
		if (r->guard.rate)
			fprintf(stderr, ", at most %u STAMP packets/s each", r->guard.rate);
		fputc('\n', stderr);
	}
	static const char *names[] = {"TCP listener",   "network events", "guest capture",
	                              "heartbeat",      "priority",       "privileges",
	                              "firewall drops", "event channel"};
	for (int i = 0; i < 8; i++)
		fprintf(stderr, "  %-16s %s\n", names[i], r->status[i]);
	const char *k;
	json_t *v;
	json_object_foreach(r->sys, k, v)
	{
		if (json_is_string(v))
			fprintf(stderr, "  %-16s %s\n", k, json_string_value(v));
	}
	fprintf(stderr, "  clock pairs      every 100 ms, steps over %.3f ms reported\n",
	        (double)r->step_ns / 1e6);
}

static int serve(rsp *r);

int main(int argc, char **argv)
{
	bo_cli_init("blackout-responder");
	static const struct option opts[] = {{"port", required_argument, 0, 'p'},
	                                     {"tcp-port", required_argument, 0, 't'},
	                                     {"key-file", required_argument, 0, 'k'},
	                                     {"allow", required_argument, 0, 'a'},
	                                     {"open-to-anyone", no_argument, 0, 'O'},
	                                     {"stamp-auth-only", no_argument, 0, 'A'},
	                                     {"rate-limit", required_argument, 0, 'r'},
	                                     {"min-source-port", required_argument, 0, 'M'},
	                                     {"capture", required_argument, 0, 'c'},
	                                     {"heartbeat", required_argument, 0, 'H'},
	                                     {"fw-log", required_argument, 0, 'G'},
	                                     {"kvp", required_argument, 0, 'K'},
	                                     {"step", required_argument, 0, 's'},
	                                     {"log", required_argument, 0, 'l'},
	                                     {"log-max", required_argument, 0, 'L'},
	                                     {"priority", required_argument, 0, 'P'},
	                                     {"user", required_argument, 0, 'u'},
	                                     {"add-firewall-rules", no_argument, 0, 'F'},
	                                     {"service", no_argument, 0, 'S'},
	                                     {"quiet", no_argument, 0, 'q'},
	                                     {"help", no_argument, 0, 'h'},
	                                     {"version", no_argument, 0, 'V'},
	                                     {0, 0, 0, 0}};
	static rsp r; /* the session and rate tables are large */
	r.port = BO_PORT_STAMP_DEFAULT;
	r.tcp_port = BO_PORT_TCP_DEFAULT;
	r.guard.rate = DEFAULT_RATE;
	r.refl.min_source_port = 1024;
	r.log_max = (int64_t)256 << 20;
	r.step_ns = BO_NS_PER_MS;
	int c, anyone = 0;
	r.prio = RSP_PRIO_HIGH;
	while ((c = getopt_long(argc, argv, "p:t:k:a:r:c:H:s:l:P:u:qhV", opts, NULL)) != -1) {
		switch (c) {
		case 'p': r.port = bo_cli_port("--port", optarg); break;
		case 'M':
			r.refl.min_source_port = strcmp(optarg, "0") == 0
			                                 ? 0
			                                 : bo_cli_port("--min-source-port", optarg);
			break;
		case 't':
			r.tcp_port =
			        strcmp(optarg, "0") == 0 ? 0 : bo_cli_port("--tcp-port", optarg);
			break;
		case 'k': {
			char kerr[256];
			if (bo_stamp_key_load(optarg, &r.refl.key, kerr, sizeof kerr) != 0)
				bo_cli_usage_error("--key-file: %s", kerr);
			break;
		}
		case 'a':
			if (r.guard.nallow == RSP_MAX_ALLOW)
				bo_cli_usage_error("--allow: at most %d networks", RSP_MAX_ALLOW);
			if (rsp_cidr_parse(optarg, &r.guard.allow[r.guard.nallow++]) != 0)
				bo_cli_usage_error(
				        "--allow %s: expected an address or network like "
				        "192.0.2.0/24 or 2001:db8::/32",
				        optarg);
			break;
		case 'r': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 0 || v > 10000000)
				bo_cli_usage_error("--rate-limit %s: expected packets per second, "
				                   "0 to 10000000",
				                   optarg);
			r.guard.rate = (uint32_t)v;
			break;
		}
		case 'O': anyone = 1; break;
		case 'A': r.refl.auth_only = 1; break;
		case 'c': r.cap.iface = optarg; break;
		case 'H': r.hb_dest = optarg; break;
		case 'K': r.kvp_path = optarg; break;
		case 'G': {
			char *end;
			long g = strtol(optarg, &end, 10);
			if (*end || g < 1 || g > 65535)
				bo_cli_usage_error("--fw-log %s: an NFLOG group, 1 to 65535",
				                   optarg);
			r.fwlog_group = (int)g;
			break;
		}
		case 's': r.step_ns = bo_cli_duration("--step", optarg); break;
		case 'l': r.log_path = optarg; break;
		case 'u': r.user = optarg; break;
		case 'L': r.log_max = bo_cli_size("--log-max", optarg); break;
		case 'F': r.add_fw_rules = 1; break;
		case 'S': r.service = 1; break;
		case 'P':
			if (strcmp(optarg, "normal") == 0)
				r.prio = RSP_PRIO_NORMAL;
			else if (strcmp(optarg, "high") == 0)
				r.prio = RSP_PRIO_HIGH;
			else if (strcmp(optarg, "realtime") == 0)
				r.prio = RSP_PRIO_REALTIME;
			else
				bo_cli_usage_error(
				        "--priority %s: expected normal, high or realtime", optarg);
			break;
		case 'q': r.quiet = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("blackout-responder %s\n", BLACKOUT_VERSION); return 0;
		default:
			fprintf(stderr, "Try 'blackout-responder --help'.\n");
			return RSP_EXIT_USAGE;
		}
	}
	if (optind != argc)
		bo_cli_usage_error("unexpected argument: %s", argv[optind]);
	if (anyone && (r.refl.key.len || r.guard.nallow))
		bo_cli_usage_error("--open-to-anyone serves everyone unauthenticated; with "
		                   "--key-file or --allow it would mean nothing: drop one");
	if (r.refl.auth_only && !r.refl.key.len)
		bo_cli_usage_error("--stamp-auth-only needs --key-file");
	r.access = rsp_access_mode(r.refl.key.len > 0, r.guard.nallow, anyone);
	return rsp_run(&r, serve);
}

/* Everything after the options: set up, run the loop until stopped, clean up. In a console it
 * runs on the main thread; as a Windows service, on the service's thread (rsp_run). */
static int serve(rsp *r)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "blackout-responder: libsodium failed to start\n");
		return RSP_EXIT_SETUP;
	}
	randombytes_buf(r->refl.hash_key, sizeof r->refl.hash_key);
	randombytes_buf(r->guard.hash_key, sizeof r->guard.hash_key);
	if (rsp_journal_init(&r->journal, JOURNAL_EVENTS, JOURNAL_BYTES) != 0 ||
	    !(r->os = rsp_os_new())) {
		fprintf(stderr, "blackout-responder: out of memory\n");
		return RSP_EXIT_SETUP;
	}
	char err[512];
	r->refl.port = r->port;
	if (r->refl.key.len && !(r->refl.replay = calloc(65536, sizeof *r->refl.replay))) {
		fprintf(stderr, "blackout-responder: out of memory\n");
		return RSP_EXIT_SETUP;
	}
	if (rsp_udp_open(r->port, &r->refl.sock, err, sizeof err) != 0) {
		fprintf(stderr, "blackout-responder: %s\n", err);
		return RSP_EXIT_SETUP;
	}
	if (r->log_path && bo_log_open(&r->log, r->log_path, 1) != 0) {
		fprintf(stderr, "blackout-responder: cannot write %s: %s\n", r->log_path,
		        strerror(errno));
		return RSP_EXIT_SETUP;
	}
	if (r->log.f && fseek(r->log.f, 0, SEEK_END) == 0) /* appending: what is there counts */
		r->log_bytes = ftell(r->log.f);
	r->loop = uv_default_loop();
	if (r->tcp_port && rsp_tcp_start(r, err, sizeof err) != 0) {
		fprintf(stderr, "blackout-responder: %s\n", err);
		return RSP_EXIT_SETUP;
	}
	if (r->hb_dest && rsp_heartbeat_start(r, r->hb_dest, err, sizeof err) != 0) {
		fprintf(stderr, "blackout-responder: %s\n", err);
		return RSP_EXIT_SETUP;
	}
	/* The optional parts: each says what it does, or why it is off. */
	if (r->tcp_port)
		snprintf(r->status[0], sizeof r->status[0],
		         "TCP %u, IPv4 and IPv6: SYN target, echo, event channel", r->tcp_port);
	else
		snprintf(r->status[0], sizeof r->status[0], "off (--tcp-port 0)");
	snprintf(r->status[7], sizeof r->status[7], "%s",
	         r->tcp_port ? rsp_access_text(r->access) : "off (--tcp-port 0)");
	if (rsp_netev_start(r, err, sizeof err) == 0)
		snprintf(r->status[1], sizeof r->status[1], "%s", r->netev.what);
	else
		snprintf(r->status[1], sizeof r->status[1], "not available: %s", err);
	/* the firewall's drops: bound before privileges go (CAP_NET_ADMIN) */
	if (!r->fwlog_group)
		snprintf(r->status[6], sizeof r->status[6], "off (--fw-log GROUP)");
	else if (rsp_fwlog_start(r, err, sizeof err) == 0)
		snprintf(r->status[6], sizeof r->status[6],
		         "NFLOG group %d: each probe the firewall drops", r->fwlog_group);
	else
		snprintf(r->status[6], sizeof r->status[6], "not available: %s", err);
	rsp_priority_set(r->prio, r->status[4], sizeof r->status[4]);
	r->sys = rsp_sys_report(r);
	rsp_sys_start(r, r->sys);
	/* Everything that needed privilege is open (the priority set too): keep only what the
	 * capture needs (CAP_NET_RAW, with --capture: it opens and reopens on the thread pool,
	 * whose threads start after this and inherit it), become --user, no new privileges,
	 * seccomp. */
	bo_priv_req q = {.keep = r->cap.iface ? bo_priv_cap_net_raw() : 0,
	                 .keep_names = "cap_net_raw",
	                 .user = r->user};
	char pmsg[160];
	if (bo_priv_drop(&q, pmsg, sizeof pmsg) == 0)
		snprintf(r->status[5], sizeof r->status[5], "dropped: %s", pmsg);
	else if (r->user) {
		fprintf(stderr, "blackout-responder: --user %s: %s\n", r->user, pmsg);
		return RSP_EXIT_SETUP;
	} else
		snprintf(r->status[5], sizeof r->status[5], "kept: %s", pmsg);
	if (!r->cap.iface)
		snprintf(r->status[2], sizeof r->status[2],
		         "off (--capture IFACE to record arrivals)");
	else if (rsp_capture_start(r, err, sizeof err) == 0)
		snprintf(r->status[2], sizeof r->status[2], "on %s: every probe's arrival",
		         r->cap.iface);
	else
		snprintf(r->status[2], sizeof r->status[2], "no capture on %s: %s", r->cap.iface,
		         err);
	if (r->hb_dest)
		snprintf(r->status[3], sizeof r->status[3], "to %s every 10 ms", r->hb_dest);
	else
		snprintf(r->status[3], sizeof r->status[3], "off (--heartbeat PROBE_HOST)");
	rsp_event(
	        r, BO_GEV_START,
	        json_pack("{s:s, s:s, s:i, s:i, s:i, s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
	                  "s:s, s:O}",
	                  "tool", "blackout-responder", "version", BLACKOUT_VERSION, "format",
	                  BO_FORMAT_VERSION, "stamp_port", r->port, "tcp_port", r->tcp_port,
	                  "authenticated", r->refl.key.len > 0, "stamp", stamp_mode(r),
	                  "event_channel", r->status[7], "tcp", r->status[0], "net_events",
	                  r->status[1], "capture", r->status[2], "heartbeat", r->status[3],
	                  "priority", r->status[4], "privileges", r->status[5], "firewall_drops",
	                  r->status[6], "system", r->sys));
	if (!r->quiet)
		summary(r);
	r->refl.poll.data = r->tick.data = r->sigint.data = r->sigterm.data = r->stop.data = r;
	uv_async_init(r->loop, &r->stop, on_stop_request);
	uv_poll_init_socket(r->loop, &r->refl.poll, r->refl.sock);
	uv_poll_start(&r->refl.poll, UV_READABLE, on_readable);
	uv_timer_init(r->loop, &r->tick);
	r->last_offset = bo_clock_real_ns() - bo_clock_mono_ns();
	uv_timer_start(&r->tick, on_tick, 100, 100);
	uv_signal_init(r->loop, &r->sigint);
	uv_signal_init(r->loop, &r->sigterm);
	uv_signal_start(&r->sigint, on_signal, SIGINT);
	uv_signal_start(&r->sigterm, on_signal, SIGTERM); /* Windows: not delivered */
	rsp_service_running(r);
	uv_run(r->loop, UV_RUN_DEFAULT);
	rsp_udp_close(r->refl.sock);
	if (!r->quiet) {
		json_t *cj = counters(r);
		char *s = json_dumps(cj, JSON_COMPACT);
		fprintf(stderr, "blackout-responder: stopped; %s\n", s);
		free(s);
		json_decref(cj);
	}
	int rc = r->log.err ? RSP_EXIT_RUNTIME : RSP_EXIT_OK;
	if (r->log.f && bo_log_close(&r->log) != 0)
		rc = RSP_EXIT_RUNTIME;
	rsp_journal_free(&r->journal);
	json_decref(r->sys);
	uv_loop_close(r->loop);
	free(r->os);
	free(r->refl.replay);
	return rc;
}
