/* SPDX-License-Identifier: Apache-2.0 */
/* The probe's sockets on POSIX systems (sock.h). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/filter.h>
#endif

#include "sock.h"

int probe_sock_init(void)
{
	return 0;
}

int probe_sock_errno(void)
{
	return -errno;
}

const char *probe_sock_strerror(int err)
{
	return strerror(-err);
}

int probe_sock_open(int family, int type, int protocol, int nonblock)
{
	int fd = socket(family == 6 ? AF_INET6 : AF_INET,
	                type | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), protocol);
	return fd < 0 ? -errno : fd;
}

int probe_sock_connected(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	if (poll(&pfd, 1, 0) == 0)
		return 0;
	int e = 0;
	socklen_t l = sizeof e;
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l);
	return e ? -e : 1;
}

int probe_sock_send(int fd, const void *buf, size_t len)
{
	ssize_t n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == (ssize_t)len)
		return 0;
	return n < 0 && errno != EWOULDBLOCK ? -errno : -EAGAIN;
}

void probe_sock_discard(int fd, size_t max)
{
	char buf[4096];
	for (size_t got = 0; got < max;) {
		ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n < (ssize_t)sizeof buf)
			break;
		got += (size_t)n;
	}
}

void probe_sock_ignore_input(int fd)
{
#ifdef __linux__
	/* a filter that accepts nothing keeps the receive queue empty however much arrives */
	struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = {1, &drop};
	setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
#else
	int zero = 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &zero, sizeof zero);
#endif
}

void probe_sock_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* TCP's retransmission timer starts at 200 ms and doubles after each timeout (200, 400, 800
 * ms, ...): after a pause the stream could wait that long past the path's return, and its
 * stall, the evidence that tells a quarantine (established flows pass) from a full outage,
 * would be of TCP's making. The probe's own connection takes a floor of 50 ms and a ceiling of
 * 1 s for that timer (Linux 6.15 on; bench/est_stall.sh measures the stall against the dark
 * time); where the kernel lacks them the stream backs off as TCP does (docs/probe.md). */
#ifdef __linux__
#ifndef TCP_RTO_MAX_MS
#define TCP_RTO_MAX_MS 44 /* linux/tcp.h from 6.15 */
#endif
#ifndef TCP_RTO_MIN_US
#define TCP_RTO_MIN_US 45
#endif
#endif
#define EST_RTO_MIN_US 50000
#define EST_RTO_MAX_MS 1000

void probe_sock_est_tune(int fd)
{
	int on = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
#ifdef __linux__
	int min_us = EST_RTO_MIN_US, max_ms = EST_RTO_MAX_MS;
	setsockopt(fd, IPPROTO_TCP, TCP_RTO_MIN_US, &min_us, sizeof min_us);
	setsockopt(fd, IPPROTO_TCP, TCP_RTO_MAX_MS, &max_ms, sizeof max_ms);
#endif
}
