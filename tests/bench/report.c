/* report.c - vv-load --report: the rows of a ceiling run and of the daemon's
 * runs side by side, every figure also as a ratio to the ceiling, and the
 * targets of the benchmark judged from them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"

#define ROWS_MAX 512
#define RUNS_MAX 16

/* A phase runs several times (plan.c, --repeats), alternating with the
 * ceiling; after loading, the rows of one phase and type become one row of
 * medians that keeps each run's throughput and p99 for the spreads. */
struct row {
	char phase[32], type[32];
	unsigned conns;
	double count, secs, rps, p50, p99, p999, max, errors, bytes;
	int runs;
	double run_rps[RUNS_MAX], run_p99[RUNS_MAX];
};

struct metric {
	char phase[32], name[32], unit[8];
	double value;
	int runs;
	double run[RUNS_MAX];
};

struct note {
	char phase[32];
	char text[600];
};

/* The rows of one side: the ceiling, or the daemon (all its files). */
struct side {
	struct row rows[ROWS_MAX];
	struct metric metrics[ROWS_MAX];
	struct note notes[64];
	int nrows, nmetrics, nnotes;
};

static int report_load(struct side *s, const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "r");

	if (!f) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == 'R' && s->nrows < ROWS_MAX) {
			struct row *r = &s->rows[s->nrows];
			if (sscanf(line, "R\t%31[^\t]\t%31[^\t]\t%u\t%lf\t%lf\t%lf\t%lf\t%lf\t%lf\t%lf\t%lf\t%lf",
				   r->phase, r->type, &r->conns, &r->count, &r->secs, &r->rps, &r->p50,
				   &r->p99, &r->p999, &r->max, &r->errors, &r->bytes) == 12)
				s->nrows++;
		} else if (line[0] == 'M' && s->nmetrics < ROWS_MAX) {
			struct metric *m = &s->metrics[s->nmetrics];
			m->unit[0] = '\0';
			if (sscanf(line, "M\t%31[^\t]\t%31[^\t]\t%lf\t%7s", m->phase, m->name, &m->value,
				   m->unit) >= 3)
				s->nmetrics++;
		} else if (line[0] == 'N' && s->nnotes < 64) {
			struct note *n = &s->notes[s->nnotes];
			if (sscanf(line, "N\t%31[^\t]\t%599[^\n]", n->phase, n->text) == 2)
				s->nnotes++;
		}
	}
	fclose(f);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double s[RUNS_MAX];

	if (n <= 0)
		return 0;
	memcpy(s, v, (size_t)n * sizeof(*s));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Rows of the same phase and type, in the order they first came, become one:
 * each figure the median of its runs, errors the worst run's. */
static void collapse_rows(struct side *s)
{
	static struct row out[ROWS_MAX];
	double v[9][RUNS_MAX];
	int n = 0;

	for (int i = 0; i < s->nrows; i++) {
		int seen = 0, k = 0;
		struct row *o;

		for (int j = 0; j < n && !seen; j++)
			seen = !strcmp(out[j].phase, s->rows[i].phase) &&
			       !strcmp(out[j].type, s->rows[i].type);
		if (seen)
			continue;
		o = &out[n++];
		*o = s->rows[i];
		o->errors = 0;
		for (int j = i; j < s->nrows && k < RUNS_MAX; j++) {
			const struct row *r = &s->rows[j];
			if (strcmp(r->phase, o->phase) || strcmp(r->type, o->type))
				continue;
			const double f[9] = { r->count, r->secs, r->rps, r->p50, r->p99,
					      r->p999, r->max, r->bytes, r->conns };
			for (int x = 0; x < 9; x++)
				v[x][k] = f[x];
			o->run_rps[k] = r->rps;
			o->run_p99[k] = r->p99;
			if (r->errors > o->errors)
				o->errors = r->errors;
			k++;
		}
		o->runs = k;
		o->count = median(v[0], k), o->secs = median(v[1], k), o->rps = median(v[2], k);
		o->p50 = median(v[3], k), o->p99 = median(v[4], k), o->p999 = median(v[5], k);
		o->max = median(v[6], k), o->bytes = median(v[7], k);
		o->conns = (unsigned)median(v[8], k);
	}
	memcpy(s->rows, out, (size_t)n * sizeof(*out));
	s->nrows = n;
}

