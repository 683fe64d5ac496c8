/* SPDX-License-Identifier: Apache-2.0 */
/* nftables changes through libnftables, one transaction each, timed with CLOCK_REALTIME.
 *
 * Forking `nft` per change costs milliseconds of jitter; a libnftables call inside the target
 * namespace brackets the commit to well under a millisecond, which is the lab's ground truth.
 */
#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>

#include "bo_time.h"
#include "lab.h"

static struct nft_ctx *ctx[LAB_NROLES];

int lab_nft(const lab *l, enum lab_role r, const char *cmds, int64_t *t0, int64_t *t1)
{
	int saved;
	if (lab_enter(l, r, &saved) != 0) {
		fprintf(stderr, "blackout-lab: cannot enter namespace %s\n", l->ns[r]);
		return -1;
	}
	if (!ctx[r]) {
		ctx[r] = nft_ctx_new(NFT_CTX_DEFAULT);
		if (!ctx[r]) {
			lab_leave(saved);
			fprintf(stderr, "blackout-lab: libnftables failed to start\n");
			return -1;
		}
		nft_ctx_buffer_error(ctx[r]);
		nft_ctx_buffer_output(ctx[r]);
	}
	/* A listing first fills libnftables' cache, so the timed call below does little more than
	 * parse and commit: that narrows the bracket. */
	nft_run_cmd_from_buffer(ctx[r], r == LAB_SWITCH ? "list table bridge blackout"
	                                                : "list table inet blackout");
	int64_t a = bo_clock_real_ns();
	int rc = nft_run_cmd_from_buffer(ctx[r], cmds);
	int64_t b = bo_clock_real_ns();
	lab_leave(saved);
	if (t0)
		*t0 = a;
	if (t1)
		*t1 = b;
	if (rc != 0) {
		fprintf(stderr, "blackout-lab: nft in %s failed: %s\n  for: %s\n", l->ns[r],
		        nft_ctx_get_error_buffer(ctx[r]), cmds);
		return -1;
	}
	return 0;
}

void lab_nft_free(void)
{
	for (int i = 0; i < LAB_NROLES; i++) {
		if (ctx[i])
			nft_ctx_free(ctx[i]);
		ctx[i] = NULL;
	}
}
