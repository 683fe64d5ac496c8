/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer driver: the responder's reader of Hyper-V KVP pool files (responder/kvp.c) on any
 * bytes; what it returns is checked for what it promises. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "responder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bo_kvp k;
	if (bo_kvp_parse(data, size, &k) != 0)
		return 0;
	if (!memchr(k.host, 0, sizeof k.host) || !memchr(k.vm, 0, sizeof k.vm) ||
	    k.records + k.bad != size / BO_KVP_RECORD)
		__builtin_trap();
	for (const char *c = k.host; *c; c++)
		if ((unsigned char)*c < 0x20)
			__builtin_trap();
	return 0;
}
