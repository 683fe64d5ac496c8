/* SPDX-License-Identifier: Apache-2.0 */
/* Guest capture (--capture IFACE): libpcap sits below the guest firewall, so every probe that
 * reached the NIC becomes an "arrival" event, answered or not. When the capture fails (a
 * migration can take the NIC away for a moment) it is closed, reopened every 20 ms, and the
 * gap is logged: "capture-lost" then "capture-back" with the gap's length. Opening and closing
 * a capture run on libuv's thread pool: both can take milliseconds the reflector must not
 * wait. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bo_time.h"
#include "responder.h"

#define SNAPLEN 256
#define RETRY_MS 20

/* Opens the capture; touches nothing of the loop, so a reopen can run on the thread pool
 * (pcap_activate maps its ring and may take milliseconds the reflector should not wait). */
static pcap_t *open_pcap(const char *iface, uint16_t port, uint16_t tcp_port, char *err,
                         size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc = pcap_create(iface, ebuf);
	if (!pc) {
		snprintf(err, errlen, "%s", ebuf);
		return NULL;
	}
	pcap_set_snaplen(pc, SNAPLEN);
	pcap_set_buffer_size(pc, 8 << 20);
	pcap_set_tstamp_precision(pc, PCAP_TSTAMP_PRECISION_NANO);
	rsp_capture_configure(pc);
	int rc = pcap_activate(pc);
	if (rc < 0) {
		snprintf(err, errlen, "%s%s", pcap_geterr(pc),
		         rc == PCAP_ERROR_PERM_DENIED ? " (not permitted: " RSP_PRIV_HINT ")" : "");
		pcap_close(pc);
		return NULL;
	}
	char expr[256];
	snprintf(expr, sizeof expr,
	         /* pcap's "and" and "or" bind equally: every term is bracketed */
	         "(icmp[icmptype] == icmp-echo) or (icmp6 and ip6[40] == 128) or (udp dst port "
	         "%u) or (tcp dst port %u)",
	         port, tcp_port);
	struct bpf_program prog;
	if (pcap_compile(pc, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0 ||
	    pcap_setfilter(pc, &prog) != 0) {
		snprintf(err, errlen, "capture filter: %s", pcap_geterr(pc));
		pcap_close(pc);
		return NULL;
	}
	pcap_freecode(&prog);
	rsp_capture_activated(pc);
	if (pcap_setnonblock(pc, 1, ebuf) != 0) {
		snprintf(err, errlen, "%s", ebuf);
		pcap_close(pc);
		return NULL;
	}
	return pc;
}

/* On the loop: an opened capture starts being read. */
static int adopt(rsp *r, pcap_t *pc, char *err, size_t errlen)
{
	r->cap.pcap = pc;
	if (rsp_capture_watch(r) != 0) {
		snprintf(err, errlen, "cannot watch the capture");
		pcap_close(pc);
		r->cap.pcap = NULL;
		return -1;
	}
	return 0;
}

json_t *rsp_arrival_json(const rsp_arrival *a)
{
	char src[48];
	json_t *e = json_pack("{s:s, s:s}", "proto", a->proto, "src",
	                      bo_addr_str(&a->src, src, sizeof src));
	if (a->sport)
		json_object_set_new(e, "sport", json_integer(a->sport));
	if (a->tagged) {
		json_object_set_new(e, "stream", json_integer(a->stream));
		json_object_set_new(e, "run", json_integer(a->run));
		json_object_set_new(e, "pseq", json_integer(a->seq));
	} else if (a->stamp) {
		json_object_set_new(e, "ssid", json_integer(a->ssid));
		json_object_set_new(e, "pseq", json_integer(a->seq));
	} else if (a->syn) {
		json_object_set_new(e, "isn", json_integer(a->isn));
	} else if (a->echo) {
		json_object_set_new(e, "icmp_id", json_integer(a->icmp_id));
		json_object_set_new(e, "icmp_seq", json_integer(a->icmp_seq));
	}
	return e;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	rsp *r = (rsp *)user;
	rsp_arrival a[8];
	int n = rsp_arrivals(pcap_datalink(r->cap.pcap), bytes, h->caplen, &r->refl.key, r->port,
	                     r->tcp_port, a, 8);
	/* pcap's nanosecond timestamps are on the realtime clock */
	int64_t frac = h->ts.tv_usec;
	if (pcap_get_tstamp_precision(r->cap.pcap) != PCAP_TSTAMP_PRECISION_NANO)
		frac *= 1000;
	int64_t ts = (int64_t)h->ts.tv_sec * BO_NS_PER_S + frac;
	for (int i = 0; i < n; i++) {
		/* The allowlist holds for the capture too: another host's flood is not the
		 * guest's account of the probes (nor a way to fill its log). */
		if (!rsp_guard_allowed(&r->guard, &a[i].src)) {
			r->cap.not_allowed++;
			continue;
		}
		r->cap.arrivals++;
		rsp_event_at(r, BO_GEV_ARRIVAL, rsp_arrival_json(&a[i]), ts);
	}
}

static void retry(uv_timer_t *t);

/* Closing a packet socket waits for an RCU grace period in the kernel (10-20 ms seen in the
 * lab), so a broken capture is closed on the thread pool, not in the loop that reflects. */
typedef struct closer {
	uv_work_t req;
	pcap_t *pc;
} closer;

static void close_work(uv_work_t *w)
{
	pcap_close(((closer *)w->data)->pc);
}

static void close_done(uv_work_t *w, int status)
{
	(void)status;
	free(w->data);
}

static void close_off_loop(rsp *r, pcap_t *pc)
{
	closer *c = malloc(sizeof *c);
	if (c) {
		c->pc = pc;
		c->req.data = c;
		if (uv_queue_work(r->loop, &c->req, close_work, close_done) == 0)
			return;
		free(c);
	}
	pcap_close(pc);
}

static void lost(rsp *r, const char *why)
{
	r->cap.errors++;
	r->cap.lost_at = bo_clock_real_ns();
	rsp_event(r, BO_GEV_CAPTURE_LOST,
	          json_pack("{s:s, s:s}", "iface", r->cap.iface, "error", why));
	rsp_capture_unwatch(r);
	close_off_loop(r, r->cap.pcap);
	r->cap.pcap = NULL;
	uv_timer_start(&r->cap.retry, retry, RETRY_MS, RETRY_MS);
}

/* A reopen on the thread pool: one at a time. */
typedef struct reopen {
	uv_work_t req;
	rsp *r;
	char iface[256];
	uint16_t port, tcp_port;
	pcap_t *pc;
	char err[PCAP_ERRBUF_SIZE + 64];
} reopen;

static void reopen_work(uv_work_t *w)
{
	reopen *o = w->data;
	o->pc = open_pcap(o->iface, o->port, o->tcp_port, o->err, sizeof o->err);
}

static void reopen_done(uv_work_t *w, int status)
{
	reopen *o = w->data;
	rsp *r = o->r;
	r->cap.opening = 0;
	if (status != 0 || !o->pc || !r->cap.on || r->cap.pcap) { /* failed, or stopped meanwhile */
		if (o->pc)
			pcap_close(o->pc);
		free(o);
		return;
	}
	pcap_t *pc = o->pc;
	free(o);
	char err[64];
	if (adopt(r, pc, err, sizeof err) != 0)
		return;
	uv_timer_stop(&r->cap.retry);
	int64_t now = bo_clock_real_ns();
	rsp_event(r, BO_GEV_CAPTURE_BACK,
	          json_pack("{s:s, s:I}", "iface", r->cap.iface, "gap_ns",
	                    (json_int_t)(now - r->cap.lost_at)));
	r->cap.lost_at = 0;
}

static void retry(uv_timer_t *t)
{
	rsp *r = t->data;
	if (r->cap.opening)
		return;
	reopen *o = calloc(1, sizeof *o);
	if (!o)
		return;
	o->r = r;
	o->req.data = o;
	snprintf(o->iface, sizeof o->iface, "%s", r->cap.dev);
	o->port = r->port;
	o->tcp_port = r->tcp_port;
	if (uv_queue_work(r->loop, &o->req, reopen_work, reopen_done) != 0) {
		free(o);
		return;
	}
	r->cap.opening = 1;
}

void rsp_capture_ready(rsp *r, const char *watch_error)
{
	/* A bounded batch per wake-up keeps the loop responsive under a flood. */
	int n = pcap_dispatch(r->cap.pcap, 256, on_packet, (u_char *)r);
	if (n == PCAP_ERROR || n == PCAP_ERROR_BREAK || watch_error) {
		char why[PCAP_ERRBUF_SIZE];
		snprintf(why, sizeof why, "%s", n < 0 ? pcap_geterr(r->cap.pcap) : watch_error);
		lost(r, why);
	}
}

int rsp_capture_start(rsp *r, char *err, size_t errlen)
{
	if (rsp_capture_prepare(r, err, errlen) != 0)
		return -1;
	uv_timer_init(r->loop, &r->cap.retry);
	r->cap.retry.data = r;
	pcap_t *pc = open_pcap(r->cap.dev, r->port, r->tcp_port, err, errlen);
	if (!pc || adopt(r, pc, err, errlen) != 0) {
		uv_close((uv_handle_t *)&r->cap.retry, NULL);
		return -1;
	}
	r->cap.on = 1;
	return 0;
}

void rsp_capture_stop(rsp *r)
{
	if (!r->cap.on)
		return;
	uv_timer_stop(&r->cap.retry);
	uv_close((uv_handle_t *)&r->cap.retry, NULL);
	if (r->cap.pcap) {
		struct pcap_stat st;
		if (pcap_stats(r->cap.pcap, &st) == 0 && st.ps_drop)
			rsp_event(r, BO_GEV_CAPTURE_DROPS,
			          json_pack("{s:I}", "dropped", (json_int_t)st.ps_drop));
		rsp_capture_unwatch(r);
		pcap_close(r->cap.pcap);
		r->cap.pcap = NULL;
	}
	r->cap.on = 0;
}
