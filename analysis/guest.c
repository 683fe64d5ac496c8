/* SPDX-License-Identifier: Apache-2.0 */
/* The guest's side of a run (RUN/guest.jsonl, written by the probe from the responder's event
 * channel), read once after the capture pass: its network events placed on the probe's clock,
 * and which lost probes reached the guest's NIC. A lost probe that arrived was dropped inside the
 * guest (its firewall's quarantine); one that never arrived was lost on the way (the migration's
 * pause). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an.h"
#include "bo_fs.h"
#include "bo_log.h"
#include "bo_vocab.h"

#define MAX_LINE (1 << 20)

/* t into *at if earlier (0: none yet) */
static void earliest(int64_t *at, int64_t t)
{
	if (!*at || t < *at)
		*at = t;
}

/* The first of an outage's lost probes to reach the guest, on the guest's clock (0: none). One
 * of its first two counts only when every probe after it up to the third arrived too: alone, it
 * was in flight as the path broke (it reached the guest, its answer met the outage), and the
 * guest was not reached again until later. An outage of one or two probes has no third. */
static int64_t first_arrival(const an_outage *x)
{
	const int64_t *h = x->head_arrival;
	int no_third = x->last_seq - x->first_seq < 2;
	int64_t f = x->rest_arrival;
	if (h[1] && (no_third || h[2]))
		earliest(&f, h[1]);
	if (h[0] && (no_third || (h[1] && h[2])))
		earliest(&f, h[0]);
	return f;
}

/* The outage of s holding lost probe seq (outages are in sequence order), or NULL. */
static an_outage *outage_of(an_stream *s, uint32_t seq)
{
	int lo = 0, hi = s->noutages - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		an_outage *o = &s->outages[mid];
		if ((int32_t)(seq - o->first_seq) < 0)
			hi = mid - 1;
		else if ((int32_t)(seq - o->last_seq) > 0)
			lo = mid + 1;
		else
			return o;
	}
	return NULL;
}

/* The stream and sequence number an arrival names, from what the guest's capture could read. */
static an_stream *arrival_probe(an_run *r, json_t *o, const bo_addr *target, uint32_t *seq)
{
	if (json_object_get(o, "stream")) {
		if ((uint32_t)bo_json_int(o, "run", 0) != r->in.run_id)
			return NULL;
		*seq = (uint32_t)bo_json_int(o, "pseq", 0);
		const bo_stream_desc *d = bo_stream_by_wire((uint8_t)bo_json_int(o, "stream", 0));
		return d ? an_stream_find_desc(r, target, d) : NULL;
	}
	if (json_object_get(o, "ssid")) {
		*seq = (uint32_t)bo_json_int(o, "pseq", 0);
		return an_stream_find_ssid(r, target, (uint16_t)bo_json_int(o, "ssid", 0));
	}
	if (json_object_get(o, "isn")) {
		an_stream *s = an_stream_of_kind(r, target, BO_MATCH_SYN);
		if (s && bo_syn_seq(&r->in.key, target, r->in.run_id,
		                    (uint16_t)bo_json_int(o, "sport", 0),
		                    (uint32_t)bo_json_int(o, "isn", 0), seq) == 0)
			return s;
	}
	return NULL;
}

/* A profile event in a line: "firewall 2010: public -> domain", "NetworkProfile 10000:
 * connected corp.example (domain)". */
static void profile_text(const json_t *o, int t, char *out, size_t len)
{
	char a[40], b[40], c[48];
	int id = (int)bo_json_int(o, "id", 0);
	if (t == BO_GEV_FWPROFILE)
		snprintf(out, len, "firewall %d: %s -> %s", id,
		         bo_json_text(o, "old_profile", "?", a, sizeof a),
		         bo_json_text(o, "new_profile", "?", b, sizeof b));
	else
		snprintf(out, len, "NetworkProfile %d: %s %s (%s)", id,
		         bo_json_text(o, "what", "?", a, sizeof a),
		         bo_json_text(o, "network", "", c, sizeof c),
		         bo_json_text(o, "category", "?", b, sizeof b));
}

/* The firewall's drops (wfp-drop events) kept until the guest's clock is placed. */
#define WFP_MAX (1 << 20)
struct wfp_drops {
	struct wfp_drop {
		bo_addr target;
		int64_t at; /* the guest's clock, then the probe's */
		uint16_t port;
		uint8_t transport, quarantine;
	} * v;
	size_t n, cap;
	uint64_t beyond;
};

