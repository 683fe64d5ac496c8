/* SPDX-License-Identifier: Apache-2.0 */
/* The probe's capture: libpcap in immediate mode with nanosecond timestamps, one handle on the
 * interface towards the targets, so sends and replies are timed on one clock. Every captured
 * frame goes to RUN/probe.pcap and to the live pairing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bo_err.h"
#include "bo_fs.h"
#include "bo_time.h"
#include "bo_vocab.h"
#include "probe.h"

#define SNAPLEN 2048 /* whole TCP segments: a retransmission carries many tcp-est frames */

/* Beyond this many targets a per-host filter outgrows what the kernel accepts (4096 BPF
 * instructions); the filter then names protocols and ports only, and the live view's target
 * lookup and the run key sort out what is ours. */
#define FILTER_MAX_HOSTS 16

/* Per transport the run's streams use: echo requests and replies, or the run's port. */
static char *fleet_filter(probe *p)
{
	char *f = malloc(512);
	if (!f)
		return NULL;
	size_t off = 0;
	int done[4] = {0};
	f[0] = 0;
	for (int i = 0; i < p->cfg.nstreams; i++) {
		const bo_stream_desc *d = p->slots[i].desc;
		if (done[d->transport]++)
			continue;
		uint16_t port = bo_stream_port(d, p->cfg.stamp_port, p->cfg.tcp_port);
		if (d->transport == BO_TRANSPORT_ICMP)
			off += (size_t)snprintf(
			        f + off, 512 - off,
			        "(icmp and (icmp[0] = 8 or icmp[0] = 0)) or "
			        "(icmp6 and (icmp6[0] = 128 or icmp6[0] = 129)) or ");
		else
			off += (size_t)snprintf(f + off, 512 - off, "(%s and port %u) or ",
			                        bo_transport_name(d->transport), port);
	}
	snprintf(f + off, 512 - off, "(icmp6 and icmp6[0] = 136) or arp or rarp");
	return f;
}

static char *build_filter(probe *p)
{
	if (p->ntargets > FILTER_MAX_HOSTS)
		return fleet_filter(p);
	size_t cap = 256 + (size_t)p->nslots * 200 + (size_t)p->ntargets * 120;
	char *f = malloc(cap), frag[256];
	if (!f)
		return NULL;
	size_t off = 0;
	f[0] = 0;
	for (int i = 0; i < p->nslots; i++) {
		p->slots[i].desc->filter(&p->slots[i].inst, frag, sizeof frag);
		off += (size_t)snprintf(f + off, cap - off, "%s%s", off ? " or " : "", frag);
	}
	/* The targets' own announcements: ARP/RARP from their address, unsolicited NA. */
	for (int i = 0; i < p->ntargets; i++) {
		const probe_target *t = &p->targets[i];
		if (t->addr.family == 4)
			off += (size_t)snprintf(
			        f + off, cap - off, " or (arp and arp[14:4] = 0x%02x%02x%02x%02x)",
			        t->addr.a[0], t->addr.a[1], t->addr.a[2], t->addr.a[3]);
		else
			off += (size_t)snprintf(f + off, cap - off,
			                        " or (icmp6 and src host %s and icmp6[0] = 136)",
			                        t->str);
	}
	snprintf(f + off, cap - off, " or rarp");
	return f;
}

int probe_dump_open(probe *p, char *err, size_t errlen)
{
	char path[4096];
	if (p->cfg.watch_dir) /* a flight recorder's segments in the session's directory */
		snprintf(path, sizeof path, "%s", p->cfg.run_dir);
	else
		snprintf(path, sizeof path, "%s/probe.pcap", p->cfg.run_dir);
	return bo_capwr_open(&p->cap.wr, p->cap.linktype, SNAPLEN, path,
	                     p->cfg.watch_dir ? p->cfg.segment : 0, err, errlen);
}

void probe_dump_write(probe *p, const struct pcap_pkthdr *h, const u_char *data)
{
	if (p->cap.wr)
		bo_capwr_write(p->cap.wr, h, data); /* a failure is found by probe_files_check */
}

