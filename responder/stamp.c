/* The STAMP Session-Reflector (RFC 8762 §4.3, stateful; SSID per RFC 8972).
 *
 * The reply is 44 octets (112 authenticated) and the request must be at least that long, so the
 * reflector never amplifies. Session state is a fixed table: a lookup looks at 8 slots, and when
 * none is free the one seen longest ago is reused, so no input can make memory or time grow.
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

int rsp_stamp_reflect(rsp_reflector *r, const bo_addr *src, uint16_t sport, const uint8_t *req,
                      size_t req_len, int64_t rx_ns, int64_t tx_ns, uint8_t ttl, uint8_t *out,
                      size_t cap)
{
	bo_stamp in, rep;
	r->c.received++;
	int rc = bo_stamp_read_sender(req, req_len, &r->key, &in);
	if (rc == BO_EAUTH) {
		r->c.auth_failed++;
		return rc;
	}
	if (rc != 0) {
		r->c.malformed++;
		return rc;
	}
	rsp_session *s = session_for(r, src, sport, in.ssid);
	s->last_seen = rx_ns;
	memset(&rep, 0, sizeof rep);
	rep.seq = s->next_seq++;
	rep.ts = bo_ntp_from_ns(tx_ns);
	rep.err = bo_stamp_err_estimate(0, BO_NS_PER_US);
	rep.ssid = in.ssid;
	rep.rx_ts = bo_ntp_from_ns(rx_ns);
	rep.sender_seq = in.seq;
	rep.sender_ts = in.ts;
	rep.sender_err = in.err;
	rep.sender_ttl = ttl;
	int n = bo_stamp_write_reflector(&rep, &r->key, out, cap);
	if (n < 0 || (size_t)n > req_len) /* cannot happen: both modes are the same size */
		return BO_ERANGE;
	return n;
}
