/* SPDX-License-Identifier: Apache-2.0 */
/* The statistics of `compare` (analysis/stats.c) against published figures: the exact
 * Mann-Whitney distribution (tables of critical values, e.g. Mann & Whitney 1947, for n = m = 5
 * two-sided alpha 0.05: U <= 2), the normal approximation, quantiles by nearest rank. */
#include <math.h>

#include "an.h"
#include "check.h"

#define CHECK_NEAR(a, b, tol)                                                                      \
	do {                                                                                       \
		double x_ = (a), y_ = (b);                                                         \
		check_count++;                                                                     \
		if (!(fabs(x_ - y_) <= (tol))) {                                                   \
			check_failures++;                                                          \
			fprintf(stderr, "%s:%d: %s ~ %s failed: %.6g != %.6g\n", __FILE__,         \
			        __LINE__, #a, #b, x_, y_);                                         \
		}                                                                                  \
	} while (0)

int main(void)
{
	/* n = m = 5, no ties. The counts of U = 0..4 are 1, 1, 2, 3, 5 of C(10, 5) = 252. */
	int64_t a[5] = {1, 2, 3, 4, 5}, b[5] = {6, 7, 8, 9, 10};
	double u, p = an_mann_whitney(a, 5, b, 5, &u);
	CHECK_NEAR(u, 0, 0);
	CHECK_NEAR(p, 2.0 / 252, 1e-12);
	int64_t b1[5] = {9, 7, 8, 9, 10}; /* ties within a sample do not count: U = 0 */
	p = an_mann_whitney(a, 5, b1, 5, &u);
	CHECK_NEAR(p, 2.0 / 252, 1e-12);
	int64_t c1[5] = {1, 2, 3, 4, 7}, d1[5] = {5, 6, 8, 9, 10}; /* U = 2 */
	p = an_mann_whitney(c1, 5, d1, 5, &u);
	CHECK_NEAR(u, 2, 0);
	CHECK_NEAR(p, 8.0 / 252, 1e-12); /* 0.0317: significant at 0.05, as the table says */
	int64_t c2[5] = {1, 2, 3, 5, 7}, d2[5] = {4, 6, 8, 9, 10}; /* U = 3 */
	p = an_mann_whitney(c2, 5, d2, 5, &u);
	CHECK_NEAR(u, 3, 0);
	CHECK_NEAR(p, 14.0 / 252, 1e-12); /* 0.0556: not significant */
	/* Symmetry: swapping the samples gives U' = nm - U and the same p. */
	double u2, p2 = an_mann_whitney(d2, 5, c2, 5, &u2);
	CHECK_NEAR(u2, 22, 0);
	CHECK_NEAR(p2, p, 1e-12);
	/* 3 against 3 cannot reach 0.05; 4 against 4 can. */
	CHECK_NEAR(an_mann_whitney_best_p(3, 3), 0.1, 1e-12);
	CHECK_NEAR(an_mann_whitney_best_p(4, 4), 2.0 / 70, 1e-12);
	CHECK_NEAR(an_mann_whitney_best_p(5, 5), 2.0 / 252, 1e-12);
	/* Identical samples (all ties): p = 1. */
	int64_t e[4] = {7, 7, 7, 7};
	p = an_mann_whitney(e, 4, e, 4, &u);
	CHECK_NEAR(u, 8, 0);
	CHECK_NEAR(p, 1, 1e-12);
	/* n = m = 20, interleaved with a shift (x = 2i, y = 2i + 5): U = 153, exact p =
	 * 0.210964327 (counted independently, with Python's integers); with one tie the normal
	 * approximation takes over and lands near it. */
	int64_t x[20], y[20], xt[20];
	for (int i = 0; i < 20; i++)
		x[i] = 2 * i, y[i] = 2 * i + 5, xt[i] = x[i];
	double pe = an_mann_whitney(x, 20, y, 20, &u);
	CHECK_NEAR(u, 153, 0);
	CHECK_NEAR(pe, 0.21096432724812084, 1e-9);
	xt[19] = y[17]; /* 38 -> 39: one tie, the approximation */
	double pn = an_mann_whitney(xt, 20, y, 20, &u2);
	CHECK_NEAR(pn, pe, 0.02);
	/* Large samples, separated: far below any threshold; the approximation path. */
	int64_t big_a[60], big_b[60];
	for (int i = 0; i < 60; i++)
		big_a[i] = i, big_b[i] = 1000 + i;
	p = an_mann_whitney(big_a, 60, big_b, 60, &u);
	CHECK(p < 1e-15);
	/* Empty sample: no evidence. */
	CHECK_NEAR(an_mann_whitney(a, 5, b, 0, &u), 1, 0);

	/* Quantiles, nearest rank: of 1..10 the median is 5, p95 10, p10 1. */
	int64_t q[10] = {10, 3, 5, 1, 2, 9, 8, 7, 6, 4};
	an_sort64(q, 10);
	CHECK_INT(q[0], 1);
	CHECK_INT(q[9], 10);
	CHECK_INT(an_quantile(q, 10, 0.5), 5);
	CHECK_INT(an_quantile(q, 10, 0.95), 10);
	CHECK_INT(an_quantile(q, 10, 0.1), 1);
	CHECK_INT(an_quantile(q, 1, 0.5), 1);
	CHECK_INT(an_quantile(q, 0, 0.5), 0);
	return check_done("stats");
}
