/* SPDX-License-Identifier: Apache-2.0 */
/* The probe's view of the stream registry (lib/bo_stream.h): names for the command line, and
 * the one build path of the live run and the dry run. */
#include <string.h>

#include "probe.h"

const bo_stream_desc *probe_stream_find(const char *name)
{
	return bo_stream_by_name(name);
}

void probe_streams_help(FILE *f)
{
	for (int i = 0; i < bo_nstreams; i++)
		fprintf(f, "  %-10s %s\n", bo_streams[i]->name, bo_streams[i]->summary);
}

int probe_build(const probe_slot *s, uint32_t seq, int64_t deadline, bo_probe_pkt *pkt)
{
	return s->desc->build(&s->run->sctx, &s->inst, seq, deadline, pkt);
}
