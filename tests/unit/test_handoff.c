/* SPDX-License-Identifier: Apache-2.0 */
/* handoff.c: items pushed from another thread reach the loop in order; what overflows the ring
 * is counted, never lost silently; closing lets go of everything. */
#include <uv.h>

#include "check.h"
#include "responder.h"

#define N 20000
#define CAP 64

static rsp_handoff h;
static unsigned taken, dropped, last, out_of_order, closed_calls, refused;
static uv_thread_t pusher;

static void on_closed(void *data)
{
	(void)data;
	closed_calls++;
}

static void take(void *data, const void *item, unsigned d)
{
	(void)data;
	unsigned v;
	memcpy(&v, item, sizeof v);
	if (taken && v <= last)
		out_of_order++;
	last = v;
	taken++;
	dropped += d;
	if (v == N - 1) /* the last one: the pusher waits for room, so it always arrives */
		uv_stop(h.wake.loop);
}

static void push_all(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < N; i++) {
		if (i == N - 1) /* let the loop make room, so the last item is never dropped */
			for (;;) {
				uv_mutex_lock(&h.lock);
				unsigned n = h.count;
				uv_mutex_unlock(&h.lock);
				if (n < CAP)
					break;
				uv_sleep(1);
			}
		if (rsp_handoff_push(&h, &i) != 0)
			refused++; /* the pusher's own count of what did not fit */
	}
}

int main(void)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	CHECK_INT(rsp_handoff_init(&h, &loop, RSP_HANDOFF_MAX_ITEM + 1, CAP, take, NULL), -1);
	CHECK_INT(rsp_handoff_init(&h, &loop, sizeof(unsigned), CAP, take, NULL), 0);
	uv_thread_create(&pusher, push_all, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_thread_join(&pusher); /* no push after this: the handle may close (as after
	                          * CancelMibChangeNotify2 in netev-win.c) */
	rsp_handoff_close(&h, on_closed);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_INT(out_of_order, 0);
	CHECK_INT(taken + dropped, N);
	CHECK_INT(refused, dropped); /* each refusal said to the pusher is one counted */
	CHECK_INT(last, N - 1);
	CHECK_INT(closed_calls, 1);
	printf("handoff: %u taken, %u dropped (ring of %d)\n", taken, dropped, CAP);
	CHECK_INT(uv_loop_close(&loop), 0);
	return check_done("handoff");
}
