/* --csv: one row per probe as the pairing engine resolves it (docs/formats.md). */
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
	fprintf(f, "%s,%s,%u,%lld,", s->target_str, s->name, seq, send ? (long long)send : 0LL);
	if (reply)
		fprintf(f, "%lld,%lld,", (long long)reply, (long long)(reply - send));
	else
		fputs(",,", f);
	fprintf(f, "%s\n", names[status]);
}