/* The same for metrics; a count of failures keeps its worst run. */
static void collapse_metrics(struct side *s)
{
	static struct metric out[ROWS_MAX];
	int n = 0;

	for (int i = 0; i < s->nmetrics; i++) {
		int seen = 0, k = 0;
		struct metric *o;

		for (int j = 0; j < n && !seen; j++)
			seen = !strcmp(out[j].phase, s->metrics[i].phase) &&
			       !strcmp(out[j].name, s->metrics[i].name);
		if (seen)
			continue;
		o = &out[n++];
		*o = s->metrics[i];
		for (int j = i; j < s->nmetrics && k < RUNS_MAX; j++)
			if (!strcmp(s->metrics[j].phase, o->phase) &&
			    !strcmp(s->metrics[j].name, o->name))
				o->run[k++] = s->metrics[j].value;
		o->runs = k;
		o->value = median(o->run, k);
		if (!strcmp(o->name, "failed"))
			for (int j = 0; j < k; j++)
				if (o->run[j] > o->value)
					o->value = o->run[j];
	}
	memcpy(s->metrics, out, (size_t)n * sizeof(*out));
	s->nmetrics = n;
}

/* Run i of a against run i of b (the two ran one after the other): the
 * median ratio, and the lowest and highest. */
struct spread {
	double med, lo, hi;
	int n;
};

static struct spread spread_of(const double *a, int na, const double *b, int nb)
{
	struct spread s = { 0, 0, 0, 0 };
	double r[RUNS_MAX];

	for (int i = 0; i < na && i < nb; i++)
		if (b[i] > 0)
			r[s.n++] = a[i] / b[i];
	if (!s.n)
		return s;
	s.med = median(r, s.n);
	s.lo = s.hi = r[0];
	for (int i = 1; i < s.n; i++) {
		s.lo = r[i] < s.lo ? r[i] : s.lo;
		s.hi = r[i] > s.hi ? r[i] : s.hi;
	}
	return s;
}

/* The spread of values (not ratios) over runs. */
static struct spread spread_values(const double *v, int n)
{
	double one[RUNS_MAX];

	for (int i = 0; i < n; i++)
		one[i] = 1;
	return spread_of(v, n, one, n);
}

/* How a ratio's runs read, e.g. "median of 3, runs 65-74%". */
static const char *spread_text(struct spread s, double scale, const char *unit)
{
	static char buf[96];

	if (s.n <= 1)
		snprintf(buf, sizeof(buf), "one run");
	else
		snprintf(buf, sizeof(buf), "median of %d, runs %.0f-%.0f%s", s.n, s.lo * scale,
			 s.hi * scale, unit);
	return buf;
}

/* A target is judged by the median; when the runs fall on both sides of it,
 * the verdict is marked: the spread is too wide to judge. */
static const char *judge(int median_ok, int lo_ok, int hi_ok)
{
	if (lo_ok != hi_ok)
		return median_ok ? "MET?" : "MISSED?";
	return median_ok ? "MET" : "MISSED";
}

static const struct row *find_row(const struct side *s, const char *phase, const char *type)
{
	for (int i = 0; i < s->nrows; i++)
		if (!strcmp(s->rows[i].phase, phase) && !strcmp(s->rows[i].type, type))
			return &s->rows[i];
	return NULL;
}

static const struct metric *find_metric(const struct side *s, const char *phase, const char *name)
{
	for (int i = s->nmetrics - 1; i >= 0; i--)
		if (!strcmp(s->metrics[i].phase, phase) && !strcmp(s->metrics[i].name, name))
			return &s->metrics[i];
	return NULL;
}

static void ratio(char *out, size_t n, double a, double b)
{
	if (b > 0)
		snprintf(out, n, "%.2f", a / b);
	else
		snprintf(out, n, "-");
}

