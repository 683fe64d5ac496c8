/* SPDX-License-Identifier: Apache-2.0 */
/* blackout-analyze: command line. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an.h"
#include "bo_cli.h"
#include "bo_fs.h"
#include "bo_time.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: blackout-analyze [OPTIONS] INPUT...\n"
	        "       blackout-analyze compare [OPTIONS] --group LABEL RUN... --group LABEL "
	        "RUN...\n"
	        "                                (before/after a fix: see compare --help)\n"
	        "\n"
	        "Reconstructs every outage of every stream with bounds, finds the target's resume\n"
	        "announcement and gives a verdict per migration. INPUT is a run directory written "
	        "by\n"
	        "blackout-probe, or a pcap/pcapng file of pings taken by anyone (tcpdump, "
	        "Wireshark).\n"
	        "Needs no privileges.\n"
	        "\n"
	        "Output:\n"
	        "  -j, --json FILE          write the JSON report to FILE (- for standard output)\n"
	        "      --html FILE          write the HTML report (SVG timeline) to FILE\n"
	        "      --csv FILE           write a row per probe (send, reply, status) to FILE\n"
	        "      --records FILE       append one JSON line per migration event to FILE (for\n"
	        "                           ClickHouse, Elasticsearch, Loki; docs/formats.md)\n"
	        "      --prom FILE          write a Prometheus textfile (node_exporter's textfile\n"
	        "                           collector); counts add up over runs to one FILE\n"
	        "      --no-write           do not write RUN/analysis.json and RUN/report.html\n"
	        "                           into a run directory\n"
	        "  -q, --quiet              no text report\n"
	        "\n"
	        "Gates (for a pipeline; exit status 3 when one fails, each failure on stderr):\n"
	        "      --fail-if VERDICT[,...]\n"
	        "                           a migration has this verdict (a suffix will do:\n"
	        "                           safety-timeout); repeatable\n"
	        "      --max-blackout DUR   a migration was dark longer (one still dark when the\n"
	        "                           capture ended fails: it lasted at least that long)\n"
	        "\n"
	        "Analysis:\n"
	        "      --reply-timeout DUR  a probe is lost when unanswered this long (default: "
	        "the\n"
	        "                           probe's --timeout, else 1s)\n"
	        "      --normal DUR         reference for a normal quarantine (default 3s)\n"
	        "      --timeout DUR        reference for the quarantine safety timeout (default "
	        "7s)\n"
	        "      --switchover DUR     longest dark time after resume still judged a plain\n"
	        "                           switchover (default 1s)\n"
	        "      --stamp-key FILE     the HMAC key of a run that used authenticated STAMP\n"
	        "      --tz local|NAME      the reports' times in this zone (default UTC, \"Z\"),\n"
	        "                           e.g. --tz Europe/Berlin; always RFC 3339\n"
	        "      --host-events FILE   the hypervisor's account of its migrations: "
	        "blackout's\n"
	        "                           host.jsonl or a Hyper-V event export (default:\n"
	        "                           RUN/host.jsonl when there; docs/analyze.md)\n"
	        "  -h, --help, -V, --version\n"
	        "\n"
	        "Verdicts (one per migration event, and the run's from its longest outage):\n"
	        "no-blackout, switchover-only, quarantine-normal, quarantine-safety-timeout,\n"
	        "anomalous, full-outage (established TCP stalled as long: not a quarantine).\n"
	        "Exit status: 0 every input analysed (gates passed), 1 an input could not be read\n"
	        "(the others are still reported), 2 usage error, 3 a gate failed.\n");
}

typedef struct outputs {
	const char *json, *html, *csv, *records, *prom;
	int quiet, no_write;
	an_gates gates; /* --fail-if, --max-blackout */
} outputs;

