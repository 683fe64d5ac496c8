/* SPDX-License-Identifier: Apache-2.0 */
/* The `icmp` and `icmp-new` wire format: ICMP/ICMPv6 echo (RFC 792 / RFC 4443) whose data is
 * the probe tag (bo_tag.h), returned by the target. `icmp` keeps one identifier per target,
 * like `ping -t`; `icmp-new` takes a new one per probe (bo_icmp_new_id), a new flow each time
 * to a stateful firewall. The tag names stream and sequence; identifier and sequence number
 * must agree with it. An echo without our tag is a hit without a stream: a foreign ping. */
#include <stdio.h>

#include "bo_cksum.h"
#include "bo_err.h"
#include "bo_rd.h"
#include "bo_stream.h"

/* The ICMP identifier probe seq of stream s goes out with. */
static uint16_t icmp_id(const bo_stream_inst *s, uint32_t seq)
{
	return (s->desc->flags & BO_STREAM_NEW_FLOW) ? bo_icmp_new_id(s->icmp_id, seq) : s->icmp_id;
}

static void filter(const bo_stream_inst *s, char *buf, size_t len)
{
	char t[48];
	bo_addr_str(&s->target, t, sizeof t);
	int v4 = s->target.family == 4;
	if (s->desc->flags & BO_STREAM_NEW_FLOW) { /* identifiers vary: the tag tells ours */
		snprintf(buf, len, "(%s and host %s and (%s))", v4 ? "icmp" : "icmp6", t,
		         v4 ? "icmp[0] = 8 or icmp[0] = 0" : "icmp6[0] = 128 or icmp6[0] = 129");
		return;
	}
	if (v4)
		snprintf(buf, len,
		         "(icmp and host %s and (icmp[0] = 8 or icmp[0] = 0) and icmp[4:2] = %u)",
		         t, s->icmp_id);
	else
		snprintf(buf, len,
		         "(icmp6 and host %s and (icmp6[0] = 128 or icmp6[0] = 129) and "
		         "icmp6[4:2] = %u)",
		         t, s->icmp_id);
}

static int match(const bo_stream_ctx *c, const bo_pkt *p, bo_hit *hits, int max)
{
	int v6 = p->l4 == BO_L4_ICMP6;
	if (max < 1 || (p->l4 != BO_L4_ICMP && !v6))
		return 0;
	int request = p->icmp_type == (v6 ? 128 : 8), reply = p->icmp_type == (v6 ? 129 : 0);
	if (!request && !reply)
		return 0;
	bo_hit *h = &hits[0];
	bo_hit_init(h, BO_MATCH_ECHO, reply);
	h->target = request ? p->dst : p->src;
	h->icmp_id = p->icmp_id;
	h->icmp_seq = p->icmp_seq;
	h->seq = p->icmp_seq;
	bo_probe_id id;
	const bo_stream_desc *d;
	if (bo_tag_decode(c->key, &h->target, p->payload, p->payload_len, &id) == 0 &&
	    (!c->key || id.run_id == c->run_id) && (uint16_t)id.seq == p->icmp_seq &&
	    (d = bo_stream_by_wire(id.stream)) && d->kind == BO_MATCH_ECHO) {
		h->desc = d;
		h->tagged = 1;
		h->verified = c->key != NULL;
		h->seq = id.seq;
		h->run_id = id.run_id;
		h->deadline = id.deadline;
	}
	return 1;
}

static int accepts(const bo_stream_inst *s, const bo_hit *h)
{
	return h->desc == s->desc && h->kind == BO_MATCH_ECHO && h->tagged &&
	       h->icmp_id == icmp_id(s, h->seq) && bo_addr_eq(&h->target, &s->target);
}

/* Type, code, checksum (the kernel's for ICMPv6), identifier, the low 16 bits of the
 * sequence number, then the tag. */
static int build(const bo_stream_ctx *c, const bo_stream_inst *s, uint32_t seq, int64_t deadline,
                 bo_probe_pkt *out)
{
	int v6 = s->target.family == 6;
	bo_wr w = bo_wr_make(out->l4, sizeof out->l4);
	bo_wr_u8(&w, v6 ? 128 : 8);
	bo_wr_u8(&w, 0);
	bo_wr_be16(&w, 0);
	bo_wr_be16(&w, icmp_id(s, seq));
	bo_wr_be16(&w, (uint16_t)seq);
	bo_probe_id id = {
	        .stream = s->desc->wire_id, .run_id = c->run_id, .seq = seq, .deadline = deadline};
	uint8_t *tag = bo_wr_take(&w, BO_TAG_LEN);
	if (w.err)
		return BO_ERANGE;
	bo_tag_encode(c->key, &s->target, &id, tag);
	out->proto = v6 ? 58 : 1;
	out->len = w.off;
	out->payload_off = 8;
	if (!v6) {
		uint16_t ck = bo_cksum(out->l4, out->len);
		out->l4[2] = (uint8_t)(ck >> 8);
		out->l4[3] = (uint8_t)ck;
	}
	return 0;
}

static const char echo_silent[] =
        "no echo reply: the guest firewall blocks inbound ICMP echo (Windows: enable \"File "
        "and Printer Sharing (Echo Request)\"), or the target is down";

const bo_stream_desc bo_stream_icmp = {
        .name = "icmp",
        .wire_id = 1,
        .transport = BO_TRANSPORT_ICMP,
        .kind = BO_MATCH_ECHO,
        .flags = BO_STREAM_TAGGED | BO_STREAM_FOREIGN | BO_STREAM_KERNEL,
        .summary = "ICMP echo, one fixed identifier (what `ping -t` shows)",
        .silent = echo_silent,
        .filter = filter,
        .match = match,
        .accepts = accepts,
        .build = build,
};

const bo_stream_desc bo_stream_icmp_new = {
        .name = "icmp-new",
        .wire_id = 2,
        .transport = BO_TRANSPORT_ICMP,
        .kind = BO_MATCH_ECHO,
        .flags = BO_STREAM_TAGGED | BO_STREAM_NEW_FLOW | BO_STREAM_KERNEL,
        .summary = "ICMP echo, a new identifier per probe (a new flow each time)",
        .silent = echo_silent,
        .filter = filter,
        .match = match,
        .accepts = accepts,
        .build = build,
};
