/* blackout-responder: runs in the guest. This part: the STAMP Session-Reflector. */
#ifndef RESPONDER_H
#define RESPONDER_H

#include <stdint.h>
#include <uv.h>

#include "bo_log.h"
#include "bo_pkt.h"
#include "bo_stamp.h"

enum { RSP_EXIT_OK = 0, RSP_EXIT_RUNTIME = 1, RSP_EXIT_USAGE = 2, RSP_EXIT_SETUP = 4 };

#define RSP_MAX_SESSIONS 4096

/* A STAMP session is (sender address, sender port, SSID); each has its own sequence counter so
 * the sender can tell forward from backward loss (RFC 8762 §4.3, stateful mode). */
typedef struct rsp_session {
	bo_addr addr;
	uint16_t port, ssid;
	uint32_t next_seq;
	int64_t last_seen;
	int used;
} rsp_session;

typedef struct rsp_counters {
	uint64_t received, reflected, malformed, auth_failed, send_errors, evicted;
} rsp_counters;

typedef struct rsp_reflector {
	int fd;
	uv_poll_t poll;
	bo_stamp_key key;
	rsp_session sessions[RSP_MAX_SESSIONS];
	uint8_t hash_key[16]; /* random, for the session table's index */
	int nsessions;
	rsp_counters c;
} rsp_reflector;

/* The pure part, testable without sockets: turns one request into its reply. Returns the
 * reply's length (never more than req_len), or a negative code (malformed, auth). */
int rsp_stamp_reflect(rsp_reflector *r, const bo_addr *src, uint16_t sport, const uint8_t *req,
                      size_t req_len, int64_t rx_ns, int64_t tx_ns, uint8_t ttl, uint8_t *out,
                      size_t cap);

/* udp-linux.c (platform): a dual-stack UDP socket with receive timestamps and TTL. */
int rsp_udp_open(uint16_t port, char *err, size_t errlen);
/* Receives one datagram: returns its length (may be 0), -EAGAIN when none is waiting, another
 * negative errno on error; fills the source, the kernel receive time (realtime ns) and the IP
 * TTL / hop limit. */
int rsp_udp_recv(int fd, uint8_t *buf, size_t cap, bo_addr *src, uint16_t *sport, int64_t *rx_ns,
                 uint8_t *ttl);
int rsp_udp_send(int fd, const uint8_t *buf, size_t len, const bo_addr *dst, uint16_t dport);

#endif
