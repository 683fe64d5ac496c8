/* SPDX-License-Identifier: Apache-2.0 */
/* The stream registry (lib/bo_stream.h): every stream's packet builder against bytes written
 * out by hand, field by field; each built probe dissected and matched back to its stream,
 * sequence number and direction; the table itself (unique names and wire ids, lookups).
 *
 * The fixed inputs: key 00 01 .. 0f, run id 0x01020304, target 192.0.2.2 from 192.0.2.1, ICMP
 * identifier 0x4242, SSID 0x1234, TCP port 8620, realtime = monotonic + 1 700 000 000 s. The
 * SipHash-2-4 outputs (tag, ISN mask) were computed with an independent implementation checked
 * against the SipHash paper's test vector; checksums by RFC 1071 over the bytes shown. */
#include "check.h"
#include "bo_time.h"
#include "bo_cksum.h"
#include "bo_stream.h"

static void hex(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sscanf(s + 2 * i, "%2hhx", &out[i]);
}

static void check_bytes(const char *what, const uint8_t *got, const char *want_hex, size_t n)
{
	uint8_t want[128];
	hex(want_hex, want, n);
	int same = memcmp(got, want, n) == 0;
	CHECK(same);
	if (!same) {
		fprintf(stderr, "%s:\n  got  ", what);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "%02x", got[i]);
		fprintf(stderr, "\n  want %s\n", want_hex);
	}
}

/* probe seq of stream name, built. */
static bo_probe_pkt build(const bo_stream_ctx *c, bo_stream_inst *in, const char *name,
                          uint32_t seq, int64_t deadline)
{
	bo_probe_pkt pkt;
	memset(&pkt, 0, sizeof pkt);
	in->desc = bo_stream_by_name(name);
	CHECK(in->desc != NULL);
	CHECK_INT(in->desc->build(c, in, seq, deadline, &pkt), 0);
	return pkt;
}

/* The built probe in an IPv4 header from local to the target (or, as the reply, the other
 * way with the echo's type), dissected and matched: the hits. */
static int rematch(const bo_stream_ctx *c, const bo_stream_inst *in, const bo_probe_pkt *b,
                   int as_reply, bo_hit *hits)
{
	uint8_t ip[20 + BO_PROBE_MAX];
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + b->len) >> 8), ip[3] = (uint8_t)(20 + b->len);
	ip[8] = 64;
	ip[9] = b->proto;
	memcpy(ip + 12, as_reply ? in->target.a : in->local.a, 4);
	memcpy(ip + 16, as_reply ? in->local.a : in->target.a, 4);
	memcpy(ip + 20, b->l4, b->len);
	uint8_t *l4 = ip + 20;
	if (as_reply && b->proto == 1)
		l4[0] = 0;                                   /* echo reply */
	if (as_reply && (b->proto == 17 || b->proto == 6)) { /* ports swapped */
		uint8_t t0 = l4[0], t1 = l4[1];
		l4[0] = l4[2], l4[1] = l4[3], l4[2] = t0, l4[3] = t1;
	}
	bo_pkt p;
	CHECK_INT(bo_pkt_parse(BO_LINK_RAW, ip, 20 + b->len, &p), 0);
	return bo_stream_match(c, &p, hits, BO_HITS_MAX);
}

