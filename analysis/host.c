/* SPDX-License-Identifier: Apache-2.0 */
/* The hypervisor's own account of its migrations beside the network's.
 *
 * Two inputs, told apart by their first byte:
 *  - blackout's host.jsonl (docs/analyze.md "Host events"): one {"type":"migration", ...} per
 *    line, written by blackout-lab for QEMU, by scripts/host-events-libvirt for libvirt, or by
 *    anyone: source, vm, target, mode, stop_ns, resume_ns, end_ns, downtime_ns, total_ns;
 *  - a Hyper-V export, `Get-WinEvent ... | ConvertTo-Json` of the VMMS-Admin events 20415 and
 *    20417: an array of events (or one), each with Id, TimeCreated (PowerShell 5's
 *    "/Date(ms)/" or an ISO 8601 time) and Properties, whose first insertion string is the
 *    VM's name and second the blackout time in seconds.
 *
 * Each migration is matched to each stream's outage that covers it (the one containing the
 * hypervisor's STOP when it says when, else the longest in the minute before the event), and
 * the report gives the hypervisor's downtime X, the network dark Y per stream, and Y - X: what
 * came after the vCPUs ran again (announce, relearn, quarantine).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "an.h"
#include "bo_err.h"
#include "bo_fs.h"
#include "bo_log.h"
#include "bo_time.h"
#include "bo_vocab.h"

#define HOST_MAX_BYTES (64u << 20) /* a Hyper-V export is read whole: bounded */
#define HOST_MAX_LINE 8192

static int add(an_run *r, const an_host_mig *m)
{
	if (r->in.nhost >= AN_MAX_HOST) {
		r->in.host_dropped++;
		return 0;
	}
	if (r->in.nhost == r->in.host_cap) {
		int cap = r->in.host_cap ? r->in.host_cap * 2 : 16;
		an_host_mig *n = realloc(r->in.host, (size_t)cap * sizeof *n);
		if (!n)
			return BO_ENOMEM;
		r->in.host = n, r->in.host_cap = cap;
	}
	r->in.host[r->in.nhost++] = *m;
	return 0;
}

static void blank(an_host_mig *m)
{
	memset(m, 0, sizeof *m);
	m->downtime = m->total = -1;
	for (int i = 0; i < AN_HOST_STREAMS; i++)
		m->outage[i] = -1;
}

/* A duration field that may be absent (-1). */
static int64_t dur(const json_t *o, const char *key)
{
	return json_object_get(o, key) ? bo_json_time(o, key) : -1;
}

/* A host's facts: {"type":"host", "host", "build", "send_lm_network_change_indication",
 * "fixed"}; "fixed" as the script judged it, else from the build (14393.2395 or later on
 * Server 2016's line, any later line) and the value being 0. */
static void host_fact(an_run *r, const json_t *o)
{
	if (r->in.nhost_facts == (int)(sizeof r->in.host_facts / sizeof r->in.host_facts[0]))
		return;
	struct an_host_fact *h = &r->in.host_facts[r->in.nhost_facts];
	bo_json_text(o, "host", "", h->host, sizeof h->host);
	if (!h->host[0])
		return;
	const json_t *fx = json_object_get(o, "fixed");
	if (json_is_boolean(fx)) {
		h->fixed = json_is_true(fx);
	} else {
		long major = 0, ubr = 0;
		const char *b = bo_json_str(o, "build", "");
		int ok = sscanf(b, "%ld.%ld", &major, &ubr) == 2;
		h->fixed = ok && (major > 14393 || (major == 14393 && ubr >= 2395)) &&
		           bo_json_int(o, "send_lm_network_change_indication", 1) == 0;
	}
	r->in.nhost_facts++;
}

static void from_line(an_run *r, const json_t *o)
{
	if (bo_lab_parse(bo_json_str(o, "type", "")) == BO_LAB_HOST) {
		host_fact(r, o);
		return;
	}
	if (bo_lab_parse(bo_json_str(o, "type", "")) != BO_LAB_MIGRATION)
		return;
	an_host_mig m;
	blank(&m);
	bo_json_text(o, "source", "host", m.source, sizeof m.source);
	bo_json_text(o, "vm", "", m.vm, sizeof m.vm);
	bo_json_text(o, "mode", "", m.mode, sizeof m.mode);
	bo_json_text(o, "from_host", "", m.from_host, sizeof m.from_host);
	bo_json_text(o, "to_host", "", m.to_host, sizeof m.to_host);
	char t[64];
	bo_json_text(o, "target", "", t, sizeof t);
	m.have_target = t[0] && bo_addr_parse(t, &m.target) == 0;
	m.stop = bo_json_time(o, "stop_ns");
	m.resume = bo_json_time(o, "resume_ns");
	m.end = bo_json_time(o, "end_ns");
	m.downtime = dur(o, "downtime_ns");
	m.total = dur(o, "total_ns");
	if (!m.stop && !m.end) {
		r->in.host_bad++; /* no time to place it by */
		return;
	}
	add(r, &m);
}

