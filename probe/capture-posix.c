/* SPDX-License-Identifier: Apache-2.0 */
/* Capture readiness on POSIX systems: libpcap's selectable descriptor in the libuv loop.
 * (Windows can poll only sockets: a reader thread and uv_async would go in capture-win.c.) */
#include <stdio.h>

#include "probe.h"

static void on_readable(uv_poll_t *h, int status, int events)
{
	(void)events;
	probe *p = h->data;
	if (status < 0) {
		probe_capture_failed(p, uv_strerror(status));
		return;
	}
	probe_capture_read(p);
}

int probe_capture_watch(probe *p)
{
	int fd = pcap_get_selectable_fd(p->cap.pcap);
	if (fd < 0)
		return -1;
	p->cap.poll.data = p;
	if (uv_poll_init(p->loop, &p->cap.poll, fd) != 0)
		return -1;
	return uv_poll_start(&p->cap.poll, UV_READABLE, on_readable);
}
