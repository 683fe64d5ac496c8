/* SPDX-License-Identifier: Apache-2.0 */
/* tcp-est on every platform: one TCP connection per slot to the target's TCP port, opened with
 * the echo's request line, each probe a frame on it; made again when it breaks, at most four
 * times a second. Non-blocking throughout (the pacer thread calls it): while the connection is
 * being made, probes are send errors (a blind spot, not loss). The echoes are read and dropped
 * (the capture has them). The transmit backends call it for BO_STREAM_BYTES streams. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bo_time.h"
#include "probe.h"
#include "sock.h"

#define ECHO_READ_EVERY 8 /* frames: how often the echoes are read */
#define RETRY (250 * BO_NS_PER_MS)

static int est_connect(probe_slot *s)
{
	int fd = probe_sock_open(s->target->addr.family, SOCK_STREAM, 0, 1);
	if (fd < 0)
		return fd;
	probe_sock_est_tune(fd);
	int rc = probe_sock_connect(fd, &s->target->addr, s->inst.tcp_port);
	if (rc != 0 && rc != -EINPROGRESS && rc != -EAGAIN) {
		probe_sock_close(fd);
		return rc;
	}
	s->inst.local_port = probe_sock_local_port(fd);
	s->tx.fd = fd;
	s->tx.est_state = 1;
	return 0;
}

int probe_est_open(probe_slot *s, char *err, size_t errlen)
{
	int rc = est_connect(s);
	if (rc < 0)
		snprintf(err, errlen, "%s: cannot connect to %s port %u: %s", s->desc->name,
		         s->target->str, s->inst.tcp_port, probe_sock_strerror(rc));
	return rc;
}

void probe_est_close(probe_slot *s)
{
	probe_sock_close(s->tx.fd);
	s->tx.fd = -1;
	s->tx.est_state = 0;
}

int probe_est_send(probe_slot *s, const bo_probe_pkt *pkt, uint32_t seq)
{
	if (s->tx.est_state == 0) {
		int64_t now = bo_clock_mono_ns();
		if (now < s->tx.est_retry)
			return -ENOTCONN;
		s->tx.est_retry = now + RETRY;
		int rc = est_connect(s);
		if (rc < 0)
			return rc;
		atomic_fetch_add(&s->tx.reconnects, 1);
	}
	if (s->tx.est_state == 1) {
		int c = probe_sock_connected(s->tx.fd);
		if (c < 0) {
			probe_est_close(s);
			return c;
		}
		if (c == 0)
			return -EINPROGRESS;
		if (probe_sock_send(s->tx.fd, BO_FRAMES_HELLO, sizeof BO_FRAMES_HELLO - 1) != 0) {
			probe_est_close(s);
			return -EPIPE;
		}
		s->tx.est_state = 2;
	}
	/* a partial frame (-EAGAIN) leaves the echo misaligned: the stream reads that as it is */
	int rc = probe_sock_send(s->tx.fd, pkt->l4 + pkt->payload_off, pkt->len - pkt->payload_off);
	if (rc == -EPIPE || rc == -ECONNRESET || rc == -ETIMEDOUT || rc == -ENOTCONN ||
	    rc == -ECONNABORTED) {
		probe_est_close(s);
		return rc;
	}
	/* The echoes are read after the frame went, so the reading does not delay it, and only
	 * every ECHO_READ_EVERY frames: the system keeps them meanwhile (a few hundred bytes),
	 * and a read a frame was two system calls a frame, the second to learn that nothing was
	 * left. */
	if (seq % ECHO_READ_EVERY == 0)
		probe_sock_discard(s->tx.fd, 16 * 4096);
	return rc;
}
