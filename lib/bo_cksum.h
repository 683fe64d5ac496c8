/* The Internet checksum (RFC 1071), with incremental accumulation for pseudo-headers. */
#ifndef BO_CKSUM_H
#define BO_CKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Adds len bytes to a running 32-bit one's-complement sum. Odd lengths are padded with zero,
 * so only the last piece of a sum may have an odd length. */
uint32_t bo_cksum_add(uint32_t sum, const void *data, size_t len);

/* Folds a running sum into the final 16-bit checksum (already complemented). */
uint16_t bo_cksum_fold(uint32_t sum);

/* Checksum of one buffer. */
uint16_t bo_cksum(const void *data, size_t len);

#endif
