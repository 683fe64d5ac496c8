/* SPDX-License-Identifier: Apache-2.0 */
/* Packet dissector: link layer → IPv4/IPv6/ARP → ICMP/ICMPv6/TCP/UDP. */
#include "bo_pkt.h"

#include <stdio.h>
#include <string.h>

#ifdef _WIN32
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#endif

#include "bo_err.h"
#include "bo_rd.h"

#define ETH_IPV4 0x0800
#define ETH_ARP 0x0806
#define ETH_RARP 0x8035
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_IPV6 0x86dd

static int parse_arp(bo_rd *r, int rarp, bo_pkt *p)
{
	uint16_t htype = bo_rd_be16(r), ptype = bo_rd_be16(r);
	uint8_t hlen = bo_rd_u8(r), plen = bo_rd_u8(r);
	p->arp_op = bo_rd_be16(r);
	if (r->err)
		return BO_ETRUNC;
	if (htype != 1 || ptype != ETH_IPV4 || hlen != 6 || plen != 4)
		return 0; /* an ARP we do not read: l4 stays NONE */
	bo_rd_copy(r, p->arp_sha, 6);
	p->arp_spa.family = 4;
	bo_rd_copy(r, p->arp_spa.a, 4);
	bo_rd_skip(r, 6);
	p->arp_tpa.family = 4;
	bo_rd_copy(r, p->arp_tpa.a, 4);
	if (r->err)
		return BO_ETRUNC;
	p->rarp = rarp;
	p->l4 = BO_L4_ARP;
	return 0;
}

static int parse_l4(bo_rd *r, uint8_t proto, bo_pkt *p)
{
	switch (proto) {
	case 1:
	case 58:
		p->icmp_type = bo_rd_u8(r);
		p->icmp_code = bo_rd_u8(r);
		bo_rd_skip(r, 2); /* checksum */
		p->icmp_id = bo_rd_be16(r);
		p->icmp_seq = bo_rd_be16(r);
		if (r->err)
			return BO_ETRUNC;
		p->l4 = proto == 1 ? BO_L4_ICMP : BO_L4_ICMP6;
		if (proto == 58 && p->icmp_type == 136) { /* NA: the target follows flags */
			bo_rd na = *r;
			bo_rd_copy(&na, p->nd_target.a, 16);
			if (!na.err)
				p->nd_target.family = 6;
		}
		break;
	case 6: {
		p->sport = bo_rd_be16(r);
		p->dport = bo_rd_be16(r);
		p->tcp_seq = bo_rd_be32(r);
		p->tcp_ack = bo_rd_be32(r);
		uint8_t off = bo_rd_u8(r) >> 4;
		p->tcp_flags = bo_rd_u8(r);
		if (r->err)
			return BO_ETRUNC;
		if (off < 5)
			return BO_EINVAL;
		p->l4 = BO_L4_TCP;
		/* A snaplen may cut the rest of the header and its options (tcpdump -s 54 .. 68):
		 * ports, numbers and flags, all a SYN or SYN-ACK needs, are in its first 14
		 * octets. Then there is no payload to read. */
		bo_rd_skip(r, 6 + (size_t)(off - 5) * 4);
		if (r->err) {
			p->payload = r->p;
			p->payload_len = 0;
			return 0;
		}
		break;
	}
	case 17:
		p->sport = bo_rd_be16(r);
		p->dport = bo_rd_be16(r);
		bo_rd_skip(r, 4);
		if (r->err)
			return BO_ETRUNC;
		p->l4 = BO_L4_UDP;
		break;
	default: p->l4 = BO_L4_OTHER; return 0;
	}
	p->payload = r->p + r->off;
	p->payload_len = bo_rd_left(r);
	return 0;
}

static int parse_ipv4(bo_rd *r, bo_pkt *p)
{
	uint8_t vihl = bo_rd_u8(r);
	bo_rd_skip(r, 1);
	uint16_t total = bo_rd_be16(r);
	bo_rd_skip(r, 2);
	uint16_t frag = bo_rd_be16(r);
	p->ttl = bo_rd_u8(r);
	uint8_t proto = bo_rd_u8(r);
	bo_rd_skip(r, 2);
	p->src.family = p->dst.family = 4;
	bo_rd_copy(r, p->src.a, 4);
	bo_rd_copy(r, p->dst.a, 4);
	if (r->err)
		return BO_ETRUNC;
	size_t ihl = (size_t)(vihl & 0x0f) * 4;
	if ((vihl >> 4) != 4 || ihl < 20 || total < ihl)
		return BO_EINVAL;
	bo_rd_skip(r, ihl - 20);
	if (r->err)
		return BO_ETRUNC;
	/* Trim link-layer padding; a capture cut short keeps what it has. */
	size_t body = total - ihl;
	bo_rd b = bo_rd_make(r->p + r->off, body < bo_rd_left(r) ? body : bo_rd_left(r));
	if (frag & 0x1fff) {
		p->l4 = BO_L4_OTHER; /* a later fragment carries no transport header */
		return 0;
	}
	return parse_l4(&b, proto, p);
}

