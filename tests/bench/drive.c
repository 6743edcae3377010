/* drive.c - what the generator's connections say, when, and what each
 * reply must be; one phase at a time. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"

const char *const msg_type_names[MT_COUNT] = {
	"hello", "start", "answer", "back", "finish", "subscribe", "push",
};

/* The walk, in rules/no.json: the caller says it is about logging in
 * (prefilled); the engine picks the question that still matters, and the
 * agent answers with the first option it offers (an answer with no value
 * below), then goes back, so every message is a step the engine decides. */
#define FACTS_LOGIN "{\"topic\":\"login\"}"
/* Every fact of that walk known up front: start lands on the result. */
#define FACTS_RESULT                                                              \
	"{\"on_behalf\":\"self\",\"topic\":\"login\",\"login_method\":\"minid\"," \
	"\"login_problem\":\"locked_after_wrong_attempts\"}"
#define NOTE "Innringer har sperret MinID etter tre feil koder, ringte fra 912 34 567."

/* Answer and go back, for ever: every message is answer → step or back →
 * step, and the session stays the same size. */
static const struct step steps_setup[] = { { MT_START, FACTS_LOGIN } };
static const struct step steps_cycle[] = { { MT_ANSWER, NULL }, { MT_BACK, NULL } };
const struct script script_steps = { "steps", steps_setup, 1, steps_cycle, 2 };

/* Durable finishes: a session that starts at its result, then finish. */
static const struct step finish_cycle[] = { { MT_START, FACTS_RESULT }, { MT_FINISH, NULL } };
const struct script script_finish = { "finish", NULL, 0, finish_cycle, 2 };

/* The same from the caller's words: the daemon reads the facts from the
 * sentence. Measured against "finish" in the same run, so the ratio is the
 * cost of reading the words. */
#define WORDS "text:Moren min p\u00e5 88 har glemt passordet til MinID og kommer ikke inn p\u00e5 nav.no"
static const struct step words_cycle[] = { { MT_START, WORDS }, { MT_FINISH, NULL } };
const struct script script_words = { "words", NULL, 0, words_cycle, 2 };

/* A whole contact as an agent works it, with one second thought. */
static const struct step contact_cycle[] = {
	{ MT_START, FACTS_LOGIN }, { MT_ANSWER, NULL }, { MT_BACK, NULL },
	{ MT_ANSWER, NULL },       { MT_FINISH, NULL },
};
const struct script script_contact = { "contact", NULL, 0, contact_cycle, 5 };

#define DRAIN_NS 5000000000ull   /* how long a phase waits for its last replies */
#define OPEN_TIMEOUT_NS 120000000000ull

/* --- reading replies ---------------------------------------------------- */

/* The value after "key": at the top of a compact JSON reply. The daemon's
 * replies are jansson's compact output, where a quote inside a string is
 * always escaped, so a match preceded by a backslash is inside a string. */
const char *drive_reply_after(const char *text, const char *key)
{
	const char *p = text;

	while ((p = strstr(p, key))) {
		if (p == text || p[-1] != '\\')
			return p + strlen(key);
		p++;
	}
	return NULL;
}

/* The first option of a question, which the next answer gives. The echo
 * server's replies have none: it answers anything. */
static void remember_option(struct agent *a, const char *text)
{
	const char *s = strstr(text, "\"options\":[{\"value\":\"");
	size_t n;

	if (!s)
		return;
	s += strlen("\"options\":[{\"value\":\"");
	n = strcspn(s, "\"");
	if (n < sizeof(a->option))
		snprintf(a->option, sizeof(a->option), "%.*s", (int)n, s);
}

static int reply_string_is(const char *text, const char *key, const char *want)
{
	const char *v = drive_reply_after(text, key);
	size_t n = strlen(want);

	return v && !strncmp(v, want, n) && v[n] == '"';
}

static int64_t reply_int(const char *text, const char *key)
{
	const char *v = drive_reply_after(text, key);

	return v ? strtoll(v, NULL, 10) : -1;
}

static const char *const expected_reply[MT_COUNT] = {
	[MT_HELLO] = "welcome", [MT_START] = "step", [MT_ANSWER] = "step",
	[MT_BACK] = "step",     [MT_FINISH] = "logged",
};

