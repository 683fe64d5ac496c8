/* SPDX-License-Identifier: Apache-2.0 */
/* Scenarios and the simulated migration: pause → resume (network event, gratuitous ARP) →
 * quarantine → recovered, each step timed on CLOCK_REALTIME and logged as ground truth. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bo_cksum.h"
#include "bo_kvp.h"
#include "bo_stream.h"
#include "bo_time.h"
#include "bo_vocab.h"
#include "lab.h"

volatile int lab_interrupted;

static const lab_scenario scenarios[] = {
        {"safety-timeout", "quarantine held until the 7 s safety timeout (the bug)",
         300 * BO_NS_PER_MS, 7 * BO_NS_PER_S, 1, LAB_Q_ICMP | LAB_Q_UDP | LAB_Q_TCP_NEW, 0, 0},
        {"normal", "quarantine lifted after about 2.5 s (network re-identified)",
         300 * BO_NS_PER_MS, 2500 * BO_NS_PER_MS, 1, LAB_Q_ICMP | LAB_Q_UDP | LAB_Q_TCP_NEW, 0, 0},
        {"kb-fixed", "no network-change indication, so no quarantine (KB4338822 + registry)",
         300 * BO_NS_PER_MS, 0, 0, LAB_Q_ICMP | LAB_Q_UDP | LAB_Q_TCP_NEW, 0, 0},
        {"quarantine-off", "network event, but quarantine disabled in the guest",
         300 * BO_NS_PER_MS, 0, 1, LAB_Q_ICMP | LAB_Q_UDP | LAB_Q_TCP_NEW, 0, 0},
        {"full-outage", "everything dropped for 7 s, established TCP too: not a quarantine",
         300 * BO_NS_PER_MS, 7 * BO_NS_PER_S, 1, LAB_Q_ICMP | LAB_Q_UDP | LAB_Q_TCP_ALL, 0, 0},
        /* Real migrations: the pause is QEMU's; the quarantine is the guest agent's. */
        {"qemu-precopy", "QEMU live migration (pre-copy), nothing else", 0, 0, 0,
         LAB_Q_ICMP | LAB_Q_UDP | LAB_Q_TCP_NEW, 1, 0},
        {"qemu-postcopy", "QEMU live migration switched to post-copy after the first pass", 0, 0, 0,
         LAB_Q_ICMP | LAB_Q_UDP | LAB_Q_TCP_NEW, 1, 1},
        {"qemu-quarantine",
         "QEMU migration, link indication, the guest agent quarantines until 7 s after it", 0,
         7 * BO_NS_PER_S, 1, LAB_Q_ICMP | LAB_Q_UDP | LAB_Q_TCP_NEW, 1, 0},
        {"qemu-quarantine-normal", "the same, the agent lets go after about 2.5 s", 0,
         2500 * BO_NS_PER_MS, 1, LAB_Q_ICMP | LAB_Q_UDP | LAB_Q_TCP_NEW, 1, 0},
        {"qemu-kb-fixed", "QEMU migration, no indication: the armed agent never quarantines", 0,
         7 * BO_NS_PER_S, 0, LAB_Q_ICMP | LAB_Q_UDP | LAB_Q_TCP_NEW, 1, 0},
};

const lab_scenario *lab_scenario_find(const char *name)
{
	for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
		if (strcmp(scenarios[i].name, name) == 0)
			return &scenarios[i];
	return NULL;
}

void lab_scenarios_print(void)
{
	char p[32], q[32];
	for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
		const lab_scenario *s = &scenarios[i];
		printf("  %-22s pause %-6s quarantine %-6s event %-3s  %s\n", s->name,
		       s->qemu ? "QEMU's" : bo_dur_str(s->pause_ns, p, sizeof p),
		       s->quarantine_ns ? bo_dur_str(s->quarantine_ns, q, sizeof q) : "none",
		       s->event ? "yes" : "no", s->what);
	}
}

int lab_prepare(const lab *l)
{
	int rc = lab_nft(l, LAB_SWITCH,
	                 "add table bridge blackout\n"
	                 "add chain bridge blackout pausing { type filter hook forward priority 0; "
	                 "policy accept; }\n",
	                 NULL, NULL);
	for (int v = 0; v < l->nvms && !rc; v++)
		rc = lab_nft(l, LAB_VM + v, lab_rules_vm_base, NULL, NULL);
	return rc;
}

