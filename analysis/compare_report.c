/* SPDX-License-Identifier: Apache-2.0 */
/* The outputs of `compare`: text or Markdown tables, JSON, and an HTML page with the blackout
 * CDF per group. They read the computed comparison (compare.h) and compute nothing of it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bo_fs.h"
#include "bo_time.h"
#include "compare.h"

static const char *dur(int64_t ns, char *buf)
{
	return bo_dur_str(ns, buf, 32);
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

/* The verdict columns' headings: the names, the safety timeout's shortened as before. */
static const char *column(int v)
{
	return v == AN_V_QUARANTINE_TIMEOUT ? "safety-timeout" : an_verdict_names[v];
}

void cmp_print(FILE *f, const cmp_result *c, int md)
{
	static const int width[AN_NVERDICTS] = {12, 16, 18, 15, 10, 12};
	int gw = 12;
	for (int gi = 0; gi < c->ng; gi++)
		if ((int)strlen(c->g[gi].name) > gw)
			gw = (int)strlen(c->g[gi].name) > 40 ? 40 : (int)strlen(c->g[gi].name);
	if (md) {
		fprintf(f, "| group | migrations |");
		for (int v = 0; v < AN_NVERDICTS; v++)
			fprintf(f, " %s |", column(v));
		fprintf(f, "\n|---|---|");
		for (int v = 0; v < AN_NVERDICTS; v++)
			fprintf(f, "---|");
		fprintf(f, "\n");
	} else {
		fprintf(f, "%-*s %10s", gw, "group", "migrations");
		for (int v = 0; v < AN_NVERDICTS; v++)
			fprintf(f, " %*s", width[v], column(v));
		fprintf(f, "\n");
	}
	for (int gi = 0; gi < c->ng; gi++) {
		const cmp_group *g = &c->g[gi];
		if (md)
			fprintf(f, "| %s | %d |", g->name, g->n);
		else
			fprintf(f, "%-*.40s %10d", gw, g->name, g->n);
		for (int v = 0; v < AN_NVERDICTS; v++)
			if (md)
				fprintf(f, " %d |", g->counts[v]);
			else
				fprintf(f, " %*d", width[v], g->counts[v]);
		fprintf(f, "\n");
	}
	if (md)
		fprintf(f, "\n| stream | group | median | p95 | max |\n|---|---|---|---|---|\n");
	else
		fprintf(f, "\n%-10s %-*s %10s %10s %10s\n", "stream", gw, "group", "median", "p95",
		        "max");
	char d1[32], d2[32], d3[32];
	for (int s = 0; s < c->nnames; s++)
		for (int gi = 0; gi < c->ng; gi++) {
			const cmp_group *g = &c->g[gi];
			int64_t *v = malloc(((size_t)g->n + 1) * sizeof *v);
			int n = 0;
			for (int i = 0; v && i < g->n; i++)
				if (g->runs[i].per_stream[s] >= 0)
					v[n++] = g->runs[i].per_stream[s];
			if (n) {
				an_sort64(v, n);
				if (md)
					fprintf(f, "| %s | %s | %s | %s | %s |\n",
					        c->names[s]->name, g->name,
					        dur(an_quantile(v, n, .5), d1),
					        dur(an_quantile(v, n, .95), d2), dur(v[n - 1], d3));
				else
					fprintf(f, "%-10s %-*.40s %10s %10s %10s\n",
					        c->names[s]->name, gw, g->name,
					        dur(an_quantile(v, n, .5), d1),
					        dur(an_quantile(v, n, .95), d2), dur(v[n - 1], d3));
			}
			free(v);
		}
	fprintf(f, "\n");
}

int cmp_write_json(const cmp_result *c, const char *path)
{
	json_t *j = json_pack("{s:s, s:s, s:i, s:[], s:s, s:o, s:f, s:o, s:i}", "tool",
	                      "blackout-analyze", "version", BLACKOUT_VERSION, "format",
	                      AN_FORMAT_VERSION, "groups", "conclusion", c->conclusion, "p_value",
	                      isnan(c->p) ? json_null() : json_real(c->p), "u", c->u, "best_p",
	                      isnan(c->best_p) ? json_null() : json_real(c->best_p),
	                      "samples_needed_per_group", c->need);
	json_t *arr = json_object_get(j, "groups");
	for (int gi = 0; gi < c->ng; gi++) {
		const cmp_group *g = &c->g[gi];
		json_t *rs = json_array(), *vc = json_object();
		for (int v = 0; v < AN_NVERDICTS; v++)
			json_object_set_new(vc, an_verdict_names[v], json_integer(g->counts[v]));
		for (int i = 0; i < g->n; i++)
			json_array_append_new(
			        rs, json_pack("{s:s, s:i, s:s, s:s, s:s, s:I}", "input",
			                      g->runs[i].input, "event", g->runs[i].event, "target",
			                      g->runs[i].target, "probe_host", g->runs[i].host,
			                      "verdict", an_verdict_names[g->runs[i].verdict],
			                      "blackout_ns", (json_int_t)g->runs[i].blackout));
		json_array_append_new(arr, json_pack("{s:s, s:s, s:i, s:o, s:I, s:o}", "label",
		                                     g->label, "name", g->name, "migrations", g->n,
		                                     "verdicts", vc, "median_blackout_ns",
		                                     (json_int_t)g->median, "migration_list", rs));
	}
	int rc = an_write_json(j, path);
	json_decref(j);
	return rc ? -1 : 0;
}

