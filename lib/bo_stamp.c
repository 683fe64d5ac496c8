/* SPDX-License-Identifier: Apache-2.0 */
/* STAMP test packets (RFC 8762, RFC 8972 SSID); layouts in bo_stamp.h. */
#include "bo_stamp.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "bo_err.h"
#include "bo_rd.h"
#include "bo_time.h"

#define NTP_UNIX_OFFSET UINT64_C(2208988800) /* seconds from 1900 to 1970 */

uint64_t bo_ntp_from_ns(int64_t ns)
{
	uint64_t sec = (uint64_t)(ns / BO_NS_PER_S) + NTP_UNIX_OFFSET;
	uint64_t frac = ((uint64_t)(ns % BO_NS_PER_S) << 32) / (uint64_t)BO_NS_PER_S;
	return sec << 32 | frac;
}

int64_t bo_ns_from_ntp(uint64_t ntp)
{
	int64_t sec = (int64_t)(ntp >> 32) - (int64_t)NTP_UNIX_OFFSET;
	int64_t frac = (int64_t)(((ntp & 0xffffffffu) * (uint64_t)BO_NS_PER_S + (1u << 31)) >> 32);
	return sec * BO_NS_PER_S + frac;
}

uint16_t bo_stamp_err_estimate(int synced, int64_t resolution_ns)
{
	/* Error = Multiplier * 2^(Scale - 32) s; pick the smallest scale that fits. */
	uint64_t units = ((uint64_t)resolution_ns << 32) / (uint64_t)BO_NS_PER_S + 1;
	int scale = 0;
	while (units > 255 && scale < 63) {
		units = (units + 1) >> 1;
		scale++;
	}
	return (uint16_t)((synced ? 0x8000 : 0) | scale << 8 | units);
}

