/* SPDX-License-Identifier: Apache-2.0 */
/* Hyper-V's Data Exchange (KVP) values in a Linux guest, as hv_kvp_daemon keeps them: a pool
 * file of fixed records, a key of 512 octets then a value of 2048, each NUL-terminated and
 * NUL-padded (Linux's uapi hyperv.h, HV_KVP_EXCHANGE_MAX_KEY_SIZE and _VALUE_SIZE). Pool 3
 * (/var/lib/hyperv/.kvp_pool_3) holds what the host pushes, the Linux side of Windows'
 * HKLM\SOFTWARE\Microsoft\Virtual Machine\Guest\Parameters: HostName, PhysicalHostName,
 * PhysicalHostNameFullyQualified, VirtualMachineName. Microsoft says the host's values are
 * rewritten when the VM moves to another host, so a changed name marks a migration.
 *
 * The file is the host's words relayed: every record is checked (terminated fields, printable
 * UTF-8 of bounded length) and what fails is counted, never read past. Portable, so the tests
 * and the fuzzer reach it; the responder's watchers are responder/sys-linux.c (the file) and
 * kvp-win.c (the registry); the lab writes the file. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "bo_kvp.h"

#ifndef O_NOFOLLOW /* not on Windows, which has no pool files */
#define O_NOFOLLOW 0
#endif
#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif
#ifndef O_BINARY
#define O_BINARY 0
#endif

#define KEY_SIZE 512
#define VALUE_SIZE 2048
#define RECORD (KEY_SIZE + VALUE_SIZE)

/* A field's text: up to its NUL, which must come within the field; printable (no control
 * characters; octets above 0x7f left to the JSON writer's UTF-8 check). */
static int field(const uint8_t *f, size_t cap, size_t *len)
{
	const uint8_t *nul = memchr(f, 0, cap);
	if (!nul)
		return -1;
	*len = (size_t)(nul - f);
	for (size_t i = 0; i < *len; i++)
		if (f[i] < 0x20 || f[i] == 0x7f)
			return -1;
	return 0;
}

static const char *const host_keys[] = {"PhysicalHostNameFullyQualified", "PhysicalHostName",
                                        "HostName"}; /* the first present wins */

int bo_kvp_parse(const uint8_t *data, size_t len, bo_kvp *out)
{
	memset(out, 0, sizeof *out);
	if (len % RECORD != 0)
		return -1;
	int rank = 3; /* of host_keys: lower is better */
	for (size_t off = 0; off < len; off += RECORD) {
		const uint8_t *k = data + off, *v = k + KEY_SIZE;
		size_t kl, vl;
		if (field(k, KEY_SIZE, &kl) != 0 || field(v, VALUE_SIZE, &vl) != 0) {
			out->bad++;
			continue;
		}
		if (vl >= sizeof out->host) { /* a host name is shorter: not taken, counted */
			out->bad++;
			continue;
		}
		out->records++;
		for (int i = 0; i < rank; i++)
			if (kl == strlen(host_keys[i]) && !memcmp(k, host_keys[i], kl)) {
				memcpy(out->host, v, vl);
				out->host[vl] = 0;
				rank = i;
				break;
			}
		if (kl == strlen("VirtualMachineName") && !memcmp(k, "VirtualMachineName", kl)) {
			memcpy(out->vm, v, vl);
			out->vm[vl] = 0;
		}
	}
	return 0;
}

int bo_kvp_load(const char *path, bo_kvp *out)
{
	static uint8_t buf[BO_KVP_MAX]; /* its callers are single-threaded */
	memset(out, 0, sizeof *out);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_BINARY);
	if (fd < 0)
		return -errno;
	size_t len = 0;
	ssize_t n;
	while (len < sizeof buf && (n = read(fd, buf + len, sizeof buf - len)) > 0)
		len += (size_t)n;
	close(fd);
	/* a file longer than BO_KVP_MAX: its first records, whole */
	return bo_kvp_parse(buf, len - len % RECORD, out) == 0 ? 0 : -EINVAL;
}

size_t bo_kvp_record(uint8_t *buf, size_t cap, const char *key, const char *value)
{
	size_t kl = strlen(key), vl = strlen(value);
	if (cap < RECORD || kl >= KEY_SIZE || vl >= VALUE_SIZE)
		return 0;
	memset(buf, 0, RECORD);
	memcpy(buf, key, kl);
	memcpy(buf + KEY_SIZE, value, vl);
	return RECORD;
}