/* Is text the right reply to a request of this type? */
static int reply_ok(struct bench *b, enum msg_type type, const char *text)
{
	if (b->echo)
		return 1;
	if (type == MT_SUBSCRIBE)
		return reply_string_is(text, "\"type\":\"", "stats");
	return reply_string_is(text, "\"type\":\"", expected_reply[type]);
}

/* --- supervisor pushes ------------------------------------------------- */

/* A pushed snapshot carries today's figures, "today":{…,"contacts":N,…},
 * contacts first among them (docs/protocol.md, subscribe). -1 if absent. */
static int64_t stats_today_contacts(const char *text)
{
	const char *today = strstr(text, "\"today\":{");

	return today ? reply_int(today, "\"contacts\":") : -1;
}

static void logged_append(struct logged_times *l, uint64_t t)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 4096;
		uint64_t *grown = realloc(l->t, cap * sizeof(*grown));
		if (!grown)
			return;
		l->t = grown;
		l->cap = cap;
	}
	l->t[l->n++] = t;
}

/* A push says how many contacts today has; those this supervisor had not
 * seen yet reached it now: one latency sample per contact, from the moment
 * its agent got "logged". */
static void stats_push(struct agent *a, const char *text, uint64_t now)
{
	struct bench *b = a->b;
	int64_t today = stats_today_contacts(text), upto;

	if (today < 0)
		return;
	b->st.pushes++;
	upto = today - a->stats_base;
	for (int64_t k = a->stats_seen; k < upto; k++) {
		if ((size_t)k < b->logged.n) {
			uint64_t t = b->logged.t[k];
			lat_add(&b->st.lat[MT_PUSH], now > t ? now - t : 0, 0);
		} else {
			/* the push overtook the agent's "logged" */
			lat_add(&b->st.lat[MT_PUSH], 0, 0);
			b->st.pushes_ahead++;
		}
	}
	if (upto > a->stats_seen)
		a->stats_seen = upto;
}

/* --- sending ------------------------------------------------------------ */

static int agent_send(struct agent *a, enum msg_type type, const char *arg, uint64_t t0)
{
	static char buf[1024];
	struct bench *b = a->b;
	uint32_t id = ++a->next_id;
	const char *role = a->who == WHO_AGENT ? "agent" : "supervisor";
	int n = 0;

	if (a->dead)
		return -1;
	switch (type) {
	case MT_HELLO:
		if (a->who == WHO_CITIZEN)
			n = snprintf(buf, sizeof(buf),
				     "{\"type\":\"hello\",\"id\":%u,\"role\":\"citizen\",\"lang\":\"nb\"}",
				     id);
		else
			n = snprintf(buf, sizeof(buf),
				     "{\"type\":\"hello\",\"id\":%u,\"role\":\"%s\",\"token\":\"%s\","
				     "\"lang\":\"nb\"}",
				     id, role, a->who == WHO_AGENT ? b->token : b->sup_token);
		break;
	case MT_START:
		if (!strncmp(arg, "text:", 5))
			n = snprintf(buf, sizeof(buf),
				     "{\"type\":\"start\",\"id\":%u,\"country\":\"no\",\"channel\":\"phone\","
				     "\"lang\":\"nb\",\"text\":\"%s\"}",
				     id, arg + 5);
		else
			n = snprintf(buf, sizeof(buf),
				     "{\"type\":\"start\",\"id\":%u,\"country\":\"no\",\"channel\":\"phone\","
				     "\"lang\":\"nb\",\"facts\":%s}",
				     id, arg);
		break;
	case MT_ANSWER:
		n = snprintf(buf, sizeof(buf),
			     "{\"type\":\"answer\",\"id\":%u,\"session\":\"%s\",\"value\":\"%s\"}", id,
			     a->session, arg ? arg : a->option[0] ? a->option : "unknown");
		break;
	case MT_BACK:
		n = snprintf(buf, sizeof(buf), "{\"type\":\"back\",\"id\":%u,\"session\":\"%s\"}", id,
			     a->session);
		break;
	case MT_FINISH:
		n = snprintf(buf, sizeof(buf),
			     "{\"type\":\"finish\",\"id\":%u,\"session\":\"%s\",\"key\":\"vb-%08x-%u-%u\","
			     "\"outcome\":\"resolved\",\"age_band\":\"67_79\",\"note\":\"" NOTE "\"}",
			     id, a->session, b->runid, a->index, ++a->finishes);
		break;
	case MT_SUBSCRIBE:
		n = snprintf(buf, sizeof(buf),
			     "{\"type\":\"subscribe\",\"id\":%u,\"stream\":\"stats\"}", id);
		break;
	default:
		return -1;
	}
	a->busy = 1;
	a->out_type = (unsigned char)type;
	a->out_id = id;
	a->out_t0 = t0 ? t0 : now_ns();
	return wsc_send_text(a->ws, buf, (size_t)n);
}