static int parse_ipv6(bo_rd *r, bo_pkt *p)
{
	uint8_t v = bo_rd_u8(r) >> 4;
	bo_rd_skip(r, 3);
	uint16_t plen = bo_rd_be16(r);
	uint8_t next = bo_rd_u8(r);
	p->ttl = bo_rd_u8(r);
	p->src.family = p->dst.family = 6;
	bo_rd_copy(r, p->src.a, 16);
	bo_rd_copy(r, p->dst.a, 16);
	if (r->err)
		return BO_ETRUNC;
	if (v != 6)
		return BO_EINVAL;
	bo_rd b = bo_rd_make(r->p + r->off, plen < bo_rd_left(r) ? plen : bo_rd_left(r));
	/* Skip extension headers; at most a handful, so a hostile chain cannot loop long. */
	for (int i = 0; i < 8; i++) {
		if (next == 0 || next == 43 || next == 60) {
			next = bo_rd_u8(&b);
			size_t hl = ((size_t)bo_rd_u8(&b) + 1) * 8;
			bo_rd_skip(&b, hl - 2);
		} else if (next == 44) {
			next = bo_rd_u8(&b);
			bo_rd_skip(&b, 1);
			uint16_t off = bo_rd_be16(&b);
			bo_rd_skip(&b, 4);
			if (!b.err && (off & 0xfff8)) {
				p->l4 = BO_L4_OTHER;
				return 0;
			}
		} else {
			break;
		}
		if (b.err)
			return BO_ETRUNC;
	}
	return parse_l4(&b, next, p);
}

static int parse_by_ethertype(bo_rd *r, uint16_t et, bo_pkt *p)
{
	switch (et) {
	case ETH_IPV4: return parse_ipv4(r, p);
	case ETH_IPV6: return parse_ipv6(r, p);
	case ETH_ARP: return parse_arp(r, 0, p);
	case ETH_RARP: return parse_arp(r, 1, p);
	}
	return 0;
}

int bo_pkt_parse_ip(const uint8_t *data, size_t len, bo_pkt *p)
{
	bo_rd r = bo_rd_make(data, len);
	if (len < 1)
		return BO_ETRUNC;
	switch (data[0] >> 4) {
	case 4: return parse_ipv4(&r, p);
	case 6: return parse_ipv6(&r, p);
	}
	return BO_EINVAL;
}

int bo_pkt_parse(int linktype, const uint8_t *data, size_t caplen, bo_pkt *p)
{
	memset(p, 0, sizeof *p);
	bo_rd r = bo_rd_make(data, caplen);
	uint16_t et;
	switch (linktype) {
	case BO_LINK_EN10MB:
		bo_rd_copy(&r, p->eth_dst, 6);
		bo_rd_copy(&r, p->eth_src, 6);
		et = bo_rd_be16(&r);
		for (int tags = 0; (et == ETH_VLAN || et == ETH_QINQ) && tags < 2; tags++) {
			bo_rd_skip(&r, 2);
			et = bo_rd_be16(&r);
		}
		if (r.err)
			return BO_ETRUNC;
		p->has_eth = 1;
		return parse_by_ethertype(&r, et, p);
	case BO_LINK_LINUX_SLL:
		bo_rd_skip(&r, 14);
		et = bo_rd_be16(&r);
		if (r.err)
			return BO_ETRUNC;
		return parse_by_ethertype(&r, et, p);
	case BO_LINK_LINUX_SLL2:
		et = bo_rd_be16(&r);
		bo_rd_skip(&r, 18);
		if (r.err)
			return BO_ETRUNC;
		return parse_by_ethertype(&r, et, p);
	case BO_LINK_NULL:
	case BO_LINK_LOOP:
		bo_rd_skip(&r,
		           4); /* address family in host or network order: read the IP version */
		if (r.err)
			return BO_ETRUNC;
		return bo_pkt_parse_ip(r.p + r.off, bo_rd_left(&r), p);
	case BO_LINK_RAW:
	case BO_LINK_RAW_OPENBSD:
	case BO_LINK_RAW_FILE:
	case BO_LINK_IPV4:
	case BO_LINK_IPV6: return bo_pkt_parse_ip(data, caplen, p);
	}
	return BO_ENOTSUP;
}

char *bo_addr_str(const bo_addr *a, char *buf, size_t len)
{
	if (a->family == 4 || a->family == 6)
		inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->a, buf, (socklen_t)len);
	else
		snprintf(buf, len, "-");
	return buf;
}

int bo_addr_parse(const char *s, bo_addr *a)
{
	memset(a, 0, sizeof *a);
	if (inet_pton(AF_INET, s, a->a) == 1) {
		a->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->a) == 1) {
		a->family = 6;
		return 0;
	}
	return BO_EINVAL;
}
