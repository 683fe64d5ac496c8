/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer driver: the bounded JSON-lines reader and the field getters. */
#include <stdio.h>

#include "bo_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	FILE *f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	json_t *o;
	long line = 0;
	int rc;
	while ((rc = bo_jsonl_next(f, 256, &o, &line)) != 0) {
		if (rc > 0) {
			bo_json_int(o, "format", 0);
			bo_json_str(o, "type", "");
			json_decref(o);
		}
	}
	fclose(f);
	return 0;
}
