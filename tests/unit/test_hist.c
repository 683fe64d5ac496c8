/* SPDX-License-Identifier: Apache-2.0 */
/* The schedule-error histogram (analysis/sched.c): exact to the microsecond below 256 us,
 * within 1.6 % beyond, a quantile never below the true one nor above the largest sample, and
 * the same answer wherever a value falls in its bucket. */
#include <stdlib.h>

#include "an.h"
#include "bo_time.h"
#include "check.h"

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* The histogram's quantile against the sorted samples': at least the true value, at most
 * 1.6 % (and one microsecond) above it. */
static void against_truth(const int64_t *v, size_t n, double q)
{
	an_hist *h = NULL;
	int64_t *s = malloc(n * sizeof *s);
	for (size_t i = 0; i < n; i++)
		an_hist_add(&h, v[i]), s[i] = v[i];
	qsort(s, n, sizeof *s, cmp);
	int64_t truth = s[(size_t)(q * (double)n) < n ? (size_t)(q * (double)n) : n - 1];
	int64_t got = an_hist_quantile(h, q);
	CHECK(got >= truth);
	CHECK(got <= truth + truth / 64 + BO_NS_PER_US);
	CHECK(got <= s[n - 1]);
	CHECK(an_hist_count(h) == n);
	an_hist_free(h);
	free(s);
}

int main(void)
{
	/* below 256 us: the microsecond's upper edge */
	an_hist *h = NULL;
	for (int i = 0; i < 100; i++)
		an_hist_add(&h, 41 * BO_NS_PER_US + 500); /* 41.5 us */
	an_hist_add(&h, 300 * BO_NS_PER_US);
	CHECK(an_hist_quantile(h, 0.5) == 42 * BO_NS_PER_US);
	CHECK(an_hist_quantile(h, 1.0) == 300 * BO_NS_PER_US); /* the largest, not an edge */
	an_hist_free(h);

	/* spreads over every scale, 1 ns to 17 s */
	size_t n = 200000;
	int64_t *v = malloc(n * sizeof *v);
	srand(7);
	for (size_t i = 0; i < n; i++) {
		int64_t scale = (int64_t)1 << (rand() % 34);
		v[i] = scale + (int64_t)rand() % scale;
	}
	for (double q = 0.01; q < 1.0; q += 0.07)
		against_truth(v, n, q);
	against_truth(v, n, 0.999);
	/* beyond the last bucket (33.6 s): the largest sample */
	h = NULL;
	an_hist_add(&h, 40 * BO_NS_PER_S);
	an_hist_add(&h, 50 * BO_NS_PER_S);
	CHECK(an_hist_quantile(h, 0.5) == 50 * BO_NS_PER_S);
	an_hist_free(h);
	/* negative errors (a probe captured before its deadline) fall in the first bucket */
	for (size_t i = 0; i < n; i++)
		v[i] = -(int64_t)(i % 1000);
	h = NULL;
	for (size_t i = 0; i < n; i++)
		an_hist_add(&h, v[i]);
	CHECK(an_hist_quantile(h, 0.99) == 0); /* the edge (1 us) is above the largest, 0 */
	an_hist_free(h);
	free(v);
	return check_done("hist");
}
