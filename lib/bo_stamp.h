/* SPDX-License-Identifier: Apache-2.0 */
/* STAMP test packets: RFC 8762, with the SSID of RFC 8972.
 *
 * Session-Sender, unauthenticated (44 octets)    Session-Reflector, unauthenticated (44 octets)
 *   0 Sequence Number (4)                          0 Sequence Number (4)
 *   4 Timestamp (8)                                4 Timestamp (8)
 *  12 Error Estimate (2)   14 SSID (2)            12 Error Estimate (2)   14 SSID (2)
 *  16 MBZ (28)                                    16 Receive Timestamp (8)
 *                                                 24 Session-Sender Sequence Number (4)
 *                                                 28 Session-Sender Timestamp (8)
 *                                                 36 Session-Sender Error Estimate (2) 38 MBZ (2)
 *                                                 40 Session-Sender TTL (1)   41 MBZ (3)
 *
 * Authenticated (112 octets each): Sequence Number (4), MBZ (12), Timestamp (8), Error
 * Estimate (2), SSID (2), then for the sender MBZ (68); for the reflector MBZ (4), Receive
 * Timestamp (8), MBZ (8), Session-Sender Sequence Number (4), MBZ (12), Session-Sender
 * Timestamp (8), Session-Sender Error Estimate (2), MBZ (6), Session-Sender TTL (1), MBZ (15);
 * last the HMAC (16): HMAC-SHA-256 over everything before it, truncated to 16 octets.
 *
 * Timestamps are NTP 64-bit (seconds since 1900 and a binary fraction).
 *
 * TWAMP-light (RFC 5357 appendix I; RFC 8762 §4.6 asks for interoperation): the same layouts
 * with MBZ for the SSID, a sender packet of 14 octets plus padding (41 in all is common), a
 * reflector packet of 41 octets (the 44 above without the last 3 MBZ), or 38 (without the MBZ
 * and TTL after the sender's error estimate). Unauthenticated, 41 octets are read as a sender
 * packet and 38 as a reflector packet (TTL 0: not said).
 */
#ifndef BO_STAMP_H
#define BO_STAMP_H

#include <stddef.h>
#include <stdint.h>

#define BO_STAMP_LEN 44
#define BO_TWAMP_LIGHT_LEN 41       /* the shortest sender packet read, and its reply */
#define BO_TWAMP_LIGHT_MIN_REPLY 38 /* the shortest reflector packet read */
#define BO_STAMP_AUTH_LEN 112
#define BO_STAMP_HMAC_LEN 16

typedef struct bo_stamp {
	uint32_t seq;
	uint64_t ts;  /* NTP */
	uint16_t err; /* error estimate (RFC 4656 §4.1.2) */
	uint16_t ssid;
	/* reflector packets only */
	uint64_t rx_ts;
	uint32_t sender_seq;
	uint64_t sender_ts;
	uint16_t sender_err;
	uint8_t sender_ttl;
	uint8_t auth; /* read: the packet was authenticated (its HMAC verified with the key) */
} bo_stamp;

/* An HMAC key (RFC 8762 leaves its length to the deployment; up to 64 octets here). */
typedef struct bo_stamp_key {
	uint8_t k[64];
	size_t len; /* 0: unauthenticated mode */
} bo_stamp_key;

/* NTP 64-bit timestamps from and to Unix-epoch nanoseconds. */
uint64_t bo_ntp_from_ns(int64_t realtime_ns);
int64_t bo_ns_from_ntp(uint64_t ntp);

/* An error estimate for an unsynchronised clock with the given resolution. */
uint16_t bo_stamp_err_estimate(int synced, int64_t resolution_ns);

/* Writes a packet into out (cap octets); returns its length (44 or 112 with a key), or
 * BO_ERANGE when it does not fit. Fields not in the mode's layout are ignored. */
int bo_stamp_write_sender(const bo_stamp *s, const bo_stamp_key *key, uint8_t *out, size_t cap);
int bo_stamp_write_reflector(const bo_stamp *s, const bo_stamp_key *key, uint8_t *out, size_t cap);

/* Reads a packet of len octets (longer packets are allowed: RFC 8972 TLVs may follow), in
 * authenticated mode when key has a length (then s->auth is 1). Returns 0, BO_ETRUNC when shorter
 * than the mode's length (unauthenticated: TWAMP-light's, 41 octets for a sender, 38 for a
 * reflector packet), BO_EAUTH when the HMAC does not verify. */
int bo_stamp_read_sender(const uint8_t *p, size_t len, const bo_stamp_key *key, bo_stamp *s);
int bo_stamp_read_reflector(const uint8_t *p, size_t len, const bo_stamp_key *key, bo_stamp *s);

/* Loads a key file: hex (an even number of hex digits) or raw bytes, trailing newline ignored,
 * at most 64 bytes. Returns 0, or -1 with the reason in err. */
int bo_stamp_key_load(const char *path, bo_stamp_key *key, char *err, size_t errlen);

/* HMAC-SHA-256 of data truncated to 16 octets. */
void bo_stamp_hmac(const bo_stamp_key *key, const uint8_t *data, size_t len,
                   uint8_t out[BO_STAMP_HMAC_LEN]);

#endif
