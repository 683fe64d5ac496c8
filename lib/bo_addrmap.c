/* SPDX-License-Identifier: Apache-2.0 */
/* Address → index map: open addressing, linear probing, keyed SipHash (bo_addrmap.h). */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bo_addrmap.h"
#include "bo_err.h"

struct bo_addrmap_ent {
	bo_addr addr; /* family 0: empty */
	uint32_t tag;
	int value;
};

/* Multiply-shift over the address's three 64-bit words with the map's random odd keys (a
 * universal family: which addresses collide depends on keys nobody outside sees), a few
 * cycles where SipHash took as long as the rest of a packet's analysis. */
static uint32_t hash(const bo_addrmap *m, const bo_addr *a, uint32_t tag)
{
	uint8_t b[16] = {0}; /* an IPv4 address uses 4 bytes; the rest may hold anything */
	memcpy(b, a->a, a->family == 4 ? 4 : 16);
	uint64_t w[3] = {a->family | (uint64_t)tag << 8, 0, 0}, h = m->key[3];
	memcpy(&w[1], b, 8);
	memcpy(&w[2], b + 8, 8);
	for (int i = 0; i < 3; i++)
		h += w[i] * m->key[i];
	return (uint32_t)(h >> 32);
}

static struct bo_addrmap_ent *find(const bo_addrmap *m, const bo_addr *a, uint32_t tag)
{
	for (uint32_t i = hash(m, a, tag) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct bo_addrmap_ent *e = &m->ents[i];
		if (!e->addr.family || (e->tag == tag && bo_addr_eq(&e->addr, a)))
			return e; /* the half-load rule leaves an empty entry to stop at */
	}
}

static int grow(bo_addrmap *m)
{
	if (!m->cap) {
		if (sodium_init() < 0)
			return BO_ENOMEM;
		randombytes_buf(m->key, sizeof m->key);
		for (int i = 0; i < 4; i++)
			m->key[i] |= 1;
	}
	uint32_t cap = m->cap ? m->cap * 2 : 64;
	if (cap > 1u << 30)
		return BO_ENOMEM;
	bo_addrmap n = {.ents = calloc(cap, sizeof *m->ents), .cap = cap, .n = m->n};
	if (!n.ents)
		return BO_ENOMEM;
	memcpy(n.key, m->key, sizeof n.key);
	for (uint32_t i = 0; i < m->cap; i++)
		if (m->ents[i].addr.family)
			*find(&n, &m->ents[i].addr, m->ents[i].tag) = m->ents[i];
	free(m->ents);
	*m = n;
	return 0;
}

int bo_addrmap_put(bo_addrmap *m, const bo_addr *a, int value)
{
	return bo_addrmap_put_tag(m, a, 0, value);
}

int bo_addrmap_get(const bo_addrmap *m, const bo_addr *a)
{
	return bo_addrmap_get_tag(m, a, 0);
}

int bo_addrmap_put_tag(bo_addrmap *m, const bo_addr *a, uint32_t tag, int value)
{
	if ((m->n + 1) * 2 > m->cap) {
		int rc = grow(m);
		if (rc)
			return rc;
	}
	struct bo_addrmap_ent *e = find(m, a, tag);
	if (!e->addr.family) {
		memset(&e->addr, 0, sizeof e->addr);
		e->addr.family = a->family;
		memcpy(e->addr.a, a->a, a->family == 4 ? 4 : 16);
		e->tag = tag;
		m->n++;
	}
	e->value = value;
	return 0;
}

int bo_addrmap_get_tag(const bo_addrmap *m, const bo_addr *a, uint32_t tag)
{
	if (!m->n || (a->family != 4 && a->family != 6))
		return -1;
	const struct bo_addrmap_ent *e = find(m, a, tag);
	return e->addr.family ? e->value : -1;
}

void bo_addrmap_free(bo_addrmap *m)
{
	free(m->ents);
	memset(m, 0, sizeof *m);
}