static void report_rows(const struct side *ceil, const struct side *res)
{
	printf("\nEach figure is the median of the phase's runs (n); ratio spread: the lowest and "
	       "highest\nratio of a run to the ceiling's run beside it.\n");
	printf("\n%-17s %-9s %2s %5s %9s %9s %6s %9s | %8s %8s %8s %8s | %5s %5s %5s | %5s %6s\n",
	       "phase", "type", "n", "conns", "rt/s", "ceil rt/s", "ratio", "spread", "p50 us",
	       "p99 us", "p99.9 us", "max us", "p50x", "p99x", "p999x", "errs", "bytes");
	for (int i = 0; i < res->nrows; i++) {
		const struct row *r = &res->rows[i], *c = find_row(ceil, r->phase, r->type);
		char rr[16] = "-", x50[16] = "-", x99[16] = "-", x999[16] = "-", cr[16] = "-";
		char sp[24] = "-";

		if (c) {
			struct spread s = spread_of(r->run_rps, r->runs, c->run_rps, c->runs);
			if (s.n > 1)
				snprintf(sp, sizeof(sp), "%.2f-%.2f", s.lo, s.hi);
			snprintf(cr, sizeof(cr), "%.0f", c->rps);
			ratio(rr, sizeof(rr), r->rps, c->rps);
			ratio(x50, sizeof(x50), r->p50, c->p50);
			ratio(x99, sizeof(x99), r->p99, c->p99);
			ratio(x999, sizeof(x999), r->p999, c->p999);
		}
		printf("%-17s %-9s %2d %5u %9.0f %9s %6s %9s | %8.1f %8.1f %8.1f %8.1f | %5s %5s %5s | "
		       "%5.0f %6.0f\n",
		       r->phase, r->type, r->runs, r->conns, r->rps, cr, rr, sp, r->p50, r->p99, r->p999,
		       r->max, x50, x99, x999, r->errors, r->bytes);
	}
	printf("\n%-17s %-18s %12s %6s %12s %6s\n", "phase", "metric", "value", "unit", "ceiling",
	       "ratio");
	for (int i = 0; i < res->nmetrics; i++) {
		const struct metric *m = &res->metrics[i], *c = find_metric(ceil, m->phase, m->name);
		char cv[24] = "-", rr[16] = "-";

		if (c) {
			snprintf(cv, sizeof(cv), "%.1f", c->value);
			ratio(rr, sizeof(rr), m->value, c->value);
		}
		printf("%-17s %-18s %12.1f %6s %12s %6s\n", m->phase, m->name, m->value, m->unit, cv, rr);
	}
	if (res->nnotes)
		printf("\n");
	for (int i = 0; i < res->nnotes; i++)
		printf("note: %s: %s\n", res->notes[i].phase, res->notes[i].text);
}

/* Figures from a phase where other work took CPU, or where the generator
 * itself was near its limit against the ceiling, deserve less trust. */
static void report_caveats(const struct side *ceil, const struct side *res)
{
	const char *last = "";

	for (int i = 0; i < res->nrows; i++) {
		const char *ph = res->rows[i].phase;
		const struct metric *o = find_metric(res, ph, "other_cpu");
		const struct metric *oc = find_metric(ceil, ph, "other_cpu");
		const struct metric *g = find_metric(ceil, ph, "gen_cpu");

		if (!strcmp(ph, last))
			continue;
		last = ph;
		if ((o && o->value > 20) || (oc && oc->value > 20))
			printf("caveat: %s: other work used %.0f%% (daemon run) and %.0f%% (ceiling run) "
			       "of a CPU meanwhile\n",
			       ph, o ? o->value : 0, oc ? oc->value : 0);
		if (g && g->value > 90)
			printf("caveat: %s: the generator used %.0f%% of its CPU against the ceiling; "
			       "the ceiling may be the generator's\n",
			       ph, g->value);
	}
}

/* The same comparison per second of each server's own CPU: what the ratio
 * would be if neither had shared its CPU with other work. */
static void report_per_cpu(const struct side *ceil, const struct side *res, const char *phase)
{
	const struct metric *d = find_metric(res, phase, "per_cpu_s");
	const struct metric *c = find_metric(ceil, phase, "per_cpu_s");

	if (d && c && c->value > 0)
		printf("%-52s %-8s %.0f vs %.0f replies per CPU-second = %.0f%%\n",
		       "  (the same per second of each server's CPU)", "", d->value, c->value,
		       100 * d->value / c->value);
}

/* "throughput of a >= target x throughput of b", judged on the median of the
 * paired runs; the measured text says how the runs spread. */
static void target_ratio(const char *name, const struct row *a, const struct row *b,
			 double target, int ok_extra, const char *what)
{
	struct spread s = spread_of(a->run_rps, a->runs, b->run_rps, b->runs);

	printf("%-52s %-8s %.0f vs %.0f %s = %.0f%% (%s)\n", name,
	       judge(s.med >= target && ok_extra, s.lo >= target && ok_extra,
		     s.hi >= target && ok_extra),
	       a->rps, b->rps, what, 100 * s.med, spread_text(s, 100, "%"));
}

