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

#define MAX_LINE (1 << 20)

int an_read_runlog(an_run *r, char *err, size_t errlen)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/probe.jsonl", r->input);
	FILE *f = bo_fs_open_regular(path);
	if (!f) {
		if (errno == ENOENT)
			snprintf(err, errlen,
			         "%s: no probe.jsonl: is this a blackout-probe run directory?",
			         r->input);
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
			r->log_bad_lines++;
			continue;
		}
		const char *type = bo_json_str(o, "type", "");
		if (!strcmp(type, "header")) {
			if (bo_json_int(o, "format", 0) != BO_FORMAT_VERSION ||
			    bo_key_parse(bo_json_str(o, "key", ""), &r->key) != 0) {
				snprintf(err, errlen,
				         "%s: probe.jsonl header has format %lld or no key; "
				         "this analyzer reads format %d",
				         r->input, (long long)bo_json_int(o, "format", 0),
				         BO_FORMAT_VERSION);
				json_decref(o);
				fclose(f);
				return -1;
			}
			r->run_id = (uint32_t)bo_json_int(o, "run_id", 0);
			json_t *cfg = json_object_get(o, "config");
			r->log_timeout = bo_json_time(cfg, "timeout_ns");
			r->stamp_port =
			        (uint16_t)bo_json_int(cfg, "stamp_port", BO_PORT_STAMP_DEFAULT);
			r->tcp_port = (uint16_t)bo_json_int(cfg, "tcp_port", BO_PORT_TCP_DEFAULT);
			r->stamp_auth = json_is_true(json_object_get(cfg, "stamp_authenticated"));
			json_t *clk = json_object_get(o, "clock");
			r->mono_to_real = bo_json_time(clk, "realtime_ns") -
			                  bo_json_time(clk, "monotonic_ns");
			r->have_log = 1;
			json_decref(r->header);
			r->header = json_incref(o);
		} else if (!strcmp(type, "stream") && r->have_log) {
			bo_addr a;
			const char *name = bo_json_str(o, "stream", "");
			int64_t iv = bo_json_time(o, "interval_ns");
			/* A stream type this analyzer does not know is left out. */
			const bo_stream_desc *d = bo_stream_by_name(name);
			an_stream *s = NULL;
			if (d && bo_addr_parse(bo_json_str(o, "target", ""), &a) == 0 && iv > 0)
				s = an_stream_add(r, d, &a, 1, iv);
			if (s) {
				s->inst.icmp_id = (uint16_t)bo_json_int(o, "icmp_id", 0);
				s->inst.ssid = (uint16_t)bo_json_int(o, "ssid", 0);
				s->phase = bo_json_time(o, "phase_ns");
				/* udp's fixed source port: a TWAMP-light reflector's replies (SSID
				 * 0) are matched by it */
				if (d->kind == BO_MATCH_STAMP && !(d->flags & BO_STREAM_NEW_FLOW))
					s->inst.local_port =
					        (uint16_t)bo_json_int(o, "local_port", 0);
				if (d->kind ==
				    BO_MATCH_STAMP) /* the guest's arrivals name the SSID */
					an_stream_index_id(r, s, s->inst.ssid);
			}
		} else if (!strcmp(type, "start") && r->have_log) {
			r->t0 = bo_json_time(o, "t0_monotonic_ns");
		} else if (!strcmp(type, "marker") && r->nmarkers < 10000) {
			if (r->nmarkers == r->marker_cap) {
				int cap = r->marker_cap ? r->marker_cap * 2 : 8;
				an_marker *n = realloc(r->markers, (size_t)cap * sizeof *n);
				if (n) {
					r->markers = n;
					r->marker_cap = cap;
				}
			}
			if (r->nmarkers < r->marker_cap) {
				an_marker *m = &r->markers[r->nmarkers++];
				m->ts = bo_json_time(o, "realtime_ns");
				bo_json_text(o, "kind", "?", m->kind, sizeof m->kind);
				bo_json_text(o, "label", "", m->label, sizeof m->label);
			}
		} else if (!strcmp(type, "status") || !strcmp(type, "end")) {
			json_t *cap = json_object_get(o, "capture");
			if (cap) {
				r->cap_dropped = (uint64_t)bo_json_int(cap, "dropped", 0);
				r->cap_ifdropped = (uint64_t)bo_json_int(cap, "if_dropped", 0);
			}
			if (!strcmp(type, "end")) {
				r->log_complete = 1;
				bo_json_text(o, "reason", "?", r->stop_reason,
				             sizeof r->stop_reason);
			}
		}
		json_decref(o);
	}
	fclose(f);
	if (!r->have_log) {
		snprintf(err, errlen, "%s/probe.jsonl has no header line", r->input);
		return -1;
	}
	return 0;
}

int an_read_lab(an_run *r, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	char path[4200];
	snprintf(path, sizeof path, "%s/lab.jsonl", r->input);
	FILE *f = bo_fs_open_regular(path);
	if (!f)
		return 0; /* not a lab run */
	json_t *o;
	long line = 0;
	int rc;
	while ((rc = bo_jsonl_next(f, MAX_LINE, &o, &line)) != 0) {
		if (rc < 0)
			continue;
		const char *type = bo_json_str(o, "type", "");
		if (!strcmp(type, "header")) {
			bo_json_text(o, "scenario", "?", r->lab_scenario, sizeof r->lab_scenario);
		} else if (!strcmp(type, "truth") && r->ntruth < 8) {
			an_truth *t = &r->truth[r->ntruth];
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
			r->ntruth++;
			r->have_lab = 1;
		}
	next:
		json_decref(o);
	}
	fclose(f);
	return 0;
}
