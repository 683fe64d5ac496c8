/* SPDX-License-Identifier: Apache-2.0 */
/* Handing items from threads the system owns (Windows notification and WFP callbacks) to the
 * loop: a bounded ring under a mutex and a uv_async wake-up. The loop takes the items in
 * order; what did not fit is counted and reported with the next item taken. */
#include <stdlib.h>
#include <string.h>

#include "responder.h"

int rsp_handoff_init(rsp_handoff *h, uv_loop_t *loop, size_t item_size, unsigned cap,
                     rsp_handoff_take take, void *data)
{
	memset(h, 0, sizeof *h);
	if (item_size > RSP_HANDOFF_MAX_ITEM || !cap)
		return -1;
	h->items = calloc(cap, item_size);
	if (!h->items)
		return -1;
	h->size = item_size;
	h->cap = cap;
	h->take = take;
	h->data = data;
	uv_mutex_init(&h->lock);
	h->wake.data = h;
	if (uv_async_init(loop, &h->wake, rsp_handoff_drain) != 0) {
		uv_mutex_destroy(&h->lock);
		free(h->items);
		return -1;
	}
	return 0;
}

int rsp_handoff_push(rsp_handoff *h, const void *item)
{
	int rc = 0;
	uv_mutex_lock(&h->lock);
	if (h->count < h->cap) {
		memcpy(h->items + (size_t)((h->head + h->count) % h->cap) * h->size, item, h->size);
		h->count++;
	} else {
		h->dropped++;
		rc = -1;
	}
	uv_mutex_unlock(&h->lock);
	uv_async_send(&h->wake);
	return rc;
}

void rsp_handoff_drain(uv_async_t *a)
{
	rsp_handoff *h = a->data;
	uint8_t item[RSP_HANDOFF_MAX_ITEM];
	for (;;) {
		uv_mutex_lock(&h->lock);
		if (!h->count) {
			uv_mutex_unlock(&h->lock);
			return;
		}
		memcpy(item, h->items + (size_t)h->head * h->size, h->size);
		h->head = (h->head + 1) % h->cap;
		h->count--;
		unsigned dropped = h->dropped;
		h->dropped = 0;
		uv_mutex_unlock(&h->lock);
		h->take(h->data, item, dropped);
	}
}

static void closed(uv_handle_t *handle)
{
	rsp_handoff *h = handle->data;
	uv_mutex_destroy(&h->lock);
	free(h->items);
	if (h->closed)
		h->closed(h->data);
}

void rsp_handoff_close(rsp_handoff *h, void (*done)(void *data))
{
	h->closed = done;
	uv_close((uv_handle_t *)&h->wake, closed);
}
