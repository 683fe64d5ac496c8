/* SPDX-License-Identifier: Apache-2.0 */
/* The Windows firewall's per-packet drops (WFP net events, FWPM_NET_EVENT_CLASSIFY_DROP1 with
 * its FWPM_NET_EVENT_HEADER1: a FILETIME, the 5-tuple, the filter and layer that dropped it,
 * the reauthorization reason, the direction), taken from the structures wfpdrop-win.c is
 * handed, kept if they were probes for this responder, and reported as "wfp-drop" events:
 *
 *   {"dst": our address (as the guest has it), "src": the sender's, "proto": "icmp"|"udp"|"tcp",
 *    "local_port", "remote_port" (UDP and TCP), "filter_id", "layer_id", "reauth_reason",
 *    "quarantine" (the filter is one of the quarantine's: true, false; null not known),
 *    "event_time_ns"}
 *
 * Portable, so the tests reach it. The event budget bounds them (events.c). */
#include <string.h>

#include "bo_stream.h"
#include "bo_time.h"
#include "responder.h"

enum { WFP_IN = 0x3FFF, WFP_OUT = 0x3FFE, WFP_OUTBOUND = 0 }; /* msFwpDirection's values */

int rsp_wfpdrop_ours(const rsp_wfpdrop *d, uint16_t stamp_port, uint16_t tcp_port)
{
	if (d->direction == WFP_OUT || d->direction == WFP_OUTBOUND)
		return 0; /* what the guest sent is not a probe */
	if (d->family != 4 && d->family != 6)
		return 0;
	switch (d->proto) {
	case 1:
	case 58: return 1; /* echo requests: the stack's own responder */
	case 17: return d->local_port == stamp_port;
	case 6: return tcp_port && d->local_port == tcp_port;
	default: return 0;
	}
}

static void addr_of(const rsp_wfpdrop *d, const uint8_t *a, bo_addr *out)
{
	memset(out, 0, sizeof *out);
	out->family = d->family;
	memcpy(out->a, a, d->family == 4 ? 4 : 16);
}

json_t *rsp_wfpdrop_json(const rsp_wfpdrop *d, int quarantine)
{
	char local[48], remote[48];
	bo_addr l, r;
	addr_of(d, d->local, &l);
	addr_of(d, d->remote, &r);
	const char *proto = bo_transport_name(d->proto == 17  ? BO_TRANSPORT_UDP
	                                      : d->proto == 6 ? BO_TRANSPORT_TCP
	                                                      : BO_TRANSPORT_ICMP);
	json_t *e = json_pack("{s:s, s:s, s:s, s:I, s:i, s:I}", "dst",
	                      bo_addr_str(&l, local, sizeof local), "src",
	                      bo_addr_str(&r, remote, sizeof remote), "proto", proto, "filter_id",
	                      (json_int_t)d->filter_id, "layer_id", (int)d->layer_id,
	                      "reauth_reason", (json_int_t)d->reauth_reason);
	if (!e)
		return NULL;
	if (d->proto == 17 || d->proto == 6) {
		json_object_set_new(e, "local_port", json_integer(d->local_port));
		json_object_set_new(e, "remote_port", json_integer(d->remote_port));
	}
	json_object_set_new(e, "quarantine",
	                    quarantine < 0 ? json_null() : json_boolean(quarantine));
	int64_t t = bo_time_filetime_ns(d->filetime);
	json_object_set_new(e, "event_time_ns", t ? json_integer((json_int_t)t) : json_null());
	return e;
}
