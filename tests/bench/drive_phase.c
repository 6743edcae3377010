/* drive_phase.c - the benchmark's phases: open the connections, run a
 * script on them for a while (drive.c says what they send), drain, count,
 * and close. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drive.h"
#include "load.h"

/* --- phases ------------------------------------------------------------- */

int bench_init(struct bench *b)
{
	b->runid = (uint32_t)now_ns() ^ ((uint32_t)getpid() << 16);
	return wsc_loop_init(&b->loop, &b->target, &drive_ops);
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
			drive_agent_restart(a);
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
		drive_agent_restart(b->agents[i]);
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
			drive_agent_next(b->agents[i], 0);
	for (;;) {
		uint64_t now = now_ns(), wait;

		if (now >= b->w1)
			break;
		if (!window_read && now >= b->w0 && b->pid)
			window_read = proc_read(b->pid, &pw) == 0;
		while (b->open_loop && next_slot <= now) {
			drive_agent_slot(b->agents[g % nactive], next_slot);
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
		drive_agent_send(b->supervisors[i], MT_SUBSCRIBE, NULL, 0);
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
