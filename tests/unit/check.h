/* SPDX-License-Identifier: Apache-2.0 */
/* A small assertion kit for unit tests: each failed check prints both sides and where. */
#ifndef CHECK_H
#define CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures, check_count;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		check_count++;                                                                     \
		if (!(cond)) {                                                                     \
			check_failures++;                                                          \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long va_ = (long long)(a), vb_ = (long long)(b);                              \
		check_count++;                                                                     \
		if (va_ != vb_) {                                                                  \
			check_failures++;                                                          \
			fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__,        \
			        __LINE__, #a, #b, va_, vb_);                                       \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *sa_ = (a), *sb_ = (b);                                                 \
		check_count++;                                                                     \
		if (strcmp(sa_, sb_) != 0) {                                                       \
			check_failures++;                                                          \
			fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__,    \
			        __LINE__, #a, #b, sa_, sb_);                                       \
		}                                                                                  \
	} while (0)

#define CHECK_MEM(a, b, n)                                                                         \
	do {                                                                                       \
		const unsigned char *ma_ = (const void *)(a), *mb_ = (const void *)(b);            \
		check_count++;                                                                     \
		if (memcmp(ma_, mb_, (n)) != 0) {                                                  \
			check_failures++;                                                          \
			fprintf(stderr, "%s:%d: %s == %s failed:\n  got ", __FILE__, __LINE__, #a, \
			        #b);                                                               \
			for (size_t i_ = 0; i_ < (size_t)(n); i_++)                                \
				fprintf(stderr, "%02x", ma_[i_]);                                  \
			fprintf(stderr, "\n want ");                                               \
			for (size_t i_ = 0; i_ < (size_t)(n); i_++)                                \
				fprintf(stderr, "%02x", mb_[i_]);                                  \
			fprintf(stderr, "\n");                                                     \
		}                                                                                  \
	} while (0)

/* Parses a hex string (spaces ignored) into a new heap buffer of exactly the right size. */
static inline unsigned char *check_hex(const char *hex, size_t *len)
{
	unsigned char *out = malloc(strlen(hex) / 2 + 1);
	size_t n = 0;
	for (const char *p = hex; *p;) {
		if (*p == ' ' || *p == '\n') {
			p++;
			continue;
		}
		unsigned v;
		sscanf(p, "%2x", &v);
		out[n++] = (unsigned char)v;
		p += 2;
	}
	*len = n;
	return out;
}

/* A heap copy of exactly n bytes, so AddressSanitizer sees any read past the end. */
static inline unsigned char *check_exact(const void *src, size_t n)
{
	unsigned char *p = malloc(n ? n : 1);
	if (n)
		memcpy(p, src, n);
	return p;
}

static inline int check_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
	return check_failures ? 1 : 0;
}

#endif
