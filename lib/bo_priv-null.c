/* SPDX-License-Identifier: Apache-2.0 */
/* Least privilege where the platform has no capabilities or seccomp (Windows): nothing done,
 * and said. */
#include <stdio.h>

#include "bo_priv.h"

int bo_priv_drop(const bo_priv_req *q, char *msg, size_t len)
{
	(void)q;
	snprintf(msg, len, "not on this platform");
	return -1;
}

int bo_priv_thread_caps(uint64_t keep)
{
	(void)keep;
	return -1;
}

uint64_t bo_priv_cap_net_raw(void)
{
	return 0;
}
