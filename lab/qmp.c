/* SPDX-License-Identifier: Apache-2.0 */
/* A QMP client (QEMU Machine Protocol: one JSON object per line over a Unix socket).
 *
 * Commands are synchronous with a deadline; the events that arrive meanwhile are kept, with
 * QEMU's own timestamps (host CLOCK_REALTIME, microseconds), for lab_qmp_event to take.
 * Every line is bounded; a line longer than the buffer ends the connection.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bo_time.h"
#include "qemu.h"

static int64_t left_ms(int64_t deadline)
{
	int64_t left = deadline - bo_clock_mono_ns();
	return left <= 0 ? 0 : left / BO_NS_PER_MS + 1;
}

int lab_qmp_open(lab_qmp *q, const char *path, int64_t deadline)
{
	memset(q, 0, sizeof *q);
	q->fd = -1;
	q->events = json_array();
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path) >= (int)sizeof sa.sun_path)
		return -ENAMETOOLONG;
	/* QEMU makes the socket soon after it starts: retried until the deadline. */
	for (;;) {
		q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (q->fd < 0)
			return -errno;
		if (connect(q->fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			break;
		int e = errno;
		close(q->fd);
		q->fd = -1;
		if ((e != ENOENT && e != ECONNREFUSED) || bo_clock_mono_ns() >= deadline ||
		    lab_interrupted)
			return -e;
		bo_clock_sleep(10 * BO_NS_PER_MS);
	}
	json_t *greeting = lab_qmp_read(q, deadline);
	if (!greeting || !json_object_get(greeting, "QMP")) {
		json_decref(greeting);
		return -EPROTO;
	}
	json_decref(greeting);
	json_t *ret = NULL;
	int rc = lab_qmp_cmd(q, "qmp_capabilities", NULL, &ret, deadline);
	json_decref(ret);
	return rc;
}

void lab_qmp_close(lab_qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	json_decref(q->events);
	q->events = NULL;
}

/* One message, or NULL at the deadline, on a closed socket or a line out of bounds. */
json_t *lab_qmp_read(lab_qmp *q, int64_t deadline)
{
	for (;;) {
		char *nl = memchr(q->buf, '\n', q->len);
		if (nl) {
			size_t n = (size_t)(nl - q->buf) + 1;
			json_t *m = json_loadb(q->buf, n, 0, NULL);
			memmove(q->buf, q->buf + n, q->len - n);
			q->len -= n;
			if (m && json_is_object(m))
				return m;
			json_decref(m);
			continue; /* not an object: skipped */
		}
		if (q->len == sizeof q->buf || q->fd < 0)
			return NULL;
		struct pollfd pf = {q->fd, POLLIN, 0};
		int r = poll(&pf, 1, (int)left_ms(deadline));
		if (r < 0 && errno == EINTR && !lab_interrupted)
			continue;
		if (r <= 0)
			return NULL;
		ssize_t got = read(q->fd, q->buf + q->len, sizeof q->buf - q->len);
		if (got <= 0) {
			close(q->fd);
			q->fd = -1;
			return NULL;
		}
		q->len += (size_t)got;
	}
}

/* Keeps an event; anything else is returned. */
static json_t *take(lab_qmp *q, json_t *m)
{
	if (json_object_get(m, "event")) {
		json_array_append_new(q->events, m);
		return NULL;
	}
	return m;
}

int lab_qmp_cmd(lab_qmp *q, const char *execute, json_t *args, json_t **ret, int64_t deadline)
{
	*ret = NULL;
	json_t *req = json_pack("{s:s}", "execute", execute);
	if (args)
		json_object_set_new(req, "arguments", args);
	char *s = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!s)
		return -ENOMEM;
	size_t n = strlen(s);
	int rc = q->fd >= 0 && write(q->fd, s, n) == (ssize_t)n && write(q->fd, "\n", 1) == 1
	                 ? 0
	                 : -EPIPE;
	free(s);
	while (rc == 0) {
		json_t *m = lab_qmp_read(q, deadline);
		if (!m)
			return -ETIMEDOUT;
		if (!(m = take(q, m)))
			continue;
		json_t *r = json_object_get(m, "return");
		if (r) {
			*ret = json_incref(r);
			json_decref(m);
			return 0;
		}
		json_t *e = json_object_get(m, "error");
		snprintf(q->error, sizeof q->error, "%s",
		         e ? json_string_value(json_object_get(e, "desc")) ?: "error" : "reply");
		json_decref(m);
		return -EPROTO;
	}
	return rc;
}

int64_t lab_qmp_time(const json_t *event)
{
	json_t *ts = json_object_get(event, "timestamp");
	json_int_t s = json_integer_value(json_object_get(ts, "seconds"));
	json_int_t us = json_integer_value(json_object_get(ts, "microseconds"));
	if (s <= 0 || us < 0 || us >= 1000000 || s > BO_TIME_MAX / BO_NS_PER_S - 1)
		return 0;
	return (int64_t)s * BO_NS_PER_S + (int64_t)us * 1000;
}

/* The first kept or arriving event NAME whose data matches (key, value) when key is set and
 * whose timestamp is since or later (an older one is another migration's); NULL at the
 * deadline. The caller owns it. */
json_t *lab_qmp_event(lab_qmp *q, const char *name, const char *key, const char *value,
                      int64_t since, int64_t deadline)
{
	for (;;) {
		size_t i;
		json_t *ev;
		json_array_foreach(q->events, i, ev)
		{
			const char *n = json_string_value(json_object_get(ev, "event"));
			const char *v = key ? json_string_value(json_object_get(
			                              json_object_get(ev, "data"), key))
			                    : NULL;
			if (n && !strcmp(n, name) && (!key || (v && !strcmp(v, value))) &&
			    lab_qmp_time(ev) >= since) {
				json_incref(ev);
				json_array_remove(q->events, i);
				return ev;
			}
		}
		json_t *m = lab_qmp_read(q, deadline);
		if (!m)
			return NULL;
		if ((m = take(q, m)))
			json_decref(m); /* a late reply to a command that timed out */
	}
}
