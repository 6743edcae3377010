/* stats.h - latency samples, percentiles, and what the generator reads
 * about the server process from /proc. */
#ifndef VV_BENCH_STATS_H
#define VV_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Every sample of one message type in one phase, in nanoseconds. Kept
 * whole rather than bucketed: a phase has at most a few million, and exact
 * percentiles need no argument about bucket widths. */
struct lat {
	uint64_t *ns;
	size_t n, cap;
	int sorted;
	uint64_t errors;   /* error replies and requests that got no reply */
	uint64_t bytes;    /* reply bytes, for the average reply size */
};

void lat_add(struct lat *l, uint64_t ns, size_t reply_bytes);
/* The p-th percentile (0..100) by nearest rank; 0 with no samples. */
uint64_t lat_pct(struct lat *l, double p);
uint64_t lat_max(struct lat *l);
void lat_reset(struct lat *l);
void lat_free(struct lat *l);

/* The server as /proc sees it. Sizes in KiB, CPU in seconds. */
struct proc_sample {
	long rss_kb, hwm_kb;
	double cpu_s; /* user + system, all threads */
};
int proc_read(int pid, struct proc_sample *s);

/* CPU seconds the whole machine has been busy (all CPUs, /proc/stat). */
double machine_busy_s(void);

uint64_t now_ns(void);
/* CPU seconds this process has used so far. */
double self_cpu_s(void);

#endif
