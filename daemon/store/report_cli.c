/* report_cli.c - `vegvisard report`: the survey figures, or the stories,
 * from the command line, through the same code as the HTTP API. */
#include "report.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "conf/conf.h"

static void report_usage(FILE *f)
{
	fprintf(f,
		"usage: vegvisard report [--db FILE] [--config FILE] [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
		"                        [--period ID] [--country CC] [--channel CH] [--format text|json|csv]\n"
		"                        [--suppress-below N] [--stories [--format csv|ndjson]]\n"
		"\n"
		"  Prints the survey figures for the contacts finished from --from to --to (local\n"
		"  days, both inclusive), or in a registration period of the config (--period,\n"
		"  which needs --config). The database is opened read-only; the daemon may run.\n"
		"\n"
		"  --db FILE        the store (default: \"db\" of --config, else var/vegvisar.db)\n"
		"  --config FILE    the daemon's config, for its periods and db\n"
		"  --country CC     only this country (no, dk)\n"
		"  --channel CH     only this channel (phone, chat, widget, desk)\n"
		"  --desk NAME      only this desk's contacts (a collector's store)\n"
		"  --format F       text (a table, the default), json or csv\n"
		"  --suppress-below N  show counts from 1 to N-1 as \"< N\" (default: the\n"
		"                   config's suppress_below, else 5; 1 shows every count)\n"
		"  --stories        the stories for the survey instead of the figures, one\n"
		"                   per row (csv, the default, or ndjson); supervisors only\n");
}

static int report_write_file(void *ctx, const void *data, size_t len)
{
	return fwrite(data, 1, len, ctx) == len ? 0 : -1;
}

/* --format: text, json or csv for the figures; csv or ndjson for the
 * stories (REPORT_CSV and REPORT_JSON stand for them). */
static int report_cli_format(const char *format, int stories, enum report_format *fmt)
{
	if (stories) {
		*fmt = REPORT_CSV;
		if (!format || !strcmp(format, "csv"))
			return 0;
		if (!strcmp(format, "ndjson")) {
			*fmt = REPORT_JSON;
			return 0;
		}
		fprintf(stderr,
			"vegvisard report: --stories --format must be csv or ndjson, not \"%s\"\n",
			format);
		return -1;
	}
	if (!format || !report_format_parse(format, fmt))
		return 0;
	fprintf(stderr, "vegvisard report: --format must be text, json or csv, not \"%s\"\n",
		format);
	return -1;
}

static int report_cli_suppress(const char *s, int *below)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*s && !*end && n >= 1 && n <= 1000) {
		*below = (int)n;
		return 0;
	}
	fprintf(stderr,
		"vegvisard report: --suppress-below must be a whole number from 1 to 1000, not \"%s\"\n",
		s);
	return -1;
}

static int report_cli_stories(sqlite3 *db, const struct report_filter *f, enum report_format fmt)
{
	char err[512] = "cannot write the stories";

	if (report_export_stories(db, f, fmt == REPORT_JSON ? EXPORT_NDJSON : EXPORT_CSV,
				  report_write_file, stdout, err, sizeof(err)) < 0 ||
	    fflush(stdout)) {
		fprintf(stderr, "vegvisard report: %s\n", err);
		return 1;
	}
	return 0;
}

/* What the command line asked for. */
struct report_cli_args {
	const char *db_path, *config, *from, *to, *period, *country, *channel, *desk, *format,
		*suppress;
	int stories;
};

/* Read the options into a. 0 to go on; else 1 and *rc is the exit status
 * (0 after --help). */
static int report_cli_parse(int argc, char **argv, struct report_cli_args *a, int *rc)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "period", required_argument, NULL, 'p' },
		{ "country", required_argument, NULL, 'C' },
		{ "channel", required_argument, NULL, 'H' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "desk", required_argument, NULL, 'K' },
		{ "suppress-below", required_argument, NULL, 'S' },
		{ "stories", no_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	/* Where each option with a value goes, by its letter. */
	const struct {
		int opt;
		const char **to;
	} args[] = {
		{ 'd', &a->db_path },  { 'c', &a->config }, { 'f', &a->from },
		{ 't', &a->to },       { 'p', &a->period }, { 'C', &a->country },
		{ 'H', &a->channel },  { 'K', &a->desk },   { 'F', &a->format },
		{ 'S', &a->suppress },
	};
	int o;

	memset(a, 0, sizeof(*a));
	*rc = 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		size_t i = 0;
		while (i < sizeof(args) / sizeof(args[0]) && args[i].opt != o)
			i++;
		if (i < sizeof(args) / sizeof(args[0])) {
			*args[i].to = optarg;
		} else if (o == 'T') {
			a->stories = 1;
		} else {
			report_usage(o == 'h' ? stdout : stderr);
			*rc = o == 'h' ? 0 : 1;
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vegvisard report: unexpected argument \"%s\"\n", argv[optind]);
		return 1;
	}
	return 0;
}

/* The config and the flags that win over it. 0, or 1 having said why (a
 * reason in err only when the return is -1). */
static int report_cli_conf(const struct report_cli_args *a, struct conf *c, char *err,
			   size_t errlen)
{
	if (a->suppress && report_cli_suppress(a->suppress, &c->suppress_below))
		return 1;
	if (a->config && conf_load_file(c, a->config, err, errlen))
		return -1;
	if (a->suppress)
		report_cli_suppress(a->suppress, &c->suppress_below); /* wins over the config */
	if (a->period && !a->config) {
		fprintf(stderr,
			"vegvisard report: --period needs --config FILE (the periods are there)\n");
		return 1;
	}
	return 0;
}

/* The figures, printed in fmt. */
static int report_cli_figures(sqlite3 *db, const struct report_filter *f, enum report_format fmt,
			      char *err, size_t errlen)
{
	json_t *rep = report_compute(db, f, err, errlen);
	int rc = 0;

	if (!rep)
		return -1;
	if (report_print(rep, fmt, report_write_file, stdout) || fflush(stdout)) {
		fprintf(stderr, "vegvisard report: cannot write the report\n");
		rc = 1;
	}
	json_decref(rep);
	return rc;
}

int report_cli(int argc, char **argv)
{
	struct report_cli_args a;
	enum report_format fmt = REPORT_TEXT;
	struct report_filter f;
	struct conf c;
	char err[512];
	sqlite3 *db = NULL;
	int rc;

	if (report_cli_parse(argc, argv, &a, &rc))
		return rc;
	conf_defaults(&c);
	if (report_cli_format(a.format, a.stories, &fmt) ||
	    (rc = report_cli_conf(&a, &c, err, sizeof(err))) > 0)
		goto out;
	if (rc < 0 ||
	    report_filter_init(&f, &c, a.from, a.to, a.period, a.country, a.channel, 1, err,
			       sizeof(err)) ||
	    (a.desk && report_filter_desk(&f, a.desk, c.desk, 1, err, sizeof(err))) ||
	    !(db = report_open(a.db_path ? a.db_path : c.db, err, sizeof(err))))
		rc = -1;
	else if (a.stories)
		rc = report_cli_stories(db, &f, fmt);
	else
		rc = report_cli_figures(db, &f, fmt, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "vegvisard report: %s\n", err);
out:
	report_close(db);
	conf_free(&c);
	return rc ? 1 : 0;
}
