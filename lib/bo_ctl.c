/* The first line a TCP client sends to blackout-responder: what it wants from the connection
 * (bo_ctl.h). */
#include "bo_ctl.h"

#include <stdio.h>
#include <string.h>

#include "bo_err.h"

#define MAGIC BO_CTL_MAGIC

int bo_ctl_parse(const uint8_t *buf, size_t len, bo_ctl_req *req)
{
	const uint8_t *nl = memchr(buf, '\n', len < BO_CTL_REQ_MAX ? len : BO_CTL_REQ_MAX);
	if (!nl)
		return len < BO_CTL_REQ_MAX ? 0 : BO_EINVAL;
	size_t n = (size_t)(nl - buf);
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	size_t m = sizeof MAGIC - 1;
	if (n < m || memcmp(buf, MAGIC, m) != 0)
		return BO_EINVAL;
	const uint8_t *p = buf + m, *end = buf + n;
	memset(req, 0, sizeof *req);
	if ((size_t)(end - p) == 4 && memcmp(p, "echo", 4) == 0) {
		req->kind = BO_CTL_ECHO;
	} else if ((size_t)(end - p) > 7 && memcmp(p, "events ", 7) == 0) {
		req->kind = BO_CTL_EVENTS;
		p += 7;
		if (end - p > 20) /* more digits than a uint64 holds */
			return BO_EINVAL;
		uint64_t v = 0;
		for (; p < end; p++) {
			if (*p < '0' || *p > '9')
				return BO_EINVAL;
			uint64_t d = (uint64_t)(*p - '0');
			if (v > (UINT64_MAX - d) / 10) /* 20 digits past 2^64 - 1 */
				return BO_EINVAL;
			v = v * 10 + d;
		}
		req->from = v;
	} else {
		return BO_EINVAL;
	}
	return (int)(nl - buf) + 1;
}

int bo_ctl_format(const bo_ctl_req *req, char *buf, size_t len)
{
	if (req->kind == BO_CTL_EVENTS)
		return snprintf(buf, len, MAGIC "events %llu\n", (unsigned long long)req->from);
	return snprintf(buf, len, MAGIC "echo\n");
}

const char *bo_ctl_kind_name(int kind)
{
	return kind == BO_CTL_ECHO ? "echo" : kind == BO_CTL_EVENTS ? "events" : "?";
}
