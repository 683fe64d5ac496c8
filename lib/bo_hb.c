/* SPDX-License-Identifier: Apache-2.0 */
/* Guest heartbeat encoding; every read bounded by bo_rd. */
#include "bo_hb.h"
#include "bo_rd.h"

void bo_hb_encode(const bo_hb *hb, uint8_t out[BO_HB_LEN])
{
	bo_wr w = bo_wr_make(out, BO_HB_LEN);
	bo_wr_be32(&w, BO_HB_MAGIC);
	bo_wr_u8(&w, BO_HB_VERSION);
	bo_wr_u8(&w, 0);
	bo_wr_be16(&w, 0);
	bo_wr_be32(&w, hb->instance);
	bo_wr_be32(&w, hb->seq);
	bo_wr_be64(&w, (uint64_t)hb->realtime_ns);
	bo_wr_be64(&w, (uint64_t)hb->mono_ns);
}

int bo_hb_decode(const uint8_t *p, size_t len, bo_hb *hb)
{
	bo_rd r = bo_rd_make(p, len);
	uint32_t magic = bo_rd_be32(&r);
	uint8_t version = bo_rd_u8(&r);
	bo_rd_skip(&r, 3);
	hb->instance = bo_rd_be32(&r);
	hb->seq = bo_rd_be32(&r);
	hb->realtime_ns = (int64_t)bo_rd_be64(&r);
	hb->mono_ns = (int64_t)bo_rd_be64(&r);
	if (r.err)
		return r.err;
	if (magic != BO_HB_MAGIC || version != BO_HB_VERSION)
		return BO_EINVAL;
	return 0;
}