/* Forget the walk: the next request starts the script from its setup. */
static void agent_restart(struct agent *a)
{
	a->in_setup = 1;
	a->pos = 0;
	a->session[0] = '\0';
}

/* Send the script's next message; t0 is when it was due (0: now). */
static void agent_next(struct agent *a, uint64_t t0)
{
	const struct script *s = a->b->script;
	const struct step *st;

	if (a->dead || !a->ready || !s)
		return;
	if (a->in_setup && a->pos >= s->nsetup) {
		a->in_setup = 0;
		a->pos = 0;
	}
	st = a->in_setup ? &s->setup[a->pos] : &s->cycle[a->pos];
	agent_send(a, st->type, st->arg, t0);
}

static void agent_advance(struct agent *a)
{
	a->pos++;
	if (!a->in_setup && a->pos >= a->b->script->ncycle)
		a->pos = 0;
}

/* Open loop: a send slot for this agent is due at t. An agent still waiting
 * for a reply owes the slot and sends when the reply comes, so that a slow
 * reply shows in the latency of the next request instead of being hidden. */
static void agent_slot(struct agent *a, uint64_t t)
{
	struct bench *b = a->b;

	if (a->dead || !a->ready)
		return;
	if (!a->busy && !a->slot_count) {
		agent_next(a, t);
	} else if (a->slot_count < SLOTS_MAX) {
		a->slots[(a->slot_head + a->slot_count) % SLOTS_MAX] = t;
		a->slot_count++;
	} else {
		b->st.late_slots++;
	}
}

/* --- receiving ---------------------------------------------------------- */

static void note_error(struct bench *b, const char *what, const char *text)
{
	if (!b->st.first_error[0])
		snprintf(b->st.first_error, sizeof(b->st.first_error), "%s: %.280s", what, text);
}

static int in_window(const struct bench *b, uint64_t now)
{
	return b->w1 && now >= b->w0 && now <= b->w1;
}

/* A message that answers no request: a supervisor's push. */
static void agent_unsolicited(struct agent *a, const char *text, uint64_t now)
{
	if (a->who == WHO_SUPERVISOR && a->b->logged.on)
		stats_push(a, text, now);
}

static void agent_after_reply(struct agent *a)
{
	struct bench *b = a->b;

	if (!b->sending || a->index >= b->active || a->who != WHO_AGENT)
		return;
	if (!b->open_loop) {
		agent_next(a, 0);
	} else if (a->slot_count) {
		uint64_t t = a->slots[a->slot_head];
		a->slot_head = (a->slot_head + 1) % SLOTS_MAX;
		a->slot_count--;
		agent_next(a, t);
	}
}

