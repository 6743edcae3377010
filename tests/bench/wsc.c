/* wsc.c - the generator's websocket client (RFC 6455, client side, text
 * frames, no extensions). See wsc.h for why it is not libwebsockets. */
#include "wsc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

enum { WSC_CONNECTING, WSC_HANDSHAKE, WSC_OPEN, WSC_DEAD };

#define WSC_RX_SIZE (256 * 1024)   /* one recv() takes everything a server sent */
#define WSC_HANDSHAKE_MAX 8192     /* a 101 response longer than this is refused */
#define WSC_MESSAGE_MAX (1 << 20)  /* a fragmented message bigger than this is refused */
#define WSC_EVENTS 1024

/* The server only needs a 16-byte nonce in base64; the generator does not
 * check Sec-WebSocket-Accept (it talks only to servers it started), so one
 * fixed key serves every connection: "vegvisar-bench12". */
#define WSC_KEY "dmVndmlzYXItYmVuY2gxMg=="

static uint32_t wsc_random(struct wsc_loop *l)
{
	uint32_t x = l->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return l->rng = x;
}

int wsc_parse_url(struct wsc_target *t, const char *url)
{
	const char *p = url, *colon, *slash;

	if (strncmp(p, "ws://", 5))
		return -1;
	p += 5;
	colon = strchr(p, ':');
	slash = strchr(p, '/');
	if (!colon || (slash && slash < colon) || (size_t)(colon - p) >= sizeof(t->host))
		return -1;
	memcpy(t->host, p, (size_t)(colon - p));
	t->host[colon - p] = '\0';
	t->port = atoi(colon + 1);
	snprintf(t->path, sizeof(t->path), "%s", slash ? slash : "/");
	return t->port > 0 && t->port < 65536 ? 0 : -1;
}

int wsc_loop_init(struct wsc_loop *l, const struct wsc_target *t, const struct wsc_ops *ops)
{
	memset(l, 0, sizeof(*l));
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->rx_size = WSC_RX_SIZE;
	l->rx = malloc(l->rx_size);
	if (l->epfd < 0 || !l->rx)
		return -1;
	l->ops = ops;
	l->target = t;
	l->rng = (uint32_t)time(NULL) | 1u;
	l->request_len = (size_t)snprintf(
		l->request, sizeof(l->request),
		"GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		"Sec-WebSocket-Key: " WSC_KEY "\r\nSec-WebSocket-Version: 13\r\n"
		"Sec-WebSocket-Protocol: %s\r\nOrigin: http://%s:%d\r\n\r\n",
		t->path, t->host, t->port, t->protocol, t->host, t->port);
	return l->request_len < sizeof(l->request) ? 0 : -1;
}

static void wsc_free_dead(struct wsc_loop *l)
{
	while (l->dead) {
		struct wsc *c = l->dead;
		l->dead = c->next_dead;
		free(c->rbuf);
		free(c->msg);
		free(c->wbuf);
		free(c);
	}
}

void wsc_loop_free(struct wsc_loop *l)
{
	wsc_free_dead(l);
	if (l->epfd >= 0)
		close(l->epfd);
	free(l->rx);
}

/* The one teardown: RST rather than FIN, so that tens of thousands of
 * closed connections leave no TIME_WAIT behind to exhaust the ports. */
static void wsc_drop(struct wsc *c)
{
	struct linger lg = { 1, 0 };

	if (c->state == WSC_DEAD)
		return;
	c->state = WSC_DEAD;
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c->fd);
	c->next_dead = c->loop->dead;
	c->loop->dead = c;
}

static void wsc_fail(struct wsc *c, const char *why)
{
	if (c->state == WSC_DEAD)
		return;
	wsc_drop(c);
	c->loop->ops->closed(c, why);
}

void wsc_abort(struct wsc *c)
{
	wsc_drop(c);
}

static int wsc_want_out(struct wsc *c, int on)
{
	struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c };

	if ((unsigned)on == c->out_events)
		return 0;
	c->out_events = (unsigned)on;
	return epoll_ctl(c->loop->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

struct wsc *wsc_connect(struct wsc_loop *l, void *user)
{
	const struct wsc_target *t = l->target;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)t->port) };
	struct epoll_event ev = { .events = EPOLLOUT };
	struct wsc *c;
	int fd, one = 1, e;

	if (inet_pton(AF_INET, t->host, &to.sin_addr) != 1) {
		errno = EINVAL;
		return NULL;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (t->src_ips > 1) {
		/* Each source address has its own 28k ephemeral ports; the port
		 * is only chosen at connect(), per destination. */
		struct sockaddr_in from = { .sin_family = AF_INET };
		from.sin_addr.s_addr = htonl(0x7f000001u + (uint32_t)(l->connects % t->src_ips));
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&from, sizeof(from)))
			goto fail;
	}
	l->connects++;
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) && errno != EINPROGRESS)
		goto fail;
	c = calloc(1, sizeof(*c));
	if (!c)
		goto fail;
	c->fd = fd;
	c->state = WSC_CONNECTING;
	c->user = user;
	c->loop = l;
	c->out_events = 1;
	ev.data.ptr = c;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		free(c);
		goto fail;
	}
	return c;
