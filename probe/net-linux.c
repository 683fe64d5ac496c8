/* SPDX-License-Identifier: Apache-2.0 */
/* Linux specifics of the probe: the route and interface to a target, the open-files limit,
 * sender thread tuning. (Sending is the transmit backend's: tx-raw-linux.c.) */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe.h"

const char *probe_privilege_hint(void)
{
	static char buf[4200];
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		snprintf(self, sizeof self, "blackout-probe");
	else
		self[n] = 0;
	snprintf(buf, sizeof buf, "sudo setcap cap_net_raw,cap_net_admin=eip %s", self);
	return buf;
}

unsigned probe_sockaddr(const bo_addr *a, uint16_t port, struct sockaddr_storage *ss)
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

int probe_iface_for(const bo_addr *target, char *iface, size_t len, char *err, size_t errlen)
{
	/* Connecting a UDP socket asks the kernel for the route without sending anything. */
	struct sockaddr_storage ss, local;
	socklen_t sl = probe_sockaddr(target, 9, &ss);
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

int probe_route_source(const bo_addr *dst, bo_addr *local, char *err, size_t errlen)
{
	/* Connecting a UDP socket asks the kernel for the route (and its source) without
	 * sending anything; a raw socket's packets to dst get the same source. */
	struct sockaddr_storage ss, me;
	socklen_t sl = probe_sockaddr(dst, 9, &ss), ml = sizeof me;
	int u = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (u < 0 || connect(u, (struct sockaddr *)&ss, sl) != 0 ||
	    getsockname(u, (struct sockaddr *)&me, &ml) != 0) {
		snprintf(err, errlen, "no route for raw sends: %s", strerror(errno));
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
