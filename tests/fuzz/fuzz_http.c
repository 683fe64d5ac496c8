/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer driver: the watcher's metrics endpoint (probe/http.c) on whatever a client sends,
 * as it would arrive: the bytes so far, within the request buffer's bound. */
#include <stddef.h>
#include <stdint.h>

#include "probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int head;
	for (size_t n = 0; n <= size && n <= PROBE_HTTP_MAX; n += n < 64 ? 1 : 97)
		probe_http_parse((const char *)data, n, &head);
	return 0;
}