static void wfp_keep(an_run *r, struct wfp_drops *w, const json_t *o, const bo_addr *target,
                     int64_t at)
{
	const char *proto = bo_json_str(o, "proto", "");
	uint8_t t = 0; /* the registry's transport of that name, 0 none */
	for (int k = BO_TRANSPORT_ICMP; k <= BO_TRANSPORT_TCP && !t; k++)
		if (!strcmp(bo_transport_name((enum bo_transport)k), proto))
			t = (uint8_t)k;
	r->in.guest_fw_drops++;
	if (!t || !at)
		return;
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 1024;
		struct wfp_drop *v = cap <= WFP_MAX ? realloc(w->v, cap * sizeof *v) : NULL;
		if (!v) {
			w->beyond++;
			return;
		}
		w->v = v, w->cap = cap;
	}
	w->v[w->n++] = (struct wfp_drop){*target, at, (uint16_t)bo_json_int(o, "local_port", 0), t,
	                                 (uint8_t)json_is_true(json_object_get(o, "quarantine"))};
}

/* Each drop to the lost probes it was: a stream of its target on its transport (and port),
 * an outage of it from its first lost probe (less 50 ms, the clocks' uncertainty) to its
 * first answered probe after (or a second past its last lost one). Where two streams fit
 * (icmp and icmp-new share a 5-tuple's shape), the one with more lost probes not yet
 * accounted for takes it. */
static void wfp_match(an_run *r, struct wfp_drops *w)
{
	r->in.guest_wfp_unmatched = w->beyond;
	for (size_t i = 0; i < w->n; i++) {
		struct wfp_drop *d = &w->v[i];
		d->at += r->in.guest_offset;
		an_outage *best = NULL;
		for (int s = bo_addrmap_get(&r->eng.by_target, &d->target); s >= 0;
		     s = r->eng.streams[s].next_same) {
			an_stream *st = &r->eng.streams[s];
			if (st->desc->transport != d->transport)
				continue;
			uint16_t port = d->transport == BO_TRANSPORT_UDP   ? st->inst.stamp_port
			                : d->transport == BO_TRANSPORT_TCP ? st->inst.tcp_port
			                                                   : 0;
			if (port && d->port && port != d->port)
				continue;
			for (int k = 0; k < st->noutages; k++) {
				an_outage *o = &st->outages[k];
				int64_t to = o->next_ok ? o->next_ok : o->last_lost + BO_NS_PER_S;
				if (d->at < o->first_lost - 50 * BO_NS_PER_MS || d->at > to ||
				    o->fw_dropped >= o->lost)
					continue;
				if (!best ||
				    o->lost - o->fw_dropped > best->lost - best->fw_dropped)
					best = o;
			}
		}
		if (!best) {
			r->in.guest_wfp_unmatched++;
			continue;
		}
		best->fw_dropped++;
		best->fw_quarantine += d->quarantine;
	}
}

