/* SPDX-License-Identifier: Apache-2.0 */
/* blackout-lab-agent: runs inside a QEMU guest of the lab and imitates the Windows firewall's
 * interface quarantine. When eth0's carrier goes down and up (the network-change indication
 * the lab gives with QMP set_link, as Hyper-V does after a migration) it drops inbound ICMP
 * echo, UDP and new TCP from the loss of carrier until HOLD after its return, then lets go.
 *
 * It speaks JSON lines on a virtio-serial port to the lab (one line per event, guest
 * CLOCK_REALTIME around each nftables commit; lines wait in a queue while the lab is not
 * connected) and answers "S ID" lines with the guest's clock at once, so the lab can map guest
 * times to its own clock with bounds.
 *
 *   blackout-lab-agent PORT_DEVICE HOLD_NS SCOPE     (SCOPE: icmp,udp,tcp-new[,tcp-all])
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <nftables/libnftables.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../lab.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000 /* linux/if.h: the driver signals carrier */
#endif

static int port = -1;
static struct nft_ctx *nft;
static unsigned lost; /* lines beyond the queue while the port could not take them */

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Lines wait here while the port cannot take them (the lab connects to a destination's port
 * only once the guest's state has arrived): bounded, the oldest kept, losses counted. */
static char outq[65536];
static size_t outlen;

static void flush_out(void)
{
	while (outlen) {
		ssize_t w = write(port, outq, outlen);
		if (w <= 0)
			return;
		memmove(outq, outq + w, outlen - (size_t)w);
		outlen -= (size_t)w;
	}
}

static void say(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof line - 1)
		return;
	line[n++] = '\n';
	if (outlen + (size_t)n > sizeof outq) {
		lost++;
		return;
	}
	memcpy(outq + outlen, line, (size_t)n);
	outlen += (size_t)n;
	flush_out();
}

static int commit(const char *what, const char *cmds)
{
	/* A listing first fills libnftables' cache, so the timed call does little more than
	 * parse and commit (as blackout-lab does on the simulated VM). */
	nft_run_cmd_from_buffer(nft, "list table inet blackout");
	int64_t t0 = now_ns();
	int rc = nft_run_cmd_from_buffer(nft, cmds);
	int64_t t1 = now_ns();
	if (rc != 0)
		say("{\"type\":\"error\",\"what\":\"%s\",\"t0\":%lld}", what, (long long)t0);
	else
		say("{\"type\":\"%s\",\"t0\":%lld,\"t1\":%lld}", what, (long long)t0,
		    (long long)t1);
	return rc;
}

/* Carrier of eth0 from one RTM_NEWLINK message; -1 when the message is not about eth0. */
static int carrier_of(const struct nlmsghdr *h, int ifindex)
{
	if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		return -1;
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	if (ifi->ifi_index != ifindex)
		return -1;
	return (ifi->ifi_flags & IFF_LOWER_UP) != 0;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: blackout-lab-agent PORT_DEVICE HOLD_NS SCOPE\n");
		return 2;
	}
	int64_t hold = strtoll(argv[2], NULL, 10);
	int scope;
	if (lab_scope_parse(argv[3], &scope) != 0 || hold < 0) {
		fprintf(stderr, "blackout-lab-agent: bad HOLD_NS or SCOPE\n");
		return 2;
	}
	port = open(argv[1], O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (port < 0) {
		fprintf(stderr, "blackout-lab-agent: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft)
		return 1;
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	char rules[512];
	/* each drop logged to NFLOG, where the guest's responder reads it (--fw-log) */
	lab_rules_quarantine(scope, LAB_LOG_GROUP, rules, sizeof rules);
	if (commit("rules-loaded", lab_rules_vm_base) != 0)
		return 1;

	int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK};
	if (nl < 0 || bind(nl, (struct sockaddr *)&sa, sizeof sa) != 0) {
		fprintf(stderr, "blackout-lab-agent: netlink: %s\n", strerror(errno));
		return 1;
	}
	int ifindex = (int)if_nametoindex("eth0");
	int carrier = 1, on = 0;
	int64_t until = 0; /* monotonic: quarantine lifted then */
	say("{\"type\":\"agent-start\",\"guest_ns\":%lld,\"hold_ns\":%lld,\"scope\":\"%s\"}",
	    (long long)now_ns(), (long long)hold, argv[3]);

	char in[512];
	size_t inlen = 0;
	for (;;) {
		int timeout = -1;
		if (on && until != INT64_MAX) {
			int64_t left = until - mono_ns();
			timeout = left <= 0 ? 0 : (int)(left / 1000000) + 1;
		}
		struct pollfd pf[2] = {{nl, POLLIN, 0},
		                       {port, (short)(POLLIN | (outlen ? POLLOUT : 0)), 0}};
		if (outlen && (timeout < 0 || timeout > 20))
			timeout = 20; /* a port not yet connected shows neither: try again soon */
		int n = poll(pf, 2, timeout);
		flush_out();
		if (n < 0 && errno != EINTR)
			return 1;
		if (on && until != INT64_MAX && mono_ns() >= until) {
			/* a wake-up a little early is caught by the millisecond rounding above */
			commit("quarantine-off", lab_rules_lift);
			on = 0;
		}
		if (pf[0].revents & POLLIN) {
			char buf[16384];
			ssize_t r;
			while ((r = recv(nl, buf, sizeof buf, 0)) > 0) {
				for (struct nlmsghdr *h = (struct nlmsghdr *)buf;
				     NLMSG_OK(h, (size_t)r); h = NLMSG_NEXT(h, r)) {
					int c = carrier_of(h, ifindex);
					if (c < 0 || c == carrier)
						continue;
					carrier = c;
					int64_t t = now_ns();
					say("{\"type\":\"carrier-%s\",\"t0\":%lld,\"t1\":%lld}",
					    c ? "up" : "down", (long long)t, (long long)t);
					if (hold == 0)
						continue;
					/* Like Windows: the interface is quarantined from the
					 * network change on (carrier lost), and the safety timeout
					 * counts from the last event (carrier back), so a second
					 * one extends it. */
					if (!on && commit("quarantine-on", rules) == 0)
						on = 1;
					until = c ? mono_ns() + hold : INT64_MAX;
				}
			}
		}
		if (pf[1].revents & POLLIN) {
			ssize_t r = read(port, in + inlen, sizeof in - 1 - inlen);
			if (r > 0)
				inlen += (size_t)r;
			char *nlp;
			while ((nlp = memchr(in, '\n', inlen))) {
				*nlp = 0;
				unsigned long long id;
				if (sscanf(in, "S %llu", &id) == 1)
					say("{\"type\":\"sync\",\"id\":%llu,\"guest_ns\":%lld,"
					    "\"lost\":%u}",
					    id, (long long)now_ns(), lost);
				size_t used = (size_t)(nlp + 1 - in);
				memmove(in, nlp + 1, inlen - used);
				inlen -= used;
			}
			if (inlen == sizeof in - 1)
				inlen = 0; /* a line too long for a command: dropped */
		}
		if (pf[1].revents & (POLLHUP | POLLERR))
			usleep(20000); /* the lab not connected yet (or between QEMUs) */
	}
}
