/* SPDX-License-Identifier: Apache-2.0 */
/* Dissector against hand-written frames, and every truncation of each. */
#include "bo_err.h"
#include "bo_pkt.h"
#include "check.h"

/* Ethernet, IPv4, ICMP echo request id 0xbeef seq 1, payload "abcd". */
static const char *icmp_req = "00155d000002 020000000001 0800"
                              "4500 0020 1234 0000 4001 0000 c0000201 c0000202"
                              "0800 0000 beef 0001 61626364";
/* Gratuitous ARP request from 192.0.2.2. */
static const char *garp = "ffffffffffff 00155d000002 0806"
                          "0001 0800 06 04 0001 00155d000002 c0000202 000000000000 c0000202";
/* Linux cooked v2, IPv6, ICMPv6 echo reply id 7 seq 2, payload "wxyz". */
static const char *sll2_echo6 =
        "86dd 0000 00000002 0001 00 06 00155d0000020000"
        "6000 0000 000c 3a 40 20010db8000000000000000000000002 20010db8000000000000000000000001"
        "8100 0000 0007 0002 7778797a";
/* Raw IPv4 TCP SYN-ACK 192.0.2.2:22 -> 192.0.2.1:50000. */
static const char *raw_synack = "4500 0028 0000 4000 4006 0000 c0000202 c0000201"
                                "0016 c350 00000064 000003e9 5012 ffff 0000 0000";
/* IPv6 with a hop-by-hop header in front of an ICMPv6 echo request. */
static const char *v6_hbh =
        "6000 0000 0010 00 40 20010db8000000000000000000000001 20010db8000000000000000000000002"
        "3a00 0104 00000000"
        "8000 0000 0001 0005";

/* Parses every prefix of a frame in an exact-size buffer; returns the shortest length that
 * parsed without error. */
static size_t every_prefix(int link, const char *hex)
{
	size_t n;
	unsigned char *full = check_hex(hex, &n);
	size_t first_ok = n + 1;
	for (size_t len = 0; len <= n; len++) {
		unsigned char *buf = check_exact(full, len);
		bo_pkt p;
		int rc = bo_pkt_parse(link, buf, len, &p);
		CHECK(rc == 0 || rc == BO_ETRUNC);
		if (rc == 0 && first_ok > n)
			first_ok = len;
		if (rc == 0 && p.payload)
			CHECK(p.payload + p.payload_len <= buf + len);
		free(buf);
	}
	free(full);
	return first_ok;
}

static int parse_hex(int link, const char *hex, bo_pkt *p)
{
	size_t n;
	unsigned char *buf = check_hex(hex, &n);
	int rc = bo_pkt_parse(link, buf, n, p);
	free(buf); /* fields copied; payload pointer not used after this */
	p->payload = NULL;
	return rc;
}

int main(void)
{
	bo_pkt p;
	char a[48];

	CHECK_INT(parse_hex(BO_LINK_EN10MB, icmp_req, &p), 0);
	CHECK_INT(p.l4, BO_L4_ICMP);
	CHECK_INT(p.icmp_type, 8);
	CHECK_INT(p.icmp_id, 0xbeef);
	CHECK_INT(p.icmp_seq, 1);
	CHECK_INT(p.payload_len, 4);
	CHECK_INT(p.ttl, 64);
	CHECK_STR(bo_addr_str(&p.src, a, sizeof a), "192.0.2.1");
	CHECK_STR(bo_addr_str(&p.dst, a, sizeof a), "192.0.2.2");
	CHECK_MEM(p.eth_src, "\x02\x00\x00\x00\x00\x01", 6);
	CHECK_INT(every_prefix(BO_LINK_EN10MB, icmp_req), 14 + 20 + 8);

	CHECK_INT(parse_hex(BO_LINK_EN10MB, garp, &p), 0);
	CHECK_INT(p.l4, BO_L4_ARP);
	CHECK_INT(p.arp_op, 1);
	CHECK_INT(p.rarp, 0);
	CHECK(bo_addr_eq(&p.arp_spa, &p.arp_tpa));
	CHECK_STR(bo_addr_str(&p.arp_spa, a, sizeof a), "192.0.2.2");
	CHECK_MEM(p.arp_sha, "\x00\x15\x5d\x00\x00\x02", 6);
	CHECK_INT(every_prefix(BO_LINK_EN10MB, garp), 14 + 28);

	CHECK_INT(parse_hex(BO_LINK_LINUX_SLL2, sll2_echo6, &p), 0);
	CHECK_INT(p.l4, BO_L4_ICMP6);
	CHECK_INT(p.icmp_type, 129);
	CHECK_INT(p.icmp_id, 7);
	CHECK_INT(p.icmp_seq, 2);
	CHECK_INT(p.payload_len, 4);
	CHECK_STR(bo_addr_str(&p.src, a, sizeof a), "2001:db8::2");
	CHECK_INT(every_prefix(BO_LINK_LINUX_SLL2, sll2_echo6), 20 + 40 + 8);

	CHECK_INT(parse_hex(BO_LINK_RAW, raw_synack, &p), 0);
	CHECK_INT(p.l4, BO_L4_TCP);
	CHECK_INT(p.sport, 22);
	CHECK_INT(p.dport, 50000);
	CHECK_INT(p.tcp_seq, 100);
	CHECK_INT(p.tcp_ack, 1001);
	CHECK_INT(p.tcp_flags, BO_TCP_SYN | BO_TCP_ACK);
	/* 20 of IP and the TCP header's first 14 octets: ports, numbers, flags (a snaplen that
	 * cut the rest and the options still leaves a SYN-ACK to pair) */
	CHECK_INT(every_prefix(BO_LINK_RAW, raw_synack), 34);

	CHECK_INT(parse_hex(BO_LINK_RAW_FILE, v6_hbh, &p), 0);
	CHECK_INT(p.l4, BO_L4_ICMP6);
	CHECK_INT(p.icmp_type, 128);
	CHECK_INT(p.icmp_seq, 5);
	every_prefix(BO_LINK_RAW_FILE, v6_hbh);

	/* Headers that contradict themselves are invalid, not truncated. */
	CHECK_INT(parse_hex(BO_LINK_RAW, "4400 0020 0000 0000 4001 0000 c0000201 c0000202", &p),
	          BO_EINVAL);
	CHECK_INT(parse_hex(BO_LINK_RAW, "7500", &p), BO_EINVAL);
	CHECK_INT(parse_hex(999, icmp_req, &p), BO_ENOTSUP);
	/* A later IPv4 fragment has no transport header to read. */
	CHECK_INT(
	        parse_hex(BO_LINK_RAW, "4500 0020 0000 0010 4001 0000 c0000201 c0000202 0800", &p),
	        0);
	CHECK_INT(p.l4, BO_L4_OTHER);

	bo_addr x, y;
	CHECK_INT(bo_addr_parse("192.0.2.9", &x), 0);
	CHECK_INT(x.family, 4);
	CHECK_INT(bo_addr_parse("2001:db8::9", &y), 0);
	CHECK_INT(y.family, 6);
	CHECK(!bo_addr_eq(&x, &y));
	CHECK_INT(bo_addr_parse("not-an-address", &x), BO_EINVAL);

	return check_done("pkt");
}
