/* routes_report.c - GET /api/v1/report, /api/v1/contacts.csv and
 * /api/v1/contacts.ndjson for supervisors.
 *
 * The handler checks the parameters on the service thread (no SQLite) and
 * answers 400 naming the one that is wrong; the query runs on a worker of
 * http_stream with its own read-only connection, writing into the stream's
 * bounded queue, so the loop never waits and memory stays flat. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/daemon.h"
#include "net/http.h"
#include "base/log.h"
#include "store/report.h"
#include "triage/rules.h"
#include "routes.h"

enum report_job_kind { JOB_REPORT, JOB_CSV, JOB_NDJSON, JOB_STORIES_CSV, JOB_STORIES_NDJSON };

/* What a worker needs; it must not look at the daemon. */
struct report_job {
	enum report_job_kind kind;
	struct report_filter f;
	/* The vocabulary's facts for the CSV's columns, copied on the service
	 * thread: a reload may free the rulebook while the worker runs. */
	char **facts;
	char db[]; /* the store's path */
};

static void report_job_free(void *arg)
{
	struct report_job *job = arg;

	for (size_t i = 0; job->facts && job->facts[i]; i++)
		free(job->facts[i]);
	free(job->facts);
	free(job);
}

/* NULL-terminated copies of the facts rb defines; NULL when out of memory
 * (the export then has the facts the rows hold, by name). */
static char **report_job_facts(const struct rulebook *rb)
{
	size_t n = 0;
	char **v;

	while (rules_fact_name(rb, (int)n))
		n++;
	if (!(v = calloc(n + 1, sizeof(*v))))
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!(v[i] = strdup(rules_fact_name(rb, (int)i)))) {
			while (i--)
				free(v[i]);
			free(v);
			return NULL;
		}
	return v;
}

const char *const routes_report_params[] = { "from",    "to",   "period", "country",
					   "channel", "desk", NULL };

static int report_stream_write(void *ctx, const void *data, size_t len)
{
	return http_stream_write(ctx, data, len);
}

static double report_elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* An export's rows go straight to the client while it keeps up, and into
 * an unlinked temporary file once it does not. So the read transaction,
 * which keeps SQLite from checkpointing the WAL past it, lasts as long as
 * the query and never as long as a slow or stalled client (issue 19: four
 * stalled readers grew the WAL by 438 MB in 40 s). The spool is bounded;
 * a client that far behind is cut off. */
#define EXPORT_SPOOL_MAX (2LL << 30)

struct export_out {
	struct http_stream *st;
	FILE *spool;        /* NULL until the client fell behind */
	long long spooled;  /* bytes in spool */
	const char *cut;    /* why the export stopped early, or NULL */
};

static int export_out_write(void *ctx, const void *data, size_t len)
{
	struct export_out *o = ctx;

	if (!o->spool) {
		if (http_stream_room(o->st) >= len)
			return http_stream_write(o->st, data, len);
		if (http_stream_aborted(o->st))
			return -1;
		/* Without a spool, wait for the client as before. */
		if (!(o->spool = tmpfile()))
			return http_stream_write(o->st, data, len);
	}
	if (http_stream_aborted(o->st))
		return -1;
	if (o->spooled + (long long)len > EXPORT_SPOOL_MAX) {
		o->cut = "the reader is too slow: 2 GiB are waiting for it";
		return -1;
	}
	if (fwrite(data, 1, len, o->spool) != len) {
		o->cut = "cannot write the spool file (disk full?)";
		return -1;
	}
	o->spooled += (long long)len;
	return 0;
}

/* After the query, with no snapshot held: the spool, at the client's pace. */
static int export_out_drain(struct export_out *o)
{
	char buf[16384];
	size_t n;
	int rc = 0;

	if (!o->spool)
		return 0;
	if (fflush(o->spool) || fseek(o->spool, 0, SEEK_SET))
		rc = -1;
	while (!rc && (n = fread(buf, 1, sizeof(buf), o->spool)) > 0)
		rc = http_stream_write(o->st, buf, n);
	fclose(o->spool);
	o->spool = NULL;
	return rc;
}

static int64_t report_produce_export(struct report_job *job, struct sqlite3 *db,
				     struct export_out *o, char *err, size_t errlen)
{
	if (job->kind == JOB_STORIES_CSV || job->kind == JOB_STORIES_NDJSON)
		/* The survey's stories, apart from the contacts (issue 21). */
		return report_export_stories(db, &job->f,
					     job->kind == JOB_STORIES_CSV ? EXPORT_CSV : EXPORT_NDJSON,
					     export_out_write, o, err, errlen);
	return report_export(db, &job->f, job->kind == JOB_CSV ? EXPORT_CSV : EXPORT_NDJSON,
			     (const char *const *)job->facts, export_out_write, o, err, errlen);
}

/* On the worker. The head is not out until the first byte is, so a report
 * or an export that fails before it answers 5xx (http_stream_fail); one
 * that fails later can only be cut short (and is logged). */
