/* The probe's capture: libpcap in immediate mode with nanosecond timestamps, one handle on the
 * interface towards the targets, so sends and replies are timed on one clock. Every captured
 * frame goes to RUN/probe.pcap and to the live pairing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bo_time.h"
#include "probe.h"

#define CAPTURE_WAKE_MS 5
#define SNAPLEN 2048 /* whole TCP segments: a retransmission carries many tcp-est frames */

/* Beyond this many targets a per-host filter outgrows what the kernel accepts (4096 BPF
 * instructions); the filter then names protocols and ports only, and the live view's target
 * lookup and the run key sort out what is ours. */
#define FILTER_MAX_HOSTS 16

static char *fleet_filter(probe *p)
{
	char *f = malloc(512);
	if (f)
		snprintf(f, 512,
		         "(icmp and (icmp[0] = 8 or icmp[0] = 0)) or "
		         "(icmp6 and (icmp6[0] = 128 or icmp6[0] = 129 or icmp6[0] = 136)) or "
		         "(udp and port %u) or (tcp and port %u) or arp or rarp",
		         p->cfg.stamp_port, p->cfg.tcp_port);
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
		p->slots[i].ops->filter(&p->slots[i], frag, sizeof frag);
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
	snprintf(path, sizeof path, "%s/probe.pcap", p->cfg.run_dir);
	p->dump = pcap_dump_open(p->pcap, path);
	if (!p->dump) {
		snprintf(err, errlen, "cannot write %s: %s", path, pcap_geterr(p->pcap));
		return -1;
	}
	return 0;
}

int probe_capture_open(probe *p, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	p->pcap = pcap_create(p->iface, ebuf);
	if (!p->pcap) {
		snprintf(err, errlen, "cannot capture on %s: %s", p->iface, ebuf);
		return PROBE_EXIT_SETUP;
	}
	pcap_set_snaplen(p->pcap, SNAPLEN);
	/* Not immediate mode: the kernel hands frames over in blocks, at the latest every
	 * CAPTURE_WAKE_MS, instead of waking the loop for every frame (at 40 000 probes/s those
	 * wake-ups cost more than the sends). Timestamps are taken as frames pass, either way. */
	pcap_set_immediate_mode(p->pcap, 0);
	pcap_set_timeout(p->pcap, CAPTURE_WAKE_MS);
	pcap_set_buffer_size(p->pcap, 64 << 20);
	pcap_set_tstamp_precision(p->pcap, PCAP_TSTAMP_PRECISION_NANO);
	int rc = pcap_activate(p->pcap);
	if (rc < 0) {
		if (rc == PCAP_ERROR_PERM_DENIED)
			snprintf(err, errlen,
			         "no permission to capture on %s.\n"
			         "  Capture needs CAP_NET_RAW and CAP_NET_ADMIN: run as root, or\n"
			         "    sudo setcap cap_net_raw,cap_net_admin=eip $(command -v "
			         "blackout-probe)",
			         p->iface);
		else if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
			snprintf(err, errlen, "no interface named %s (see `ip link`)", p->iface);
		else
			snprintf(err, errlen, "cannot capture on %s: %s", p->iface,
			         pcap_geterr(p->pcap));
		return rc == PCAP_ERROR_PERM_DENIED ? PROBE_EXIT_PERM : PROBE_EXIT_SETUP;
	}
	if (pcap_get_tstamp_precision(p->pcap) != PCAP_TSTAMP_PRECISION_NANO)
		fprintf(stderr, "blackout-probe: warning: %s gives microsecond timestamps only\n",
		        p->iface);
	p->linktype = pcap_datalink(p->pcap);
	char *expr = build_filter(p);
	struct bpf_program prog;
	if (!expr || pcap_compile(p->pcap, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0 ||
	    pcap_setfilter(p->pcap, &prog) != 0) {
		snprintf(err, errlen, "capture filter failed: %s", pcap_geterr(p->pcap));
		free(expr);
		return PROBE_EXIT_SETUP;
	}
	pcap_freecode(&prog);
	bo_log_put(&p->log,
	           json_pack("{s:s, s:s, s:i, s:s, s:i, s:s, s:s}", "type", "capture", "interface",
	                     p->iface, "linktype", p->linktype, "linktype_name",
	                     pcap_datalink_val_to_name(p->linktype)
	                             ? pcap_datalink_val_to_name(p->linktype)
	                             : "?",
	                     "snaplen", SNAPLEN, "tstamp_precision", "ns", "filter", expr));
	free(expr);
	if (probe_dump_open(p, err, errlen) != 0)
		return PROBE_EXIT_SETUP;
	if (pcap_setnonblock(p->pcap, 1, ebuf) != 0) {
		snprintf(err, errlen, "cannot make the capture non-blocking: %s", ebuf);
		return PROBE_EXIT_SETUP;
	}
	return 0;
}

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	probe *p = (probe *)user;
	pcap_dump((u_char *)p->dump, h, data);
	p->captured++;
	int64_t ts = (int64_t)h->ts.tv_sec * BO_NS_PER_S + h->ts.tv_usec; /* tv_usec holds ns */
	p->last_cap_ts = ts;
	bo_pkt pkt;
	if (bo_pkt_parse(p->linktype, data, h->caplen, &pkt) != 0) {
		p->invalid++;
		return;
	}
	probe_live_packet(p, &pkt, ts);
}

void probe_capture_drain(probe *p)
{
	if (p->pcap && p->dump)
		while (pcap_dispatch(p->pcap, -1, on_frame, (u_char *)p) > 0)
			;
}

static void on_readable(uv_poll_t *h, int status, int events)
{
	(void)events;
	probe *p = h->data;
	if (status < 0) {
		fprintf(stderr, "blackout-probe: capture poll error: %s\n", uv_strerror(status));
		return;
	}
	probe_capture_drain(p);
}

int probe_capture_start(probe *p)
{
	int fd = pcap_get_selectable_fd(p->pcap);
	if (fd < 0)
		return -1;
	p->poll.data = p;
	if (uv_poll_init(p->loop, &p->poll, fd) != 0)
		return -1;
	return uv_poll_start(&p->poll, UV_READABLE, on_readable);
}

void probe_capture_stats(probe *p, json_t **out)
{
	struct pcap_stat st;
	memset(&st, 0, sizeof st);
	if (p->pcap)
		pcap_stats(p->pcap, &st);
	*out = json_pack("{s:I, s:I, s:I, s:I, s:I}", "captured", (json_int_t)p->captured,
	                 "invalid", (json_int_t)p->invalid, "received", (json_int_t)st.ps_recv,
	                 "dropped", (json_int_t)st.ps_drop, "if_dropped", (json_int_t)st.ps_ifdrop);
}

void probe_capture_close(probe *p)
{
	if (p->dump) {
		pcap_dump_close(p->dump);
		p->dump = NULL;
	}
	if (p->pcap) {
		pcap_close(p->pcap);
		p->pcap = NULL;
	}
}
