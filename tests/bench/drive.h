/* drive.h - what drive.c's agents offer drive_phase.c's phases (internal to
 * the load generator; load.h is the generator's outside). */
#ifndef VV_BENCH_DRIVE_H
#define VV_BENCH_DRIVE_H

#include <stdint.h>

#include "load.h"

#define DRAIN_NS 5000000000ull   /* how long a phase waits for its last replies */
#define OPEN_TIMEOUT_NS 120000000000ull

/* The callbacks of every generator connection (drive.c). */
extern const struct wsc_ops drive_ops;

/* Send a message of type (arg: its facts, text or value); t0 is when it was
 * due (0: now). -1 if it could not be sent. */
int drive_agent_send(struct agent *a, enum msg_type type, const char *arg, uint64_t t0);
/* Forget the walk: the next request starts the script from its setup. */
void drive_agent_restart(struct agent *a);
/* Send the script's next message; t0 is when it was due (0: now). */
void drive_agent_next(struct agent *a, uint64_t t0);
/* Open loop: a send slot for this agent is due at t (sent now, or owed
 * until the reply comes). */
void drive_agent_slot(struct agent *a, uint64_t t);

#endif
