/* SPDX-License-Identifier: Apache-2.0 */
/* An address → index map for the per-packet lookups: which target, which stream. Open
 * addressing with linear probing, grown at half load; the hash is keyed per map (a random
 * key), so addresses taken from a capture cannot be chosen in advance to collide. */
#ifndef BO_ADDRMAP_H
#define BO_ADDRMAP_H

#include <stdint.h>

#include "bo_pkt.h"

typedef struct bo_addrmap {
	struct bo_addrmap_ent *ents;
	uint32_t cap, n; /* cap: a power of two, or 0 before the first put */
	uint64_t key[4];
} bo_addrmap;

/* Sets a's value (>= 0), replacing any. 0, or BO_ENOMEM. */
int bo_addrmap_put(bo_addrmap *m, const bo_addr *a, int value);
/* a's value, or -1. */
int bo_addrmap_get(const bo_addrmap *m, const bo_addr *a);
/* The same for the key (a, tag): an address and a number beside it (a stream's kind and
 * identifier, say). The plain calls are tag 0. */
int bo_addrmap_put_tag(bo_addrmap *m, const bo_addr *a, uint32_t tag, int value);
int bo_addrmap_get_tag(const bo_addrmap *m, const bo_addr *a, uint32_t tag);
void bo_addrmap_free(bo_addrmap *m);

#endif
