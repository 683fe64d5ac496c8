/* SPDX-License-Identifier: Apache-2.0 */
/* The guest heartbeat: a small UDP datagram the responder sends to the probe host every 10 ms.
 * Outbound traffic is not quarantined, so the first heartbeat after a pause tells when the guest
 * ran again, and its clocks tie the guest's time to the probe's capture.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                      magic "BLKH"                             |
 *   |    version    |                  reserved (0)                 |
 *   |          instance: random per responder start                 |
 *   |                        sequence number                        |
 *   |              guest realtime clock, ns since 1970 (64)         |
 *   |                                                               |
 *   |              guest monotonic clock, ns (64)                   |
 *   |                                                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#ifndef BO_HB_H
#define BO_HB_H

#include <stddef.h>
#include <stdint.h>

#define BO_HB_MAGIC UINT32_C(0x424c4b48)
#define BO_HB_VERSION 1
#define BO_HB_LEN 32

typedef struct bo_hb {
	uint32_t instance, seq;
	int64_t realtime_ns, mono_ns;
} bo_hb;

/* Writes BO_HB_LEN bytes. */
void bo_hb_encode(const bo_hb *hb, uint8_t out[BO_HB_LEN]);

/* Returns 0, BO_ETRUNC when shorter than BO_HB_LEN, BO_EINVAL when not a heartbeat. */
int bo_hb_decode(const uint8_t *p, size_t len, bo_hb *hb);

#endif
