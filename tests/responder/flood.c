/* SPDX-License-Identifier: Apache-2.0 */
/* A loopback flood for the responder: UDP datagrams to 127.0.0.1:PORT at a set rate for a set
 * time, from 256 source ports (256 STAMP sessions). Every 8th datagram is malformed (a random
 * size from 0 to 200 octets), the rest are valid STAMP test packets. Sends in batches with
 * sendmmsg on absolute deadlines. Prints what it sent as JSON.
 * Usage: flood PORT RATE SECONDS */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SOCKS 256
#define BATCH 64

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: flood PORT RATE SECONDS\n");
		return 2;
	}
	int port = atoi(argv[1]);
	double rate = atof(argv[2]), secs = atof(argv[3]);
	struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fds[SOCKS];
	for (int i = 0; i < SOCKS; i++) {
		fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&dst, sizeof dst) != 0) {
			perror("socket");
			return 1;
		}
	}
	static uint8_t pkts[BATCH][200];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	uint64_t sent = 0, failed = 0, seq = 0;
	int64_t t0 = now_ns(), end = t0 + (int64_t)(secs * 1e9);
	int64_t period = (int64_t)(1e9 * BATCH / rate), next = t0;
	unsigned rnd = 12345;
	while (next < end) {
		int fd = fds[(seq / BATCH) % SOCKS];
		for (int i = 0; i < BATCH; i++, seq++) {
			size_t len = 44;
			memset(pkts[i], 0, 44);
			uint32_t s = htonl((uint32_t)seq);
			memcpy(pkts[i], &s, 4);
			pkts[i][14] = 0, pkts[i][15] = 7; /* SSID */
			if (seq % 8 == 7) {
				rnd = rnd * 1103515245 + 12345;
				len = (rnd >> 16) % 201;
				for (size_t k = 0; k < len; k++)
					pkts[i][k] = (uint8_t)(rnd >> (k % 24));
			}
			iov[i].iov_base = pkts[i];
			iov[i].iov_len = len;
			memset(&msgs[i], 0, sizeof msgs[i]);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		int n = sendmmsg(fd, msgs, BATCH, 0);
		sent += n > 0 ? (uint64_t)n : 0;
		failed += n > 0 ? (uint64_t)(BATCH - n) : BATCH;
		next += period;
		int64_t wait = next - now_ns();
		if (wait > 0) {
			struct timespec ts = {wait / 1000000000, wait % 1000000000};
			nanosleep(&ts, NULL);
		}
	}
	double took = (double)(now_ns() - t0) / 1e9;
	printf("{\"sent\": %llu, \"failed\": %llu, \"seconds\": %.3f, \"rate\": %.0f}\n",
	       (unsigned long long)sent, (unsigned long long)failed, took, (double)sent / took);
	return 0;
}