static void registry(void)
{
	char names[128];
	CHECK_STR(bo_stream_names(names, sizeof names),
	          "icmp, icmp-new, udp, udp-new, tcp-syn, tcp-est");
	for (int i = 0; i < bo_nstreams; i++) {
		const bo_stream_desc *d = bo_streams[i];
		CHECK(bo_stream_by_name(d->name) == d);
		CHECK(bo_stream_by_wire(d->wire_id) == d);
		CHECK_INT(d->wire_id, i + 1); /* wire-id order from 1: by_wire's one look */
		CHECK(d->filter && d->match && d->accepts && d->build && d->summary && d->silent);
		for (int k = 0; k < i; k++)
			CHECK(strcmp(bo_streams[k]->name, d->name) &&
			      bo_streams[k]->wire_id != d->wire_id);
	}
	CHECK(bo_stream_by_name("nope") == NULL);
	CHECK(bo_stream_by_wire(0) == NULL);
	CHECK_STR(bo_stream_foreign(BO_MATCH_ECHO)->name, "icmp");
	CHECK_STR(bo_stream_foreign(BO_MATCH_STAMP)->name, "udp");
	CHECK_STR(bo_stream_foreign(BO_MATCH_SYN)->name, "tcp-syn");
	CHECK_INT(bo_stream_port(bo_stream_by_name("udp-new"), 862, 8620), 862);
	CHECK_INT(bo_stream_port(bo_stream_by_name("tcp-est"), 862, 8620), 8620);
	CHECK_INT(bo_stream_port(bo_stream_by_name("icmp"), 862, 8620), 0);
}

