/* The registry of stream types. */
#include <string.h>

#include "probe.h"

extern const probe_stream_ops probe_stream_icmp, probe_stream_icmp_new, probe_stream_udp,
        probe_stream_udp_new, probe_stream_tcp_syn, probe_stream_tcp_est;

static const probe_stream_ops *const registry[] = {&probe_stream_icmp,    &probe_stream_icmp_new,
                                                   &probe_stream_udp,     &probe_stream_udp_new,
                                                   &probe_stream_tcp_syn, &probe_stream_tcp_est};

const probe_stream_ops *probe_stream_find(const char *name)
{
	for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

void probe_streams_help(FILE *f)
{
	for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++)
		fprintf(f, "  %-10s %s\n", registry[i]->name, registry[i]->summary);
}
