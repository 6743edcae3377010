/* load.h - the load generator's state: connections playing agents,
 * widget citizens and supervisors, and the phase being measured. */
#ifndef VV_BENCH_LOAD_H
#define VV_BENCH_LOAD_H

#include <stdint.h>
#include <stdio.h>

#include "stats.h"
#include "wsc.h"

enum msg_type { MT_HELLO, MT_START, MT_ANSWER, MT_BACK, MT_FINISH, MT_SUBSCRIBE, MT_PUSH, MT_COUNT };
enum who { WHO_AGENT, WHO_CITIZEN, WHO_SUPERVISOR };

extern const char *const msg_type_names[MT_COUNT];

/* One message of a script; arg is the facts of a start or the value of an answer. */
struct step {
	enum msg_type type;
	const char *arg;
};

/* What each agent does in a phase: setup once (not needed again until an
 * error), then the cycle over and over. */
struct script {
	const char *name;
	const struct step *setup;
	unsigned nsetup;
	const struct step *cycle;
	unsigned ncycle;
};

extern const struct script script_steps, script_finish, script_words, script_contact;

#define SLOTS_MAX 8 /* open loop: send slots an agent may owe */

/* One connection of the generator and the role it plays. */
struct agent {
	struct wsc *ws;
	struct bench *b;
	unsigned index;
	unsigned char who;
	unsigned char ready;    /* "welcome" received */
	unsigned char dead;
	unsigned char busy;     /* a request is waiting for its reply */
	unsigned char out_type; /* that request's type */
	unsigned char in_setup;
	unsigned char slot_head, slot_count;
	unsigned short pos;     /* next step of the setup or the cycle */
	uint32_t out_id, next_id;
	uint64_t out_t0;        /* when the request was sent (or was due, open loop) */
	uint32_t finishes;
	char session[33];
	char option[48];        /* the first option the last question offered */
	uint64_t slots[SLOTS_MAX]; /* open loop: due times not yet sent */
	int64_t stats_base;     /* supervisor: today's contacts when it subscribed */
	int64_t stats_seen;     /* supervisor: contacts its pushes have covered since */
};

/* Everything measured in one phase. */
struct phase_stats {
	struct lat lat[MT_COUNT];
	uint64_t last_reply, max_gap;   /* ns; between consecutive replies in the window */
	uint64_t late_slots;            /* open loop: slots dropped, the agent owed too many */
	uint64_t timeouts;              /* requests still unanswered when the phase drained */
	uint64_t closed;                /* connections lost during the phase */
	uint64_t hups;                  /* SIGHUPs sent to the server */
	uint64_t pushes, pushes_ahead; /* ahead: counted a contact before its agent heard "logged" */
	char first_error[320];
};

/* When each contact of the subscribe phase was logged, in the order the
 * agents heard it: the n-th is the n-th the daemon's figures count. */
struct logged_times {
	uint64_t *t;
	size_t n, cap;
	int on;
};

struct chat_run;

struct bench {
	struct wsc_target target;
	struct wsc_loop loop;
	int echo;                /* the target is the echo server: replies are our messages */
	const char *token;       /* an agent's token */
	const char *sup_token;   /* a supervisor's token */
	int pid;                 /* the server's pid, for /proc and SIGHUP; 0: unknown */
	uint32_t runid;

	struct agent **agents, **citizens, **supervisors;
	unsigned nagents, ncitizens, nsupervisors;
	struct chat_run *chat;   /* the open chats (chat.c), between chat_open and chat_close */

	/* The phase running now. */
	const struct script *script;
	unsigned active;         /* agents[0 .. active-1] take part */
	int open_loop;
	int sending;             /* new requests may go out */
	uint64_t w0, w1;         /* the measurement window */
	struct phase_stats st;
	struct logged_times logged;
	unsigned opening;        /* connections between connect and welcome */
	unsigned long lost_total; /* agents' connections lost, in all phases */
	char lost_why[160];      /* why the first of them went */
	unsigned open_failed;
	char open_error[160];

