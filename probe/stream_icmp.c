/* The `icmp` and `icmp-new` streams: ICMP/ICMPv6 echo (RFC 792 / RFC 4443) with one fixed
 * identifier per target, like `ping -t`, or a new identifier per probe, so that every probe is
 * a new flow to a stateful firewall. The echo data is the probe tag (bo_tag.h), returned by the
 * target; it names stream and sequence, so the identifier is checked against it. */
#include <stdio.h>

#include "bo_cksum.h"
#include "bo_rd.h"
#include "probe.h"

static int new_ids(const probe_slot *s)
{
	return s->ops->wire_id == 2;
}

static uint16_t ident(const probe_slot *s, uint32_t seq)
{
	return new_ids(s) ? bo_icmp_new_id(s->icmp_id, seq) : s->icmp_id;
}

static void icmp_filter(const probe_slot *s, char *buf, size_t len)
{
	if (new_ids(s)) { /* identifiers vary: the tag tells our probes apart */
		snprintf(buf, len, "(%s and host %s and (%s))",
		         s->target->addr.family == 4 ? "icmp" : "icmp6", s->target->str,
		         s->target->addr.family == 4 ? "icmp[0] = 8 or icmp[0] = 0"
		                                     : "icmp6[0] = 128 or icmp6[0] = 129");
		return;
	}
	if (s->target->addr.family == 4)
		snprintf(buf, len,
		         "(icmp and host %s and (icmp[0] = 8 or icmp[0] = 0) and icmp[4:2] = %u)",
		         s->target->str, s->icmp_id);
	else
		snprintf(buf, len,
		         "(icmp6 and host %s and (icmp6[0] = 128 or icmp6[0] = 129) and "
		         "icmp6[4:2] = %u)",
		         s->target->str, s->icmp_id);
}

static int icmp_open(probe_slot *s, char *err, size_t errlen)
{
	return probe_raw_shared(s, 0, err, errlen);
}

void probe_icmp_build(const probe_slot *s, uint32_t seq, int64_t deadline,
                      uint8_t pkt[8 + BO_TAG_LEN])
{
	int v6 = s->target->addr.family == 6;
	bo_wr w = bo_wr_make(pkt, 8 + BO_TAG_LEN);
	bo_wr_u8(&w, v6 ? 128 : 8);
	bo_wr_u8(&w, 0);
	bo_wr_be16(&w, 0); /* checksum below; the kernel fills it for ICMPv6 */
	bo_wr_be16(&w, ident(s, seq));
	bo_wr_be16(&w, (uint16_t)seq);
	bo_probe_id id = {.stream = s->ops->wire_id,
	                  .run_id = s->run->run_id,
	                  .seq = seq,
	                  .deadline = deadline};
	bo_tag_encode(&s->run->key, &s->target->addr, &id, pkt + 8);
	if (!v6) {
		uint16_t c = bo_cksum(pkt, 8 + BO_TAG_LEN);
		pkt[2] = (uint8_t)(c >> 8);
		pkt[3] = (uint8_t)c;
	}
}

static int icmp_send(probe_slot *s, uint32_t seq, int64_t deadline)
{
	uint8_t pkt[8 + BO_TAG_LEN];
	probe_icmp_build(s, seq, deadline, pkt);
	return probe_sendto(s->fd, pkt, sizeof pkt, &s->target->addr);
}

static int icmp_render(const probe_slot *s, uint32_t seq, int64_t deadline, uint8_t *out,
                       size_t cap, uint8_t *proto)
{
	if (cap < 8 + BO_TAG_LEN)
		return -1;
	probe_icmp_build(s, seq, deadline, out);
	*proto = s->target->addr.family == 4 ? 1 : 58;
	return 8 + BO_TAG_LEN;
}

static int icmp_classify(const probe_slot *s, const bo_pkt *p, uint32_t *seq)
{
	int v6 = s->target->addr.family == 6;
	if (p->l4 != (v6 ? BO_L4_ICMP6 : BO_L4_ICMP) || (!new_ids(s) && p->icmp_id != s->icmp_id))
		return 0;
	int kind;
	if (p->icmp_type == (v6 ? 128 : 8) && bo_addr_eq(&p->dst, &s->target->addr))
		kind = PROBE_PKT_REQUEST;
	else if (p->icmp_type == (v6 ? 129 : 0) && bo_addr_eq(&p->src, &s->target->addr))
		kind = PROBE_PKT_REPLY;
	else
		return 0;
	bo_probe_id id;
	if (bo_tag_decode(&s->run->key, &s->target->addr, p->payload, p->payload_len, &id) != 0 ||
	    id.run_id != s->run->run_id || id.stream != s->ops->wire_id ||
	    (uint16_t)id.seq != p->icmp_seq || p->icmp_id != ident(s, id.seq))
		return 0;
	*seq = id.seq;
	return kind;
}

/* The pre-flight warning of both variants, fixed flow and a new flow per probe. */
static const char icmp_silent[] =
        "no echo reply: the guest firewall blocks inbound ICMP echo (Windows: "
        "enable \"File and Printer Sharing (Echo Request)\"), or the target is "
        "down";

const probe_stream_ops probe_stream_icmp = {
        .name = "icmp",
        .wire_id = 1,
        .summary = "ICMP echo, one fixed identifier (what `ping -t` shows)",
        .filter = icmp_filter,
        .open = icmp_open,
        .send = icmp_send,
        .classify = icmp_classify,
        .render = icmp_render,
        .silent = icmp_silent,
};

const probe_stream_ops probe_stream_icmp_new = {
        .name = "icmp-new",
        .wire_id = 2,
        .summary = "ICMP echo, a new identifier per probe (a new flow each time)",
        .filter = icmp_filter,
        .open = icmp_open,
        .send = icmp_send,
        .classify = icmp_classify,
        .render = icmp_render,
        .silent = icmp_silent,
};
