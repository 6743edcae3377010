/* plan.c - the benchmark plan: which phases run, in what order, with how
 * many connections; against the ceiling and the daemon in turn, phase by
 * phase, so that other work on a shared machine skews both alike. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/resource.h>

#include "load.h"

const struct plan plan_full = {
	.agents = 1000, .small = 100, .idle = 10000, .idle_max = 20000, .supervisors = 0,
	.chats = 1000, .secs = 5, .warmup = 0.5, .rate = 2000, .reload_rate = 2000, .hup_ms = 250,
	.repeats = 3, .retries = 4, .quiet_cpu = 15,
};
const struct plan plan_quick = {
	.agents = 20, .small = 10, .idle = 100, .idle_max = 200, .supervisors = 0,
	.chats = 20, .secs = 0.4, .warmup = 0.1, .rate = 200, .reload_rate = 200, .hup_ms = 100,
	.repeats = 2, .retries = 0, .quiet_cpu = 15,
};

typedef int (*plan_step)(struct bench *b, const struct plan *p);

/* --phases steps,finish runs only those (and the connections they need). */
static int plan_wants(const struct plan *p, const char *phase)
{
	size_t n = strlen(phase);

	for (const char *s = p->only; s && *s; s += strcspn(s, ",") + (s[strcspn(s, ",")] == ','))
		if (strcspn(s, ",") == n && !strncmp(s, phase, n))
			return 1;
	return !p->only;
}

static int step_connect(struct bench *b, const struct plan *p)
{
	return bench_open(b, "connect", WHO_AGENT, p->agents, 256);
}

/* Closed loop: every agent sends its next message as soon as the reply comes. */
static int step_steps(struct bench *b, const struct plan *p)
{
	return bench_phase(b, "steps", &script_steps, p->agents, p->secs, p->warmup, 0, 0);
}

/* Open loop at a fixed rate, twice as long: every agent then walks whole
 * cycles, so half the messages are answers. */
static int step_steps_open(struct bench *b, const struct plan *p)
{
	return bench_phase(b, "steps-open", &script_steps, p->agents, 2 * p->secs, p->warmup,
			   p->rate, 0);
}

static int step_finish(struct bench *b, const struct plan *p)
{
	return bench_phase(b, "finish", &script_finish, p->agents, p->secs, p->warmup, 0, 0);
}

static int step_words(struct bench *b, const struct plan *p)
{
	return bench_phase(b, "words", &script_words, p->agents, p->secs, p->warmup, 0, 0);
}

static int step_contact(struct bench *b, const struct plan *p)
{
	return bench_phase(b, "contact", &script_contact, p->agents, p->secs, p->warmup, 0, 0);
}

/* Whole contacts at a fixed rate while the rules are reloaded: new starts
 * take the new rules, walks in progress keep theirs. Only the daemon. */
static int step_reload(struct bench *b, const struct plan *p)
{
	if (b->echo || !b->pid || p->hup_ms <= 0)
		return 0;
	return bench_phase(b, "reload", &script_contact, p->agents, 2 * p->secs, p->warmup,
			   p->reload_rate, p->hup_ms);
}

/* The agents beyond the small group only hold descriptors from here on. */
static int step_shrink(struct bench *b, const struct plan *p)
{
	bench_close_agents(b, p->small);
	return 0;
}

/* Live chats, both sides a message a second, twice as long as a closed
 * phase (as the open-loop ones): relay latency. */
static int step_chat(struct bench *b, const struct plan *p)
{
	return chat_phase(b, "chat", 2 * p->secs, p->warmup);
}

/* Run one step on each side, the ceiling first; a side that failed sits
 * out the rest. */
static int plan_each(struct bench **side, plan_step fn, const struct plan *p)
{
	int rc = 0;

	for (int i = 0; i < 2; i++) {
		if (!side[i] || side[i]->failed)
			continue;
		if (fn(side[i], p)) {
			side[i]->failed = 1;
			rc = -1;
		}
	}
	return rc;
}