static void report_produce(struct http_stream *st, void *arg)
{
	struct report_job *job = arg;
	struct export_out out = { .st = st };
	struct sqlite3 *db;
	struct timespec t0;
	json_t *rep = NULL;
	char err[256];
	int64_t rows = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!(db = report_open(job->db, err, sizeof(err)))) {
		log_warn("%s: %s", job->kind == JOB_REPORT ? "report" : "export", err);
		http_stream_fail(st, 503, "the store cannot be read; see the log");
		return;
	}
	if (job->kind == JOB_REPORT)
		rep = report_compute(db, &job->f, err, sizeof(err));
	else
		rows = report_produce_export(job, db, &out, err, sizeof(err));
	report_close(db); /* before the client is waited for: no snapshot held */
	if (job->kind == JOB_REPORT) {
		if (!rep) {
			log_warn("report: %s", err);
			http_stream_fail(st, 500, "the report failed; see the log");
		} else if (report_print(rep, REPORT_JSON, report_stream_write, st)) {
			log_info("report: the client went away");
		}
		json_decref(rep);
		return;
	}
	if (rows >= 0 && export_out_drain(&out)) {
		snprintf(err, sizeof(err), "the export stopped after %lld rows: the reader went away",
			 (long long)rows);
		rows = -2; /* read whole, cut while sending */
	}
	if (out.spool)
		fclose(out.spool);
	if (rows == -1 && out.cut)
		snprintf(err, sizeof(err), "the export stopped: %s", out.cut);
	if (rows < 0) {
		log_warn("export: %s", err);
		if (rows == -1 && !out.cut && !http_stream_aborted(st))
			http_stream_fail(st, 500, "the export failed; see the log");
	} else {
		log_info("export: %lld contacts as %s in %.0f ms%s", (long long)rows,
			 job->kind == JOB_CSV || job->kind == JOB_STORIES_CSV ? "CSV" : "NDJSON",
			 report_elapsed_ms(&t0), out.spooled ? " (the reader was slower: spooled)" : "");
	}
}

static int route_report_job(struct http_req *r, enum report_job_kind kind)
{
	static const struct {
		const char *type, *disposition;
	} types[] = {
		[JOB_REPORT] = { "application/json", NULL },
		[JOB_CSV] = { "text/csv; charset=utf-8; header=present",
			      "attachment; filename=\"vegvisar-contacts.csv\"" },
		[JOB_NDJSON] = { "application/x-ndjson",
				 "attachment; filename=\"vegvisar-contacts.ndjson\"" },
		[JOB_STORIES_CSV] = { "text/csv; charset=utf-8; header=present",
				      "attachment; filename=\"vegvisar-stories.csv\"" },
		[JOB_STORIES_NDJSON] = { "application/x-ndjson",
					 "attachment; filename=\"vegvisar-stories.ndjson\"" },
	};
	struct daemon *d = http_daemon(r);
	char from[32], to[32], period[64], country[16], channel[16], desk[80], err[256];
	const char *a_from, *a_to, *a_period, *a_country, *a_channel, *a_desk;
	struct report_job *job;

	a_from = http_arg(r, "from", from, sizeof(from));
	a_to = http_arg(r, "to", to, sizeof(to));
	a_period = http_arg(r, "period", period, sizeof(period));
	a_country = http_arg(r, "country", country, sizeof(country));
	a_channel = http_arg(r, "channel", channel, sizeof(channel));
	a_desk = http_arg(r, "desk", desk, sizeof(desk));
	if (!(job = calloc(1, sizeof(*job) + strlen(d->conf.db) + 1)))
		return http_error(r, 500, "out of memory");
	if (report_filter_init(&job->f, &d->conf, a_from, a_to, a_period, a_country, a_channel, 0,
			       err, sizeof(err)) ||
	    (a_desk && report_filter_desk(&job->f, a_desk, d->conf.desk, 0, err, sizeof(err)))) {
		free(job);
		return http_error(r, 400, "%s", err);
	}
	job->kind = kind;
	strcpy(job->db, d->conf.db);
	if (kind == JOB_CSV)
		job->facts = report_job_facts(d->rules);
	return http_stream(r, 200, types[kind].type, types[kind].disposition, report_produce, job,
			   report_job_free);
}

int routes_report_get(struct http_req *r)
{
	return route_report_job(r, JOB_REPORT);
}

int routes_report_contacts_csv(struct http_req *r)
{
	return route_report_job(r, JOB_CSV);
}

int routes_report_contacts_ndjson(struct http_req *r)
{
	return route_report_job(r, JOB_NDJSON);
}

int routes_report_stories_csv(struct http_req *r)
{
	return route_report_job(r, JOB_STORIES_CSV);
}

int routes_report_stories_ndjson(struct http_req *r)
{
	return route_report_job(r, JOB_STORIES_NDJSON);
}
