/* SPDX-License-Identifier: Apache-2.0 */
/* Probe payload encoding and its SipHash-2-4 tag (libsodium's crypto_shorthash). */
#include "bo_tag.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "bo_err.h"
#include "bo_rd.h"

_Static_assert(crypto_shorthash_KEYBYTES == BO_KEY_LEN, "SipHash key size");
_Static_assert(crypto_shorthash_BYTES == 8, "SipHash output size");

int bo_key_random(bo_key *key, uint32_t *run_id)
{
	if (sodium_init() < 0)
		return BO_EIO;
	randombytes_buf(key->k, sizeof key->k);
	if (run_id)
		*run_id = randombytes_random();
	return 0;
}

void bo_key_hex(const bo_key *key, char out[2 * BO_KEY_LEN + 1])
{
	for (int i = 0; i < BO_KEY_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", key->k[i]);
}

int bo_key_parse(const char *hex, bo_key *key)
{
	if (!hex || strlen(hex) != 2 * BO_KEY_LEN)
		return BO_EINVAL;
	for (int i = 0; i < BO_KEY_LEN; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return BO_EINVAL;
		key->k[i] = (uint8_t)v;
	}
	return 0;
}

static void compute_tag(const bo_key *key, const bo_addr *target, const uint8_t *head,
                        uint8_t tag[8])
{
	uint8_t msg[24 + 17];
	memcpy(msg, head, 24);
	msg[24] = target->family;
	memcpy(msg + 25, target->a, 16);
	crypto_shorthash(tag, msg, sizeof msg, key->k);
}

void bo_tag_encode(const bo_key *key, const bo_addr *target, const bo_probe_id *id,
                   uint8_t out[BO_TAG_LEN])
{
	bo_wr w = bo_wr_make(out, BO_TAG_LEN);
	bo_wr_be32(&w, BO_TAG_MAGIC);
	bo_wr_u8(&w, BO_TAG_VERSION);
	bo_wr_u8(&w, id->stream);
	bo_wr_be16(&w, id->flags);
	bo_wr_be32(&w, id->run_id);
	bo_wr_be32(&w, id->seq);
	bo_wr_be64(&w, (uint64_t)id->deadline);
	compute_tag(key, target, out, out + 24);
}

int bo_tag_decode(const bo_key *key, const bo_addr *target, const uint8_t *p, size_t len,
                  bo_probe_id *id)
{
	bo_rd r = bo_rd_make(p, len);
	uint32_t magic = bo_rd_be32(&r);
	uint8_t version = bo_rd_u8(&r);
	id->stream = bo_rd_u8(&r);
	id->flags = bo_rd_be16(&r);
	id->run_id = bo_rd_be32(&r);
	id->seq = bo_rd_be32(&r);
	id->deadline = (int64_t)bo_rd_be64(&r);
	const uint8_t *tag = bo_rd_take(&r, 8);
	if (r.err)
		return BO_ETRUNC;
	if (magic != BO_TAG_MAGIC || version != BO_TAG_VERSION)
		return BO_EINVAL;
	if (key) {
		uint8_t want[8];
		compute_tag(key, target, p, want);
		/* One 64-bit comparison: the same time whichever byte differs (libsodium's
		 * byte loop costs as much as the SipHash itself here). */
		uint64_t a, b;
		memcpy(&a, want, 8);
		memcpy(&b, tag, 8);
		if ((a ^ b) != 0)
			return BO_EAUTH;
	}
	return 0;
}

int bo_tag_find(const bo_key *key, const bo_addr *target, const uint8_t *p, size_t len, size_t *off,
                bo_probe_id *id)
{
	for (size_t i = *off; i + BO_TAG_LEN <= len; i++) {
		if (p[i] != 'B') /* the magic's first byte: skip the decode elsewhere */
			continue;
		if (bo_tag_decode(key, target, p + i, len - i, id) == 0) {
			*off = i;
			return 0;
		}
	}
	return BO_ENOENT;
}

static uint32_t syn_mask(const bo_key *key, const bo_addr *target, uint32_t run_id, uint16_t port)
{
	uint8_t msg[4 + 4 + 2 + 17], h[8];
	memcpy(msg, "SYN1", 4);
	msg[4] = (uint8_t)(run_id >> 24), msg[5] = (uint8_t)(run_id >> 16);
	msg[6] = (uint8_t)(run_id >> 8), msg[7] = (uint8_t)run_id;
	msg[8] = (uint8_t)(port >> 8), msg[9] = (uint8_t)port;
	msg[10] = target->family;
	memcpy(msg + 11, target->a, 16);
	crypto_shorthash(h, msg, sizeof msg, key->k);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

uint32_t bo_syn_isn(const bo_key *key, const bo_addr *target, uint32_t run_id, uint32_t seq)
{
	return seq ^ syn_mask(key, target, run_id, bo_syn_port(seq));
}

int bo_syn_seq(const bo_key *key, const bo_addr *target, uint32_t run_id, uint16_t port,
               uint32_t isn, uint32_t *seq)
{
	if (port < BO_SYN_PORT_BASE || port >= BO_SYN_PORT_BASE + BO_SYN_PORTS)
		return BO_EAUTH;
	uint32_t s = isn ^ syn_mask(key, target, run_id, port);
	if (bo_syn_port(s) != port)
		return BO_EAUTH;
	*seq = s;
	return 0;
}