fail:
	e = errno;
	close(fd);
	errno = e;
	return NULL;
}

/* Queue what send() did not take, and ask for EPOLLOUT. */
static int wsc_keep(struct wsc *c, const char *p, size_t n)
{
	size_t need = c->wlen - c->woff + n;

	if (c->woff) {
		memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
		c->wlen -= c->woff;
		c->woff = 0;
	}
	if (need > c->wlen) {
		char *grown = realloc(c->wbuf, need);
		if (!grown)
			return -1;
		c->wbuf = grown;
	}
	memcpy(c->wbuf + c->wlen, p, n);
	c->wlen += n;
	return wsc_want_out(c, 1);
}

static int wsc_write(struct wsc *c, const char *p, size_t n)
{
	ssize_t sent = 0;

	if (c->wlen == c->woff) {
		sent = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (sent < 0) {
			if (errno != EAGAIN) {
				wsc_fail(c, strerror(errno));
				return -1;
			}
			sent = 0;
		}
		if ((size_t)sent == n)
			return 0;
	}
	if (wsc_keep(c, p + sent, n - (size_t)sent)) {
		wsc_fail(c, "out of memory");
		return -1;
	}
	return 0;
}

static void wsc_flush(struct wsc *c)
{
	ssize_t sent = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (sent < 0) {
		if (errno != EAGAIN)
			wsc_fail(c, strerror(errno));
		return;
	}
	c->woff += (size_t)sent;
	if (c->woff == c->wlen) {
		c->woff = c->wlen = 0;
		wsc_want_out(c, 0);
	}
}

/* A client frame: FIN, the opcode, the length, a mask key, masked payload. */
static int wsc_send_frame(struct wsc *c, int opcode, const char *text, size_t len)
{
	static unsigned char stack[16 * 1024];
	unsigned char *f = len + 14 <= sizeof(stack) ? stack : malloc(len + 14);
	unsigned char key[4];
	uint32_t k = wsc_random(c->loop);
	size_t h = 0, i;
	int rc;

	if (!f)
		return -1;
	f[h++] = (unsigned char)(0x80 | opcode);
	if (len < 126) {
		f[h++] = (unsigned char)(0x80 | len);
	} else if (len < 65536) {
		f[h++] = 0x80 | 126;
		f[h++] = (unsigned char)(len >> 8);
		f[h++] = (unsigned char)len;
	} else {
		f[h++] = 0x80 | 127;
		for (int s = 56; s >= 0; s -= 8)
			f[h++] = (unsigned char)((uint64_t)len >> s);
	}
	memcpy(key, &k, 4);
	memcpy(f + h, key, 4);
	h += 4;
	for (i = 0; i < len; i++)
		f[h + i] = (unsigned char)text[i] ^ key[i & 3];
	rc = wsc_write(c, (const char *)f, h + len);
	if (f != stack)
		free(f);
	return rc;
}

int wsc_send_text(struct wsc *c, const char *text, size_t len)
{
	if (c->state != WSC_OPEN)
		return -1;
	return wsc_send_frame(c, 0x1, text, len);
}

/* Hand one whole message to the caller, NUL-terminated for convenience:
 * the byte after it (the next frame's first byte) is saved and put back. */
static void wsc_deliver(struct wsc *c, char *p, size_t len)
{
	char saved = p[len];

	p[len] = '\0';
	c->loop->ops->message(c, p, len);
	p[len] = saved;
}

static int wsc_fragment(struct wsc *c, const char *p, size_t len)
{
	char *grown;

	if (c->msg_len + len > WSC_MESSAGE_MAX)
		return -1;
	grown = realloc(c->msg, c->msg_len + len + 1);
	if (!grown)
		return -1;
	c->msg = grown;
	memcpy(c->msg + c->msg_len, p, len);
	c->msg_len += len;
	return 0;
}

/* Handle the frames complete in buf; returns the bytes used, or -1 when the
 * connection has gone. buf has one spare byte after total. */
