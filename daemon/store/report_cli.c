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

int report_cli(int argc, char **argv)
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
	const char *db_path = NULL, *config = NULL, *from = NULL, *to = NULL, *period = NULL,
		   *country = NULL, *channel = NULL, *desk = NULL, *format = NULL,
		   *suppress = NULL;
	enum report_format fmt = REPORT_TEXT;
	struct report_filter f;
	struct conf c;
	char err[512];
	sqlite3 *db = NULL;
	json_t *rep = NULL;
	int o, rc = 1, stories = 0;

	conf_defaults(&c);
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'd':
			db_path = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'p':
			period = optarg;
			break;
		case 'C':
			country = optarg;
			break;
		case 'H':
			channel = optarg;
			break;
		case 'K':
			desk = optarg;
			break;
		case 'F':
			format = optarg;
			break;
		case 'S':
			suppress = optarg;
			break;
		case 'T':
			stories = 1;
			break;
		case 'h':
			report_usage(stdout);
			rc = 0;
			goto out;
		default:
			report_usage(stderr);
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vegvisard report: unexpected argument \"%s\"\n", argv[optind]);
		goto out;
	}
	if (report_cli_format(format, stories, &fmt) ||
	    (suppress && report_cli_suppress(suppress, &c.suppress_below)))
		goto out;
	if (config && conf_load_file(&c, config, err, sizeof(err)))
		goto fail;
	if (suppress)
		report_cli_suppress(suppress, &c.suppress_below); /* wins over the config */
	if (period && !config) {
		fprintf(stderr,
			"vegvisard report: --period needs --config FILE (the periods are there)\n");
		goto out;
	}
	if (report_filter_init(&f, &c, from, to, period, country, channel, 1, err, sizeof(err)) ||
	    (desk && report_filter_desk(&f, desk, c.desk, 1, err, sizeof(err))) ||
	    !(db = report_open(db_path ? db_path : c.db, err, sizeof(err))))
		goto fail;
	if (stories) {
		rc = report_cli_stories(db, &f, fmt);
		goto out;
	}
	if (!(rep = report_compute(db, &f, err, sizeof(err))))
		goto fail;
	if (report_print(rep, fmt, report_write_file, stdout) || fflush(stdout)) {
		fprintf(stderr, "vegvisard report: cannot write the report\n");
		goto out;
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "vegvisard report: %s\n", err);
out:
	json_decref(rep);
	report_close(db);
	conf_free(&c);
	return rc;
}