static void cdf_svg(FILE *f, const cmp_result *c, const an_settings *set)
{
	static const char *colours[] = {"#c62828", "#2e7d32", "#1565c0", "#6a1b9a",
	                                "#ef6c00", "#00838f", "#5d4037", "#455a64"};
	const int w = 720, h = 360, l = 60, b = 40, t = 20, rm = 20;
	int64_t top = c->top;
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
	/* The two figures the verdicts are judged against. */
	const int64_t refs[2] = {set->normal, set->timeout};
	const char *ref_names[2] = {"normal", "safety timeout"};
	for (int k = 0; k < 2; k++) {
		if (refs[k] > top)
			continue;
		char d[32];
		double x = l + sx * (double)refs[k];
		fprintf(f,
		        "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#888\" "
		        "stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%d\" font-size=\"11\" "
		        "fill=\"#555\">%s %s</text>\n",
		        x, x, t, h - b, x + 3, t + 10 + 12 * k, ref_names[k], dur(refs[k], d));
	}
	fprintf(f,
	        "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">blackout (longest "
	        "outage of each migration)</text>\n",
	        w - rm, h - 4);
	for (int i = 0; i < c->ng; i++) {
		const cmp_group *g = &c->g[i];
		int64_t *v = malloc(((size_t)g->n + 1) * sizeof *v);
		if (!v)
			continue;
		for (int k = 0; k < g->n; k++)
			v[k] = g->runs[k].blackout;
		an_sort64(v, g->n);
		fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" d=\"M%d %d",
		        colours[i % 8], l, h - b);
		for (int k = 0; k < g->n; k++) {
			double x = l + sx * (double)v[k];
			fprintf(f, " H%.1f V%.1f", x, h - b - sy * (k + 1) / g->n);
		}
		fprintf(f, " H%d\"/>\n", w - rm);
		fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"%s\">", l + 10,
		        t + 14 + 16 * i, colours[i % 8]);
		html_text(f, g->name);
		fprintf(f, " (%d migration%s)</text>\n", g->n, g->n == 1 ? "" : "s");
		free(v);
	}
	fputs("</svg>\n", f);
}

/* Every migration with a link to its run's report. */
static void migration_table(FILE *f, const cmp_result *c)
{
	fputs("<table><tr><th>group</th><th>run</th><th>#</th><th>target</th><th>verdict</th>"
	      "<th>blackout</th></tr>\n",
	      f);
	for (int gi = 0; gi < c->ng; gi++)
		for (int i = 0; i < c->g[gi].n && i < 2000; i++) {
			const cmp_run *r = &c->g[gi].runs[i];
			char d[32];
			fputs("<tr><td>", f);
			html_text(f, c->g[gi].name);
			fputs("</td><td><a href=\"", f);
			for (const char *p = r->input; *p; p++) /* a path as a relative URL */
				if (*p == '"' || *p == '<' || *p == '&' || *p == '%' || *p == '#' ||
				    *p == '?' || (unsigned char)*p < 0x20)
					fprintf(f, "%%%02X", (unsigned char)*p);
				else
					fputc(*p, f);
			fputs("/report.html\">", f);
			html_text(f, r->input);
			fprintf(f, "</a></td><td>%d</td><td>", r->event);
			html_text(f, r->target);
			fprintf(f, "</td><td>%s</td><td>%s</td></tr>\n",
			        an_verdict_names[r->verdict], dur(r->blackout, d));
		}
	fputs("</table>\n", f);
}

int cmp_write_html(const cmp_result *c, const an_settings *set, const char *path)
{
	bo_fs_out o;
	FILE *f = bo_fs_out_open(&o, path) == 0 ? o.f : NULL;
	if (f) {
		fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		           "<title>blackout compare</title><style>body{font:14px/1.4 "
		           "system-ui,"
		           "sans-serif;margin:24px}td,th{padding:2px 8px;text-align:left}"
		           "</style></head><body>\n<h1>blackout "
		           "compare</h1>\n"
		           "<p><b>");
		html_text(f, c->conclusion);
		fputs("</b></p>\n", f);
		cdf_svg(f, c, set);
		migration_table(f, c);
		fputs("</body></html>\n", f);
	}
	if (!f || bo_fs_out_commit(&o) != 0) {
		fprintf(stderr, "blackout-analyze: cannot write %s\n", path);
		return -1;
	}
	return 0;
}
