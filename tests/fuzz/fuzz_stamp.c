/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer driver: STAMP sender and reflector readers, unauthenticated and with a key. */
#include <stddef.h>
#include <stdint.h>

#include "bo_stamp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const bo_stamp_key key = {{1, 2, 3, 4, 5, 6, 7, 8}, 8};
	bo_stamp s;
	bo_stamp_read_sender(data, size, NULL, &s);
	bo_stamp_read_reflector(data, size, NULL, &s);
	bo_stamp_read_sender(data, size, &key, &s);
	if (bo_stamp_read_reflector(data, size, &key, &s) == 0)
		(void)bo_ns_from_ntp(s.rx_ts);
	return 0;
}
