/* SPDX-License-Identifier: Apache-2.0 */
/* blackout-lab's real-hypervisor backend: QEMU guests on taps on the lab's bridge, migrated
 * live between QEMU processes over QMP.
 *
 *   probe ns            switch ns
 *   eth0 192.0.2.1 ──── p ─[ br0 ]─ g0i0 (tap) ── QEMU (source)       guest g0 192.0.2.2
 *                                 └ g0i1 (tap) ── QEMU (-incoming)    52:54:00:00:00:02
 *
 * Each migration starts a destination QEMU on a new tap, migrates, and quits the source, as
 * two hosts on one switch would. The ground truth is QEMU's: the STOP and RESUME events and
 * query-migrate's figures, and the agent's timestamps inside the guest mapped to the host
 * clock by request-reply pairs over a virtio-serial port.
 */
#ifndef LAB_QEMU_H
#define LAB_QEMU_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

#include "bo_log.h"
#include "lab.h"

#define LAB_MAX_GUESTS 8
#define LAB_MAX_SYNCS 1024 /* clock pairs kept per guest and migration: 100 s */

typedef struct lab_qmp {
	int fd;
	size_t len;
	json_t *events; /* kept until taken */
	char error[160];
	char buf[65536];
} lab_qmp;

int lab_qmp_open(lab_qmp *q, const char *path, int64_t deadline);
void lab_qmp_close(lab_qmp *q);
json_t *lab_qmp_read(lab_qmp *q, int64_t deadline);
/* Runs a command (args stolen); its "return" in *ret. 0, -ETIMEDOUT, -EPROTO (q->error). */
int lab_qmp_cmd(lab_qmp *q, const char *execute, json_t *args, json_t **ret, int64_t deadline);
json_t *lab_qmp_event(lab_qmp *q, const char *name, const char *key, const char *value,
                      int64_t since, int64_t deadline);
int64_t lab_qmp_time(const json_t *event); /* the event's timestamp, ns, or 0 */

/* A guest-clock reading taken between two host readings. */
typedef struct lab_sync {
	int64_t sent, recv, guest;
} lab_sync;

typedef struct lab_guest {
	int index;
	const lab_scenario *sc; /* what it booted for: its agent's hold and scope */
	char name[8];           /* "g0" */
	char addr[16], addr6[40], mac[18];
	int gen;        /* QEMU instances started; the current one is gen - 1 */
	pid_t pid;      /* the current QEMU */
	int64_t booted; /* monotonic: when it came up */
	lab_qmp qmp;
	int agent; /* the current agent socket, or -1 */
	char abuf[4096];
	size_t alen;
	uint64_t sync_id;
	int64_t sync_sent; /* 0: none outstanding */
	int64_t sync_last; /* when the last was sent: one every 100 ms */
	int nsync;
	lab_sync syncs[LAB_MAX_SYNCS];
	/* agent events of the current migration, guest clock (t0, t1) */
	int64_t carrier_up[2], q_on[2], q_off[2];
	bo_log agent_log; /* every agent line with its host arrival time */
} lab_guest;

typedef struct lab_hv {
	const lab *l;
	const char *run;
	char sock[96]; /* Unix sockets (short paths): /run/blackout-lab/qemu-NAME */
	char kernel[4200], initrd[4200];
	char accel[8]; /* "kvm" or "tcg" */
	char qemu_version[32];
	char probe_mac[18];
	int64_t downtime_limit_ms; /* 0: QEMU's default */
	int nguests;
	int nmig; /* migrations done */
	lab_guest g[LAB_MAX_GUESTS];
	bo_log host; /* RUN/host.jsonl: the hypervisor's account */
} lab_hv;

/* Builds the guest image, boots nguests guests (guest i's agent armed as boot[i] says: its
 * quarantine hold and scope) and waits for their responders. */
int lab_hv_start(lab_hv *h, const lab *l, const lab_scenario *const *boot, const char *run,
                 int nguests, const char *accel, int64_t downtime_limit_ms, const char *responder);
/* One live migration of guest i as sc says (its indication, pre- or post-copy; its hold must
 * be the guest's boot scenario's); truth into truth. 0, -1, or LAB_GUEST_FAILED when the
 * guest crashed or hung on the destination (QEMU under TCG here). */
#define LAB_GUEST_FAILED (-75)
int lab_hv_migrate(lab_hv *h, int i, const lab_scenario *sc, bo_log *truth);
/* Keeps the agents' lines and clock pairs flowing until a monotonic deadline. */
int lab_hv_pump(lab_hv *h, int64_t deadline);
void lab_hv_stop(lab_hv *h);

#endif
