/* SPDX-License-Identifier: Apache-2.0 */
/* The sender: one thread that sends every probe at an absolute deadline on the monotonic clock.
 *
 * libuv timers are millisecond-grained and fire early or late, so the pacer sleeps until an
 * absolute time (bo_clock_sleep_until: clock_nanosleep(TIMER_ABSTIME) on POSIX) until the earliest
 * deadline of all slots (a binary heap), sends, and schedules that slot's next deadline as t0 +
 * phase + k * interval: lateness never accumulates (wait_until below says how the kernel's wake-up
 * latency is hidden). A send that misses its deadline by more than half an interval is counted
 * late.
 *
 * While the capture shows a slot in an outage (the loop sets slot->fast), the slot is probed
 * every outage_interval instead, so the end of the outage is known to that spacing rather than
 * to a whole interval; the first reply puts it back on its regular grid. Those extra probes
 * draw on one budget for the run (fast_budget: a quarter of the streams' own rate, at least
 * FAST_FLOOR a second): a fleet whose targets all go dark at once, or a capture that drops
 * replies and so shows outages everywhere, would otherwise multiply the load by ten just when
 * the host can least carry it. A slot refused by the budget keeps its regular grid; the
 * refusals are counted (p->fast_denied).
 */
#include <errno.h>
#include <stdlib.h>

#include "bo_priv.h"
#include "bo_time.h"
#include "probe.h"

/* A slot's next deadline in the heap itself: sifting compares deadlines in one array instead of
 * reaching into 4000 slots of a kilobyte each (12 % of the batched sender's time at 80 000
 * probes/s went to those cache misses). */
typedef struct pacer_entry {
	int64_t at; /* = slot->next_deadline */
	probe_slot *slot;
} pacer_entry;

struct probe_pacer {
	probe *run;
	pacer_entry *heap; /* a binary heap on the deadlines, kept beside their slots */
	int n;
	int64_t t0;
	atomic_int stop;
	uv_thread_t thread;
	int64_t wake_q95; /* learnt oversleep of the sleep, its 95th percentile */
	int64_t spin;     /* time spun to deadlines, ns (the end record's) */
	uint64_t sleeps;
	int64_t slack;       /* lateness allowed to save a wake-up, see pacer_slack */
	int64_t slept;       /* when the sender last slept */
	int64_t fast_cost;   /* credit one outage probe costs: 1 s / fast_budget */
	int64_t fast_credit; /* outage probing's credit (ns), at most FAST_BURST probes' */
	int64_t fast_at;     /* the deadline credit was last added at */
};

#define FAST_FLOOR 5000 /* probes a second */
#define FAST_BURST 64   /* probes' worth of credit saved up */

double probe_rate(const probe *p)
{
	double rate = 0;
	for (int i = 0; i < p->nslots; i++)
		if (p->slots[i].interval > 0)
			rate += 1e9 / (double)p->slots[i].interval;
	return rate;
}

/* The budget for outage probing, probes a second (see the head of this file). */
int64_t probe_fast_budget(const probe *p)
{
	int64_t b = (int64_t)(probe_rate(p) / 4);
	return b > FAST_FLOOR ? b : FAST_FLOOR;
}

/* Whether the budget has room for one more outage probe due at t; takes it if so. */
static int fast_allowed(probe_pacer *pc, int64_t t)
{
	if (t > pc->fast_at) {
		pc->fast_credit += t - pc->fast_at;
		pc->fast_at = t;
		if (pc->fast_credit > FAST_BURST * pc->fast_cost)
			pc->fast_credit = FAST_BURST * pc->fast_cost;
	}
	if (pc->fast_credit < pc->fast_cost)
		return 0;
	pc->fast_credit -= pc->fast_cost;
	return 1;
}

/* An overloaded sender (every deadline already due when it gets to it) never sleeps; under
 * SCHED_FIFO the kernel would then stop it for 50 ms of every second (real-time throttling,
 * sched_rt_runtime_us). Instead it gives the CPU back for BREATHE after BUSY_MAX without a
 * sleep: those probes go out a little late, and the log counts them, rather than 50 ms late. */
#define BUSY_MAX (10 * BO_NS_PER_MS)
#define BREATHE (BO_NS_PER_MS)

