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
#include "bo_stream.h"
#include "bo_time.h"
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

int lab_prepare(const lab *l, int sim_vm)
{
	return lab_nft(l, LAB_SWITCH,
	               "add table bridge blackout\n"
	               "add chain bridge blackout pausing { type filter hook forward priority 0; "
	               "policy accept; }\n",
	               NULL, NULL) ||
	       (sim_vm && lab_nft(l, LAB_VM, lab_rules_vm_base, NULL, NULL));
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

static void log_step(bo_log *truth, const char *step, int64_t t0, int64_t t1)
{
	bo_log_put(truth, json_pack("{s:s, s:s, s:I, s:I}", "type", "step", "step", step, "t0",
	                            (json_int_t)t0, "t1", (json_int_t)t1));
}

/* The guest's "network event": its NIC goes down and up, as after a media reconnect. */
static int link_flap(const lab *l, int64_t *t0, int64_t *t1)
{
	int saved, rc = -1;
	if (lab_enter(l, LAB_VM, &saved) != 0)
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
		fprintf(stderr, "blackout-lab: link event in %s failed: %s\n", l->ns[LAB_VM],
		        strerror(errno));
	if (fd >= 0)
		close(fd);
	lab_leave(saved);
	return rc;
}

/* Sends one Ethernet frame from the VM's eth0; the time around the send in t0, t1. */
static int vm_send_frame(const lab *l, const unsigned char *f, size_t len, uint16_t proto,
                         const char *what, int64_t *t0, int64_t *t1)
{
	int saved, rc = -1;
	if (lab_enter(l, LAB_VM, &saved) != 0)
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

static void vm_mac(unsigned char mac[6])
{
	sscanf(LAB_VM_MAC, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3],
	       &mac[4], &mac[5]);
}

/* The "VM resumed" announcement: a gratuitous ARP request from the VM's MAC and address. */
static int send_garp(const lab *l, int64_t *t0, int64_t *t1)
{
	unsigned char mac[6], f[42];
	vm_mac(mac);
	struct in_addr ip;
	inet_pton(AF_INET, LAB_VM_ADDR, &ip);
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x08, f[13] = 0x06;                    /* ARP */
	f[14] = 0, f[15] = 1, f[16] = 0x08, f[17] = 0; /* Ethernet, IPv4 */
	f[18] = 6, f[19] = 4, f[20] = 0, f[21] = 1;    /* sizes, request */
	memcpy(f + 22, mac, 6);
	memcpy(f + 28, &ip, 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, &ip, 4); /* target = sender: gratuitous */
	return vm_send_frame(l, f, sizeof f, 0x0806, "gratuitous ARP", t0, t1);
}

/* Its IPv6 counterpart: an unsolicited neighbour advertisement (RFC 4861 7.2.6) to all
 * nodes, Override set, with the VM's link-layer address. */
static int send_una(const lab *l, int64_t *t0, int64_t *t1)
{
	unsigned char mac[6], f[14 + 40 + 32];
	vm_mac(mac);
	struct in6_addr src, dst;
	inet_pton(AF_INET6, LAB_VM_ADDR6, &src);
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
	return vm_send_frame(l, f, sizeof f, 0x86dd, "unsolicited NA", t0, t1);
}

static const char *expected_verdict(const lab_scenario *sc, int blocked)
{
	if (!blocked || !sc->quarantine_ns) {
		if (!sc->pause_ns)
			return "no-blackout";
		return sc->pause_ns <= BO_NS_PER_S ? "switchover-only" : "anomalous";
	}
	/* The same reference figures the analyzer uses by default: about 3 s and 7 s. */
	if (sc->quarantine_ns < 5 * BO_NS_PER_S)
		return "quarantine-normal";
	return sc->quarantine_ns <= 9 * BO_NS_PER_S ? "quarantine-safety-timeout" : "anomalous";
}

static void log_truth(bo_log *truth, const lab_scenario *sc, const char *stream, int blocked,
                      const int64_t start[2], const int64_t end_pause[2], const int64_t end_q[2])
{
	const int64_t *end = blocked && sc->quarantine_ns ? end_q : end_pause;
	bo_log_put(truth,
	           json_pack("{s:s, s:s, s:[I,I], s:[I,I], s:I, s:s}", "type", "truth", "stream",
	                     stream, "start", (json_int_t)start[0], (json_int_t)start[1], "end",
	                     (json_int_t)end[0], (json_int_t)end[1], "duration_ns",
	                     (json_int_t)((end[0] + end[1]) / 2 - (start[0] + start[1]) / 2),
	                     "verdict", expected_verdict(sc, blocked)));
}

int lab_migrate(const lab *l, const lab_scenario *sc, bo_log *truth)
{
	int64_t pause[2], event[2] = {0, 0}, qon[2] = {0, 0}, resume[2], garp[2], qoff[2] = {0, 0};
	char rules[512], d[32];

	fprintf(stderr, "lab: migrating (%s): pause %s\n", sc->name,
	        bo_dur_str(sc->pause_ns, d, sizeof d));
	if (lab_nft(l, LAB_SWITCH, "add rule bridge blackout pausing drop\n", &pause[0], &pause[1]))
		return -1;
	log_step(truth, "pause", pause[0], pause[1]);
	int64_t mono_pause = bo_clock_mono_ns();
	if (sleep_until(mono_pause + sc->pause_ns))
		return -1;

	int64_t mono_event = bo_clock_mono_ns();
	if (sc->event) {
		if (link_flap(l, &event[0], &event[1]) || lab_vm_neighbours(l))
			return -1;
		log_step(truth, "network-event", event[0], event[1]);
	}
	/* Quarantine goes on before the path reopens, so no probe slips through between. */
	if (sc->quarantine_ns) {
		lab_rules_quarantine(sc->scope, rules, sizeof rules);
		if (lab_nft(l, LAB_VM, rules, &qon[0], &qon[1]))
			return -1;
		log_step(truth, "quarantine-on", qon[0], qon[1]);
	}
	if (lab_nft(l, LAB_SWITCH, "flush chain bridge blackout pausing\n", &resume[0], &resume[1]))
		return -1;
	log_step(truth, "resume", resume[0], resume[1]);
	if (send_garp(l, &garp[0], &garp[1]))
		return -1;
	log_step(truth, "gratuitous-arp", garp[0], garp[1]);
	if (send_una(l, &garp[0], &garp[1]))
		return -1;
	log_step(truth, "unsolicited-na", garp[0], garp[1]);
	fprintf(stderr, "lab: resumed%s\n", sc->event ? ", network event in the guest" : "");

	if (sc->quarantine_ns) {
		fprintf(stderr, "lab: quarantine %s\n", bo_dur_str(sc->quarantine_ns, d, sizeof d));
		if (sleep_until(mono_event + sc->quarantine_ns))
			return -1;
		if (lab_nft(l, LAB_VM, lab_rules_lift, &qoff[0], &qoff[1]))
			return -1;
		log_step(truth, "quarantine-off", qoff[0], qoff[1]);
	}
	fprintf(stderr, "lab: recovered\n");

	for (int i = 0; i < bo_nstreams; i++)
		log_truth(truth, sc, bo_streams[i]->name,
		          (sc->scope & lab_blocked_by(bo_streams[i])) != 0, pause, resume, qoff);
	return 0;
}
