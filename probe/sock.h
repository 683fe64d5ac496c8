/* SPDX-License-Identifier: Apache-2.0 */
/* The probe's sockets on either platform: the headers, and the few calls whose spelling
 * differs (sock-posix.c, sock-win.c). A socket is an int (-1 none; a Windows SOCKET's value
 * fits, kernel handles being 32-bit significant). Errors are negative errno values, Winsock's
 * mapped to them (WSAEWOULDBLOCK is -EAGAIN, WSAECONNRESET -ECONNRESET, ...), so portable code
 * tests one set of names. */
#ifndef PROBE_SOCK_H
#define PROBE_SOCK_H

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#endif
#include <stddef.h>
#include <stdint.h>

#include "bo_pkt.h"

/* Once per process before the first socket (Winsock's start-up); 0 or a negative code. */
int probe_sock_init(void);
/* The last socket call's failure as a negative errno value, and the words for one. */
int probe_sock_errno(void);
const char *probe_sock_strerror(int err);
/* A socket of the family (4 or 6), type (SOCK_STREAM, SOCK_DGRAM, SOCK_RAW) and protocol,
 * not inherited by child processes; non-blocking when nonblock. The socket or -errno. */
int probe_sock_open(int family, int type, int protocol, int nonblock);
/* connect(): 0, -EINPROGRESS while a non-blocking one is being made, or -errno. */
int probe_sock_connect(int fd, const bo_addr *to, uint16_t port);
/* A non-blocking connect's outcome: 1 made, 0 still being made, or -errno. */
int probe_sock_connected(int fd);
/* send() that never blocks and never raises SIGPIPE: 0 when all of buf went, -EAGAIN when
 * none or part did, or -errno. */
int probe_sock_send(int fd, const void *buf, size_t len);
/* sendto() of a whole datagram (a raw socket's packet): 0 or -errno. */
int probe_sock_sendto(int fd, const void *buf, size_t len, const bo_addr *to, uint16_t port);
/* Reads and drops what has arrived, at most max bytes, without blocking. */
void probe_sock_discard(int fd, size_t max);
/* Nothing received is kept: the capture has every reply. */
void probe_sock_ignore_input(int fd);
uint16_t probe_sock_local_port(int fd);
void probe_sock_close(int fd);
/* tcp-est's connection: no Nagle delay, and the retransmission timer bounded where the
 * system lets a socket say so (Linux 6.15 on: 50 ms floor, 1 s ceiling). */
void probe_sock_est_tune(int fd);

/* A slot's connected UDP socket to its target's STAMP port (nothing it receives kept, unless
 * the stream makes a new flow each probe): the socket and its port, or a negative code with
 * err said. */
struct probe_slot;
int probe_sock_udp(const struct probe_slot *s, int nonblock, uint16_t *local_port, char *err,
                   size_t errlen);
/* Every slot's own socket closed (the shared ones are the backend's). */
struct probe;
void probe_sock_close_slots(struct probe *p);
/* A host name's first address (getaddrinfo): 0, or -1. */
int probe_sock_resolve(const char *name, bo_addr *a);
/* A socket address for an IPv4 or IPv6 address and port; its length. */
unsigned probe_sockaddr(const bo_addr *a, uint16_t port, struct sockaddr_storage *ss);

#endif
