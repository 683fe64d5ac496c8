/* STAMP streams in a capture: Session-Sender requests to the reflector port and the
 * reflector's replies, paired by (target, SSID) and the sender sequence number the reflector
 * returns (RFC 8762). In a blackout run the SSIDs come from probe.jsonl and anything else is a
 * stray; in a foreign capture every (reflector, SSID) seen in a request becomes a stream. */
#include "an.h"

void an_on_stamp(an_run *r, const bo_pkt *p, int64_t ts, int64_t timeout)
{
	uint16_t port = r->stamp_port ? r->stamp_port : BO_STAMP_PORT;
	const bo_stamp_key *key = r->stamp_auth ? &r->stamp_key : NULL;
	bo_stamp st;
	int request;
	if (p->dport == port)
		request = 1;
	else if (p->sport == port)
		request = 0;
	else
		return;
	int rc = request ? bo_stamp_read_sender(p->payload, p->payload_len, key, &st)
	                 : bo_stamp_read_reflector(p->payload, p->payload_len, key, &st);
	if (rc != 0) {
		r->strays += r->have_log;
		return;
	}
	const bo_addr *target = request ? &p->dst : &p->src;
	an_stream *s = an_stream_find_ssid(r, target, st.ssid);
	if (!s) {
		if (r->have_log || !request) {
			r->strays += r->have_log;
			return;
		}
		s = an_stream_add(r, "udp", target, 0, 0, 0);
		if (!s)
			return;
		s->stamp = 1;
		s->ssid = st.ssid;
	}
	if (request) {
		/* blackout's T1 is the scheduled send time: capture minus T1 is the schedule error.
		 */
		if (s->keyed)
			an_hist_add(&s->sched, ts - bo_ns_from_ntp(st.ts));
		an_stream_request(s, st.seq, ts, timeout);
	} else {
		an_stream_reply(s, st.sender_seq, ts);
	}
}