/* A thousandth of the shortest interval, at most 100 us: nothing at 1 kHz, 100 us at 10 Hz.
 * With many slow streams (1000 targets x 4 streams x 10 Hz: a deadline every 25 us) the
 * sender then wakes once per slack and sends what is due in a burst, instead of spinning from
 * one deadline to the next, which would use a whole core and, under SCHED_FIFO, run into the
 * kernel's real-time throttling (50 ms of every second by default). A batching run (--tx) takes
 * a 200th, at most 500 us, so a burst fills a sendmmsg: at 40 000 probes/s 7 probes a call
 * instead of 1.4, for 35 % of a core instead of 43 %, the schedule error's p99 0.6 ms (a 100th,
 * 1 ms: 14 a call, 32 %, but p99 1.15 ms). */
#define SLACK_BATCH_DIV 200
#define SLACK_BATCH_MAX (500 * BO_NS_PER_US)

static int64_t pacer_slack(const probe *p)
{
	int64_t div = p->tx_batch ? SLACK_BATCH_DIV : 1000;
	int64_t slack = p->tx_batch ? SLACK_BATCH_MAX : 100 * BO_NS_PER_US;
	for (int i = 0; i < p->nslots; i++)
		if (p->slots[i].interval / div < slack)
			slack = p->slots[i].interval / div;
	return slack;
}

