/* SPDX-License-Identifier: Apache-2.0 */
/* Building and tearing down the lab's namespaces, veth links and bridge.
 *
 * A state file under /run/blackout-lab/ names what one lab created; teardown removes only the
 * namespaces listed there, so the lab never touches what it did not make.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bo_tag.h"
#include "lab.h"

static const char *role_names[LAB_NROLES] = {"probe", "sw",  "vm",  "vm1", "vm2",
                                             "vm3",   "vm4", "vm5", "vm6", "vm7"};

const char *lab_role_name(enum lab_role r)
{
	return role_names[r];
}

int lab_role_parse(const char *s, enum lab_role *r)
{
	for (int i = 0; i < LAB_NROLES; i++)
		if (strcmp(s, role_names[i]) == 0 ||
		    (i == LAB_SWITCH && strcmp(s, "switch") == 0) ||
		    (i == LAB_VM && strcmp(s, "vm0") == 0)) {
			*r = (enum lab_role)i;
			return 0;
		}
	return -1;
}

void lab_vm_ident(int i, int qemu, char addr[16], char addr6[40], char mac[18])
{
	snprintf(addr, 16, "192.0.2.%d", 2 + i);
	snprintf(addr6, 40, "2001:db8::%d", 2 + i);
	snprintf(mac, 18, "%s:00:00:%02x", qemu ? "52:54:00" : "00:15:5d", 2 + i);
}

/* The roles a lab has: the probe, the switch and its VMs. */
static int used(const lab *l, int role)
{
	return role < LAB_VM || role - LAB_VM < l->nvms;
}

static void state_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", LAB_STATE_DIR, name);
}

int lab_is_ours(const char *name)
{
	char path[128];
	state_path(name, path, sizeof path);
	return strncmp(name, "bo", 2) == 0 && strlen(name) < 24 && access(path, R_OK) == 0;
}

static void set_names(lab *l, const char *name)
{
	snprintf(l->name, sizeof l->name, "%s", name);
	for (int i = 0; i < LAB_NROLES; i++)
		snprintf(l->ns[i], sizeof l->ns[i], "%s-%s", name, role_names[i]);
}

static int ns_exists(const char *ns)
{
	char path[96];
	snprintf(path, sizeof path, "/run/netns/%s", ns);
	return access(path, F_OK) == 0;
}

