/* SPDX-License-Identifier: Apache-2.0 */
/* Least privilege once a program has opened what needed privilege (bo_priv-linux.c; elsewhere
 * bo_priv-null.c, which says it cannot). */
#ifndef BO_PRIV_H
#define BO_PRIV_H

#include <stddef.h>
#include <stdint.h>

typedef struct bo_priv_req {
	uint64_t keep;          /* capabilities to keep, as bits (bo_priv_cap_net_raw) */
	const char *keep_names; /* for the message: "cap_net_raw" */
	const char *user;       /* switch to this user when root; NULL: stay */
	int allow_exec;         /* the program runs commands (the probe's --exec) */
} bo_priv_req;

/* Drops what q does not keep, sets no_new_privs and a seccomp filter. 0 with what was done in
 * msg, or -1 with why not (the caller says it and goes on, or stops, as it documents). */
int bo_priv_drop(const bo_priv_req *q, char *msg, size_t len);
uint64_t bo_priv_cap_net_raw(void);
/* The calling thread's capabilities down to keep (a thread started before bo_priv_drop). */
int bo_priv_thread_caps(uint64_t keep);

#endif
