/* SPDX-License-Identifier: Apache-2.0 */
/* A probe as a whole IP packet (probe.h: probe_ip_packet): what the dry run writes to its
 * capture and what a backend that sends frames (tx-win.c's tcp-syn) puts behind an Ethernet
 * header. */
#include <string.h>

#include "bo_cksum.h"
#include "bo_rd.h"
#include "probe.h"

size_t probe_ip_packet(const probe_slot *s, const bo_probe_pkt *b, uint16_t ip_id, uint8_t *out)
{
	int v6 = s->target->addr.family == 6;
	size_t hl = v6 ? 40 : 20, n = b->len;
	uint8_t *l4 = out + hl;
	memcpy(l4, b->l4, n);
	size_t c = bo_cksum_offset(b->proto);
	l4[c] = l4[c + 1] = 0;
	uint16_t ck = bo_cksum_l4(&s->inst.local, &s->target->addr, b->proto, l4, n);
	if (ck == 0 && b->proto == 17)
		ck = 0xffff; /* a UDP checksum of 0 means none */
	l4[c] = (uint8_t)(ck >> 8), l4[c + 1] = (uint8_t)ck;
	uint8_t h[40]; /* the header built apart, then put in front of the payload */
	bo_wr w = bo_wr_make(h, hl);
	if (v6) {
		bo_wr_be32(&w, 0x60000000);
		bo_wr_be16(&w, (uint16_t)n);
		bo_wr_u8(&w, b->proto);
		bo_wr_u8(&w, 64);
		bo_wr_bytes(&w, s->inst.local.a, 16);
		bo_wr_bytes(&w, s->target->addr.a, 16);
	} else {
		bo_wr_u8(&w, 0x45);
		bo_wr_u8(&w, 0);
		bo_wr_be16(&w, (uint16_t)(20 + n));
		bo_wr_be16(&w, ip_id);
		bo_wr_be16(&w, 0x4000); /* don't fragment */
		bo_wr_u8(&w, 64);
		bo_wr_u8(&w, b->proto);
		bo_wr_be16(&w, 0);
		bo_wr_bytes(&w, s->inst.local.a, 4);
		bo_wr_bytes(&w, s->target->addr.a, 4);
		uint16_t ipc = bo_cksum(h, 20);
		h[10] = (uint8_t)(ipc >> 8), h[11] = (uint8_t)ipc;
	}
	memcpy(out, h, hl);
	return hl + n;
}