int probe_capture_open(probe *p, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	int prc = probe_capture_prepare(p, err, errlen);
	if (prc != 0)
		return prc;
	p->cap.pcap = pcap_create(p->cap.iface, ebuf);
	if (!p->cap.pcap) {
		snprintf(err, errlen, "cannot capture on %s: %s", p->cap.iface, ebuf);
		return BO_ENOENT;
	}
	pcap_set_snaplen(p->cap.pcap, SNAPLEN);
	pcap_set_buffer_size(p->cap.pcap, 64 << 20);
	pcap_set_tstamp_precision(p->cap.pcap, PCAP_TSTAMP_PRECISION_NANO);
	const char *tstamp = probe_capture_configure(p);
	int rc = pcap_activate(p->cap.pcap);
	if (rc < 0) {
		if (rc == PCAP_ERROR_PERM_DENIED)
			snprintf(err, errlen,
			         "no permission to capture on %s.\n"
			         "  Capture needs CAP_NET_RAW and CAP_NET_ADMIN: run as root, or\n"
			         "    %s",
			         p->cap.iface, probe_privilege_hint());
		else if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
			snprintf(err, errlen, "no interface named %s (see `ip link`)",
			         p->cap.iface);
		else
			snprintf(err, errlen, "cannot capture on %s: %s", p->cap.iface,
			         pcap_geterr(p->cap.pcap));
		return rc == PCAP_ERROR_PERM_DENIED ? BO_EPRIV : BO_ENOENT;
	}
	if (pcap_get_tstamp_precision(p->cap.pcap) != PCAP_TSTAMP_PRECISION_NANO)
		fprintf(stderr, "blackout-probe: warning: %s gives microsecond timestamps only\n",
		        p->cap.iface);
	p->cap.linktype = pcap_datalink(p->cap.pcap);
	char *expr = build_filter(p);
	struct bpf_program prog;
	if (!expr || pcap_compile(p->cap.pcap, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0 ||
	    pcap_setfilter(p->cap.pcap, &prog) != 0) {
		snprintf(err, errlen, "capture filter failed: %s", pcap_geterr(p->cap.pcap));
		free(expr);
		return BO_EIO;
	}
	pcap_freecode(&prog);
	bo_log_put(&p->log, json_pack("{s:s, s:s, s:i, s:s, s:i, s:s, s:s, s:s}", "type",
	                              bo_rec_name(BO_REC_CAPTURE), "interface", p->cap.iface,
	                              "linktype", p->cap.linktype, "linktype_name",
	                              pcap_datalink_val_to_name(p->cap.linktype)
	                                      ? pcap_datalink_val_to_name(p->cap.linktype)
	                                      : "?",
	                              "snaplen", SNAPLEN, "tstamp_precision", "ns", "tstamp_type",
	                              tstamp ? tstamp : "default", "filter", expr));
	free(expr);
	if (probe_dump_open(p, err, errlen) != 0)
		return BO_EIO;
	if (pcap_setnonblock(p->cap.pcap, 1, ebuf) != 0) {
		snprintf(err, errlen, "cannot make the capture non-blocking: %s", ebuf);
		return BO_EIO;
	}
	return 0;
}

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	probe *p = (probe *)user;
	probe_dump_write(p, h, data);
	p->cap.captured++;
	int64_t ts = (int64_t)h->ts.tv_sec * BO_NS_PER_S + h->ts.tv_usec; /* tv_usec holds ns */
	p->cap.last_ts = ts;
	bo_pkt pkt;
	if (bo_pkt_parse(p->cap.linktype, data, h->caplen, &pkt) != 0) {
		p->cap.invalid++;
		return;
	}
	probe_live_packet(p, &pkt, ts);
	probe_engine_frame(p, h, data);
}

