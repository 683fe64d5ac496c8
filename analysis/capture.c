/* One pass over a capture: pair ICMP echo requests and replies per stream, note the target's
 * announcements (ARP, RARP, unsolicited NA). Works on a blackout run (probes verified with the
 * run's key) and on any capture of pings (streams found by target and identifier). */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "an.h"
#include "bo_time.h"

static void announce(an_run *r, int64_t ts, int gratuitous, int rarp, int ndp)
{
	if (r->nannounce == r->announce_cap) {
		int cap = r->announce_cap ? r->announce_cap * 2 : 16;
		if (cap > 1 << 20)
			return; /* an ARP storm: keep the first million */
		an_announce *n = realloc(r->announces, (size_t)cap * sizeof *n);
		if (!n)
			return;
		r->announces = n;
		r->announce_cap = cap;
	}
	r->announces[r->nannounce++] = (an_announce){ts, gratuitous, rarp, ndp};
}

static int is_target(const an_run *r, const bo_addr *a)
{
	return bo_addrmap_get(&r->by_target, a) >= 0;
}

/* Unwraps a 16-bit sequence number to the 32-bit value nearest to ref. */
static uint32_t unwrap16(uint32_t ref, uint16_t seq)
{
	uint32_t v = (ref & 0xffff0000u) | seq;
	int32_t d = (int32_t)(v - ref);
	if (d > 32768)
		v -= 65536;
	else if (d < -32768)
		v += 65536;
	return v;
}

static void on_echo(an_run *r, const bo_pkt *p, int64_t ts, int64_t timeout)
{
	int v6 = p->l4 == BO_L4_ICMP6;
	int request = p->icmp_type == (v6 ? 128 : 8);
	int reply = p->icmp_type == (v6 ? 129 : 0);
	if (!request && !reply)
		return;
	const bo_addr *target = request ? &p->dst : &p->src;
	an_stream *s;
	uint32_t seq;
	if (r->have_log) {
		/* A run of ours: the tag names stream and sequence; the identifier must agree. */
		bo_probe_id id;
		if (bo_tag_decode(&r->key, target, p->payload, p->payload_len, &id) != 0 ||
		    id.run_id != r->run_id || (uint16_t)id.seq != p->icmp_seq ||
		    !(s = an_stream_find_wire(r, target, id.stream)) || s->stamp ||
		    p->icmp_id != (s->new_ids ? bo_icmp_new_id(s->icmp_id, id.seq) : s->icmp_id)) {
			r->strays++;
			return;
		}
		seq = id.seq;
		if (request)
			an_hist_add(&s->sched, ts - (id.deadline + r->mono_to_real));
	} else {
		s = an_stream_find(r, target, p->icmp_id);
		if (!s) {
			if (!request)
				return; /* a reply to nothing we saw */
			s = an_stream_add(r, "icmp", target, p->icmp_id, 0, 0);
			if (!s)
				return;
		}
		seq = s->started ? unwrap16(request ? s->last_seq16_req : s->top - 1, p->icmp_seq)
		                 : p->icmp_seq;
	}
	if (request) {
		s->last_seq16_req = seq;
		an_stream_request(s, seq, ts, timeout);
	} else {
		if (p->has_eth && !r->have_mac) {
			memcpy(r->target_mac, p->eth_src, 6);
			r->have_mac = 1;
		}
		an_stream_reply(s, seq, ts);
	}
}

int an_read_capture(an_run *r, const an_settings *set, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(r->path_pcap,
	                                                     PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!pc) {
		snprintf(err, errlen, "%s: %s", r->path_pcap, ebuf);
		return -1;
	}
	return an_read_pcap(r, pc, set, err, errlen);
}

int an_read_pcap(an_run *r, pcap_t *pc, const an_settings *set, char *err, size_t errlen)
{
	r->linktype = pcap_datalink(pc);
	int64_t timeout = set->reply_timeout ? set->reply_timeout
	                  : r->log_timeout   ? r->log_timeout
	                                     : BO_NS_PER_S;
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		/* A timestamp before 1970 or after 2116 (2^62 ns: the sum of two still fits the
		 * int64 arithmetic of the windows) is a damaged record: counted, not read. (The
		 * seconds are 32 bits wide on Windows.) */
		int64_t sec = h->ts.tv_sec;
		if (sec < 0 || sec >= (INT64_C(1) << 62) / BO_NS_PER_S || h->ts.tv_usec < 0 ||
		    h->ts.tv_usec >= BO_NS_PER_S) {
			r->packets++;
			r->invalid++;
			continue;
		}
		int64_t ts = sec * BO_NS_PER_S + h->ts.tv_usec;
		if (!r->packets)
			r->first_ts = ts;
		r->packets++;
		r->last_ts = ts;
		bo_pkt p;
		if (bo_pkt_parse(r->linktype, data, h->caplen, &p) != 0) {
			r->invalid++;
			continue;
		}
		switch (p.l4) {
		case BO_L4_ICMP: on_echo(r, &p, ts, timeout); break;
		case BO_L4_ICMP6:
			if (p.icmp_type == 136 && is_target(r, &p.src))
				announce(r, ts, 0, 0, 1);
			else
				on_echo(r, &p, ts, timeout);
			break;
		case BO_L4_UDP: an_on_stamp(r, &p, ts, timeout); break;
		case BO_L4_TCP: an_on_tcp(r, &p, ts, timeout); break;
		case BO_L4_ARP:
			if (p.rarp ? r->have_mac && !memcmp(p.arp_sha, r->target_mac, 6)
			           : is_target(r, &p.arp_spa))
				announce(r, ts, !p.rarp && bo_addr_eq(&p.arp_spa, &p.arp_tpa),
				         p.rarp, 0);
			break;
		}
	}
	int truncated = rc == PCAP_ERROR;
	if (truncated) /* a capture cut short: keep everything read so far */
		snprintf(err, errlen, "%s: %s (analysed up to there)", r->path_pcap,
		         pcap_geterr(pc));
	pcap_close(pc);
	for (int i = 0; i < r->nstreams; i++)
		an_stream_finish(&r->streams[i], r->last_ts,
		                 r->streams[i].frames && timeout < AN_FRAMES_TIMEOUT
		                         ? AN_FRAMES_TIMEOUT
		                         : timeout);
	return truncated ? 1 : 0;
}
