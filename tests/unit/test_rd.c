/* SPDX-License-Identifier: Apache-2.0 */
/* Bounded reader and writer: every truncation offset, sticky errors, no over-read. */
#include "bo_rd.h"
#include "check.h"

static const unsigned char sample[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
                                       0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13};

int main(void)
{
	/* The full read: u8, be16, be32, be64, 4 copied = 19 bytes. */
	for (size_t len = 0; len <= sizeof sample; len++) {
		unsigned char *buf = check_exact(sample, len);
		bo_rd r = bo_rd_make(buf, len);
		uint8_t a = bo_rd_u8(&r);
		uint16_t b = bo_rd_be16(&r);
		uint32_t c = bo_rd_be32(&r);
		uint64_t d = bo_rd_be64(&r);
		uint8_t e[4];
		bo_rd_copy(&r, e, sizeof e);
		if (len < sizeof sample) {
			CHECK_INT(r.err, BO_ETRUNC);
			CHECK_INT(bo_rd_left(&r), 0);
			CHECK(bo_rd_take(&r, 0) == NULL); /* sticky: even an empty take fails */
		} else {
			CHECK_INT(r.err, 0);
			CHECK_INT(a, 0x01);
			CHECK_INT(b, 0x0203);
			CHECK_INT(c, 0x04050607);
			CHECK(d == UINT64_C(0x08090a0b0c0d0e0f));
			CHECK_MEM(e, "\x10\x11\x12\x13", 4);
		}
		free(buf);
	}

	/* Sub-readers are bounded by their own length and advance the parent. */
	bo_rd r = bo_rd_make(sample, sizeof sample);
	bo_rd s = bo_rd_sub(&r, 3);
	CHECK_INT(bo_rd_be16(&s), 0x0102);
	CHECK_INT(bo_rd_be16(&s), 0);
	CHECK_INT(s.err, BO_ETRUNC);
	CHECK_INT(r.err, 0);
	CHECK_INT(bo_rd_u8(&r), 0x04);
	bo_rd t = bo_rd_sub(&r, 100);
	CHECK_INT(t.err, BO_ETRUNC);
	CHECK_INT(r.err, BO_ETRUNC);
	CHECK_INT(bo_rd_le16(&t), 0);

	/* Writer: exact fit works, one byte more fails and stays failed. */
	unsigned char out[7];
	bo_wr w = bo_wr_make(out, sizeof out);
	bo_wr_u8(&w, 0xaa);
	bo_wr_be16(&w, 0xbbcc);
	bo_wr_be32(&w, 0xddeeff00);
	CHECK_INT(w.err, 0);
	CHECK_MEM(out, "\xaa\xbb\xcc\xdd\xee\xff\x00", 7);
	bo_wr_u8(&w, 1);
	CHECK_INT(w.err, BO_ERANGE);
	bo_wr w2 = bo_wr_make(out, 3);
	bo_wr_be32(&w2, 1);
	CHECK_INT(w2.err, BO_ERANGE);
	bo_wr_zero(&w2, 0);
	CHECK_INT(w2.off, 2); /* be32 = two be16: the first fitted, the second did not */

	return check_done("rd");
}