/* One read hands over at most PROBE_CAPTURE_READ frames, then the loop runs its timers and
 * signals: under a sustained flood libpcap's own loop (a count of -1) would go on from block
 * to block for as long as frames come, and the run's status, its duration and Ctrl-C with it
 * would wait (seen at 400 000 probes/s: a probe asked for 8 s ran until killed). */
#define PROBE_CAPTURE_READ 4096

int probe_capture_read(probe *p)
{
	if (!p->cap.pcap || !p->cap.wr)
		return 0;
	int n = pcap_dispatch(p->cap.pcap, PROBE_CAPTURE_READ, on_frame, (u_char *)p);
	if (n == PCAP_ERROR) {
		probe_capture_failed(p, pcap_geterr(p->cap.pcap));
		return -1;
	}
	return n > 0 ? n : 0;
}

void probe_capture_failed(probe *p, const char *why)
{
	if (p->cap.failed++)
		return;
	bo_log_put(&p->log, json_pack("{s:s, s:s, s:s, s:I}", "type",
	                              bo_rec_name(BO_REC_CAPTURE_ERROR), "interface", p->cap.iface,
	                              "error", why, "realtime_ns", (json_int_t)bo_clock_real_ns()));
	if (!p->cfg.quiet) {
		probe_live_clear(p);
		fprintf(stderr, "blackout-probe: the capture on %s failed: %s%s\n", p->cap.iface,
		        why,
		        p->cfg.watch_dir ? " (a new session starts when it can)" : "; stopping");
	}
	probe_capture_unwatch(p);
	if (!p->cfg.watch_dir)
		p->run_error = 1;
	probe_request_stop(p, "capture-error");
}

/* At the end: what the kernel still holds, for at most PROBE_DRAIN_MAX (a flood that goes on
 * after the last probe is not waited for; what is left counts as dropped in pcap_stats). */
#define PROBE_DRAIN_MAX (2 * BO_NS_PER_S)

void probe_capture_drain(probe *p)
{
	int64_t until = bo_clock_mono_ns() + PROBE_DRAIN_MAX;
	while (probe_capture_read(p) > 0 && bo_clock_mono_ns() < until)
		;
}

int probe_capture_start(probe *p)
{
	return probe_capture_watch(p);
}

int probe_files_check(probe *p)
{
	const char *what = NULL;
	int e = 0;
	if (p->cap.wr && (bo_capwr_flush(p->cap.wr) < 0 || bo_capwr_error(p->cap.wr))) {
		what = "probe.pcap";
		e = -bo_capwr_error(p->cap.wr);
	} else if (p->log.err || (p->log.f && fflush(p->log.f) != 0)) {
		what = "probe.jsonl";
		e = errno;
	}
	if (!what)
		return 0;
	if (!p->cap.write_error) {
		p->cap.write_error = 1;
		probe_live_clear(p);
		fprintf(stderr,
		        "blackout-probe: writing %s/%s failed: %s; stopping the run (what is on "
		        "disk "
		        "stays readable: blackout-analyze reads it up to there)\n",
		        p->cfg.run_dir, what, e ? strerror(e) : "write error");
	}
	return e ? -e : BO_EIO;
}

void probe_capture_stats(probe *p, json_t **out)
{
	struct pcap_stat st;
	memset(&st, 0, sizeof st);
	if (p->cap.pcap)
		pcap_stats(p->cap.pcap, &st);
	*out = json_pack("{s:I, s:I, s:I, s:I, s:I}", "captured", (json_int_t)p->cap.captured,
	                 "invalid", (json_int_t)p->cap.invalid, "received", (json_int_t)st.ps_recv,
	                 "dropped", (json_int_t)st.ps_drop, "if_dropped", (json_int_t)st.ps_ifdrop);
}

void probe_capture_close(probe *p)
{
	if (p->cap.wr) {
		bo_capwr_close(p->cap.wr);
		p->cap.wr = NULL;
	}
	if (p->cap.pcap) {
		pcap_close(p->cap.pcap);
		p->cap.pcap = NULL;
	}
}
