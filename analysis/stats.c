/* SPDX-License-Identifier: Apache-2.0 */
/* Statistics for `compare`: quantiles and the Mann-Whitney U test. Pure functions, no I/O;
 * unit-tested against published tables (tests/unit/test_stats.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "an.h"

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

void an_sort64(int64_t *v, int n)
{
	if (n > 1)
		qsort(v, (size_t)n, sizeof *v, cmp64);
}

int64_t an_quantile(const int64_t *v, int n, double q)
{
	if (n <= 0)
		return 0;
	int k = (int)ceil(q * n) - 1;
	return v[k < 0 ? 0 : k >= n ? n - 1 : k];
}

/* The exact two-sided p-value of U for samples of n and m without ties: the distribution of U
 * counted by the recurrence f(n, m, u) = f(n - 1, m, u - m) + f(n, m - 1, u). */
static double exact_p(double u, int n, int m)
{
	int umax = n * m;
	double *f = calloc((size_t)(n + 1) * (size_t)(m + 1) * (size_t)(umax + 1), sizeof *f);
	if (!f)
		return NAN;
#define F(i, j, k)                                                                                 \
	f[((size_t)(i) * (size_t)(m + 1) + (size_t)(j)) * (size_t)(umax + 1) + (size_t)(k)]
	for (int i = 0; i <= n; i++)
		for (int j = 0; j <= m; j++)
			for (int k = 0; k <= umax; k++) {
				if (!i || !j) {
					F(i, j, k) = k == 0;
					continue;
				}
				F(i, j, k) = (k >= j ? F(i - 1, j, k - j) : 0) + F(i, j - 1, k);
			}
	double mean = (double)n * m / 2, total = 0, tail = 0, dev = fabs(u - mean);
	for (int k = 0; k <= umax; k++) {
		total += F(n, m, k);
		if (fabs(k - mean) >= dev - 1e-9)
			tail += F(n, m, k);
	}
#undef F
	free(f);
	return tail / total;
}

double an_mann_whitney(const int64_t *a, int n, const int64_t *b, int m, double *u_out)
{
	double u = 0;
	int ties = 0;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < m; j++) {
			if (a[i] > b[j])
				u += 1;
			else if (a[i] == b[j]) {
				u += 0.5;
				ties = 1;
			}
		}
	*u_out = u;
	if (!n || !m)
		return 1;
	if (!ties && n * m <= AN_MW_EXACT_MAX)
		return exact_p(u, n, m);
	/* The normal approximation with the tie correction and a continuity correction. */
	int N = n + m;
	int64_t *all = malloc((size_t)N * sizeof *all);
	if (!all)
		return NAN;
	memcpy(all, a, (size_t)n * sizeof *a);
	memcpy(all + n, b, (size_t)m * sizeof *b);
	an_sort64(all, N);
	double tsum = 0;
	for (int i = 0; i < N;) {
		int j = i;
		while (j < N && all[j] == all[i])
			j++;
		double t = j - i;
		tsum += t * t * t - t;
		i = j;
	}
	free(all);
	double var = (double)n * m / 12 * ((N + 1) - tsum / ((double)N * (N - 1)));
	if (var <= 0)
		return 1;
	double z = (fabs(u - (double)n * m / 2) - 0.5) / sqrt(var);
	if (z < 0)
		z = 0;
	return erfc(z / sqrt(2));
}

double an_mann_whitney_best_p(int n, int m)
{
	/* Complete separation: U = 0, two of the C(n + m, n) arrangements as extreme. */
	double c = 1;
	for (int i = 1; i <= n; i++)
		c = c * (m + i) / i;
	return c > 0 ? 2 / c : 1;
}
