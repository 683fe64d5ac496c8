/* SPDX-License-Identifier: Apache-2.0 */
/* One input from its files to a verdict: the run directory's logs (or a bare capture), one
 * pass over the capture, the verdict. Shared by the report and `compare`. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "an.h"
#include "bo_cli.h"
#include "bo_log.h"
#include "bo_time.h"

static int load(an_run *r, const char *input, const an_settings *set, const bo_stamp_key *stamp_key,
                an_probe_cb on_probe, void *on_probe_arg, int sort);

int an_load(an_run *r, const char *input, const an_settings *set, const bo_stamp_key *stamp_key,
            an_probe_cb on_probe, void *on_probe_arg)
{
	int rc = load(r, input, set, stamp_key, on_probe, on_probe_arg, 0);
	if (rc != AN_CAPTURE_UNORDERED)
		return rc;
	/* Its records go back in time (files joined the wrong way round): read again, sorted. */
	an_run_free(r);
	if (on_probe)
		on_probe(on_probe_arg, NULL, 0, 0, 0, 0);
	return load(r, input, set, stamp_key, on_probe, on_probe_arg, 1);
}

static int load(an_run *r, const char *input, const an_settings *set, const bo_stamp_key *stamp_key,
                an_probe_cb on_probe, void *on_probe_arg, int sort)
{
	memset(r, 0, sizeof *r);
	r->in.input = input;
	r->in.tz = set->tz;
	r->res.main_stream = r->res.main_outage = -1;
	r->eng.on_probe = on_probe;
	r->eng.on_probe_arg = on_probe_arg;
	char err[8192] = "";
	struct stat st;
	if (stat(input, &st) != 0) {
		fprintf(stderr, "blackout-analyze: %s: no such file or directory\n", input);
		return -1;
	}
	r->in.is_dir = S_ISDIR(st.st_mode);
	if (r->in.is_dir) {
		snprintf(r->in.path_pcap, sizeof r->in.path_pcap, "%s/probe.pcap", input);
		/* a probe that stopped at set-up leaves its log and no capture: say why */
		char log[4200], why[256];
		snprintf(log, sizeof log, "%s/probe.jsonl", input);
		if (access(r->in.path_pcap, F_OK) != 0 &&
		    bo_log_setup_failed(log, why, sizeof why) == 1) {
			char in[512];
			fprintf(stderr,
			        "blackout-analyze: %s: the probe stopped at set-up, nothing was "
			        "captured: %s\n",
			        bo_text_clean(in, sizeof in, input), why);
			return -1;
		}
		if (an_read_runlog(r, err, sizeof err) != 0) {
			fprintf(stderr, "blackout-analyze: %s\n", err);
			return -1;
		}
		an_read_lab(r, err, sizeof err);
		if (r->in.stamp_auth && !stamp_key->len) {
			fprintf(stderr,
			        "blackout-analyze: %s used authenticated STAMP: give its key with "
			        "--stamp-key FILE\n",
			        input);
			return -1;
		}
		r->in.stamp_key = *stamp_key;
	} else {
		snprintf(r->in.path_pcap, sizeof r->in.path_pcap, "%s", input);
	}
	int crc = an_read_capture(r, set, sort, err, sizeof err);
	if (crc == AN_CAPTURE_UNORDERED)
		return crc;
	if (crc < 0) {
		fprintf(stderr, "blackout-analyze: %s\n", err);
		return -1;
	}
	if (crc > 0 && r->eng.packets == 0) { /* broken from its first record: nothing to say */
		fprintf(stderr, "blackout-analyze: %s\n", err);
		return -1;
	}
	if (r->eng.packets == 0) { /* a header and nothing more: no time, no probe, no verdict */
		char in[512];
		fprintf(stderr,
		        "blackout-analyze: %s: no packets in it (the capture stopped at once, or "
		        "its filter matched nothing): nothing to analyse\n",
		        bo_text_clean(in, sizeof in, r->in.path_pcap));
		return -1;
	}
	if (r->eng.order.steps_back) {
		char in[512];
		fprintf(stderr,
		        "blackout-analyze: warning: %s: its records go back in time (%llu step%s: "
		        "files joined the wrong way round, captures concatenated): %s\n",
		        bo_text_clean(in, sizeof in, r->in.path_pcap),
		        (unsigned long long)r->eng.order.steps_back,
		        r->eng.order.steps_back == 1 ? "" : "s",
		        r->eng.order.sorted ? "read in time order"
		                            : "too many parts to sort, read as "
		                              "they are: windows near the steps are "
		                              "unreliable");
	}
	if (crc > 0) {
		r->eng.truncated = 1;
		fprintf(stderr, "blackout-analyze: warning: %s\n", err);
	}
	if (r->eng.packets && r->eng.invalid == r->eng.packets) {
		const char *lt = pcap_datalink_val_to_name(r->eng.linktype);
		fprintf(stderr,
		        "blackout-analyze: %s: none of its %llu frames could be read (link type "
		        "%d%s%s): not a capture this analyzer reads\n",
		        r->in.path_pcap, (unsigned long long)r->eng.packets, r->eng.linktype,
		        lt ? ", " : "", lt ? lt : "");
		return -1;
	}
	if (r->in.is_dir)
		an_read_guest(r);
	if (an_read_host(r, set->host_events) != 0)
		return -1;
	an_verdict(r, set);
	an_host_match(r);
	if (an_events(r, set) != 0) {
		fprintf(stderr, "blackout-analyze: %s: out of memory\n", input);
		return -1;
	}
	if (r->eng.streams_dropped || an_probes_dropped(r))
		fprintf(stderr,
		        "blackout-analyze: warning: %s: %llu streams and %llu probes not analysed "
		        "(the analyzer's bounds; input.not_analysed in the JSON)\n",
		        input, (unsigned long long)r->eng.streams_dropped,
		        (unsigned long long)an_probes_dropped(r));
	return 0;
}

