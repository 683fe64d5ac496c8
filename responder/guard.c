/* SPDX-License-Identifier: Apache-2.0 */
/* Who may talk to the responder and how fast: an allowlist of networks and a per-source rate
 * limit (GCRA: each source has a theoretical arrival time that every packet pushes one period
 * ahead; a packet that would push it more than the burst ahead of now is refused). Sources live
 * in a fixed table indexed by keyed SipHash; a lookup looks at 4 slots and reuses the idlest. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bo_err.h"
#include "bo_time.h"
#include "responder.h"

#define PROBES 4

int rsp_cidr_parse(const char *s, rsp_cidr *c)
{
	char buf[64];
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof buf)
		return BO_EINVAL;
	memcpy(buf, s, n + 1);
	char *slash = strchr(buf, '/');
	long bits = -1;
	if (slash) {
		char *end;
		*slash = 0;
		bits = strtol(slash + 1, &end, 10);
		if (slash[1] == 0 || *end || bits < 0)
			return BO_EINVAL;
	}
	memset(c, 0, sizeof *c);
	if (bo_addr_parse(buf, &c->net) != 0)
		return BO_EINVAL;
	int max = c->net.family == 4 ? 32 : 128;
	if (bits < 0)
		bits = max;
	if (bits > max)
		return BO_EINVAL;
	/* An IPv4-mapped network (::ffff:192.0.2.0/120) is the IPv4 one: sources are compared
	 * in their IPv4 form (rsp_addr_from_sockaddr), so the mapped form would match nothing. */
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (c->net.family == 6 && bits >= 96 && memcmp(c->net.a, mapped, 12) == 0) {
		uint8_t v4[4];
		memcpy(v4, c->net.a + 12, 4);
		memset(&c->net, 0, sizeof c->net);
		c->net.family = 4;
		memcpy(c->net.a, v4, 4);
		bits -= 96;
		max = 32;
	}
	c->bits = (uint8_t)bits;
	for (int i = (int)bits; i < max; i++) /* keep only the network part */
		c->net.a[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
	return 0;
}

int rsp_cidr_match(const rsp_cidr *c, const bo_addr *a)
{
	if (a->family != c->net.family)
		return 0;
	int full = c->bits / 8, rest = c->bits % 8;
	if (memcmp(a->a, c->net.a, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	uint8_t mask = (uint8_t)(0xff00u >> rest);
	return (a->a[full] & mask) == c->net.a[full];
}

int rsp_addr_from_sockaddr(const struct sockaddr *sa, bo_addr *a, uint16_t *port)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	memset(a, 0, sizeof *a);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		a->family = 4;
		memcpy(a->a, &s4->sin_addr, 4);
		*port = ntohs(s4->sin_port);
		return 0;
	}
	if (sa->sa_family != AF_INET6)
		return BO_EINVAL;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	const uint8_t *b = (const uint8_t *)&s6->sin6_addr;
	if (memcmp(b, mapped, sizeof mapped) == 0) {
		a->family = 4;
		memcpy(a->a, b + 12, 4);
	} else {
		a->family = 6;
		memcpy(a->a, b, 16);
	}
	*port = ntohs(s6->sin6_port);
	return 0;
}

void rsp_addr_to_sin6(const bo_addr *a, uint16_t port, struct sockaddr_in6 *out)
{
	memset(out, 0, sizeof *out);
	out->sin6_family = AF_INET6;
	out->sin6_port = htons(port);
	uint8_t *b = (uint8_t *)&out->sin6_addr;
	if (a->family == 4) { /* IPv4-mapped: the dual-stack socket's form of an IPv4 address */
		b[10] = b[11] = 0xff;
		memcpy(b + 12, a->a, 4);
	} else {
		memcpy(b, a->a, 16);
	}
}

int rsp_addr_loopback(const bo_addr *a)
{
	static const uint8_t one[16] = {[15] = 1};
	return a->family == 4 ? a->a[0] == 127 : a->family == 6 && memcmp(a->a, one, 16) == 0;
}

int rsp_access_mode(int keyed, int nallow, int anyone)
{
	return anyone   ? RSP_ACCESS_ANYONE
	       : keyed  ? RSP_ACCESS_KEY
	       : nallow ? RSP_ACCESS_ALLOWED
	                : RSP_ACCESS_LOOPBACK;
}

int rsp_access_permits(int mode, const bo_addr *peer)
{
	return mode != RSP_ACCESS_LOOPBACK || rsp_addr_loopback(peer);
}

const char *rsp_access_text(int mode)
{
	static const char *const text[] = {
	        [RSP_ACCESS_LOOPBACK] = "loopback only: no --key-file and no --allow, so a probe "
	                                "on another host gets no events and no echo (give "
	                                "--key-file FILE, the probe then --stamp-key FILE)",
	        [RSP_ACCESS_ALLOWED] = "the --allow networks, unauthenticated",
	        [RSP_ACCESS_KEY] = "authenticated: events only to a probe with the key (its "
	                           "--stamp-key); echo to any source allowed",
	        [RSP_ACCESS_ANYONE] = "anyone, unauthenticated (--open-to-anyone): the guest's "
	                              "events go to whoever asks",
	};
	return mode >= 0 && mode <= RSP_ACCESS_ANYONE ? text[mode] : "?";
}

static uint32_t home(const rsp_guard *g, const bo_addr *a)
{
	uint8_t h[crypto_shorthash_BYTES];
	crypto_shorthash(h, (const uint8_t *)a, sizeof *a, g->hash_key);
	uint32_t v;
	memcpy(&v, h, sizeof v);
	return v % RSP_RATE_SLOTS;
}

int rsp_guard_allowed(const rsp_guard *g, const bo_addr *src)
{
	if (g->nallow == 0)
		return 1;
	for (int i = 0; i < g->nallow; i++)
		if (rsp_cidr_match(&g->allow[i], src))
			return 1;
	return 0;
}

int rsp_guard_check(rsp_guard *g, const bo_addr *src, int64_t now_ns)
{
	if (!rsp_guard_allowed(g, src))
		return RSP_DENIED;
	return rsp_guard_charge(g, src, now_ns);
}

int rsp_guard_charge(rsp_guard *g, const bo_addr *src, int64_t now_ns)
{
	if (g->rate == 0)
		return RSP_PASS;
	bo_addr key;
	memset(&key, 0, sizeof key); /* hash and compare the used bytes only */
	key.family = src->family;
	memcpy(key.a, src->a, src->family == 4 ? 4 : 16);
	uint32_t i0 = home(g, &key);
	struct rsp_bucket *b = NULL, *idlest = NULL;
	for (uint32_t k = 0; k < PROBES && !b; k++) {
		struct rsp_bucket *s = &g->buckets[(i0 + k) % RSP_RATE_SLOTS];
		if (s->used && memcmp(&s->addr, &key, sizeof key) == 0)
			b = s;
		else if (!idlest || !s->used || (idlest->used && s->tat < idlest->tat))
			idlest = s;
	}
	if (!b) {
		b = idlest;
		b->used = 1;
		b->addr = key;
		b->tat = now_ns;
	}
	int64_t period = BO_NS_PER_S / g->rate;
	int64_t burst = g->burst_ns ? g->burst_ns : BO_NS_PER_S;
	int64_t tat = b->tat > now_ns ? b->tat : now_ns;
	if (tat - now_ns > burst - period)
		return RSP_LIMITED;
	b->tat = tat + period;
	return RSP_PASS;
}
