/* SPDX-License-Identifier: Apache-2.0 */
/* The probe without a network: the pacer's schedule (its deadline heap, walked without a clock),
 * the live view's outage detection, fed packets built by the registry's builders, and how a
 * stream's failing open becomes an exit status. */
#include "bo_err.h"
#include "bo_time.h"
#include "check.h"
#include "probe.h"

#define MS BO_NS_PER_MS

static probe p;
static probe_target targets[2];
static probe_slot slots[4];

static void setup(void)
{
	for (int i = 0; i < 16; i++)
		p.key.k[i] = (uint8_t)(i * 7);
	p.run_id = 0x0a0b0c0d;
	p.cfg.quiet = 1;
	p.cfg.nstreams = 2;
	p.cfg.timeout = 100 * MS;
	p.cfg.stamp_port = 862;
	p.cfg.tcp_port = 8620;
	p.sctx = (bo_stream_ctx){.key = &p.key,
	                         .run_id = p.run_id,
	                         .stamp_key = &p.stamp_key,
	                         .stamp_port = 862,
	                         .tcp_port = 8620};
	p.targets = targets;
	p.ntargets = 2;
	p.slots = slots;
	p.nslots = 4;
	const char *addr[] = {"192.0.2.2", "192.0.2.3"};
	const char *streams[] = {"icmp", "udp"};
	const int64_t interval[] = {10 * MS, 4 * MS};
	for (int t = 0; t < 2; t++) {
		bo_addr_parse(addr[t], &targets[t].addr);
		bo_addr_str(&targets[t].addr, targets[t].str, sizeof targets[t].str);
		targets[t].index = t;
		bo_addrmap_put(&p.target_map, &targets[t].addr, t);
		for (int i = 0; i < 2; i++) {
			probe_slot *s = &slots[t * 2 + i];
			s->desc = bo_stream_by_name(streams[i]);
			s->run = &p;
			s->target = &targets[t];
			s->interval = interval[i];
			s->phase = (2 * t + 1) * s->interval / 4 + i * PROBE_STREAM_STEP;
			s->inst = (bo_stream_inst){.desc = s->desc,
			                           .target = targets[t].addr,
			                           .icmp_id = (uint16_t)(0x100 + t),
			                           .ssid = (uint16_t)(0x200 + t * 2 + i),
			                           .local_port = (uint16_t)(40000 + t * 2 + i),
			                           .stamp_port = 862,
			                           .tcp_port = 8620};
			bo_addr_parse("192.0.2.1", &s->inst.local);
		}
	}
}

/* The schedule: every slot's deadlines on its own grid, all in order, none skipped. */
static int64_t last_deadline;
static uint32_t next_seq[4];
static int walked;

static int walk_fn(probe_slot *s, uint32_t seq, int64_t deadline, void *arg)
{
	(void)arg;
	int i = (int)(s - slots);
	CHECK(deadline >= last_deadline);
	CHECK_INT(seq, next_seq[i]);
	CHECK_INT(deadline, 1000 * MS + s->phase + (int64_t)seq * s->interval);
	last_deadline = deadline;
	next_seq[i]++;
	walked++;
	return 0;
}

/* Probe seq of slot s as captured: the request at t, in an IPv4 header; as_reply turns it into
 * the target's answer (echo reply; STAMP reflected with the sender's sequence number). */
static void capture(probe_slot *s, uint32_t seq, int64_t t, int as_reply)
{
	bo_probe_pkt b;
	CHECK_INT(probe_build(s, seq, t, &b), 0);
	uint8_t ip[20 + BO_PROBE_MAX + 64];
	memset(ip, 0, sizeof ip);
	size_t len = b.len;
	uint8_t *l4 = ip + 20;
	memcpy(l4, b.l4, b.len);
	if (as_reply && b.proto == 1)
		l4[0] = 0;
	if (as_reply && b.proto == 17) { /* a reflector packet: sender seq at 24 of the payload */
		bo_stamp st = {.seq = 99, .sender_seq = seq, .ssid = s->inst.ssid};
		int n = bo_stamp_write_reflector(&st, NULL, l4 + 8, sizeof ip - 28);
		CHECK_INT(n, 44);
		uint8_t t0 = l4[0], t1 = l4[1];
		l4[0] = l4[2], l4[1] = l4[3], l4[2] = t0, l4[3] = t1;
		len = 8 + (size_t)n;
	}
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + len) >> 8), ip[3] = (uint8_t)(20 + len);
	ip[8] = 64;
	ip[9] = b.proto;
	memcpy(ip + 12, as_reply ? s->target->addr.a : s->inst.local.a, 4);
	memcpy(ip + 16, as_reply ? s->inst.local.a : s->target->addr.a, 4);
	bo_pkt pkt;
	CHECK_INT(bo_pkt_parse(BO_LINK_RAW, ip, 20 + len, &pkt), 0);
	probe_live_packet(&p, &pkt, t);
	struct pcap_pkthdr h = {.caplen = (bpf_u_int32)(20 + len), .len = (bpf_u_int32)(20 + len)};
	h.ts.tv_sec = t / BO_NS_PER_S;
	h.ts.tv_usec = t % BO_NS_PER_S; /* nanoseconds, as the capture gives them */
	probe_engine_frame(&p, &h, ip);
}

/* Outage probing's budget: 64 slots all in an outage at once, each asking for a probe every
 * 1 ms (64 000/s) on top of its 100 ms grid, get no more than the budget's 5000/s (and the
 * credit saved up) between them; four slots (4000/s) are never held back. */
static probe fleet;
static probe_slot fleet_slots[64];
static uint64_t fleet_fast;