static void sift_down(probe_pacer *pc, int i)
{
	pacer_entry *h = pc->heap;
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;
		if (l < pc->n && h[l].at < h[m].at)
			m = l;
		if (r < pc->n && h[r].at < h[m].at)
			m = r;
		if (m == i)
			return;
		pacer_entry t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* Sleeps until close to `until`, then spins to deadline (<= until). The kernel wakes a
 * sleeper tens of microseconds late, and now and then much later; the pacer tracks the 95th
 * percentile of that oversleep (a stochastic quantile estimate: up 19 steps when a wake-up was
 * later than it, down one step otherwise, so it settles where 5 % are later) and wakes early by
 * that much. A rare long preemption moves it by one step, not by its length, and the spin stays
 * short. */
#define WAKE_STEP 500 /* ns */

static void wait_until(probe_pacer *pc, int64_t until, int64_t deadline)
{
	int64_t target = until - pc->wake_q95;
	int64_t now = bo_clock_mono_ns();
	if (target > now) {
		bo_clock_sleep_until(target);
		now = pc->slept = bo_clock_mono_ns();
		if (now - target > pc->wake_q95)
			pc->wake_q95 += 19 * WAKE_STEP;
		else if (pc->wake_q95 >= WAKE_STEP)
			pc->wake_q95 -= WAKE_STEP;
		pc->sleeps++;
	}
	int64_t from = now;
	while (now < deadline)
		now = bo_clock_mono_ns();
	pc->spin += now - from;
}

/* After a send at deadline: the slot's next deadline, every outage_interval while fast, else
 * the next point of its regular grid. */
static void advance(probe_pacer *pc, probe_slot *s, int64_t deadline, int fast)
{
	s->next_seq++;
	if (fast && !fast_allowed(pc, deadline)) {
		fast = 0;
		atomic_fetch_add_explicit(&pc->run->fast_denied, 1, memory_order_relaxed);
	}
	s->in_fast = fast;
	if (fast) {
		s->next_deadline = deadline + s->outage_interval;
	} else {
		int64_t k = (deadline - pc->t0 - s->phase) / s->interval + 1;
		s->next_deadline = pc->t0 + s->phase + k * s->interval;
	}
	pc->heap[0].at = s->next_deadline;
	sift_down(pc, 0);
}

void probe_tx_done(probe_slot *s, int fast, int rc)
{
	if (rc == 0) {
		atomic_fetch_add_explicit(&s->sent, 1, memory_order_relaxed);
		if (fast)
			atomic_fetch_add_explicit(&s->sent_fast, 1, memory_order_relaxed);
	} else
		atomic_fetch_add_explicit(&s->send_errors, 1, memory_order_relaxed);
}

/* What the backend queued goes out before the sender sleeps. */
static void flush(probe_pacer *pc)
{
	if (pc->run->tx->flush)
		pc->run->tx->flush(pc->run);
}

int probe_send_one(probe_slot *s, uint32_t seq, int64_t deadline)
{
	bo_probe_pkt pkt;
	int rc = probe_build(s, seq, deadline, &pkt);
	return rc ? rc : s->run->tx->send(s, &pkt, seq, deadline);
}

static void pacer_main(void *arg)
{
	probe_pacer *pc = arg;
	atomic_store(&pc->run->sender_rt, probe_thread_tune());
	/* Its real-time priority set, the sender needs no privilege: its sockets are open. */
	bo_priv_thread_caps(0);
	pc->slept = bo_clock_mono_ns();
	while (!atomic_load_explicit(&pc->stop, memory_order_relaxed)) {
		probe_slot *s = pc->heap[0].slot;
		int64_t deadline = s->next_deadline;
		int64_t now = bo_clock_mono_ns();
		if (deadline > now || now - pc->slept > BUSY_MAX)
			flush(pc);
		if (deadline - now > 100 * BO_NS_PER_MS) {
			/* Far ahead: sleep in steps, so a stop is noticed quickly. */
			bo_clock_sleep_until(now + 100 * BO_NS_PER_MS);
			pc->slept = bo_clock_mono_ns();
			continue;
		}
		if (now - pc->slept > BUSY_MAX) {
			bo_clock_sleep(BREATHE);
			now = pc->slept = bo_clock_mono_ns();
		}
		if (deadline > now)
			wait_until(pc, deadline + pc->slack, deadline);
		int rc = probe_send_one(s, s->next_seq, deadline);
		int64_t late = bo_clock_mono_ns() - deadline;
		if (rc != PROBE_TX_QUEUED)
			probe_tx_done(s, s->in_fast, rc);
		atomic_store_explicit(&pc->run->sender_lag, late, memory_order_relaxed);
		int64_t spacing = s->in_fast ? s->outage_interval : s->interval;
		if (late > spacing / 2)
			atomic_fetch_add_explicit(&s->late, 1, memory_order_relaxed);
		if (late > atomic_load_explicit(&s->max_late, memory_order_relaxed))
			atomic_store_explicit(&s->max_late, late, memory_order_relaxed);
		advance(pc, s, deadline,
		        s->outage_interval && atomic_load_explicit(&s->fast, memory_order_relaxed));
	}
	flush(pc);
	atomic_store(&pc->run->sender_sleeps, pc->sleeps);
	atomic_store(&pc->run->sender_spin_ns, pc->spin);
	atomic_store(&pc->run->sender_wake_early_ns, pc->wake_q95);
}

static probe_pacer *pacer_new(probe *p, int64_t t0)
{
	probe_pacer *pc = calloc(1, sizeof *pc);
	if (!pc)
		return NULL;
	pc->heap = calloc((size_t)p->nslots, sizeof *pc->heap);
	if (!pc->heap) {
		free(pc);
		return NULL;
	}
	pc->run = p;
	pc->t0 = t0;
	pc->slack = pacer_slack(p);
	p->fast_budget = probe_fast_budget(p);
	pc->fast_cost = BO_NS_PER_S / p->fast_budget;
	pc->fast_credit = FAST_BURST * pc->fast_cost;
	pc->fast_at = t0;
	for (int i = 0; i < p->nslots; i++) {
		probe_slot *s = &p->slots[i];
		s->next_seq = 0;
		s->next_deadline = t0 + s->phase;
		pc->heap[pc->n++] = (pacer_entry){s->next_deadline, s};
	}
	for (int i = pc->n / 2 - 1; i >= 0; i--)
		sift_down(pc, i);
	atomic_init(&pc->stop, 0);
	return pc;
}

int probe_schedule_walk(probe *p, int64_t t0, int64_t end, probe_walk_fn fn, void *arg)
{
	probe_pacer *pc = pacer_new(p, t0);
	if (!pc)
		return -ENOMEM;
	int rc = 0;
	while (rc == 0 && pc->heap[0].at < end) {
		probe_slot *s = pc->heap[0].slot;
		int64_t deadline = s->next_deadline;
		rc = fn(s, s->next_seq, deadline, arg);
		advance(pc, s, deadline,
		        s->outage_interval && atomic_load_explicit(&s->fast, memory_order_relaxed));
	}
	free(pc->heap);
	free(pc);
	return rc;
}

int probe_pacer_start(probe *p, int64_t t0)
{
	probe_pacer *pc = pacer_new(p, t0);
	if (!pc)
		return -ENOMEM;
	int rc = uv_thread_create(&pc->thread, pacer_main, pc);
	if (rc != 0) {
		free(pc->heap);
		free(pc);
		return rc;
	}
	p->pacer = pc;
	return 0;
}

void probe_pacer_stop(probe *p)
{
	probe_pacer *pc = p->pacer;
	if (!pc)
		return;
	atomic_store(&pc->stop, 1);
	uv_thread_join(&pc->thread);
	free(pc->heap);
	free(pc);
	p->pacer = NULL;
}
