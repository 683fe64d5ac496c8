/* SPDX-License-Identifier: Apache-2.0 */
/* The floor for reading a capture: libpcap's pcap_next_ex over every packet, touching each
 * packet's bytes once (a checksum of its first byte) and nothing else. Usage: pcap_loop FILE */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = argc > 1 ? pcap_open_offline_with_tstamp_precision(
	                               argv[1], PCAP_TSTAMP_PRECISION_NANO, err)
	                     : NULL;
	if (!p) {
		fprintf(stderr, "usage: pcap_loop FILE (%s)\n", argc > 1 ? err : "");
		return 2;
	}
	struct pcap_pkthdr *h;
	const u_char *d;
	unsigned long long n = 0, sum = 0;
	while (pcap_next_ex(p, &h, &d) == 1) {
		n++;
		sum += h->caplen ? d[0] : 0;
	}
	pcap_close(p);
	printf("%llu packets (%llu)\n", n, sum);
	return 0;
}
