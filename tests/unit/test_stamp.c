/* SPDX-License-Identifier: Apache-2.0 */
/* STAMP packets against hand-written hex from RFC 8762's layouts; HMAC against RFC 4231. */
#include "bo_err.h"
#include "bo_stamp.h"
#include "check.h"

static void every_truncation(const uint8_t *pkt, size_t n, const bo_stamp_key *key, int reflector)
{
	for (size_t len = 0; len < n; len++) {
		unsigned char *b = check_exact(pkt, len);
		bo_stamp s;
		int rc = reflector ? bo_stamp_read_reflector(b, len, key, &s)
		                   : bo_stamp_read_sender(b, len, key, &s);
		CHECK_INT(rc, BO_ETRUNC);
		free(b);
	}
}

int main(void)
{
	/* NTP timestamps: the Unix epoch is 2208988800 s after 1900. */
	CHECK(bo_ntp_from_ns(0) == UINT64_C(0x83aa7e8000000000));
	CHECK(bo_ntp_from_ns(1500000000) == UINT64_C(0x83aa7e8180000000));
	CHECK_INT(bo_ns_from_ntp(UINT64_C(0x83aa7e8180000000)), 1500000000);
	for (int64_t ns = 1700000000123456789; ns < 1700000000123456789 + 1000; ns += 7)
		CHECK_INT(bo_ns_from_ntp(bo_ntp_from_ns(ns)), ns);

	/* Error estimate: synchronised, 1 us: multiplier 135 at scale 5 (135 * 2^-27 s). */
	CHECK_INT(bo_stamp_err_estimate(1, 1000), 0x8587);
	CHECK_INT(bo_stamp_err_estimate(0, 0) & 0x8000, 0);

	bo_stamp s = {.seq = 1, .ts = UINT64_C(0x0102030405060708), .err = 0x8001, .ssid = 0xbeef};
	uint8_t out[200];
	size_t n;
	unsigned char *want = check_hex("00000001 0102030405060708 8001 beef"
	                                "00000000000000000000000000000000000000000000000000000000",
	                                &n);
	CHECK_INT(bo_stamp_write_sender(&s, NULL, out, sizeof out), 44);
	CHECK_INT(n, 44);
	CHECK_MEM(out, want, 44);
	free(want);
	bo_stamp got;
	CHECK_INT(bo_stamp_read_sender(out, 44, NULL, &got), 0);
	CHECK_INT(got.seq, 1);
	CHECK_INT(got.ssid, 0xbeef);
	CHECK(got.ts == s.ts);
	CHECK_INT(bo_stamp_read_sender(out, 60, NULL, &got), 0); /* TLVs may follow */
	every_truncation(out, BO_TWAMP_LIGHT_LEN, NULL, 0);
	/* TWAMP-light's 41-octet sender packet: read (its MBZ where STAMP has the SSID) */
	CHECK_INT(bo_stamp_read_sender(out, 41, NULL, &got), 0);
	CHECK_INT(got.seq, 1);
	CHECK_INT(bo_stamp_write_sender(&s, NULL, out, 43), BO_ERANGE);

	bo_stamp r = {.seq = 7,
	              .ts = UINT64_C(0x1111111111111111),
	              .err = 0x0001,
	              .ssid = 0xbeef,
	              .rx_ts = UINT64_C(0x2222222222222222),
	              .sender_seq = 1,
	              .sender_ts = UINT64_C(0x0102030405060708),
	              .sender_err = 0x8001,
	              .sender_ttl = 64};
	want = check_hex("00000007 1111111111111111 0001 beef 2222222222222222 00000001"
	                 "0102030405060708 8001 0000 40 000000",
	                 &n);
	CHECK_INT(bo_stamp_write_reflector(&r, NULL, out, sizeof out), 44);
	CHECK_MEM(out, want, 44);
	free(want);
	CHECK_INT(bo_stamp_read_reflector(out, 44, NULL, &got), 0);
	CHECK_INT(got.sender_seq, 1);
	CHECK_INT(got.sender_ttl, 64);
	CHECK(got.rx_ts == r.rx_ts && got.sender_ts == r.sender_ts);
	every_truncation(out, BO_TWAMP_LIGHT_MIN_REPLY, NULL, 1);
	/* TWAMP-light's reflector packets: 41 octets (TTL last), 38 (no MBZ or TTL: 0) */
	CHECK_INT(bo_stamp_read_reflector(out, 41, NULL, &got), 0);
	CHECK_INT(got.sender_ttl, 64);
	CHECK_INT(got.sender_seq, 1);
	CHECK_INT(bo_stamp_read_reflector(out, 38, NULL, &got), 0);
	CHECK_INT(got.sender_ttl, 0);
	CHECK(got.sender_ts == r.sender_ts && got.sender_err == 0x8001);

	/* HMAC-SHA-256, RFC 4231 test case 1, truncated to 16 octets. */
	bo_stamp_key key = {.len = 20};
	memset(key.k, 0x0b, 20);
	uint8_t mac[16];
	bo_stamp_hmac(&key, (const uint8_t *)"Hi There", 8, mac);
	want = check_hex("b0344c61d8db38535ca8afceaf0bf12b", &n);
	CHECK_MEM(mac, want, 16);
	free(want);

	/* Authenticated sender: 112 octets, fields at their offsets, HMAC over the first 96. */
	CHECK_INT(bo_stamp_write_sender(&s, &key, out, sizeof out), 112);
	want = check_hex("00000001 000000000000000000000000 0102030405060708 8001 beef", &n);
	CHECK_MEM(out, want, 28);
	free(want);
	int zero = 1;
	for (int i = 28; i < 96; i++)
		zero &= out[i] == 0;
	CHECK(zero);
	bo_stamp_hmac(&key, out, 96, mac);
	CHECK_MEM(out + 96, mac, 16);
	CHECK_INT(bo_stamp_read_sender(out, 112, &key, &got), 0);
	CHECK_INT(got.seq, 1);
	CHECK_INT(got.ssid, 0xbeef);
	every_truncation(out, 112, &key, 0);
	out[5] ^= 1; /* inside MBZ: still covered by the HMAC */
	CHECK_INT(bo_stamp_read_sender(out, 112, &key, &got), BO_EAUTH);

	/* Authenticated reflector: receive timestamp at 32, sender fields at 48, 64, 72, TTL 80. */
	CHECK_INT(bo_stamp_write_reflector(&r, &key, out, sizeof out), 112);
	CHECK_MEM(out + 32, "\x22\x22\x22\x22\x22\x22\x22\x22", 8);
	CHECK_MEM(out + 48, "\x00\x00\x00\x01", 4);
	CHECK_MEM(out + 64, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	CHECK_MEM(out + 72, "\x80\x01", 2);
	CHECK_INT(out[80], 64);
	CHECK_INT(bo_stamp_read_reflector(out, 112, &key, &got), 0);
	CHECK_INT(got.sender_ttl, 64);
	CHECK(got.sender_ts == r.sender_ts);
	bo_stamp_key other = key;
	other.k[0] ^= 1;
	CHECK_INT(bo_stamp_read_reflector(out, 112, &other, &got), BO_EAUTH);
	every_truncation(out, 112, &key, 1);

	return check_done("stamp");
}
