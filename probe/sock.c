/* SPDX-License-Identifier: Apache-2.0 */
/* The probe's socket calls that read the same on every platform (sock.h); the rest are in
 * sock-posix.c and sock-win.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "probe.h"
#include "sock.h"

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

int probe_sock_connect(int fd, const bo_addr *to, uint16_t port)
{
	struct sockaddr_storage ss;
	unsigned sl = probe_sockaddr(to, port, &ss);
	return connect(fd, (struct sockaddr *)&ss, (socklen_t)sl) == 0 ? 0 : probe_sock_errno();
}

int probe_sock_sendto(int fd, const void *buf, size_t len, const bo_addr *to, uint16_t port)
{
	struct sockaddr_storage ss;
	unsigned sl = probe_sockaddr(to, port, &ss);
	/* a datagram's socket raises no SIGPIPE */
	int n = (int)sendto(fd, buf, (int)len, 0, (struct sockaddr *)&ss, (socklen_t)sl);
	return n == (int)len ? 0 : n < 0 ? probe_sock_errno() : -EIO;
}

uint16_t probe_sock_local_port(int fd)
{
	struct sockaddr_storage me;
	socklen_t ml = sizeof me;
	if (getsockname(fd, (struct sockaddr *)&me, &ml) != 0)
		return 0;
	return ntohs(me.ss_family == AF_INET ? ((struct sockaddr_in *)&me)->sin_port
	                                     : ((struct sockaddr_in6 *)&me)->sin6_port);
}

int probe_sock_udp(const probe_slot *s, int nonblock, uint16_t *local_port, char *err,
                   size_t errlen)
{
	int fd = probe_sock_open(s->target->addr.family, SOCK_DGRAM, 0, nonblock);
	int rc = fd < 0 ? fd : probe_sock_connect(fd, &s->target->addr, s->inst.stamp_port);
	if (rc < 0) {
		snprintf(err, errlen, "cannot open a UDP socket to %s port %u: %s", s->target->str,
		         s->inst.stamp_port, probe_sock_strerror(rc));
		probe_sock_close(fd);
		return rc;
	}
	/* A new-flow stream's socket is closed right after its one send, before a reply can
	 * come: a filter would cost more than it keeps out (the kernel builds one per socket). */
	if (!(s->desc->flags & BO_STREAM_NEW_FLOW))
		probe_sock_ignore_input(fd);
	*local_port = probe_sock_local_port(fd);
	return fd;
}

void probe_sock_close_slots(probe *p)
{
	for (int i = 0; i < p->nslots; i++) {
		probe_tx_slot *x = &p->slots[i].tx;
		if (!x->shared)
			probe_sock_close(x->fd);
		x->fd = -1;
	}
}

int probe_sock_resolve(const char *name, bo_addr *a)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *res;
	if (probe_sock_init() != 0 || getaddrinfo(name, NULL, &hints, &res) != 0)
		return -1;
	memset(a, 0, sizeof *a);
	if (res->ai_family == AF_INET) {
		a->family = 4;
		memcpy(a->a, &((struct sockaddr_in *)res->ai_addr)->sin_addr, 4);
	} else {
		a->family = 6;
		memcpy(a->a, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, 16);
	}
	freeaddrinfo(res);
	return 0;
}

int probe_route_source(const bo_addr *dst, bo_addr *local, char *err, size_t errlen)
{
	/* Connecting a UDP socket asks the system for the route (and its source) without
	 * sending anything; a raw packet to dst gets the same source. */
	struct sockaddr_storage me;
	socklen_t ml = sizeof me;
	int u = probe_sock_open(dst->family, SOCK_DGRAM, 0, 0);
	int rc = u < 0 ? u : probe_sock_connect(u, dst, 9);
	if (rc == 0 && getsockname(u, (struct sockaddr *)&me, &ml) != 0)
		rc = probe_sock_errno();
	probe_sock_close(u);
	if (rc != 0) {
		char a[48];
		snprintf(err, errlen,
		         "no route to %s: %s (check the address, or name the interface with "
		         "--interface)",
		         bo_addr_str(dst, a, sizeof a), probe_sock_strerror(rc));
		return -EHOSTUNREACH;
	}
	memset(local, 0, sizeof *local);
	local->family = dst->family;
	if (dst->family == 6)
		memcpy(local->a, &((struct sockaddr_in6 *)&me)->sin6_addr, 16);
	else
		memcpy(local->a, &((struct sockaddr_in *)&me)->sin_addr, 4);
	return 0;
}
