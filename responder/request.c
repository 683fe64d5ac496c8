/* The first line a TCP client sends: what it wants from the connection. */
#include <string.h>

#include "bo_err.h"
#include "responder.h"

#define MAGIC "BLACKOUT/1 "

int rsp_req_parse(const uint8_t *buf, size_t len, rsp_req *req)
{
	const uint8_t *nl = memchr(buf, '\n', len < RSP_REQ_MAX ? len : RSP_REQ_MAX);
	if (!nl)
		return len < RSP_REQ_MAX ? 0 : BO_EINVAL;
	size_t n = (size_t)(nl - buf);
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	size_t m = sizeof MAGIC - 1;
	if (n < m || memcmp(buf, MAGIC, m) != 0)
		return BO_EINVAL;
	const uint8_t *p = buf + m, *end = buf + n;
	memset(req, 0, sizeof *req);
	if ((size_t)(end - p) == 4 && memcmp(p, "echo", 4) == 0) {
		req->kind = RSP_REQ_ECHO;
	} else if ((size_t)(end - p) > 7 && memcmp(p, "events ", 7) == 0) {
		req->kind = RSP_REQ_EVENTS;
		p += 7;
		if (end - p > 19) /* more digits than a uint64 holds */
			return BO_EINVAL;
		uint64_t v = 0;
		for (; p < end; p++) {
			if (*p < '0' || *p > '9')
				return BO_EINVAL;
			v = v * 10 + (uint64_t)(*p - '0');
		}
		req->from = v;
	} else {
		return BO_EINVAL;
	}
	return (int)(nl - buf) + 1;
}
