/* SPDX-License-Identifier: Apache-2.0 */
/* Migration events for fleets: --records, one line per event (an_event_json, event_json.c),
 * the form ClickHouse, Elasticsearch or Loki ingest, and a Prometheus textfile (--prom) for
 * node_exporter's textfile collector. Formats in docs/formats.md. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "an.h"
#include "bo_fs.h"
#include "bo_log.h"
#include "bo_time.h"

#define RECORD_SCHEMA "blackout.migration/3" /* 3: evidence; 2: resume_kind a code */

/* What the run says of itself and its guests, for every record. */
static json_t *run_facts(const an_run *r)
{
	json_t *sys = json_object_get(r->in.header, "system");
	const char *host = json_string_value(json_object_get(sys, "hostname"));
	char clean[256];
	json_t *f = json_object();
	json_object_set_new(f, "run_id",
	                    r->in.have_log ? json_integer((json_int_t)r->in.run_id) : json_null());
	json_object_set_new(f, "run", json_string(bo_text_clean(clean, sizeof clean, r->in.input)));
	json_object_set_new(f, "probe_host",
	                    host ? json_string(bo_text_clean(clean, sizeof clean, host))
	                         : json_null());
	return f;
}

json_t *an_event_record(const an_run *r, int i)
{
	const an_event *ev = &r->res.events[i];
	json_t *e = an_event_json(r, i);
	json_t *facts = run_facts(r);
	json_object_set_new(e, "schema", json_string(RECORD_SCHEMA));
	json_object_update(e, facts);
	json_decref(facts);
	/* the guest's own facts: its responder's start event (version, OS, checks) */
	json_t *g = json_null();
	const char *target = r->eng.streams[ev->stream0].target_str;
	for (int k = 0; k < r->in.nguest_facts; k++)
		if (!strcmp(bo_json_str(r->in.guest_facts[k], "target", ""), target))
			g = json_incref(r->in.guest_facts[k]);
	json_object_set_new(e, "guest", g);
	/* the hosts it went between: the hypervisor's account, else the guest's KVP */
	const an_host_mig *m = ev->host >= 0 ? &r->in.host[ev->host] : NULL;
	const char *from, *to;
	an_event_hosts(r, ev, &from, &to);
	json_object_set_new(e, "source_host", an_json_str(from));
	json_object_set_new(e, "destination_host", an_json_str(to));
	/* the destination host's fix, where host facts said (Get-BlackoutHostFacts.ps1) */
	json_object_set_new(e, "destination_fixed",
	                    !m || m->to_fixed < 0 ? json_null() : json_boolean(m->to_fixed));
	return e;
}

int an_write_records(const an_run *r, const char *path)
{
	bo_log log;
	int rc = bo_log_open(&log, path, 1); /* appended, never through a link */
	if (rc != 0) {
		fprintf(stderr, "blackout-analyze: cannot append to %s: %s\n", path, strerror(-rc));
		return -1;
	}
	for (int i = 0; i < r->res.nevents; i++)
		if (r->res.events[i].kind == AN_EV_MIGRATION)
			bo_log_put(&log, an_event_record(r, i));
	rc = bo_log_close(&log);
	if (rc != 0)
		fprintf(stderr, "blackout-analyze: cannot write %s: %s\n", path, strerror(-rc));
	return rc ? -1 : 0;
}

/* Prometheus' text format, for node_exporter's textfile collector (no timestamps). The file
 * accumulates over runs written to the same path: counters and the histogram add up, and each
 * target's last migration replaces its earlier lines. Label values here are addresses, stream
 * and verdict names (no quote, backslash or newline can occur in them). */
static const double buckets[] = {0.1, 0.3, 1, 3, 5, 7, 10, 15, 30, 60};
#define NBUCKETS (sizeof buckets / sizeof buckets[0])
#define PROM_MAX_LINES 20000 /* samples in the file (1000 targets x 6 streams fit) */

