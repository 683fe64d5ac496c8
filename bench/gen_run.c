/* SPDX-License-Identifier: Apache-2.0 */
/* Writes a synthetic blackout-probe run directory for the analyzer benchmark: TARGETS targets
 * (198.18.0.1 on, 250 to a /24) with an icmp stream each every INTERVAL_US (1000), every probe
 * answered 200 us later except during one 7.3 s outage per target, until PACKETS packets are
 * written (Ethernet, nanosecond pcap; the same tags, deadlines, key and log records a real run
 * has). Usage: gen_run DIR PACKETS [TARGETS [INTERVAL_US]] */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bo_cksum.h"
#include "bo_log.h"
#include "bo_rd.h"
#include "bo_tag.h"

#define MAX_TARGETS 4000

static void frame(uint8_t *f, const bo_addr *src, const bo_addr *dst, uint8_t type, uint16_t id,
                  uint32_t seq, const uint8_t tag[BO_TAG_LEN])
{
	static const uint8_t mac_a[6] = {2, 0, 0, 0, 0, 1}, mac_b[6] = {0, 0x15, 0x5d, 0, 0, 2};
	int req = type == 8;
	memcpy(f, req ? mac_b : mac_a, 6);
	memcpy(f + 6, req ? mac_a : mac_b, 6);
	f[12] = 8, f[13] = 0;
	bo_wr w = bo_wr_make(f + 14, 20);
	bo_wr_u8(&w, 0x45);
	bo_wr_u8(&w, 0);
	bo_wr_be16(&w, 20 + 8 + BO_TAG_LEN);
	bo_wr_be16(&w, (uint16_t)seq);
	bo_wr_be16(&w, 0x4000);
	bo_wr_u8(&w, 64);
	bo_wr_u8(&w, 1);
	bo_wr_be16(&w, 0);
	bo_wr_bytes(&w, src->a, 4);
	bo_wr_bytes(&w, dst->a, 4);
	uint16_t c = bo_cksum(f + 14, 20);
	f[24] = (uint8_t)(c >> 8), f[25] = (uint8_t)c;
	uint8_t *icmp = f + 34;
	w = bo_wr_make(icmp, 8);
	bo_wr_u8(&w, type);
	bo_wr_u8(&w, 0);
	bo_wr_be16(&w, 0);
	bo_wr_be16(&w, id);
	bo_wr_be16(&w, (uint16_t)seq);
	memcpy(icmp + 8, tag, BO_TAG_LEN);
	c = bo_cksum(icmp, 8 + BO_TAG_LEN);
	icmp[2] = (uint8_t)(c >> 8), icmp[3] = (uint8_t)c;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: gen_run DIR PACKETS [TARGETS [INTERVAL_US]]\n");
		return 2;
	}
	const char *dir = argv[1];
	long long want = atoll(argv[2]);
	int ntargets = argc > 3 ? atoi(argv[3]) : 10;
	long long iv_us = argc > 4 ? atoll(argv[4]) : 1000;
	if (want <= 0 || ntargets < 1 || ntargets > MAX_TARGETS || iv_us < 1 || iv_us > 1000000) {
		fprintf(stderr,
		        "gen_run: PACKETS > 0, 1 <= TARGETS <= %d, 1 <= INTERVAL_US <= 1e6\n",
		        MAX_TARGETS);
		return 2;
	}
	mkdir(dir, 0755);
	bo_key key;
	uint32_t run_id;
	bo_key_random(&key, &run_id);
	char hex[2 * BO_KEY_LEN + 1], path[4096];
	bo_key_hex(&key, hex);
	const int64_t t0 = 1795000000LL * 1000000000LL, iv = iv_us * 1000, mono0 = 1000000000000LL;
	snprintf(path, sizeof path, "%s/probe.jsonl", dir);
	FILE *log = fopen(path, "w");
	if (!log)
		return 1;
	fprintf(log,
	        "{\"type\":\"header\",\"tool\":\"gen_run\",\"format\":%d,\"run_id\":%u,\"key\":"
	        "\"%s\",\"clock\":{\"realtime_ns\":%lld,\"monotonic_ns\":%lld},\"config\":{"
	        "\"timeout_ns\":1000000000}}\n",
	        BO_FORMAT_VERSION, run_id, hex, (long long)t0, (long long)mono0);
	static bo_addr tg[MAX_TARGETS];
	bo_addr probe = {.family = 4, .a = {192, 0, 2, 1}};
	for (int t = 0; t < ntargets; t++) {
		tg[t] = (bo_addr){.family = 4,
		                  .a = {198, 18, (uint8_t)(t / 250), (uint8_t)(t % 250 + 1)}};
		fprintf(log,
		        "{\"type\":\"stream\",\"stream\":\"icmp\",\"wire_id\":1,\"target\":"
		        "\"198.18.%d.%d\",\"interval_ns\":%lld,\"icmp_id\":%d}\n",
		        t / 250, t % 250 + 1, (long long)iv, 1000 + t);
	}
	snprintf(path, sizeof path, "%s/probe.pcap", dir);
	pcap_t *dead =
	        pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 2048, PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *d = pcap_dump_open(dead, path);
	if (!d)
		return 1;
	uint8_t f[34 + 8 + BO_TAG_LEN];
	long long n = 0;
	/* Each target loses 7.3 s of probes starting 10 s in (its replies missing). */
	for (uint32_t seq = 0; n < want; seq++) {
		int64_t when = t0 + (int64_t)seq * iv;
		int dark = when >= t0 + 10000000000LL && when < t0 + 17300000000LL;
		for (int t = 0; t < ntargets && n < want; t++) {
			int64_t ts = when + (int64_t)t * iv / ntargets;
			bo_probe_id id = {.stream = 1,
			                  .run_id = run_id,
			                  .seq = seq,
			                  .deadline = ts - t0 + mono0};
			uint8_t tag[BO_TAG_LEN];
			bo_tag_encode(&key, &tg[t], &id, tag);
			struct pcap_pkthdr h = {.caplen = sizeof f, .len = sizeof f};
			frame(f, &probe, &tg[t], 8, (uint16_t)(1000 + t), seq, tag);
			h.ts.tv_sec = ts / 1000000000LL;
			h.ts.tv_usec = ts % 1000000000LL;
			pcap_dump((u_char *)d, &h, f);
			n++;
			if (dark || n >= want)
				continue;
			frame(f, &tg[t], &probe, 0, (uint16_t)(1000 + t), seq, tag);
			ts += 200000;
			h.ts.tv_sec = ts / 1000000000LL;
			h.ts.tv_usec = ts % 1000000000LL;
			pcap_dump((u_char *)d, &h, f);
			n++;
		}
	}
	pcap_dump_close(d);
	pcap_close(dead);
	fprintf(log, "{\"type\":\"end\",\"reason\":\"duration\"}\n");
	fclose(log);
	printf("%lld packets\n", n);
	return 0;
}
