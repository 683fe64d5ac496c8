/* SPDX-License-Identifier: Apache-2.0 */
/* The STAMP Session-Reflector (RFC 8762 §4.3, stateful; SSID per RFC 8972).
 *
 * The reply is 44 octets (112 authenticated) and never longer than the request, so the reflector
 * never amplifies: a TWAMP-light sender's 41-octet request (RFC 8762 §4.6) gets 41 octets back,
 * anything shorter nothing. It never answers its own address and port, ports below 1024 or
 * other reflectors' ports (a spoofed packet would start a loop or aim replies at a service),
 * and with a key it refuses replays of captured authenticated packets from any source. With a
 * key it still answers plain STAMP in kind (unless --stamp-auth-only): an authenticated request
 * gets an authenticated reply, a plain one a plain reply. Session state is a fixed
 * table: a lookup looks at 8 slots, and when none is free the one seen longest ago is reused, so no
 * input can make memory or time grow.
 */
#include <sodium.h>
#include <string.h>

#include "bo_err.h"
#include "bo_time.h"
#include "responder.h"

#define PROBES 8 /* slots looked at per lookup: a bounded cost whatever arrives */

/* Index of a session's home slot: SipHash under a random key, so senders cannot aim floods of
 * sessions at one slot. */
static uint32_t home(const rsp_reflector *r, const bo_addr *src, uint16_t port, uint16_t ssid)
{
	uint8_t msg[21], h[crypto_shorthash_BYTES];
	msg[0] = src->family;
	memcpy(msg + 1, src->a, 16);
	msg[17] = (uint8_t)(port >> 8), msg[18] = (uint8_t)port;
	msg[19] = (uint8_t)(ssid >> 8), msg[20] = (uint8_t)ssid;
	crypto_shorthash(h, msg, sizeof msg, r->hash_key);
	uint32_t v;
	memcpy(&v, h, sizeof v);
	return v % RSP_MAX_SESSIONS;
}

static rsp_session *session_for(rsp_reflector *r, const bo_addr *src, uint16_t port, uint16_t ssid)
{
	uint32_t i0 = home(r, src, port, ssid);
	rsp_session *free_slot = NULL, *oldest = NULL;
	for (uint32_t k = 0; k < PROBES; k++) {
		rsp_session *s = &r->sessions[(i0 + k) % RSP_MAX_SESSIONS];
		if (!s->used) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (s->port == port && s->ssid == ssid && bo_addr_eq(&s->addr, src))
			return s;
		if (!oldest || s->last_seen < oldest->last_seen)
			oldest = s;
	}
	rsp_session *s = free_slot ? free_slot : oldest;
	if (free_slot)
		r->nsessions++;
	else
		r->c.evicted++;
	memset(s, 0, sizeof *s);
	s->used = 1;
	s->addr = *src;
	s->port = port;
	s->ssid = ssid;
	return s;
}

/* Authenticated packets only (an unauthenticated one can be forged at will): a sequence
 * number the SSID has had, or one below its window, is a replay. */
static int replayed(rsp_reflector *r, const bo_stamp *in, int64_t rx_ns)
{
	if (!r->replay)
		return 0;
	rsp_replay *w = &r->replay[in->ssid];
	if (!w->last || rx_ns - w->last > RSP_REPLAY_IDLE) {
		*w = (rsp_replay){in->seq, 1, rx_ns};
		return 0;
	}
	int32_t ahead = (int32_t)(in->seq - w->top);
	if (ahead > 0) {
		w->seen = ahead >= RSP_REPLAY_WINDOW ? 1 : (w->seen << ahead) | 1;
		w->top = in->seq;
	} else {
		uint32_t back = (uint32_t)-ahead;
		if (back >= RSP_REPLAY_WINDOW || (w->seen >> back & 1))
			return 1;
		w->seen |= UINT64_C(1) << back;
	}
	w->last = rx_ns;
	return 0;
}

