/* SPDX-License-Identifier: Apache-2.0 */
/* `blackout-analyze compare`, shared by its two files: compare.c (options, grouping, the
 * figures, the gates) and compare_report.c (text, Markdown, JSON and the HTML CDF page). */
#ifndef COMPARE_H
#define COMPARE_H

#include "an.h"

#define CMP_MAX_GROUPS 64 /* after the split --by target or host */
#define CMP_MAX_RUNS 4096
#define CMP_MAX_NAMES 8

#define CMP_MAX_SAMPLES 200000 /* migration events over all runs */

/* A sample: one migration event of a run (or the whole run, when it saw none). */
typedef struct cmp_run {
	const char *input;
	int event;        /* its id in the run's migrations[]; 0: the whole run */
	char target[48];  /* the target it happened to */
	char host[64];    /* the probe's host (probe.jsonl), "" if unknown */
	char dest[64];    /* the host it migrated to: the hypervisor's, else the guest's KVP; "" */
	int fixed;        /* its destination host had the fix: 1, 0, -1 unknown */
	int verdict;      /* enum an_verdict_code */
	int64_t blackout; /* its longest outage; 0: none */
	int open;         /* still dark at the capture's end: at least blackout */
	int64_t per_stream[CMP_MAX_NAMES]; /* its outage per stream type; -1: absent */
} cmp_run;

typedef struct cmp_group {
	const char *label;
	char name[96]; /* label, or "label key" when split --by target or host */
	cmp_run *runs;
	int n;
	int counts[AN_NVERDICTS];
	int64_t median;
} cmp_group;

/* The comparison as computed, for the output modules. */
typedef struct cmp_result {
	cmp_group g[CMP_MAX_GROUPS];
	int ng;
	const bo_stream_desc *names[CMP_MAX_NAMES]; /* the stream types seen, in order */
	int nnames;
	int64_t top;   /* the longest blackout of all runs */
	double p, u;   /* the rank test, first group against the last (p NaN: none) */
	double best_p; /* the least p the first and last group's sample sizes can reach */
	int need;      /* samples each group needs before p < 0.05 is possible */
	char conclusion[512];
} cmp_result;

/* The tables, to f (standard error when standard output carries the JSON). */
void cmp_print(FILE *f, const cmp_result *c, int markdown);
int cmp_write_json(const cmp_result *c, const char *path);
int cmp_write_html(const cmp_result *c, const an_settings *set, const char *path);

#endif