int main(void)
{
	registry();
	bo_key key;
	for (int i = 0; i < 16; i++)
		key.k[i] = (uint8_t)i;
	bo_stream_ctx c = {.key = &key,
	                   .run_id = 0x01020304,
	                   .stamp_port = 862,
	                   .tcp_port = 8620,
	                   .mono_to_real = 1700000000LL * BO_NS_PER_S};
	bo_stream_inst s = {.icmp_id = 0x4242, .ssid = 0x1234, .stamp_port = 862, .tcp_port = 8620};
	bo_addr_parse("192.0.2.2", &s.target);
	bo_addr_parse("192.0.2.1", &s.local);
	bo_hit h[BO_HITS_MAX];
	bo_probe_pkt b;

	/* clang-format off */
	/* icmp, seq 5, deadline 1 s: type 8, code 0, checksum, identifier, sequence; the tag. */
	b = build(&c, &s, "icmp", 5, BO_NS_PER_S);
	CHECK_INT(b.len, 8 + BO_TAG_LEN);
	CHECK_INT(b.proto, 1);
	check_bytes("icmp", b.l4,
	            "0800" "eaf3" "4242" "0005"   /* type 8, code 0, checksum, identifier, seq */
	            "424c4b54" "01" "01" "0000"   /* BLKT, version 1, stream 1, flags */
	            "01020304" "00000005"         /* run id, seq */
	            "000000003b9aca00"            /* deadline: 1e9 ns */
	            "d36a02c34423182c",           /* SipHash-2-4 over the above and the target */
	            b.len);
	CHECK_INT(rematch(&c, &s, &b, 0, h), 1);
	CHECK(h[0].desc == s.desc && !h[0].reply && h[0].seq == 5 && h[0].verified);
	CHECK_INT(h[0].deadline, BO_NS_PER_S);
	CHECK(s.desc->accepts(&s, &h[0]));
	CHECK_INT(rematch(&c, &s, &b, 1, h), 1);
	CHECK(h[0].reply && h[0].seq == 5 && s.desc->accepts(&s, &h[0]));
	bo_stream_inst other = s;
	other.icmp_id = 0x4243; /* another target's identifier */
	CHECK(!s.desc->accepts(&other, &h[0]));
	bo_stream_ctx stranger = c;
	stranger.run_id = 7; /* another run: no stream, only a foreign echo */
	CHECK_INT(rematch(&stranger, &s, &b, 0, h), 1);
	CHECK(h[0].desc == NULL && !h[0].tagged && !s.desc->accepts(&s, &h[0]));

	/* icmp-new, same seq: identifier 0x4242 + 1 + 5, stream 2 in the tag. */
	b = build(&c, &s, "icmp-new", 5, BO_NS_PER_S);
	CHECK_INT(b.l4[4] << 8 | b.l4[5], 0x4248);
	CHECK_INT(b.l4[13], 2);
	CHECK_INT(rematch(&c, &s, &b, 0, h), 1);
	CHECK(h[0].desc == s.desc && s.desc->accepts(&s, &h[0]));
	bo_stream_inst fixed = s;
	fixed.desc = bo_stream_by_name("icmp"); /* the same target's fixed-identifier stream */
	CHECK(!fixed.desc->accepts(&fixed, &h[0]));

	/* udp, seq 9, deadline 0.5 s: RFC 8762 4.2.1 unauthenticated Session-Sender packet. */
	s.local_port = 40000;
	b = build(&c, &s, "udp", 9, BO_NS_PER_S / 2);
	CHECK_INT(b.len, 8 + 44);
	CHECK_INT(b.payload_off, 8);
	check_bytes("udp header", b.l4, "9c40" "035e" "0034" "0000", 8); /* 40000 -> 862 */
	check_bytes("udp", b.l4 + 8,
	            "00000009"                    /* sequence number */
	            "e8fe6f80" "80000000"         /* NTP 1700000000.5 s (+ 2208988800 s) */
	            "0587"                        /* error: S 0, Z 0, scale 5, multiplier 135 */
	            "1234"                        /* SSID (RFC 8972) */
	            "00000000000000000000000000000000000000000000000000000000", /* MBZ, 28 */
	            44);
	CHECK_INT(rematch(&c, &s, &b, 0, h), 1);
	CHECK(h[0].desc == NULL && h[0].ssid == 0x1234 && h[0].seq == 9 && !h[0].reply);
	CHECK(s.desc->accepts(&s, &h[0]));
	other = s;
	other.local_port = 40001; /* the fixed flow is another socket's */
	CHECK(!s.desc->accepts(&other, &h[0]));
	other.desc = bo_stream_by_name("udp-new"); /* a new flow: any port */
	CHECK(other.desc->accepts(&other, &h[0]));

	/* tcp-syn, seq 4501: port 61000 + 4501 % 4500, ISN = seq ^ mask, SYN, window 65535. */
	b = build(&c, &s, "tcp-syn", 4501, 0);
	CHECK_INT(b.len, 20);
	check_bytes("tcp-syn", b.l4,
	            "ee49" "21ac"                 /* 61001 -> 8620 */
	            "0d397f07" "00000000"         /* ISN, ack */
	            "50" "02" "ffff"              /* data offset 5, SYN, window */
	            "8fa8" "0000",                /* checksum with the pseudo-header, urgent */
	            b.len);
	CHECK_INT(bo_cksum_l4(&s.local, &s.target, 6, b.l4, b.len), 0); /* verifies */
	uint32_t back;
	CHECK_INT(bo_syn_seq(&key, &s.target, c.run_id, 61001, 0x0d397f07, &back), 0);
	CHECK_INT(back, 4501);
	CHECK(bo_syn_seq(&key, &s.target, c.run_id, 61002, 0x0d397f07, &back) != 0);
	CHECK_INT(rematch(&c, &s, &b, 0, h), 1);
	CHECK(h[0].desc == s.desc && h[0].seq == 4501 && s.desc->accepts(&s, &h[0]));
	bo_stream_ctx guest = c;
	guest.key = NULL; /* the guest: no key, the SYN's port and ISN only */
	CHECK_INT(rematch(&guest, &s, &b, 0, h), 1);
	CHECK(h[0].desc == NULL && h[0].kind == BO_MATCH_SYN && h[0].port == 61001 &&
	      h[0].isn == 0x0d397f07);

	/* tcp-est, seq 7, deadline 2 s: the frame is a tag with stream 6. */
	b = build(&c, &s, "tcp-est", 7, 2 * BO_NS_PER_S);
	CHECK_INT(b.payload_off, 20);
	check_bytes("tcp-est", b.l4 + 20,
	            "424c4b54" "01" "06" "0000" "01020304" "00000007" "0000000077359400"
	            "e39d98f45bc7ea89",
	            BO_TAG_LEN);
	/* clang-format on */
	CHECK_INT(rematch(&c, &s, &b, 0, h), 1);
	CHECK(h[0].desc == s.desc && h[0].seq == 7 && h[0].offset == 0);
	CHECK(s.desc->accepts(&s, &h[0]));
	other = s;
	other.desc = bo_stream_by_name("tcp-syn");
	CHECK(!other.desc->accepts(&other, &h[0]));
	return check_done("stream");
}
