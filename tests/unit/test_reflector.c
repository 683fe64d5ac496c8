/* SPDX-License-Identifier: Apache-2.0 */
/* The STAMP reflector's logic: no amplification at any size, per-session sequence numbers,
 * bad input counted, a session table that cannot grow. */
#include <sodium.h>

#include "bo_err.h"
#include "check.h"
#include "responder.h"

static rsp_reflector refl; /* large */

static int reflect(const bo_addr *src, uint16_t port, const uint8_t *req, size_t len, uint8_t *out)
{
	return rsp_stamp_reflect(&refl, src, port, req, len, 1700000000000000000,
	                         1700000000000001000, 61, out, BO_STAMP_AUTH_LEN);
}

int main(void)
{
	bo_addr a, b;
	bo_addr_parse("192.0.2.1", &a);
	bo_addr_parse("2001:db8::1", &b);
	uint8_t req[300], out[BO_STAMP_AUTH_LEN];
	bo_stamp s = {.seq = 41, .ts = bo_ntp_from_ns(1699999999999999000), .ssid = 7};
	CHECK_INT(bo_stamp_write_sender(&s, NULL, req, sizeof req), 44);

	/* Stateful: each session counts its own replies; fields come back. */
	bo_stamp rep;
	for (int i = 0; i < 3; i++) {
		CHECK_INT(reflect(&a, 5000, req, 44, out), 44);
		CHECK_INT(bo_stamp_read_reflector(out, 44, NULL, &rep), 0);
		CHECK_INT(rep.seq, i);
	}
	CHECK_INT(rep.sender_seq, 41);
	CHECK_INT(rep.ssid, 7);
	CHECK_INT(rep.sender_ttl, 61);
	CHECK(rep.sender_ts == s.ts);
	CHECK_INT(bo_ns_from_ntp(rep.rx_ts), 1700000000000000000);
	CHECK_INT(bo_ns_from_ntp(rep.ts), 1700000000000001000);
	CHECK_INT(reflect(&a, 5001, req, 44, out), 44); /* another port: another session */
	bo_stamp_read_reflector(out, 44, NULL, &rep);
	CHECK_INT(rep.seq, 0);
	CHECK_INT(reflect(&b, 5000, req, 44, out), 44); /* another address */
	bo_stamp_read_reflector(out, 44, NULL, &rep);
	CHECK_INT(rep.seq, 0);

	/* No amplification: for every request size, random bytes, the reply is never larger. */
	randombytes_buf_deterministic(req, sizeof req, (const uint8_t[32]){1});
	for (size_t len = 0; len <= sizeof req; len++) {
		int n = reflect(&a, 6000, req, len, out);
		CHECK(n < 0 || (size_t)n <= len);
		CHECK(len >= BO_TWAMP_LIGHT_LEN || n == BO_ETRUNC);
		CHECK(len < BO_TWAMP_LIGHT_LEN || (size_t)n == (len < 44 ? len : 44));
	}
	CHECK(refl.c.malformed == BO_TWAMP_LIGHT_LEN);

	/* TWAMP-light: a 41-octet request with SSID 0 (its MBZ) gets a 41-octet reply, read as
	 * such; 14 octets (the bare sender packet) get nothing. */
	bo_stamp tl = {.seq = 77, .ts = bo_ntp_from_ns(1700000000000000000), .ssid = 0};
	memset(req, 0, sizeof req);
	CHECK_INT(bo_stamp_write_sender(&tl, NULL, req, sizeof req), 44);
	CHECK_INT(reflect(&a, 8000, req, 41, out), 41);
	CHECK_INT(bo_stamp_read_reflector(out, 41, NULL, &rep), 0);
	CHECK_INT(rep.sender_seq, 77);
	CHECK_INT(rep.ssid, 0);
	CHECK(rep.sender_ts == tl.ts);
	CHECK_INT(rep.sender_ttl, 61);
	CHECK_INT(reflect(&a, 8000, req, 14, out), BO_ETRUNC);

	/* Authenticated mode: a 44-octet or forged request is refused and counted. */
	refl.key.len = 16;
	memset(refl.key.k, 0x5a, 16);
	uint64_t auth_failed = refl.c.auth_failed;
	CHECK_INT(bo_stamp_write_sender(&s, &refl.key, req, sizeof req), 112);
	CHECK_INT(reflect(&a, 7000, req, 112, out), 112);
	CHECK_INT(bo_stamp_read_reflector(out, 112, &refl.key, &rep), 0);
	CHECK_INT(rep.sender_seq, 41);
	req[40] ^= 1;
	CHECK_INT(reflect(&a, 7000, req, 112, out), BO_EAUTH);
	CHECK_INT(refl.c.auth_failed, auth_failed + 1);
	/* ... and with the key, plain STAMP is still answered, plainly (routers, twping): a
	 * 44-octet request gets 44 plain octets, TWAMP-light's 41 get 41; a plain packet padded
	 * to 112 octets is read as authenticated and refused. --stamp-auth-only refuses plain. */
	CHECK_INT(bo_stamp_write_sender(&s, NULL, req, sizeof req), 44);
	CHECK_INT(reflect(&a, 7001, req, 44, out), 44);
	CHECK_INT(bo_stamp_read_reflector(out, 44, NULL, &rep), 0);
	CHECK_INT(rep.sender_seq, 41);
	CHECK_INT(rep.auth, 0);
	CHECK_INT(reflect(&a, 7001, req, 41, out), 41);
	CHECK_INT(refl.c.plain, 2);
	memset(req + 44, 0, 112 - 44);
	CHECK_INT(reflect(&a, 7001, req, 112, out), BO_EAUTH);
	refl.auth_only = 1;
	CHECK_INT(reflect(&a, 7001, req, 44, out), BO_ETRUNC);
	refl.auth_only = 0;
	CHECK_INT(bo_stamp_write_sender(&s, &refl.key, req, sizeof req), 112);
	CHECK_INT(reflect(&a, 7002, req, 112, out), 112);
	CHECK_INT(bo_stamp_read_reflector(out, 112, &refl.key, &rep), 0);
	CHECK_INT(rep.auth, 1);

	/* Replays (authenticated): the genuine packet once; again, from any source or port,
	 * refused and counted; newer ones pass, one below the 64-packet window does not; an SSID
	 * idle for 10 s starts afresh. */
	static rsp_replay window[65536];
	refl.replay = window;
	s.ssid = 9;
	s.seq = 1000;
	CHECK_INT(bo_stamp_write_sender(&s, &refl.key, req, sizeof req), 112);
	CHECK_INT(reflect(&a, 7100, req, 112, out), 112);
	CHECK_INT(reflect(&a, 7100, req, 112, out), BO_EAUTH);
	CHECK_INT(reflect(&b, 9999, req, 112, out), BO_EAUTH);
	CHECK_INT(refl.c.replayed, 2);
	for (uint32_t q = 1001; q < 1100; q++) {
		s.seq = q;
		bo_stamp_write_sender(&s, &refl.key, req, sizeof req);
		CHECK_INT(reflect(&a, 7100, req, 112, out), 112);
	}
	s.seq = 1099 - 10; /* inside the window, seen: a replay */
	bo_stamp_write_sender(&s, &refl.key, req, sizeof req);
	CHECK_INT(reflect(&a, 7100, req, 112, out), BO_EAUTH);
	s.seq = 1099 - 64; /* below the window */
	bo_stamp_write_sender(&s, &refl.key, req, sizeof req);
	CHECK_INT(reflect(&a, 7100, req, 112, out), BO_EAUTH);
	CHECK_INT(refl.c.replayed, 4);
	s.seq = 1101; /* one skipped, then it arrives late: still welcome once */
	bo_stamp_write_sender(&s, &refl.key, req, sizeof req);
	CHECK_INT(reflect(&a, 7100, req, 112, out), 112);
	s.seq = 1100;
	bo_stamp_write_sender(&s, &refl.key, req, sizeof req);
	CHECK_INT(reflect(&a, 7100, req, 112, out), 112);
	CHECK_INT(reflect(&a, 7100, req, 112, out), BO_EAUTH);
	s.seq = 3; /* a new run reusing the SSID, after 10 s of silence */
	bo_stamp_write_sender(&s, &refl.key, req, sizeof req);
	CHECK_INT(rsp_stamp_reflect(&refl, &a, 7100, req, 112, 1700000011000000000,
	                            1700000011000001000, 61, out, sizeof out),
	          112);
	refl.replay = NULL;
	refl.key.len = 0;
	s.ssid = 7;
	s.seq = 41;

	/* Accepting creates no session: a request refused between the two steps (the rate
	 * limit) leaves the reflector's sequence numbers alone. */
	int before = refl.nsessions;
	bo_stamp in;
	CHECK_INT(bo_stamp_write_sender(&s, NULL, req, sizeof req), 44);
	CHECK_INT(rsp_stamp_accept(&refl, req, 44, 1, &in), 0);
	CHECK_INT(refl.nsessions, before);

	/* Loops and reflections: never to the reflector's own address and port, a port below
	 * 1024, or another reflector's port. */
	refl.port = 862;
	refl.min_source_port = 1024;
	CHECK_INT(rsp_stamp_refuse(&refl, &a, 862, &a), 1);
	CHECK_INT(rsp_stamp_refuse(&refl, &b, 862, &a), 2);
	CHECK_INT(rsp_stamp_refuse(&refl, &b, 53, &a), 2);
	CHECK_INT(rsp_stamp_refuse(&refl, &b, 123, &a), 2);
	CHECK_INT(rsp_stamp_refuse(&refl, &b, 8620, &a), 2);
	CHECK_INT(rsp_stamp_refuse(&refl, &b, 40000, &a), 0);
	refl.min_source_port = 0;
	CHECK_INT(rsp_stamp_refuse(&refl, &b, 53, &a), 0);
	CHECK_INT(rsp_stamp_refuse(&refl, &a, 862, &a), 1);

	/* 20 000 distinct sessions: the table stays at its size and evicts the stalest. */
	CHECK_INT(bo_stamp_write_sender(&s, NULL, req, sizeof req), 44);
	for (int i = 0; i < 20000; i++)
		reflect(&a, (uint16_t)(10000 + i), req, 44, out);
	CHECK(refl.nsessions <= RSP_MAX_SESSIONS);
	CHECK(refl.c.evicted > 0);
	printf("sessions %d, evicted %llu\n", refl.nsessions, (unsigned long long)refl.c.evicted);

	return check_done("reflector");
}