static int write_html(const an_run *r, const an_settings *set, const char *path)
{
	bo_fs_out o;
	if (bo_fs_out_open(&o, path) != 0) {
		fprintf(stderr, "blackout-analyze: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	an_report_html(o.f, r, set);
	if (bo_fs_out_commit(&o) != 0) {
		fprintf(stderr, "blackout-analyze: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int analyze(const char *input, const an_settings *set, const bo_stamp_key *stamp_key,
                   const outputs *out_to)
{
	an_run r;
	FILE *csv = NULL;
	bo_fs_out csv_out;
	int rc = 0;
	if (out_to->csv) {
		if (bo_fs_out_open(&csv_out, out_to->csv) != 0) {
			fprintf(stderr, "blackout-analyze: cannot write %s: %s\n", out_to->csv,
			        strerror(errno));
			return AN_EXIT_INPUT;
		}
		csv = csv_out.f;
		an_csv_header(csv);
	}
	if (an_load(&r, input, set, stamp_key, csv ? an_csv_probe : NULL, csv) != 0) {
		rc = AN_EXIT_INPUT;
		goto out;
	}
	if (!out_to->quiet)
		/* --json -: standard output is the JSON alone (a pipe into jq); text to stderr. */
		an_report_text(out_to->json && !strcmp(out_to->json, "-") ? stderr : stdout, &r,
		               set);
	/* The JSON document is built only when something writes it (thousands of streams make
	 * it the largest thing the analyzer holds). */
	int dir_files = r.in.is_dir && !out_to->no_write;
	json_t *j = out_to->json || dir_files ? an_report_json(&r, set) : NULL;
	if (out_to->json && an_write_json(j, out_to->json) != 0)
		rc = AN_EXIT_INPUT;
	if (dir_files) {
		char path[4200];
		snprintf(path, sizeof path, "%s/analysis.json", input);
		if (an_write_json(j, path) != 0)
			rc = AN_EXIT_INPUT;
		snprintf(path, sizeof path, "%s/report.html", input);
		if (write_html(&r, set, path) != 0)
			rc = AN_EXIT_INPUT;
	}
	if (out_to->html && write_html(&r, set, out_to->html) != 0)
		rc = AN_EXIT_INPUT;
	if (out_to->records && an_write_records(&r, out_to->records) != 0)
		rc = AN_EXIT_INPUT;
	if (out_to->prom && an_write_prom(&r, out_to->prom) != 0)
		rc = AN_EXIT_INPUT;
	if (!rc && an_gate_run(&out_to->gates, &r))
		rc = AN_EXIT_GATE;
	json_decref(j);
out:
	if (csv && rc != AN_EXIT_INPUT) {
		/* The rows were streamed as the probes resolved; the event column is added now that
		 * the events are known, into the file's final copy. */
		bo_fs_out fin;
		FILE *in = NULL;
		int ok = fflush(csv) == 0 && (in = fopen(csv_out.tmp, "r")) &&
		         bo_fs_out_open(&fin, out_to->csv) == 0;
		if (ok && an_csv_events(&r, in, fin.f) != 0) {
			bo_fs_out_abort(&fin);
			ok = 0;
		} else if (ok) {
			ok = bo_fs_out_commit(&fin) == 0;
		}
		if (in)
			fclose(in);
		bo_fs_out_abort(&csv_out);
		if (!ok) {
			fprintf(stderr, "blackout-analyze: cannot write %s: %s\n", out_to->csv,
			        strerror(errno));
			rc = AN_EXIT_INPUT;
		}
	} else if (csv && rc == AN_EXIT_INPUT) {
		bo_fs_out_abort(&csv_out); /* nothing half-written left behind */
	}
	an_run_free(&r);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"json", required_argument, 0, 'j'},
	                                     {"no-write", no_argument, 0, 'W'},
	                                     {"quiet", no_argument, 0, 'q'},
	                                     {"reply-timeout", required_argument, 0, 'R'},
	                                     {"normal", required_argument, 0, 'N'},
	                                     {"timeout", required_argument, 0, 'T'},
	                                     {"switchover", required_argument, 0, 'S'},
	                                     {"tz", required_argument, 0, 'Z'},
	                                     {"stamp-key", required_argument, 0, 'K'},
	                                     {"html", required_argument, 0, 'H'},
	                                     {"csv", required_argument, 0, 'C'},
	                                     {"host-events", required_argument, 0, 'E'},
	                                     {"records", required_argument, 0, 'O'},
	                                     {"prom", required_argument, 0, 'P'},
	                                     {"fail-if", required_argument, 0, 'F'},
	                                     {"max-blackout", required_argument, 0, 'X'},
	                                     {"help", no_argument, 0, 'h'},
	                                     {"version", no_argument, 0, 'V'},
	                                     {0, 0, 0, 0}};
	bo_cli_init("blackout-analyze");
	an_settings set = an_settings_defaults();
	if (argc > 1 && !strcmp(argv[1], "compare")) {
		bo_stamp_key none = {{0}, 0};
		return an_compare(argc - 1, argv + 1, &set, &none);
	}
	outputs o = {0};
	bo_stamp_key stamp_key = {{0}, 0};
	int c;
	while ((c = getopt_long(argc, argv, "j:qhV", opts, NULL)) != -1) {
		switch (c) {
		case 'j': o.json = optarg; break;
		case 'W': o.no_write = 1; break;
		case 'q': o.quiet = 1; break;
		case 'H': o.html = optarg; break;
		case 'C': o.csv = optarg; break;
		case 'E': set.host_events = optarg; break;
		case 'O': o.records = optarg; break;
		case 'P': o.prom = optarg; break;
		case 'F': an_gate_fail_if(&o.gates, optarg); break;
		case 'X': o.gates.max_blackout = bo_cli_duration("--max-blackout", optarg); break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("blackout-analyze %s\n", BLACKOUT_VERSION); return 0;
		default:
			if (an_settings_option(c, optarg, &set, &stamp_key))
				break;
			fprintf(stderr, "Try 'blackout-analyze --help'.\n");
			return AN_EXIT_USAGE;
		}
	}
	if (optind == argc)
		bo_cli_usage_error("name a run directory or a capture file");
	if (set.normal >= set.timeout)
		bo_cli_usage_error("--normal must be shorter than --timeout");
	if (o.json && !strcmp(o.json, "-") && argc - optind > 1)
		bo_cli_usage_error("--json - takes one input");
	if ((o.html || o.csv) && argc - optind > 1)
		bo_cli_usage_error("--html and --csv take one input");
	int rc = 0;
	for (int i = optind; i < argc; i++) {
		int r = analyze(argv[i], &set, &stamp_key, &o);
		if (r && (rc != AN_EXIT_INPUT)) /* an unreadable input outweighs a failed gate */
			rc = r;
		if (!o.quiet && i + 1 < argc)
			printf("\n");
	}
	return rc;
}