/* Runs `ip ARGS...`; on failure says what failed. */
#define IP(...) ip_run((char *[]){"ip", __VA_ARGS__, NULL})
static int ip_run(char *argv[])
{
	int rc = lab_system(argv);
	if (rc != 0) {
		fprintf(stderr, "blackout-lab: failed (%d):", rc);
		for (int i = 0; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		fprintf(stderr, "\n");
	}
	return rc;
}

int lab_create(lab *l, const char *name, int owner, int nvms)
{
	memset(l, 0, sizeof *l);
	char gen[16];
	if (!name) {
		bo_key k;
		uint32_t id;
		bo_key_random(&k, &id);
		snprintf(gen, sizeof gen, "bo%06x", id & 0xffffff);
		name = gen;
	}
	if (strncmp(name, "bo", 2) != 0 || strlen(name) > 16 || strchr(name, '/')) {
		fprintf(stderr, "blackout-lab: a lab name starts with \"bo\" and has at most 16 "
		                "characters\n");
		return -1;
	}
	set_names(l, name);
	l->nvms = nvms;
	for (int i = 0; i < LAB_NROLES; i++)
		if (used(l, i) && ns_exists(l->ns[i])) {
			/* Advise `down` only where it will work: for a lab this tool made. */
			if (lab_is_ours(name))
				fprintf(stderr,
				        "blackout-lab: namespace %s exists already: lab %s is up; "
				        "choose another --name or remove it with `blackout-lab "
				        "down "
				        "%s`\n",
				        l->ns[i], name, name);
			else
				fprintf(stderr,
				        "blackout-lab: namespace %s exists already and "
				        "blackout-lab "
				        "did not make it; choose another --name (or, if it is "
				        "yours "
				        "to remove, `ip netns delete %s`)\n",
				        l->ns[i], l->ns[i]);
			return -1;
		}
	mkdir(LAB_STATE_DIR, 0755);
	char path[128];
	state_path(name, path, sizeof path);
	FILE *f = fopen(path, "wx");
	if (!f) {
		fprintf(stderr, "blackout-lab: cannot create %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < LAB_NROLES; i++)
		if (used(l, i))
			fprintf(f, "%s\n", l->ns[i]);
	if (owner)
		fprintf(f, "pid %d\n", owner);
	fclose(f);
	l->created = 1;

	const char *P = l->ns[LAB_PROBE], *S = l->ns[LAB_SWITCH];
	int rc = 0;
	for (int i = 0; i < LAB_NROLES && !rc; i++)
		if (used(l, i))
			rc = IP("netns", "add", l->ns[i]);
	/* veth ends are created inside their namespaces, so names never collide between labs. */
	rc = rc ? rc
	        : IP("-n", (char *)P, "link", "add", "eth0", "type", "veth", "peer", "name", "p",
	             "netns", (char *)S);
	rc = rc ? rc : IP("-n", (char *)S, "link", "add", "br0", "type", "bridge");
	rc = rc ? rc : IP("-n", (char *)S, "link", "set", "p", "master", "br0", "up");
	rc = rc ? rc : IP("-n", (char *)S, "link", "set", "br0", "up");
	rc = rc ? rc : IP("-n", (char *)P, "addr", "add", LAB_PROBE_ADDR "/24", "dev", "eth0");
	rc = rc ? rc
	        : IP("-n", (char *)P, "addr", "add", LAB_PROBE_ADDR6 "/64", "dev", "eth0", "nodad");
	for (int i = 0; i < LAB_NROLES && !rc; i++)
		if (used(l, i))
			rc = IP("-n", l->ns[i], "link", "set", "lo", "up");
	rc = rc ? rc : IP("-n", (char *)P, "link", "set", "eth0", "up");
	rc = rc ? rc : lab_prepare(l);
	/* The simulated VMs: each a namespace on the bridge (QEMU guests bring taps instead). */
	for (int v = 0; v < l->nvms && !rc; v++) {
		char *V = l->ns[LAB_VM + v], port[8], addr[16], addr6[40], mac[18], a4[24], a6[48];
		lab_vm_ident(v, 0, addr, addr6, mac);
		snprintf(port, sizeof port, v ? "v%d" : "v", v);
		snprintf(a4, sizeof a4, "%s/24", addr);
		snprintf(a6, sizeof a6, "%s/64", addr6);
		rc = IP("-n", V, "link", "add", "eth0", "address", mac, "type", "veth", "peer",
		        "name", port, "netns", (char *)S);
		rc = rc ? rc : IP("-n", (char *)S, "link", "set", port, "master", "br0", "up");
		if (!rc) /* addresses kept across the simulated link flap */
			rc = lab_write_proc(l, LAB_VM + v,
			                    "/proc/sys/net/ipv6/conf/default/keep_addr_on_down",
			                    "1");
		rc = rc ? rc : IP("-n", V, "link", "set", "eth0", "down");
		if (!rc)
			rc = lab_write_proc(l, LAB_VM + v,
			                    "/proc/sys/net/ipv6/conf/eth0/keep_addr_on_down", "1");
		rc = rc ? rc : IP("-n", V, "addr", "add", a4, "dev", "eth0");
		rc = rc ? rc : IP("-n", V, "addr", "add", a6, "dev", "eth0", "nodad");
		rc = rc ? rc : IP("-n", V, "link", "set", "eth0", "up");
	}
	if (rc) {
		lab_destroy(l);
		return -1;
	}
	return 0;
}

int lab_probe_mac(const lab *l, char mac[18])
{
	int saved;
	if (lab_enter(l, LAB_PROBE, &saved) != 0)
		return -1;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "eth0");
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = fd >= 0 && ioctl(fd, SIOCGIFHWADDR, &ifr) == 0 ? 0 : -1;
	if (fd >= 0)
		close(fd);
	lab_leave(saved);
	if (rc != 0)
		return -1;
	const unsigned char *m = (const unsigned char *)ifr.ifr_hwaddr.sa_data;
	snprintf(mac, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return 0;
}

int lab_vm_neighbours(const lab *l, int v)
{
	char mac[18];
	if (lab_probe_mac(l, mac) != 0)
		return -1;
	char *vm = (char *)l->ns[LAB_VM + v];
	int rc;
	rc = IP("-n", vm, "neigh", "replace", LAB_PROBE_ADDR, "lladdr", mac, "nud", "permanent",
	        "dev", "eth0");
	return rc ? rc
	          : IP("-n", vm, "neigh", "replace", LAB_PROBE_ADDR6, "lladdr", mac, "nud",
	               "permanent", "dev", "eth0");
}

int lab_report_stale(void)
{
	DIR *d = opendir(LAB_STATE_DIR);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!lab_is_ours(e->d_name))
			continue;
		char path[128], line[96];
		state_path(e->d_name, path, sizeof path);
		FILE *f = fopen(path, "r");
		int pid = 0;
		while (f && fgets(line, sizeof line, f))
			if (sscanf(line, "pid %d", &pid) == 1)
				break;
		if (f)
			fclose(f);
		if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH) {
			fprintf(stderr,
			        "blackout-lab: lab %s was left by a run that ended without "
			        "removing "
			        "it (pid %d is gone); remove it with `blackout-lab down %s`\n",
			        e->d_name, pid, e->d_name);
			n++;
		}
	}
	closedir(d);
	return n;
}