/* Sleeps until a monotonic deadline in short slices, so Ctrl-C is seen quickly. */
static int sleep_until(int64_t deadline)
{
	for (;;) {
		if (lab_interrupted)
			return -1;
		int64_t now = bo_clock_mono_ns();
		if (now >= deadline)
			return 0;
		int64_t until =
		        deadline - now > 50 * BO_NS_PER_MS ? now + 50 * BO_NS_PER_MS : deadline;
		struct timespec ts = {until / BO_NS_PER_S, until % BO_NS_PER_S};
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
}

/* The guest's "network event": its NIC goes down and up, as after a media reconnect. */
static int link_flap(const lab *l, int vm, int64_t *t0, int64_t *t1)
{
	int saved, rc = -1;
	if (lab_enter(l, LAB_VM + vm, &saved) != 0)
		return -1;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "eth0");
	*t0 = bo_clock_real_ns();
	if (fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags &= ~IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) == 0) {
			ifr.ifr_flags |= IFF_UP;
			rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
		}
	}
	*t1 = bo_clock_real_ns();
	if (rc != 0)
		fprintf(stderr, "blackout-lab: link event in %s failed: %s\n", l->ns[LAB_VM + vm],
		        strerror(errno));
	if (fd >= 0)
		close(fd);
	lab_leave(saved);
	return rc;
}

/* Sends one Ethernet frame from the VM's eth0; the time around the send in t0, t1. */
static int vm_send_frame(const lab *l, int vm, const unsigned char *f, size_t len, uint16_t proto,
                         const char *what, int64_t *t0, int64_t *t1)
{
	int saved, rc = -1;
	if (lab_enter(l, LAB_VM + vm, &saved) != 0)
		return -1;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(proto));
	struct sockaddr_ll sll;
	memset(&sll, 0, sizeof sll);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(proto);
	sll.sll_ifindex = (int)if_nametoindex("eth0");
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, f, 6);
	*t0 = bo_clock_real_ns();
	if (fd >= 0 && sendto(fd, f, len, 0, (struct sockaddr *)&sll, sizeof sll) == (ssize_t)len)
		rc = 0;
	*t1 = bo_clock_real_ns();
	if (rc != 0)
		fprintf(stderr, "blackout-lab: %s failed: %s\n", what, strerror(errno));
	if (fd >= 0)
		close(fd);
	lab_leave(saved);
	return rc;
}

/* VM vm's MAC and addresses, binary. */
static void vm_ident(int vm, unsigned char mac[6], struct in_addr *ip, struct in6_addr *ip6)
{
	char a4[16], a6[40], m[18];
	lab_vm_ident(vm, 0, a4, a6, m);
	sscanf(m, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4],
	       &mac[5]);
	inet_pton(AF_INET, a4, ip);
	inet_pton(AF_INET6, a6, ip6);
}

/* The "VM resumed" announcement: a gratuitous ARP request from the VM's MAC and address. */
static int send_garp(const lab *l, int vm, int64_t *t0, int64_t *t1)
{
	unsigned char mac[6], f[42];
	struct in_addr ip;
	struct in6_addr ip6;
	vm_ident(vm, mac, &ip, &ip6);
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x08, f[13] = 0x06;                    /* ARP */
	f[14] = 0, f[15] = 1, f[16] = 0x08, f[17] = 0; /* Ethernet, IPv4 */
	f[18] = 6, f[19] = 4, f[20] = 0, f[21] = 1;    /* sizes, request */
	memcpy(f + 22, mac, 6);
	memcpy(f + 28, &ip, 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, &ip, 4); /* target = sender: gratuitous */
	return vm_send_frame(l, vm, f, sizeof f, 0x0806, "gratuitous ARP", t0, t1);
}

/* Its IPv6 counterpart: an unsolicited neighbour advertisement (RFC 4861 7.2.6) to all
 * nodes, Override set, with the VM's link-layer address. */
