/* Guest events: numbered, stamped on both guest clocks, kept in the journal for the event
 * channel and written to the local log. Also the periodic ones: a clock pair every 100 ms (a
 * change of realtime − monotonic beyond --step is reported as a clock step) and counters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bo_time.h"
#include "responder.h"

void rsp_event_at(rsp *r, const char *type, json_t *obj, int64_t realtime_ns)
{
	if (!obj)
		return;
	int64_t real = bo_clock_real_ns(), mono = bo_clock_mono_ns();
	/* An event observed earlier (a capture timestamp) gets the monotonic time that matches. */
	int64_t ev_mono = mono - (real - realtime_ns);
	json_t *e =
	        json_pack("{s:I, s:s, s:I, s:I}", "seq", (json_int_t)r->journal.next, "type", type,
	                  "realtime_ns", (json_int_t)realtime_ns, "mono_ns", (json_int_t)ev_mono);
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
	if (r->log.f && fwrite(line, 1, n, r->log.f) != n && !r->log.err)
		r->log.err = -1;
	rsp_journal_add(&r->journal, line, n);
	free(line);
	rsp_tcp_wake(r);
}

void rsp_event(rsp *r, const char *type, json_t *obj)
{
	rsp_event_at(r, type, obj, bo_clock_real_ns());
}
