/* SPDX-License-Identifier: Apache-2.0 */
/* `blackout-analyze compare`: many runs in labelled groups (before / after a fix). Per group the
 * verdict counts and the median, 95th percentile and maximum blackout per stream; between the
 * first and the last group a Mann-Whitney rank test (stats.c) on each run's blackout (its
 * longest outage) and a one-line conclusion; gates for a pipeline (--fail-if, --max-blackout).
 * The outputs are compare_report.c's. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bo_cli.h"
#include "bo_fs.h"
#include "bo_log.h"
#include "bo_time.h"
#include "compare.h"

static const char *dur(int64_t ns, char *buf)
{
	return bo_dur_str(ns, buf, 32);
}

/* The index of a stream type in c->names, added when new; -1 past CMP_MAX_NAMES. */
static int name_index(cmp_result *c, const bo_stream_desc *d)
{
	int k;
	for (k = 0; k < c->nnames && c->names[k] != d; k++)
		;
	if (k == c->nnames) {
		if (k == CMP_MAX_NAMES)
			return -1;
		c->names[c->nnames++] = d;
	}
	return k;
}

typedef struct samples {
	cmp_run *v;
	int *group;
	int n, cap;
	uint64_t dropped;
} samples;

static cmp_run *add_sample(samples *s, int group)
{
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 64;
		if (cap > CMP_MAX_SAMPLES) {
			s->dropped++;
			return NULL;
		}
		cmp_run *v = realloc(s->v, (size_t)cap * sizeof *v);
		int *g = v ? realloc(s->group, (size_t)cap * sizeof *g) : NULL;
		if (v)
			s->v = v;
		if (!g)
			return NULL;
		s->group = g, s->cap = cap;
	}
	s->group[s->n] = group;
	cmp_run *r = &s->v[s->n++];
	memset(r, 0, sizeof *r);
	for (int k = 0; k < CMP_MAX_NAMES; k++)
		r->per_stream[k] = -1;
	return r;
}

/* A records file (--records): a sample per line. 1 when input is one (read), 0 when not. */
static int read_records(const char *input, int group, cmp_result *c, samples *out)
{
	FILE *f = bo_fs_open_regular(input);
	if (!f)
		return 0;
	json_t *o;
	long line = 0;
	int rc, n = 0;
	while ((rc = bo_jsonl_next(f, 1 << 20, &o, &line)) != 0) {
		if (rc < 0)
			continue;
		/* every major so far: what compare reads kept its meaning */
		const char *schema = bo_json_str(o, "schema", "");
		if (strcmp(schema, "blackout.migration/1") != 0 &&
		    strcmp(schema, "blackout.migration/2") != 0 &&
		    strcmp(schema, "blackout.migration/3") != 0) {
			json_decref(o);
			if (n == 0) { /* not a records file: a capture, read as a run */
				fclose(f);
				return 0;
			}
			continue;
		}
		cmp_run *sm = add_sample(out, group);
		if (!sm) {
			json_decref(o);
			break;
		}
		n++;
		sm->input = input;
		sm->event = (int)bo_json_int(o, "id", 0);
		sm->verdict = an_verdict_parse(bo_json_str(o, "verdict", ""));
		if (sm->verdict < 0)
			sm->verdict = AN_V_ANOMALOUS;
		bo_json_text(o, "target", "", sm->target, sizeof sm->target);
		bo_json_text(o, "probe_host", "", sm->host, sizeof sm->host);
		bo_json_text(o, "destination_host", "", sm->dest, sizeof sm->dest);
		sm->blackout = bo_json_time(o, "dark_ns");
		const json_t *fx = json_object_get(o, "destination_fixed");
		sm->fixed = json_is_boolean(fx) ? json_is_true(fx) : -1;
		size_t i;
		json_t *p;
		json_array_foreach(json_object_get(o, "streams"), i, p)
		{
			const bo_stream_desc *d = bo_stream_by_name(bo_json_str(p, "stream", ""));
			int k = d ? name_index(c, d) : -1;
			int64_t dur = bo_json_time(p, "duration_ns");
			if (k >= 0 && dur > sm->per_stream[k])
				sm->per_stream[k] = dur;
			sm->open |=
			        json_is_null(json_object_get(p, "end_hi_ns")); /* dark at the end */
		}
		json_decref(o);
	}
	fclose(f);
	return 1;
}

