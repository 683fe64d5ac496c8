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
#include "bo_time.h"
#include "compare.h"

enum { EXIT_GATE = 3 };

static const char *dur(int64_t ns, char *buf)
{
	return bo_dur_str(ns, buf, 32);
}

/* One run read and judged, into its summary; the stream types seen join c->names. */
static int summarize(const char *input, const an_settings *set, const bo_stamp_key *key,
                     cmp_result *c, cmp_run *out)
{
	an_run r;
	int rc = an_load(&r, input, set, key, NULL, NULL);
	if (rc == 0) {
		out->input = input;
		out->verdict = r.verdict;
		for (int k = 0; k < CMP_MAX_NAMES; k++)
			out->per_stream[k] = -1;
		for (int i = 0; i < r.nstreams; i++) {
			const an_stream *s = &r.streams[i];
			int k;
			for (k = 0; k < c->nnames && c->names[k] != s->desc; k++)
				;
			if (k == c->nnames) {
				if (k == CMP_MAX_NAMES)
					continue;
				c->names[c->nnames++] = s->desc;
			}
			const an_outage *o = an_stream_longest(s);
			int64_t d = o ? o->duration : 0;
			if (d > out->per_stream[k])
				out->per_stream[k] = d;
			if (d > out->blackout)
				out->blackout = d;
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
		         what, a, last->n, dur(set->timeout, d3), last->label, b, first->n,
		         first->label, dur(first->median, d1), dur(last->median, d2), c->p);
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
	        "\n"
	        "Compares migrations in groups (e.g. before and after a fix): verdict counts,\n"
	        "median / p95 / max blackout per stream and group, a Mann-Whitney rank test "
	        "between\n"
	        "the first and the last group, and a one-line conclusion.\n"
	        "\n"
	        "  -g, --group LABEL        the runs after it form a group (default label: all)\n"
	        "      --markdown           print Markdown tables (for a benchmark report)\n"
	        "  -j, --json FILE          write the comparison as JSON (- for standard output)\n"
	        "      --html FILE          write an HTML page with the blackout CDF per group\n"
	        "      --fail-if VERDICT    exit 3 if a run of the last group has this verdict\n"
	        "                           (a suffix will do: safety-timeout); repeatable\n"
	        "      --max-blackout DUR   exit 3 if a run of the last group was dark longer\n"
	        "      --normal DUR, --timeout DUR, --switchover DUR, --reply-timeout DUR,\n"
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
	                                     {"stamp-key", required_argument, 0, 'K'},
	                                     {"quiet", no_argument, 0, 'q'},
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
	int fail_if[8], nfail = 0;
	int64_t max_blackout = 0;
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
		case 'F':
			if (nfail == 8)
				bo_cli_usage_error("compare: at most 8 --fail-if");
			if ((fail_if[nfail++] = an_verdict_parse(optarg)) < 0)
				bo_cli_usage_error(
				        "--fail-if %s: not a verdict (no-blackout, "
				        "switchover-only, "
				        "quarantine-normal, quarantine-safety-timeout, anomalous)",
				        optarg);
			break;
		case 'X': max_blackout = bo_cli_duration("--max-blackout", optarg); break;
		case 'q': quiet = 1; break;
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
	/* Read every run; a run that cannot be read is said and left out. */
	cmp_run *all = calloc((size_t)nruns, sizeof *all);
	int rc = 0;
	if (!all)
		return AN_EXIT_INPUT;
	cr.ng = ng;
	int k = 0;
	for (int gi = 0; gi < ng; gi++) {
		g[gi].runs = all + k;
		for (int i = 0; i < nruns; i++) {
			if (run_group[i] != gi)
				continue;
			if (summarize(runs[i], &set, &key, &cr, &all[k]) != 0) {
				rc = AN_EXIT_INPUT;
				continue;
			}
			k++;
			g[gi].n++;
		}
	}
	figures(&cr, &set);
	/* --json -: standard output is the JSON alone (a pipe into jq); the rest to stderr. */
	FILE *text = json_path && !strcmp(json_path, "-") ? stderr : stdout;
	if (!quiet)
		cmp_print(text, &cr, markdown);
	fprintf(text, "%s\n", cr.conclusion);
	if (json_path && cmp_write_json(&cr, json_path) != 0)
		rc = AN_EXIT_INPUT;
	if (html_path && cmp_write_html(&cr, html_path) != 0)
		rc = AN_EXIT_INPUT;

	/* Gates, on the last group. */
	char d1[32], d2[32];
	const cmp_group *last = &g[ng - 1];
	for (int i = 0; i < last->n; i++) {
		const cmp_run *r = &last->runs[i];
		for (int f = 0; f < nfail; f++)
			if (r->verdict == fail_if[f]) {
				fprintf(stderr, "blackout-analyze: gate: %s is %s\n", r->input,
				        an_verdict_names[r->verdict]);
				if (!rc)
					rc = EXIT_GATE;
			}
		if (max_blackout && r->blackout > max_blackout) {
			fprintf(stderr, "blackout-analyze: gate: %s was dark %s (more than %s)\n",
			        r->input, dur(r->blackout, d1), dur(max_blackout, d2));
			if (!rc)
				rc = EXIT_GATE;
		}
	}
	free(all);
	return rc;
}
