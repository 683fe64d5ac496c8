/* Address → index map: open addressing, linear probing, keyed SipHash (bo_addrmap.h). */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bo_addrmap.h"
#include "bo_err.h"

struct bo_addrmap_ent {
	bo_addr addr; /* family 0: empty */
	int value;
};

static uint32_t hash(const bo_addrmap *m, const bo_addr *a)
{
	uint8_t msg[17], h[crypto_shorthash_BYTES];
	size_t n = a->family == 4 ? 4 : 16;
	msg[0] = a->family;
	memcpy(msg + 1, a->a, n);
	crypto_shorthash(h, msg, n + 1, m->key);
	uint32_t v;
	memcpy(&v, h, sizeof v);
	return v;
}

static struct bo_addrmap_ent *find(const bo_addrmap *m, const bo_addr *a)
{
	for (uint32_t i = hash(m, a) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct bo_addrmap_ent *e = &m->ents[i];
		if (!e->addr.family || bo_addr_eq(&e->addr, a))
			return e; /* the half-load rule leaves an empty entry to stop at */
	}
}

static int grow(bo_addrmap *m)
{
	if (!m->cap) {
		if (sodium_init() < 0)
			return BO_ENOMEM;
		randombytes_buf(m->key, sizeof m->key);
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
			*find(&n, &m->ents[i].addr) = m->ents[i];
	free(m->ents);
	*m = n;
	return 0;
}

int bo_addrmap_put(bo_addrmap *m, const bo_addr *a, int value)
{
	if ((m->n + 1) * 2 > m->cap) {
		int rc = grow(m);
		if (rc)
			return rc;
	}
	struct bo_addrmap_ent *e = find(m, a);
	if (!e->addr.family) {
		memset(&e->addr, 0, sizeof e->addr);
		e->addr.family = a->family;
		memcpy(e->addr.a, a->a, a->family == 4 ? 4 : 16);
		m->n++;
	}
	e->value = value;
	return 0;
}

int bo_addrmap_get(const bo_addrmap *m, const bo_addr *a)
{
	if (!m->n || (a->family != 4 && a->family != 6))
		return -1;
	const struct bo_addrmap_ent *e = find(m, a);
	return e->addr.family ? e->value : -1;
}

void bo_addrmap_free(bo_addrmap *m)
{
	free(m->ents);
	memset(m, 0, sizeof *m);
}
