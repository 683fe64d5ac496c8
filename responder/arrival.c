/* What the guest capture makes of a frame: the probe packets in it, named by what the capture
 * alone can tell (a blackout tag; a STAMP SSID and sequence number; a SYN's port and ISN). */
#include <string.h>

#include "bo_tag.h"
#include "responder.h"

static void tagged(rsp_arrival *a, const bo_probe_id *id)
{
	a->tagged = 1;
	a->stream = id->stream;
	a->run = id->run_id;
	a->seq = id->seq;
}

int rsp_arrivals(int linktype, const uint8_t *frame, size_t caplen, const bo_stamp_key *key,
                 uint16_t stamp_port, uint16_t tcp_port, rsp_arrival *out, int max)
{
	bo_pkt p;
	if (max <= 0 || bo_pkt_parse(linktype, frame, caplen, &p) != 0)
		return 0;
	rsp_arrival a;
	memset(&a, 0, sizeof a);
	a.src = p.src;
	bo_probe_id id;
	switch (p.l4) {
	case BO_L4_ICMP:
	case BO_L4_ICMP6:
		if (p.icmp_type != (p.l4 == BO_L4_ICMP ? 8 : 128))
			return 0;
		a.proto = "icmp";
		if (bo_tag_decode(NULL, NULL, p.payload, p.payload_len, &id) == 0) {
			tagged(&a, &id);
		} else {
			a.echo = 1;
			a.icmp_id = p.icmp_id;
			a.icmp_seq = p.icmp_seq;
		}
		out[0] = a;
		return 1;
	case BO_L4_UDP: {
		if (p.dport != stamp_port)
			return 0;
		bo_stamp st;
		a.proto = "udp";
		a.sport = p.sport;
		if (bo_stamp_read_sender(p.payload, p.payload_len, key, &st) == 0) {
			a.stamp = 1;
			a.ssid = st.ssid;
			a.seq = st.seq;
		}
		out[0] = a;
		return 1;
	}
	case BO_L4_TCP: {
		if (p.dport != tcp_port)
			return 0;
		a.proto = "tcp";
		a.sport = p.sport;
		if ((p.tcp_flags & (BO_TCP_SYN | BO_TCP_ACK)) == BO_TCP_SYN) {
			a.syn = 1;
			a.isn = p.tcp_seq;
			out[0] = a;
			return 1;
		}
		/* tcp-est frames: tags anywhere in the segment (a retransmission may carry
		 * several); pure ACKs and other data are not arrivals. */
		int n = 0;
		for (size_t off = 0;
		     n < max && bo_tag_find(NULL, NULL, p.payload, p.payload_len, &off, &id) == 0;
		     off += BO_TAG_LEN) {
			out[n] = a;
			tagged(&out[n++], &id);
		}
		return n;
	}
	default: return 0;
	}
}
