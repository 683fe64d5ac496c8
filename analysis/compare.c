/* `blackout-analyze compare`: many runs in labelled groups (before / after a fix). Per group the
 * verdict counts and the median, 95th percentile and maximum blackout per stream; between the
 * first and the last group a Mann-Whitney rank test on each run's blackout (its longest
 * outage) and a one-line conclusion; gates for a pipeline (--fail-if, --max-blackout). */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "an.h"
#include "bo_cli.h"
#include "bo_time.h"

#define MAX_GROUPS 8
#define MAX_RUNS 4096
#define MAX_NAMES 8

enum { EXIT_GATE = 3 };

typedef struct run_sum {
	const char *input;
	char verdict[40];
	int64_t blackout;              /* the longest outage of the run; 0: none */
	int64_t per_stream[MAX_NAMES]; /* longest outage per stream name; -1: stream absent */
} run_sum;

typedef struct group {
	const char *label;
	run_sum *runs;
	int n;
} group;

static const char *verdicts[] = {"no-blackout", "switchover-only", "quarantine-normal",
                                 "quarantine-safety-timeout", "anomalous"};
#define NVERDICTS 5

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* The q-quantile (nearest rank) of n sorted values. */
static int64_t quantile(const int64_t *v, int n, double q)
{
	int k = (int)ceil(q * n) - 1;
	return v[k < 0 ? 0 : k >= n ? n - 1 : k];
}

/* Two-sided p-value of the Mann-Whitney U test for samples a (n) and b (m): exact (the
 * distribution of U counted by dynamic programming) when there are no ties and n * m <= 2500,
 * else the normal approximation with the tie correction and a continuity correction. */
static double mann_whitney(const int64_t *a, int n, const int64_t *b, int m, double *u_out)
{
	double u = 0;
	int ties = 0;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < m; j++) {
			if (a[i] > b[j])
				u += 1;
			else if (a[i] == b[j]) {
				u += 0.5;
				ties = 1;
			}
		}
	*u_out = u;
	if (!n || !m)
		return 1;
	double mean = (double)n * m / 2;
	if (!ties && n * m <= 2500) {
		/* count[k][u]: arrangements of k of a's among the first values with U = u, built
		 * by the recurrence f(n, m, u) = f(n - 1, m, u - m) + f(n, m - 1, u). */
		int umax = n * m;
		double *f =
		        calloc((size_t)(n + 1) * (size_t)(m + 1) * (size_t)(umax + 1), sizeof *f);
		if (!f)
			return NAN;
#define F(i, j, k)                                                                                 \
	f[((size_t)(i) * (size_t)(m + 1) + (size_t)(j)) * (size_t)(umax + 1) + (size_t)(k)]
		for (int i = 0; i <= n; i++)
			for (int j = 0; j <= m; j++)
				for (int k = 0; k <= umax; k++) {
					if (!i || !j) {
						F(i, j, k) = k == 0;
						continue;
					}
					F(i, j, k) =
					        (k >= j ? F(i - 1, j, k - j) : 0) + F(i, j - 1, k);
				}
		double total = 0, tail = 0, dev = fabs(u - mean);
		for (int k = 0; k <= umax; k++) {
			total += F(n, m, k);
			if (fabs(k - mean) >= dev - 1e-9)
				tail += F(n, m, k);
		}
#undef F
		free(f);
		return tail / total;
	}
	/* ranks for the tie correction */
	int N = n + m;
	int64_t *all = malloc((size_t)N * sizeof *all);
	if (!all)
		return NAN;
	memcpy(all, a, (size_t)n * sizeof *a);
	memcpy(all + n, b, (size_t)m * sizeof *b);
	qsort(all, (size_t)N, sizeof *all, cmp64);
	double tsum = 0;
	for (int i = 0; i < N;) {
		int j = i;
		while (j < N && all[j] == all[i])
			j++;
		double t = j - i;
		tsum += t * t * t - t;
		i = j;
	}
	free(all);
	double var = (double)n * m / 12 * ((N + 1) - tsum / ((double)N * (N - 1)));
	if (var <= 0)
		return 1;
	double z = (fabs(u - mean) - 0.5) / sqrt(var);
	if (z < 0)
		z = 0;
	return erfc(z / sqrt(2));
}

static void html_text(FILE *f, const char *s)
{
	for (; *s; s++)
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else
			fputc(*s, f);
}

static const char *dur(int64_t ns, char *buf)
{
	return bo_dur_str(ns, buf, 32);
}

