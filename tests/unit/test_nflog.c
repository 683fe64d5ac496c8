/* SPDX-License-Identifier: Apache-2.0 */
/* The NFLOG parser (responder/nflog.c) on messages laid out as the kernel writes them
 * (nfnetlink_log: nlmsghdr, nfgenmsg, attributes), whole, two in a buffer, cut at every length,
 * and broken. */
#include <string.h>

#include "check.h"
#include "responder.h"

static size_t attr(uint8_t *p, uint16_t type, const void *v, uint16_t len)
{
	uint16_t alen = (uint16_t)(4 + len);
	memcpy(p, &alen, 2); /* host order, as netlink has it */
	memcpy(p + 2, &type, 2);
	memcpy(p + 4, v, len);
	size_t n = (size_t)(4 + len + 3) & ~(size_t)3;
	memset(p + 4 + len, 0, n - 4 - len);
	return n;
}

/* One packet message: group 7, prefix, the kernel's time, an IPv4 ICMP echo request. */
static size_t message(uint8_t *out, const char *prefix, int with_ts)
{
	uint8_t *p = out + 16;
	*p++ = 2, *p++ = 0, *p++ = 0, *p++ = 7; /* AF_INET, version 0, group 7 (big-endian) */
	static const uint8_t hdr[4] = {0x08, 0x00, 1, 0};
	p += attr(p, 1, hdr, sizeof hdr);
	p += attr(p, 10, prefix, (uint16_t)(strlen(prefix) + 1));
	if (with_ts) {
		uint8_t ts[16] = {0};
		ts[4] = 0x6a, ts[5] = 0xe0, ts[6] = 0x00, ts[7] = 0x00; /* 1793064960 s */
		ts[13] = 0x07, ts[14] = 0xa1, ts[15] = 0x20;            /* 500 000 us */
		p += attr(p, 3, ts, sizeof ts);
	}
	static const uint8_t ip[28] = {0x45, 0, 0,   28, 0, 0, 0x40, 0, 64, 1, 0,    0,    192, 0,
	                               2,    1, 192, 0,  2, 2, 8,    0, 0,  0, 0x12, 0x34, 0,   5};
	p += attr(p, 9, ip, sizeof ip);
	uint32_t len = (uint32_t)(p - out);
	uint16_t type = 0x0400, flags = 0;
	memcpy(out, &len, 4);
	memcpy(out + 4, &type, 2);
	memcpy(out + 6, &flags, 2);
	memset(out + 8, 0, 8);
	return len;
}

int main(void)
{
	uint8_t buf[1024];
	rsp_fwdrop d[4];
	int bad;
	size_t n = message(buf, "blackout-lab-quarantine", 1);
	CHECK_INT(rsp_nflog_parse(buf, n, d, 4, &bad), 1);
	CHECK_INT(bad, 0);
	CHECK_INT(d[0].group, 7);
	CHECK_STR(d[0].prefix, "blackout-lab-quarantine");
	CHECK(d[0].ts == INT64_C(1793064960500000000));
	CHECK_INT(d[0].iplen, 28);
	bo_pkt p;
	CHECK_INT(bo_pkt_parse_ip(d[0].ip, d[0].iplen, &p), 0);
	CHECK_INT(p.icmp_id, 0x1234);
	CHECK_INT(p.icmp_seq, 5);

	/* two in one read; the second without a timestamp (0: the reader's time stands in) */
	size_t n2 = message(buf + n, "q", 0);
	CHECK_INT(rsp_nflog_parse(buf, n + n2, d, 4, &bad), 2);
	CHECK_STR(d[1].prefix, "q");
	CHECK(d[1].ts == 0);
	CHECK_INT(rsp_nflog_parse(buf, n + n2, d, 1, &bad), 1); /* never more than max */

	/* cut at every length: nothing read past the end, at most the whole messages */
	for (size_t len = 0; len < n + n2; len++) {
		uint8_t *cut = check_exact(buf, len);
		int k = rsp_nflog_parse(cut, len, d, 4, &bad);
		CHECK(k >= 0 && k <= (len >= n ? 2 : 1));
		if (k && d[0].ip)
			CHECK(d[0].ip >= cut && d[0].ip + d[0].iplen <= cut + len);
		free(cut);
	}

	/* an attribute longer than its message, a message longer than the read: counted bad */
	n = message(buf, "x", 1);
	uint16_t huge = 4000;
	memcpy(buf + 20, &huge, 2);
	CHECK_INT(rsp_nflog_parse(buf, n, d, 4, &bad), 0);
	CHECK_INT(bad, 1);
	n = message(buf, "x", 1);
	uint32_t big = 5000;
	memcpy(buf, &big, 4);
	CHECK_INT(rsp_nflog_parse(buf, n, d, 4, &bad), 0);
	CHECK_INT(bad, 1);
	/* another message type (an acknowledgement: NLMSG_ERROR) is no drop and no error */
	n = message(buf, "x", 1);
	uint16_t ack = 2;
	memcpy(buf + 4, &ack, 2);
	CHECK_INT(rsp_nflog_parse(buf, n, d, 4, &bad), 0);
	CHECK_INT(bad, 0);
	/* a payload that is not an IP packet: bad */
	n = message(buf, "x", 1);
	buf[n - 28] = 0x00; /* version 0 */
	CHECK_INT(rsp_nflog_parse(buf, n, d, 4, &bad), 0);
	CHECK_INT(bad, 1);
	return check_done("nflog");
}
