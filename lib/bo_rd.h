/* SPDX-License-Identifier: Apache-2.0 */
/* Bounded reader and writer over byte buffers.
 *
 * Every packet byte the project reads goes through bo_rd: a read past the end sets a sticky
 * error, returns zero and never touches memory outside the buffer, so a parser can read a whole
 * header and check `r.err` once at the end. bo_wr is the same idea for building packets.
 */
#ifndef BO_RD_H
#define BO_RD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bo_err.h"

typedef struct bo_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	int err; /* 0 or BO_ETRUNC once any read ran past the end */
} bo_rd;

static inline bo_rd bo_rd_make(const void *p, size_t len)
{
	bo_rd r = {(const uint8_t *)p, len, 0, 0};
	return r;
}

static inline size_t bo_rd_left(const bo_rd *r)
{
	return r->err ? 0 : r->len - r->off;
}

/* Returns a pointer to the next n bytes and advances, or NULL (and sets err) if fewer remain. */
static inline const uint8_t *bo_rd_take(bo_rd *r, size_t n)
{
	if (r->err || r->len - r->off < n) {
		r->err = BO_ETRUNC;
		return NULL;
	}
	const uint8_t *p = r->p + r->off;
	r->off += n;
	return p;
}

static inline void bo_rd_skip(bo_rd *r, size_t n)
{
	(void)bo_rd_take(r, n);
}

static inline uint8_t bo_rd_u8(bo_rd *r)
{
	const uint8_t *p = bo_rd_take(r, 1);
	return p ? p[0] : 0;
}

static inline uint16_t bo_rd_be16(bo_rd *r)
{
	const uint8_t *p = bo_rd_take(r, 2);
	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

static inline uint16_t bo_rd_le16(bo_rd *r)
{
	const uint8_t *p = bo_rd_take(r, 2);
	return p ? (uint16_t)(p[1] << 8 | p[0]) : 0;
}

static inline uint32_t bo_rd_be32(bo_rd *r)
{
	const uint8_t *p = bo_rd_take(r, 4);
	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

static inline uint64_t bo_rd_be64(bo_rd *r)
{
	uint64_t hi = bo_rd_be32(r);
	return hi << 32 | bo_rd_be32(r);
}

/* Copies n bytes into dst (zero-filled on error). */
static inline void bo_rd_copy(bo_rd *r, void *dst, size_t n)
{
	const uint8_t *p = bo_rd_take(r, n);
	if (p)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
}

/* A reader over the next n bytes; the parent advances past them. */
static inline bo_rd bo_rd_sub(bo_rd *r, size_t n)
{
	const uint8_t *p = bo_rd_take(r, n);
	bo_rd s = {p, p ? n : 0, 0, p ? 0 : BO_ETRUNC};
	return s;
}

typedef struct bo_wr {
	uint8_t *p;
	size_t cap;
	size_t off;
	int err; /* 0 or BO_ERANGE once any write did not fit */
} bo_wr;

static inline bo_wr bo_wr_make(void *p, size_t cap)
{
	bo_wr w = {(uint8_t *)p, cap, 0, 0};
	return w;
}

static inline uint8_t *bo_wr_take(bo_wr *w, size_t n)
{
	if (w->err || w->cap - w->off < n) {
		w->err = BO_ERANGE;
		return NULL;
	}
	uint8_t *p = w->p + w->off;
	w->off += n;
	return p;
}

static inline void bo_wr_u8(bo_wr *w, uint8_t v)
{
	uint8_t *p = bo_wr_take(w, 1);
	if (p)
		p[0] = v;
}

static inline void bo_wr_be16(bo_wr *w, uint16_t v)
{
	uint8_t *p = bo_wr_take(w, 2);
	if (p) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

static inline void bo_wr_be32(bo_wr *w, uint32_t v)
{
	bo_wr_be16(w, (uint16_t)(v >> 16));
	bo_wr_be16(w, (uint16_t)v);
}

static inline void bo_wr_be64(bo_wr *w, uint64_t v)
{
	bo_wr_be32(w, (uint32_t)(v >> 32));
	bo_wr_be32(w, (uint32_t)v);
}

static inline void bo_wr_bytes(bo_wr *w, const void *src, size_t n)
{
	uint8_t *p = bo_wr_take(w, n);
	if (p)
		memcpy(p, src, n);
}

static inline void bo_wr_zero(bo_wr *w, size_t n)
{
	uint8_t *p = bo_wr_take(w, n);
	if (p)
		memset(p, 0, n);
}

#endif
