/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer driver: the hypervisor's account (analysis/host.c), both of its formats: blackout's
 * host.jsonl and a Hyper-V event export as PowerShell writes it. */
#include <stdlib.h>
#include <string.h>

#include "an.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static an_run r;
	memset(&r, 0, sizeof r);
	an_host_parse(&r, (const char *)data, size);
	for (int i = 0; i < r.nhost; i++) /* every record within its bounds */
		if (r.host[i].downtime < -1 || r.host[i].stop < 0 || r.host[i].end < 0)
			abort();
	free(r.host);
	return 0;
}