int an_read_guest(an_run *r)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/guest.jsonl", r->in.input);
	FILE *f = bo_fs_open_regular(path);
	if (!f) {
		if (errno != ENOENT) /* there, but a link to a device, a FIFO, unreadable */
			fprintf(stderr, "blackout-analyze: warning: %s left out: %s\n", path,
			        errno == EINVAL ? "not a regular file" : strerror(errno));
		return 0; /* no responder events in this run */
	}
	json_t *o;
	long line = 0;
	int rc, have_offset = 0;
	int64_t net[256], gap[16][2], quar[8][2];
	int in_quar = 0;
	struct wfp_drops wd = {0};
	while ((rc = bo_jsonl_next(f, MAX_LINE, &o, &line)) != 0) {
		if (rc < 0)
			continue;
		r->in.guest_events++;
		int64_t guest = bo_json_time(o, "realtime_ns");
		int64_t probe = bo_json_time(o, "probe_realtime_ns");
		/* The least (arrival - event) is the offset plus the channel's shortest delay: the
		 * events replayed after a reconnect, held in the journal, arrive late and say
		 * nothing. */
		if (guest && probe && (!have_offset || probe - guest < r->in.guest_offset)) {
			r->in.guest_offset = probe - guest;
			have_offset = 1;
		}
		const char *type = bo_json_str(o, "type", "");
		int t = bo_gev_parse(type); /* -1: a type this version does not know */
		bo_addr target;
		uint32_t seq;
		an_stream *st;
		an_outage *out;
		if (t == BO_GEV_ARRIVAL) {
			r->in.guest_arrivals++;
			if (bo_addr_parse(bo_json_str(o, "target", ""), &target) == 0 &&
			    (st = arrival_probe(r, o, &target, &seq)) &&
			    (out = outage_of(st, seq))) {
				uint32_t k = seq - out->first_seq; /* its place in the outage */
				out->arrived++;
				out->edge_arrived += k < 2 || out->last_seq - seq < 2;
				if (k < 3) /* on the guest's clock until the end */
					earliest(&out->head_arrival[k], guest);
				if (k >= 2)
					earliest(&out->rest_arrival, guest);
			}
		}
		/* The guest firewall's own account of a drop (--fw-log): which lost probe it
		 * was, proven, beside the capture's arrivals. */
		if (t == BO_GEV_FW_DROP) {
			r->in.guest_fw_drops++;
			if (bo_addr_parse(bo_json_str(o, "target", ""), &target) == 0 &&
			    (st = arrival_probe(r, o, &target, &seq)) && (out = outage_of(st, seq)))
				out->fw_dropped++;
		}
		if (t == BO_GEV_START && !strncmp(bo_json_str(o, "firewall_drops", ""), "NFLOG", 5))
			r->in.have_fwlog = 1;
		/* Each responder's start: what it is and what it found, for the records. */
		if (t == BO_GEV_START && r->in.nguest_facts < AN_MAX_GUEST_FACTS) {
			json_t *facts = json_deep_copy(o);
			const char *drop[] = {"seq", "mono_ns", "probe_realtime_ns", "type"};
			for (size_t i = 0; facts && i < sizeof drop / sizeof drop[0]; i++)
				json_object_del(facts, drop[i]);
			if (facts)
				r->in.guest_facts[r->in.nguest_facts++] = facts;
		}
		if (t == BO_GEV_CAPTURE_LOST && guest && r->in.nguest_gap < 16)
			gap[r->in.nguest_gap][0] = guest, gap[r->in.nguest_gap][1] = 0;
		if (t == BO_GEV_CAPTURE_BACK && guest && r->in.nguest_gap < 16)
			gap[r->in.nguest_gap++][1] = guest;
		bo_addr who;
		int have_who = bo_addr_parse(bo_json_str(o, "target", ""), &who) == 0;
		/* a network event; on Windows also Hyper-V Netvsc's 14, the indication itself */
		int netvsc = t == BO_GEV_NETVSC && bo_json_int(o, "id", 0) == 14;
		if ((netvsc || t == BO_GEV_NET) && guest && r->in.nguest_net < 256) {
			r->in.guest_net_target[r->in.nguest_net] = have_who ? who : (bo_addr){0};
			r->in.guest_net_netvsc[r->in.nguest_net] = (uint8_t)netvsc;
			r->in.guest_net_link[r->in.nguest_net] =
			        (uint8_t)(netvsc || !strcmp(bo_json_str(o, "what", ""), "link"));
			net[r->in.nguest_net++] = guest;
		}
		/* The network classified anew (Windows): what ends a normal quarantine */
		if ((t == BO_GEV_NETPROFILE || t == BO_GEV_FWPROFILE) && guest && have_who &&
		    r->in.nguest_profiles < 64) {
			struct an_guest_profile *p = &r->in.guest_profiles[r->in.nguest_profiles++];
			p->target = who;
			p->at = guest; /* the guest's clock until the end */
			profile_text(o, t, p->what, sizeof p->what);
			p->firewall = t == BO_GEV_FWPROFILE;
		}
		/* The Windows firewall's drop of a probe (WFP): matched by its 5-tuple and time
		 * once the clocks are known */
		if (t == BO_GEV_WFP_DROP && guest && have_who)
			wfp_keep(r, &wd, o, &who, guest); /* (its realtime_ns: the drop's time) */
		if (t == BO_GEV_START &&
		    !strncmp(bo_json_str(json_object_get(o, "system"), "wfp_drops", ""), "watching",
		             8))
			r->in.have_fwlog = 1;
		/* Hyper-V's KVP host name changed: where the VM ran, and where it runs now */
		if (t == BO_GEV_HOST && guest && have_who && r->in.nguest_hosts < 64) {
			struct an_guest_host *h = &r->in.guest_hosts[r->in.nguest_hosts++];
			h->target = who;
			h->at = guest; /* the guest's clock until the end */
			bo_json_text(o, "host", "", h->host, sizeof h->host);
			bo_json_text(o, "previous", "", h->previous, sizeof h->previous);
		}
		/* how far each target's account goes (on the guest's clock until the end) */
		if (have_who && guest) {
			int k = 0;
			while (k < r->in.nguest_seen &&
			       !bo_addr_eq(&r->in.guest_seen[k].target, &who))
				k++;
			if (k == r->in.nguest_seen && k < AN_MAX_GUEST_FACTS)
				r->in.guest_seen[r->in.nguest_seen++] =
				        (struct an_guest_seen){who, 0};
			if (k < r->in.nguest_seen && guest > r->in.guest_seen[k].last)
				r->in.guest_seen[k].last = guest;
		}
		/* Windows: an interface's unquarantine filters (one per WFP layer) deleted together
		 * start a quarantine; added back, end it. */
		if (t == BO_GEV_WFP && guest && r->in.nguest_quar < 8 &&
		    !strcmp(bo_json_str(o, "kind", ""), "unquarantine")) {
			const char *op = bo_json_str(o, "op", "");
			if (!strcmp(op, "del") && !in_quar) {
				quar[r->in.nguest_quar][0] = guest, quar[r->in.nguest_quar][1] = 0;
				in_quar = 1;
			} else if (!strcmp(op, "add") && in_quar) {
				quar[r->in.nguest_quar++][1] = guest;
				in_quar = 0;
			}
		}
		json_decref(o);
	}
	fclose(f);
	if (in_quar)
		r->in.nguest_quar++; /* still in quarantine when the run ended */
	r->in.have_guest = have_offset;
	for (int i = 0; i < r->in.nguest_quar; i++)
		for (int k = 0; k < 2; k++)
			r->in.guest_quar[i][k] = quar[i][k] ? quar[i][k] + r->in.guest_offset : 0;
	for (int i = 0; i < r->in.nguest_net; i++)
		r->in.guest_net[i] = net[i] + r->in.guest_offset;
	for (int i = 0; i < r->in.nguest_hosts; i++)
		r->in.guest_hosts[i].at += r->in.guest_offset;
	for (int i = 0; i < r->in.nguest_profiles; i++)
		r->in.guest_profiles[i].at += r->in.guest_offset;
	if (have_offset)
		wfp_match(r, &wd);
	free(wd.v);
	for (int i = 0; i < r->in.nguest_seen; i++)
		r->in.guest_seen[i].last += r->in.guest_offset;
	for (int i = 0; i < r->in.nguest_gap; i++)
		for (int k = 0; k < 2; k++)
			r->in.guest_gap[i][k] = gap[i][k] + r->in.guest_offset;
	for (int i = 0; i < r->eng.nstreams; i++)
		for (int k = 0; k < r->eng.streams[i].noutages; k++) {
			an_outage *x = &r->eng.streams[i].outages[k];
			x->first_arrival = first_arrival(x);
			if (x->first_arrival)
				x->first_arrival += r->in.guest_offset;
			/* only its edges arrived (an_attribution): nothing reached the guest
			 * again inside it, so no phase starts there */
			if (x->arrived == x->edge_arrived && x->lost > AN_EDGE_LOST)
				x->first_arrival = 0;
		}
	if (!have_offset)
		r->in.nguest_net = r->in.nguest_quar = 0;
	return 0;
}