/* Live chat (issue 17): relay p99 < 50 ms over the median of the runs, and
 * the memory per open chat, reported (no target). Against the ceiling the
 * comparable is vv-echo's round trip: it relays nothing between connections. */
static void report_chat(const struct side *ceil, const struct side *res)
{
	const struct row *r = find_row(res, "chat", "relay"), *c = find_row(ceil, "chat", "relay");
	const struct metric *m = find_metric(res, "chat-open", "per_chat");
	const struct metric *m2 = find_metric(res, "chat", "per_chat_after");
	const struct metric *mc = find_metric(ceil, "chat-open", "per_chat");
	struct spread s;
	int clean;

	if (!r) {
		printf("%-52s %-8s not run\n", "live chat relay p99 < 50 ms", "-");
		return;
	}
	clean = !r->errors;
	s = spread_values(r->run_p99, r->runs);
	printf("%-52s %-8s p99 %.1f ms, p50 %.1f ms, max %.1f ms, %u chats, each side a message "
	       "a second, %.0f failed (%s; ceiling echo round trip p99 %.1f ms)\n",
	       "live chat relay p99 < 50 ms",
	       judge(clean && r->p99 < 50000, clean && s.lo < 50000, clean && s.hi < 50000),
	       r->p99 / 1e3, r->p50 / 1e3, r->max / 1e3, r->conns, r->errors,
	       spread_text(s, 1e-3, " ms"), c ? c->p99 / 1e3 : 0);
	if (m)
		printf("%-52s %-8s %.1f KiB per chat at the take (both connections), %.1f KiB after "
		       "the messages (ceiling: %.1f KiB per two connections)\n",
		       "memory per open chat (reported)", "-", m->value, m2 ? m2->value : 0,
		       mc ? mc->value : 0);
}

