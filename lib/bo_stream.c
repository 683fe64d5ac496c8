/* SPDX-License-Identifier: Apache-2.0 */
/* The registry of stream types: one entry per type, in wire-id order, and the lookups and the
 * one matching pass every program uses. The types themselves are defined with their wire
 * formats (bo_stream_icmp.c, bo_stream_udp.c, bo_stream_tcp.c). */
#include "bo_stream.h"

#include <stdio.h>
#include <string.h>

/* Each defined in its wire format's file; a new one is one line here, in wire-id order. */
extern const bo_stream_desc bo_stream_icmp, bo_stream_icmp_new, bo_stream_udp, bo_stream_udp_new,
        bo_stream_tcp_syn, bo_stream_tcp_est;

const bo_stream_desc *const bo_streams[] = {&bo_stream_icmp,    &bo_stream_icmp_new,
                                            &bo_stream_udp,     &bo_stream_udp_new,
                                            &bo_stream_tcp_syn, &bo_stream_tcp_est};
const int bo_nstreams = (int)(sizeof bo_streams / sizeof bo_streams[0]);

const bo_stream_desc *bo_stream_by_name(const char *name)
{
	for (int i = 0; i < bo_nstreams; i++)
		if (strcmp(bo_streams[i]->name, name) == 0)
			return bo_streams[i];
	return NULL;
}

const bo_stream_desc *bo_stream_by_wire_scan(uint8_t wire_id)
{
	for (int i = 0; i < bo_nstreams; i++)
		if (bo_streams[i]->wire_id == wire_id)
			return bo_streams[i];
	return NULL;
}

const bo_stream_desc *bo_stream_foreign(enum bo_match_kind kind)
{
	for (int i = 0; i < bo_nstreams; i++)
		if (bo_streams[i]->kind == kind && (bo_streams[i]->flags & BO_STREAM_FOREIGN))
			return bo_streams[i];
	return NULL;
}

static int transport_of(const bo_pkt *p)
{
	switch (p->l4) {
	case BO_L4_ICMP:
	case BO_L4_ICMP6: return BO_TRANSPORT_ICMP;
	case BO_L4_UDP: return BO_TRANSPORT_UDP;
	case BO_L4_TCP: return BO_TRANSPORT_TCP;
	default: return 0;
	}
}

/* Per transport, the distinct matchers of the registry (variants share one), found once. */
typedef int (*matcher)(const bo_stream_ctx *c, const bo_pkt *p, bo_hit *hits, int max);
static matcher by_transport[BO_TRANSPORT_TCP + 1][8];
static int nby_transport[BO_TRANSPORT_TCP + 1];
static int dispatch_ready;

/* Found in locals and written whole: a second thread that races the first writes the same
 * values, never a half-built table's count. */
static void dispatch_init(void)
{
	matcher by[BO_TRANSPORT_TCP + 1][8] = {{0}};
	int nby[BO_TRANSPORT_TCP + 1] = {0};
	for (int i = 0; i < bo_nstreams; i++) {
		const bo_stream_desc *d = bo_streams[i];
		int t = d->transport, seen = 0;
		for (int k = 0; k < nby[t]; k++)
			seen |= by[t][k] == d->match;
		if (!seen && nby[t] < 8)
			by[t][nby[t]++] = d->match;
	}
	memcpy(by_transport, by, sizeof by);
	memcpy(nby_transport, nby, sizeof nby);
	dispatch_ready = 1;
}

int bo_stream_match(const bo_stream_ctx *c, const bo_pkt *p, bo_hit *hits, int max)
{
	int t = transport_of(p);
	if (!t || max <= 0)
		return 0;
	if (!dispatch_ready) /* the same values from any thread that gets here first */
		dispatch_init();
	if (nby_transport[t] == 1) /* the usual case: one wire format per transport */
		return by_transport[t][0](c, p, hits, max);
	int n = 0;
	for (int i = 0; i < nby_transport[t] && n < max; i++)
		n += by_transport[t][i](c, p, hits + n, max - n);
	return n;
}

const bo_stream_desc *bo_stream_of_kind(enum bo_match_kind kind)
{
	for (int i = 0; i < bo_nstreams; i++)
		if (bo_streams[i]->kind == kind)
			return bo_streams[i];
	return NULL;
}

uint16_t bo_stream_port(const bo_stream_desc *d, uint16_t stamp_port, uint16_t tcp_port)
{
	return d->ports == BO_PORTS_STAMP ? stamp_port : d->ports == BO_PORTS_TCP ? tcp_port : 0;
}

const char *bo_transport_name(enum bo_transport t)
{
	static const char *const names[] = {[BO_TRANSPORT_ICMP] = "icmp",
	                                    [BO_TRANSPORT_UDP] = "udp",
	                                    [BO_TRANSPORT_TCP] = "tcp"};
	return t >= BO_TRANSPORT_ICMP && t <= BO_TRANSPORT_TCP ? names[t] : "?";
}

char *bo_stream_names(char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = 0;
	for (int i = 0; i < bo_nstreams && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? ", " : "",
		                       bo_streams[i]->name);
	return buf;
}