	FILE *out;               /* TSV rows */
	const char *label;
	FILE *held_tsv, *held_txt; /* rows of a phase that may be run again */
	char *held_tsv_buf, *held_txt_buf;
	size_t held_tsv_len, held_txt_len;
	double last_other_cpu;   /* % of a CPU other work used in the last phase */
	int failed;              /* a phase could not run; skip the rest */
};

/* What one run does; the defaults are the full benchmark, --quick shrinks
 * it to a couple of seconds for make test. */
struct plan {
	unsigned agents;      /* concurrent agent sessions for the triage phases */
	unsigned small;       /* agents working while widgets sit idle */
	unsigned idle;        /* idle widget connections in the first step */
	unsigned idle_max;    /* idle widget connections in all */
	unsigned supervisors; /* 0: the subscribe phase is not run */
	unsigned chats;       /* live chats, a citizen and an agent each; 0: not run */
	double secs, warmup;  /* per phase */
	double rate;          /* open loop: messages per second (half of them answers) */
	double reload_rate;   /* open loop during the reloads */
	double hup_ms;        /* a SIGHUP this often during the reload phase */
	const char *only;     /* NULL, or the phases to run: "steps,finish" (for profiling) */
	unsigned repeats;     /* runs of each timed phase, alternating with the ceiling */
	unsigned retries;     /* run a phase pair again while other work disturbed it */
	int retries_set;
	double quiet_cpu;     /* "disturbed": other work used more than this % of a CPU */
};

extern const struct plan plan_full, plan_quick;

/* plan.c: run the plan against the ceiling (may be NULL) and the target,
 * phase by phase in turn, so that both see the machine in the same state. */
int plan_run(struct bench *ceiling, struct bench *target, struct plan *p);

/* drive_phase.c (drive.h is drive.c's side of it) */
int bench_init(struct bench *b);
/* Open n connections of kind who and say hello on each, at most `parallel`
 * at a time; the phase row is named name. -1 if any failed. */
int bench_open(struct bench *b, const char *name, enum who who, unsigned n, unsigned parallel);
/* Run script on agents[0..nactive-1] for secs (the first warmup seconds not
 * measured). rate > 0: open loop at that many messages per second; hup_ms >
 * 0: SIGHUP the server that often. */
int bench_phase(struct bench *b, const char *name, const struct script *s, unsigned nactive,
		double secs, double warmup, double rate, double hup_ms);
/* Supervisors subscribe; then agents run the contact script and every
 * logged contact should reach every supervisor. */
int bench_subscribe(struct bench *b, const char *name, unsigned nsupervisors, unsigned nagents,
		    double secs, double warmup);
/* Drop agents[keep..]: they would only hold descriptors the idle phases need. */
void bench_close_agents(struct bench *b, unsigned keep);
void bench_close_citizens(struct bench *b);
void bench_close_all(struct bench *b);

/* chat.c: open n chats (a citizen's handover, an agent's take), with the
 * server's RSS before and after; -1 (and no chats) if any failed. */
int chat_open(struct bench *b, const char *name, unsigned n);
/* Both sides of every open chat send a message a second for secs; the
 * relay latency from when each was due to the other side's push. */
int chat_phase(struct bench *b, const char *name, double secs, double warmup);
/* End the chats (the agents' chat_end) and close their connections. */
void chat_close(struct bench *b);

/* load.c: output. out_hold() keeps rows in memory until out_commit() or
 * out_discard(). */
void out_hold(struct bench *b);
void out_commit(struct bench *b);
void out_discard(struct bench *b);
void out_row(struct bench *b, const char *phase, const char *type, unsigned conns,
	     struct lat *l, double secs);
void out_metric(struct bench *b, const char *phase, const char *metric, double value,
		const char *unit);
void out_note(struct bench *b, const char *phase, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* report.c */
int report_main(int argc, char **argv);

/* drive.c: the value after "key" at the top of a compact JSON reply, or
 * NULL (a match right after a backslash is inside a string). */
const char *drive_reply_after(const char *text, const char *key);

#endif
