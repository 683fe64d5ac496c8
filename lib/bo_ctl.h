/* SPDX-License-Identifier: Apache-2.0 */
/* The probe ↔ responder control protocol, defined once for both sides and the analyzer.
 *
 * Ports (blackout-responder's defaults, the probe's too):
 *   862   UDP  STAMP Session-Reflector (RFC 8762's default)
 *   8620  TCP  one listener: tcp-syn probes' target, the tcp-est echo, the event channel
 *   8621  UDP  the heartbeat the responder sends to the probe host (bo_hb.h)
 *
 * A TCP client's first line says what it wants from the connection:
 *   "BLACKOUT/1 echo\n"          every byte after it is sent back (tcp-est frames)
 *   "BLACKOUT/1 events FROM\n"   the event journal as JSON lines from event FROM on, then live
 * A bad first line gets one "error: ..." line and the connection is closed.
 *
 * With a key (the responder's --key-file, the probe's --stamp-key) the event channel is
 * authenticated: after the events line the responder sends "challenge HEX\n" (32 random bytes)
 * and the client answers "auth HEX\n", HMAC-SHA-256 under the key of "BLACKOUT/1 events" and
 * the challenge; then the events follow, or "error: ..." and the end. */
#ifndef BO_CTL_H
#define BO_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "bo_stamp.h"

#define BO_PORT_STAMP_DEFAULT 862
#define BO_PORT_TCP_DEFAULT 8620
#define BO_PORT_HB_DEFAULT 8621

#define BO_CTL_MAGIC "BLACKOUT/1 "
#define BO_CTL_ECHO_LINE BO_CTL_MAGIC "echo\n"
/* The longest request line, newline included. */
#define BO_CTL_REQ_MAX 128

enum bo_ctl_kind { BO_CTL_ECHO = 1, BO_CTL_EVENTS = 2 };

typedef struct bo_ctl_req {
	int kind;      /* enum bo_ctl_kind */
	uint64_t from; /* events: the first event wanted */
} bo_ctl_req;

/* Parses a request line at the start of buf: the bytes it took (with its newline), 0 when more
 * bytes are needed, or BO_EINVAL (not a request, or no newline within BO_CTL_REQ_MAX bytes). */
int bo_ctl_parse(const uint8_t *buf, size_t len, bo_ctl_req *req);

/* Writes the request line for req into buf (len bytes, at least BO_CTL_REQ_MAX): its length. */
int bo_ctl_format(const bo_ctl_req *req, char *buf, size_t len);

#define BO_CTL_CHALLENGE_LEN 32
#define BO_CTL_HEX_LINE_MAX 80 /* "challenge " or "auth " + 64 hex digits + "\n" */

/* The answer to a challenge. */
void bo_ctl_auth(const bo_stamp_key *key, const uint8_t challenge[BO_CTL_CHALLENGE_LEN],
                 uint8_t mac[BO_CTL_CHALLENGE_LEN]);
/* "WORD HEX\n" for 32 bytes into buf (at least BO_CTL_HEX_LINE_MAX): its length. */
int bo_ctl_hex_line(const char *word, const uint8_t v[BO_CTL_CHALLENGE_LEN], char *buf, size_t len);
/* Reads "WORD HEX\n" at the start of buf: the bytes it took, 0 when more are needed, or
 * BO_EINVAL (another line, bad hex, no newline within BO_CTL_HEX_LINE_MAX). */
int bo_ctl_parse_hex_line(const char *word, const uint8_t *buf, size_t len,
                          uint8_t v[BO_CTL_CHALLENGE_LEN]);

/* The request kind's name in that line and in logs: "echo", "events". */
const char *bo_ctl_kind_name(int kind);

#endif
