/* client.c - per-client send queue and teardown; the socket's side of it
 * is the transport's, through the table it registered (client.h). */
#include "client.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/daemon.h"
#include "desk/handover.h"
#include "base/jbuf.h"
#include "base/log.h"
#include "handle.h"
#include "proto.h"
#include "base/util.h"

static const struct client_transport *client_io;

void client_set_transport(const struct client_transport *t)
{
	client_io = t;
}

/* 1 while the client has so many replies queued or owed that reading more
 * of its messages would only make the queue longer. */
static int client_backlogged(const struct client *c, unsigned count_at, size_t bytes_div)
{
	return c->outq_count + c->pending_finishes >= count_at ||
	       c->outq_bytes >= c->d->conf.bounds.send_queue_bytes / bytes_div;
}

void client_flow_check(struct client *c)
{
	if (c->rx_paused || c->overflowed || !client_backlogged(c, CLIENT_RX_PAUSE_AT, 4))
		return;
	c->rx_paused = 1;
	c->d->metrics.rx_paused++;
	client_io->rx_flow(c->wsi, 0);
}

/* Queue buf (the transport's headroom, then len bytes of text), which the
 * queue now owns; NULL buf means out of memory. Either way a reply the
 * client waits for may be lost, so the client is closed: it reconnects and
 * resumes instead of waiting forever. */
static void client_enqueue(struct client *c, unsigned char *buf, size_t len)
{
	struct outq_item *it;
	size_t bound = c->d->conf.bounds.send_queue_bytes;

	if (c->overflowed || !buf || c->outq_count == CLIENT_OUTQ_MAX ||
	    c->outq_bytes + len > bound) {
		if (!c->overflowed && !buf) {
			log_err("out of memory for a reply: closing the client");
		} else if (!c->overflowed) {
			log_warn(
				"client send queue full (%u messages, %zu bytes; bound %d messages, "
				"%zu bytes): closing a slow reader",
				c->outq_count, c->outq_bytes, CLIENT_OUTQ_MAX, bound);
			c->d->metrics.slow_closed++;
		}
		free(buf);
		c->overflowed = 1;
		client_io->want_write(c->wsi);
		return;
	}
	it = &c->outq[(c->outq_head + c->outq_count) % CLIENT_OUTQ_MAX];
	it->buf = buf;
	it->len = len;
	c->outq_count++;
	c->outq_bytes += len;
	c->d->metrics.outq_bytes += (long long)len;
	client_io->want_write(c->wsi);
}

void client_send_text(struct client *c, const char *text, size_t len)
{
	unsigned char *buf = malloc(client_io->headroom + len);

	if (buf)
		memcpy(buf + client_io->headroom, text, len);
	client_enqueue(c, buf, len);
}

void client_reply_begin(struct jbuf *b)
{
	static const char zeros[32];

	for (size_t n = client_io->headroom, k; n; n -= k) {
		k = n < sizeof(zeros) ? n : sizeof(zeros);
		jbuf_raw(b, zeros, k);
	}
}

void client_send_jbuf(struct client *c, struct jbuf *b)
{
	if (b->oom) {
		jbuf_free(b);
		client_enqueue(c, NULL, 0);
		return;
	}
	client_enqueue(c, (unsigned char *)b->p, b->len - client_io->headroom);
	memset(b, 0, sizeof(*b)); /* the queue owns the text now */
}

/* jbuf writes what json_dumps would, at a fraction of its cost. */
void client_send(struct client *c, json_t *msg)
{
	struct jbuf b = { 0 };

	client_reply_begin(&b);
	jbuf_json(&b, msg);
	client_send_jbuf(c, &b);
}

void client_send_error(struct client *c, json_t *re, int code, const char *fmt, ...)
{
	char message[512];
	va_list ap;
	json_t *msg;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	metrics_error(&c->d->metrics, code);
	msg = proto_error(re, (enum proto_code)code, message);
	client_send(c, msg);
	json_decref(msg);
}

/* Drop the oldest queued message (written or not). */
static void client_dequeue(struct client *c)
{
	struct outq_item *it = &c->outq[c->outq_head];

	c->outq_bytes -= it->len;
	c->d->metrics.outq_bytes -= (long long)it->len;
	free(it->buf);
	it->buf = NULL;
	c->outq_head = (c->outq_head + 1) % CLIENT_OUTQ_MAX;
	c->outq_count--;
}

/* Several messages per WRITEABLE while the kernel takes them: one per
 * callback let a burst of small requests (about 50 per 4 KiB read) queue
 * replies faster than they left. */
int client_write_next(struct client *c)
{
	int budget = 16;

	if (c->overflowed) {
		client_io->close_policy(c->wsi, "too slow");
		return -1;
	}
	while (c->outq_count && budget--) {
		struct outq_item *it = &c->outq[c->outq_head];
		int n = client_io->write(c->wsi, it->buf + client_io->headroom, it->len);
		size_t len = it->len;

		client_dequeue(c);
		if (n < (int)len)
			return -1;
		/* Asking costs a poll(2): only when there is more to write. */
		if (c->outq_count && client_io->choked(c->wsi))
			break;
	}
	if (c->rx_paused && !client_backlogged(c, CLIENT_RX_RESUME_AT + 1, 8)) {
		c->rx_paused = 0;
		client_io->rx_flow(c->wsi, 1);
	}
	if (c->outq_count)
		client_io->want_write(c->wsi);
	return 0;
}

void client_subscribe(struct client *c, enum client_list l)
{
	struct client **head = &c->d->subscribers[l];

	if (c->subscribed[l])
		return;
	c->subscribed[l] = 1;
	c->sub_prev[l] = NULL;
	c->sub_next[l] = *head;
	if (*head)
		(*head)->sub_prev[l] = c;
	*head = c;
}

static void client_unsubscribe(struct client *c, enum client_list l)
{
	if (!c->subscribed[l])
		return;
	if (c->sub_prev[l])
		c->sub_prev[l]->sub_next[l] = c->sub_next[l];
	else
		c->d->subscribers[l] = c->sub_next[l];
	if (c->sub_next[l])
		c->sub_next[l]->sub_prev[l] = c->sub_prev[l];
	c->subscribed[l] = 0;
}

void client_broadcast(struct daemon *d, enum client_list l, json_t *msg)
{
	for (struct client *c = d->subscribers[l]; c; c = c->sub_next[l])
		client_send(c, msg);
}

void client_cleanup(struct client *c)
{
	metrics_disconnected(&c->d->metrics, c->role);
	for (int l = 0; l < CLIENT_NLISTS; l++)
		client_unsubscribe(c, (enum client_list)l);
	handle_chat_client_gone(c); /* the other side of its chats is told */
	handover_forget_client(&c->d->handovers, c, util_now_ms());
	if (c->role == ROLE_CITIZEN)
		handle_handover_push_marks(c->d);
	session_group_release(&c->sessions);
	while (c->outq_count)
		client_dequeue(c);
	free(c->rx);
	c->rx = NULL;
	/* Finishes still in the store's hands must not reply to a freed client. */
	if (c->pending_finishes) {
		for (struct pending_finish *p = c->d->pending_head; p; p = p->next)
			if (p->c == c)
				p->c = NULL;
	}
}