/* PowerShell's TimeCreated: "/Date(1764589020123)/" (5.1) or "2026-12-01T11:13:40.12+00:00". */
static int64_t ps_time(const json_t *v)
{
	const char *s = json_string_value(v);
	if (!s) /* PowerShell 7 may give an object with a "DateTime" or "value" member */
		s = json_string_value(json_object_get(v, "value"));
	if (!s)
		return 0;
	long long ms;
	if (sscanf(s, "/Date(%lld", &ms) == 1 || sscanf(s, "\\/Date(%lld", &ms) == 1)
		return ms > 0 && ms < BO_TIME_MAX / 1000000 ? ms * 1000000 : 0;
	struct tm tm = {0};
	char frac[16] = "", zone[8] = "";
	int n = sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%15[.0-9]%7s", &tm.tm_year, &tm.tm_mon,
	               &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, frac, zone);
	if (n < 6)
		return 0;
	if (n == 7 && frac[0] != '.') { /* no fraction: the zone came in its place */
		snprintf(zone, sizeof zone, "%s", frac);
		frac[0] = 0;
	}
	int64_t secs = bo_time_utc_seconds(tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min,
	                                   tm.tm_sec);
	if (secs <= 0)
		return 0;
	int64_t ns = secs * BO_NS_PER_S;
	if (frac[0] == '.') {
		int64_t scale = BO_NS_PER_S / 10;
		for (const char *p = frac + 1; *p && scale; p++, scale /= 10)
			ns += (*p - '0') * scale;
	}
	int zh, zm;
	char sign;
	if (sscanf(zone, "%c%2d:%2d", &sign, &zh, &zm) == 3 && (sign == '+' || sign == '-'))
		ns -= (sign == '+' ? 1 : -1) * ((int64_t)zh * 3600 + zm * 60) * BO_NS_PER_S;
	return ns;
}

/* "0.5" or, where Windows writes decimals with a comma, "0,5": seconds to ns; -1 if not one. */
static int64_t seconds(const json_t *v)
{
	char buf[32];
	if (json_is_number(v))
		snprintf(buf, sizeof buf, "%.6f", json_number_value(v));
	else if (json_is_string(v))
		snprintf(buf, sizeof buf, "%s", json_string_value(v));
	else
		return -1;
	for (char *p = buf; *p; p++)
		if (*p == ',')
			*p = '.';
	char *end;
	double s = strtod(buf, &end);
	if (end == buf || s < 0 || s > 86400)
		return -1;
	return (int64_t)(s * 1e9 + 0.5);
}

static void from_hyperv(an_run *r, const json_t *ev)
{
	json_int_t id = json_integer_value(json_object_get(ev, "Id"));
	if (id != 20415 && id != 20417)
		return; /* other events of the log are not migrations' */
	json_t *props = json_object_get(ev, "Properties");
	an_host_mig m;
	blank(&m);
	snprintf(m.source, sizeof m.source, "hyperv");
	snprintf(m.mode, sizeof m.mode, "%s", id == 20417 ? "unexpectedly-long" : "");
	m.event_id = (int)id;
	const char *vm = json_string_value(json_object_get(json_array_get(props, 0), "Value"));
	bo_text_clean(m.vm, sizeof m.vm, vm ? vm : "");
	const char *by = json_string_value(json_object_get(ev, "MachineName"));
	bo_text_clean(m.logged_by, sizeof m.logged_by, by ? by : "");
	m.downtime = seconds(json_object_get(json_array_get(props, 1), "Value"));
	m.end = ps_time(json_object_get(ev, "TimeCreated"));
	if (!m.end || m.downtime < 0) {
		r->in.host_bad++;
		return;
	}
	add(r, &m);
}

static void parse_hyperv(an_run *r, const char *buf, size_t len)
{
	json_t *doc = json_loadb(buf, len, 0, NULL);
	if (!doc) {
		r->in.host_bad++;
		return;
	}
	if (json_is_object(doc)) {
		from_hyperv(r, doc);
	} else {
		size_t i;
		json_t *ev;
		json_array_foreach(doc, i, ev) from_hyperv(r, ev);
	}
	json_decref(doc);
}

int an_host_parse(an_run *r, const char *buf, size_t len)
{
	size_t i = len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3) ? 3 : 0; /* PowerShell's BOM */
	if ((len >= 2 && ((unsigned char)buf[0] == 0xff || (unsigned char)buf[0] == 0xfe)) ||
	    (len >= 2 && (!buf[0] || !buf[1])))
		return BO_EINVAL; /* UTF-16 */
	while (i < len && isspace((unsigned char)buf[i]))
		i++;
	if (i < len && buf[i] == '[') {
		parse_hyperv(r, buf + i, len - i);
		return 0;
	}
	/* JSON lines; a line that is no object alone may be a pretty-printed Hyper-V event */
	int objects = 0;
	uint64_t bad = 0;
	while (i < len) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (buf + i)) : len - i;
		json_t *o = n <= HOST_MAX_LINE ? json_loadb(buf + i, n, 0, NULL) : NULL;
		if (o && json_is_object(o)) {
			objects++;
			if (json_object_get(o, "Id") && json_object_get(o, "Properties"))
				from_hyperv(r, o);
			else
				from_line(r, o);
		} else {
			size_t k = 0; /* a line of blanks is no record; anything else, a bad one */
			while (k < n &&
			       (buf[i + k] == ' ' || buf[i + k] == '\t' || buf[i + k] == '\r'))
				k++;
			bad += k < n;
		}
		json_decref(o);
		i += n + 1;
	}
	if (!objects && bad) {
		int nb = r->in.nhost;
		uint64_t hb = r->in.host_bad;
		parse_hyperv(r, buf, len);
		if (r->in.nhost > nb)
			return 0;
		r->in.host_bad = hb;
	}
	r->in.host_bad += bad;
	return 0;
}

