/* SPDX-License-Identifier: Apache-2.0 */
/* The probe payload: (run, stream, seq, deadline) plus a keyed tag, carried in every probe.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                      magic "BLKT"                             |
 *   |    version    |    stream     |            flags              |
 *   |                          run id                               |
 *   |                        sequence number                        |
 *   |              deadline, probe monotonic clock, ns (64)         |
 *   |                                                               |
 *   |              tag: SipHash-2-4(key, bytes 0-23 || target) (64) |
 *   |                                                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The reply echoes the payload, so the capture alone pairs request and reply; the tag, keyed
 * per run and bound to the target address, keeps strays and spoofed replies from matching.
 */
#ifndef BO_TAG_H
#define BO_TAG_H

#include <stddef.h>
#include <stdint.h>

#include "bo_pkt.h"

#define BO_TAG_MAGIC UINT32_C(0x424c4b54)
#define BO_TAG_VERSION 1
#define BO_TAG_LEN 32
#define BO_KEY_LEN 16

typedef struct bo_key {
	uint8_t k[BO_KEY_LEN];
} bo_key;

typedef struct bo_probe_id {
	uint8_t stream;
	uint16_t flags;
	uint32_t run_id;
	uint32_t seq;
	int64_t deadline; /* monotonic ns on the probe host */
} bo_probe_id;

/* The ICMP identifier of probe seq in a stream that takes a new identifier per probe, starting
 * after base (the fixed identifier of that target's `icmp` stream) and never equal to it. */
static inline uint16_t bo_icmp_new_id(uint16_t base, uint32_t seq)
{
	return (uint16_t)(base + 1u + seq % 65535u);
}

/* The next tag in a byte stream (tcp-est frames, possibly several per segment and not always
 * at its start): from *off on, the first offset where bo_tag_decode succeeds. Returns 0 with
 * *off there and *id filled, or BO_ENOENT. The caller steps *off past a tag it takes. */
int bo_tag_find(const bo_key *key, const bo_addr *target, const uint8_t *p, size_t len, size_t *off,
                bo_probe_id *id);

/* tcp-syn probes carry no payload: probe seq goes out from source port bo_syn_port(seq) with
 * initial sequence number bo_syn_isn(...) = seq XOR a keyed hash of (run, target, port), so a
 * SYN, or the SYN-ACK / RST that acknowledges ISN + 1, gives back seq, and a stray almost never
 * lands on the port its value implies. The ports sit above Linux's default ephemeral range. */
#define BO_SYN_PORT_BASE 61000
#define BO_SYN_PORTS 4500

static inline uint16_t bo_syn_port(uint32_t seq)
{
	return (uint16_t)(BO_SYN_PORT_BASE + seq % BO_SYN_PORTS);
}
uint32_t bo_syn_isn(const bo_key *key, const bo_addr *target, uint32_t run_id, uint32_t seq);
/* From a SYN's (source port, ISN), or a reply's (destination port, ack - 1): 0 and *seq, or
 * BO_EAUTH when the port is not the one the recovered seq would use. */
int bo_syn_seq(const bo_key *key, const bo_addr *target, uint32_t run_id, uint16_t port,
               uint32_t isn, uint32_t *seq);

/* Fills a fresh random key (and a random run id when run_id is non-NULL). */
int bo_key_random(bo_key *key, uint32_t *run_id);

/* Hex form of a key: 32 characters; parse accepts exactly that. */
void bo_key_hex(const bo_key *key, char out[2 * BO_KEY_LEN + 1]);
int bo_key_parse(const char *hex, bo_key *key);

/* Writes BO_TAG_LEN bytes. */
void bo_tag_encode(const bo_key *key, const bo_addr *target, const bo_probe_id *id,
                   uint8_t out[BO_TAG_LEN]);

/* Reads a payload. Returns 0, BO_ETRUNC if shorter than BO_TAG_LEN, BO_EINVAL if the magic or
 * version is not ours, BO_EAUTH if key is given and the tag does not verify for target. */
int bo_tag_decode(const bo_key *key, const bo_addr *target, const uint8_t *p, size_t len,
                  bo_probe_id *id);

#endif
