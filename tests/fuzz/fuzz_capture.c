/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz driver: the analyzer's capture pass and everything after it (pairing, outages, guest
 * attribution, verdict, the JSON and HTML reports) on any pcap or pcapng file. The first byte
 * picks how it is read: as a foreign capture (streams found as they come), or as a blackout
 * run with a fixed key and one stream of every kind to 192.0.2.2 and 2001:db8::2. */
#include <stdio.h>
#include <string.h>

#include "an.h"

static void add_streams(an_run *r)
{
	static const char *targets[] = {"192.0.2.2", "2001:db8::2"};
	for (size_t t = 0; t < 2; t++)
		for (int i = 0; i < bo_nstreams; i++) {
			bo_addr a;
			bo_addr_parse(targets[t], &a);
			an_stream *s = an_stream_add(r, bo_streams[i], &a, 1, 10000000);
			if (!s)
				return;
			s->inst.icmp_id = 0x1234;
			s->inst.ssid = (uint16_t)(100 + i);
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int keyed = data[0] & 1;
	FILE *f = fmemopen((void *)(data + 1), size - 1, "rb");
	if (!f)
		return 0;
	char err[PCAP_ERRBUF_SIZE + 256];
	pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!pc) {
		fclose(f);
		return 0;
	}
	an_run r;
	memset(&r, 0, sizeof r);
	r.in.input = "fuzz";
	r.res.main_stream = r.res.main_outage = -1;
	an_settings set = {0, 3000000000, 7000000000, 1000000000, NULL, NULL};
	if (keyed) {
		r.in.have_log = r.in.is_dir = 1;
		memset(r.in.key.k, 7, sizeof r.in.key.k);
		r.in.run_id = 0x01020304;
		r.in.stamp_port = 862;
		r.in.tcp_port = 8620;
		add_streams(&r);
	}
	an_read_pcap(&r, pc, &set, err, sizeof err); /* closes pc (and f) */
	an_verdict(&r, &set);
	json_decref(an_report_json(&r, &set));
	FILE *out = fopen("/dev/null", "w");
	if (out) {
		an_report_html(out, &r, &set);
		an_report_text(out, &r, &set);
		fclose(out);
	}
	an_run_free(&r);
	return 0;
}