/* One line per target of the benchmark, from the rows. */
static void report_targets(const struct side *ceil, const struct side *res)
{
	const struct row *r, *c, *r2;
	const struct metric *m, *m2;
	struct spread s;

	printf("\n%-52s %-8s %s\n", "target", "verdict", "measured");

	r = find_row(res, "steps", "answer");
	c = find_row(ceil, "steps", "answer");
	if (r && c && c->rps > 0) {
		target_ratio("triage steps at N agents >= 60% of ceiling", r, c, 0.60, 1,
			     "answers/s, of the ceiling");
		report_per_cpu(ceil, res, "steps");
	}

	r = find_row(res, "steps-open", "answer");
	if (r) {
		s = spread_values(r->run_p99, r->runs);
		printf("%-52s %-8s p99 %.0f us at %.0f answers/s (+ as many backs), %.0f errors "
		       "(%s)\n",
		       "step p99 < 1 ms, open loop",
		       judge(r->p99 < 1000 && !r->errors, s.lo < 1000 && !r->errors,
			     s.hi < 1000 && !r->errors),
		       r->p99, r->rps, r->errors, spread_text(s, 1, " us"));
	}

	r = find_row(res, "finish", "finish");
	c = find_row(ceil, "finish", "finish");
	if (r && c && c->rps > 0) {
		target_ratio("durable finishes at N agents >= 35% of ceiling", r, c, 0.35,
			     !r->errors, "finishes/s, of the ceiling");
		report_per_cpu(ceil, res, "finish");
	}

	r = find_row(res, "words", "start");
	r2 = find_row(res, "finish", "start");
	if (r && r2 && r2->rps > 0)
		target_ratio("start from the caller's words >= 90% of from facts", r, r2, 0.90,
			     !r->errors, "starts/s");

	r = find_row(res, "steps-small-idle", "answer");
	r2 = find_row(res, "steps-small", "answer");
	m = find_metric(res, "idle-1", "idle_conns");
	if (r && r2 && r2->rps > 0) {
		target_ratio("agents with idle widgets >= 80% of without", r, r2, 0.80, 1,
			     "answers/s");
		printf("%-52s %-8s with %.0f idle widgets\n", "", "", m ? m->value : 0);
	}

	m = find_metric(res, "idle-2", "per_conn");
	m2 = find_metric(res, "idle-2", "per_conn_step");
	if (m) {
		double worst = m2 && m2->value > m->value ? m2->value : m->value;
		const struct metric *n = find_metric(res, "idle-2", "idle_conns");
		printf("%-52s %-8s %.0f B per connection over %.0f idle (%.0f B for the last %.0f)\n",
		       "idle widget memory <= 16 KiB per connection", judge(worst <= 16384, 1, 1),
		       m->value, n ? n->value : 0, m2 ? m2->value : 0,
		       find_row(res, "idle-2", "hello") ? find_row(res, "idle-2", "hello")->conns : 0.0);
	}

	r = find_row(res, "subscribe", "push");
	if (find_metric(res, "subscribe", "pending"))
		printf("%-52s %-8s the daemon has no \"subscribe\" yet; harness ready (--subscribe M)\n",
		       "supervisor pushes p99 <= 100 ms", "PENDING");
	else if (r) {
		m = find_metric(res, "subscribe", "reached");
		printf("%-52s %-8s p99 %.0f ms, max %.0f ms from logged to pushed; %.0f%% of "
		       "contact x supervisor reached (%u supervisors)\n",
		       "supervisor pushes p99 <= 100 ms",
		       judge(r->p99 <= 100000 && m && m->value >= 100, 1, 1), r->p99 / 1e3,
		       r->max / 1e3, m ? m->value : 0, r->conns);
	} else
		printf("%-52s %-8s not run\n", "supervisor pushes p99 <= 100 ms", "-");

	r = find_row(res, "reload", "all");
	m = find_metric(res, "reload", "max_gap");
	m2 = find_metric(res, "reload", "failed");
	if (r && m) {
		int clean = !r->errors && (!m2 || !m2->value);
		s = spread_values(m->run, m->runs);
		printf("%-52s %-8s %.0f errors, %.0f lost, max latency %.1f ms, max gap %.1f ms "
		       "(%s), %.0f reloads\n",
		       "SIGHUP under load: no failure, no pause > 50 ms",
		       judge(clean && r->max <= 50000 && m->value <= 50000, clean && s.lo <= 50000,
			     clean && s.hi <= 50000),
		       r->errors, m2 ? m2->value : 0, r->max / 1e3, m->value / 1e3,
		       spread_text(s, 1e-3, " ms"),
		       find_metric(res, "reload", "hups") ? find_metric(res, "reload", "hups")->value : 0);
	}

	report_chat(ceil, res);

	m = find_metric(res, "startup", "ready_ms_median");
	m2 = find_metric(res, "startup-cold", "ready_ms_median");
	if (m)
		printf("%-52s %-8s median %.0f ms warm%s", "start to READY, 1M contacts < 1 s",
		       judge(m->value < 1000 && (!m2 || m2->value < 1000), 1, 1), m->value,
		       m2 ? "" : "\n");
	if (m && m2)
		printf(", %.0f ms with a cold page cache\n", m2->value);
	m = find_metric(res, "report", "ms_median");
	if (m)
		printf("%-52s %-8s median %.0f ms for %.0f bytes\n",
		       "report over 1M contacts < 1 s", judge(m->value < 1000, 1, 1), m->value,
		       find_metric(res, "report", "bytes") ? find_metric(res, "report", "bytes")->value : 0);
	else if (find_metric(res, "startup", "ready_ms_median"))
		printf("%-52s %-8s no report endpoint answered yet; harness ready\n",
		       "report over 1M contacts < 1 s", "PENDING");
	printf("\nA verdict with \"?\" was judged on the median, but the runs fell on both sides "
	       "of the target:\nthe spread is too wide to judge.\n");
}

int report_main(int argc, char **argv)
{
	static struct side ceil, res;
	int quick = 0, files = 0, errors = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--report"))
			continue;
		if (!strcmp(argv[i], "--quick")) {
			quick = 1;
			continue;
		}
		if (report_load(files++ ? &res : &ceil, argv[i]))
			return 1;
	}
	collapse_rows(&ceil), collapse_metrics(&ceil);
	collapse_rows(&res), collapse_metrics(&res);
	if (files < 2) {
		fprintf(stderr, "usage: vv-load --report CEILING.tsv RESULT.tsv... [--quick]\n");
		return 2;
	}
	printf("\n== vegvisard against the ceiling (a bare libwebsockets echo server, same generator)\n");
	report_rows(&ceil, &res);
	report_caveats(&ceil, &res);
	for (int i = 0; i < res.nrows; i++)
		errors += res.rows[i].errors > 0;
	if (quick) {
		printf("\nquick mode: the figures only show that the benchmark works; no target is judged.\n");
		if (errors)
			printf("quick mode: %d rows had failed requests\n", errors);
		return errors ? 1 : 0;
	}
	report_targets(&ceil, &res);
	return 0;
}
