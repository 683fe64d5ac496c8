/* Linux specifics of the probe: raw sockets, the route to a target, sender thread tuning. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/filter.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe.h"

static const char *self_path(void)
{
	static char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n <= 0)
		return "blackout-probe";
	buf[n] = 0;
	return buf;
}

/* A socket address for an IPv4 or IPv6 address and port; returns its length. */
static socklen_t sockaddr_from(const bo_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (a->family == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->a, 4);
		return sizeof *s4;
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	memcpy(&s6->sin6_addr, a->a, 16);
	return sizeof *s6;
}

/* The capture sees every reply; a filter that accepts nothing keeps a sending socket's
 * receive queue empty however much arrives. */
static void ignore_input(int fd)
{
	struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = {1, &drop};
	setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
}

int probe_raw_open(int family, char *err, size_t errlen)
{
	int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC,
	                family == 6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (fd < 0) {
		int e = errno;
		if (e == EPERM || e == EACCES)
			snprintf(err, errlen,
			         "cannot open a raw ICMP socket: %s.\n"
			         "  Raw sockets and packet capture need CAP_NET_RAW (and "
			         "CAP_NET_ADMIN).\n"
			         "  Run as root, or grant them once:\n"
			         "    sudo setcap cap_net_raw,cap_net_admin=eip %s",
			         strerror(e), self_path());
		else
			snprintf(err, errlen, "cannot open a raw ICMP socket: %s", strerror(e));
		return e == EPERM || e == EACCES ? -EPERM : -e;
	}
	ignore_input(fd);
	return fd;
}

int probe_iface_for(const bo_addr *target, char *iface, size_t len, char *err, size_t errlen)
{
	/* Connecting a UDP socket asks the kernel for the route without sending anything. */
	struct sockaddr_storage ss, local;
	socklen_t sl = sockaddr_from(target, 9, &ss);
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char a[48];
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) != 0) {
		snprintf(err, errlen,
		         "no route to %s: %s (check the address, or name the interface "
		         "with --interface)",
		         bo_addr_str(target, a, sizeof a), strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	sl = sizeof local;
	getsockname(fd, (struct sockaddr *)&local, &sl);
	close(fd);
	struct ifaddrs *ifa, *i;
	if (getifaddrs(&ifa) != 0) {
		snprintf(err, errlen, "cannot list interfaces: %s", strerror(errno));
		return -1;
	}
	int found = 0;
	for (i = ifa; i && !found; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != local.ss_family)
			continue;
		if (local.ss_family == AF_INET)
			found = !memcmp(&((struct sockaddr_in *)i->ifa_addr)->sin_addr,
			                &((struct sockaddr_in *)&local)->sin_addr, 4);
		else
			found = !memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr,
			                &((struct sockaddr_in6 *)&local)->sin6_addr, 16);
		if (found)
			snprintf(iface, len, "%s", i->ifa_name);
	}
	freeifaddrs(ifa);
	if (!found)
		snprintf(err, errlen,
		         "cannot tell which interface reaches %s; name it with --interface",
		         bo_addr_str(target, a, sizeof a));
	return found ? 0 : -1;
}

int probe_files_limit(int need, char *err, size_t errlen)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= (rlim_t)need)
		return 0;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > (rlim_t)need ? (rlim_t)need
	                                                                         : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < (rlim_t)need) {
		snprintf(err, errlen,
		         "this run needs about %d open files (a socket per target and udp or "
		         "tcp-est stream), the limit is %llu: raise it (ulimit -n %d) or split "
		         "the targets",
		         need, (unsigned long long)rl.rlim_cur, need);
		return -1;
	}
	return 0;
}

int probe_thread_tune(void)
{
	/* The default 50 us timer slack would be most of our error budget. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	/* A real-time priority keeps the sender ahead of the rest of the machine; it sleeps
	 * between sends, so it cannot starve anything. Without the privilege it stays normal. */
	struct sched_param sp = {.sched_priority = 10};
	return pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0;
}