int an_read_host(an_run *r, const char *path)
{
	char def[4200];
	int given = path != NULL;
	if (!path) {
		if (!r->in.is_dir)
			return 0;
		snprintf(def, sizeof def, "%s/host.jsonl", r->in.input);
		path = def;
	}
	FILE *f = bo_fs_open_regular(path);
	if (!f) {
		if (given)
			fprintf(stderr, "blackout-analyze: cannot read host events %s\n", path);
		return given ? -1 : 0;
	}
	char *buf = malloc(HOST_MAX_BYTES + 1);
	size_t n = buf ? fread(buf, 1, HOST_MAX_BYTES + 1, f) : 0;
	fclose(f);
	int rc = 0;
	if (!buf) {
		rc = BO_ENOMEM;
	} else if (n > HOST_MAX_BYTES) {
		fprintf(stderr,
		        "blackout-analyze: %s is larger than %u MiB: host events not read\n", path,
		        HOST_MAX_BYTES >> 20);
		rc = given ? -1 : 0;
	} else if (an_host_parse(r, buf, n) != 0) {
		fprintf(stderr,
		        "blackout-analyze: %s is UTF-16 (PowerShell's `>`): save it with `Out-File "
		        "-Encoding utf8` (docs/analyze.md)\n",
		        path);
		rc = -1;
	} else {
		snprintf(r->in.host_path, sizeof r->in.host_path, "%s", path);
		r->in.have_host = 1;
		if (r->in.host_bad || r->in.host_dropped)
			fprintf(stderr,
			        "blackout-analyze: warning: %s: %llu records unreadable, %llu "
			        "beyond "
			        "%d not read\n",
			        path, (unsigned long long)r->in.host_bad,
			        (unsigned long long)r->in.host_dropped, AN_MAX_HOST);
	}
	free(buf);
	return rc;
}

/* The stream's outage this migration made, or -1: the one holding the hypervisor's stop (from
 * a second before the stop to a second after the resume), else the longest ending in the
 * minute before the event was logged (a Hyper-V event follows the migration). */
static int match(const an_stream *s, const an_host_mig *m)
{
	int best = -1;
	for (int k = 0; k < s->noutages; k++) {
		const an_outage *o = &s->outages[k];
		int64_t lo = o->start_lo ? o->start_lo : o->first_lost;
		int64_t hi = o->end_hi ? o->end_hi : o->last_lost;
		int in;
		if (m->stop) {
			int64_t resume = m->resume > m->stop ? m->resume : m->stop;
			in = lo <= resume + BO_NS_PER_S && hi >= m->stop - BO_NS_PER_S &&
			     lo <= m->stop + BO_NS_PER_S;
		} else {
			in = lo <= m->end && lo >= m->end - 60 * BO_NS_PER_S;
		}
		if (!in)
			continue;
		if (best < 0)
			best = k;
		else if (m->stop ? llabs(lo - m->stop) < llabs(s->outages[best].start_lo - m->stop)
		                 : o->duration > s->outages[best].duration)
			best = k;
	}
	return best;
}

void an_host_match(an_run *r)
{
	for (int i = 0; i < r->in.nhost;
	     i++) { /* the destination's fix, where its facts are known */
		an_host_mig *m = &r->in.host[i];
		m->to_fixed = -1;
		for (int k = 0; k < r->in.nhost_facts && m->to_host[0]; k++)
			if (!strcmp(r->in.host_facts[k].host, m->to_host))
				m->to_fixed = r->in.host_facts[k].fixed;
	}
	for (int i = 0; i < r->in.nhost; i++) {
		an_host_mig *m = &r->in.host[i];
		for (int k = 0; k < r->eng.nstreams && k < AN_HOST_STREAMS; k++) {
			const an_stream *s = &r->eng.streams[k];
			if (m->have_target && !bo_addr_eq(&m->target, &s->target))
				continue;
			m->outage[k] = match(s, m);
		}
	}
}

/* The longest dark matched to m, its stream in *stream; -1 when none. */
int64_t an_host_dark(const an_run *r, const an_host_mig *m, int *stream)
{
	int64_t best = -1;
	for (int k = 0; k < r->eng.nstreams && k < AN_HOST_STREAMS; k++)
		if (m->outage[k] >= 0 && r->eng.streams[k].outages[m->outage[k]].duration > best) {
			best = r->eng.streams[k].outages[m->outage[k]].duration;
			if (stream)
				*stream = k;
		}
	return best;
}
