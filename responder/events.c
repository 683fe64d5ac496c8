/* SPDX-License-Identifier: Apache-2.0 */
/* Guest events: numbered, stamped on both guest clocks, kept in the journal for the event
 * channel and written to the local log. Also the periodic ones: a clock pair every 100 ms (a
 * change of realtime − monotonic beyond --step is reported as a clock step) and counters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bo_time.h"
#include "responder.h"

/* Each event type draws on a budget (bo_vocab.c's table): the arrivals (and the firewall's
 * drops of probes), the connections, or none. */
static int within_budget(rsp *r, enum bo_gev_budget k)
{
	static const uint32_t per_s[] = {[BO_BUDGET_ARRIVALS] = RSP_ARRIVALS_PER_S,
	                                 [BO_BUDGET_CONNECTIONS] = RSP_CONNS_PER_S};
	if (k == BO_BUDGET_NONE)
		return 1;
	int64_t sec = bo_clock_mono_ns() / BO_NS_PER_S;
	if (r->budget[k].second != sec)
		r->budget[k] = (struct rsp_budget){sec, 0};
	if (r->budget[k].used >= per_s[k]) {
		r->events_dropped[k]++;
		return 0;
	}
	r->budget[k].used++;
	return 1;
}

/* At log_max the log is renamed to LOG.1 (replacing an older one) and started anew. */
static void rotate(rsp *r)
{
	char old[4200];
	snprintf(old, sizeof old, "%s.1", r->log_path);
	fclose(r->log.f);
	r->log.f = NULL;
	if (rename(r->log_path, old) != 0 || bo_log_open(&r->log, r->log_path, 1) != 0) {
		r->log.err = -1; /* the log stops; the journal and the channel go on */
		return;
	}
	r->log_bytes = 0;
	r->log_rotations++;
}

void rsp_event_at(rsp *r, enum bo_gev type, json_t *obj, int64_t realtime_ns)
{
	if (!obj)
		return;
	if (!within_budget(r, bo_gev_budget(type))) {
		json_decref(obj);
		return;
	}
	int64_t real = bo_clock_real_ns(), mono = bo_clock_mono_ns();
	/* An event observed earlier (a capture timestamp) gets the monotonic time that matches. */
	int64_t ev_mono = mono - (real - realtime_ns);
	json_t *e = json_pack("{s:I, s:s, s:I, s:I}", "seq", (json_int_t)r->journal.next, "type",
	                      bo_gev_name(type), "realtime_ns", (json_int_t)realtime_ns, "mono_ns",
	                      (json_int_t)ev_mono);
	json_object_update(e, obj);
	json_decref(obj);
	char *s = json_dumps(e, JSON_COMPACT);
	json_decref(e);
	if (!s)
		return;
	size_t n = strlen(s);
	char *line = realloc(s, n + 2);
	if (!line) {
		free(s);
		return;
	}
	line[n++] = '\n';
	line[n] = 0;
	if (r->log.f && r->log_max && r->log_bytes + (int64_t)n > r->log_max)
		rotate(r);
	if (r->log.f && fwrite(line, 1, n, r->log.f) != n && !r->log.err)
		r->log.err = -1;
	r->log_bytes += (int64_t)n;
	rsp_journal_add(&r->journal, line, n);
	free(line);
	rsp_tcp_wake(r);
}

void rsp_event(rsp *r, enum bo_gev type, json_t *obj)
{
	rsp_event_at(r, type, obj, bo_clock_real_ns());
}

void rsp_kvp_host(rsp *r, const char *host, const char *vm, int refused)
{
	if (!host[0] || !strcmp(host, r->kvp_host))
		return;
	json_t *e = json_pack("{s:s, s:s, s:s, s:s}", "host", host, "previous", r->kvp_host, "vm",
	                      vm, "source", "kvp");
	if (refused >= 0)
		json_object_set_new(e, "refused", json_integer(refused));
	rsp_event(r, BO_GEV_HOST, e);
	snprintf(r->kvp_host, sizeof r->kvp_host, "%s", host);
}
