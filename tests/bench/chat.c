/* chat.c - the chat phase (issue 17, docs/protocol.md "Live chat after a
 * handover"): N pairs of a widget citizen that hands over and an agent that
 * takes it; then both sides send a chat message a second, each timed from
 * when it was due to the other side's push. Against the echo server a pair
 * is two connections that only say hello, and each message comes back to
 * its sender (vv-echo relays nothing between connections). The chats have a
 * wsc loop of their own (drive.c's agents never see their messages); they
 * open once per side (chat_open: the server's RSS per open chat), are timed
 * as often as the plan repeats (chat_phase), then end (chat_close). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"

#define CHAT_PER_TOKEN 100 /* bounds.chats_per_agent in lib.sh's config */
#define CHAT_TOKENS 64     /* lib.sh's chat agents: the bench token + "c0" .. "c63" */
#define CHAT_PARALLEL 128  /* pairs being set up at a time */
#define CHAT_DRAIN_NS 5000000000ull
#define CHAT_OPEN_TIMEOUT_NS 120000000000ull

enum { SIDE_CITIZEN, SIDE_AGENT };
/* Where a connection is: the request it waits for the reply to, or READY. */
enum { CS_HELLO, CS_START, CS_HANDOVER, CS_TAKE, CS_READY, CS_END, CS_GONE };
enum { PAIR_OPENING, PAIR_READY, PAIR_FAILED };

struct chat_pair;
struct chat_conn {
	struct wsc *ws;
	struct chat_pair *pair;
	unsigned char side, step;
	uint32_t next_id, out_id;
};

struct chat_pair {
	struct chat_conn c[2];
	struct chat_run *run;
	unsigned index;
	unsigned char state;
	uint64_t t0; /* the citizen's connect */
	char session[33];
	char code[24];
};

struct chat_run {
	struct bench *b;
	struct wsc_loop loop;
	struct chat_pair *pairs;
	unsigned n, opening, ready, failed, lost;
	long base_kb;             /* the server's RSS before the chats opened */
	struct lat open;          /* per pair: citizen's connect to the agent's step */
	uint64_t w0, w1;          /* the phase's window, by when a message was due */
	struct lat relay[2];      /* by the side that sent */
	uint64_t sent[2], got[2], refused;
	char first_error[320];
};

static const char *const side_names[2] = { "citizen", "agent" };
/* --- reading replies ---------------------------------------------------- */

static int type_is(const char *text, const char *want)
{
	const char *v = drive_reply_after(text, "\"type\":\"");
	size_t n = strlen(want);

	return v && !strncmp(v, want, n) && v[n] == '"';
}

