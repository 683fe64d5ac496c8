/* SPDX-License-Identifier: Apache-2.0 */
/* The guest firewall's drops as Linux logs them: NFLOG messages (netfilter's nfnetlink_log,
 * a rule's `log group N`) read from a netlink socket (nflog-linux.c). Parsed here, portable and
 * bounded, so the tests and the fuzzer reach it:
 *
 *   nlmsghdr (16)  type NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_PACKET (0x0400)
 *   nfgenmsg (4)   family, version, res_id (the group, big-endian)
 *   attributes     (len 2, type 2, value, padded to 4): PACKET_HDR 1, TIMESTAMP 3
 *                  (seconds and microseconds, be64 each), PREFIX 10 (the rule's, NUL-ended),
 *                  PAYLOAD 9 (the packet from its IP header)
 */
#include <string.h>

#include "bo_pkt.h"
#include "bo_rd.h"
#include "bo_time.h"
#include "responder.h"

enum { NLMSG_HDR = 16, NFGEN = 4, MSG_PACKET = 0x0400, NLMSG_DONE_TYPE = 3 };
enum { ATTR_TIMESTAMP = 3, ATTR_PAYLOAD = 9, ATTR_PREFIX = 10 };

/* Netlink's own fields are in host order: little-endian wherever blackout runs. */
static uint32_t le32(bo_rd *r)
{
	uint32_t lo = bo_rd_le16(r);
	uint32_t hi = bo_rd_le16(r);
	return lo | hi << 16;
}

/* The padding after a length (to 4 octets), as far as there is any. */
static void pad(bo_rd *r, size_t len)
{
	size_t n = (4 - len % 4) % 4;
	bo_rd_skip(r, n < bo_rd_left(r) ? n : bo_rd_left(r));
}

/* One NFLOG packet message's attributes into d (its packet dissected): 0, or -1 when it holds
 * no IP packet blackout could read. */
static int packet(bo_rd *m, rsp_fwdrop *d)
{
	memset(d, 0, sizeof *d);
	bo_rd_skip(m, 2); /* family, version */
	d->group = bo_rd_be16(m);
	int have = 0;
	while (bo_rd_left(m) >= 4 && !m->err) {
		uint16_t alen = bo_rd_le16(m), type = bo_rd_le16(m) & 0x3fff; /* host order */
		if (alen < 4 || alen - 4u > bo_rd_left(m))
			return -1;
		bo_rd v = bo_rd_sub(m, alen - 4u);
		pad(m, alen);
		if (type == ATTR_TIMESTAMP && bo_rd_left(&v) >= 16) {
			uint64_t sec = bo_rd_be64(&v), usec = bo_rd_be64(&v);
			if (sec < (uint64_t)(BO_TIME_MAX / 1000000000) && usec < 1000000)
				d->ts = (int64_t)sec * 1000000000 + (int64_t)usec * 1000;
		} else if (type == ATTR_PREFIX) {
			size_t n = bo_rd_left(&v) < sizeof d->prefix - 1 ? bo_rd_left(&v)
			                                                 : sizeof d->prefix - 1;
			bo_rd_copy(&v, d->prefix, n);
			d->prefix[n] = 0; /* and it ends at its own NUL */
		} else if (type == ATTR_PAYLOAD) {
			size_t n = bo_rd_left(&v);
			const uint8_t *ip = bo_rd_take(&v, n);
			bo_pkt p;
			if (ip && bo_pkt_parse_ip(ip, n, &p) == 0 && p.l4 != BO_L4_OTHER) {
				d->ip = ip, d->iplen = n;
				have = 1;
			}
		}
	}
	return have ? 0 : -1;
}

int rsp_nflog_parse(const uint8_t *buf, size_t len, rsp_fwdrop *out, int max, int *bad)
{
	bo_rd r = bo_rd_make(buf, len);
	int n = 0;
	*bad = 0;
	while (bo_rd_left(&r) >= NLMSG_HDR && n < max) {
		uint32_t mlen = le32(&r);
		uint16_t type = bo_rd_le16(&r);
		bo_rd_skip(&r, 10); /* flags, seq, pid */
		if (mlen < NLMSG_HDR || mlen - NLMSG_HDR > bo_rd_left(&r)) {
			(*bad)++;
			break;
		}
		bo_rd m = bo_rd_sub(&r, mlen - NLMSG_HDR);
		pad(&r, mlen);
		if (type == NLMSG_DONE_TYPE)
			break;
		if (type != MSG_PACKET || bo_rd_left(&m) < NFGEN)
			continue; /* acknowledgements, errors: not drops */
		if (packet(&m, &out[n]) == 0)
			n++;
		else
			(*bad)++;
	}
	return n;
}
