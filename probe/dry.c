/* --dry-run: every probe the run would send, built by the streams' own builders, wrapped in
 * an IP header and written to RUN/probe.pcap (raw IP link type) with its deadline as the
 * timestamp. Nothing is sent or captured, so no privilege is needed; the whole schedule is
 * written at once. The analyzer reads the result like any run (every probe unanswered). */
#include <stdio.h>
#include <string.h>

#include "bo_cksum.h"
#include "bo_rd.h"
#include "bo_time.h"
#include "probe.h"

int probe_dry_open(probe *p, char *err, size_t errlen)
{
	p->pcap = pcap_open_dead_with_tstamp_precision(DLT_RAW, 65535, PCAP_TSTAMP_PRECISION_NANO);
	if (!p->pcap) {
		snprintf(err, errlen, "out of memory");
		return PROBE_EXIT_RUNTIME;
	}
	p->linktype = DLT_RAW;
	if (probe_dump_open(p, err, errlen) != 0)
		return PROBE_EXIT_SETUP;
	for (int i = 0; i < p->nslots; i++) {
		probe_slot *s = &p->slots[i];
		char ignored[128];
		/* The source a real run would use, where a route says; else unspecified. */
		if (probe_route_source(&s->target->addr, &s->local, ignored, sizeof ignored) != 0) {
			memset(&s->local, 0, sizeof s->local);
			s->local.family = s->target->addr.family;
		}
		s->local_port = (uint16_t)(40000 + i % 8000); /* stand-ins for the kernel's */
	}
	bo_log_put(&p->log, json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", "capture", "interface",
	                              p->iface, "linktype", DLT_RAW, "linktype_name", "RAW",
	                              "tstamp_precision", "ns"));
	return 0;
}

/* The checksum field's offset in a transport header of this protocol. */
static size_t cksum_at(uint8_t proto)
{
	return proto == 17 ? 6 : proto == 6 ? 16 : 2;
}

static int write_probe(probe_slot *s, uint32_t seq, int64_t deadline, void *arg)
{
	(void)arg;
	probe *p = s->run;
	uint8_t pkt[40 + 2048], proto;
	int v6 = s->target->addr.family == 6;
	size_t hl = v6 ? 40 : 20, alen = v6 ? 16 : 4;
	int n = s->ops->render(s, seq, deadline, pkt + hl, sizeof pkt - hl, &proto);
	if (n < 0)
		return -1;
	uint8_t *l4 = pkt + hl;
	size_t c = cksum_at(proto);
	l4[c] = l4[c + 1] = 0;
	/* The pseudo-header (not for ICMPv4): addresses, then length and protocol. */
	uint32_t sum = 0;
	if (v6 || proto != 1) {
		uint8_t t6[8] = {0, 0, (uint8_t)(n >> 8), (uint8_t)n, 0, 0, 0, proto};
		uint8_t t4[4] = {0, proto, (uint8_t)(n >> 8), (uint8_t)n};
		sum = bo_cksum_add(bo_cksum_add(0, s->local.a, alen), s->target->addr.a, alen);
		sum = v6 ? bo_cksum_add(sum, t6, sizeof t6) : bo_cksum_add(sum, t4, sizeof t4);
	}
	uint16_t ck = bo_cksum_fold(bo_cksum_add(sum, l4, (size_t)n));
	l4[c] = (uint8_t)(ck >> 8), l4[c + 1] = (uint8_t)ck;
	bo_wr w = bo_wr_make(pkt, hl);
	if (v6) {
		bo_wr_be32(&w, 0x60000000);
		bo_wr_be16(&w, (uint16_t)n);
		bo_wr_u8(&w, proto);
		bo_wr_u8(&w, 64);
		bo_wr_bytes(&w, s->local.a, 16);
		bo_wr_bytes(&w, s->target->addr.a, 16);
	} else {
		bo_wr_u8(&w, 0x45);
		bo_wr_u8(&w, 0);
		bo_wr_be16(&w, (uint16_t)(20 + n));
		bo_wr_be16(&w, (uint16_t)seq); /* identification */
		bo_wr_be16(&w, 0x4000);        /* don't fragment */
		bo_wr_u8(&w, 64);
		bo_wr_u8(&w, proto);
		bo_wr_be16(&w, 0);
		bo_wr_bytes(&w, s->local.a, 4);
		bo_wr_bytes(&w, s->target->addr.a, 4);
		uint16_t ipc = bo_cksum(pkt, 20);
		pkt[10] = (uint8_t)(ipc >> 8), pkt[11] = (uint8_t)ipc;
	}
	int64_t ts = deadline + p->mono_to_real;
	struct pcap_pkthdr h = {.caplen = (bpf_u_int32)(hl + (size_t)n),
	                        .len = (bpf_u_int32)(hl + (size_t)n)};
	h.ts.tv_sec = ts / BO_NS_PER_S;
	h.ts.tv_usec = ts % BO_NS_PER_S; /* nanoseconds: the file is a nanosecond pcap */
	pcap_dump((u_char *)p->dump, &h, pkt);
	p->captured++;
	atomic_fetch_add_explicit(&s->sent, 1, memory_order_relaxed);
	s->live.seen++;
	return 0;
}

int probe_dry_run(probe *p, int64_t t0)
{
	return probe_schedule_walk(p, t0, t0 + p->cfg.duration, write_probe, NULL);
}
