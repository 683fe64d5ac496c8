/* The guest's network changes on Linux: rtnetlink link and address notifications, each a "net"
 * event ({"what":"link", "ifname", "up", "running", "operstate"} or {"what":"addr", "op",
 * "ifindex", "addr", "prefix"}). Messages are read with explicit length checks. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "os-linux.h"

static const char *operstate(unsigned v)
{
	static const char *names[] = {"unknown", "notpresent", "down", "lowerlayerdown",
	                              "testing", "dormant",    "up"};
	return v < sizeof names / sizeof names[0] ? names[v] : "unknown";
}

/* The attributes of one message: calls back for each well-formed one. */
typedef struct attr {
	unsigned type;
	const uint8_t *data;
	size_t len;
} attr;

static int next_attr(const uint8_t **p, size_t *left, attr *a)
{
	struct rtattr ra;
	if (*left < sizeof ra)
		return 0;
	memcpy(&ra, *p, sizeof ra);
	if (ra.rta_len < sizeof ra || ra.rta_len > *left)
		return 0;
	a->type = ra.rta_type;
	a->data = *p + RTA_LENGTH(0);
	a->len = ra.rta_len - RTA_LENGTH(0);
	size_t step = RTA_ALIGN(ra.rta_len);
	if (step > *left)
		step = *left;
	*p += step;
	*left -= step;
	return 1;
}

static void on_link(rsp *r, const struct nlmsghdr *h, const uint8_t *body, size_t len)
{
	struct ifinfomsg ifi;
	if (len < sizeof ifi)
		return;
	memcpy(&ifi, body, sizeof ifi);
	const uint8_t *p = body + NLMSG_ALIGN(sizeof ifi);
	size_t left = len > NLMSG_ALIGN(sizeof ifi) ? len - NLMSG_ALIGN(sizeof ifi) : 0;
	char name[IFNAMSIZ + 1] = "";
	int oper = -1;
	attr a;
	while (next_attr(&p, &left, &a)) {
		if (a.type == IFLA_IFNAME && a.len > 0) {
			size_t n = a.len < IFNAMSIZ ? a.len : IFNAMSIZ;
			memcpy(name, a.data, n);
			name[n] = 0;
		} else if (a.type == IFLA_OPERSTATE && a.len >= 1) {
			oper = a.data[0];
		}
	}
	json_t *e = json_pack("{s:s, s:s, s:i, s:s, s:b, s:b}", "what", "link", "op",
	                      h->nlmsg_type == RTM_NEWLINK ? "new" : "del", "ifindex",
	                      ifi.ifi_index, "ifname", name, "up", (ifi.ifi_flags & IFF_UP) != 0,
	                      "running", (ifi.ifi_flags & IFF_RUNNING) != 0);
	if (oper >= 0)
		json_object_set_new(e, "operstate", json_string(operstate((unsigned)oper)));
	rsp_event(r, "net", e);
}

static void on_addr(rsp *r, const struct nlmsghdr *h, const uint8_t *body, size_t len)
{
	struct ifaddrmsg ifa;
	if (len < sizeof ifa)
		return;
	memcpy(&ifa, body, sizeof ifa);
	const uint8_t *p = body + NLMSG_ALIGN(sizeof ifa);
	size_t left = len > NLMSG_ALIGN(sizeof ifa) ? len - NLMSG_ALIGN(sizeof ifa) : 0;
	bo_addr addr = {0};
	attr a;
	while (next_attr(&p, &left, &a)) {
		if (a.type != IFA_ADDRESS && a.type != IFA_LOCAL)
			continue;
		if (ifa.ifa_family == AF_INET && a.len == 4) {
			addr.family = 4;
			memcpy(addr.a, a.data, 4);
		} else if (ifa.ifa_family == AF_INET6 && a.len == 16) {
			addr.family = 6;
			memcpy(addr.a, a.data, 16);
		}
		if (a.type == IFA_LOCAL) /* the interface's own address on point-to-point */
			break;
	}
	if (!addr.family)
		return;
	char s[48];
	rsp_event(r, "net",
	          json_pack("{s:s, s:s, s:i, s:s, s:i}", "what", "addr", "op",
	                    h->nlmsg_type == RTM_NEWADDR ? "new" : "del", "ifindex",
	                    (int)ifa.ifa_index, "addr", bo_addr_str(&addr, s, sizeof s), "prefix",
	                    ifa.ifa_prefixlen));
}

void rsp_netev_parse(rsp *r, const uint8_t *buf, size_t len)
{
	while (len >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr h;
		memcpy(&h, buf, sizeof h);
		if (h.nlmsg_len < sizeof h || h.nlmsg_len > len)
			return;
		const uint8_t *body = buf + NLMSG_HDRLEN;
		size_t blen = h.nlmsg_len - NLMSG_HDRLEN;
		if (h.nlmsg_type == RTM_NEWLINK || h.nlmsg_type == RTM_DELLINK)
			on_link(r, &h, body, blen);
		else if (h.nlmsg_type == RTM_NEWADDR || h.nlmsg_type == RTM_DELADDR)
			on_addr(r, &h, body, blen);
		size_t step = NLMSG_ALIGN(h.nlmsg_len);
		if (step >= len)
			return;
		buf += step;
		len -= step;
	}
}

static void on_readable(uv_poll_t *h, int status, int events)
{
	(void)events;
	rsp *r = h->data;
	if (status < 0)
		return;
	static uint8_t buf[65536];
	for (int i = 0; i < 16; i++) {
		ssize_t n = recv(r->os->netev_fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n < 0 && errno == ENOBUFS) { /* the kernel dropped notifications */
			rsp_event(r, "net-overrun", json_object());
			continue;
		}
		if (n <= 0)
			return;
		rsp_netev_parse(r, buf, (size_t)n);
	}
}

int rsp_netev_start(rsp *r, char *err, size_t errlen)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK,
	                         .nl_groups =
	                                 RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR};
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		snprintf(err, errlen, "rtnetlink: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	r->os->netev_fd = fd;
	r->os->netev_poll.data = r;
	uv_poll_init(r->loop, &r->os->netev_poll, fd);
	uv_poll_start(&r->os->netev_poll, UV_READABLE, on_readable);
	r->netev.on = 1;
	snprintf(r->netev.what, sizeof r->netev.what, "link and address changes (rtnetlink)");
	return 0;
}

void rsp_netev_stop(rsp *r)
{
	if (!r->netev.on)
		return;
	uv_poll_stop(&r->os->netev_poll);
	uv_close((uv_handle_t *)&r->os->netev_poll, NULL);
	close(r->os->netev_fd);
	r->netev.on = 0;
}
