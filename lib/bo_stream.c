/* The registry of stream types: one line per type, in wire-id order. */
#include "bo_stream.h"

#include <stdio.h>
#include <string.h>

static const char echo_silent[] =
        "no echo reply: the guest firewall blocks inbound ICMP echo (Windows: enable \"File "
        "and Printer Sharing (Echo Request)\"), or the target is down";
static const char stamp_silent[] =
        "no STAMP reply: blackout-responder (or another reflector) not running, or UDP port "
        "%u blocked by the guest firewall";

static const bo_stream_desc icmp = {
        .name = "icmp",
        .wire_id = 1,
        .transport = BO_TRANSPORT_ICMP,
        .kind = BO_MATCH_ECHO,
        .flags = BO_STREAM_TAGGED | BO_STREAM_FOREIGN,
        .summary = "ICMP echo, one fixed identifier (what `ping -t` shows)",
        .silent = echo_silent,
        .filter = bo_filter_echo,
        .match = bo_match_echo,
        .accepts = bo_accepts_echo,
        .build = bo_build_echo,
};

static const bo_stream_desc icmp_new = {
        .name = "icmp-new",
        .wire_id = 2,
        .transport = BO_TRANSPORT_ICMP,
        .kind = BO_MATCH_ECHO,
        .flags = BO_STREAM_TAGGED | BO_STREAM_NEW_FLOW,
        .summary = "ICMP echo, a new identifier per probe (a new flow each time)",
        .silent = echo_silent,
        .filter = bo_filter_echo,
        .match = bo_match_echo,
        .accepts = bo_accepts_echo,
        .build = bo_build_echo,
};

static const bo_stream_desc udp = {
        .name = "udp",
        .wire_id = 3,
        .transport = BO_TRANSPORT_UDP,
        .kind = BO_MATCH_STAMP,
        .ports = BO_PORTS_STAMP,
        .flags = BO_STREAM_FOREIGN,
        .summary = "STAMP (RFC 8762) to the reflector, one fixed 5-tuple (an existing UDP flow)",
        .silent = stamp_silent,
        .filter = bo_filter_stamp,
        .match = bo_match_stamp,
        .accepts = bo_accepts_stamp,
        .build = bo_build_stamp,
};

static const bo_stream_desc udp_new = {
        .name = "udp-new",
        .wire_id = 4,
        .transport = BO_TRANSPORT_UDP,
        .kind = BO_MATCH_STAMP,
        .ports = BO_PORTS_STAMP,
        .flags = BO_STREAM_NEW_FLOW,
        .summary = "STAMP from a new source port per probe (a new UDP flow each time)",
        .silent = stamp_silent,
        .filter = bo_filter_stamp,
        .match = bo_match_stamp,
        .accepts = bo_accepts_stamp,
        .build = bo_build_stamp,
};

static const bo_stream_desc tcp_syn = {
        .name = "tcp-syn",
        .wire_id = 5,
        .transport = BO_TRANSPORT_TCP,
        .kind = BO_MATCH_SYN,
        .ports = BO_PORTS_TCP,
        .flags = BO_STREAM_NEW_FLOW | BO_STREAM_FOREIGN,
        .summary = "raw TCP SYN, a new source port each (a new inbound connection each time)",
        .build = bo_build_syn,
        .silent = "no SYN-ACK or RST: TCP port %u filtered by the guest firewall (a closed "
                  "port would have answered RST)",
        .filter = bo_filter_tcp,
        .match = bo_match_tcp,
        .accepts = bo_accepts_tcp,
};

static const bo_stream_desc tcp_est = {
        .name = "tcp-est",
        .wire_id = 6,
        .transport = BO_TRANSPORT_TCP,
        .kind = BO_MATCH_FRAMES,
        .ports = BO_PORTS_TCP,
        .flags = BO_STREAM_TAGGED | BO_STREAM_BYTES,
        .summary = "frames on one established TCP connection, echoed (an existing flow)",
        .build = bo_build_frame,
        .silent = "no echo: blackout-responder not listening on TCP port %u, or the port "
                  "blocked by the guest firewall",
        .filter = bo_filter_tcp,
        .match = bo_match_tcp,
        .accepts = bo_accepts_tcp,
};

const bo_stream_desc *const bo_streams[] = {&icmp, &icmp_new, &udp, &udp_new, &tcp_syn, &tcp_est};
const int bo_nstreams = (int)(sizeof bo_streams / sizeof bo_streams[0]);

const bo_stream_desc *bo_stream_by_name(const char *name)
{
	for (int i = 0; i < bo_nstreams; i++)
		if (strcmp(bo_streams[i]->name, name) == 0)
			return bo_streams[i];
	return NULL;
}

const bo_stream_desc *bo_stream_by_wire(uint8_t wire_id)
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

int bo_stream_match(const bo_stream_ctx *c, const bo_pkt *p, bo_hit *hits, int max)
{
	int t = transport_of(p);
	if (!t || max <= 0)
		return 0;
	int n = 0;
	for (int i = 0; i < bo_nstreams && n < max; i++) {
		const bo_stream_desc *d = bo_streams[i];
		int seen = 0; /* variants share a matcher: call each once */
		for (int k = 0; k < i; k++)
			seen |= bo_streams[k]->match == d->match;
		if (d->transport == t && !seen)
			n += d->match(c, p, hits + n, max - n);
	}
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

uint16_t bo_stream_icmp_id(const bo_stream_inst *s, uint32_t seq)
{
	return (s->desc->flags & BO_STREAM_NEW_FLOW) ? bo_icmp_new_id(s->icmp_id, seq) : s->icmp_id;
}
