/* SPDX-License-Identifier: Apache-2.0 */
/* The Linux transmit backend's parts: tx-raw-linux.c's batch queue (tx-mmsg-linux.c), the
 * pacer thread's alone. */
#ifndef PROBE_TX_LINUX_H
#define PROBE_TX_LINUX_H

#include "probe.h"

typedef struct probe_txq probe_txq;
probe_txq *probe_txq_new(void);
void probe_txq_free(probe_txq *t);
/* Queues a packet for fd's next sendmmsg: PROBE_TX_QUEUED, or a negative code. */
int probe_txq_put(probe_txq *t, probe_slot *s, int fd, const void *l4, size_t len);
void probe_txq_flush(probe_txq *t);
/* sendmmsg calls made, and the probes they carried. */
void probe_txq_counts(const probe_txq *t, uint64_t *calls, uint64_t *batched);

#endif