static long wsc_parse(struct wsc *c, char *buf, size_t total)
{
	size_t pos = 0;

	if (c->state == WSC_HANDSHAKE) {
		char *end = memmem(buf, total, "\r\n\r\n", 4);
		if (!end) {
			if (total > WSC_HANDSHAKE_MAX)
				wsc_fail(c, "handshake response too long");
			return c->state == WSC_DEAD ? -1 : 0;
		}
		if (strncmp(buf, "HTTP/1.1 101", 12)) {
			char why[128];
			snprintf(why, sizeof(why), "upgrade refused: %.*s", (int)strcspn(buf, "\r\n"),
				 buf);
			wsc_fail(c, why);
			return -1;
		}
		c->state = WSC_OPEN;
		pos = (size_t)(end + 4 - buf);
		c->loop->ops->open(c);
		if (c->state == WSC_DEAD)
			return -1;
	}
	while (total - pos >= 2) {
		unsigned char b0 = (unsigned char)buf[pos], b1 = (unsigned char)buf[pos + 1];
		int fin = b0 & 0x80, op = b0 & 0x0f;
		uint64_t len = b1 & 0x7f;
		size_t h = 2;
		char *p;

		if (len == 126) {
			if (total - pos < 4)
				break;
			len = ((uint64_t)(unsigned char)buf[pos + 2] << 8) | (unsigned char)buf[pos + 3];
			h = 4;
		} else if (len == 127) {
			if (total - pos < 10)
				break;
			len = 0;
			for (int i = 0; i < 8; i++)
				len = len << 8 | (unsigned char)buf[pos + 2 + i];
			h = 10;
		}
		if (b1 & 0x80)
			h += 4; /* a server must not mask; tolerate it anyway */
		if (len > WSC_MESSAGE_MAX) {
			wsc_fail(c, "frame too large");
			return -1;
		}
		if (total - pos < h + len)
			break;
		p = buf + pos + h;
		if (b1 & 0x80)
			for (uint64_t i = 0; i < len; i++)
				p[i] ^= buf[pos + h - 4 + (i & 3)];
		pos += h + (size_t)len;
		switch (op) {
		case 0x1:
		case 0x2:
		case 0x0:
			if (fin && op && !c->msg_len) {
				wsc_deliver(c, p, (size_t)len);
				break;
			}
			if (wsc_fragment(c, p, (size_t)len)) {
				wsc_fail(c, "fragmented message too large");
				return -1;
			}
			if (fin) {
				size_t n = c->msg_len;
				c->msg_len = 0;
				wsc_deliver(c, c->msg, n);
			}
			break;
		case 0x8: {
			char why[64];
			int code = len >= 2 ? ((unsigned char)p[0] << 8 | (unsigned char)p[1]) : 0;
			snprintf(why, sizeof(why), "closed by the server (code %d)", code);
			wsc_fail(c, why);
			return -1;
		}
		case 0x9:
			wsc_send_frame(c, 0xA, p, (size_t)len);
			break;
		default:
			break;
		}
		if (c->state == WSC_DEAD)
			return -1;
	}
	return (long)pos;
}

static void wsc_read(struct wsc *c)
{
	struct wsc_loop *l = c->loop;
	char *buf;
	size_t total;
	ssize_t n;
	long used;

	if (c->rlen) {
		if (c->rcap - c->rlen < 65536 + 1) {
			char *grown = realloc(c->rbuf, c->rlen + 65536 + 1);
			if (!grown) {
				wsc_fail(c, "out of memory");
				return;
			}
			c->rbuf = grown;
			c->rcap = c->rlen + 65536 + 1;
		}
		buf = c->rbuf;
		n = recv(c->fd, buf + c->rlen, c->rcap - c->rlen - 1, 0);
	} else {
		buf = l->rx;
		n = recv(c->fd, buf, l->rx_size - 1, 0);
	}
	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		wsc_fail(c, n == 0 ? "connection closed by the server" : strerror(errno));
		return;
	}
	total = c->rlen + (size_t)n;
	used = wsc_parse(c, buf, total);
	if (used < 0)
		return;
	c->rlen = total - (size_t)used;
	if (!c->rlen)
		return;
	if (buf == c->rbuf) {
		memmove(c->rbuf, c->rbuf + used, c->rlen);
	} else {
		if (c->rcap < c->rlen + 1) {
			char *grown = realloc(c->rbuf, c->rlen + 1);
			if (!grown) {
				wsc_fail(c, "out of memory");
				return;
			}
			c->rbuf = grown;
			c->rcap = c->rlen + 1;
		}
		memcpy(c->rbuf, buf + used, c->rlen);
	}
}

static void wsc_connected(struct wsc *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
		wsc_fail(c, strerror(err ? err : errno));
		return;
	}
	c->state = WSC_HANDSHAKE;
	if (wsc_write(c, c->loop->request, c->loop->request_len) == 0 && c->wlen == 0)
		wsc_want_out(c, 0);
}

int wsc_loop_once(struct wsc_loop *l, int64_t timeout_ns)
{
	static struct epoll_event evs[WSC_EVENTS];
	struct timespec ts = { timeout_ns / 1000000000, timeout_ns % 1000000000 };
	int n = epoll_pwait2(l->epfd, evs, WSC_EVENTS, timeout_ns < 0 ? NULL : &ts, NULL);

	if (n < 0)
		return errno == EINTR ? 0 : -1;
	for (int i = 0; i < n; i++) {
		struct wsc *c = evs[i].data.ptr;
		uint32_t e = evs[i].events;

		if (c->state == WSC_DEAD)
			continue;
		if (c->state == WSC_CONNECTING) {
			wsc_connected(c);
			continue;
		}
		if ((e & EPOLLOUT) && c->wlen)
			wsc_flush(c);
		if (c->state != WSC_DEAD && (e & (EPOLLIN | EPOLLERR | EPOLLHUP)))
			wsc_read(c);
	}
	wsc_free_dead(l);
	return n;
}