static void on_message(struct wsc *c, const char *text, size_t len)
{
	struct agent *a = c->user;
	struct bench *b = a->b;
	uint64_t now = now_ns();
	enum msg_type type = (enum msg_type)a->out_type;
	int ok;

	if (!a->busy || reply_int(text, b->echo ? "\"id\":" : "\"re\":") != (int64_t)a->out_id) {
		agent_unsolicited(a, text, now);
		return;
	}
	a->busy = 0;
	ok = reply_ok(b, type, text);
	if (ok && in_window(b, now)) {
		lat_add(&b->st.lat[type], now - a->out_t0, len);
		if (b->st.last_reply && now - b->st.last_reply > b->st.max_gap)
			b->st.max_gap = now - b->st.last_reply;
		b->st.last_reply = now;
	}
	if (!ok) {
		b->st.lat[type].errors++;
		note_error(b, msg_type_names[type], text);
	}
	if (ok && (type == MT_START || type == MT_ANSWER || type == MT_BACK))
		remember_option(a, text);
	switch (type) {
	case MT_HELLO:
		b->opening--;
		if (ok)
			a->ready = 1;
		else
			b->open_failed++;
		return;
	case MT_SUBSCRIBE:
		if (ok)
			a->stats_base = stats_today_contacts(text);
		return;
	case MT_START:
		if (ok) {
			const char *s = drive_reply_after(text, "\"session\":\"");
			if (s && strlen(s) >= 32)
				snprintf(a->session, sizeof(a->session), "%.32s", s);
			else
				snprintf(a->session, sizeof(a->session), "%032x", 0u); /* echo */
		}
		break;
	case MT_FINISH:
		if (ok && b->logged.on && !strstr(text, "\"duplicate\":true"))
			logged_append(&b->logged, now);
		break;
	default:
		break;
	}
	if (ok)
		agent_advance(a);
	else
		agent_restart(a);
	agent_after_reply(a);
}

static void on_open(struct wsc *c)
{
	agent_send(c->user, MT_HELLO, NULL, 0);
}

static void on_closed(struct wsc *c, const char *why)
{
	struct agent *a = c->user;
	struct bench *b = a->b;

	a->dead = 1;
	a->ws = NULL;
	if (!a->ready) {
		b->opening--;
		b->open_failed++;
		if (!b->open_error[0])
			snprintf(b->open_error, sizeof(b->open_error), "%s", why);
		return;
	}
	b->st.closed++;
	b->lost_total++;
	if (!b->lost_why[0])
		snprintf(b->lost_why, sizeof(b->lost_why), "%s", why);
	if (a->busy)
		b->st.lat[a->out_type].errors++;
	a->busy = 0;
	note_error(b, "connection lost", why);
}

static const struct wsc_ops bench_ops = { on_open, on_message, on_closed };

/* --- phases ------------------------------------------------------------- */

int bench_init(struct bench *b)
{
	b->runid = (uint32_t)now_ns() ^ ((uint32_t)getpid() << 16);
	return wsc_loop_init(&b->loop, &b->target, &bench_ops);
}

static void stats_reset(struct bench *b)
{
	struct phase_stats *st = &b->st;

	for (int t = 0; t < MT_COUNT; t++)
		lat_reset(&st->lat[t]);
	st->last_reply = st->max_gap = st->late_slots = st->timeouts = 0;
	st->closed = st->hups = st->pushes = st->pushes_ahead = 0;
	st->first_error[0] = '\0';
}

static struct agent ***bench_list(struct bench *b, enum who who, unsigned **count)
{
	switch (who) {
	case WHO_AGENT: *count = &b->nagents; return &b->agents;
	case WHO_CITIZEN: *count = &b->ncitizens; return &b->citizens;
	default: *count = &b->nsupervisors; return &b->supervisors;
	}
}

int bench_open(struct bench *b, const char *name, enum who who, unsigned n, unsigned parallel)
{
	unsigned *count, base, started = 0;
	struct agent ***list = bench_list(b, who, &count), **grown;
	uint64_t t0 = now_ns();
	double secs;

	grown = realloc(*list, (*count + n) * sizeof(**list));
	if (!grown)
		return -1;
	*list = grown;
	base = *count;
	stats_reset(b);
	b->open_failed = 0;
	b->open_error[0] = '\0';
	b->w0 = t0;
	b->w1 = UINT64_MAX;
	while (started < n || b->opening) {
		while (started < n && b->opening < parallel) {
			struct agent *a = calloc(1, sizeof(*a));
			if (!a)
				return -1;
			a->b = b;
			a->who = (unsigned char)who;
			a->index = base + started;
			(*list)[base + started++] = a;
			(*count)++;
			a->ws = wsc_connect(&b->loop, a);
			if (!a->ws) {
				a->dead = 1;
				b->open_failed++;
				if (!b->open_error[0])
					snprintf(b->open_error, sizeof(b->open_error), "connect: %s",
						 strerror(errno));
				continue;
			}
			b->opening++;
		}
		if (now_ns() - t0 > OPEN_TIMEOUT_NS) {
			if (!b->open_error[0])
				snprintf(b->open_error, sizeof(b->open_error),
					 "%u connections still opening after %llu s", b->opening,
					 (unsigned long long)(OPEN_TIMEOUT_NS / 1000000000u));
			b->open_failed += b->opening;
			break;
		}
		wsc_loop_once(&b->loop, 100000000);
	}
	secs = (double)(now_ns() - t0) / 1e9;
	b->w1 = 0;
	out_row(b, name, "hello", n, &b->st.lat[MT_HELLO], secs);
	if (b->open_failed) {
		out_note(b, name, "%u of %u connections failed to open: %s", b->open_failed, n,
			 b->open_error[0] ? b->open_error : b->st.first_error);
		return -1;
	}
	return 0;
}

