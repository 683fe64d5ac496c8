/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer driver: the responder's reader of rendered Windows events (responder/winevent.c)
 * on any bytes, and each event-log row's report of it; what they return is checked for what
 * they promise. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "responder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rsp_winevent ev;
	if (rsp_winevent_parse((const char *)data, size, &ev) != 0)
		return 0;
	if (!memchr(ev.provider, 0, sizeof ev.provider) || ev.ndata < 0 ||
	    ev.ndata > RSP_WINEVENT_DATA)
		__builtin_trap();
	for (int i = 0; i < ev.ndata; i++)
		if (!memchr(ev.data[i].name, 0, sizeof ev.data[i].name) ||
		    !memchr(ev.data[i].value, 0, sizeof ev.data[i].value))
			__builtin_trap();
	for (size_t i = 0; i < rsp_nevlogs; i++) { /* and as each event log's row reports it */
		json_t *o = rsp_evlog_event(&rsp_evlogs[i], &ev);
		if (o && !json_is_string(json_object_get(o, "what")))
			__builtin_trap();
		json_decref(o);
	}
	return 0;
}
