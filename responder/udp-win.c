/* SPDX-License-Identifier: Apache-2.0 */
/* Windows UDP for the reflector: one dual-stack Winsock socket read with WSARecvMsg for the
 * address each datagram was sent to (IP_PKTINFO / IPV6_PKTINFO) and, where the stack gives it,
 * the received TTL (IP_RECVTTL, IPV6_HOPLIMIT); replies go out with WSASendMsg from that
 * address. Winsock has no receive timestamps before build 20348: the receive time is taken
 * when the datagram is read, right after libuv reported the socket readable. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bo_time.h"
#include "responder.h"

#ifndef IP_RECVTTL
#define IP_RECVTTL 21
#endif
#ifndef IP_TTL
#define IP_TTL 4
#endif

static LPFN_WSARECVMSG recv_msg;
static LPFN_WSASENDMSG send_msg;

static void wsa_error(char *err, size_t errlen, const char *what, int code)
{
	char text[256] = "";
	FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
	               (DWORD)code, 0, text, sizeof text, NULL);
	size_t n = strlen(text);
	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == '.'))
		text[--n] = 0;
	snprintf(err, errlen, "%s: %s (Winsock error %d)", what, n ? text : "failed", code);
}

int rsp_udp_open(uint16_t port, uv_os_sock_t *sock, char *err, size_t errlen)
{
	WSADATA wsa;
	if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) {
		snprintf(err, errlen, "Winsock did not start");
		return -1;
	}
	SOCKET s = socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
	if (s == INVALID_SOCKET) {
		wsa_error(err, errlen, "cannot open a UDP socket", WSAGetLastError());
		return -1;
	}
	DWORD off = 0, on = 1;
	setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, (const char *)&off, sizeof off); /* IPv4 too */
	setsockopt(s, IPPROTO_IP, IP_PKTINFO, (const char *)&on, sizeof on);
	setsockopt(s, IPPROTO_IPV6, IPV6_PKTINFO, (const char *)&on, sizeof on);
	setsockopt(s, IPPROTO_IP, IP_RECVTTL, (const char *)&on, sizeof on);
	setsockopt(s, IPPROTO_IPV6, IPV6_HOPLIMIT, (const char *)&on, sizeof on);
	int buf = RSP_UDP_RCVBUF; /* room for a burst while the loop is elsewhere */
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, (const char *)&buf, sizeof buf);
	/* An ICMP port unreachable for an earlier reply would otherwise fail the next receive. */
	BOOL no_reset = FALSE;
	DWORD got = 0;
	WSAIoctl(s, SIO_UDP_CONNRESET, &no_reset, sizeof no_reset, NULL, 0, &got, NULL, NULL);
	GUID rg = WSAID_WSARECVMSG, sg = WSAID_WSASENDMSG;
	WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &rg, sizeof rg, &recv_msg, sizeof recv_msg,
	         &got, NULL, NULL);
	WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &sg, sizeof sg, &send_msg, sizeof send_msg,
	         &got, NULL, NULL);
	u_long nonblock = 1;
	ioctlsocket(s, FIONBIO, &nonblock);
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) {
		int e = WSAGetLastError();
		char what[64];
		snprintf(what, sizeof what, "cannot listen on UDP port %u", port);
		wsa_error(err, errlen, what, e);
		if (e == WSAEADDRINUSE || e == WSAEACCES)
			snprintf(err + strlen(err), errlen - strlen(err),
			         " (another reflector running? netstat -ano -p udp | findstr :%u)",
			         port);
		closesocket(s);
		return -1;
	}
	*sock = s;
	return 0;
}

void rsp_udp_close(uv_os_sock_t sock)
{
	closesocket(sock);
}

static void local_from_pktinfo(const WSACMSGHDR *c, rsp_dgram *d)
{
	if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
		IN_PKTINFO pi;
		memcpy(&pi, WSA_CMSG_DATA(c), sizeof pi);
		d->local.family = 4;
		memcpy(d->local.a, &pi.ipi_addr, 4);
		d->ifindex = pi.ipi_ifindex;
	} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
		IN6_PKTINFO pi;
		memcpy(&pi, WSA_CMSG_DATA(c), sizeof pi);
		struct sockaddr_in6 to = {.sin6_family = AF_INET6, .sin6_addr = pi.ipi6_addr};
		uint16_t none;
		rsp_addr_from_sockaddr((const struct sockaddr *)&to, &d->local, &none);
		d->ifindex = pi.ipi6_ifindex;
	}
}

