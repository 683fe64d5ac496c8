/* Schedule error of the probe's sender: capture time of each probe minus the deadline it
 * carries, as a streaming histogram (1 us buckets up to 20 ms), so percentiles cost no memory
 * that grows with the capture. */
#include <stdlib.h>

#include "an.h"
#include "bo_time.h"

#define BUCKETS 20000 /* 1 us each; the last also holds everything later */

struct an_hist {
	uint32_t b[BUCKETS];
	uint64_t n;
	int64_t min, max;
};

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
	int64_t i = v / BO_NS_PER_US;
	h->b[i < 0 ? 0 : i >= BUCKETS ? BUCKETS - 1 : i]++;
}

/* The value below which a fraction q of the samples lie, to the bucket's upper edge, never
 * beyond the largest sample (a bucket's edge above it would be a value nobody saw). */
int64_t an_hist_quantile(const an_hist *h, double q)
{
	uint64_t want = (uint64_t)(q * (double)h->n), seen = 0;
	for (int i = 0; i < BUCKETS; i++) {
		seen += h->b[i];
		if (seen > want) {
			int64_t edge = (int64_t)(i + 1) * BO_NS_PER_US;
			return i == BUCKETS - 1 || edge > h->max ? h->max : edge;
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
	an_hist_add(&r->sched, err);
}

uint64_t an_hist_count(const an_hist *h)
{
	return h ? h->n : 0;
}
