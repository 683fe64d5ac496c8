/* SPDX-License-Identifier: Apache-2.0 */
/* The probe's sockets on Windows (sock.h): Winsock, its errors mapped to errno values. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
#include <mswsock.h>
#include <windows.h>

#include <errno.h>
#include <string.h>

#include "sock.h"

static const struct {
	int wsa, e;
	const char *text;
} wsa_errno[] = {
        {WSAEWOULDBLOCK, EAGAIN, "would block"},
        {WSAEINPROGRESS, EINPROGRESS, "in progress"},
        {WSAEALREADY, EALREADY, "already in progress"},
        {WSAEACCES, EACCES, "permission denied"},
        {WSAECONNRESET, ECONNRESET, "connection reset"},
        {WSAECONNABORTED, ECONNABORTED, "connection aborted"},
        {WSAECONNREFUSED, ECONNREFUSED, "connection refused"},
        {WSAETIMEDOUT, ETIMEDOUT, "timed out"},
        {WSAENOTCONN, ENOTCONN, "not connected"},
        {WSAESHUTDOWN, EPIPE, "connection shut down"},
        {WSAENETUNREACH, ENETUNREACH, "network unreachable"},
        {WSAEHOSTUNREACH, EHOSTUNREACH, "host unreachable"},
        {WSAENETDOWN, ENETDOWN, "network down"},
        {WSAEADDRNOTAVAIL, EADDRNOTAVAIL, "address not available"},
        {WSAEADDRINUSE, EADDRINUSE, "address in use"},
        {WSAEAFNOSUPPORT, EAFNOSUPPORT, "address family not supported"},
        {WSAEPROTONOSUPPORT, EPROTONOSUPPORT, "protocol not supported"},
        {WSAESOCKTNOSUPPORT, EPROTONOSUPPORT, "socket type not supported"},
        {WSAEMSGSIZE, EMSGSIZE, "message too long"},
        {WSAENOBUFS, ENOBUFS, "no buffer space"},
        {WSAEMFILE, EMFILE, "too many sockets"},
        {WSAEINVAL, EINVAL, "invalid argument"},
        {WSANOTINITIALISED, EINVAL, "Winsock not started"},
};

const char *probe_sock_strerror(int err)
{
	for (size_t i = 0; i < sizeof wsa_errno / sizeof wsa_errno[0]; i++)
		if (-wsa_errno[i].e == err)
			return wsa_errno[i].text;
	return strerror(-err);
}

static int mapped(int wsa)
{
	for (size_t i = 0; i < sizeof wsa_errno / sizeof wsa_errno[0]; i++)
		if (wsa_errno[i].wsa == wsa)
			return -wsa_errno[i].e;
	return -EIO;
}

int probe_sock_errno(void)
{
	return mapped(WSAGetLastError());
}

int probe_sock_init(void)
{
	static int done;
	WSADATA wsa;
	if (!done && WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
		return -EIO;
	done = 1;
	return 0;
}

int probe_sock_open(int family, int type, int protocol, int nonblock)
{
	if (probe_sock_init() != 0)
		return -EIO;
	/* WSA_FLAG_NO_HANDLE_INHERIT: a --exec command does not inherit it */
	SOCKET s = WSASocketW(family == 6 ? AF_INET6 : AF_INET, type, protocol, NULL, 0,
	                      WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
	if (s == INVALID_SOCKET)
		return probe_sock_errno();
	u_long on = 1;
	if (nonblock && ioctlsocket(s, FIONBIO, &on) != 0) {
		int e = probe_sock_errno();
		closesocket(s);
		return e;
	}
	if (type == SOCK_DGRAM) { /* a port unreachable must not fail the next send */
		BOOL off = FALSE;
		DWORD got;
		WSAIoctl(s, SIO_UDP_CONNRESET, &off, sizeof off, NULL, 0, &got, NULL, NULL);
	}
	return (int)s;
}

int probe_sock_connected(int fd)
{
	WSAPOLLFD pfd = {.fd = (SOCKET)fd, .events = POLLWRNORM};
	int n = WSAPoll(&pfd, 1, 0);
	if (n == 0)
		return 0;
	int e = 0, l = sizeof e;
	getsockopt((SOCKET)fd, SOL_SOCKET, SO_ERROR, (char *)&e, &l);
	if (e)
		return mapped(e);
	return (pfd.revents & (POLLERR | POLLHUP)) ? -ECONNREFUSED : 1;
}

int probe_sock_send(int fd, const void *buf, size_t len)
{
	int n = send((SOCKET)fd, buf, (int)len, 0); /* non-blocking socket; no SIGPIPE here */
	if (n == (int)len)
		return 0;
	int e = n < 0 ? probe_sock_errno() : -EAGAIN;
	return e == -EAGAIN ? -EAGAIN : e;
}

void probe_sock_discard(int fd, size_t max)
{
	char buf[4096];
	u_long avail = 0;
	for (size_t got = 0; got < max; got += sizeof buf) {
		if (ioctlsocket((SOCKET)fd, FIONREAD, &avail) != 0 || avail == 0)
			break;
		if (recv((SOCKET)fd, buf, sizeof buf, 0) < (int)sizeof buf)
			break;
	}
}

void probe_sock_ignore_input(int fd)
{
	/* No receive buffer: what arrives while no receive is pending is dropped. */
	int zero = 0;
	setsockopt((SOCKET)fd, SOL_SOCKET, SO_RCVBUF, (const char *)&zero, sizeof zero);
}

void probe_sock_close(int fd)
{
	if (fd >= 0)
		closesocket((SOCKET)fd);
}

/* Windows lets a socket bound neither the retransmission timer's floor nor its ceiling (its
 * initial timeout only, for the handshake): tcp-est backs off as Windows' TCP does, which the
 * analysis shows as the stream's stall (docs/probe.md). */
void probe_sock_est_tune(int fd)
{
	BOOL on = TRUE;
	setsockopt((SOCKET)fd, IPPROTO_TCP, TCP_NODELAY, (const char *)&on, sizeof on);
}