/* One run read and judged: a sample per migration event (a run without one is one sample,
 * its own verdict); the stream types seen join c->names. */
static int summarize(const char *input, int group, const an_settings *set, const bo_stamp_key *key,
                     cmp_result *c, samples *out)
{
	size_t len = strlen(input);
	if (len > 6 && !strcmp(input + len - 6, ".jsonl") && read_records(input, group, c, out))
		return 0;
	an_run r;
	int rc = an_load(&r, input, set, key, NULL, NULL);
	if (rc == 0) {
		const char *host = json_string_value(
		        json_object_get(json_object_get(r.in.header, "system"), "hostname"));
		int events = 0;
		for (int i = 0; i < r.res.nevents; i++) {
			const an_event *e = &r.res.events[i];
			if (e->kind != AN_EV_MIGRATION)
				continue;
			cmp_run *sm = add_sample(out, group);
			if (!sm)
				break;
			events++;
			sm->input = input, sm->event = i + 1, sm->verdict = e->j.verdict;
			sm->fixed = e->host >= 0 ? r.in.host[e->host].to_fixed : -1;
			snprintf(sm->target, sizeof sm->target, "%s",
			         r.eng.streams[e->stream0].target_str);
			const char *from, *dest;
			an_event_hosts(&r, e, &from, &dest);
			bo_text_clean(sm->dest, sizeof sm->dest, dest);
			bo_text_clean(sm->host, sizeof sm->host, host ? host : "");
			for (int k = 0; k < e->nparts; k++) {
				const an_stream *st = &r.eng.streams[e->parts[k].stream];
				int64_t d = st->outages[e->parts[k].outage].duration;
				int n = name_index(c, st->desc);
				if (n >= 0 && d > sm->per_stream[n])
					sm->per_stream[n] = d;
			}
			/* the longest, "at least" when still dark at the end */
			sm->open = an_event_dark(&r, e, &sm->blackout);
		}
		cmp_run *sm = events ? NULL : add_sample(out, group);
		if (sm) { /* no migration seen: the run as one sample */
			sm->input = input, sm->verdict = r.res.verdict;
			sm->fixed = -1;
			snprintf(sm->target, sizeof sm->target, "%s",
			         r.eng.nstreams ? r.eng.streams[0].target_str : "");
			bo_text_clean(sm->host, sizeof sm->host, host ? host : "");
			for (int i = 0; i < r.eng.nstreams; i++) {
				int n = name_index(c, r.eng.streams[i].desc);
				const an_outage *o = an_stream_longest(&r.eng.streams[i]);
				int64_t d = o ? o->duration : 0;
				if (n >= 0 && d > sm->per_stream[n])
					sm->per_stream[n] = d;
				if (d > sm->blackout)
					sm->blackout = d;
			}
		}
	}
	an_run_free(&r);
	return rc;
}

