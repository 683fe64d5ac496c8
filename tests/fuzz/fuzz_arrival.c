/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer driver: what the responder's guest capture makes of a frame. The first byte picks
 * the link type, so one corpus covers them all. */
#include <stddef.h>
#include <stdint.h>

#include "responder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int links[] = {BO_LINK_EN10MB, BO_LINK_RAW, BO_LINK_LINUX_SLL,
	                            BO_LINK_LINUX_SLL2, BO_LINK_NULL};
	static const bo_stamp_key key = {{1, 2, 3}, 3};
	if (size < 1)
		return 0;
	rsp_arrival a[8];
	int link = links[data[0] % 5];
	int n = rsp_arrivals(link, data + 1, size - 1, NULL, 862, 8620, a, 8);
	if (n < 0 || n > 8)
		__builtin_trap();
	rsp_arrivals(link, data + 1, size - 1, &key, 862, 8620, a, 1);
	return 0;
}
