/* SPDX-License-Identifier: Apache-2.0 */
/* What the guest capture makes of a frame: the probe packets in it, named by what the capture
 * alone can tell without the run's key (a blackout tag; a STAMP SSID and sequence number; a
 * SYN's port and ISN; a foreign ping's identifier and sequence number): the registry's
 * matchers, requests only. */
#include <string.h>

#include "bo_err.h"
#include "bo_stream.h"
#include "responder.h"

int rsp_arrivals(int linktype, const uint8_t *frame, size_t caplen, const bo_stamp_key *key,
                 uint16_t stamp_port, uint16_t tcp_port, rsp_arrival *out, int max)
{
	bo_pkt p;
	if (max <= 0 || bo_pkt_parse(linktype, frame, caplen, &p) != 0)
		return 0;
	bo_stream_ctx c = {.stamp_key = key, .stamp_port = stamp_port, .tcp_port = tcp_port};
	bo_hit hits[BO_HITS_MAX];
	int cap = max < BO_HITS_MAX ? max : BO_HITS_MAX;
	int nh = bo_stream_match(&c, &p, hits, cap), n = 0;
	if (key && key->len && nh == 1 && hits[0].kind == BO_MATCH_STAMP &&
	    hits[0].stamp_status == BO_ETRUNC) {
		/* shorter than authenticated STAMP: plain, which a keyed reflector answers too */
		c.stamp_key = NULL;
		nh = bo_stream_match(&c, &p, hits, cap);
	}
	for (int i = 0; i < nh; i++) {
		const bo_hit *h = &hits[i];
		if (h->reply)
			continue;
		rsp_arrival *a = &out[n++];
		memset(a, 0, sizeof *a);
		a->proto = bo_transport_name(p.l4 == BO_L4_UDP   ? BO_TRANSPORT_UDP
		                             : p.l4 == BO_L4_TCP ? BO_TRANSPORT_TCP
		                                                 : BO_TRANSPORT_ICMP);
		a->src = p.src;
		if (h->kind != BO_MATCH_ECHO)
			a->sport = h->port;
		if (h->tagged) {
			a->tagged = 1;
			a->stream = h->desc->wire_id;
			a->run = h->run_id;
			a->seq = h->seq;
		} else if (h->kind == BO_MATCH_ECHO) {
			a->echo = 1;
			a->icmp_id = h->icmp_id;
			a->icmp_seq = h->icmp_seq;
		} else if (h->kind == BO_MATCH_STAMP && h->stamp_status == 0) {
			a->stamp = 1;
			a->ssid = h->ssid;
			a->seq = h->seq;
		} else if (h->kind == BO_MATCH_SYN) {
			a->syn = 1;
			a->isn = h->isn;
		}
	}
	return n;
}
