/* blackout-responder: command line, event loop, counters. */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bo_cli.h"
#include "bo_time.h"
#include "responder.h"

typedef struct rsp {
	rsp_reflector refl;
	uv_loop_t *loop;
	uv_signal_t sigint, sigterm;
	uv_timer_t tick;
	bo_log log;
	int quiet;
	uint16_t port;
} rsp;

static void usage(FILE *f)
{
	fprintf(f, "Usage: blackout-responder [OPTIONS]\n"
	           "\n"
	           "Runs inside the guest VM: a STAMP Session-Reflector (RFC 8762, RFC 8972 SSID) "
	           "that\n"
	           "answers blackout-probe's udp streams and any STAMP or TWAMP-light sender.\n"
	           "\n"
	           "  -p, --port PORT       UDP port of the reflector (default 862)\n"
	           "  -k, --key-file FILE   authenticated mode: HMAC-SHA-256 key, as hex or raw "
	           "bytes\n"
	           "                        (up to 64); without it, unauthenticated mode\n"
	           "  -l, --log FILE        JSON-lines log: start, counters every 10 s, end\n"
	           "  -q, --quiet           no start-up summary or counters on exit\n"
	           "  -h, --help, -V, --version\n"
	           "\n"
	           "Exit status: 0 stopped by SIGINT/SIGTERM, 1 failure while running, 2 usage "
	           "error,\n"
	           "4 set-up failed (port in use or not permitted, key file unreadable).\n");
}

static json_t *counters(const rsp *r)
{
	const rsp_counters *c = &r->refl.c;
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:i}", "received", (json_int_t)c->received,
	                 "reflected", (json_int_t)c->reflected, "malformed",
	                 (json_int_t)c->malformed, "auth_failed", (json_int_t)c->auth_failed,
	                 "send_errors", (json_int_t)c->send_errors, "sessions_evicted",
	                 (json_int_t)c->evicted, "sessions", r->refl.nsessions);
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
		bo_addr src;
		uint16_t sport;
		int64_t rx;
		uint8_t ttl;
		int n = rsp_udp_recv(r->refl.fd, buf, sizeof buf, &src, &sport, &rx, &ttl);
		if (n < 0)
			break; /* -EAGAIN: drained; other errors (ICMP errors queued) end this batch
			        */
		int m = rsp_stamp_reflect(&r->refl, &src, sport, buf, (size_t)n, rx,
		                          bo_clock_real_ns(), ttl, out, sizeof out);
		if (m <= 0)
			continue;
		if (rsp_udp_send(r->refl.fd, out, (size_t)m, &src, sport) == 0)
			r->refl.c.reflected++;
		else
			r->refl.c.send_errors++;
	}
}

static void on_tick(uv_timer_t *t)
{
	rsp *r = t->data;
	if (r->log.f)
		bo_log_put(&r->log,
		           json_pack("{s:s, s:I, s:o}", "type", "counters", "realtime_ns",
		                     (json_int_t)bo_clock_real_ns(), "stamp", counters(r)));
}

static void on_signal(uv_signal_t *h, int signum)
{
	(void)signum;
	rsp *r = h->data;
	uv_poll_stop(&r->refl.poll);
	uv_close((uv_handle_t *)&r->refl.poll, NULL);
	uv_close((uv_handle_t *)&r->tick, NULL);
	uv_close((uv_handle_t *)&r->sigint, NULL);
	uv_close((uv_handle_t *)&r->sigterm, NULL);
}

int main(int argc, char **argv)
{
	bo_cli_init("blackout-responder");
	static const struct option opts[] = {{"port", required_argument, 0, 'p'},
	                                     {"key-file", required_argument, 0, 'k'},
	                                     {"log", required_argument, 0, 'l'},
	                                     {"quiet", no_argument, 0, 'q'},
	                                     {"help", no_argument, 0, 'h'},
	                                     {"version", no_argument, 0, 'V'},
	                                     {0, 0, 0, 0}};
	static rsp r; /* the session table is large */
	const char *log_path = NULL;
	r.port = BO_STAMP_PORT;
	int c;
	while ((c = getopt_long(argc, argv, "p:k:l:qhV", opts, NULL)) != -1) {
		switch (c) {
		case 'p': r.port = bo_cli_port("--port", optarg); break;
		case 'k': {
			char kerr[256];
			if (bo_stamp_key_load(optarg, &r.refl.key, kerr, sizeof kerr) != 0)
				bo_cli_usage_error("--key-file: %s", kerr);
			break;
		}
		case 'l': log_path = optarg; break;
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
	if (sodium_init() < 0) {
		fprintf(stderr, "blackout-responder: libsodium failed to start\n");
		return RSP_EXIT_SETUP;
	}
	randombytes_buf(r.refl.hash_key, sizeof r.refl.hash_key);
	char err[512];
	r.refl.fd = rsp_udp_open(r.port, err, sizeof err);
	if (r.refl.fd < 0) {
		fprintf(stderr, "blackout-responder: %s\n", err);
		return RSP_EXIT_SETUP;
	}
	if (log_path && bo_log_open(&r.log, log_path, 1) != 0) {
		fprintf(stderr, "blackout-responder: cannot write %s: %s\n", log_path,
		        strerror(errno));
		return RSP_EXIT_SETUP;
	}
	if (r.log.f)
		bo_log_put(&r.log,
		           json_pack("{s:s, s:s, s:s, s:i, s:I, s:i, s:b}", "type", "start", "tool",
		                     "blackout-responder", "version", BLACKOUT_VERSION, "format",
		                     BO_FORMAT_VERSION, "realtime_ns",
		                     (json_int_t)bo_clock_real_ns(), "stamp_port", r.port,
		                     "authenticated", r.refl.key.len > 0));
	if (!r.quiet)
		fprintf(stderr,
		        "blackout-responder %s\n"
		        "  STAMP reflector   UDP %u, IPv4 and IPv6, %s, stateful, up to %d "
		        "sessions\n"
		        "  TCP listener      not available yet in this version\n"
		        "  guest events      not available yet in this version\n"
		        "  guest capture     not available yet in this version\n",
		        BLACKOUT_VERSION, r.port,
		        r.refl.key.len ? "authenticated (HMAC-SHA-256)" : "unauthenticated",
		        RSP_MAX_SESSIONS);
	r.loop = uv_default_loop();
	r.refl.poll.data = r.tick.data = r.sigint.data = r.sigterm.data = &r;
	uv_poll_init(r.loop, &r.refl.poll, r.refl.fd);
	uv_poll_start(&r.refl.poll, UV_READABLE, on_readable);
	uv_timer_init(r.loop, &r.tick);
	uv_timer_start(&r.tick, on_tick, 10000, 10000);
	uv_signal_init(r.loop, &r.sigint);
	uv_signal_init(r.loop, &r.sigterm);
	uv_signal_start(&r.sigint, on_signal, SIGINT);
	uv_signal_start(&r.sigterm, on_signal, SIGTERM);
	uv_run(r.loop, UV_RUN_DEFAULT);
	close(r.refl.fd);
	json_t *cj = counters(&r);
	if (!r.quiet) {
		char *s = json_dumps(cj, JSON_COMPACT);
		fprintf(stderr, "blackout-responder: stopped; %s\n", s);
		free(s);
	}
	if (r.log.f) {
		bo_log_put(&r.log, json_pack("{s:s, s:I, s:O}", "type", "end", "realtime_ns",
		                             (json_int_t)bo_clock_real_ns(), "stamp", cj));
		bo_log_close(&r.log);
	}
	json_decref(cj);
	uv_loop_close(r.loop);
	return RSP_EXIT_OK;
}
