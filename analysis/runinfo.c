/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a run directory's logs: probe.jsonl (key, streams, capture statistics) and, from the
 * lab, lab.jsonl (ground truth). Lines are read bounded; a cut-off last line (a probe killed
 * mid-write) is expected and skipped. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an.h"
#include "bo_fs.h"
#include "bo_err.h"
#include "bo_log.h"
#include "bo_vocab.h"

#define MAX_LINE (1 << 20)

int an_read_runlog(an_run *r, char *err, size_t errlen)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/probe.jsonl", r->in.input);
	FILE *f = bo_fs_open_regular(path);
	if (!f) {
		if (errno == ENOENT)
			snprintf(err, errlen,
			         "%s: no probe.jsonl: is this a blackout-probe run directory?",
			         r->in.input);
		else
			snprintf(err, errlen, "%s: %s", path,
			         errno == EINVAL ? "not a regular file" : strerror(errno));
		return -1;
	}
	json_t *o;
	long line = 0;
	int rc;
	while ((rc = bo_jsonl_next(f, MAX_LINE, &o, &line)) != 0) {
		if (rc < 0) {
			r->in.log_bad_lines++;
			continue;
		}
		int t = bo_rec_parse(bo_json_str(o, "type", "")); /* -1: unknown, left out */
		if (t == BO_REC_HEADER) {
			if (bo_json_int(o, "format", 0) != BO_FORMAT_VERSION ||
			    bo_key_parse(bo_json_str(o, "key", ""), &r->in.key) != 0) {
				snprintf(err, errlen,
				         "%s: probe.jsonl header has format %lld or no key; "
				         "this analyzer reads format %d",
				         r->in.input, (long long)bo_json_int(o, "format", 0),
				         BO_FORMAT_VERSION);
				json_decref(o);
				fclose(f);
				return -1;
			}
			r->in.run_id = (uint32_t)bo_json_int(o, "run_id", 0);
			json_t *cfg = json_object_get(o, "config");
			r->in.log_timeout = bo_json_time(cfg, "timeout_ns");
			r->in.stamp_port =
			        (uint16_t)bo_json_int(cfg, "stamp_port", BO_PORT_STAMP_DEFAULT);
			r->in.tcp_port =
			        (uint16_t)bo_json_int(cfg, "tcp_port", BO_PORT_TCP_DEFAULT);
			r->in.stamp_auth =
			        json_is_true(json_object_get(cfg, "stamp_authenticated"));
			json_t *clk = json_object_get(o, "clock");
			r->in.mono_to_real = bo_json_time(clk, "realtime_ns") -
			                     bo_json_time(clk, "monotonic_ns");
			r->in.have_log = 1;
			json_decref(r->in.header);
			r->in.header = json_incref(o);
		} else if (t == BO_REC_STREAM && r->in.have_log) {
			bo_addr a;
			const char *name = bo_json_str(o, "stream", "");
			int64_t iv = bo_json_time(o, "interval_ns");
			/* A stream type this analyzer does not know is left out. */
			const bo_stream_desc *d = bo_stream_by_name(name);
			if (d && bo_addr_parse(bo_json_str(o, "target", ""), &a) == 0 && iv > 0)
				an_stream_of_run(r, d, &a, iv, bo_json_time(o, "phase_ns"),
				                 (uint16_t)bo_json_int(o, "icmp_id", 0),
				                 (uint16_t)bo_json_int(o, "ssid", 0),
				                 (uint16_t)bo_json_int(o, "local_port", 0));
		} else if (t == BO_REC_START && r->in.have_log) {
			r->in.t0 = bo_json_time(o, "t0_monotonic_ns");
		} else if (t == BO_REC_MARKER && r->in.nmarkers < 10000) {
			if (r->in.nmarkers == r->in.marker_cap) {
				int cap = r->in.marker_cap ? r->in.marker_cap * 2 : 8;
				an_marker *n = realloc(r->in.markers, (size_t)cap * sizeof *n);
				if (n) {
					r->in.markers = n;
					r->in.marker_cap = cap;
				}
			}
			if (r->in.nmarkers < r->in.marker_cap) {
				an_marker *m = &r->in.markers[r->in.nmarkers++];
				m->ts = bo_json_time(o, "realtime_ns");
				bo_json_text(o, "kind", "?", m->kind, sizeof m->kind);
				bo_json_text(o, "label", "", m->label, sizeof m->label);
			}
		} else if (t == BO_REC_STATUS || t == BO_REC_END) {
			json_t *cap = json_object_get(o, "capture");
			if (cap) {
				r->in.cap_dropped = (uint64_t)bo_json_int(cap, "dropped", 0);
				r->in.cap_ifdropped = (uint64_t)bo_json_int(cap, "if_dropped", 0);
			}
			if (t == BO_REC_END) {
				r->in.log_complete = 1;
				bo_json_text(o, "reason", "?", r->in.stop_reason,
				             sizeof r->in.stop_reason);
			}
		}
		json_decref(o);
	}
	fclose(f);
	if (!r->in.have_log) {
		snprintf(err, errlen, "%s/probe.jsonl has no header line", r->in.input);
		return -1;
	}
	return 0;
}

int an_read_lab(an_run *r, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	char path[4200];
	snprintf(path, sizeof path, "%s/lab.jsonl", r->in.input);
	FILE *f = bo_fs_open_regular(path);
	if (!f)
		return 0; /* not a lab run */
	json_t *o;
	long line = 0;
	int rc;
	while ((rc = bo_jsonl_next(f, MAX_LINE, &o, &line)) != 0) {
		if (rc < 0)
			continue;
		int kind = bo_lab_parse(bo_json_str(o, "type", ""));
		if (kind == BO_LAB_HEADER) {
			bo_json_text(o, "scenario", "?", r->in.lab_scenario,
			             sizeof r->in.lab_scenario);
		} else if (kind == BO_LAB_TRUTH && r->in.ntruth < 8) {
			an_truth *t = &r->in.truth[r->in.ntruth];
			json_t *st = json_object_get(o, "start"), *en = json_object_get(o, "end");
			if (json_array_size(st) != 2 || json_array_size(en) != 2)
				goto next;
			bo_json_text(o, "stream", "", t->stream, sizeof t->stream);
			bo_json_text(o, "verdict", "", t->verdict, sizeof t->verdict);
			for (int i = 0; i < 2; i++) {
				t->start[i] = bo_time_clamp(
				        json_integer_value(json_array_get(st, (size_t)i)));
				t->end[i] = bo_time_clamp(
				        json_integer_value(json_array_get(en, (size_t)i)));
			}
			t->duration = bo_json_time(o, "duration_ns");
			r->in.ntruth++;
			r->in.have_lab = 1;
		}
	next:
		json_decref(o);
	}
	fclose(f);
	return 0;
}