const int64_t *an_guest_quarantine(const an_run *r, int64_t from, int64_t to)
{
	for (int i = 0; i < r->in.nguest_quar; i++)
		if (r->in.guest_quar[i][0] <= to &&
		    (!r->in.guest_quar[i][1] || r->in.guest_quar[i][1] >= from))
			return r->in.guest_quar[i];
	return NULL;
}

const char *const an_attribution_names[AN_NATTRS] = {
        [AN_ATTR_NEVER_ARRIVED] = "never-arrived",
        [AN_ATTR_DROPPED_IN_GUEST] = "dropped-in-guest",
        [AN_ATTR_MIXED] = "never-arrived-then-dropped-in-guest",
};

int an_attribution(const an_run *r, const an_stream *s, const an_outage *o)
{
	if (!r->in.have_guest || !r->in.guest_arrivals || (s->desc->flags & BO_STREAM_BYTES))
		return AN_ATTR_NONE; /* no events, the guest's capture not running, or tcp-est
		                      * (whose frames are held up and resent by TCP, not lost) */
	/* None, or only a probe or two at its edges: those were in flight as the path broke or
	 * opened (the guest answered them, and the answer met the outage). */
	if (!o->arrived || (o->arrived == o->edge_arrived && o->lost > AN_EDGE_LOST))
		return AN_ATTR_NEVER_ARRIVED;
	/* All (or all but a probe or two at the edges, in flight when the path changed) reached
	 * the guest: the guest dropped them. */
	if (o->arrived + 2 >= o->lost)
		return AN_ATTR_DROPPED_IN_GUEST;
	return AN_ATTR_MIXED;
}

int64_t an_guest_blind(const an_run *r, int64_t from, int64_t to)
{
	int64_t sum = 0;
	for (int i = 0; i < r->in.nguest_gap; i++) {
		int64_t a = r->in.guest_gap[i][0] > from ? r->in.guest_gap[i][0] : from;
		int64_t b = r->in.guest_gap[i][1] < to ? r->in.guest_gap[i][1] : to;
		sum += b > a ? b - a : 0;
	}
	return sum;
}