/* A string value into out (at most outlen - 1 bytes); 0 if found. */
static int json_copy(const char *text, const char *key, char *out, size_t outlen)
{
	const char *v = drive_reply_after(text, key);
	size_t n = v ? strcspn(v, "\"") : 0;

	if (!v || !n || n >= outlen)
		return -1;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

static void chat_error(struct chat_run *r, const char *what, const char *text)
{
	if (!r->first_error[0])
		snprintf(r->first_error, sizeof(r->first_error), "%s: %.280s", what, text);
}

/* --- sending ------------------------------------------------------------ */

static void conn_send(struct chat_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* fmt has one %u first: the request's id. */
static void conn_send(struct chat_conn *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (!c->ws)
		return;
	c->out_id = ++c->next_id;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(buf))
		wsc_send_text(c->ws, buf, (size_t)n);
}

static void send_hello(struct chat_conn *c)
{
	struct chat_run *r = c->pair->run;
	unsigned k = c->pair->index / CHAT_PER_TOKEN;

	c->step = CS_HELLO;
	if (c->side == SIDE_CITIZEN)
		conn_send(c, "{\"type\":\"hello\",\"id\":%u,\"role\":\"citizen\",\"lang\":\"nb\"}",
			  c->next_id + 1);
	else
		conn_send(c, "{\"type\":\"hello\",\"id\":%u,\"role\":\"agent\",\"token\":\"%sc%u\","
			  "\"lang\":\"nb\"}", c->next_id + 1, r->b->token ? r->b->token : "", k);
}

/* One chat message, due at `due` (its text starts with that, in ns). */
static void send_chat(struct chat_conn *c, uint64_t due)
{
	struct chat_run *r = c->pair->run;

	if (!c->ws || c->step != CS_READY)
		return;
	if (due >= r->w0 && due < r->w1)
		r->sent[c->side]++;
	if (c->side == SIDE_AGENT)
		conn_send(c, "{\"type\":\"chat\",\"id\":%u,\"session\":\"%s\",\"text\":\"%llu Takk, "
			  "jeg ser p\\u00e5 saken din n\\u00e5.\"}", c->next_id + 1, c->pair->session,
			  (unsigned long long)due);
	else
		conn_send(c, "{\"type\":\"chat\",\"id\":%u,\"text\":\"%llu Hei, jeg kommer ikke inn "
			  "p\\u00e5 MinID (nummer %u).\"}", c->next_id + 1, (unsigned long long)due,
			  c->pair->index);
}

/* --- setting a pair up -------------------------------------------------- */

static void pair_failed(struct chat_pair *p, const char *what, const char *text)
{
	struct chat_run *r = p->run;

	if (p->state != PAIR_OPENING)
		return;
	chat_error(r, what, text);
	p->state = PAIR_FAILED;
	r->opening--;
	r->failed++;
}

static void pair_ready(struct chat_pair *p, uint64_t now)
{
	struct chat_run *r = p->run;

	p->c[SIDE_CITIZEN].step = p->c[SIDE_AGENT].step = CS_READY;
	p->state = PAIR_READY;
	if (r->b->echo)
		snprintf(p->session, sizeof(p->session), "%032x", p->index);
	lat_add(&r->open, now - p->t0, 0);
	r->opening--;
	r->ready++;
}

/* The citizen's handover is in (or, against the echo server, its hello):
 * the agent connects. */
static void agent_connect(struct chat_pair *p)
{
	struct chat_conn *a = &p->c[SIDE_AGENT];

	a->step = CS_HELLO;
	if (!(a->ws = wsc_connect(&p->run->loop, a)))
		pair_failed(p, "connect", "the agent's socket");
}

/* The citizen's next request: start after hello, handover after the step. */
static void citizen_next(struct chat_conn *c, const char *text)
{
	struct chat_pair *p = c->pair;

	if (c->step == CS_HELLO) {
		c->step = CS_START;
		conn_send(c, "{\"type\":\"start\",\"id\":%u,\"country\":\"no\",\"channel\":"
			  "\"widget\",\"lang\":\"nb\",\"facts\":{\"on_behalf\":\"self\","
			  "\"topic\":\"login\"}}", c->next_id + 1);
	} else if (json_copy(text, "\"session\":\"", p->session, sizeof(p->session))) {
		pair_failed(p, "step without a session", text);
	} else {
		c->step = CS_HANDOVER;
		conn_send(c, "{\"type\":\"handover\",\"id\":%u,\"session\":\"%s\"}",
			  c->next_id + 1, p->session);
	}
}

/* The reply to a setup request: the next request, or the pair is ready. */
static void setup_reply(struct chat_conn *c, const char *text, uint64_t now)
{
	static const char *const want[] = { [CS_HELLO] = "welcome", [CS_START] = "step",
					    [CS_HANDOVER] = "handover", [CS_TAKE] = "step" };
	struct chat_pair *p = c->pair;
	int echo = p->run->b->echo;

	if (!echo && !type_is(text, want[c->step])) {
		pair_failed(p, side_names[c->side], text);
	} else if (c->side == SIDE_AGENT && (echo || c->step == CS_TAKE)) {
		pair_ready(p, now);
	} else if (c->side == SIDE_AGENT) {
		c->step = CS_TAKE;
		conn_send(c, "{\"type\":\"take\",\"id\":%u,\"code\":\"%s\"}", c->next_id + 1,
			  p->code);
	} else if (!echo && c->step != CS_HANDOVER) {
		citizen_next(c, text);
	} else if (!echo && json_copy(text, "\"code\":\"", p->code, sizeof(p->code))) {
		pair_failed(p, "handover without a code", text);
	} else {
		c->step = CS_READY; /* the citizen waits for its agent */
		agent_connect(p);
	}
}

/* --- receiving ---------------------------------------------------------- */

/* A chat message reached the other side (against the echo server: came
 * back); t is its text, which starts with when it was due. */
static void chat_received(struct chat_conn *c, const char *t, size_t len, uint64_t now)
{
	struct chat_run *r = c->pair->run;
	int from = r->b->echo ? c->side : !c->side; /* the side that sent it */
	uint64_t due = strtoull(t, NULL, 10);

	if (due < r->w0 || due >= r->w1)
		return;
	r->got[from]++;
	lat_add(&r->relay[from], now > due ? now - due : 0, len);
}

static void on_message(struct wsc *ws, const char *text, size_t len)
{
	struct chat_conn *c = ws->user;
	struct chat_run *r = c->pair->run;
	const char *t = drive_reply_after(text, "\"text\":\""), *re;
	uint64_t now = now_ns();

	if (c->step < CS_READY) {
		re = drive_reply_after(text, r->b->echo ? "\"id\":" : "\"re\":");
		if (re && strtoul(re, NULL, 10) == c->out_id)
			setup_reply(c, text, now);
		return; /* else a push (queue_position, taken): not an answer */
	}
	if (c->step == CS_READY && t && type_is(text, "chat")) {
		chat_received(c, t, len, now);
		return;
	}
	/* acknowledgements and other pushes: only a refusal matters */
	if (type_is(text, "error")) {
		r->refused++;
		chat_error(r, side_names[c->side], text);
	}
	re = drive_reply_after(text, "\"re\":");
	if (c->step == CS_END && re && strtoul(re, NULL, 10) == c->out_id)
		c->step = CS_READY;
}

static void on_open(struct wsc *ws)
{
	send_hello(ws->user);
}

static void on_closed(struct wsc *ws, const char *why)
{
	struct chat_conn *c = ws->user;
	struct chat_pair *p = c->pair;

	c->ws = NULL;
	c->step = CS_GONE;
	if (p->state == PAIR_OPENING) {
		pair_failed(p, "connection closed while opening", why);
	} else if (p->state == PAIR_READY) {
		p->run->lost++;
		chat_error(p->run, "connection lost", why);
	}
}

static const struct wsc_ops chat_ops = { on_open, on_message, on_closed };

/* --- the other side's chats: the daemon pings a websocket every 30 s and
 * closes it when no pong came 10 s later (daemon/net/server.c); a side's
 * chats sit unread while the other side is timed, so each run also reads
 * the other's now and then (its window is over: no samples). */

static struct chat_run *open_runs[2];
static uint64_t others_at;

static void others_service(struct chat_run *self)
{
	uint64_t now = now_ns();

	if (now - others_at < 100000000ull)
		return;
	others_at = now;
	for (int i = 0; i < 2; i++)
		if (open_runs[i] && open_runs[i] != self)
			wsc_loop_once(&open_runs[i]->loop, 0);
}

static void others_set(struct chat_run *r, struct chat_run *to)
{
	for (int i = 0; i < 2; i++)
		if (open_runs[i] == r) {
			open_runs[i] = to;
			return;
		}
}

/* --- opening ------------------------------------------------------------ */

/* Start the next pair: its citizen connects (the agent after the handover). */
static void pair_start(struct chat_run *r, struct chat_pair *p)
{
	struct chat_conn *cz = &p->c[SIDE_CITIZEN];

	p->t0 = now_ns();
	r->opening++;
	if (!(cz->ws = wsc_connect(&r->loop, cz)))
		pair_failed(p, "connect", "the citizen's socket");
}

static struct chat_run *run_new(struct bench *b, unsigned n)
{
	struct chat_run *r = calloc(1, sizeof(*r));

	if (!r || !(r->pairs = calloc(n, sizeof(*r->pairs))) ||
	    wsc_loop_init(&r->loop, &b->target, &chat_ops)) {
		if (r)
			free(r->pairs);
		free(r);
		return NULL;
	}
	r->b = b;
	r->n = n;
	for (unsigned i = 0; i < n; i++) {
		struct chat_pair *p = &r->pairs[i];
		p->run = r;
		p->index = i;
		for (int s = 0; s < 2; s++) {
			p->c[s].pair = p;
			p->c[s].side = (unsigned char)s;
		}
	}
	return r;
}

static void run_free(struct chat_run *r)
{
	for (unsigned i = 0; i < r->n; i++)
		for (int s = 0; s < 2; s++)
			if (r->pairs[i].c[s].ws)
				wsc_abort(r->pairs[i].c[s].ws);
	wsc_loop_once(&r->loop, 0); /* frees the aborted connections */
	wsc_loop_free(&r->loop);
	lat_free(&r->open);
	lat_free(&r->relay[0]);
	lat_free(&r->relay[1]);
	free(r->pairs);
	free(r);
}

/* Every pair through its handover and take, CHAT_PARALLEL at a time. */
static void run_open_all(struct chat_run *r)
{
	uint64_t t0 = now_ns();
	unsigned started = 0;

	while (started < r->n || r->opening) {
		while (started < r->n && r->opening < CHAT_PARALLEL)
			pair_start(r, &r->pairs[started++]);
		if (now_ns() - t0 > CHAT_OPEN_TIMEOUT_NS) {
			chat_error(r, "timeout", "chats still opening after 120 s");
			r->failed += r->opening;
			break;
		}
		wsc_loop_once(&r->loop, 100000000);
		others_service(r);
	}
}

#define per_chat_kb(rss_kb, base_kb, n) ((n) ? (double)((rss_kb) - (base_kb)) / (n) : 0)

int chat_open(struct bench *b, const char *name, unsigned n)
{
	struct proc_sample base = { 0 }, open = { 0 };
	uint64_t t0 = now_ns();
	struct chat_run *r;

	if (n > CHAT_PER_TOKEN * CHAT_TOKENS) {
		out_note(b, name, "chats capped at %u (%u agent tokens of %u chats in lib.sh)",
			 CHAT_PER_TOKEN * CHAT_TOKENS, CHAT_TOKENS, CHAT_PER_TOKEN);
		n = CHAT_PER_TOKEN * CHAT_TOKENS;
	}
	if (!(r = run_new(b, n)))
		return -1;
	if (b->pid)
		proc_read(b->pid, &base);
	run_open_all(r);
	out_row(b, name, "pair", n, &r->open, (double)(now_ns() - t0) / 1e9);
	if (r->failed) {
		out_note(b, name, "%u of %u chats failed to open: %s", r->failed, n, r->first_error);
		run_free(r);
		return -1;
	}
	b->chat = r;
	others_set(NULL, r);
	r->base_kb = base.rss_kb;
	if (b->pid && proc_read(b->pid, &open) == 0) {
		out_metric(b, name, "rss_before", (double)base.rss_kb, "KiB");
		out_metric(b, name, "rss_open", (double)open.rss_kb, "KiB");
		out_metric(b, name, "per_chat", per_chat_kb(open.rss_kb, base.rss_kb, n), "KiB");
	}
	return 0;
}

/* --- the timed phase ---------------------------------------------------- */

/* What the machine, the generator and the server used meanwhile. */
struct usage {
	struct proc_sample p0, p1;
	double cpu0, busy0;
	uint64_t t0;
};

static void usage_begin(struct bench *b, struct usage *u)
{
	memset(u, 0, sizeof(*u));
	if (b->pid)
		proc_read(b->pid, &u->p0);
	u->cpu0 = self_cpu_s();
	u->busy0 = machine_busy_s();
	u->t0 = now_ns();
}

/* As bench_phase: other_cpu (also kept for plan.c's retries), gen_cpu, srv_cpu. */
static void usage_end(struct bench *b, struct usage *u, const char *name)
{
	double gen = self_cpu_s() - u->cpu0, busy = machine_busy_s() - u->busy0, srv;
	double wall = (double)(now_ns() - u->t0) / 1e9;

	if (b->pid)
		proc_read(b->pid, &u->p1);
	srv = u->p1.cpu_s - u->p0.cpu_s;
	b->last_other_cpu = 100.0 * (busy - gen - srv) / wall;
	if (b->last_other_cpu < 0)
		b->last_other_cpu = 0;
	out_metric(b, name, "other_cpu", b->last_other_cpu, "%");
	out_metric(b, name, "gen_cpu", 100.0 * gen / wall, "%");
	if (b->pid)
		out_metric(b, name, "srv_cpu", 100.0 * srv / wall, "%");
}

static void run_reset(struct chat_run *r)
{
	for (int s = 0; s < 2; s++) {
		lat_reset(&r->relay[s]);
		r->sent[s] = r->got[s] = 0;
	}
	r->refused = r->lost = 0;
	r->first_error[0] = '\0';
}

/* Each side of every chat a message a second, evenly spread: slot g is
 * side g % 2 of pair (g / 2) % n, due at t0 + g / (2n) s. A message is sent
 * when due whatever happened to the last, so a stall shows as latency. */
static void run_send(struct chat_run *r, uint64_t t0, uint64_t end)
{
	double rate = 2.0 * r->n;
	uint64_t g = 0, next = t0, now;

	while ((now = now_ns()) < end) {
		while (next <= now && next < end) {
			send_chat(&r->pairs[(g / 2) % r->n].c[g % 2], next);
			g++;
			next = t0 + (uint64_t)((double)g * 1e9 / rate);
		}
		wsc_loop_once(&r->loop, (int64_t)((next < end ? next : end) - now));
		others_service(r);
	}
}

/* Wait for the messages of the window still on their way. */
static void run_drain(struct chat_run *r)
{
	uint64_t until = now_ns() + CHAT_DRAIN_NS;

	while (r->got[0] + r->got[1] < r->sent[0] + r->sent[1] && now_ns() < until) {
		wsc_loop_once(&r->loop, 10000000);
		others_service(r);
	}
}

static void run_rows(struct bench *b, struct chat_run *r, const char *name, double secs)
{
	static const char *const types[2] = { "to_agent", "to_citizen" };
	uint64_t lost = r->sent[0] + r->sent[1] - r->got[0] - r->got[1];
	struct lat all = { 0 };

	for (int s = 0; s < 2; s++) {
		struct lat *l = &r->relay[s];
		if (!b->echo)
			out_row(b, name, types[s], r->n, l, secs);
		for (size_t i = 0; i < l->n; i++)
			lat_add(&all, l->ns[i], 0);
		all.bytes += l->bytes;
	}
	all.errors = lost + r->refused;
	out_row(b, name, "relay", r->n, &all, secs);
	lat_free(&all);
	out_metric(b, name, "lost", (double)lost, "");
	out_metric(b, name, "refused", (double)r->refused, "");
	out_metric(b, name, "failed", (double)(lost + r->refused + r->lost), "");
	if (r->first_error[0])
		out_note(b, name, "first failure: %s", r->first_error);
}

int chat_phase(struct bench *b, const char *name, double secs, double warmup)
{
	struct chat_run *r = b->chat;
	struct usage u;
	uint64_t t0;

	if (!r) /* chat_open failed and said so */
		return 0;
	run_reset(r);
	usage_begin(b, &u);
	t0 = now_ns();
	r->w0 = t0 + (uint64_t)(warmup * 1e9);
	r->w1 = t0 + (uint64_t)(secs * 1e9);
	run_send(r, t0, r->w1);
	usage_end(b, &u, name);
	run_drain(r);
	run_rows(b, r, name, secs - warmup);
	if (b->pid) {
		out_metric(b, name, "rss", (double)u.p1.rss_kb, "KiB");
		out_metric(b, name, "per_chat_after", per_chat_kb(u.p1.rss_kb, r->base_kb, r->n),
			   "KiB");
	}
	return 0;
}

/* --- closing ------------------------------------------------------------ */

/* The agents end their chats (the daemon drops each conversation), then
 * every connection goes. */
void chat_close(struct bench *b)
{
	struct chat_run *r = b->chat;
	uint64_t until = now_ns() + CHAT_DRAIN_NS;
	unsigned waiting;

	if (!r)
		return;
	for (unsigned i = 0; i < r->n && !b->echo; i++) {
		struct chat_conn *a = &r->pairs[i].c[SIDE_AGENT];
		if (a->step != CS_READY)
			continue;
		a->step = CS_END;
		conn_send(a, "{\"type\":\"chat_end\",\"id\":%u,\"session\":\"%s\"}", a->next_id + 1,
			  r->pairs[i].session);
	}
	do {
		waiting = 0;
		for (unsigned i = 0; i < r->n; i++)
			waiting += r->pairs[i].c[SIDE_AGENT].step == CS_END;
		if (waiting)
			wsc_loop_once(&r->loop, 10000000);
	} while (waiting && now_ns() < until);
	others_set(r, NULL);
	run_free(r);
	b->chat = NULL;
}