/* Agents whose connection went away since their last phase (while another
 * side was measured, nobody read their sockets) connect and say hello
 * again, so that a phase never runs with fewer agents than it says; the
 * note says how many and why. */
static void bench_revive(struct bench *b, const char *name, unsigned nactive)
{
	unsigned lost = 0;
	uint64_t until;

	wsc_loop_once(&b->loop, 0); /* learn of closes that are waiting */
	for (unsigned i = 0; i < nactive; i++) {
		struct agent *a = b->agents[i];
		if (a->ready && !a->dead)
			continue;
		lost++;
		a->dead = a->ready = a->busy = 0;
		a->slot_count = 0;
		if (!(a->ws = wsc_connect(&b->loop, a))) {
			a->dead = 1;
			continue;
		}
		b->opening++;
	}
	if (!lost)
		return;
	until = now_ns() + OPEN_TIMEOUT_NS;
	while (b->opening && now_ns() < until)
		wsc_loop_once(&b->loop, 100000000);
	out_note(b, name, "%u of %u agents had lost their connection (%s); connected them again",
		 lost, nactive, b->lost_why[0] ? b->lost_why : "never opened");
}

/* Wait for the replies still owed; what does not come counts as failed. */
static void bench_drain(struct bench *b)
{
	uint64_t until = now_ns() + DRAIN_NS;
	unsigned busy;

	do {
		busy = 0;
		for (unsigned i = 0; i < b->nagents; i++)
			busy += b->agents[i]->busy && !b->agents[i]->dead;
		for (unsigned i = 0; i < b->nsupervisors; i++)
			busy += b->supervisors[i]->busy && !b->supervisors[i]->dead;
		if (busy)
			wsc_loop_once(&b->loop, 10000000);
	} while (busy && now_ns() < until);
	for (unsigned i = 0; i < b->nagents; i++) {
		struct agent *a = b->agents[i];
		a->slot_count = 0;
		if (a->busy && !a->dead) {
			b->st.timeouts++;
			b->st.lat[a->out_type].errors++;
			a->busy = 0;
			agent_restart(a);
		}
	}
}

/* The rows of a phase; returns the replies in its window. */
static size_t bench_phase_rows(struct bench *b, const char *name, unsigned nactive, double secs)
{
	struct lat all = { 0 };
	size_t n;

	for (int t = 0; t < MT_COUNT; t++) {
		struct lat *l = &b->st.lat[t];
		if (t == MT_PUSH || (!l->n && !l->errors))
			continue; /* pushes: bench_subscribe, after the last of them */
		out_row(b, name, msg_type_names[t], nactive, l, secs);
		for (size_t i = 0; i < l->n; i++)
			lat_add(&all, l->ns[i], 0);
		all.errors += l->errors;
		all.bytes += l->bytes;
	}
	out_row(b, name, "all", nactive, &all, secs);
	n = all.n;
	lat_free(&all);
	return n;
}

