/* The `udp` stream: STAMP Session-Sender test packets (RFC 8762, SSID per RFC 8972) on one
 * fixed 5-tuple, to the target's reflector (default port 862): blackout-responder or any STAMP
 * or TWAMP-light reflector. The SSID, derived from the run key per (target, stream), and the
 * sender sequence number that the reflector returns pair request and reply. T1 (the sender
 * timestamp) is the probe's scheduled send time; the capture has the actual one. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bo_stamp.h"
#include "bo_time.h"
#include "probe.h"

static void udp_filter(const probe_slot *s, char *buf, size_t len)
{
	snprintf(buf, len, "(udp and host %s and port %u and port %u)", s->target->str,
	         s->run->cfg.stamp_port, s->local_port);
}

static int udp_open(probe_slot *s, char *err, size_t errlen)
{
	const bo_addr *t = &s->target->addr;
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof ss);
	if (t->family == 4) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(s->run->cfg.stamp_port);
		memcpy(&a->sin_addr, t->a, 4);
		sl = sizeof *a;
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(s->run->cfg.stamp_port);
		memcpy(&a->sin6_addr, t->a, 16);
		sl = sizeof *a;
	}
	s->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || connect(s->fd, (struct sockaddr *)&ss, sl) != 0) {
		snprintf(err, errlen, "cannot open a UDP socket to %s port %u: %s", s->target->str,
		         s->run->cfg.stamp_port, strerror(errno));
		return -errno;
	}
	/* The capture sees the replies; the socket keeps none. */
	struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = {1, &drop};
	setsockopt(s->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
	struct sockaddr_storage local;
	sl = sizeof local;
	getsockname(s->fd, (struct sockaddr *)&local, &sl);
	s->local_port =
	        ntohs(local.ss_family == AF_INET ? ((struct sockaddr_in *)&local)->sin_port
	                                         : ((struct sockaddr_in6 *)&local)->sin6_port);
	return 0;
}

static int udp_send(probe_slot *s, uint32_t seq, int64_t deadline)
{
	uint8_t pkt[BO_STAMP_AUTH_LEN];
	bo_stamp st = {.seq = seq,
	               .ts = bo_ntp_from_ns(deadline + s->run->mono_to_real),
	               .err = bo_stamp_err_estimate(0, BO_NS_PER_US),
	               .ssid = s->ssid};
	int n = bo_stamp_write_sender(&st, &s->run->stamp_key, pkt, sizeof pkt);
	if (n < 0)
		return -EINVAL;
	return send(s->fd, pkt, (size_t)n, 0) == n ? 0 : -errno;
}

static int udp_classify(const probe_slot *s, const bo_pkt *p, uint32_t *seq)
{
	if (p->l4 != BO_L4_UDP)
		return 0;
	uint16_t port = s->run->cfg.stamp_port;
	bo_stamp st;
	if (p->dport == port && p->sport == s->local_port &&
	    bo_addr_eq(&p->dst, &s->target->addr)) {
		if (bo_stamp_read_sender(p->payload, p->payload_len, &s->run->stamp_key, &st) !=
		            0 ||
		    st.ssid != s->ssid)
			return 0;
		*seq = st.seq;
		return PROBE_PKT_REQUEST;
	}
	if (p->sport == port && p->dport == s->local_port &&
	    bo_addr_eq(&p->src, &s->target->addr)) {
		if (bo_stamp_read_reflector(p->payload, p->payload_len, &s->run->stamp_key, &st) !=
		            0 ||
		    st.ssid != s->ssid)
			return 0;
		*seq = st.sender_seq;
		return PROBE_PKT_REPLY;
	}
	return 0;
}

const probe_stream_ops probe_stream_udp = {
        .name = "udp",
        .wire_id = 3,
        .summary = "STAMP (RFC 8762) to the reflector, one fixed 5-tuple (an existing UDP flow)",
        .filter = udp_filter,
        .open = udp_open,
        .send = udp_send,
        .classify = udp_classify,
};