static int send_una(const lab *l, int vm, int64_t *t0, int64_t *t1)
{
	unsigned char mac[6], f[14 + 40 + 32];
	struct in_addr v4;
	struct in6_addr src, dst;
	vm_ident(vm, mac, &v4, &src);
	inet_pton(AF_INET6, "ff02::1", &dst);
	memset(f, 0, sizeof f);
	memcpy(f, (const unsigned char[]){0x33, 0x33, 0, 0, 0, 1}, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x86, f[13] = 0xdd;
	unsigned char *ip = f + 14, *na = ip + 40;
	ip[0] = 0x60;
	ip[5] = 32;  /* payload length */
	ip[6] = 58;  /* ICMPv6 */
	ip[7] = 255; /* hop limit: neighbour discovery insists */
	memcpy(ip + 8, &src, 16);
	memcpy(ip + 24, &dst, 16);
	na[0] = 136;  /* neighbour advertisement */
	na[4] = 0x20; /* Override */
	memcpy(na + 8, &src, 16);
	na[24] = 2; /* target link-layer address option, 8 octets */
	na[25] = 1;
	memcpy(na + 26, mac, 6);
	unsigned char pseudo[40] = {0};
	memcpy(pseudo, &src, 16);
	memcpy(pseudo + 16, &dst, 16);
	pseudo[35] = 32;
	pseudo[39] = 58;
	uint16_t c = bo_cksum_fold(bo_cksum_add(bo_cksum_add(0, pseudo, 40), na, 32));
	na[2] = (unsigned char)(c >> 8), na[3] = (unsigned char)c;
	return vm_send_frame(l, vm, f, sizeof f, 0x86dd, "unsolicited NA", t0, t1);
}

static const char *expected_verdict(const lab_scenario *sc, int blocked)
{
	if (!blocked || !sc->quarantine_ns) {
		return sc->pause_ns ? lab_pause_verdict(sc->pause_ns) : "no-blackout";
	}
	/* Established TCP blocked too is no Windows quarantine: the analyzer, seeing tcp-est
	 * stall as long, says so. */
	if (sc->scope & LAB_Q_TCP_ALL)
		return "full-outage";
	return lab_quarantine_verdict(sc->quarantine_ns);
}

typedef struct mig {
	const lab_scenario *sc;
	const char *target;
	int vm, k;
	bo_log *truth;
} mig;

static void log_step(const mig *m, const char *step, int64_t t0, int64_t t1)
{
	bo_log_put(m->truth,
	           json_pack("{s:s, s:s, s:I, s:I, s:s, s:i, s:i}", "type",
	                     bo_lab_name(BO_LAB_STEP), "step", step, "t0", (json_int_t)t0, "t1",
	                     (json_int_t)t1, "target", m->target, "vm", m->vm, "migration", m->k));
}

static void log_truth(const mig *m, const char *stream, int blocked, const int64_t start[2],
                      const int64_t end_pause[2], const int64_t end_q[2])
{
	const lab_scenario *sc = m->sc;
	const int64_t *end = blocked && sc->quarantine_ns ? end_q : end_pause;
	bo_log_put(m->truth,
	           json_pack("{s:s, s:s, s:[I,I], s:[I,I], s:I, s:s, s:s, s:s, s:i, s:i}", "type",
	                     bo_lab_name(BO_LAB_TRUTH), "stream", stream, "start",
	                     (json_int_t)start[0], (json_int_t)start[1], "end", (json_int_t)end[0],
	                     (json_int_t)end[1], "duration_ns",
	                     (json_int_t)((end[0] + end[1]) / 2 - (start[0] + start[1]) / 2),
	                     "verdict", expected_verdict(sc, blocked), "scenario", sc->name,
	                     "target", m->target, "vm", m->vm, "migration", m->k));
}

/* ---- Hyper-V's KVP host values as a simulated VM's responder reads them (--kvp) ---- */

void lab_kvp_path(const lab *l, int vm, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s-vm%d.kvp", LAB_STATE_DIR, l->name, vm);
}

/* The pool file as hv_kvp_daemon keeps it (bo_kvp.c), written whole and renamed into place:
 * the host the VM runs on and the VM's name. */
int lab_kvp_write(const lab *l, int vm, const char *host)
{
	uint8_t buf[3 * BO_KVP_RECORD];
	char vmname[16], path[256], tmp[264];
	snprintf(vmname, sizeof vmname, "vm%d", vm);
	size_t n = bo_kvp_record(buf, sizeof buf, "HostName", host);
	n += bo_kvp_record(buf + n, sizeof buf - n, "PhysicalHostNameFullyQualified", host);
	n += bo_kvp_record(buf + n, sizeof buf - n, "VirtualMachineName", vmname);
	lab_kvp_path(l, vm, path, sizeof path);
	snprintf(tmp, sizeof tmp, "%s.new", path);
	FILE *f = fopen(tmp, "wb");
	if (!f || fwrite(buf, 1, n, f) != n || fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "blackout-lab: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The host a migration takes the VM to: the other of the lab's two. */
static const char *kvp_destination(const lab *l, int vm)
{
	char path[256];
	bo_kvp k;
	lab_kvp_path(l, vm, path, sizeof path);
	bo_kvp_load(path, &k); /* unreadable: no host named, so A */
	return strcmp(k.host, LAB_KVP_HOST_A) ? LAB_KVP_HOST_A : LAB_KVP_HOST_B;
}

int lab_migrate(const lab *l, const lab_scenario *sc, int vm, int k, bo_log *truth)
{
	int64_t pause[2], event[2] = {0, 0}, qon[2] = {0, 0}, resume[2], garp[2], qoff[2] = {0, 0};
	char rules[2048], d[32], addr[16], addr6[40], mac[18], port[8], cmd[160];
	lab_vm_ident(vm, 0, addr, addr6, mac);
	snprintf(port, sizeof port, vm ? "v%d" : "v", vm);
	mig m = {sc, addr, vm, k, truth};
	const enum lab_role V = (enum lab_role)(LAB_VM + vm);

	fprintf(stderr, "lab: migrating vm%d %s (%s): pause %s\n", vm, addr, sc->name,
	        bo_dur_str(sc->pause_ns, d, sizeof d));
	/* The VM is running nowhere: nothing reaches its port on the switch, nothing leaves it. */
	snprintf(cmd, sizeof cmd,
	         "add rule bridge blackout pausing iifname \"%s\" drop\n"
	         "add rule bridge blackout pausing oifname \"%s\" drop\n",
	         port, port);
	if (lab_nft(l, LAB_SWITCH, cmd, &pause[0], &pause[1]))
		return -1;
	log_step(&m, "pause", pause[0], pause[1]);
	int64_t mono_pause = bo_clock_mono_ns();
	if (sleep_until(mono_pause + sc->pause_ns))
		return -1;

	int64_t mono_event = bo_clock_mono_ns();
	if (sc->event) {
		if (link_flap(l, vm, &event[0], &event[1]) || lab_vm_neighbours(l, vm))
			return -1;
		log_step(&m, "network-event", event[0], event[1]);
	}
	/* Quarantine goes on before the path reopens, so no probe slips through between. */
	if (sc->quarantine_ns) {
		/* A quarantine is the guest firewall's: its drops logged for the responder. A
		 * full outage (tcp-all) imitates a dark network or VM: nothing logged. */
		lab_rules_quarantine(sc->scope, sc->scope & LAB_Q_TCP_ALL ? 0 : LAB_LOG_GROUP,
		                     rules, sizeof rules);
		if (lab_nft(l, V, rules, &qon[0], &qon[1]))
			return -1;
		log_step(&m, "quarantine-on", qon[0], qon[1]);
	}
	if (lab_nft(l, LAB_SWITCH, "flush chain bridge blackout pausing\n", &resume[0], &resume[1]))
		return -1;
	log_step(&m, "resume", resume[0], resume[1]);
	/* Running on the destination: Hyper-V rewrites the host values there. */
	int64_t kvp[2];
	const char *host = kvp_destination(l, vm);
	kvp[0] = bo_clock_real_ns();
	if (lab_kvp_write(l, vm, host))
		return -1;
	kvp[1] = bo_clock_real_ns();
	log_step(&m, "kvp-host", kvp[0], kvp[1]);
	if (send_garp(l, vm, &garp[0], &garp[1]))
		return -1;
	log_step(&m, "gratuitous-arp", garp[0], garp[1]);
	if (send_una(l, vm, &garp[0], &garp[1]))
		return -1;
	log_step(&m, "unsolicited-na", garp[0], garp[1]);
	fprintf(stderr, "lab: resumed%s\n", sc->event ? ", network event in the guest" : "");

	if (sc->quarantine_ns) {
		fprintf(stderr, "lab: quarantine %s\n", bo_dur_str(sc->quarantine_ns, d, sizeof d));
		if (sleep_until(mono_event + sc->quarantine_ns))
			return -1;
		if (lab_nft(l, V, lab_rules_lift, &qoff[0], &qoff[1]))
			return -1;
		log_step(&m, "quarantine-off", qoff[0], qoff[1]);
	}
	fprintf(stderr, "lab: recovered\n");

	for (int i = 0; i < bo_nstreams; i++)
		log_truth(&m, bo_streams[i]->name, (sc->scope & lab_blocked_by(bo_streams[i])) != 0,
		          pause, resume, qoff);
	return 0;
}
