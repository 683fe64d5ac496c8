/* SPDX-License-Identifier: Apache-2.0 */
/* The outbound heartbeat (--heartbeat HOST[:PORT]): a 32-byte datagram (lib/bo_hb.h) to the
 * probe host every 10 ms with the guest's clocks. The probe's capture records it; nothing needs
 * to listen. Send failures are counted, never fatal: the network may be gone for a while. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bo_hb.h"
#include "bo_time.h"
#include "responder.h"

#define PERIOD_MS 10

static void beat(uv_timer_t *t)
{
	rsp *r = t->data;
	bo_hb hb = {.instance = r->hb.instance,
	            .seq = r->hb.seq++,
	            .realtime_ns = bo_clock_real_ns(),
	            .mono_ns = bo_clock_mono_ns()};
	uint8_t pkt[BO_HB_LEN];
	bo_hb_encode(&hb, pkt);
	uv_buf_t b = uv_buf_init((char *)pkt, sizeof pkt);
	if (uv_udp_try_send(&r->hb.udp, &b, 1, (const struct sockaddr *)&r->hb.dst) < 0)
		r->hb.errors++;
}

/* "192.0.2.1", "192.0.2.1:9000", "2001:db8::1", "[2001:db8::1]:9000" */
static int parse_dest(const char *s, struct sockaddr_storage *ss)
{
	char host[64];
	long port = BO_PORT_HB_DEFAULT;
	const char *colon = strrchr(s, ':');
	size_t n = strlen(s);
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || (size_t)(end - s - 1) >= sizeof host)
			return -1;
		memcpy(host, s + 1, (size_t)(end - s - 1));
		host[end - s - 1] = 0;
		if (end[1] == ':')
			port = strtol(end + 2, NULL, 10);
		else if (end[1])
			return -1;
	} else if (colon && strchr(s, ':') == colon) { /* one colon: IPv4 with a port */
		if ((size_t)(colon - s) >= sizeof host)
			return -1;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = 0;
		port = strtol(colon + 1, NULL, 10);
	} else {
		if (n >= sizeof host)
			return -1;
		memcpy(host, s, n + 1);
	}
	if (port < 1 || port > 65535)
		return -1;
	memset(ss, 0, sizeof *ss);
	if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss) == 0)
		return 0;
	if (uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)ss) == 0)
		return 0;
	return -1;
}

int rsp_heartbeat_start(rsp *r, const char *dest, char *err, size_t errlen)
{
	if (parse_dest(dest, &r->hb.dst) != 0) {
		snprintf(err, errlen,
		         "--heartbeat %s: expected an address with an optional port "
		         "(192.0.2.1, 192.0.2.1:%d, [2001:db8::1]:%d)",
		         dest, BO_PORT_HB_DEFAULT, BO_PORT_HB_DEFAULT);
		return -1;
	}
	int rc = uv_udp_init(r->loop, &r->hb.udp);
	if (rc < 0) {
		snprintf(err, errlen, "heartbeat socket: %s", uv_strerror(rc));
		return -1;
	}
	r->hb.udp.data = r->hb.timer.data = r;
	r->hb.instance = randombytes_random();
	uv_timer_init(r->loop, &r->hb.timer);
	uv_timer_start(&r->hb.timer, beat, 0, PERIOD_MS);
	r->hb.on = 1;
	return 0;
}

void rsp_heartbeat_stop(rsp *r)
{
	if (!r->hb.on)
		return;
	uv_timer_stop(&r->hb.timer);
	uv_close((uv_handle_t *)&r->hb.timer, NULL);
	uv_close((uv_handle_t *)&r->hb.udp, NULL);
	r->hb.on = 0;
}
