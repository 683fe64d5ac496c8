/* SPDX-License-Identifier: Apache-2.0 */
/* The Internet checksum (RFC 1071). */
#include "bo_cksum.h"

uint32_t bo_cksum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t s = sum;
	while (len >= 2) {
		s += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)(p[0] << 8);
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t bo_cksum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t bo_cksum(const void *data, size_t len)
{
	return bo_cksum_fold(bo_cksum_add(0, data, len));
}

uint16_t bo_cksum_l4(const bo_addr *src, const bo_addr *dst, uint8_t proto, const void *l4,
                     size_t len)
{
	uint32_t sum = 0;
	if (proto != 1) {
		int v6 = dst->family == 6;
		size_t alen = v6 ? 16 : 4;
		uint8_t t6[8] = {0, 0, (uint8_t)(len >> 8), (uint8_t)len, 0, 0, 0, proto};
		uint8_t t4[4] = {0, proto, (uint8_t)(len >> 8), (uint8_t)len};
		sum = bo_cksum_add(bo_cksum_add(0, src->a, alen), dst->a, alen);
		sum = v6 ? bo_cksum_add(sum, t6, sizeof t6) : bo_cksum_add(sum, t4, sizeof t4);
	}
	return bo_cksum_fold(bo_cksum_add(sum, l4, len));
}

size_t bo_cksum_offset(uint8_t proto)
{
	return proto == 17 ? 6 : proto == 6 ? 16 : 2;
}
