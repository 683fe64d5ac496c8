/* SPDX-License-Identifier: Apache-2.0 */
/* Probe payload layout byte for byte, and tag verification. */
#include "bo_err.h"
#include "bo_tag.h"
#include "check.h"

int main(void)
{
	bo_key key;
	for (int i = 0; i < BO_KEY_LEN; i++)
		key.k[i] = (uint8_t)i;
	bo_addr target;
	bo_addr_parse("192.0.2.2", &target);
	bo_probe_id id = {.stream = 1,
	                  .flags = 0,
	                  .run_id = 0xa1b2c3d4,
	                  .seq = 70000,
	                  .deadline = INT64_C(123456789012345)};
	uint8_t out[BO_TAG_LEN];
	bo_tag_encode(&key, &target, &id, out);
	size_t n;
	unsigned char *want =
	        check_hex("424c4b54 01 01 0000 a1b2c3d4 00011170 00007048860ddf79", &n);
	CHECK_INT(n, 24);
	CHECK_MEM(out, want, 24);
	free(want);

	bo_probe_id got;
	CHECK_INT(bo_tag_decode(&key, &target, out, sizeof out, &got), 0);
	CHECK_INT(got.seq, 70000);
	CHECK_INT(got.run_id, 0xa1b2c3d4);
	CHECK_INT(got.stream, 1);
	CHECK(got.deadline == id.deadline);

	/* Another target, another key, a flipped bit: no match. */
	bo_addr other;
	bo_addr_parse("192.0.2.3", &other);
	CHECK_INT(bo_tag_decode(&key, &other, out, sizeof out, &got), BO_EAUTH);
	bo_key k2 = key;
	k2.k[0] ^= 1;
	CHECK_INT(bo_tag_decode(&k2, &target, out, sizeof out, &got), BO_EAUTH);
	out[15] ^= 0x80;
	CHECK_INT(bo_tag_decode(&key, &target, out, sizeof out, &got), BO_EAUTH);
	/* Without a key only the layout is checked. */
	CHECK_INT(bo_tag_decode(NULL, &target, out, sizeof out, &got), 0);
	out[0] = 'X';
	CHECK_INT(bo_tag_decode(NULL, &target, out, sizeof out, &got), BO_EINVAL);
	for (size_t len = 0; len < BO_TAG_LEN; len++) {
		unsigned char *b = check_exact(out, len);
		CHECK_INT(bo_tag_decode(&key, &target, b, len, &got), BO_ETRUNC);
		free(b);
	}

	/* Keys round-trip through hex. */
	char hex[2 * BO_KEY_LEN + 1];
	bo_key_hex(&key, hex);
	CHECK_STR(hex, "000102030405060708090a0b0c0d0e0f");
	bo_key back;
	CHECK_INT(bo_key_parse(hex, &back), 0);
	CHECK_MEM(back.k, key.k, BO_KEY_LEN);
	CHECK_INT(bo_key_parse("00", &back), BO_EINVAL);
	CHECK_INT(bo_key_parse("zz0102030405060708090a0b0c0d0e0f", &back), BO_EINVAL);
	bo_key r1, r2;
	uint32_t run1 = 0, run2 = 0;
	CHECK_INT(bo_key_random(&r1, &run1), 0);
	CHECK_INT(bo_key_random(&r2, &run2), 0);
	CHECK(memcmp(r1.k, r2.k, BO_KEY_LEN) != 0);

	/* icmp-new identifiers count up from the fixed one and never equal it, even on wrap. */
	CHECK_INT(bo_icmp_new_id(0xfffe, 0), 0xffff);
	CHECK_INT(bo_icmp_new_id(0xfffe, 1), 0x0000);
	int equal = 0;
	for (uint32_t q = 0; q < 200000; q++)
		equal += bo_icmp_new_id(1234, q) == 1234;
	CHECK_INT(equal, 0);
	CHECK_INT(bo_icmp_new_id(1234, 65535), bo_icmp_new_id(1234, 0));

	return check_done("tag");
}