void an_run_free(an_run *r)
{
	for (int i = 0; i < r->eng.nstreams; i++)
		an_stream_free(&r->eng.streams[i]);
	free(r->eng.streams);
	an_hist_free(r->eng.sched);
	bo_addrmap_free(&r->eng.by_target);
	free(r->in.host);
	for (int i = 0; i < r->in.nguest_facts; i++)
		json_decref(r->in.guest_facts[i]);
	free(r->res.events);
	bo_addrmap_free(&r->eng.by_id);
	free(r->eng.announces);
	free(r->in.markers);
	json_decref(r->in.header);
	memset(r, 0, sizeof *r);
}

an_settings an_settings_defaults(void)
{
	return (an_settings){
	        .normal = 3 * BO_NS_PER_S, .timeout = 7 * BO_NS_PER_S, .switchover = BO_NS_PER_S};
}

int an_settings_option(int opt, const char *arg, an_settings *set, bo_stamp_key *key)
{
	switch (opt) {
	case 'R': set->reply_timeout = bo_cli_duration("--reply-timeout", arg); return 1;
	case 'N': set->normal = bo_cli_duration("--normal", arg); return 1;
	case 'T': set->timeout = bo_cli_duration("--timeout", arg); return 1;
	case 'S': set->switchover = bo_cli_duration("--switchover", arg); return 1;
	case 'Z': {
		int off;
		if (bo_time_offset(arg, bo_clock_real_ns(), &off) != 0)
			bo_cli_usage_error(
			        "--tz: %s is not a time zone here (local, UTC, or a name "
			        "from the zone database such as Europe/Berlin)",
			        arg);
		set->tz = arg;
		return 1;
	}
	case 'K': {
		char kerr[256];
		if (bo_stamp_key_load(arg, key, kerr, sizeof kerr) != 0)
			bo_cli_usage_error("--stamp-key: %s", kerr);
		return 1;
	}
	default: return 0;
	}
}
