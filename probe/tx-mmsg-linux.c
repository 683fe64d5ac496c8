/* SPDX-License-Identifier: Apache-2.0 */
/* Batched transmit on Linux: probes that go out through one of the run's shared raw sockets
 * (icmp, icmp-new, tcp-syn, and udp through a raw UDP socket) are queued while the pacer sends
 * what is due, and leave in one sendmmsg() per socket when it is about to sleep, or when a
 * socket's queue is full. One system call then carries up to TXQ_MAX probes: the fixed cost
 * of a send (entering the kernel, the socket's lock, the timer wake-up it follows) is paid
 * once a batch instead of once a probe. Each probe's deadline is in its payload and the
 * capture has the moment it left, so the schedule error is still known for every probe.
 *
 * The queue belongs to the pacer thread: nothing here locks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sock.h"
#include "tx-linux.h"

#define TXQ_MAX 64 /* probes in one sendmmsg */
#define TXQ_FDS 6  /* the shared raw sockets: ICMP, TCP and UDP, each for IPv4 and IPv6 */

typedef struct txq_fd {
	int fd, n;
	struct mmsghdr msg[TXQ_MAX];
	struct iovec iov[TXQ_MAX];
	struct sockaddr_storage to[TXQ_MAX];
	uint8_t buf[TXQ_MAX][BO_PROBE_MAX];
	probe_slot *slot[TXQ_MAX];
	uint8_t fast[TXQ_MAX];
} txq_fd;

struct probe_txq {
	txq_fd q[TXQ_FDS];
	int nq;
	uint64_t calls, batched; /* sendmmsg calls, the probes they carried */
};

probe_txq *probe_txq_new(void)
{
	return calloc(1, sizeof(probe_txq));
}

void probe_txq_free(probe_txq *t)
{
	free(t);
}

static void flush_fd(probe_txq *t, txq_fd *q)
{
	int i = 0;
	while (i < q->n) {
		int r = sendmmsg(q->fd, q->msg + i, (unsigned)(q->n - i), MSG_DONTWAIT);
		t->calls++;
		if (r <= 0) { /* the first unsent one failed: count it, go on after it */
			int e = r < 0 ? errno : EIO;
			if (e == EINTR)
				continue;
			probe_tx_done(q->slot[i], q->fast[i], -e);
			i++;
			continue;
		}
		for (int k = i; k < i + r; k++)
			probe_tx_done(q->slot[k], q->fast[k], 0);
		t->batched += (uint64_t)r;
		i += r;
	}
	q->n = 0;
}

void probe_txq_flush(probe_txq *t)
{
	for (int i = 0; i < t->nq; i++)
		if (t->q[i].n)
			flush_fd(t, &t->q[i]);
}

int probe_txq_put(probe_txq *t, probe_slot *s, int fd, const void *l4, size_t len)
{
	if (len > BO_PROBE_MAX)
		return -EINVAL;
	txq_fd *q = NULL;
	for (int i = 0; i < t->nq && !q; i++)
		if (t->q[i].fd == fd)
			q = &t->q[i];
	if (!q) {
		if (t->nq == TXQ_FDS)
			return -EINVAL;
		q = &t->q[t->nq++];
		q->fd = fd;
	}
	int k = q->n++;
	memcpy(q->buf[k], l4, len);
	q->iov[k] = (struct iovec){.iov_base = q->buf[k], .iov_len = len};
	socklen_t sl = probe_sockaddr(&s->target->addr, 0, &q->to[k]);
	q->msg[k] = (struct mmsghdr){.msg_hdr = {.msg_name = &q->to[k],
	                                         .msg_namelen = sl,
	                                         .msg_iov = &q->iov[k],
	                                         .msg_iovlen = 1}};
	q->slot[k] = s;
	q->fast[k] = (uint8_t)s->in_fast;
	if (q->n == TXQ_MAX)
		flush_fd(t, q);
	return PROBE_TX_QUEUED;
}

void probe_txq_counts(const probe_txq *t, uint64_t *calls, uint64_t *batched)
{
	*calls = t ? t->calls : 0;
	*batched = t ? t->batched : 0;
}