static int fleet_fn(probe_slot *s, uint32_t seq, int64_t deadline, void *arg)
{
	(void)seq;
	(void)deadline;
	(void)arg;
	fleet_fast += s->in_fast;
	return 0;
}

static void budget(int n, uint64_t want_lo, uint64_t want_hi, int denied)
{
	fleet = (probe){.slots = fleet_slots, .nslots = n};
	atomic_init(&fleet.fast_denied, 0);
	for (int i = 0; i < n; i++) {
		fleet_slots[i] = (probe_slot){.run = &fleet,
		                              .interval = 100 * MS,
		                              .phase = i * MS,
		                              .outage_interval = MS};
		atomic_init(&fleet_slots[i].fast, 1);
	}
	fleet_fast = 0;
	CHECK_INT(probe_fast_budget(&fleet), 5000);
	CHECK_INT(probe_schedule_walk(&fleet, 0, 1000 * MS, fleet_fn, NULL), 0);
	CHECK(fleet_fast >= want_lo && fleet_fast <= want_hi);
	CHECK(denied ? atomic_load(&fleet.fast_denied) > 0 : atomic_load(&fleet.fast_denied) == 0);
}

int main(void)
{
	budget(64, 4900, 5000 + 64 + 64, 1);
	budget(4, 3900, 4000, 0);
	/* The budget is a quarter of the streams' own rate above the floor: 1000 x 4 x 10 Hz. */
	fleet = (probe){.slots = fleet_slots, .nslots = 64};
	for (int i = 0; i < 64; i++)
		fleet_slots[i].interval = 100 * BO_NS_PER_US;
	CHECK_INT(probe_fast_budget(&fleet), 64 * 10000 / 4);

	setup();
	CHECK_INT(probe_schedule_walk(&p, 1000 * MS, 1100 * MS, walk_fn, NULL), 0);
	/* 100 ms: 10 icmp and 25 udp probes per target */
	CHECK_INT(walked, 2 * (10 + 25));
	CHECK_INT(next_seq[0], 10);
	CHECK_INT(next_seq[1], 25);

	/* Live: target 0's icmp answered after 1 ms except probes 30..59 (a 300 ms outage);
	 * target 0's udp answered throughout. The sender is told at once (overdue); the outage,
	 * with its bounds, is the engine's once its last lost probe's reply timeout passed. */
	p.cap.linktype = BO_LINK_RAW;
	CHECK_INT(probe_engine_open(&p), 0);
	probe_slot *icmp = &slots[0], *udp = &slots[1];
	for (uint32_t q = 0; q < 100; q++) {
		int64_t t = 1000 * MS + (int64_t)q * 10 * MS;
		capture(icmp, q, t, 0);
		capture(udp, q, t + MS / 2, 0);
		capture(udp, q, t + MS, 1);
		if (q >= 33 && q < 60)
			CHECK(atomic_load(&icmp->fast)); /* overdue: the sender probes faster */
		if (q < 30 || q >= 60)
			capture(icmp, q, t + MS, 1);
		if (q == 60)
			CHECK(!atomic_load(&icmp->fast));
	}
	probe_engine_advance(&p, 3000 * MS);
	CHECK_INT(icmp->live.seen, 100);
	CHECK_INT(icmp->live.answered, 70);
	CHECK_INT(icmp->live.outages, 1);
	CHECK_INT(icmp->live.longest, 300 * MS);
	CHECK_INT(udp->live.answered, 100);
	CHECK_INT(udp->live.outages, 0);
	/* A duplicate and a reordered reply are counted, not paired again. */
	capture(icmp, 99, 2000 * MS, 1);
	capture(icmp, 98, 2001 * MS, 1);
	CHECK_INT(icmp->live.dups, 1);
	CHECK_INT(icmp->live.reordered, 1);
	/* Another target's stream, a stranger's echo: not ours. */
	CHECK_INT(slots[2].live.seen, 0);

	/* A stream whose open fails with an invalid argument (a link-local target without a
	 * scope: connect() says EINVAL) is a set-up failure, exit 4, never "missing privilege"
	 * (exit 3, which only BO_EPRIV maps to). */
	probe_target ll = {.index = 0};
	bo_addr_parse("fe80::1", &ll.addr);
	probe_slot u = {.desc = bo_stream_by_name("udp"), .run = &p, .target = &ll};
	u.inst = (bo_stream_inst){.desc = u.desc, .target = ll.addr, .stamp_port = 862};
	char err[256] = "";
	int rc = probe_tx_system.slot_open(&u, err, sizeof err);
	CHECK_INT(rc, BO_EINVAL);
	CHECK(strstr(err, "Invalid argument") != NULL);
	CHECK_INT(probe_exit_status(rc, 1), PROBE_EXIT_SETUP);
	CHECK_INT(probe_exit_status(BO_EPERM, 1), PROBE_EXIT_SETUP); /* an OS refusal elsewhere */
	CHECK_INT(probe_exit_status(BO_EPRIV, 1), PROBE_EXIT_PERM);
	CHECK_INT(probe_exit_status(BO_EUSAGE, 1), PROBE_EXIT_USAGE);
	CHECK_INT(probe_exit_status(BO_EIO, 0), PROBE_EXIT_RUNTIME);
	CHECK_INT(probe_exit_status(0, 0), PROBE_EXIT_OK);
	CHECK(BO_EINVAL != BO_EPRIV && BO_EINVAL != BO_EPERM);
	probe_engine_close(&p, p.engine);
	bo_addrmap_free(&p.target_map);
	return check_done("pacer-live");
}