int bench_phase(struct bench *b, const char *name, const struct script *s, unsigned nactive,
		double secs, double warmup, double rate, double hup_ms)
{
	uint64_t t0, next_slot, next_hup, g = 0;
	struct proc_sample p0 = { 0 }, p1 = { 0 }, pw = { 0 };
	double cpu0, busy0, busy, wall, gen_cpu, measured = secs - warmup;
	int window_read = 0;
	size_t replies;
	uint64_t t_busy0;

	if (nactive > b->nagents)
		nactive = b->nagents;
	bench_revive(b, name, nactive);
	stats_reset(b);
	b->script = s;
	b->active = nactive;
	b->open_loop = rate > 0;
	for (unsigned i = 0; i < nactive; i++) {
		agent_restart(b->agents[i]);
		b->agents[i]->slot_count = 0;
	}
	if (b->pid)
		proc_read(b->pid, &p0);
	cpu0 = self_cpu_s();
	busy0 = machine_busy_s();
	t_busy0 = t0 = now_ns();
	b->w0 = t0 + (uint64_t)(warmup * 1e9);
	b->w1 = t0 + (uint64_t)(secs * 1e9);
	b->sending = 1;
	next_slot = t0;
	next_hup = t0 + (uint64_t)(hup_ms * 1e6);
	if (!b->open_loop)
		for (unsigned i = 0; i < nactive; i++)
			agent_next(b->agents[i], 0);
	for (;;) {
		uint64_t now = now_ns(), wait;

		if (now >= b->w1)
			break;
		if (!window_read && now >= b->w0 && b->pid)
			window_read = proc_read(b->pid, &pw) == 0;
		while (b->open_loop && next_slot <= now) {
			agent_slot(b->agents[g % nactive], next_slot);
			g++;
			next_slot = t0 + (uint64_t)((double)g * 1e9 / rate);
		}
		if (hup_ms > 0 && b->pid && now >= next_hup) {
			kill(b->pid, SIGHUP);
			b->st.hups++;
			next_hup += (uint64_t)(hup_ms * 1e6);
		}
		wait = b->w1 - now;
		if (b->open_loop && next_slot > now && next_slot - now < wait)
			wait = next_slot - now;
		if (hup_ms > 0 && b->pid && next_hup > now && next_hup - now < wait)
			wait = next_hup - now;
		wsc_loop_once(&b->loop, (int64_t)wait);
	}
	b->sending = 0;
	if (b->pid)
		proc_read(b->pid, &p1);
	gen_cpu = self_cpu_s() - cpu0;
	/* What else ran on the machine meanwhile: other work skews every figure.
	 * Over the wall time the readings span, which is a little over secs. */
	busy = machine_busy_s() - busy0;
	wall = (double)(now_ns() - t_busy0) / 1e9;
	b->last_other_cpu = 100.0 * (busy - gen_cpu - (p1.cpu_s - p0.cpu_s)) / wall;
	if (b->last_other_cpu < 0)
		b->last_other_cpu = 0; /* the kernel counts CPU time in ticks */
	out_metric(b, name, "other_cpu", b->last_other_cpu, "%");
	out_metric(b, name, "gen_cpu", 100.0 * gen_cpu / wall, "%");
	bench_drain(b);
	b->w1 = 0;
	replies = bench_phase_rows(b, name, nactive, measured);
	if (b->pid) {
		out_metric(b, name, "srv_cpu", 100.0 * (p1.cpu_s - p0.cpu_s) / wall, "%");
		out_metric(b, name, "rss", (double)p1.rss_kb, "KiB");
		/* Replies per second of the server's own CPU: what a starved server
		 * would do on a CPU of its own; robust to other work on the machine
		 * (within the 10 ms tick the kernel counts CPU time in). */
		if (window_read && p1.cpu_s > pw.cpu_s)
			out_metric(b, name, "per_cpu_s", (double)replies / (p1.cpu_s - pw.cpu_s),
				   "rt");
	}
	out_metric(b, name, "max_gap", (double)b->st.max_gap / 1e3, "us");
	if (b->open_loop)
		out_metric(b, name, "late_slots", (double)b->st.late_slots, "");
	if (hup_ms > 0)
		out_metric(b, name, "hups", (double)b->st.hups, "");
	out_metric(b, name, "failed", (double)(b->st.timeouts + b->st.closed), "");
	if (b->st.first_error[0])
		out_note(b, name, "first failure: %s", b->st.first_error);
	return 0;
}

