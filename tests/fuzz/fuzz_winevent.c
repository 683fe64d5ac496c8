/* libFuzzer driver: the responder's reader of rendered Windows events (responder/winevent.c)
 * on any bytes; what it returns is checked for what it promises. */
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
	return 0;
}
