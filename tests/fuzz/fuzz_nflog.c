/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer driver: the responder's NFLOG parser (responder/nflog.c) on any bytes; every drop
 * it reports is checked for what it promises. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "responder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rsp_fwdrop d[64];
	int bad;
	int n = rsp_nflog_parse(data, size, d, 64, &bad);
	if (n < 0 || n > 64 || bad < 0)
		__builtin_trap();
	for (int i = 0; i < n; i++) {
		if (memchr(d[i].prefix, 0, sizeof d[i].prefix) == NULL)
			__builtin_trap(); /* the prefix is always terminated */
		if (!d[i].ip || d[i].ip < data || d[i].ip + d[i].iplen > data + size)
			__builtin_trap(); /* the packet lies inside the input */
		bo_pkt p;
		if (bo_pkt_parse_ip(d[i].ip, d[i].iplen, &p) != 0)
			__builtin_trap(); /* only readable packets are reported */
	}
	return 0;
}
