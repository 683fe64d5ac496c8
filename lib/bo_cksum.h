/* SPDX-License-Identifier: Apache-2.0 */
/* The Internet checksum (RFC 1071), with incremental accumulation for pseudo-headers. */
#ifndef BO_CKSUM_H
#define BO_CKSUM_H

#include <stddef.h>
#include <stdint.h>

#include "bo_pkt.h"

/* Adds len bytes to a running 32-bit one's-complement sum. Odd lengths are padded with zero,
 * so only the last piece of a sum may have an odd length. */
uint32_t bo_cksum_add(uint32_t sum, const void *data, size_t len);

/* Folds a running sum into the final 16-bit checksum (already complemented). */
uint16_t bo_cksum_fold(uint32_t sum);

/* Checksum of one buffer. */
uint16_t bo_cksum(const void *data, size_t len);

/* The checksum of a transport packet (l4, len bytes, its checksum field zero) from src to
 * dst: with the IPv4 or IPv6 pseudo-header, except for ICMPv4 (proto 1), which has none. */
uint16_t bo_cksum_l4(const bo_addr *src, const bo_addr *dst, uint8_t proto, const void *l4,
                     size_t len);

/* Where the checksum field is in a transport header of this IP protocol (ICMP, ICMPv6, TCP,
 * UDP). */
size_t bo_cksum_offset(uint8_t proto);

#endif
