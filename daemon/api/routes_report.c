/* routes_report.c - GET /api/v1/report, /api/v1/contacts.csv and
 * /api/v1/contacts.ndjson for supervisors.
 *
 * The handler checks the parameters on the service thread (no SQLite) and
 * answers 400 naming the one that is wrong; the query runs on a worker of
 * http_stream with its own read-only connection, writing into the stream's
 * bounded queue, so the loop never waits and memory stays flat. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/daemon.h"
#include "net/http.h"
#include "base/log.h"
#include "store/report.h"
#include "routes.h"

enum report_job_kind { JOB_REPORT, JOB_CSV, JOB_NDJSON };

/* What a worker needs; it must not look at the daemon. */
struct report_job {
	enum report_job_kind kind;
	struct report_filter f;
	char db[]; /* the store's path */
};

static const char *const report_params[] = { "from",    "to",   "period", "country",
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

/* On the worker: the headers (200) are out, so a failure can only be
 * logged and, for the report, said in the body. */
static void report_produce(struct http_stream *st, void *arg)
{
	struct report_job *job = arg;
	struct sqlite3 *db;
	struct timespec t0;
	json_t *rep = NULL;
	char err[256];
	int64_t rows = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!(db = report_open(job->db, err, sizeof(err)))) {
		rows = -1;
	} else if (job->kind == JOB_REPORT) {
		if (!(rep = report_compute(db, &job->f, err, sizeof(err))) ||
		    report_print(rep, REPORT_JSON, report_stream_write, st)) {
			rows = -1;
			if (rep) /* computed, but could not be sent */
				snprintf(err, sizeof(err), "%s", "the client went away");
		}
	} else {
		rows = report_export(db, &job->f, job->kind == JOB_CSV ? EXPORT_CSV : EXPORT_NDJSON,
				     report_stream_write, st, err, sizeof(err));
	}
	if (rows < 0) {
		log_warn("%s: %s", job->kind == JOB_REPORT ? "report" : "export", err);
		if (job->kind == JOB_REPORT && !rep)
			http_stream_printf(st, "{\"error\":\"%s\"}\n",
					   "the report failed; see the log");
	} else if (job->kind != JOB_REPORT) {
		log_info("export: %lld contacts as %s in %.0f ms", (long long)rows,
			 job->kind == JOB_CSV ? "CSV" : "NDJSON", report_elapsed_ms(&t0));
	}
	json_decref(rep);
	report_close(db);
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
	};
	struct daemon *d = http_daemon(r);
	char from[32], to[32], period[64], country[16], channel[16], desk[80], err[256];
	const char *a_from, *a_to, *a_period, *a_country, *a_channel, *a_desk;
	struct report_job *job;

	if (http_check_args(r, report_params))
		return 0; /* answered 400 */
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
	return http_stream(r, 200, types[kind].type, types[kind].disposition, report_produce, job,
			   free);
}

int route_report(struct http_req *r)
{
	return route_report_job(r, JOB_REPORT);
}

int route_contacts_csv(struct http_req *r)
{
	return route_report_job(r, JOB_CSV);
}

int route_contacts_ndjson(struct http_req *r)
{
	return route_report_job(r, JOB_NDJSON);
}
