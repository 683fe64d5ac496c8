/* SPDX-License-Identifier: Apache-2.0 */
/* The guest firewall's drops on Linux (--fw-log GROUP): a netlink socket bound to the NFLOG
 * group its drop rules log to (`nft ... log group 7 drop`); each logged packet a "fw-drop"
 * event with its 5-tuple (or ICMP identifier and sequence), the rule's prefix and the kernel's
 * time. Binding needs CAP_NET_ADMIN: done before privileges are dropped. Bounded like the
 * arrivals (rsp_event's budget); what the kernel could not queue is said (fw-overrun). */
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bo_time.h"
#include "os-linux.h"

/* One configuration request (NFULNL_MSG_CONFIG) and its acknowledgement. */
static int config(int fd, uint8_t family, uint16_t group, uint16_t attr, const void *val,
                  uint16_t vlen, char *err, size_t errlen)
{
	struct {
		struct nlmsghdr nh;
		struct nfgenmsg g;
		struct nlattr a;
		uint8_t v[16];
	} req;
	memset(&req, 0, sizeof req);
	req.nh.nlmsg_len = (uint32_t)(NLMSG_LENGTH(sizeof req.g) + NLA_HDRLEN + NLA_ALIGN(vlen));
	req.nh.nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.g.nfgen_family = family;
	req.g.version = NFNETLINK_V0;
	req.g.res_id = htons(group);
	req.a.nla_len = (uint16_t)(NLA_HDRLEN + vlen);
	req.a.nla_type = attr;
	memcpy(req.v, val, vlen);
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) {
		snprintf(err, errlen, "nflog: %s", strerror(errno));
		return -1;
	}
	uint8_t buf[256];
	ssize_t n = recv(fd, buf, sizeof buf, 0);
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
	if (n >= (ssize_t)(sizeof *h + sizeof(int)) && h->nlmsg_type == NLMSG_ERROR) {
		int e = -*(const int *)NLMSG_DATA(h);
		if (e) {
			snprintf(err, errlen, "nflog group %u: %s%s", group, strerror(e),
			         e == EPERM ? " (needs CAP_NET_ADMIN)" : "");
			return -1;
		}
	}
	return 0;
}

/* One read of the NFLOG socket: each drop the probe it was. */
static void take(rsp *r, const uint8_t *buf, size_t len)
{
	static rsp_fwdrop d[64];
	int bad, k = rsp_nflog_parse(buf, len, d, 64, &bad);
	r->fw_bad += (uint64_t)bad;
	for (int j = 0; j < k; j++) {
		/* the dropped packet read as the guest capture reads an arrival: the probe it
		 * was, by its tag, STAMP session, ISN or ICMP identifier */
		rsp_arrival a[8];
		int na = rsp_arrivals(BO_LINK_RAW, d[j].ip, d[j].iplen, &r->refl.key, r->port,
		                      r->tcp_port, a, 8);
		for (int q = 0; q < na; q++) {
			json_t *e = rsp_arrival_json(&a[q]);
			json_object_set_new(e, "group", json_integer(d[j].group));
			json_object_set_new(e, "prefix", json_string(d[j].prefix));
			r->fw_drops++;
			rsp_event_at(r, BO_GEV_FW_DROP, e, d[j].ts ? d[j].ts : bo_clock_real_ns());
		}
	}
}

static void on_readable(uv_poll_t *h, int status, int events)
{
	(void)events;
	rsp *r = h->data;
	if (status >= 0)
		rsp_netlink_drain(r, r->os->fwlog_fd, BO_GEV_FW_OVERRUN, take);
}

int rsp_fwlog_start(rsp *r, char *err, size_t errlen)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		snprintf(err, errlen, "netfilter netlink: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct timeval tv = {1, 0}; /* the acknowledgements: never wait for ever */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	uint16_t g = (uint16_t)r->fwlog_group;
	uint8_t bind_cmd = NFULNL_CFG_CMD_BIND;
	struct nfulnl_msg_config_mode mode = {.copy_range = htonl(256), /* tcp-est's frames too */
	                                      .copy_mode = NFULNL_COPY_PACKET};
	if (config(fd, 0, g, NFULA_CFG_CMD, &bind_cmd, 1, err, errlen) != 0 ||
	    config(fd, 0, g, NFULA_CFG_MODE, &mode, sizeof mode, err, errlen) != 0) {
		close(fd);
		return -1;
	}
	r->os->fwlog_fd = fd;
	r->os->fwlog_poll.data = r;
	uv_poll_init(r->loop, &r->os->fwlog_poll, fd);
	uv_poll_start(&r->os->fwlog_poll, UV_READABLE, on_readable);
	return 0;
}

void rsp_fwlog_stop(rsp *r)
{
	if (!r->fwlog_group || r->os->fwlog_fd <= 0)
		return;
	uv_poll_stop(&r->os->fwlog_poll);
	uv_close((uv_handle_t *)&r->os->fwlog_poll, NULL);
	close(r->os->fwlog_fd);
	r->os->fwlog_fd = -1;
}