static int summarize(const char *input, const an_settings *set, const bo_stamp_key *key,
                     const char **names, int *nnames, run_sum *out)
{
	an_run r;
	int rc = an_load(&r, input, set, key, NULL, NULL);
	if (rc == 0) {
		out->input = input;
		snprintf(out->verdict, sizeof out->verdict, "%s", r.verdict);
		for (int k = 0; k < MAX_NAMES; k++)
			out->per_stream[k] = -1;
		for (int i = 0; i < r.nstreams; i++) {
			const an_stream *s = &r.streams[i];
			int k;
			for (k = 0; k < *nnames && strcmp(names[k], s->name); k++)
				;
			if (k == *nnames) {
				if (k == MAX_NAMES)
					continue;
				names[(*nnames)++] = strdup(s->name);
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
	        "\n"
	        "Exit status: 0 compared (gates passed), 1 a run could not be read, 2 usage "
	        "error,\n"
	        "3 a gate failed.\n");
}

static void cdf_svg(FILE *f, group *g, int ng, int64_t top)
{
	static const char *colours[] = {"#c62828", "#2e7d32", "#1565c0", "#6a1b9a",
	                                "#ef6c00", "#00838f", "#5d4037", "#455a64"};
	const int w = 720, h = 360, l = 60, b = 40, t = 20, rm = 20;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">\n", w, h);
	fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", w, h);
	double sx = (double)(w - l - rm) / (double)(top ? top : 1), sy = (double)(h - t - b);
	for (int k = 0; k <= 4; k++) {
		double y = h - b - sy * k / 4;
		fprintf(f,
		        "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
		        "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%d "
		        "%%</text>\n",
		        l, w - rm, y, y, l - 6, y + 4, k * 25);
	}
	for (int k = 0; k <= 5; k++) {
		char d[32];
		double x = l + sx * (double)top * k / 5;
		fprintf(f,
		        "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" "
		        "text-anchor=\"middle\">%s</text>\n",
		        x, h - b + 16, dur(top * k / 5, d));
	}
	fprintf(f,
	        "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">blackout (longest "
	        "outage of each run)</text>\n",
	        w - rm, h - 4);
	for (int i = 0; i < ng; i++) {
		int64_t *v = malloc((size_t)g[i].n * sizeof *v);
		if (!v)
			continue;
		for (int k = 0; k < g[i].n; k++)
			v[k] = g[i].runs[k].blackout;
		qsort(v, (size_t)g[i].n, sizeof *v, cmp64);
		fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" d=\"M%d %d",
		        colours[i % 8], l, h - b);
		for (int k = 0; k < g[i].n; k++) {
			double x = l + sx * (double)v[k];
			fprintf(f, " H%.1f V%.1f", x, h - b - sy * (k + 1) / g[i].n);
		}
		fprintf(f, " H%d\"/>\n", w - rm);
		fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"%s\">", l + 10,
		        t + 14 + 16 * i, colours[i % 8]);
		html_text(f, g[i].label);
		fprintf(f, " (%d runs)</text>\n", g[i].n);
		free(v);
	}
	fputs("</svg>\n", f);
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
	group g[MAX_GROUPS];
	const char *runs[MAX_RUNS];
	int run_group[MAX_RUNS], nruns = 0, ng = 0, markdown = 0, quiet = 0, c;
	const char *json_path = NULL, *html_path = NULL, *fail_if[8];
	int nfail = 0;
	int64_t max_blackout = 0;
	memset(g, 0, sizeof g);
	optind = 1;
	/* "-" first: runs come back in order as option 1, so they join the group before them. */
	while ((c = getopt_long(argc, argv, "-g:j:qh", opts, NULL)) != -1) {
		switch (c) {
		case 1:
			if (nruns == MAX_RUNS)
				bo_cli_usage_error("compare: more than %d runs", MAX_RUNS);
			if (!ng)
				g[ng++].label = "all";
			runs[nruns] = optarg;
			run_group[nruns++] = ng - 1;
			break;
		case 'g':
			if (ng == MAX_GROUPS)
				bo_cli_usage_error("compare: at most %d groups", MAX_GROUPS);
			g[ng++].label = optarg;
			break;
		case 'M': markdown = 1; break;
		case 'j': json_path = optarg; break;
		case 'H': html_path = optarg; break;
		case 'F':
			if (nfail == 8)
				bo_cli_usage_error("compare: at most 8 --fail-if");
			fail_if[nfail++] = optarg;
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
	for (int i = 0; i < nfail; i++) {
		int ok = 0;
		for (int v = 0; v < NVERDICTS; v++) {
			size_t lv = strlen(verdicts[v]), lf = strlen(fail_if[i]);
			ok |= lf <= lv && !strcmp(verdicts[v] + lv - lf, fail_if[i]);
		}
		if (!ok)
			bo_cli_usage_error(
			        "--fail-if %s: not a verdict (no-blackout, switchover-only, "
			        "quarantine-normal, quarantine-safety-timeout, anomalous)",
			        fail_if[i]);
	}

	/* Read every run; a run that cannot be read is said and left out. */
	run_sum *all = calloc((size_t)nruns, sizeof *all);
	const char *names[MAX_NAMES];
	int nnames = 0, rc = 0;
	if (!all)
		return AN_EXIT_INPUT;
	int k = 0;
	for (int gi = 0; gi < ng; gi++) {
		g[gi].runs = all + k;
		for (int i = 0; i < nruns; i++) {
			if (run_group[i] != gi)
				continue;
			if (summarize(runs[i], &set, &key, names, &nnames, &all[k]) != 0) {
				rc = AN_EXIT_INPUT;
				continue;
			}
			k++;
			g[gi].n++;
		}
	}

	/* Figures per group. */
	char d1[32], d2[32], d3[32];
	int hits[MAX_GROUPS], counts[MAX_GROUPS][NVERDICTS];
	int64_t med[MAX_GROUPS];
	int64_t top = 1;
	memset(counts, 0, sizeof counts);
	for (int gi = 0; gi < ng; gi++) {
		for (int i = 0; i < g[gi].n; i++)
			for (int v = 0; v < NVERDICTS; v++)
				counts[gi][v] += !strcmp(g[gi].runs[i].verdict, verdicts[v]);
		hits[gi] = counts[gi][3];
		int64_t *v = malloc(((size_t)g[gi].n + 1) * sizeof *v);
		for (int i = 0; v && i < g[gi].n; i++) {
			v[i] = g[gi].runs[i].blackout;
			top = v[i] > top ? v[i] : top;
		}
		if (v)
			qsort(v, (size_t)g[gi].n, sizeof *v, cmp64);
		med[gi] = v && g[gi].n ? quantile(v, g[gi].n, 0.5) : 0;
		free(v);
	}
	/* The rank test, first group against the last. */
	double p = NAN, u = 0;
	if (ng >= 2 && g[0].n && g[ng - 1].n) {
		int64_t *a = malloc((size_t)g[0].n * sizeof *a),
		        *b = malloc((size_t)g[ng - 1].n * sizeof *b);
		for (int i = 0; a && i < g[0].n; i++)
			a[i] = g[0].runs[i].blackout;
		for (int i = 0; b && i < g[ng - 1].n; i++)
			b[i] = g[ng - 1].runs[i].blackout;
		if (a && b)
			p = mann_whitney(a, g[0].n, b, g[ng - 1].n, &u);
		free(a);
		free(b);
	}
	char conclusion[512];
	group *first = &g[0], *last = &g[ng - 1];
	if (ng >= 2) {
		int b = hits[0], a = hits[ng - 1];
		const char *what = a == 0 && b > 0 && p < 0.05 ? "fix effective"
		                   : a == 0 && b > 0 ? "fix looks effective, not yet significant"
		                   : a > 0 && a < b  ? "fix partly effective"
		                   : a > 0           ? "fix not effective"
		                                     : "no run hit the safety timeout";
		snprintf(conclusion, sizeof conclusion,
		         "%s: %d/%d migrations hit the %s timeout (%s), %d/%d (%s); median "
		         "blackout %s -> %s (Mann-Whitney p = %.2g)",
		         what, a, last->n, dur(set.timeout, d3), last->label, b, first->n,
		         first->label, dur(med[0], d1), dur(med[ng - 1], d2), p);
	} else {
		snprintf(
		        conclusion, sizeof conclusion,
		        "%d migrations: %d hit the %s timeout, %d normal quarantine, %d switchover "
		        "only, %d without blackout, %d anomalous; median blackout %s",
		        g[0].n, hits[0], dur(set.timeout, d3), counts[0][2], counts[0][1],
		        counts[0][0], counts[0][4], dur(med[0], d1));
	}

	/* Text or Markdown. */
	if (!quiet) {
		if (markdown)
			printf("| group | runs | no-blackout | switchover-only | quarantine-normal "
			       "| "
			       "safety-timeout | anomalous |\n|---|---|---|---|---|---|---|\n");
		else
			printf("%-12s %5s %12s %16s %18s %15s %10s\n", "group", "runs",
			       "no-blackout", "switchover-only", "quarantine-normal",
			       "safety-timeout", "anomalous");
		for (int gi = 0; gi < ng; gi++) {
			if (markdown)
				printf("| %s | %d | %d | %d | %d | %d | %d |\n", g[gi].label,
				       g[gi].n, counts[gi][0], counts[gi][1], counts[gi][2],
				       counts[gi][3], counts[gi][4]);
			else
				printf("%-12s %5d %12d %16d %18d %15d %10d\n", g[gi].label, g[gi].n,
				       counts[gi][0], counts[gi][1], counts[gi][2], counts[gi][3],
				       counts[gi][4]);
		}
		printf(markdown ? "\n| stream | group | median | p95 | max "
		                  "|\n|---|---|---|---|---|\n"
		                : "\n%-10s %-12s %10s %10s %10s\n",
		       "stream", "group", "median", "p95", "max");
		for (int s = 0; s < nnames; s++)
			for (int gi = 0; gi < ng; gi++) {
				int64_t v[MAX_RUNS];
				int n = 0;
				for (int i = 0; i < g[gi].n; i++)
					if (g[gi].runs[i].per_stream[s] >= 0)
						v[n++] = g[gi].runs[i].per_stream[s];
				if (!n)
					continue;
				qsort(v, (size_t)n, sizeof *v, cmp64);
				if (markdown)
					printf("| %s | %s | %s | %s | %s |\n", names[s],
					       g[gi].label, dur(quantile(v, n, .5), d1),
					       dur(quantile(v, n, .95), d2), dur(v[n - 1], d3));
				else
					printf("%-10s %-12s %10s %10s %10s\n", names[s],
					       g[gi].label, dur(quantile(v, n, .5), d1),
					       dur(quantile(v, n, .95), d2), dur(v[n - 1], d3));
			}
		printf("\n");
	}
	printf("%s\n", conclusion);

	if (json_path) {
		json_t *j = json_pack("{s:s, s:s, s:i, s:[], s:s, s:o, s:f}", "tool",
		                      "blackout-analyze", "version", BLACKOUT_VERSION, "format",
		                      AN_FORMAT_VERSION, "groups", "conclusion", conclusion,
		                      "p_value", isnan(p) ? json_null() : json_real(p), "u", u);
		json_t *arr = json_object_get(j, "groups");
		for (int gi = 0; gi < ng; gi++) {
			json_t *rs = json_array(), *vc = json_object();
			for (int v = 0; v < NVERDICTS; v++)
				json_object_set_new(vc, verdicts[v], json_integer(counts[gi][v]));
			for (int i = 0; i < g[gi].n; i++)
				json_array_append_new(
				        rs,
				        json_pack("{s:s, s:s, s:I}", "input", g[gi].runs[i].input,
				                  "verdict", g[gi].runs[i].verdict, "blackout_ns",
				                  (json_int_t)g[gi].runs[i].blackout));
			json_array_append_new(arr, json_pack("{s:s, s:i, s:o, s:I, s:o}", "label",
			                                     g[gi].label, "runs", g[gi].n,
			                                     "verdicts", vc, "median_blackout_ns",
			                                     (json_int_t)med[gi], "run_list", rs));
		}
		int bad = !strcmp(json_path, "-") ? json_dumpf(j, stdout, JSON_INDENT(2))
		                                  : json_dump_file(j, json_path, JSON_INDENT(2));
		if (bad) {
			fprintf(stderr, "blackout-analyze: cannot write %s\n", json_path);
			rc = AN_EXIT_INPUT;
		}
		json_decref(j);
	}
	if (html_path) {
		FILE *f = fopen(html_path, "w");
		if (f) {
			fprintf(f,
			        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			        "<title>blackout compare</title><style>body{font:14px/1.4 "
			        "system-ui,"
			        "sans-serif;margin:24px}</style></head><body>\n<h1>blackout "
			        "compare</h1>\n"
			        "<p><b>");
			html_text(f, conclusion);
			fputs("</b></p>\n", f);
			cdf_svg(f, g, ng, top);
			fputs("</body></html>\n", f);
		}
		if (!f || fclose(f) != 0) {
			fprintf(stderr, "blackout-analyze: cannot write %s\n", html_path);
			rc = AN_EXIT_INPUT;
		}
	}

	/* Gates, on the last group. */
	for (int i = 0; i < last->n; i++) {
		const run_sum *r = &last->runs[i];
		for (int f = 0; f < nfail; f++) {
			size_t lv = strlen(r->verdict), lf = strlen(fail_if[f]);
			if (lf <= lv && !strcmp(r->verdict + lv - lf, fail_if[f])) {
				fprintf(stderr, "blackout-analyze: gate: %s is %s\n", r->input,
				        r->verdict);
				if (!rc)
					rc = EXIT_GATE;
			}
		}
		if (max_blackout && r->blackout > max_blackout) {
			fprintf(stderr, "blackout-analyze: gate: %s was dark %s (more than %s)\n",
			        r->input, dur(r->blackout, d1), dur(max_blackout, d2));
			if (!rc)
				rc = EXIT_GATE;
		}
	}
	for (int s = 0; s < nnames; s++)
		free((char *)names[s]);
	free(all);
	return rc;
}
