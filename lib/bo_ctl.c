/* SPDX-License-Identifier: Apache-2.0 */
/* The first line a TCP client sends to blackout-responder: what it wants from the connection
 * (bo_ctl.h). */
#include "bo_ctl.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "bo_err.h"

#define MAGIC BO_CTL_MAGIC

int bo_ctl_parse(const uint8_t *buf, size_t len, bo_ctl_req *req)
{
	const uint8_t *nl = memchr(buf, '\n', len < BO_CTL_REQ_MAX ? len : BO_CTL_REQ_MAX);
	if (!nl)
		return len < BO_CTL_REQ_MAX ? 0 : BO_EINVAL;
	size_t n = (size_t)(nl - buf);
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	size_t m = sizeof MAGIC - 1;
	if (n < m || memcmp(buf, MAGIC, m) != 0)
		return BO_EINVAL;
	const uint8_t *p = buf + m, *end = buf + n;
	memset(req, 0, sizeof *req);
	if ((size_t)(end - p) == 4 && memcmp(p, "echo", 4) == 0) {
		req->kind = BO_CTL_ECHO;
	} else if ((size_t)(end - p) > 7 && memcmp(p, "events ", 7) == 0) {
		req->kind = BO_CTL_EVENTS;
		p += 7;
		if (end - p > 20) /* more digits than a uint64 holds */
			return BO_EINVAL;
		uint64_t v = 0;
		for (; p < end; p++) {
			if (*p < '0' || *p > '9')
				return BO_EINVAL;
			uint64_t d = (uint64_t)(*p - '0');
			if (v > (UINT64_MAX - d) / 10) /* 20 digits past 2^64 - 1 */
				return BO_EINVAL;
			v = v * 10 + d;
		}
		req->from = v;
	} else {
		return BO_EINVAL;
	}
	return (int)(nl - buf) + 1;
}

int bo_ctl_format(const bo_ctl_req *req, char *buf, size_t len)
{
	if (req->kind == BO_CTL_EVENTS)
		return snprintf(buf, len, MAGIC "events %llu\n", (unsigned long long)req->from);
	return snprintf(buf, len, MAGIC "echo\n");
}

const char *bo_ctl_kind_name(int kind)
{
	return kind == BO_CTL_ECHO ? "echo" : kind == BO_CTL_EVENTS ? "events" : "?";
}

void bo_ctl_auth(const bo_stamp_key *key, const uint8_t challenge[BO_CTL_CHALLENGE_LEN],
                 uint8_t mac[BO_CTL_CHALLENGE_LEN])
{
	static const char label[] = "BLACKOUT/1 events";
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key->k, key->len);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)label, sizeof label - 1);
	crypto_auth_hmacsha256_update(&st, challenge, BO_CTL_CHALLENGE_LEN);
	crypto_auth_hmacsha256_final(&st, mac);
}

int bo_ctl_hex_line(const char *word, const uint8_t v[BO_CTL_CHALLENGE_LEN], char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s ", word);
	for (int i = 0; i < BO_CTL_CHALLENGE_LEN && n > 0 && (size_t)n + 3 < len; i++)
		n += snprintf(buf + n, len - (size_t)n, "%02x", v[i]);
	return n + snprintf(buf + n, len - (size_t)n, "\n");
}

static int hexval(uint8_t c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int bo_ctl_parse_hex_line(const char *word, const uint8_t *buf, size_t len,
                          uint8_t v[BO_CTL_CHALLENGE_LEN])
{
	const uint8_t *nl =
	        memchr(buf, '\n', len < BO_CTL_HEX_LINE_MAX ? len : BO_CTL_HEX_LINE_MAX);
	if (!nl)
		return len < BO_CTL_HEX_LINE_MAX ? 0 : BO_EINVAL;
	size_t n = (size_t)(nl - buf), w = strlen(word);
	if (n != w + 1 + 2 * BO_CTL_CHALLENGE_LEN || memcmp(buf, word, w) != 0 || buf[w] != ' ')
		return BO_EINVAL;
	for (int i = 0; i < BO_CTL_CHALLENGE_LEN; i++) {
		int hi = hexval(buf[w + 1 + 2 * i]), lo = hexval(buf[w + 2 + 2 * i]);
		if (hi < 0 || lo < 0)
			return BO_EINVAL;
		v[i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)n + 1;
}