void bo_stamp_hmac(const bo_stamp_key *key, const uint8_t *data, size_t len,
                   uint8_t out[BO_STAMP_HMAC_LEN])
{
	uint8_t full[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	if (sodium_init() < 0) { /* idempotent; fails only with a broken libsodium */
		memset(out, 0, BO_STAMP_HMAC_LEN);
		return;
	}
	crypto_auth_hmacsha256_init(&st, key->k, key->len);
	crypto_auth_hmacsha256_update(&st, data, len);
	crypto_auth_hmacsha256_final(&st, full);
	memcpy(out, full, BO_STAMP_HMAC_LEN);
}

static int finish_write(bo_wr *w, const bo_stamp_key *key)
{
	if (key && key->len) {
		uint8_t *mac = bo_wr_take(w, BO_STAMP_HMAC_LEN);
		if (mac)
			bo_stamp_hmac(key, w->p, w->off - BO_STAMP_HMAC_LEN, mac);
	}
	return w->err ? BO_ERANGE : (int)w->off;
}

/* The fields both packets start with: sequence number, timestamp, error estimate, SSID. */
static void write_head(bo_wr *w, const bo_stamp *s, int auth)
{
	bo_wr_be32(w, s->seq);
	if (auth)
		bo_wr_zero(w, 12);
	bo_wr_be64(w, s->ts);
	bo_wr_be16(w, s->err);
	bo_wr_be16(w, s->ssid);
}

static void read_head(bo_rd *r, bo_stamp *s, int auth)
{
	s->seq = bo_rd_be32(r);
	if (auth)
		bo_rd_skip(r, 12);
	s->ts = bo_rd_be64(r);
	s->err = bo_rd_be16(r);
	s->ssid = bo_rd_be16(r);
}

int bo_stamp_write_sender(const bo_stamp *s, const bo_stamp_key *key, uint8_t *out, size_t cap)
{
	bo_wr w = bo_wr_make(out, cap);
	int auth = key && key->len;
	write_head(&w, s, auth);
	bo_wr_zero(&w, auth ? 68 : 28);
	return finish_write(&w, key);
}

int bo_stamp_write_reflector(const bo_stamp *s, const bo_stamp_key *key, uint8_t *out, size_t cap)
{
	bo_wr w = bo_wr_make(out, cap);
	int auth = key && key->len;
	write_head(&w, s, auth);
	if (auth)
		bo_wr_zero(&w, 4);
	bo_wr_be64(&w, s->rx_ts);
	if (auth)
		bo_wr_zero(&w, 8);
	bo_wr_be32(&w, s->sender_seq);
	if (auth)
		bo_wr_zero(&w, 12);
	bo_wr_be64(&w, s->sender_ts);
	bo_wr_be16(&w, s->sender_err);
	bo_wr_zero(&w, auth ? 6 : 2);
	bo_wr_u8(&w, s->sender_ttl);
	bo_wr_zero(&w, auth ? 15 : 3);
	return finish_write(&w, key);
}

/* Checks the HMAC at the end of the mode's fixed part. */
static int verify(const uint8_t *p, size_t len, const bo_stamp_key *key)
{
	if (!key || !key->len)
		return 0;
	if (len < BO_STAMP_AUTH_LEN)
		return BO_ETRUNC;
	uint8_t want[BO_STAMP_HMAC_LEN];
	bo_stamp_hmac(key, p, BO_STAMP_AUTH_LEN - BO_STAMP_HMAC_LEN, want);
	return sodium_memcmp(want, p + BO_STAMP_AUTH_LEN - BO_STAMP_HMAC_LEN, BO_STAMP_HMAC_LEN)
	               ? BO_EAUTH
	               : 0;
}

int bo_stamp_read_sender(const uint8_t *p, size_t len, const bo_stamp_key *key, bo_stamp *s)
{
	int auth = key && key->len;
	memset(s, 0, sizeof *s);
	bo_rd r = bo_rd_make(p, len);
	read_head(&r, s, auth);
	/* unauthenticated: TWAMP-light's 41 octets will do (the SSID is its MBZ, 0) */
	bo_rd_skip(&r, auth ? 68 + BO_STAMP_HMAC_LEN : BO_TWAMP_LIGHT_LEN - 16);
	if (r.err)
		return BO_ETRUNC;
	s->auth = (uint8_t)auth;
	return verify(p, len, key);
}

int bo_stamp_read_reflector(const uint8_t *p, size_t len, const bo_stamp_key *key, bo_stamp *s)
{
	int auth = key && key->len;
	memset(s, 0, sizeof *s);
	bo_rd r = bo_rd_make(p, len);
	read_head(&r, s, auth);
	if (auth)
		bo_rd_skip(&r, 4);
	s->rx_ts = bo_rd_be64(&r);
	if (auth)
		bo_rd_skip(&r, 8);
	s->sender_seq = bo_rd_be32(&r);
	if (auth)
		bo_rd_skip(&r, 12);
	s->sender_ts = bo_rd_be64(&r);
	s->sender_err = bo_rd_be16(&r);
	if (!auth && !r.err && len < BO_TWAMP_LIGHT_LEN)
		return 0; /* TWAMP-light's shortest: no MBZ and TTL after the error estimate */
	bo_rd_skip(&r, auth ? 6 : 2);
	s->sender_ttl = bo_rd_u8(&r);
	/* unauthenticated: TWAMP-light's 41 octets have the TTL; STAMP's 3 MBZ may follow */
	bo_rd_skip(&r, auth ? 15 + BO_STAMP_HMAC_LEN : 0);
	if (r.err)
		return BO_ETRUNC;
	s->auth = (uint8_t)auth;
	return verify(p, len, key);
}

int bo_stamp_key_load(const char *path, bo_stamp_key *key, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot read key file %s: %s", path, strerror(errno));
		return -1;
	}
	uint8_t buf[160];
	size_t n = fread(buf, 1, sizeof buf, f);
	int more = fgetc(f) != EOF;
	fclose(f);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		n--;
	size_t bin = 0;
	memset(key, 0, sizeof *key);
	if (!more && n && n % 2 == 0 && n / 2 <= sizeof key->k &&
	    sodium_hex2bin(key->k, sizeof key->k, (const char *)buf, n, NULL, &bin, NULL) == 0 &&
	    bin == n / 2) {
		key->len = bin;
	} else if (!more && n <= sizeof key->k) {
		memcpy(key->k, buf, n);
		key->len = n;
	} else {
		snprintf(err, errlen, "key file %s: a key has at most 64 bytes (128 hex digits)",
		         path);
		return -1;
	}
	if (!key->len) {
		snprintf(err, errlen, "key file %s is empty", path);
		return -1;
	}
	return 0;
}