/* A timed phase on both sides; again, up to p->retries times, while other
 * work on the machine took more than p->quiet_cpu % of a CPU during either
 * side's run, so that a burst of someone else's build does not become the
 * figure. The last attempt is kept whatever it was (the caveat in the
 * report says so). */
static int plan_timed(struct bench **side, plan_step fn, const char *name, const struct plan *p)
{
	for (unsigned attempt = 0;; attempt++) {
		double worst = 0;
		int last = attempt >= p->retries, rc;

		for (int i = 0; i < 2; i++) {
			if (!side[i])
				continue;
			side[i]->last_other_cpu = 0;
			if (!last)
				out_hold(side[i]);
		}
		rc = plan_each(side, fn, p);
		for (int i = 0; i < 2; i++)
			if (side[i] && side[i]->last_other_cpu > worst)
				worst = side[i]->last_other_cpu;
		if (last || worst <= p->quiet_cpu || rc) {
			for (int i = 0; i < 2; i++)
				if (side[i])
					out_commit(side[i]);
			return rc;
		}
		for (int i = 0; i < 2; i++)
			if (side[i])
				out_discard(side[i]);
		printf("%-9s %-18s other work used %.0f%% of a CPU: again (%u of %u)\n", "", name,
		       worst, attempt + 2, p->retries + 1);
		fflush(stdout);
	}
}

/* One side's closed-loop steps phase, again while disturbed (as plan_timed). */
static void plan_quiet_steps(struct bench *b, const struct plan *p, const char *name,
			     unsigned nagents)
{
	for (unsigned attempt = 0;; attempt++) {
		int last = attempt >= p->retries;

		if (!last)
			out_hold(b);
		bench_phase(b, name, &script_steps, nagents, p->secs, p->warmup, 0, 0);
		if (last || b->last_other_cpu <= p->quiet_cpu) {
			out_commit(b);
			return;
		}
		out_discard(b);
		printf("%-9s %-18s other work used %.0f%% of a CPU: again (%u of %u)\n", b->label,
		       name, b->last_other_cpu, attempt + 2, p->retries + 1);
		fflush(stdout);
	}
}

/* The chats open once per side (their memory is measured then), are timed
 * p->repeats times in turn with the other side, then end. A side whose
 * chats did not open skips the chat phase only: the rest of the plan does
 * not need them. */
static int plan_chat(struct bench **side, const struct plan *p)
{
	int rc = 0;

	for (int i = 0; i < 2; i++)
		if (side[i] && !side[i]->failed && chat_open(side[i], "chat-open", p->chats))
			rc = -1;
	for (unsigned r = 0; r < p->repeats; r++)
		rc |= plan_timed(side, step_chat, "chat", p);
	for (int i = 0; i < 2; i++)
		if (side[i])
			chat_close(side[i]);
	return rc;
}

/* Idle widget connections: what each costs the server, from its RSS; the
 * step's own cost too, since the first connections may reuse memory the
 * closed agents left behind. */
static int plan_idle(struct bench *b, const char *name, unsigned n, long base_kb, long step_kb,
		     unsigned total)
{
	struct proc_sample s;
	int rc = bench_open(b, name, WHO_CITIZEN, n, 512);

	if (b->pid && proc_read(b->pid, &s) == 0) {
		out_metric(b, name, "rss", (double)s.rss_kb, "KiB");
		out_metric(b, name, "hwm", (double)s.hwm_kb, "KiB");
		out_metric(b, name, "idle_conns", (double)total, "");
		out_metric(b, name, "per_conn", (double)(s.rss_kb - base_kb) * 1024.0 / total, "B");
		if (n)
			out_metric(b, name, "per_conn_step", (double)(s.rss_kb - step_kb) * 1024.0 / n,
				   "B");
	}
	return rc;
}

/* The soft open-file limit of a process, from /proc; 0 if unknown. */
static unsigned long fd_limit_of(int pid)
{
	char path[64], line[256];
	unsigned long soft = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/limits", pid);
	if (!(f = fopen(path, "r")))
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Max open files", 14))
			soft = strtoul(line + 14, NULL, 10);
	fclose(f);
	return soft;
}