typedef struct prom_line {
	char key[160]; /* metric{labels} */
	double v;
} prom_line;

typedef struct prom {
	prom_line *l;
	int n, cap;
	unsigned long dropped; /* samples beyond PROM_MAX_LINES */
} prom;

static prom_line *prom_get(prom *p, const char *key)
{
	for (int i = 0; i < p->n; i++)
		if (!strcmp(p->l[i].key, key))
			return &p->l[i];
	if (p->n == p->cap) {
		int cap = p->cap ? p->cap * 2 : 64;
		if (cap > PROM_MAX_LINES) {
			p->dropped++;
			return NULL;
		}
		prom_line *n = realloc(p->l, (size_t)cap * sizeof *n);
		if (!n)
			return NULL;
		p->l = n, p->cap = cap;
	}
	prom_line *l = &p->l[p->n++];
	snprintf(l->key, sizeof l->key, "%s", key);
	l->v = 0;
	return l;
}

static void prom_set(prom *p, const char *key, double v, int add)
{
	prom_line *l = prom_get(p, key);
	if (l)
		l->v = add ? l->v + v : v;
}

/* The earlier file's samples of ours; anything else in it is not kept. */
static void prom_read(prom *p, const char *path)
{
	FILE *f = bo_fs_open_regular(path);
	char line[512], key[160];
	double v;
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "blackout_", 9) && sscanf(line, "%159s %lf", key, &v) == 2)
			prom_set(p, key, v, 0);
	if (f)
		fclose(f);
}

/* Drops the earlier lines of one metric for one target: its last migration is this run's. */
static void prom_forget(prom *p, const char *metric, const char *target)
{
	char pre[128];
	snprintf(pre, sizeof pre, "%s{target=\"%s\",", metric, target);
	for (int i = 0; i < p->n; i++)
		if (!strncmp(p->l[i].key, pre, strlen(pre)))
			p->l[i] = p->l[--p->n], i--;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const prom_line *)a)->key, ((const prom_line *)b)->key);
}

static void prom_emit(FILE *f, prom *p, const char *metric, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", metric, help, metric, type);
	size_t n = strlen(metric);
	for (int i = 0; i < p->n; i++) {
		const char *k = p->l[i].key;
		if (!strncmp(k, metric, n) && (k[n] == '{' || k[n] == ' ' || !k[n] ||
		                               (!strcmp(type, "histogram") && k[n] == '_')))
			fprintf(f, "%s %.15g\n", k, p->l[i].v);
	}
}

static int last_of_target(const an_run *r, int i)
{
	const an_event *e = &r->res.events[i];
	if (e->kind != AN_EV_MIGRATION)
		return 0;
	for (int k = i + 1; k < r->res.nevents; k++)
		if (r->res.events[k].kind == AN_EV_MIGRATION &&
		    r->res.events[k].stream0 == e->stream0)
			return 0;
	return 1;
}

