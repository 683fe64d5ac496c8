/* SPDX-License-Identifier: Apache-2.0 */
/* blackout-probe: command line. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bo_cli.h"
#include "bo_err.h"
#include "bo_time.h"
#include "probe.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: blackout-probe [OPTIONS] TARGET...\n"
	        "\n"
	        "Sends paced probes to each TARGET and captures probes and replies with "
	        "nanosecond\n"
	        "timestamps into a run directory, for blackout-analyze. Needs %s.\n"
	        "\n"
	        "Streams and pacing:\n"
	        "  -s, --streams LIST       streams to send, comma-separated (default: icmp)\n"
	        "  -i, --interval DUR       interval of every stream (default: 10ms; 1ms at "
	        "least)\n"
	        "  -i, --interval NAME=DUR  interval of one stream, e.g. icmp=1ms\n"
	        "      --outage-interval DUR\n"
	        "                           spacing of a stream's probes while it is in an "
	        "outage,\n"
	        "                           so the outage's end is known that closely (default: a\n"
	        "                           tenth of its interval, at least 1ms; 0: keep the "
	        "interval); all streams together send at most a quarter of the\n"
	        "                           run's rate more (5000 probes/s at least)\n"
	        "      --tx MODE            how probes leave: single (a system call each), batch\n"
	        "                           (sendmmsg: what is due at once goes out in one call)\n"
	        "                           or auto: batch from 10000 probes/s (default: auto)\n"
	        "\n"
	        "Run:\n"
	        "  -r, --run DIR            run directory (default: runs/YYYYMMDD-HHMMSS)\n"
	        "  -d, --duration DUR       stop after DUR (default: run until Ctrl-C or %s)\n"
	        "  -t, --timeout DUR        reply timeout, and how long replies are awaited at "
	        "the\n"
	        "                           end (default: 1s)\n"
	        "  -I, --interface IFACE    capture on IFACE (default: the one routing to the "
	        "first\n"
	        "                           target)\n"
	        "  -T, --targets FILE       more targets, one or more per line, # comments\n"
	        "\n"
	        "Always on (a service): events found as they happen, a flight recorder:\n"
	        "  -w, --watch DIR          run until SIGTERM, finding every outage of a target "
	        "as\n"
	        "                           it happens; each becomes a run directory under\n"
	        "                           DIR/events/, a line of DIR/records.jsonl and of\n"
	        "                           DIR/index.html; SIGHUP reads --targets FILE again\n"
	        "      --keep SIZE          DIR's disk budget: the oldest capture segments go\n"
	        "                           first, then the oldest events (default: 2G)\n"
	        "      --keep-age DUR       events and segments older than DUR go (default: 30d)\n"
	        "      --segment DUR        capture time a flight recorder's segment holds\n"
	        "                           (default: 60s)\n"
	        "      --min-event N        consecutive lost probes of a stream that open an "
	        "event\n"
	        "                           (default: 3)\n"
	        "      --settle DUR         every stream of the target answering this long closes\n"
	        "                           it: long enough to see a 7 s quarantine end (default:\n"
	        "                           10s)\n"
	        "      --event-lead DUR     capture kept before an event's start (default: 5s)\n"
	        "      --metrics ADDR:PORT  serve Prometheus' /metrics over HTTP (127.0.0.1:9620)\n"
	        "      --host-events FILE   the hypervisor's records (host.jsonl lines) an "
	        "event's\n"
	        "                           directory takes those of its time from\n"
	        "\n"
	        "Alongside a migration:\n"
	        "  -e, --exec CMD           run CMD (through %s) --lead after the first "
	        "probe;\n"
	        "                           its start, end and exit status become markers\n"
	        "      --lead DUR           from the first probe to CMD (default: 2s)\n"
	        "      --after DUR          from CMD's end to the end of the run (default: 10s)\n"
	        "                           A marker on demand: %s.\n"
	        "\n"
	        "The responder:\n"
	        "      --stamp-port PORT    the STAMP reflector's UDP port (default: 862)\n"
	        "      --stamp-key FILE     the responders' key file (a packaged responder's\n"
	        "                           /etc/blackout-responder/key): authenticated STAMP, "
	        "and\n"
	        "                           the key that opens their event channels\n"
	        "      --tcp-port PORT      blackout-responder's TCP port: tcp-syn, tcp-est and "
	        "the\n"
	        "                           guest events (default: 8620)\n"
	        "      --no-events          do not subscribe to the guests' events (by default "
	        "each\n"
	        "                           target's responder is asked; they go to "
	        "RUN/guest.jsonl)\n"
	        "\n"
	        "Output:\n"
	        "  -q, --quiet              no status line and no outage lines\n"
	        "      --dry-run            send and capture nothing: write every probe of the\n"
	        "                           --duration to RUN/probe.pcap at its deadline (raw\n"
	        "                           IP), at once and without privileges\n"
	        "  -h, --help               this help\n"
	        "  -V, --version            version\n"
	        "\n"
	        "Durations take a unit: ns, us, ms, s, m, h, d (10ms, 1.5s, 30d).\n"
	        "\n"
	        "Streams:\n",
	        probe_words.privilege, probe_words.terminate, probe_words.shell,
	        probe_words.marker);
	probe_streams_help(f);
	fprintf(f,
	        "\n"
	        "Exit status: 0 run completed (also when stopped by Ctrl-C or SIGTERM), 1 failure\n"
	        "during the run, 2 usage error, 3 missing privilege, 4 setup failed (interface,\n"
	        "route, run directory).\n");
}

static const struct {
	const char *name;
	enum probe_tx_mode mode;
} tx_modes[] = {{"auto", PROBE_TX_AUTO}, {"single", PROBE_TX_SINGLE}, {"batch", PROBE_TX_BATCH}};

static int tx_mode(const char *arg)
{
	for (size_t i = 0; i < sizeof tx_modes / sizeof tx_modes[0]; i++)
		if (strcmp(arg, tx_modes[i].name) == 0)
			return tx_modes[i].mode;
	bo_cli_usage_error("--tx takes auto, single or batch");
	return PROBE_TX_AUTO;
}

static void parse_streams(probe_config *c, char *list)
{
	c->nstreams = 0;
	for (char *save, *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const bo_stream_desc *d = probe_stream_find(tok);
		if (!d) {
			char names[128];
			bo_cli_usage_error("unknown stream %s (streams: %s)", tok,
			                   bo_stream_names(names, sizeof names));
		}
		for (int i = 0; i < c->nstreams; i++)
			if (c->streams[i] == d)
				bo_cli_usage_error("stream %s named twice", tok);
		if (c->nstreams == PROBE_MAX_STREAMS)
			bo_cli_usage_error("too many streams");
		c->streams[c->nstreams++] = d;
	}
	if (!c->nstreams)
		bo_cli_usage_error("--streams needs at least one stream");
}

/* Adds the targets listed in a file to those on the command line. */
static void read_targets(probe_config *c, const char *path)
{
	char err[512], **list;
	int n;
	if (probe_targets_read(path, c->targets, c->ntargets, &list, &n, err, sizeof err) != 0)
		bo_cli_usage_error("%s", err);
	c->targets = list; /* lives until the process ends */
	c->ntargets = n;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"streams", required_argument, 0, 's'},
	                                     {"interval", required_argument, 0, 'i'},
	                                     {"run", required_argument, 0, 'r'},
	                                     {"duration", required_argument, 0, 'd'},
	                                     {"timeout", required_argument, 0, 't'},
	                                     {"interface", required_argument, 0, 'I'},
	                                     {"quiet", no_argument, 0, 'q'},
	                                     {"help", no_argument, 0, 'h'},
	                                     {"version", no_argument, 0, 'V'},
	                                     {"outage-interval", required_argument, 0, 'O'},
	                                     {"exec", required_argument, 0, 'e'},
	                                     {"lead", required_argument, 0, 'L'},
	                                     {"after", required_argument, 0, 'A'},
	                                     {"targets", required_argument, 0, 'T'},
	                                     {"stamp-port", required_argument, 0, 'P'},
	                                     {"stamp-key", required_argument, 0, 'K'},
	                                     {"tcp-port", required_argument, 0, 'C'},
	                                     {"no-events", no_argument, 0, 'N'},
	                                     {"dry-run", no_argument, 0, 'D'},
	                                     {"tx", required_argument, 0, 'X'},
	                                     {"watch", required_argument, 0, 'w'},
	                                     {"keep", required_argument, 0, 256},
	                                     {"keep-age", required_argument, 0, 257},
	                                     {"segment", required_argument, 0, 258},
	                                     {"min-event", required_argument, 0, 259},
	                                     {"settle", required_argument, 0, 260},
	                                     {"event-lead", required_argument, 0, 261},
	                                     {"metrics", required_argument, 0, 262},
	                                     {"host-events", required_argument, 0, 263},
	                                     {0, 0, 0, 0}};
	bo_cli_init("blackout-probe");
	probe_config c;
	memset(&c, 0, sizeof c);
	c.interval = 10 * BO_NS_PER_MS;
	c.timeout = BO_NS_PER_S;
	c.outage_interval = -1;
	c.stamp_port = BO_PORT_STAMP_DEFAULT;
	c.tcp_port = BO_PORT_TCP_DEFAULT;
	c.events = 1;
	c.exec_lead = 2 * BO_NS_PER_S;
	c.after = 10 * BO_NS_PER_S;
	c.keep_bytes = (int64_t)2 << 30;
	c.keep_age = 30 * 86400 * BO_NS_PER_S;
	c.segment = 60 * BO_NS_PER_S;
	c.min_event = 3;
	c.settle = 10 * BO_NS_PER_S;
	c.event_lead = 5 * BO_NS_PER_S;
	const char *targets_file = NULL;
	c.argc = argc;
	c.argv = argv;
	char *per_stream[PROBE_MAX_STREAMS * 2];
	int nper = 0;
	char default_streams[32]; /* the registry's first: ICMP echo, what ping shows */
	snprintf(default_streams, sizeof default_streams, "%s", bo_streams[0]->name);
	char *streams = default_streams;
	int opt;
	int run_given = 0;
	while ((opt = getopt_long(argc, argv, "s:i:r:d:t:I:e:T:w:qhV", opts, NULL)) != -1) {
		switch (opt) {
		case 's': streams = optarg; break;
		case 'i':
			if (strchr(optarg, '=')) {
				if (nper == PROBE_MAX_STREAMS * 2)
					bo_cli_usage_error("too many --interval options");
				per_stream[nper++] = optarg;
			} else {
				c.interval = bo_cli_duration("--interval", optarg);
			}
			break;
		case 'r': c.run_dir = optarg, run_given = 1; break;
		case 'w': c.watch_dir = optarg; break;
		case 256: c.keep_bytes = bo_cli_size("--keep", optarg); break;
		case 257: c.keep_age = bo_cli_duration("--keep-age", optarg); break;
		case 258: c.segment = bo_cli_duration("--segment", optarg); break;
		case 259: {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 1000)
				bo_cli_usage_error(
				        "--min-event takes a count of probes, 1 to 1000");
			c.min_event = (int)n;
			break;
		}
		case 260: c.settle = bo_cli_duration("--settle", optarg); break;
		case 261: c.event_lead = bo_cli_duration("--event-lead", optarg); break;
		case 262: c.metrics_addr = optarg; break;
		case 263: c.host_events = optarg; break;
		case 'd': c.duration = bo_cli_duration("--duration", optarg); break;
		case 't': c.timeout = bo_cli_duration("--timeout", optarg); break;
		case 'I': c.iface = optarg; break;
		case 'q': c.quiet = 1; break;
		case 'e': c.exec = optarg; break;
		case 'L': c.exec_lead = bo_cli_duration("--lead", optarg); break;
		case 'A': c.after = bo_cli_duration("--after", optarg); break;
		case 'T': targets_file = optarg; break;
		case 'P': c.stamp_port = bo_cli_port("--stamp-port", optarg); break;
		case 'K': c.stamp_key_file = optarg; break;
		case 'C': c.tcp_port = bo_cli_port("--tcp-port", optarg); break;
		case 'N': c.events = 0; break;
		case 'D': c.dry_run = 1; break;
		case 'X': c.tx_mode = tx_mode(optarg); break;
		case 'O':
			c.outage_interval = bo_cli_duration("--outage-interval", optarg);
			if (c.outage_interval && c.outage_interval < BO_NS_PER_MS)
				bo_cli_usage_error("--outage-interval must be 0 or 1ms or more");
			break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("blackout-probe %s\n", BLACKOUT_VERSION); return 0;
		default: fprintf(stderr, "Try 'blackout-probe --help'.\n"); return PROBE_EXIT_USAGE;
		}
	}
	parse_streams(&c, streams);
	for (int i = 0; i < nper; i++) {
		char *eq = strchr(per_stream[i], '=');
		*eq = 0;
		int k;
		const bo_stream_desc *d = probe_stream_find(per_stream[i]);
		for (k = 0; k < c.nstreams && c.streams[k] != d; k++)
			;
		if (k == c.nstreams)
			bo_cli_usage_error("--interval names stream %s, which is not in --streams",
			                   per_stream[i]);
		c.intervals[k] = bo_cli_duration("--interval", eq + 1);
	}
	if (c.interval < BO_NS_PER_MS)
		bo_cli_usage_error("--interval must be 1ms or more");
	for (int k = 0; k < c.nstreams; k++)
		if (c.intervals[k] && c.intervals[k] < BO_NS_PER_MS)
			bo_cli_usage_error("--interval of %s must be 1ms or more",
			                   c.streams[k]->name);
	if (c.timeout < BO_NS_PER_MS)
		bo_cli_usage_error("--timeout must be 1ms or more");
	c.targets = c.targets_cli = argv + optind;
	c.ntargets = c.ntargets_cli = argc - optind;
	c.targets_file = targets_file;
	if (targets_file)
		read_targets(&c, targets_file);
	if (c.ntargets < 1)
		bo_cli_usage_error("name at least one TARGET (an IPv4 or IPv6 address or a host "
		                   "name), or --targets FILE");
	if (c.ntargets > PROBE_MAX_TARGETS)
		bo_cli_usage_error("too many targets");
	if (c.dry_run && !c.duration)
		bo_cli_usage_error("--dry-run needs --duration (it writes the whole run at once)");
	if (c.dry_run && c.exec)
		bo_cli_usage_error("--dry-run sends nothing, so it runs no --exec");
	if (c.watch_dir) {
		const char *with = c.duration  ? "--duration"
		                   : c.exec    ? "--exec"
		                   : c.dry_run ? "--dry-run"
		                   : run_given ? "--run"
		                               : NULL;
		if (with)
			bo_cli_usage_error(
			        "--watch runs until stopped into its own directory: it takes "
			        "no %s",
			        with);
		if (c.segment < BO_NS_PER_S || c.settle < BO_NS_PER_S)
			bo_cli_usage_error("--segment and --settle must be 1s or more");
		if (c.keep_bytes < ((int64_t)16 << 20))
			bo_cli_usage_error("--keep must be 16M or more");
		return probe_watch_run(&c);
	}
	if (c.metrics_addr || c.host_events)
		bo_cli_usage_error("--metrics and --host-events go with --watch");
	static char defdir[64];
	if (!c.run_dir) {
		int64_t now = bo_clock_real_ns();
		int off = 0;
		char t[BO_TIME_ISO_LEN];
		bo_time_offset("local", now, &off); /* the local time of day names it */
		bo_time_iso(now + (int64_t)off * 60 * BO_NS_PER_S, t, sizeof t);
		snprintf(defdir, sizeof defdir, "runs/%.4s%.2s%.2s-%.2s%.2s%.2s", t, t + 5, t + 8,
		         t + 11, t + 14, t + 17);
		c.run_dir = defdir;
	}
	int at_setup;
	int rc = probe_run(&c, &at_setup); /* before at_setup is read: arguments have no order */
	return probe_exit_status(rc, at_setup);
}
