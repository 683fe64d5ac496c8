/* SPDX-License-Identifier: Apache-2.0 */
/* The control protocol's request line (lib/bo_ctl.h): parsing, bounds, and the lines the
 * probe writes read back the same. */
#include "bo_ctl.h"
#include "bo_err.h"
#include "check.h"

int main(void)
{
	/* Request line */
	bo_ctl_req req;
	CHECK_INT(bo_ctl_parse((const uint8_t *)"BLACKOUT/1 echo\n", 16, &req), 16);
	CHECK_INT(req.kind, BO_CTL_ECHO);
	CHECK_INT(bo_ctl_parse((const uint8_t *)"BLACKOUT/1 events 42\r\nrest", 26, &req), 22);
	CHECK_INT(req.kind, BO_CTL_EVENTS);
	CHECK_INT(req.from, 42);
	CHECK_INT(bo_ctl_parse((const uint8_t *)"BLACKOUT/1 ev", 13, &req), 0);
	const char *bad_req[] = {"BLACKOUT/1 echo \n",
	                         "BLACKOUT/2 echo\n",
	                         "BLACKOUT/1 events\n",
	                         "BLACKOUT/1 events x1\n",
	                         "BLACKOUT/1 events 18446744073709551616\n", /* 2^64 */
	                         "BLACKOUT/1 events 123456789012345678901\n",
	                         "GET / HTTP/1.1\n"};
	for (size_t i = 0; i < sizeof bad_req / sizeof *bad_req; i++)
		CHECK_INT(bo_ctl_parse((const uint8_t *)bad_req[i], strlen(bad_req[i]), &req),
		          BO_EINVAL);
	uint8_t longline[BO_CTL_REQ_MAX];
	memset(longline, 'A', sizeof longline);
	CHECK_INT(bo_ctl_parse(longline, sizeof longline, &req), BO_EINVAL);
	char line[BO_CTL_REQ_MAX];
	bo_ctl_req ev = {.kind = BO_CTL_EVENTS, .from = 18446744073709551615ull};
	int n = bo_ctl_format(&ev, line, sizeof line);
	CHECK_STR(line, "BLACKOUT/1 events 18446744073709551615\n");
	CHECK_INT(bo_ctl_parse((const uint8_t *)line, (size_t)n, &req), n);
	CHECK(req.kind == BO_CTL_EVENTS && req.from == ev.from);
	bo_ctl_req echo = {.kind = BO_CTL_ECHO};
	n = bo_ctl_format(&echo, line, sizeof line);
	CHECK_STR(line, BO_CTL_ECHO_LINE);
	CHECK_INT(bo_ctl_parse((const uint8_t *)line, (size_t)n, &req), n);
	CHECK_INT(req.kind, BO_CTL_ECHO);
	CHECK_STR(bo_ctl_kind_name(BO_CTL_EVENTS), "events");
	return check_done("ctl");
}
