/* drive.c - what the generator's connections say, when, and what each
 * reply must be: the scripts, the replies' checks, and each agent's
 * connection callbacks. The phases that run them are in drive_phase.c. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drive.h"
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

int drive_agent_send(struct agent *a, enum msg_type type, const char *arg, uint64_t t0)
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
		/* The 'r' keeps the run id from being all digits (one run in
		 * forty), which the daemon refuses as a phone number. */
		n = snprintf(buf, sizeof(buf),
			     "{\"type\":\"finish\",\"id\":%u,\"session\":\"%s\",\"key\":\"vb-r%08x-%u-%u\","
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
void drive_agent_restart(struct agent *a)
{
	a->in_setup = 1;
	a->pos = 0;
	a->session[0] = '\0';
}

/* Send the script's next message; t0 is when it was due (0: now). */
void drive_agent_next(struct agent *a, uint64_t t0)
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
	drive_agent_send(a, st->type, st->arg, t0);
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
void drive_agent_slot(struct agent *a, uint64_t t)
{
	struct bench *b = a->b;

	if (a->dead || !a->ready)
		return;
	if (!a->busy && !a->slot_count) {
		drive_agent_next(a, t);
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
		drive_agent_next(a, 0);
	} else if (a->slot_count) {
		uint64_t t = a->slots[a->slot_head];
		a->slot_head = (a->slot_head + 1) % SLOTS_MAX;
		a->slot_count--;
		drive_agent_next(a, t);
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
		drive_agent_restart(a);
	agent_after_reply(a);
}

static void on_open(struct wsc *c)
{
	drive_agent_send(c->user, MT_HELLO, NULL, 0);
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

const struct wsc_ops drive_ops = { on_open, on_message, on_closed };
