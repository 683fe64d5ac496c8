/* SPDX-License-Identifier: Apache-2.0 */
/* Least privilege on Linux, once a program has opened what needed privilege: every capability
 * but the ones asked for dropped (effective, permitted, inheritable, bounding set, ambient),
 * optionally a switch to another user, no new privileges (PR_SET_NO_NEW_PRIVS), and a seccomp
 * filter that refuses the system calls a measurement program never makes (loading modules,
 * mounting, tracing, namespaces, and running programs unless asked). Raw system calls: no
 * library beyond the kernel's headers. Capabilities are a thread's: call it before starting
 * threads (the ones started later inherit what is left). */
#include <errno.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bo_priv.h"

#if defined(__SANITIZE_ADDRESS__)
#define BO_UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BO_UNDER_SANITIZER 1
#endif
#endif

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#endif

static int set_caps(uint64_t keep)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	for (int i = 0; i < 2; i++)
		d[i].effective = d[i].permitted = (uint32_t)(keep >> (32 * i));
	return (int)syscall(SYS_capset, &h, d);
}

/* A denylist: an allowlist of what libuv, libpcap and libc call would break with every
 * release of one of them; these are what an attacker who took over the process would want. */
static int seccomp_deny(int allow_exec)
{
#ifdef ARCH
	static const int deny[] = {
#if defined(__NR_ptrace) && !defined(BO_UNDER_SANITIZER)
		__NR_ptrace, /* LeakSanitizer stops the world with ptrace: a sanitizer build allows
		                it */
#endif
		__NR_process_vm_writev,
		__NR_process_vm_readv,
		__NR_mount,
		__NR_umount2,
		__NR_pivot_root,
		__NR_chroot,
		__NR_init_module,
		__NR_finit_module,
		__NR_delete_module,
		__NR_kexec_load,
		__NR_reboot,
		__NR_swapon,
		__NR_swapoff,
		__NR_unshare,
		__NR_setns,
		__NR_add_key,
		__NR_request_key,
		__NR_keyctl,
		__NR_personality,
		__NR_setuid,
		__NR_setgid,
		__NR_setreuid,
		__NR_setregid,
		__NR_setresuid,
		__NR_setresgid,
		__NR_setgroups,
		__NR_capset,
		__NR_bpf,
		__NR_userfaultfd,
		__NR_perf_event_open,
		__NR_open_by_handle_at,
	};
	struct sock_filter f[8 + 2 * (sizeof deny / sizeof deny[0])];
	size_t n = 0;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	                                      offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW); /* other ABI */
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	                                      offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < sizeof deny / sizeof deny[0]; i++) {
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)deny[i],
		                                      0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(
		        BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
	}
	if (!allow_exec) {
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_execve, 1, 0);
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_execveat, 0,
		                                      1);
		f[n++] = (struct sock_filter)BPF_STMT(
		        BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = {(unsigned short)n, f};
	/* Every thread of the process, where the kernel can (3.17+); else the calling one. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) == 0)
		return 0;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
#else
	(void)allow_exec;
	errno = ENOSYS;
	return -1;
#endif
}

int bo_priv_drop(const bo_priv_req *q, char *msg, size_t len)
{
	size_t at = 0;
	msg[0] = 0;
	int privileged = geteuid() == 0;
	/* The bounding set first (it needs CAP_SETPCAP): no later exec can regain anything. */
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		if (!(q->keep & (UINT64_C(1) << c)))
			prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (q->user && privileged) {
		struct passwd *pw = getpwnam(q->user);
		if (!pw) {
			snprintf(msg, len, "no user %s", q->user);
			return -1;
		}
		prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
		if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
			snprintf(msg, len, "cannot become %s: %s", q->user, strerror(errno));
			return -1;
		}
		prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
		at += (size_t)snprintf(msg + at, len - at, "user %s, ", q->user);
	}
	if (set_caps(q->keep) != 0 && privileged) {
		snprintf(msg, len, "cannot drop capabilities: %s", strerror(errno));
		return -1;
	}
	at += (size_t)snprintf(msg + at, len - at, "capabilities %s, ",
	                       q->keep ? q->keep_names : "none");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(msg, len, "no_new_privs refused: %s", strerror(errno));
		return -1;
	}
	if (seccomp_deny(q->allow_exec) == 0)
		snprintf(msg + at, len - at, "no new privileges, seccomp filter");
	else
		snprintf(msg + at, len - at, "no new privileges, no seccomp filter (%s)",
		         strerror(errno));
	return 0;
}

int bo_priv_thread_caps(uint64_t keep)
{
	return set_caps(keep);
}

uint64_t bo_priv_cap_net_raw(void)
{
	return UINT64_C(1) << CAP_NET_RAW;
}