/* Supervisors subscribe to the statistics; then the agents run whole
 * contacts and every contact logged should reach every supervisor in the
 * snapshots they are pushed. */
int bench_subscribe(struct bench *b, const char *name, unsigned nsupervisors, unsigned nagents,
		    double secs, double warmup)
{
	char opened[64];
	unsigned answered;
	uint64_t until, expected = 0, reached = 0;

	if (b->echo) {
		out_note(b, name, "not run against the echo server");
		return 0;
	}
	snprintf(opened, sizeof(opened), "%s-open", name);
	if (bench_open(b, opened, WHO_SUPERVISOR, nsupervisors, 256))
		return -1;
	stats_reset(b);
	for (unsigned i = 0; i < b->nsupervisors; i++)
		agent_send(b->supervisors[i], MT_SUBSCRIBE, NULL, 0);
	until = now_ns() + DRAIN_NS;
	do {
		answered = 0;
		for (unsigned i = 0; i < b->nsupervisors; i++)
			answered += !b->supervisors[i]->busy;
		wsc_loop_once(&b->loop, 10000000);
	} while (answered < b->nsupervisors && now_ns() < until);
	if (b->st.lat[MT_SUBSCRIBE].errors || answered < b->nsupervisors) {
		out_metric(b, name, "pending", 1, "");
		out_note(b, name,
			 "PENDING: %llu of %u subscriptions refused, %u unanswered (%s). No push "
			 "figures are reported.",
			 (unsigned long long)b->st.lat[MT_SUBSCRIBE].errors, b->nsupervisors,
			 b->nsupervisors - answered,
			 b->st.first_error[0] ? b->st.first_error : "no reply");
		return 0;
	}
	b->logged.n = 0;
	b->logged.on = 1;
	bench_phase(b, name, &script_contact, nagents, secs, warmup, 0, 0);
	/* The last contacts' snapshots: pushes are coalesced, a second at most. */
	until = now_ns() + 1500000000ull;
	while (now_ns() < until)
		wsc_loop_once(&b->loop, 50000000);
	b->logged.on = 0;
	for (unsigned i = 0; i < b->nsupervisors; i++) {
		struct agent *a = b->supervisors[i];
		expected += b->logged.n;
		reached += (uint64_t)a->stats_seen < b->logged.n ? (uint64_t)a->stats_seen
								     : b->logged.n;
	}
	out_row(b, name, "push", b->nsupervisors, &b->st.lat[MT_PUSH], secs - warmup);
	out_metric(b, name, "pushes", (double)b->st.pushes, "");
	out_metric(b, name, "contacts_logged", (double)b->logged.n, "");
	out_metric(b, name, "reached", expected ? 100.0 * (double)reached / (double)expected : 0,
		   "%");
	out_metric(b, name, "pushed_ahead", (double)b->st.pushes_ahead, "");
	free(b->logged.t);
	memset(&b->logged, 0, sizeof(b->logged));
	return 0;
}

void bench_close_agents(struct bench *b, unsigned keep)
{
	for (unsigned i = keep; i < b->nagents; i++) {
		if (b->agents[i]->ws)
			wsc_abort(b->agents[i]->ws);
		free(b->agents[i]);
	}
	if (keep < b->nagents)
		b->nagents = keep;
	wsc_loop_once(&b->loop, 0); /* frees the aborted connections */
}

static void bench_close_list(struct agent **list, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (list[i]->ws)
			wsc_abort(list[i]->ws);
		free(list[i]);
	}
	free(list);
}

void bench_close_citizens(struct bench *b)
{
	bench_close_list(b->citizens, b->ncitizens);
	b->citizens = NULL;
	b->ncitizens = 0;
	wsc_loop_once(&b->loop, 0);
}

void bench_close_all(struct bench *b)
{
	bench_close_list(b->agents, b->nagents);
	bench_close_list(b->citizens, b->ncitizens);
	bench_close_list(b->supervisors, b->nsupervisors);
	b->agents = b->citizens = b->supervisors = NULL;
	b->nagents = b->ncitizens = b->nsupervisors = 0;
	wsc_loop_once(&b->loop, 0); /* frees the aborted connections */
}
