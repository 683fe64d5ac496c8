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
#include "sock.h"

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

int probe_iface_for(const bo_addr *target, char *iface, size_t len, char *err, size_t errlen)
{
	bo_addr local;
	if (probe_route_source(target, &local, err, errlen) != 0)
		return -1;
	char a[48];
	struct ifaddrs *ifa, *i;
	if (getifaddrs(&ifa) != 0) {
		snprintf(err, errlen, "cannot list interfaces: %s", strerror(errno));
		return -1;
	}
	int found = 0;
	for (i = ifa; i && !found; i = i->ifa_next) {
		if (!i->ifa_addr ||
		    i->ifa_addr->sa_family != (local.family == 6 ? AF_INET6 : AF_INET))
			continue;
		if (local.family == 4)
			found = !memcmp(&((struct sockaddr_in *)i->ifa_addr)->sin_addr, local.a, 4);
		else
			found = !memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, local.a,
			                16);
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