/* The mode a request is read in: with a key, authenticated when it is long enough to be (112
 * octets) or when plain STAMP is refused (--stamp-auth-only); otherwise plain, as routers'
 * and twping's TWAMP-light senders speak it. A plain request gets a plain reply, which says
 * nothing but the timestamps and counters any STAMP reflector returns. */
static const bo_stamp_key *request_key(const rsp_reflector *r, size_t req_len)
{
	if (!r->key.len || (req_len < BO_STAMP_AUTH_LEN && !r->auth_only))
		return NULL;
	return &r->key;
}

int rsp_stamp_accept(rsp_reflector *r, const uint8_t *req, size_t req_len, int64_t rx_ns,
                     bo_stamp *in)
{
	r->c.received++;
	int rc = bo_stamp_read_sender(req, req_len, request_key(r, req_len), in);
	if (rc == BO_EAUTH) {
		r->c.auth_failed++;
		return rc;
	}
	if (rc != 0) {
		r->c.malformed++;
		return rc;
	}
	if (in->auth && replayed(r, in, rx_ns)) {
		r->c.replayed++;
		return BO_EAUTH;
	}
	r->c.plain += r->key.len && !in->auth;
	return 0;
}

int rsp_stamp_answer(rsp_reflector *r, const bo_addr *src, uint16_t sport, const bo_stamp *in,
                     size_t req_len, int64_t rx_ns, int64_t tx_ns, uint8_t ttl, uint8_t *out,
                     size_t cap)
{
	bo_stamp rep;
	rsp_session *s = session_for(r, src, sport, in->ssid);
	s->last_seen = rx_ns;
	memset(&rep, 0, sizeof rep);
	rep.seq = s->next_seq++;
	rep.ts = bo_ntp_from_ns(tx_ns);
	rep.err = bo_stamp_err_estimate(0, BO_NS_PER_US);
	rep.ssid = in->ssid;
	rep.rx_ts = bo_ntp_from_ns(rx_ns);
	rep.sender_seq = in->seq;
	rep.sender_ts = in->ts;
	rep.sender_err = in->err;
	rep.sender_ttl = ttl;
	int n = bo_stamp_write_reflector(&rep, in->auth ? &r->key : NULL, out, cap);
	if (n < 0)
		return n;
	/* A TWAMP-light request (41 to 43 octets, unauthenticated) gets as many back: the reply's
	 * last 3 octets are MBZ, so its first 41 are TWAMP-light's reflector packet. */
	if ((size_t)n > req_len)
		n = req_len >= BO_TWAMP_LIGHT_LEN && !in->auth ? (int)req_len : BO_ERANGE;
	return n;
}

int rsp_stamp_reflect(rsp_reflector *r, const bo_addr *src, uint16_t sport, const uint8_t *req,
                      size_t req_len, int64_t rx_ns, int64_t tx_ns, uint8_t ttl, uint8_t *out,
                      size_t cap)
{
	bo_stamp in;
	int rc = rsp_stamp_accept(r, req, req_len, rx_ns, &in);
	return rc ? rc : rsp_stamp_answer(r, src, sport, &in, req_len, rx_ns, tx_ns, ttl, out, cap);
}

/* Ports of reflectors and responders: a datagram from one is another reflector's answer (two
 * reflectors set on each other by one spoofed packet would ping-pong for ever). */
static const uint16_t reflector_ports[] = {BO_PORT_STAMP_DEFAULT, 861 /* OWAMP, TWAMP control */,
                                           BO_PORT_TCP_DEFAULT, BO_PORT_HB_DEFAULT};

int rsp_stamp_refuse(const rsp_reflector *r, const bo_addr *src, uint16_t sport,
                     const bo_addr *local)
{
	if (sport == r->port && local && local->family && bo_addr_eq(src, local))
		return 1;
	if (!r->min_source_port)
		return 0; /* --min-source-port 0: any port but our own address's */
	if (sport == r->port || sport < r->min_source_port)
		return 2; /* another reflector on our port answering, or a service's port */
	for (size_t i = 0; i < sizeof reflector_ports / sizeof reflector_ports[0]; i++)
		if (sport == reflector_ports[i])
			return 2;
	return 0;
}
