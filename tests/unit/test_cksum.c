/* SPDX-License-Identifier: Apache-2.0 */
/* Internet checksum against published vectors (RFC 1071 §3, a textbook IPv4 header). */
#include "bo_cksum.h"
#include "check.h"

int main(void)
{
	/* RFC 1071 §3 example: the one's-complement sum of these bytes is 0xddf2. */
	const unsigned char rfc[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	CHECK_INT(bo_cksum_add(0, rfc, sizeof rfc) % 0xffff, 0xddf2);
	CHECK_INT(bo_cksum(rfc, sizeof rfc), (uint16_t)~0xddf2);

	/* IPv4 header 192.168.0.1 -> 192.168.0.199, UDP, checksum field zero: 0xb861. */
	size_t n;
	unsigned char *ip = check_hex("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7", &n);
	CHECK_INT(bo_cksum(ip, n), 0xb861);
	/* With the checksum in place, the header sums to zero. */
	ip[10] = 0xb8;
	ip[11] = 0x61;
	CHECK_INT(bo_cksum(ip, n), 0);
	free(ip);

	/* Odd length pads with a zero byte; incremental equals one-shot on even splits. */
	const unsigned char odd[] = {0x12, 0x34, 0x56};
	CHECK_INT(bo_cksum(odd, 3), (uint16_t) ~(0x1234 + 0x5600));
	uint32_t s = bo_cksum_add(0, rfc, 4);
	s = bo_cksum_add(s, rfc + 4, 4);
	CHECK_INT(bo_cksum_fold(s), bo_cksum(rfc, sizeof rfc));
	CHECK_INT(bo_cksum(NULL, 0), 0xffff);

	return check_done("cksum");
}
