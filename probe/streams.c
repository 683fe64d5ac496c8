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

int probe_raw_shared(probe_slot *s, int tcp, char *err, size_t errlen)
{
	int family = s->target->addr.family;
	int *fd = &s->run->raw_fd[(tcp ? 2 : 0) + (family == 6)];
	if (*fd < 0)
		*fd = tcp ? probe_tcp_raw_open(family, err, errlen)
		          : probe_raw_open(family, err, errlen);
	if (*fd < 0) {
		int rc = *fd;
		*fd = -1;
		return rc;
	}
	s->fd = *fd;
	s->fd_shared = 1;
	return 0;
}
