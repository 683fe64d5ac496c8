/* SPDX-License-Identifier: Apache-2.0 */
/* A dissector for the packets blackout sends, receives and captures.
 *
 * Link layers: Ethernet (with 802.1Q tags), Linux cooked v1/v2, raw IP, BSD loopback.
 * Network: IPv4, IPv6 (extension headers skipped), ARP and RARP.
 * Transport: ICMP and ICMPv6 (echo, neighbour advertisement), TCP, UDP.
 * Every byte is read through bo_rd; a truncated packet gives BO_ETRUNC, never an over-read.
 */
#ifndef BO_PKT_H
#define BO_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Link types as libpcap reports them (DLT_*), plus the file values some writers use. */
enum {
	BO_LINK_NULL = 0,
	BO_LINK_EN10MB = 1,
	BO_LINK_RAW = 12,
	BO_LINK_RAW_OPENBSD = 14,
	BO_LINK_RAW_FILE = 101,
	BO_LINK_LOOP = 108,
	BO_LINK_LINUX_SLL = 113,
	BO_LINK_IPV4 = 228,
	BO_LINK_IPV6 = 229,
	BO_LINK_LINUX_SLL2 = 276,
};

typedef struct bo_addr {
	uint8_t family; /* 4, 6, or 0 when absent */
	uint8_t a[16];  /* IPv4 uses the first 4 bytes */
} bo_addr;

enum bo_l4 {
	BO_L4_NONE = 0, /* no network layer we know */
	BO_L4_OTHER,    /* IP, but a protocol or fragment we do not dissect */
	BO_L4_ICMP,
	BO_L4_ICMP6,
	BO_L4_TCP,
	BO_L4_UDP,
	BO_L4_ARP, /* ARP or RARP: see arp_* fields */
};

#define BO_TCP_FIN 0x01
#define BO_TCP_SYN 0x02
#define BO_TCP_RST 0x04
#define BO_TCP_PSH 0x08
#define BO_TCP_ACK 0x10

typedef struct bo_pkt {
	int has_eth;
	uint8_t eth_src[6];
	uint8_t eth_dst[6];
	bo_addr src, dst;
	uint8_t ttl; /* IPv4 TTL or IPv6 hop limit */
	uint8_t l4;  /* enum bo_l4 */
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq; /* echo request/reply only */
	uint16_t sport, dport;      /* TCP and UDP */
	uint32_t tcp_seq, tcp_ack;
	uint8_t tcp_flags;
	int rarp;        /* ARP family: 1 for RARP (ethertype 0x8035) */
	uint16_t arp_op; /* 1 request, 2 reply, 3/4 RARP */
	uint8_t arp_sha[6];
	bo_addr arp_spa, arp_tpa;
	bo_addr nd_target;      /* ICMPv6 neighbour advertisement target */
	const uint8_t *payload; /* transport payload (ICMP: after the 8-byte header) */
	size_t payload_len;
} bo_pkt;

/* Dissects one captured frame. Returns 0 (p->l4 says how far it got), BO_ETRUNC when the
 * frame ends inside a header, BO_ENOTSUP for an unknown link type, BO_EINVAL for headers that
 * contradict themselves. */
int bo_pkt_parse(int linktype, const uint8_t *data, size_t caplen, bo_pkt *p);

/* Dissects from the network layer: version taken from the first nibble. */
int bo_pkt_parse_ip(const uint8_t *data, size_t len, bo_pkt *p);

/* Equal family and address (IPv4: the first 4 bytes). Inline: every packet asks it, often. */
static inline int bo_addr_eq(const bo_addr *a, const bo_addr *b)
{
	if (a->family != b->family)
		return 0;
	if (a->family == 4) {
		uint32_t x, y;
		memcpy(&x, a->a, 4);
		memcpy(&y, b->a, 4);
		return x == y;
	}
	uint64_t x[2], y[2];
	memcpy(x, a->a, 16);
	memcpy(y, b->a, 16);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

/* Text form of an address ("192.0.2.2", "2001:db8::2"); buf needs 48 bytes. */
char *bo_addr_str(const bo_addr *a, char *buf, size_t len);

/* Parses an IPv4 or IPv6 literal. Returns 0 or BO_EINVAL. */
int bo_addr_parse(const char *s, bo_addr *a);

#endif
