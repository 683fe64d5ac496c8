/* SPDX-License-Identifier: Apache-2.0 */
/* Hyper-V's KVP pool files (bo_kvp.c): hv_kvp_daemon's records in a Linux guest. */
#ifndef BO_KVP_H
#define BO_KVP_H

#include <stddef.h>
#include <stdint.h>

/* The host's name (PhysicalHostNameFullyQualified, else PhysicalHostName, else HostName) and the
 * VM's; records read and records refused (unterminated, control characters, too long). */
typedef struct bo_kvp {
	char host[256], vm[256];
	unsigned records, bad;
} bo_kvp;

/* 0, or -1 when len is not a whole number of records. */
int bo_kvp_parse(const uint8_t *data, size_t len, bo_kvp *out);
/* Reads the pool file at path (at most BO_KVP_MAX, its whole records; a symbolic link refused
 * where the system can): 0, or a negative errno. Not thread-safe. */
int bo_kvp_load(const char *path, bo_kvp *out);
/* Writes one record into buf: its size, 0 if it does not fit. */
size_t bo_kvp_record(uint8_t *buf, size_t cap, const char *key, const char *value);

#define BO_KVP_RECORD 2560
#define BO_KVP_POOL "/var/lib/hyperv/.kvp_pool_3"
#define BO_KVP_MAX (64 * BO_KVP_RECORD) /* a pool file is read at most this far */

#endif
