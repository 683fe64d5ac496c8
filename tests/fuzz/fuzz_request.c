/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer driver: the responder's TCP request line and its heartbeat reader. */
#include <stddef.h>
#include <stdint.h>

#include "bo_ctl.h"
#include "bo_hb.h"
#include "responder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bo_ctl_req req;
	int n = bo_ctl_parse(data, size, &req);
	if (n > 0 && ((size_t)n > size || (req.kind != BO_CTL_ECHO && req.kind != BO_CTL_EVENTS)))
		__builtin_trap();
	if (n > 0) { /* what parses formats back to the same line */
		char line[BO_CTL_REQ_MAX];
		bo_ctl_req again;
		int m = bo_ctl_format(&req, line, sizeof line);
		if (bo_ctl_parse((const uint8_t *)line, (size_t)m, &again) != m ||
		    again.kind != req.kind || (req.kind == BO_CTL_EVENTS && again.from != req.from))
			__builtin_trap();
	}
	bo_hb hb;
	bo_hb_decode(data, size, &hb);
	return 0;
}
