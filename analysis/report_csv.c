/* SPDX-License-Identifier: Apache-2.0 */
/* --csv: one row per probe as the pairing engine resolves it (docs/formats.md). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "an.h"

void an_csv_header(FILE *f)
{
	fputs("target,stream,seq,send_ns,reply_ns,rtt_ns,status\n", f);
}

void an_csv_probe(void *arg, const an_stream *s, uint32_t seq, int64_t send, int64_t reply,
                  int status)
{
	static const char *const names[] = {
	        [AN_OK] = "answered", [AN_LOST] = "lost", [AN_BLIND] = "blind"};
	FILE *f = arg;
	if (!s) { /* the input is read again from its start: the rows so far are void */
		rewind(f);
		if (ftruncate(fileno(f), 0) != 0)
			fprintf(stderr, "blackout-analyze: cannot start the CSV anew\n");
		an_csv_header(f);
		return;
	}
	fprintf(f, "%s,%s,%u,%lld,", s->target_str, s->name, seq, send ? (long long)send : 0LL);
	if (reply)
		fprintf(f, "%lld,%lld,", (long long)reply, (long long)(reply - send));
	else
		fputs(",,", f);
	fprintf(f, "%s\n", names[status]);
}

/* The event column, once the events are known: the rows as streamed (in), each with the id of
 * the migration event of its target whose span holds its send time (empty if none), into out. */
typedef struct span {
	const char *target;
	int64_t start, end;
	int id;
} span;

static int by_target_start(const void *a, const void *b)
{
	const span *x = a, *y = b;
	int c = strcmp(x->target, y->target);
	return c ? c : x->start < y->start ? -1 : x->start > y->start;
}

int an_csv_events(const an_run *r, FILE *in, FILE *out)
{
	span *sp = malloc(((size_t)r->res.nevents + 1) * sizeof *sp);
	if (!sp)
		return -1;
	int n = 0;
	for (int i = 0; i < r->res.nevents; i++)
		if (r->res.events[i].kind == AN_EV_MIGRATION)
			sp[n++] = (span){r->eng.streams[r->res.events[i].stream0].target_str,
			                 r->res.events[i].start, r->res.events[i].end, i + 1};
	qsort(sp, (size_t)n, sizeof *sp, by_target_start);
	char line[512];
	int first = 1;
	while (fgets(line, sizeof line, in)) {
		size_t len = strcspn(line, "\n");
		line[len] = 0;
		if (first) {
			fprintf(out, "%s,event\n", line);
			first = 0;
			continue;
		}
		char target[64] = "";
		long long send = 0;
		const char *c1 = strchr(line, ','), *c3 = c1 ? strchr(c1 + 1, ',') : NULL;
		c3 = c3 ? strchr(c3 + 1, ',') : NULL;
		if (c1 && (size_t)(c1 - line) < sizeof target)
			memcpy(target, line, (size_t)(c1 - line));
		if (c3)
			send = atoll(c3 + 1);
		int id = 0, lo = 0, hi = n;
		while (lo < hi) { /* the target's first span */
			int mid = (lo + hi) / 2;
			if (strcmp(sp[mid].target, target) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (int i = lo; i < n && !id; i++) {
			int c = strcmp(sp[i].target, target);
			if (c > 0)
				break;
			if (!c && send >= sp[i].start && send <= sp[i].end)
				id = sp[i].id;
		}
		if (id)
			fprintf(out, "%s,%d\n", line, id);
		else
			fprintf(out, "%s,\n", line);
	}
	free(sp);
	return ferror(in) || ferror(out) ? -1 : 0;
}
