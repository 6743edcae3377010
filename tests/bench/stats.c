/* stats.c - latency samples and /proc readings for the generator. */
#include "stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/resource.h>

void lat_add(struct lat *l, uint64_t ns, size_t reply_bytes)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 4096;
		uint64_t *grown = realloc(l->ns, cap * sizeof(*grown));
		if (!grown)
			return; /* a lost sample is better than a lost run */
		l->ns = grown;
		l->cap = cap;
	}
	l->ns[l->n++] = ns;
	l->bytes += reply_bytes;
	l->sorted = 0;
}

static int lat_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t lat_pct(struct lat *l, double p)
{
	size_t rank;

	if (!l->n)
		return 0;
	if (!l->sorted) {
		qsort(l->ns, l->n, sizeof(*l->ns), lat_cmp);
		l->sorted = 1;
	}
	rank = (size_t)(p / 100.0 * (double)l->n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > l->n)
		rank = l->n;
	return l->ns[rank - 1];
}

uint64_t lat_max(struct lat *l)
{
	return lat_pct(l, 100.0);
}

void lat_reset(struct lat *l)
{
	l->n = 0;
	l->errors = 0;
	l->bytes = 0;
	l->sorted = 0;
}

void lat_free(struct lat *l)
{
	free(l->ns);
	memset(l, 0, sizeof(*l));
}

int proc_read(int pid, struct proc_sample *s)
{
	char path[64], line[512];
	unsigned long utime = 0, stime = 0;
	FILE *f;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "VmRSS:", 6))
			s->rss_kb = strtol(line + 6, NULL, 10);
		else if (!strncmp(line, "VmHWM:", 6))
			s->hwm_kb = strtol(line + 6, NULL, 10);
	}
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (!(f = fopen(path, "r")))
		return -1;
	if (fgets(line, sizeof(line), f)) {
		/* The command name may hold spaces; the fields after it do not. */
		char *p = strrchr(line, ')');
		if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
				&stime) == 2)
			s->cpu_s = (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
	}
	fclose(f);
	return 0;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double self_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

double machine_busy_s(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return 0;
	/* user nice system idle iowait irq softirq steal: busy is all but idle and iowait */
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return 0;
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}
