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
	for (int i = 0; i < r.in.nhost; i++) /* every record within its bounds */
		if (r.in.host[i].downtime < -1 || r.in.host[i].stop < 0 || r.in.host[i].end < 0)
			abort();
	free(r.in.host);
	return 0;
}
