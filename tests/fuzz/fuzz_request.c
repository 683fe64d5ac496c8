/* libFuzzer driver: the responder's TCP request line and its heartbeat reader. */
#include <stddef.h>
#include <stdint.h>

#include "bo_hb.h"
#include "responder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rsp_req req;
	int n = rsp_req_parse(data, size, &req);
	if (n > 0 && ((size_t)n > size || (req.kind != RSP_REQ_ECHO && req.kind != RSP_REQ_EVENTS)))
		__builtin_trap();
	bo_hb hb;
	bo_hb_decode(data, size, &hb);
	return 0;
}
