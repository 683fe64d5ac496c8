/* SPDX-License-Identifier: Apache-2.0 */
/* The dry run's transmit backend (--dry-run): every probe the run would send, built by the
 * registry's builders like a live run's, wrapped in an IP header with every checksum filled
 * and written to RUN/probe.pcap (raw IP link type) with its deadline as the timestamp.
 * Nothing is sent or captured, so no privilege is needed; the whole schedule is written at
 * once. The analyzer reads the result like any run (every probe unanswered). */
#include <stdio.h>
#include <string.h>

#include "bo_err.h"
#include "bo_time.h"
#include "bo_vocab.h"
#include "probe.h"

static int dry_open(probe *p, char *err, size_t errlen)
{
	p->cap.linktype = DLT_RAW;
	if (probe_dump_open(p, err, errlen) != 0)
		return BO_EIO;
	bo_log_put(&p->log,
	           json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", bo_rec_name(BO_REC_CAPTURE),
	                     "interface", p->cap.iface, "linktype", DLT_RAW, "linktype_name", "RAW",
	                     "tstamp_precision", "ns"));
	return 0;
}

static int dry_slot_open(probe_slot *s, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	char ignored[128];
	/* The source a real run would use, where a route says; else unspecified. */
	if (probe_route_source(&s->target->addr, &s->inst.local, ignored, sizeof ignored) != 0) {
		memset(&s->inst.local, 0, sizeof s->inst.local);
		s->inst.local.family = s->target->addr.family;
	}
	s->inst.local_port = (uint16_t)(40000 + (s - s->run->slots) % 8000); /* the kernel's */
	s->tx.fd = -1;
	return 0;
}

static int dry_send(probe_slot *s, const bo_probe_pkt *b, uint32_t seq, int64_t deadline)
{
	probe *p = s->run;
	uint8_t pkt[40 + BO_PROBE_MAX];
	size_t len = probe_ip_packet(s, b, (uint16_t)seq, pkt);
	int64_t ts = deadline + p->mono_to_real;
	struct pcap_pkthdr h = {.caplen = (bpf_u_int32)len, .len = (bpf_u_int32)len};
	h.ts.tv_sec = ts / BO_NS_PER_S;
	h.ts.tv_usec = ts % BO_NS_PER_S; /* nanoseconds: the file is a nanosecond pcap */
	probe_dump_write(p, &h, pkt);
	p->cap.captured++;
	s->live.seen++;
	return 0;
}

static void dry_close(probe *p)
{
	(void)p;
}

const probe_tx_ops probe_tx_dry = {
        .name = "dry-run",
        .open = dry_open,
        .slot_open = dry_slot_open,
        .send = dry_send,
        .close = dry_close,
};
