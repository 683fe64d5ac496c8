/* SPDX-License-Identifier: Apache-2.0 */
/* Watching the guest capture on POSIX systems: libpcap's selectable descriptor in the loop. */
#include <stdio.h>

#include "os-linux.h"

int rsp_capture_prepare(rsp *r, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	snprintf(r->cap.dev, sizeof r->cap.dev, "%s", r->cap.iface);
	return 0;
}

/* Each arrival as it comes; the kernel's timestamps are on CLOCK_REALTIME already. */
void rsp_capture_configure(pcap_t *pc)
{
	pcap_set_immediate_mode(pc, 1);
}

void rsp_capture_activated(pcap_t *pc)
{
	pcap_setdirection(pc, PCAP_D_IN); /* where supported; the filter names our ports anyway */
}

static void on_readable(uv_poll_t *h, int status, int events)
{
	(void)events;
	rsp *r = h->data;
	if (r->cap.pcap) /* on a poll error too: pcap then says what broke, or the capture reopens
	                  */
		rsp_capture_ready(r, status < 0 ? uv_strerror(status) : NULL);
}

int rsp_capture_watch(rsp *r)
{
	int fd = pcap_get_selectable_fd(r->cap.pcap);
	if (fd < 0 || uv_poll_init(r->loop, &r->os->cap_poll, fd) != 0)
		return -1;
	r->os->cap_poll.data = r;
	uv_poll_start(&r->os->cap_poll, UV_READABLE, on_readable);
	return 0;
}

void rsp_capture_unwatch(rsp *r)
{
	uv_poll_stop(&r->os->cap_poll);
	uv_close((uv_handle_t *)&r->os->cap_poll, NULL);
}