int probe_sendto(int fd, const void *buf, size_t len, const bo_addr *dst)
{
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_from(dst, 0, &ss);
	ssize_t n = sendto(fd, buf, len, 0, (struct sockaddr *)&ss, sl);
	return n == (ssize_t)len ? 0 : -errno;
}

int probe_udp_connect(const bo_addr *dst, uint16_t port, uint16_t *local_port, char *err,
                      size_t errlen)
{
	struct sockaddr_storage ss, local;
	socklen_t sl = sockaddr_from(dst, port, &ss);
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) != 0) {
		int e = errno;
		char a[48];
		snprintf(err, errlen, "cannot open a UDP socket to %s port %u: %s",
		         bo_addr_str(dst, a, sizeof a), port, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	ignore_input(fd);
	sl = sizeof local;
	getsockname(fd, (struct sockaddr *)&local, &sl);
	*local_port =
	        ntohs(local.ss_family == AF_INET ? ((struct sockaddr_in *)&local)->sin_port
	                                         : ((struct sockaddr_in6 *)&local)->sin6_port);
	return fd;
}

int probe_send(int fd, const void *buf, size_t len)
{
	ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
	return n == (ssize_t)len ? 0 : -errno;
}

int probe_tcp_raw_open(int family, char *err, size_t errlen)
{
	int v6 = family == 6;
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot open a raw TCP socket: %s%s", strerror(e),
		         e == EPERM || e == EACCES ? " (needs CAP_NET_RAW: run as root or setcap)"
		                                   : "");
		return e == EPERM || e == EACCES ? -EPERM : -e;
	}
	ignore_input(fd);
	if (v6) { /* the kernel fills the TCP checksum at offset 16 */
		int off = 16;
		setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof off);
	}
	return fd;
}

int probe_route_source(const bo_addr *dst, bo_addr *local, char *err, size_t errlen)
{
	/* Connecting a UDP socket asks the kernel for the route (and its source) without
	 * sending anything; a raw socket's packets to dst get the same source. */
	struct sockaddr_storage ss, me;
	socklen_t sl = sockaddr_from(dst, 9, &ss), ml = sizeof me;
	int u = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (u < 0 || connect(u, (struct sockaddr *)&ss, sl) != 0 ||
	    getsockname(u, (struct sockaddr *)&me, &ml) != 0) {
		snprintf(err, errlen, "no route for raw TCP: %s", strerror(errno));
		if (u >= 0)
			close(u);
		return -EHOSTUNREACH;
	}
	close(u);
	memset(local, 0, sizeof *local);
	local->family = dst->family;
	if (dst->family == 6)
		memcpy(local->a, &((struct sockaddr_in6 *)&me)->sin6_addr, 16);
	else
		memcpy(local->a, &((struct sockaddr_in *)&me)->sin_addr, 4);
	return 0;
}

int probe_tcp_connect_start(const bo_addr *dst, uint16_t port, uint16_t *local_port)
{
	struct sockaddr_storage ss, me;
	socklen_t sl = sockaddr_from(dst, port, &ss), ml = sizeof me;
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int on = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		return -e;
	}
	getsockname(fd, (struct sockaddr *)&me, &ml);
	*local_port = ntohs(me.ss_family == AF_INET ? ((struct sockaddr_in *)&me)->sin_port
	                                            : ((struct sockaddr_in6 *)&me)->sin6_port);
	return fd;
}

int probe_tcp_connected(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	if (poll(&pfd, 1, 0) == 0)
		return 0;
	int e = 0;
	socklen_t l = sizeof e;
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l);
	return e ? -e : 1;
}

int probe_stream_send(int fd, const void *buf, size_t len)
{
	ssize_t n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == (ssize_t)len)
		return 0;
	return n < 0 ? -errno : -EAGAIN; /* a partial frame: the echo is no longer aligned */
}

void probe_drain_input(int fd)
{
	char buf[4096];
	for (int i = 0; i < 16 && recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0; i++)
		;
}
