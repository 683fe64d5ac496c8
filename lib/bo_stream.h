/* SPDX-License-Identifier: Apache-2.0 */
/* The stream types: what each one is on the wire, in one const table (bo_stream.c) that the
 * probe's sender and live view, the analyzer's capture pass, the responder's arrival records
 * and the lab iterate. Nothing outside this table compares stream names or knows wire ids.
 *
 * A stream type is a descriptor: its name and wire id (the stream number in every probe's
 * tag), its transport, flags, which of the run's ports it uses, a capture-filter fragment and
 * a matcher from a dissected packet to hits: (stream, target, sequence number, direction).
 * Variants of one wire format (icmp and icmp-new, udp and udp-new) share a matcher. Each wire
 * format is one file that defines its descriptors (bo_stream_icmp.c, bo_stream_udp.c,
 * bo_stream_tcp.c); bo_stream.c lists them.
 */
#ifndef BO_STREAM_H
#define BO_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bo_ctl.h"
#include "bo_pkt.h"
#include "bo_stamp.h"
#include "bo_tag.h"

enum bo_transport {
	BO_TRANSPORT_ICMP = 1, /* ICMP or ICMPv6 echo */
	BO_TRANSPORT_UDP,
	BO_TRANSPORT_TCP,
};

/* How a stream's packets are recognised: one matcher per wire format. */
enum bo_match_kind {
	BO_MATCH_ECHO = 1, /* ICMP echo with the tag as its data */
	BO_MATCH_STAMP,    /* STAMP test packets; the SSID names the session */
	BO_MATCH_SYN,      /* a SYN whose (source port, ISN) is keyed; its SYN-ACK or RST */
	BO_MATCH_FRAMES,   /* tagged frames in one TCP byte stream */
};

enum {
	BO_STREAM_NEW_FLOW = 1, /* every probe a new flow: a new ICMP identifier or source port */
	BO_STREAM_BYTES = 2,    /* frames in a byte stream: TCP holds and resends them, several
	                         * may share a segment, faster probing would only queue up */
	BO_STREAM_TAGGED = 4,   /* every probe carries the keyed tag, with its deadline */
	BO_STREAM_FOREIGN = 8,  /* what a capture taken by anyone (ping, a STAMP sender,
	                         * hping3 -S) is read as, for this matcher */
	BO_STREAM_KERNEL = 16,  /* answered by the target's kernel (an echo reply, a SYN-ACK or
	                         * RST), not by the responder: it answers while that is away */
};

/* Which of the run's ports a stream uses. */
enum bo_port_use { BO_PORTS_NONE = 0, BO_PORTS_STAMP, BO_PORTS_TCP };

/* What a matcher needs to know of the run. */
typedef struct bo_stream_ctx {
	const bo_key *key;             /* the run's key; NULL: tags are read, not verified */
	uint32_t run_id;               /* with a key, tags of other runs do not match */
	const bo_stamp_key *stamp_key; /* NULL or empty: unauthenticated STAMP */
	uint16_t stamp_port, tcp_port;
	int64_t mono_to_real; /* building: realtime - monotonic, for STAMP's T1 */
} bo_stream_ctx;

typedef struct bo_stream_desc bo_stream_desc;

/* One probe or reply found in a packet. */
typedef struct bo_hit {
	const bo_stream_desc *desc; /* NULL when the packet alone does not say (STAMP: the SSID
	                             * names the session; a foreign ping or SYN) */
	uint8_t kind;               /* enum bo_match_kind */
	uint8_t reply;              /* 0: a request to the target; 1: its reply */
	uint8_t verified;           /* the tag or ISN verified with the run's key */
	uint8_t tagged;             /* seq, run_id and deadline come from a tag */
	bo_addr target;
	uint32_t seq; /* tagged or verified: the probe's; STAMP: the sender's sequence number;
	               * a foreign echo: the 16-bit ICMP sequence number */
	uint32_t run_id;
	int64_t deadline;     /* tagged: the probe's deadline, probe monotonic ns */
	uint16_t icmp_id;     /* echo */
	uint16_t ssid;        /* STAMP */
	uint16_t port;        /* our side's port: the UDP, SYN or connection source port */
	uint16_t target_port; /* the target's side */
	uint16_t icmp_seq;    /* echo: as on the wire */
	uint32_t isn;         /* SYN: the request's ISN, or the reply's ack - 1 */
	size_t offset;        /* frames: where the tag starts in the payload */
	int stamp_status;     /* STAMP: 0, or why it could not be read (BO_ETRUNC, BO_EAUTH) */
	uint16_t stamp_len;   /* STAMP: the payload's octets (at most 65535) */
	/* Last, and filled only by the STAMP matcher (bo_hit_init clears what is above). */
	bo_stamp stamp; /* STAMP: the packet as read (a reply's T2 and T3) */
} bo_hit;

