/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer driver: the probe's event-channel client (probe/guest.c) on whatever a responder,
 * or something that claims to be one, sends: lines, JSON, challenges, errors, floods. The
 * first byte says whether the probe has a key. */
#include <stddef.h>
#include <stdint.h>

#include "probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	probe_guest_feed(data + 1, size - 1, data[0] & 1);
	return 0;
}
