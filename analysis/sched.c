/* SPDX-License-Identifier: Apache-2.0 */
/* Schedule error of the probe's sender: capture time of each probe minus the deadline it
 * carries, as a streaming log-linear histogram: 1 us buckets up to 256 us, then 64 to each
 * doubling (1.6 %: 8 us at 1 ms, 128 us at 10 ms) up to 33 s, the last also holding
 * everything later. 5.4 KiB a stream whatever the capture's length (a fleet's 4000 streams:
 * 21 MiB; 1 us buckets to 20 ms took 80 KiB a stream). */
#include <stdlib.h>

#include "an.h"
#include "bo_time.h"

#define LINEAR 256 /* us: one bucket each */
#define SUB 64     /* buckets per doubling beyond (a power of two: SUB_BITS) */
#define SUB_BITS 6
#define OCTAVES 17 /* 256 us << 17 = 33.6 s */
#define BUCKETS (LINEAR + OCTAVES * SUB)

struct an_hist {
	uint32_t b[BUCKETS];
	uint64_t n;
	int64_t min, max;
};

/* The bucket of a value in microseconds. */
static int bucket(int64_t us)
{
	if (us < LINEAR)
		return us < 0 ? 0 : (int)us;
	int e = 63 - __builtin_clzll((unsigned long long)us); /* 2^e <= us: e >= 8 */
	int i = LINEAR + (e - 8) * SUB + (int)((us >> (e - SUB_BITS)) & (SUB - 1));
	return i < BUCKETS ? i : BUCKETS - 1;
}

/* The upper edge of bucket i, ns. */
static int64_t edge(int i)
{
	if (i < LINEAR)
		return (int64_t)(i + 1) * BO_NS_PER_US;
	int e = 8 + (i - LINEAR) / SUB, sub = (i - LINEAR) % SUB;
	return ((int64_t)(SUB + sub + 1) << (e - SUB_BITS)) * BO_NS_PER_US;
}

void an_hist_add(an_hist **hp, int64_t v)
{
	if (!*hp && !(*hp = calloc(1, sizeof **hp)))
		return;
	an_hist *h = *hp;
	if (!h->n || v < h->min)
		h->min = v;
	if (!h->n || v > h->max)
		h->max = v;
	h->n++;
	h->b[bucket(v / BO_NS_PER_US)]++;
}

/* The value below which a fraction q of the samples lie, to the bucket's upper edge, never
 * beyond the largest sample (a bucket's edge above it would be a value nobody saw). */
int64_t an_hist_quantile(const an_hist *h, double q)
{
	uint64_t want = (uint64_t)(q * (double)h->n), seen = 0;
	for (int i = 0; i < BUCKETS; i++) {
		seen += h->b[i];
		if (seen > want) {
			int64_t top = edge(i);
			return i == BUCKETS - 1 || top > h->max ? h->max : top;
		}
	}
	return h->max;
}

json_t *an_hist_json(const an_hist *h)
{
	if (!h || !h->n)
		return json_null();
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "count", (json_int_t)h->n, "min_ns",
	                 (json_int_t)h->min, "p50_ns", (json_int_t)an_hist_quantile(h, 0.5),
	                 "p99_ns", (json_int_t)an_hist_quantile(h, 0.99), "p999_ns",
	                 (json_int_t)an_hist_quantile(h, 0.999), "max_ns", (json_int_t)h->max);
}

void an_hist_free(an_hist *h)
{
	free(h);
}

void an_sched_add(an_run *r, an_stream *s, int64_t err)
{
	an_hist_add(&s->sched, err);
	an_hist_add(&r->eng.sched, err);
}

uint64_t an_hist_count(const an_hist *h)
{
	return h ? h->n : 0;
}
