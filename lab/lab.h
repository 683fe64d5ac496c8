/* SPDX-License-Identifier: Apache-2.0 */
/* blackout-lab: a migration testbed in network namespaces.
 *
 *   probe ns            switch ns                 vm ns
 *   eth0 192.0.2.1 ──── p ─[ br0 ]─ v ──── eth0 192.0.2.2 (00:15:5d:00:00:02)
 *                        nft bridge: pause          nft inet: quarantine
 */
#ifndef LAB_H
#define LAB_H

#include <stddef.h>
#include <stdint.h>

#include "bo_log.h"

#define LAB_PROBE_ADDR "192.0.2.1"
#define LAB_VM_ADDR "192.0.2.2"
#define LAB_PROBE_ADDR6 "2001:db8::1"
#define LAB_VM_ADDR6 "2001:db8::2"

#define LAB_STATE_DIR "/run/blackout-lab"

#define LAB_MAX_VMS 8
/* VM i of the simulated lab is role LAB_VM + i (namespace "<name>-vm", "<name>-vm1", ...). */
enum lab_role { LAB_PROBE, LAB_SWITCH, LAB_VM, LAB_NROLES = LAB_VM + LAB_MAX_VMS };

typedef struct lab {
	char name[32];           /* "bo" + 6 hex digits */
	char ns[LAB_NROLES][48]; /* namespace names, each "<name>-<role>" */
	int nvms;                /* simulated VMs (0 with QEMU guests, which bring taps) */
	int created;             /* namespaces we made, so teardown removes only those */
} lab;

/* VM (or QEMU guest) i's address, IPv6 address and MAC: 192.0.2.(2+i), 2001:db8::(2+i),
 * 00:15:5d:00:00:(02+i) simulated (Hyper-V's prefix), 52:54:00:00:00:(02+i) under QEMU. */
void lab_vm_ident(int i, int qemu, char addr[16], char addr6[40], char mac[18]);

/* What the quarantine blocks, as bits. */
enum {
	LAB_Q_ICMP = 1,    /* inbound ICMP/ICMPv6 echo requests */
	LAB_Q_UDP = 2,     /* all inbound UDP */
	LAB_Q_TCP_NEW = 4, /* inbound TCP that opens a connection */
	LAB_Q_TCP_ALL = 8, /* all inbound TCP, established too */
};

typedef struct lab_scenario {
	const char *name;
	const char *what;
	int64_t pause_ns;
	int64_t quarantine_ns; /* 0: no quarantine */
	int event;             /* a network event in the guest at resume */
	int scope;             /* LAB_Q_* */
	int qemu;              /* a real migration of QEMU guests (qemu.h), not the simulation */
	int postcopy;          /* QEMU: switch to post-copy after the first pass */
} lab_scenario;

/* topo.c */
const char *lab_role_name(enum lab_role r);
int lab_role_parse(const char *s, enum lab_role *r);
/* owner: the pid whose end makes the lab stale (`run`), or 0 for one that stays (`up`). */
/* nvms simulated VMs, each a namespace on the bridge (0 for QEMU guests, which bring taps). */
int lab_create(lab *l, const char *name, int owner, int nvms);
/* Labs of ours whose `run` was killed before it could remove them: each said, with the
 * command that removes it; their number. */
int lab_report_stale(void);
int lab_attach(lab *l, const char *name); /* an existing lab made by `up` */
void lab_destroy(lab *l);                 /* also removes the QEMU guests' socket directory */
/* Where the lab's QEMU guests keep their Unix sockets (short paths): /run/blackout-lab/qemu-NAME */
void lab_qemu_dir(const lab *l, char *buf, size_t len);
/* The VM's neighbour entries for the probe (IPv4 and IPv6), fixed: a link event flushes them,
 * and an ARP the VM sends during the pause is dropped, leaving it to retry a second later
 * after the resume, which the lab's ground truth does not model. */
int lab_vm_neighbours(const lab *l, int vm);
/* The probe's eth0 MAC, "aa:bb:cc:dd:ee:ff". 0 or -1. */
int lab_probe_mac(const lab *l, char mac[18]);
int lab_is_ours(const char *name);

/* nsexec.c */
int lab_enter(const lab *l, enum lab_role r, int *saved); /* returns 0; *saved restores */
void lab_leave(int saved);
int lab_spawn(const lab *l, enum lab_role r, char *const argv[]); /* pid or -1 */
/* The same with standard output and error appended to log. */
int lab_spawn_to(const lab *l, enum lab_role r, char *const argv[], const char *log);
int lab_system(char *const argv[]); /* exit status or -1 */
/* A program of ours: beside blackout-lab (an installation) or in the build tree's DIR. */
int lab_find_program(const char *name, const char *dir, char *out, size_t len);
int lab_write_proc(const lab *l, enum lab_role r, const char *path, const char *value);

/* nft.c: one libnftables transaction, bracketed by CLOCK_REALTIME reads. */
int lab_nft(const lab *l, enum lab_role r, const char *cmds, int64_t *t0, int64_t *t1);
void lab_nft_free(void);

/* rules.c: the quarantine's nftables text (the simulated VM and the QEMU guest's agent). */
extern const char lab_rules_vm_base[]; /* table, chains, conntrack from the start */
extern const char lab_rules_lift[];    /* quarantine lifted */
/* The quarantine's rules for scope; with log_group each drop is also logged there (NFLOG, the
 * prefix LAB_LOG_PREFIX), where the VM's responder reads them (--fw-log). */
#define LAB_LOG_GROUP 7
#define LAB_LOG_PREFIX "blackout-lab-quarantine"
void lab_rules_quarantine(int scope, int log_group, char *buf, size_t len);
int lab_scope_parse(const char *s, int *scope);
char *lab_scope_str(int scope, char *buf, size_t len); /* "icmp,udp,tcp-new" */
/* The quarantine scopes that block a stream type, from its transport and flags: echo requests,
 * UDP, a new TCP connection (blocked by either TCP scope), an established one (only by all). */
struct bo_stream_desc;
int lab_blocked_by(const struct bo_stream_desc *d);
/* The verdict the analyzer should give, with its default figures: for a pause alone, and for
 * a quarantine's dark time after the resume. */
const char *lab_pause_verdict(int64_t pause);
const char *lab_quarantine_verdict(int64_t quarantine);

/* migrate.c */
const lab_scenario *lab_scenario_find(const char *name);
void lab_scenarios_print(void);
int lab_prepare(const lab *l);
/* One simulated migration of VM vm, the run's migration number k; truth into truth. */
int lab_migrate(const lab *l, const lab_scenario *sc, int vm, int k, bo_log *truth);
/* Each simulated VM's Hyper-V KVP pool file (its responder's --kvp): the lab's two hosts'
 * names, A at the start, the other after each migration. */
#define LAB_KVP_HOST_A "lab-host-a"
#define LAB_KVP_HOST_B "lab-host-b"
void lab_kvp_path(const lab *l, int vm, char *buf, size_t len);
int lab_kvp_write(const lab *l, int vm, const char *host);
extern volatile int lab_interrupted;

#endif