/* A hit of a matcher's kind, everything but .stamp zero (a packet's hits are many; the STAMP
 * fields are the STAMP matcher's). */
static inline void bo_hit_init(bo_hit *h, uint8_t kind, int reply)
{
	memset(h, 0, offsetof(bo_hit, stamp));
	h->kind = kind;
	h->reply = (uint8_t)reply;
}

/* One stream of one target, as the probe made it: what the filter and the check of a hit
 * against that stream need. */
typedef struct bo_stream_inst {
	const bo_stream_desc *desc;
	bo_addr target;
	uint16_t icmp_id;    /* echo: the fixed identifier, or the base of per-probe ones */
	uint16_t ssid;       /* STAMP */
	uint16_t local_port; /* a fixed flow's source port; 0: not checked */
	uint16_t stamp_port, tcp_port;
	bo_addr local; /* our address towards the target (pseudo-header checksums) */
} bo_stream_inst;

/* A probe as built: its transport packet, header and payload. Checksums that need no
 * pseudo-header (ICMPv4) or that a raw socket leaves to us (TCP over IPv4) are filled; the
 * rest are the kernel's (bo_cksum_l4 fills them where no kernel does, as in a dry run). */
#define BO_PROBE_MAX (20 + BO_STAMP_AUTH_LEN)
typedef struct bo_probe_pkt {
	uint8_t proto;      /* IP protocol: 1, 58, 6 or 17 */
	size_t len;         /* of l4[] */
	size_t payload_off; /* where the transport payload starts in l4[] */
	uint8_t l4[BO_PROBE_MAX];
} bo_probe_pkt;

/* The request line a tcp-est connection opens with. */
#define BO_FRAMES_HELLO BO_CTL_ECHO_LINE

/* Up to this many hits in one packet (tcp-est frames in one segment). */
#define BO_HITS_MAX 64

struct bo_stream_desc {
	const char *name;
	uint8_t wire_id;
	uint8_t transport; /* enum bo_transport */
	uint8_t kind;      /* enum bo_match_kind */
	uint8_t ports;     /* enum bo_port_use */
	unsigned flags;    /* BO_STREAM_* */
	const char *summary;
	/* Why it may never answer, for the pre-flight warning; %u is the port it uses. */
	const char *silent;
	/* A BPF expression for this stream's requests and replies to one target. */
	void (*filter)(const bo_stream_inst *s, char *buf, size_t len);
	/* The hits in a packet, at most max; their number. Shared by a wire format's variants
	 * and called once per packet for them all. */
	int (*match)(const bo_stream_ctx *c, const bo_pkt *p, bo_hit *hits, int max);
	/* Does a hit belong to this stream of this target (identifier, SSID, port)? */
	int (*accepts)(const bo_stream_inst *s, const bo_hit *h);
	/* Probe seq with its deadline (probe monotonic ns): 0, or BO_ERANGE. The one build
	 * path of the live run and the dry run. A new flow's source port is the socket's in a
	 * live run; the builder's stand-in then is only the dry run's. */
	int (*build)(const bo_stream_ctx *c, const bo_stream_inst *s, uint32_t seq,
	             int64_t deadline, bo_probe_pkt *out);
};

/* The registry, in wire-id order. */
extern const bo_stream_desc *const bo_streams[];
extern const int bo_nstreams;

const bo_stream_desc *bo_stream_by_name(const char *name);
const bo_stream_desc *bo_stream_by_wire_scan(uint8_t wire_id);
/* The table is in wire-id order from 1 (unit.stream checks it): one look, per packet. */
static inline const bo_stream_desc *bo_stream_by_wire(uint8_t wire_id)
{
	if (wire_id >= 1 && wire_id <= bo_nstreams && bo_streams[wire_id - 1]->wire_id == wire_id)
		return bo_streams[wire_id - 1];
	return bo_stream_by_wire_scan(wire_id);
}
/* The descriptor a foreign capture's probes of this matcher are read as (icmp, udp, tcp-syn). */
const bo_stream_desc *bo_stream_foreign(enum bo_match_kind kind);
/* The first descriptor with this matcher kind. */
const bo_stream_desc *bo_stream_of_kind(enum bo_match_kind kind);

/* Every hit in a packet, from every matcher whose transport fits: their number (0..max). */
int bo_stream_match(const bo_stream_ctx *c, const bo_pkt *p, bo_hit *hits, int max);

/* The run's port a stream uses (0 for none). */
uint16_t bo_stream_port(const bo_stream_desc *d, uint16_t stamp_port, uint16_t tcp_port);

/* "icmp", "udp", "tcp". */
const char *bo_transport_name(enum bo_transport t);

/* "icmp, icmp-new, ..." for help texts; buf of len bytes. */
char *bo_stream_names(char *buf, size_t len);

#endif