/* Verdict counts, medians, the rank test, the conclusion. */
static void figures(cmp_result *c, const an_settings *set)
{
	char d1[32], d2[32], d3[32];
	c->top = 1;
	for (int gi = 0; gi < c->ng; gi++) {
		cmp_group *g = &c->g[gi];
		for (int i = 0; i < g->n; i++)
			g->counts[g->runs[i].verdict]++;
		int64_t *v = malloc(((size_t)g->n + 1) * sizeof *v);
		for (int i = 0; v && i < g->n; i++) {
			v[i] = g->runs[i].blackout;
			c->top = v[i] > c->top ? v[i] : c->top;
		}
		if (v)
			an_sort64(v, g->n);
		g->median = v ? an_quantile(v, g->n, 0.5) : 0;
		free(v);
	}
	cmp_group *first = &c->g[0], *last = &c->g[c->ng - 1];
	c->p = NAN;
	c->u = 0;
	c->best_p =
	        c->ng >= 2 && first->n && last->n ? an_mann_whitney_best_p(first->n, last->n) : NAN;
	c->need = 0;
	for (int n = 2; n <= 50 && !c->need; n++)
		if (an_mann_whitney_best_p(n, n) < 0.05)
			c->need = n;
	if (c->ng >= 2 && first->n && last->n) {
		int64_t *a = malloc((size_t)first->n * sizeof *a),
		        *b = malloc((size_t)last->n * sizeof *b);
		for (int i = 0; a && i < first->n; i++)
			a[i] = first->runs[i].blackout;
		for (int i = 0; b && i < last->n; i++)
			b[i] = last->runs[i].blackout;
		if (a && b)
			c->p = an_mann_whitney(a, first->n, b, last->n, &c->u);
		free(a);
		free(b);
	}
	if (c->ng >= 2) {
		int b = first->counts[AN_V_QUARANTINE_TIMEOUT],
		    a = last->counts[AN_V_QUARANTINE_TIMEOUT];
		const char *what = a == 0 && b > 0 && c->p < 0.05 ? "fix effective"
		                   : a == 0 && b > 0 ? "fix looks effective, not yet significant"
		                   : a > 0 && a < b  ? "fix partly effective"
		                   : a > 0           ? "fix not effective"
		                                     : "no run hit the safety timeout";
		snprintf(c->conclusion, sizeof c->conclusion,
		         "%s: %d/%d migrations hit the %s timeout (%s), %d/%d (%s); median "
		         "blackout %s -> %s (Mann-Whitney p = %.2g)",
		         what, a, last->n, dur(set->timeout, d3), last->name, b, first->n,
		         first->name, dur(first->median, d1), dur(last->median, d2), c->p);
		if (c->best_p >= 0.05) {
			size_t len = strlen(c->conclusion);
			snprintf(c->conclusion + len, sizeof c->conclusion - len,
			         "; %d against %d migrations cannot reach p < 0.05 (at best p = "
			         "%.2g): "
			         "%d in each group can",
			         first->n, last->n, c->best_p, c->need);
		}
	} else {
		const int *n = first->counts;
		snprintf(
		        c->conclusion, sizeof c->conclusion,
		        "%d migrations: %d hit the %s timeout, %d normal quarantine, %d switchover "
		        "only, %d without blackout, %d anomalous; median blackout %s",
		        first->n, n[AN_V_QUARANTINE_TIMEOUT], dur(set->timeout, d3),
		        n[AN_V_QUARANTINE_NORMAL], n[AN_V_SWITCHOVER], n[AN_V_NO_BLACKOUT],
		        n[AN_V_ANOMALOUS], dur(first->median, d1));
	}
}

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: blackout-analyze compare [OPTIONS] [--group LABEL] RUN... [--group LABEL "
	        "RUN...]...\n"
	        "       (a RUN may also be a records file, FILE.jsonl, from --records)\n"
	        "\n"
	        "Compares migrations in groups (e.g. before and after a fix): every migration "
	        "event\n"
	        "of every run is a sample (a run without one counts once). Verdict counts,\n"
	        "median / p95 / max blackout per stream and group, a Mann-Whitney rank test "
	        "between\n"
	        "the first and the last group, and a one-line conclusion.\n"
	        "\n"
	        "  -g, --group LABEL        the runs after it form a group (default label: all)\n"
	        "      --by target|host|destination|fix|label\n"
	        "                           split each group by the migrations' target, the\n"
	        "                           probe's host, the host migrated to (the hypervisor's\n"
	        "                           record, else the guest's Hyper-V KVP values), or\n"
	        "                           whether the destination host had the fix (host\n"
	        "                           facts; default: label, no split)\n"
	        "      --markdown           print Markdown tables (for a benchmark report)\n"
	        "  -j, --json FILE          write the comparison as JSON (- for standard output)\n"
	        "      --html FILE          write an HTML page with the blackout CDF per group\n"
	        "      --fail-if VERDICT[,...]\n"
	        "                           exit 3 if a migration of the last group has this\n"
	        "                           verdict (a suffix will do: safety-timeout); "
	        "repeatable\n"
	        "      --max-blackout DUR   exit 3 if a migration of the last group was dark "
	        "longer\n"
	        "                           (or still dark when its capture ended)\n"
	        "      --normal DUR, --timeout DUR, --switchover DUR, --reply-timeout DUR, --tz "
	        "ZONE,\n"
	        "      --stamp-key FILE\n"
	        "                           as for a single run\n"
	        "  -q, --quiet              only the conclusion line\n"
	        "  -h, --help               this text\n"
	        "\n"
	        "Exit status: 0 compared (gates passed), 1 a run could not be read, 2 usage "
	        "error,\n"
	        "3 a gate failed.\n");
}

