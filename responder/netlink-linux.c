/* SPDX-License-Identifier: Apache-2.0 */
/* rtnetlink link and address notifications (RFC 3549; linux/rtnetlink.h) into plain records,
 * the pure part of netev-linux.c: every byte through the bounded reader, fuzzed.
 *
 *   nlmsghdr: len (4), type (2), flags (2), seq (4), pid (4)       host byte order
 *   RTM_NEWLINK / RTM_DELLINK: ifinfomsg (16), then rtattrs (IFLA_IFNAME, IFLA_OPERSTATE)
 *   RTM_NEWADDR / RTM_DELADDR: ifaddrmsg (8), then rtattrs (IFA_ADDRESS, IFA_LOCAL)
 *   rtattr: len (2), type (2), data; each aligned to 4 */
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>

#include "bo_rd.h"
#include "responder.h"

static uint16_t host16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

static uint32_t host32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* The next attribute of a message body: 1 with its type and a reader over its data, or 0. */
static int next_attr(bo_rd *r, unsigned *type, bo_rd *data)
{
	const uint8_t *h = bo_rd_take(r, 4);
	if (!h)
		return 0;
	uint16_t len = host16(h);
	if (len < 4)
		return 0;
	const uint8_t *d = bo_rd_take(r, (size_t)len - 4);
	if (!d)
		return 0;
	*type = host16(h + 2);
	*data = bo_rd_make(d, (size_t)len - 4);
	size_t pad = RTA_ALIGN(len) - len;
	if (pad && bo_rd_left(r) >= pad)
		bo_rd_skip(r, pad);
	return 1;
}

static int link_msg(bo_rd *b, uint16_t type, rsp_netmsg *m)
{
	const uint8_t *ifi = bo_rd_take(b, sizeof(struct ifinfomsg));
	if (!ifi)
		return 0;
	memset(m, 0, sizeof *m);
	m->link = 1;
	m->add = type == RTM_NEWLINK;
	m->ifindex = (int)host32(ifi + 4);
	uint32_t flags = host32(ifi + 8);
	m->up = (flags & IFF_UP) != 0;
	m->running = (flags & IFF_RUNNING) != 0;
	m->oper = -1;
	unsigned t;
	bo_rd a;
	while (next_attr(b, &t, &a)) {
		if (t == IFLA_IFNAME) {
			size_t n = bo_rd_left(&a) < IFNAMSIZ ? bo_rd_left(&a) : IFNAMSIZ;
			bo_rd_copy(&a, m->ifname, n);
			m->ifname[n] = 0;
			m->ifname[strnlen(m->ifname, n)] = 0;
		} else if (t == IFLA_OPERSTATE && bo_rd_left(&a) >= 1) {
			m->oper = bo_rd_u8(&a);
		}
	}
	return 1;
}

static int addr_msg(bo_rd *b, uint16_t type, rsp_netmsg *m)
{
	const uint8_t *ifa = bo_rd_take(b, sizeof(struct ifaddrmsg));
	if (!ifa)
		return 0;
	memset(m, 0, sizeof *m);
	m->add = type == RTM_NEWADDR;
	uint8_t family = ifa[0];
	m->prefix = ifa[1];
	m->ifindex = (int)host32(ifa + 4);
	unsigned t;
	bo_rd a;
	while (next_attr(b, &t, &a)) {
		if (t != IFA_ADDRESS && t != IFA_LOCAL)
			continue;
		size_t n = bo_rd_left(&a);
		if (family == AF_INET && n == 4) {
			m->addr.family = 4;
			bo_rd_copy(&a, m->addr.a, 4);
		} else if (family == AF_INET6 && n == 16) {
			m->addr.family = 6;
			bo_rd_copy(&a, m->addr.a, 16);
		}
		if (t == IFA_LOCAL) /* the interface's own address on point-to-point links */
			break;
	}
	return m->addr.family != 0;
}

int rsp_netlink_parse(const uint8_t *buf, size_t len, rsp_netmsg *out, int max)
{
	bo_rd r = bo_rd_make(buf, len);
	int n = 0;
	while (n < max && bo_rd_left(&r) >= NLMSG_HDRLEN) {
		const uint8_t *h = bo_rd_take(&r, NLMSG_HDRLEN);
		uint32_t mlen = host32(h);
		uint16_t type = host16(h + 4);
		if (mlen < NLMSG_HDRLEN || mlen - NLMSG_HDRLEN > bo_rd_left(&r))
			break;
		const uint8_t *body = bo_rd_take(&r, mlen - NLMSG_HDRLEN);
		bo_rd b = bo_rd_make(body, mlen - NLMSG_HDRLEN);
		if ((type == RTM_NEWLINK || type == RTM_DELLINK) && link_msg(&b, type, &out[n]))
			n++;
		else if ((type == RTM_NEWADDR || type == RTM_DELADDR) &&
		         addr_msg(&b, type, &out[n]))
			n++;
		size_t pad = NLMSG_ALIGN(mlen) - mlen;
		if (pad > bo_rd_left(&r))
			break;
		bo_rd_skip(&r, pad);
	}
	return n;
}
