/* Every stream's packet builder against bytes written out by hand, field by field.
 *
 * The fixed inputs: key 00 01 .. 0f, run id 0x01020304, target 192.0.2.2 from 192.0.2.1, ICMP
 * identifier 0x4242, SSID 0x1234, TCP port 8620, realtime = monotonic + 1 700 000 000 s. The
 * SipHash-2-4 outputs (tag, ISN mask) were computed with an independent implementation checked
 * against the SipHash paper's test vector; checksums by RFC 1071 over the bytes shown. */
#include "check.h"
#include "bo_time.h"
#include "probe.h"

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

int main(void)
{
	static probe run;
	for (int i = 0; i < 16; i++)
		run.key.k[i] = (uint8_t)i;
	run.run_id = 0x01020304;
	run.cfg.tcp_port = 8620;
	run.cfg.stamp_port = 862;
	run.mono_to_real = 1700000000LL * BO_NS_PER_S;
	probe_target t = {.index = 0};
	bo_addr_parse("192.0.2.2", &t.addr);
	probe_slot s = {.run = &run, .target = &t, .icmp_id = 0x4242, .ssid = 0x1234};
	bo_addr_parse("192.0.2.1", &s.local);

	/* clang-format off */
	/* icmp, seq 5, deadline 1 s: type 8, code 0, checksum, identifier, sequence; the tag. */
	uint8_t icmp[8 + BO_TAG_LEN];
	s.ops = probe_stream_find("icmp");
	probe_icmp_build(&s, 5, BO_NS_PER_S, icmp);
	check_bytes("icmp", icmp,
	            "0800" "eaf3" "4242" "0005"   /* type 8, code 0, checksum, identifier, seq */
	            "424c4b54" "01" "01" "0000"   /* BLKT, version 1, stream 1, flags */
	            "01020304" "00000005"         /* run id, seq */
	            "000000003b9aca00"            /* deadline: 1e9 ns */
	            "d36a02c34423182c",           /* SipHash-2-4 over the above and the target */
	            sizeof icmp);

	/* icmp-new, same seq: identifier 0x4242 + 1 + 5, stream 2 in the tag. */
	s.ops = probe_stream_find("icmp-new");
	probe_icmp_build(&s, 5, BO_NS_PER_S, icmp);
	CHECK_INT(icmp[4] << 8 | icmp[5], 0x4248);
	CHECK_INT(icmp[13], 2);

	/* udp, seq 9, deadline 0.5 s: RFC 8762 4.2.1 unauthenticated Session-Sender packet. */
	uint8_t st[BO_STAMP_AUTH_LEN];
	s.ops = probe_stream_find("udp");
	CHECK_INT(probe_stamp_build(&s, 9, BO_NS_PER_S / 2, st, sizeof st), 44);
	check_bytes("udp", st,
	            "00000009"                    /* sequence number */
	            "e8fe6f80" "80000000"         /* NTP 1700000000.5 s (+ 2208988800 s) */
	            "0587"                        /* error: S 0, Z 0, scale 5, multiplier 135 */
	            "1234"                        /* SSID (RFC 8972) */
	            "00000000000000000000000000000000000000000000000000000000", /* MBZ, 28 */
	            44);

	/* tcp-syn, seq 4501: port 61000 + 4501 % 4500, ISN = seq ^ mask, SYN, window 65535. */
	uint8_t syn[20];
	s.ops = probe_stream_find("tcp-syn");
	probe_syn_build(&s, 4501, syn);
	check_bytes("tcp-syn", syn,
	            "ee49" "21ac"                 /* 61001 -> 8620 */
	            "0d397f07" "00000000"         /* ISN, ack */
	            "50" "02" "ffff"              /* data offset 5, SYN, window */
	            "8fa8" "0000",                /* checksum with the pseudo-header, urgent */
	            sizeof syn);
	uint32_t back;
	CHECK_INT(bo_syn_seq(&run.key, &t.addr, run.run_id, 61001, 0x0d397f07, &back), 0);
	CHECK_INT(back, 4501);
	CHECK(bo_syn_seq(&run.key, &t.addr, run.run_id, 61002, 0x0d397f07, &back) != 0);

	/* tcp-est, seq 7, deadline 2 s: the frame is a tag with stream 6. */
	uint8_t est[BO_TAG_LEN];
	s.ops = probe_stream_find("tcp-est");
	probe_est_build(&s, 7, 2 * BO_NS_PER_S, est);
	check_bytes("tcp-est", est,
	            "424c4b54" "01" "06" "0000" "01020304" "00000007" "0000000077359400"
	            "e39d98f45bc7ea89",
	            sizeof est);
	/* clang-format on */
	return check_done("golden");
}