int an_compare(int argc, char **argv, const an_settings *set0, const bo_stamp_key *key0)
{
	static const struct option opts[] = {{"group", required_argument, 0, 'g'},
	                                     {"markdown", no_argument, 0, 'M'},
	                                     {"json", required_argument, 0, 'j'},
	                                     {"html", required_argument, 0, 'H'},
	                                     {"fail-if", required_argument, 0, 'F'},
	                                     {"max-blackout", required_argument, 0, 'X'},
	                                     {"normal", required_argument, 0, 'N'},
	                                     {"timeout", required_argument, 0, 'T'},
	                                     {"reply-timeout", required_argument, 0, 'R'},
	                                     {"switchover", required_argument, 0, 'S'},
	                                     {"tz", required_argument, 0, 'Z'},
	                                     {"stamp-key", required_argument, 0, 'K'},
	                                     {"quiet", no_argument, 0, 'q'},
	                                     {"by", required_argument, 0, 'B'},
	                                     {"help", no_argument, 0, 'h'},
	                                     {0, 0, 0, 0}};
	an_settings set = *set0;
	bo_stamp_key key = *key0;
	static cmp_result cr;
	memset(&cr, 0, sizeof cr);
	cmp_group *g = cr.g;
	static const char *runs[CMP_MAX_RUNS];
	static int run_group[CMP_MAX_RUNS];
	int nruns = 0, ng = 0, markdown = 0, quiet = 0, c;
	const char *json_path = NULL, *html_path = NULL;
	an_gates gates = {0};
	enum { BY_LABEL, BY_TARGET, BY_HOST, BY_DEST, BY_FIX } by = BY_LABEL;
	static const char *const by_names[] = {"label", "target", "host", "destination", "fix"};
	optind = 1;
	/* "-" first: runs come back in order as option 1, so they join the group before them. */
	while ((c = getopt_long(argc, argv, "-g:j:qh", opts, NULL)) != -1) {
		switch (c) {
		case 1:
			if (nruns == CMP_MAX_RUNS)
				bo_cli_usage_error("compare: more than %d runs", CMP_MAX_RUNS);
			if (!ng)
				g[ng++].label = "all";
			runs[nruns] = optarg;
			run_group[nruns++] = ng - 1;
			break;
		case 'g':
			if (ng == CMP_MAX_GROUPS)
				bo_cli_usage_error("compare: at most %d groups", CMP_MAX_GROUPS);
			g[ng++].label = optarg;
			break;
		case 'M': markdown = 1; break;
		case 'j': json_path = optarg; break;
		case 'H': html_path = optarg; break;
		case 'F': an_gate_fail_if(&gates, optarg); break;
		case 'X': gates.max_blackout = bo_cli_duration("--max-blackout", optarg); break;
		case 'q': quiet = 1; break;
		case 'B': {
			int k = 0, nby = (int)(sizeof by_names / sizeof by_names[0]);
			while (k < nby && strcmp(optarg, by_names[k]))
				k++;
			if (k == nby)
				bo_cli_usage_error("--by takes target, host, destination, fix or "
				                   "label: %s",
				                   optarg);
			by = k;
			break;
		}
		case 'h': usage(stdout); return 0;
		default:
			if (an_settings_option(c, optarg, &set, &key))
				break;
			fprintf(stderr, "Try 'blackout-analyze compare --help'.\n");
			return AN_EXIT_USAGE;
		}
	}
	if (!nruns)
		bo_cli_usage_error("compare: name the runs to compare, e.g. --group before RUN... "
		                   "--group after RUN...");
	if (set.normal >= set.timeout)
		bo_cli_usage_error("--normal must be shorter than --timeout");
	/* Read every run; a run that cannot be read is said and left out. Each migration event
	 * is a sample. */
	static samples sm;
	memset(&sm, 0, sizeof sm);
	int rc = 0;
	for (int i = 0; i < nruns; i++)
		if (summarize(runs[i], run_group[i], &set, &key, &cr, &sm) != 0)
			rc = AN_EXIT_INPUT;
	if (sm.dropped)
		fprintf(stderr,
		        "blackout-analyze: compare: more than %d migrations: the rest left out\n",
		        CMP_MAX_SAMPLES);
	/* The groups, split --by target or host: "LABEL KEY", in the order they first appear. */
	static int gi_of[CMP_MAX_SAMPLES];
	int nout = 0;
	static cmp_group out[CMP_MAX_GROUPS];
	memset(out, 0, sizeof out);
	for (int gi = 0; gi < ng; gi++)
		for (int i = 0; i < sm.n; i++) {
			if (sm.group[i] != gi)
				continue;
			static const char *const fix[] = {"fix-unknown", "not-fixed", "fixed"};
			const char *k = by == BY_TARGET ? sm.v[i].target
			                : by == BY_HOST ? sm.v[i].host
			                : by == BY_DEST
			                        ? (sm.v[i].dest[0] ? sm.v[i].dest : "host-unknown")
			                : by == BY_FIX ? fix[sm.v[i].fixed + 1]
			                               : "";
			char name[96];
			snprintf(name, sizeof name, "%s%s%s", g[gi].label, *k ? " " : "", k);
			int o;
			for (o = 0; o < nout && strcmp(out[o].name, name); o++)
				;
			if (o == nout) {
				if (nout == CMP_MAX_GROUPS) {
					gi_of[i] = -1;
					continue;
				}
				out[nout].label = g[gi].label;
				snprintf(out[nout].name, sizeof out[nout].name, "%s", name);
				nout++;
			}
			gi_of[i] = o;
		}
	cmp_run *all = calloc((size_t)sm.n + 1, sizeof *all);
	if (!all)
		return AN_EXIT_INPUT;
	int k = 0;
	for (int o = 0; o < nout; o++) {
		out[o].runs = all + k;
		for (int i = 0; i < sm.n; i++)
			if (gi_of[i] == o) {
				all[k++] = sm.v[i];
				out[o].n++;
			}
	}
	free(sm.v);
	free(sm.group);
	memcpy(cr.g, out, sizeof cr.g);
	cr.ng = ng = nout ? nout : 1;
	g = cr.g;
	if (!nout)
		snprintf(g[0].name, sizeof g[0].name, "%s", "all");
	figures(&cr, &set);
	/* --json -: standard output is the JSON alone (a pipe into jq); the rest to stderr. */
	FILE *text = json_path && !strcmp(json_path, "-") ? stderr : stdout;
	if (!quiet)
		cmp_print(text, &cr, markdown);
	fprintf(text, "%s\n", cr.conclusion);
	if (json_path && cmp_write_json(&cr, json_path) != 0)
		rc = AN_EXIT_INPUT;
	if (html_path && cmp_write_html(&cr, &set, html_path) != 0)
		rc = AN_EXIT_INPUT;

	/* Gates, on the last group. */
	const cmp_group *last = &g[ng - 1];
	for (int i = 0; i < last->n; i++) {
		const cmp_run *r = &last->runs[i];
		if (an_gate_check(&gates, r->input, r->target, r->event, r->verdict, r->blackout,
		                  r->open) &&
		    !rc)
			rc = AN_EXIT_GATE;
	}
	free(all);
	return rc;
}
