/* SPDX-License-Identifier: Apache-2.0 */
/* The guest's network changes on Linux: rtnetlink link and address notifications, each a "net"
 * event ({"what":"link", "ifname", "up", "running", "operstate"} or {"what":"addr", "op",
 * "ifindex", "addr", "prefix"}). The messages are parsed by netlink-linux.c. */
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

void rsp_netev_parse(rsp *r, const uint8_t *buf, size_t len)
{
	rsp_netmsg m[64];
	int n = rsp_netlink_parse(buf, len, m, 64);
	char a[48];
	for (int i = 0; i < n; i++) {
		json_t *e;
		if (m[i].link) {
			e = json_pack("{s:s, s:s, s:i, s:s, s:b, s:b}", "what", "link", "op",
			              m[i].add ? "new" : "del", "ifindex", m[i].ifindex, "ifname",
			              m[i].ifname, "up", m[i].up, "running", m[i].running);
			if (m[i].oper >= 0)
				json_object_set_new(e, "operstate",
				                    json_string(operstate((unsigned)m[i].oper)));
		} else {
			e = json_pack("{s:s, s:s, s:i, s:s, s:i}", "what", "addr", "op",
			              m[i].add ? "new" : "del", "ifindex", m[i].ifindex, "addr",
			              bo_addr_str(&m[i].addr, a, sizeof a), "prefix", m[i].prefix);
		}
		rsp_event(r, BO_GEV_NET, e);
	}
}

void rsp_netlink_drain(rsp *r, int fd, enum bo_gev overrun,
                       void (*take)(rsp *r, const uint8_t *buf, size_t len))
{
	static uint8_t buf[65536]; /* the loop's thread only */
	for (int i = 0; i < 16; i++) {
		ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n < 0 && errno == ENOBUFS) { /* the kernel dropped messages */
			rsp_event(r, overrun, json_object());
			continue;
		}
		if (n <= 0)
			return;
		take(r, buf, (size_t)n);
	}
}

static void on_readable(uv_poll_t *h, int status, int events)
{
	(void)events;
	rsp *r = h->data;
	if (status >= 0)
		rsp_netlink_drain(r, r->os->netev_fd, BO_GEV_NET_OVERRUN, rsp_netev_parse);
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
