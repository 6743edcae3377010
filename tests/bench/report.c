/* report.c - vv-load --report: the rows of a ceiling run and of the daemon's
 * runs side by side, every figure also as a ratio to the ceiling, and the
 * targets of the benchmark judged from them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"

#define ROWS_MAX 512

struct row {
	char phase[32], type[32];
	unsigned conns;
	double count, secs, rps, p50, p99, p999, max, errors, bytes;
};

struct metric {
	char phase[32], name[32], unit[8];
	double value;
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
	printf("\n%-17s %-9s %5s %9s %9s %6s | %8s %8s %8s %8s | %5s %5s %5s | %5s %6s\n", "phase",
	       "type", "conns", "rt/s", "ceil rt/s", "ratio", "p50 us", "p99 us", "p99.9 us",
	       "max us", "p50x", "p99x", "p999x", "errs", "bytes");
	for (int i = 0; i < res->nrows; i++) {
		const struct row *r = &res->rows[i], *c = find_row(ceil, r->phase, r->type);
		char rr[16] = "-", x50[16] = "-", x99[16] = "-", x999[16] = "-", cr[16] = "-";

		if (c) {
			snprintf(cr, sizeof(cr), "%.0f", c->rps);
			ratio(rr, sizeof(rr), r->rps, c->rps);
			ratio(x50, sizeof(x50), r->p50, c->p50);
			ratio(x99, sizeof(x99), r->p99, c->p99);
			ratio(x999, sizeof(x999), r->p999, c->p999);
		}
		printf("%-17s %-9s %5u %9.0f %9s %6s | %8.1f %8.1f %8.1f %8.1f | %5s %5s %5s | %5.0f %6.0f\n",
		       r->phase, r->type, r->conns, r->rps, cr, rr, r->p50, r->p99, r->p999, r->max, x50,
		       x99, x999, r->errors, r->bytes);
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

static const char *verdict(int ok)
{
	return ok ? "MET" : "MISSED";
}

/* One line per target of the benchmark, from the rows. */
static void report_targets(const struct side *ceil, const struct side *res)
{
	const struct row *r, *c, *r2;
	const struct metric *m, *m2;

	printf("\n%-52s %-8s %s\n", "target", "verdict", "measured");

	r = find_row(res, "steps", "answer");
	c = find_row(ceil, "steps", "answer");
	if (r && c && c->rps > 0) {
		printf("%-52s %-8s %.0f vs %.0f answers/s = %.0f%% of the ceiling\n",
		       "triage steps at N agents >= 60% of ceiling", verdict(r->rps / c->rps >= 0.60),
		       r->rps, c->rps, 100 * r->rps / c->rps);
		report_per_cpu(ceil, res, "steps");
	}

	r = find_row(res, "steps-open", "answer");
	if (r)
		printf("%-52s %-8s p99 %.0f us at %.0f answers/s (+ as many backs), %.0f errors\n",
		       "step p99 < 1 ms, open loop", verdict(r->p99 < 1000 && !r->errors), r->p99,
		       r->rps, r->errors);

	r = find_row(res, "finish", "finish");
	c = find_row(ceil, "finish", "finish");
	if (r && c && c->rps > 0) {
		printf("%-52s %-8s %.0f vs %.0f finishes/s = %.0f%% of the ceiling\n",
		       "durable finishes at N agents >= 35% of ceiling",
		       verdict(r->rps / c->rps >= 0.35 && !r->errors), r->rps, c->rps,
		       100 * r->rps / c->rps);
		report_per_cpu(ceil, res, "finish");
	}

	r = find_row(res, "words", "start");
	r2 = find_row(res, "finish", "start");
	if (r && r2 && r2->rps > 0)
		printf("%-52s %-8s %.0f vs %.0f starts/s = %.0f%% (p99 %.0f vs %.0f us)\n",
		       "start from the caller's words >= 90% of from facts",
		       verdict(r->rps / r2->rps >= 0.90 && !r->errors), r->rps, r2->rps,
		       100 * r->rps / r2->rps, r->p99, r2->p99);

	r = find_row(res, "steps-small-idle", "answer");
	r2 = find_row(res, "steps-small", "answer");
	m = find_metric(res, "idle-1", "idle_conns");
	if (r && r2 && r2->rps > 0)
		printf("%-52s %-8s %.0f vs %.0f answers/s = %.0f%% (with %.0f idle)\n",
		       "agents with idle widgets >= 80% of without", verdict(r->rps / r2->rps >= 0.80),
		       r->rps, r2->rps, 100 * r->rps / r2->rps, m ? m->value : 0);

	m = find_metric(res, "idle-2", "per_conn");
	m2 = find_metric(res, "idle-2", "per_conn_step");
	if (m) {
		double worst = m2 && m2->value > m->value ? m2->value : m->value;
		const struct metric *n = find_metric(res, "idle-2", "idle_conns");
		printf("%-52s %-8s %.0f B per connection over %.0f idle (%.0f B for the last %.0f)\n",
		       "idle widget memory <= 16 KiB per connection", verdict(worst <= 16384),
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
		       "supervisor pushes p99 <= 100 ms", verdict(r->p99 <= 100000 && m && m->value >= 100),
		       r->p99 / 1e3, r->max / 1e3, m ? m->value : 0, r->conns);
	}
	else
		printf("%-52s %-8s not run\n", "supervisor pushes p99 <= 100 ms", "-");

	r = find_row(res, "reload", "all");
	m = find_metric(res, "reload", "max_gap");
	m2 = find_metric(res, "reload", "failed");
	if (r && m)
		printf("%-52s %-8s %.0f errors, %.0f lost, max latency %.1f ms, max gap %.1f ms, %.0f reloads\n",
		       "SIGHUP under load: no failure, no pause > 50 ms",
		       verdict(!r->errors && (!m2 || !m2->value) && r->max <= 50000 && m->value <= 50000),
		       r->errors, m2 ? m2->value : 0, r->max / 1e3, m->value / 1e3,
		       find_metric(res, "reload", "hups") ? find_metric(res, "reload", "hups")->value : 0);

	m = find_metric(res, "startup", "ready_ms_median");
	m2 = find_metric(res, "startup-cold", "ready_ms_median");
	if (m)
		printf("%-52s %-8s median %.0f ms warm%s", "start to READY, 1M contacts < 1 s",
		       verdict(m->value < 1000 && (!m2 || m2->value < 1000)), m->value,
		       m2 ? "" : "\n");
	if (m && m2)
		printf(", %.0f ms with a cold page cache\n", m2->value);
	m = find_metric(res, "report", "ms_median");
	if (m)
		printf("%-52s %-8s median %.0f ms for %.0f bytes\n",
		       "report over 1M contacts < 1 s", verdict(m->value < 1000), m->value,
		       find_metric(res, "report", "bytes") ? find_metric(res, "report", "bytes")->value : 0);
	else
		printf("%-52s %-8s no report endpoint answered yet; harness ready\n",
		       "report over 1M contacts < 1 s", "PENDING");
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