int an_write_prom(const an_run *r, const char *path)
{
	prom p = {0};
	char key[160];
	prom_read(&p, path);
	int counts[AN_NVERDICTS];
	an_event_counts(r, counts);
	for (int v = 0; v < AN_NVERDICTS; v++) {
		snprintf(key, sizeof key, "blackout_migrations_total{verdict=\"%s\"}",
		         an_verdict_names[v]);
		prom_set(&p, key, counts[v], 1);
	}
	for (int i = 0; i < r->res.nevents; i++) {
		const an_event *e = &r->res.events[i];
		if (!last_of_target(r, i))
			continue;
		const char *t = r->eng.streams[e->stream0].target_str;
		prom_forget(&p, "blackout_last_dark_seconds", t);
		prom_forget(&p, "blackout_last_verdict", t);
		for (int k = 0; k < e->nparts; k++) {
			const an_stream *s = &r->eng.streams[e->parts[k].stream];
			snprintf(key, sizeof key,
			         "blackout_last_dark_seconds{target=\"%s\",stream=\"%s\"}", t,
			         s->name);
			prom_set(&p, key, (double)s->outages[e->parts[k].outage].duration / 1e9, 0);
		}
		snprintf(key, sizeof key, "blackout_last_verdict{target=\"%s\",verdict=\"%s\"}", t,
		         an_verdict_names[e->j.verdict]);
		prom_set(&p, key, 1, 0);
	}
	for (int i = 0; i < r->res.nevents; i++) {
		const an_event *e = &r->res.events[i];
		if (e->kind != AN_EV_MIGRATION)
			continue;
		double d = (double)r->eng.streams[e->main_stream].outages[e->main_outage].duration /
		           1e9;
		for (size_t b = 0; b < NBUCKETS; b++) {
			snprintf(key, sizeof key, "blackout_dark_seconds_bucket{le=\"%g\"}",
			         buckets[b]);
			prom_set(&p, key, d <= buckets[b], 1);
		}
		prom_set(&p, "blackout_dark_seconds_bucket{le=\"+Inf\"}", 1, 1);
		prom_set(&p, "blackout_dark_seconds_sum", d, 1);
		prom_set(&p, "blackout_dark_seconds_count", 1, 1);
	}
	/* every bucket present even before the first migration */
	for (size_t b = 0; b < NBUCKETS; b++) {
		snprintf(key, sizeof key, "blackout_dark_seconds_bucket{le=\"%g\"}", buckets[b]);
		prom_set(&p, key, 0, 1);
	}
	prom_set(&p, "blackout_dark_seconds_bucket{le=\"+Inf\"}", 0, 1);
	prom_set(&p, "blackout_dark_seconds_sum", 0, 1);
	prom_set(&p, "blackout_dark_seconds_count", 0, 1);
	prom_set(&p, "blackout_last_run_end_seconds", (double)r->eng.last_ts / 1e9, 0);
	qsort(p.l, (size_t)p.n, sizeof *p.l, by_key);
	/* buckets in the order of their bounds, as the format asks */
	for (int i = 0; i < p.n; i++)
		for (int k = i + 1; k < p.n; k++) {
			double a, b;
			if (sscanf(p.l[i].key, "blackout_dark_seconds_bucket{le=\"%lf", &a) == 1 &&
			    sscanf(p.l[k].key, "blackout_dark_seconds_bucket{le=\"%lf", &b) == 1 &&
			    b < a) {
				prom_line tmp = p.l[i];
				p.l[i] = p.l[k], p.l[k] = tmp;
			}
		}
	bo_fs_out o;
	if (bo_fs_out_open(&o, path) != 0) {
		fprintf(stderr, "blackout-analyze: cannot write %s: %s\n", path, strerror(errno));
		free(p.l);
		return -1;
	}
	prom_emit(o.f, &p, "blackout_migrations_total", "counter",
	          "Migration events analysed, per verdict.");
	prom_emit(o.f, &p, "blackout_last_dark_seconds", "gauge",
	          "Dark time of each stream in the target's last migration event.");
	prom_emit(o.f, &p, "blackout_last_verdict", "gauge",
	          "The verdict of the target's last migration event (1).");
	prom_emit(o.f, &p, "blackout_dark_seconds", "histogram",
	          "Dark time of the migration events (their longest stream).");
	prom_emit(o.f, &p, "blackout_last_run_end_seconds", "gauge",
	          "When the last analysed run's capture ended (Unix time).");
	free(p.l);
	if (p.dropped)
		fprintf(stderr,
		        "blackout-analyze: warning: %s: %lu samples beyond %d left out (one file "
		        "per "
		        "fleet of up to about 2000 targets)\n",
		        path, p.dropped, PROM_MAX_LINES);
	if (bo_fs_out_commit(&o) != 0) {
		fprintf(stderr, "blackout-analyze: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}