/* Both ends need a descriptor per connection; where the hard limit cannot be
 * raised (no CAP_SYS_RESOURCE) the idle phases take what fits, and say so.
 * held: connections the generator keeps open to the other side. */
static void plan_fit(struct bench *b, struct plan *p, unsigned held)
{
	struct rlimit rl;
	unsigned long srv = b->pid ? fd_limit_of(b->pid) : 0, gen = 0, room, fit;
	unsigned long own = 200 + p->small + p->supervisors; /* and the servers' own files */

	if (!getrlimit(RLIMIT_NOFILE, &rl))
		gen = rl.rlim_cur > held ? rl.rlim_cur - held : 0;
	room = srv && (!gen || srv < gen) ? srv : gen;
	if (!room)
		return;
	fit = room > own ? room - own : 0;
	if (fit >= p->idle_max)
		return;
	out_note(b, "idle", "idle connections capped at %lu instead of %u: open files are limited "
		 "to %lu here and the hard limit cannot be raised (no CAP_SYS_RESOURCE)",
		 fit, p->idle_max, room);
	p->idle_max = (unsigned)fit;
	if (p->idle > p->idle_max)
		p->idle = p->idle_max;
}

/* Agents working with and without idle widgets open, and what the widgets
 * cost; then the widgets go, to leave the descriptors to the other side. */
static int plan_idle_all(struct bench *b, const struct plan *plan, unsigned held)
{
	struct proc_sample base = { 0 }, step = { 0 };
	struct plan p = *plan;

	plan_fit(b, &p, held);
	for (unsigned r = 0; r < p.repeats; r++)
		plan_quiet_steps(b, &p, "steps-small", p.small);
	if (b->pid)
		proc_read(b->pid, &base);
	if (plan_idle(b, "idle-1", p.idle, base.rss_kb, base.rss_kb, p.idle))
		return -1;
	for (unsigned r = 0; r < p.repeats; r++)
		plan_quiet_steps(b, &p, "steps-small-idle", p.small);
	if (b->pid)
		proc_read(b->pid, &step);
	return plan_idle(b, "idle-2", p.idle_max - p.idle, base.rss_kb, step.rss_kb, p.idle_max);
}

int plan_run(struct bench *ceiling, struct bench *target, struct plan *p)
{
	static const struct {
		const char *name;
		plan_step fn;
	} steps[] = {
		{ "steps", step_steps },   { "steps-open", step_steps_open },
		{ "finish", step_finish }, { "words", step_words },
		{ "contact", step_contact },
		{ "reload", step_reload },
	};
	struct bench *side[2] = { ceiling, target };
	int rc = plan_each(side, step_connect, p);

	/* Each phase p->repeats times, ceiling and daemon in turn: one run's
	 * ratio swings with whatever else the machine did; the report takes
	 * the median of the runs and shows their spread. */
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		for (unsigned r = 0; plan_wants(p, steps[i].name) && r < p->repeats; r++)
			rc |= plan_timed(side, steps[i].fn, steps[i].name, p);
	rc |= plan_each(side, step_shrink, p);
	if (plan_wants(p, "chat") && p->chats)
		rc |= plan_chat(side, p);
	for (int i = 0; plan_wants(p, "idle") && i < 2; i++) {
		struct bench *b = side[i], *other = side[1 - i];
		if (!b || b->failed)
			continue;
		if (plan_idle_all(b, p, other ? other->nagents : 0)) {
			b->failed = 1;
			rc = -1;
		}
		if (b == ceiling)
			bench_close_citizens(b);
	}
	if (target && !target->failed && plan_wants(p, "subscribe")) {
		if (p->supervisors)
			rc |= bench_subscribe(target, "subscribe", p->supervisors, p->small, p->secs,
					      p->warmup);
		else
			out_note(target, "subscribe", "not run (needs --subscribe M)");
	}
	return rc;
}
