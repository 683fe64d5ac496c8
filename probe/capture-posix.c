/* SPDX-License-Identifier: Apache-2.0 */
/* The capture on POSIX systems: nothing to find first, the default time stamps (the system
 * clock's, as the probe's own times are), and libpcap's selectable descriptor in the libuv
 * loop. (capture-win.c is Windows'.) */
#include <stdio.h>

#include "probe.h"

int probe_capture_prepare(probe *p, char *err, size_t errlen)
{
	(void)p, (void)err, (void)errlen;
	return 0;
}

/* Not immediate mode: the kernel hands frames over in blocks, at the latest every
 * CAPTURE_WAKE_MS, instead of waking the loop for every frame (at 40 000 probes/s those
 * wake-ups cost more than the sends). Timestamps are taken as frames pass, either way. */
#define CAPTURE_WAKE_MS 5

const char *probe_capture_configure(probe *p)
{
	pcap_set_immediate_mode(p->cap.pcap, 0);
	pcap_set_timeout(p->cap.pcap, CAPTURE_WAKE_MS);
	return NULL;
}

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
	p->cap.watch.poll.data = p;
	if (uv_poll_init(p->loop, &p->cap.watch.poll, fd) != 0)
		return -1;
	return uv_poll_start(&p->cap.watch.poll, UV_READABLE, on_readable);
}

void probe_capture_unwatch(probe *p)
{
	if (uv_is_active((uv_handle_t *)&p->cap.watch.poll))
		uv_poll_stop(&p->cap.watch.poll);
}

uv_handle_t *probe_capture_handle(probe *p)
{
	return (uv_handle_t *)&p->cap.watch.poll;
}
