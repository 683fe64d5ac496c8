/* SPDX-License-Identifier: Apache-2.0 */
/* The metrics endpoint's requests (RFC 9112's request line): what arrived so far, read through
 * a bounded reader, tells whether the request is whole and what it asks. Only GET (and HEAD)
 * of /metrics and / are answered; the headers are skipped up to the blank line that ends them,
 * within PROBE_HTTP_MAX bytes. Knows nothing of the event loop (metrics.c has the sockets). */
#include <string.h>

#include "probe.h"

/* The request line: METHOD SP TARGET SP HTTP/1.x; the target's path without its query. Every
 * index is checked against len: the line may be cut anywhere. */
static int request_line(const char *line, size_t len, int *head)
{
	static const struct {
		const char *name;
		int head;
	} methods[] = {{"GET ", 0}, {"HEAD ", 1}};
	size_t off = 0;
	for (size_t i = 0; i < sizeof methods / sizeof methods[0] && !off; i++) {
		size_t n = strlen(methods[i].name);
		if (len >= n && !memcmp(line, methods[i].name, n)) {
			off = n;
			*head = methods[i].head;
		}
	}
	if (!off)
		return PROBE_HTTP_BAD_METHOD;
	size_t start = off;
	while (off < len && line[off] != ' ')
		off++;
	size_t path_end = start;
	while (path_end < off && line[path_end] != '?')
		path_end++;
	if (off == len || len - off - 1 < 8 || memcmp(line + off + 1, "HTTP/1.", 7) != 0)
		return PROBE_HTTP_BAD;
	size_t plen = path_end - start;
	if (plen == 8 && !memcmp(line + start, "/metrics", 8))
		return PROBE_HTTP_METRICS;
	if (plen == 1 && line[start] == '/')
		return PROBE_HTTP_ROOT;
	return PROBE_HTTP_NOT_FOUND;
}

int probe_http_parse(const char *buf, size_t len, int *head)
{
	*head = 0;
	const char *eol = memchr(buf, '\n', len);
	if (!eol)
		return len >= PROBE_HTTP_MAX ? PROBE_HTTP_TOO_LONG : PROBE_HTTP_MORE;
	size_t n = (size_t)(eol - buf);
	if (n && buf[n - 1] == '\r')
		n--;
	/* the headers end at an empty line: CRLF CRLF (or LF LF, as some clients send) */
	int whole = 0;
	for (size_t i = (size_t)(eol - buf); i + 1 < len && !whole; i++)
		if (buf[i] == '\n' && (buf[i + 1] == '\n' ||
		                       (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')))
			whole = 1;
	if (!whole)
		return len >= PROBE_HTTP_MAX ? PROBE_HTTP_TOO_LONG : PROBE_HTTP_MORE;
	return request_line(buf, n, head);
}