int lab_attach(lab *l, const char *name)
{
	memset(l, 0, sizeof *l);
	if (!lab_is_ours(name)) {
		fprintf(stderr, "blackout-lab: no lab named %s was made here (see %s/)\n", name,
		        LAB_STATE_DIR);
		return -1;
	}
	set_names(l, name);
	/* its VMs: the namespaces its state file lists */
	char path[128], line[96];
	state_path(name, path, sizeof path);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof line, f))
		for (int v = 0; v < LAB_MAX_VMS; v++)
			if (!strncmp(line, l->ns[LAB_VM + v], strlen(l->ns[LAB_VM + v])) &&
			    line[strlen(l->ns[LAB_VM + v])] == '\n' && v + 1 > l->nvms)
				l->nvms = v + 1;
	if (f)
		fclose(f);
	l->created = 1;
	return 0;
}

/* Processes still inside one of the lab's namespaces (a responder started with `exec` and
 * left running): SIGTERM, then SIGKILL after a second. Found by the namespace's inode. */
static int end_processes(const lab *l, int sig)
{
	ino_t ino[LAB_NROLES];
	int n = 0, found = 0;
	for (int i = 0; i < LAB_NROLES; i++) {
		char path[96];
		struct stat st;
		snprintf(path, sizeof path, "/run/netns/%s", l->ns[i]);
		if (stat(path, &st) == 0)
			ino[n++] = st.st_ino;
	}
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));) {
		char *end, path[300];
		long pid = strtol(e->d_name, &end, 10);
		struct stat st;
		if (*end || pid <= 1 || pid == getpid())
			continue;
		snprintf(path, sizeof path, "/proc/%ld/ns/net", pid);
		if (stat(path, &st) != 0)
			continue;
		for (int i = 0; i < n; i++)
			if (st.st_ino == ino[i]) {
				kill((pid_t)pid, sig);
				found++;
			}
	}
	closedir(d);
	return found;
}

void lab_destroy(lab *l)
{
	if (!l->created)
		return;
	lab_nft_free();
	if (end_processes(l, SIGTERM)) {
		for (int i = 0; i < 20 && end_processes(l, 0); i++)
			usleep(50000);
		end_processes(l, SIGKILL);
	}
	for (int i = 0; i < LAB_NROLES; i++)
		if (ns_exists(l->ns[i])) /* deleting a namespace removes its links, rules, bridge */
			IP("netns", "del", l->ns[i]);
	/* QEMU guests' sockets, if the lab had any */
	char path[128];
	lab_qemu_dir(l, path, sizeof path);
	DIR *d = opendir(path);
	for (struct dirent *e; d && (e = readdir(d));)
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	if (d) {
		closedir(d);
		rmdir(path);
	}
	for (int v = 0; v < LAB_MAX_VMS; v++) { /* the simulated VMs' KVP pool files */
		char kvp[256];
		lab_kvp_path(l, v, kvp, sizeof kvp);
		unlink(kvp);
	}
	state_path(l->name, path, sizeof path);
	unlink(path);
	l->created = 0;
}

void lab_qemu_dir(const lab *l, char *buf, size_t len)
{
	snprintf(buf, len, "%s/qemu-%s", LAB_STATE_DIR, l->name);
}
