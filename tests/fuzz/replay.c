/* SPDX-License-Identifier: Apache-2.0 */
/* Runs a libFuzzer driver without libFuzzer: every seed file as it is, then a fixed number of
 * deterministic mutations of each (bit flips, byte changes, truncations, splices), so the
 * ordinary sanitizer build exercises the drivers in ctest. Usage: replay SEED_FILE... */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROUNDS 20000
#define MAX_SEED 65536

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

int main(int argc, char **argv)
{
	static uint8_t seed[MAX_SEED], buf[MAX_SEED];
	long runs = 0;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			fprintf(stderr, "replay: cannot open %s\n", argv[i]);
			return 1;
		}
		size_t n = fread(seed, 1, sizeof seed, f);
		fclose(f);
		LLVMFuzzerTestOneInput(seed, n);
		for (int r = 0; r < ROUNDS; r++) {
			size_t m = n;
			memcpy(buf, seed, n);
			for (int k = 0, edits = 1 + (int)(next() % 4); k < edits && m; k++) {
				switch (next() % 4) {
				case 0: buf[next() % m] ^= (uint8_t)(1u << (next() % 8)); break;
				case 1: buf[next() % m] = (uint8_t)next(); break;
				case 2: m = next() % (m + 1); break;
				case 3: { /* copy a run of the input over another place */
					size_t a = next() % m, b = next() % m,
					       len = next() % (m - (a > b ? a : b));
					memmove(buf + b, buf + a, len);
					break;
				}
				}
			}
			/* An exact-size copy, so AddressSanitizer sees any read past the end. */
			uint8_t *exact = malloc(m ? m : 1);
			memcpy(exact, buf, m);
			LLVMFuzzerTestOneInput(exact, m);
			free(exact);
			runs++;
		}
	}
	printf("replay: %d seeds, %ld mutated inputs, no crash\n", argc - 1, runs);
	return 0;
}
