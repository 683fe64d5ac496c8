/* SPDX-License-Identifier: Apache-2.0 */
/* Linux UDP for the reflector: one dual-stack socket, kernel receive timestamps
 * (SO_TIMESTAMPNS) and the received TTL / hop limit from ancillary data. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bo_time.h"
#include "responder.h"

int rsp_udp_open(uint16_t port, uv_os_sock_t *sock, char *err, size_t errlen)
{
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int off = 0, on = 1;
	if (fd < 0) {
		snprintf(err, errlen, "cannot open a UDP socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off); /* IPv4 too */
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
	setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &on, sizeof on);
	setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on);
	setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
	setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on); /* the queue's drops, counted */
	/* Room for a burst while the loop is elsewhere: the default (rmem_default, ~200 datagrams)
	 * overflowed at 10 000 STAMP probes/s sent in batches of 7. Past rmem_max with privilege.
	 */
	int buf = RSP_UDP_RCVBUF;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		int e = errno;
		snprintf(err, errlen, "cannot listen on UDP port %u: %s%s", port, strerror(e),
		         e == EACCES ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE; or "
		                       "choose --port 8620 and point the probe at it)"
		         : e == EADDRINUSE ? " (another reflector running?)"
		                           : "");
		close(fd);
		return -1;
	}
	*sock = fd;
	return 0;
}

void rsp_udp_close(uv_os_sock_t sock)
{
	close(sock);
}

int rsp_udp_recv(uv_os_sock_t fd, uint8_t *buf, size_t cap, rsp_dgram *d)
{
	struct sockaddr_in6 from;
	char ctl[256];
	struct iovec iov = {buf, cap};
	struct msghdr m = {.msg_name = &from,
	                   .msg_namelen = sizeof from,
	                   .msg_iov = &iov,
	                   .msg_iovlen = 1,
	                   .msg_control = ctl,
	                   .msg_controllen = sizeof ctl};
	ssize_t n = recvmsg(fd, &m, 0);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	memset(d, 0, sizeof *d);
	d->ttl = 255;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
			uint32_t v;
			memcpy(&v, CMSG_DATA(c), sizeof v);
			d->queue_dropped = v;
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof ts);
			d->rx_ns = (int64_t)ts.tv_sec * BO_NS_PER_S + ts.tv_nsec;
		} else if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
		           (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
			int v;
			memcpy(&v, CMSG_DATA(c), sizeof v);
			d->ttl = (uint8_t)v;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			/* IPv4 datagrams come as IPv4-mapped addresses on this socket */
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof pi);
			struct sockaddr_in6 to = {.sin6_family = AF_INET6,
			                          .sin6_addr = pi.ipi6_addr};
			uint16_t none;
			rsp_addr_from_sockaddr((const struct sockaddr *)&to, &d->local, &none);
			d->ifindex = pi.ipi6_ifindex;
			d->to_v6 = !IN6_IS_ADDR_V4MAPPED(&pi.ipi6_addr);
		}
	}
	if (!d->rx_ns)
		d->rx_ns = bo_clock_real_ns();
	rsp_addr_from_sockaddr((const struct sockaddr *)&from, &d->src, &d->sport);
	/* An IPv6 packet whose source is written IPv4-mapped would pass for the IPv4 sender
	 * (and its allowlist entry); a real IPv4 datagram arrives for a mapped address. */
	d->mapped_v6 = d->to_v6 && IN6_IS_ADDR_V4MAPPED(&from.sin6_addr);
	return (int)n;
}

int rsp_udp_reply(uv_os_sock_t fd, const uint8_t *buf, size_t len, const rsp_dgram *d)
{
	struct sockaddr_in6 to;
	rsp_addr_to_sin6(&d->src, d->sport, &to);
	union {
		char b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {(void *)buf, len};
	struct msghdr m = {
	        .msg_name = &to, .msg_namelen = sizeof to, .msg_iov = &iov, .msg_iovlen = 1};
	if (d->local.family) { /* for IPv4 the kernel takes the mapped address as the source */
		memset(&ctl, 0, sizeof ctl);
		m.msg_control = ctl.b;
		m.msg_controllen = sizeof ctl.b;
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
		struct in6_pktinfo pi = {.ipi6_ifindex = d->ifindex};
		struct sockaddr_in6 src;
		rsp_addr_to_sin6(&d->local, 0, &src);
		pi.ipi6_addr = src.sin6_addr;
		memcpy(CMSG_DATA(c), &pi, sizeof pi);
	}
	ssize_t n = sendmsg(fd, &m, 0);
	return n == (ssize_t)len ? 0 : -errno;
}
