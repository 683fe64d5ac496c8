/* SPDX-License-Identifier: Apache-2.0 */
/* Gates for a pipeline: --fail-if VERDICT[,...] and --max-blackout DUR, for one analysis (every
 * migration event of every input) and for compare (the last group's migrations). A migration
 * still dark when the capture ended lasted at least from its first lost probe to its last,
 * perhaps far longer: it fails a --max-blackout gate whatever that figure. */
#include <stdio.h>
#include <string.h>

#include "an.h"
#include "bo_cli.h"
#include "bo_time.h"

void an_gate_fail_if(an_gates *g, const char *list)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", list);
	for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int v = an_verdict_parse(tok);
		if (v < 0)
			bo_cli_usage_error(
			        "--fail-if: %s is not a verdict (no-blackout, switchover-only, "
			        "quarantine-normal, quarantine-safety-timeout, anomalous, "
			        "full-outage; a suffix will do)",
			        tok);
		if (g->nfail == (int)(sizeof g->fail_if / sizeof g->fail_if[0]))
			bo_cli_usage_error("--fail-if: at most %d verdicts",
			                   (int)(sizeof g->fail_if / sizeof g->fail_if[0]));
		g->fail_if[g->nfail++] = v;
	}
}

int an_gate_check(const an_gates *g, const char *input, const char *target, int event, int verdict,
                  int64_t dark, int open)
{
	int failed = 0;
	char what[300], d1[32], d2[32];
	if (event)
		snprintf(what, sizeof what, "%s (%s, migration %d)", input, target, event);
	else
		snprintf(what, sizeof what, "%s (%s)", input, target[0] ? target : "the run");
	for (int f = 0; f < g->nfail; f++)
		if (verdict == g->fail_if[f]) {
			fprintf(stderr, "blackout-analyze: gate: %s is %s\n", what,
			        an_verdict_names[verdict]);
			failed = 1;
		}
	if (g->max_blackout && open) {
		fprintf(stderr,
		        "blackout-analyze: gate: %s was still dark when the capture ended (at "
		        "least %s): it cannot be shown to stay within %s\n",
		        what, bo_dur_str(dark, d1, sizeof d1),
		        bo_dur_str(g->max_blackout, d2, sizeof d2));
		failed = 1;
	} else if (g->max_blackout && dark > g->max_blackout) {
		fprintf(stderr, "blackout-analyze: gate: %s was dark %s (more than %s)\n", what,
		        bo_dur_str(dark, d1, sizeof d1),
		        bo_dur_str(g->max_blackout, d2, sizeof d2));
		failed = 1;
	}
	return failed;
}

int an_gate_run(const an_gates *g, const an_run *r)
{
	if (!g->nfail && !g->max_blackout)
		return 0;
	int failed = 0, events = 0;
	for (int i = 0; i < r->res.nevents; i++) {
		const an_event *e = &r->res.events[i];
		if (e->kind != AN_EV_MIGRATION)
			continue;
		events++;
		int64_t dark;
		int open = an_event_dark(r, e, &dark);
		failed |= an_gate_check(g, r->in.input, r->eng.streams[e->stream0].target_str,
		                        i + 1, e->j.verdict, dark, open);
	}
	if (!events) { /* no migration: the run's own verdict */
		const an_outage *o = an_main_outage(r);
		int open = o && !o->next_ok;
		int64_t dark = !o ? 0 : open ? o->dmin : o->duration;
		failed |= an_gate_check(g, r->in.input,
		                        r->res.main_stream >= 0
		                                ? r->eng.streams[r->res.main_stream].target_str
		                                : "",
		                        0, r->res.verdict, dark, open);
	}
	return failed;
}