int rsp_udp_recv(uv_os_sock_t sock, uint8_t *buf, size_t cap, rsp_dgram *d)
{
	struct sockaddr_in6 from;
	int fromlen = sizeof from;
	memset(d, 0, sizeof *d);
	d->ttl = 255;
	int n;
	if (recv_msg) {
		char ctl[256];
		WSABUF wb = {(ULONG)cap, (char *)buf};
		WSAMSG m = {.name = (struct sockaddr *)&from,
		            .namelen = fromlen,
		            .lpBuffers = &wb,
		            .dwBufferCount = 1,
		            .Control = {sizeof ctl, ctl}};
		DWORD got = 0;
		if (recv_msg(sock, &m, &got, NULL, NULL) != 0) {
			int e = WSAGetLastError();
			return e == WSAEWOULDBLOCK ? -EAGAIN : -EIO;
		}
		d->rx_ns = bo_clock_real_ns();
		n = (int)got;
		for (WSACMSGHDR *c = WSA_CMSG_FIRSTHDR(&m); c; c = WSA_CMSG_NXTHDR(&m, c)) {
			if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
			    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
				int v;
				memcpy(&v, WSA_CMSG_DATA(c), sizeof v);
				d->ttl = (uint8_t)v;
			} else {
				local_from_pktinfo(c, d);
			}
		}
	} else { /* no WSARecvMsg: the reply leaves from the address Windows picks */
		n = recvfrom(sock, (char *)buf, (int)cap, 0, (struct sockaddr *)&from, &fromlen);
		if (n < 0)
			return WSAGetLastError() == WSAEWOULDBLOCK ? -EAGAIN : -EIO;
		d->rx_ns = bo_clock_real_ns();
	}
	rsp_addr_from_sockaddr((const struct sockaddr *)&from, &d->src, &d->sport);
	return n;
}

int rsp_udp_reply(uv_os_sock_t sock, const uint8_t *buf, size_t len, const rsp_dgram *d)
{
	struct sockaddr_in6 to;
	rsp_addr_to_sin6(&d->src, d->sport, &to);
	if (!send_msg || !d->local.family) {
		int n = sendto(sock, (const char *)buf, (int)len, 0, (struct sockaddr *)&to,
		               sizeof to);
		return n == (int)len ? 0 : -EIO;
	}
	/* On a dual-stack socket an IPv4 source is given as IP_PKTINFO. */
	union {
		char b[WSA_CMSG_SPACE(sizeof(IN6_PKTINFO))];
		WSACMSGHDR align;
	} ctl;
	memset(&ctl, 0, sizeof ctl);
	WSABUF wb = {(ULONG)len, (char *)buf};
	WSAMSG m = {.name = (struct sockaddr *)&to,
	            .namelen = sizeof to,
	            .lpBuffers = &wb,
	            .dwBufferCount = 1,
	            .Control = {0, ctl.b}};
	IN_PKTINFO p4 = {.ipi_ifindex = d->ifindex};
	IN6_PKTINFO p6 = {.ipi6_ifindex = d->ifindex};
	memcpy(&p4.ipi_addr, d->local.a, 4);
	memcpy(&p6.ipi6_addr, d->local.a, 16);
	int v4 = d->local.family == 4;
	size_t plen = v4 ? sizeof p4 : sizeof p6;
	WSACMSGHDR *c = (WSACMSGHDR *)ctl.b;
	c->cmsg_level = v4 ? IPPROTO_IP : IPPROTO_IPV6;
	c->cmsg_type = v4 ? IP_PKTINFO : IPV6_PKTINFO;
	c->cmsg_len = WSA_CMSG_LEN(plen);
	memcpy(WSA_CMSG_DATA(c), v4 ? (const void *)&p4 : (const void *)&p6, plen);
	m.Control.len = (ULONG)WSA_CMSG_SPACE(plen);
	DWORD sent = 0;
	if (send_msg(sock, &m, 0, &sent, NULL, NULL) != 0 || sent != len)
		return -EIO;
	return 0;
}
