/* report_fixture.c - the helpers of report_fixture.h, shared by test_report_*.c. */
#include "report_fixture.h"

char dir[64];
char db_path[128];

int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/vv-report-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(db_path, sizeof(db_path), "%s/vv.db", dir);
	return 0;
}

int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* ---- helpers ---- */

int load_conf(struct conf *c, const char *json, char *err)
{
	char path[160];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/conf.json", dir);
	f = fopen(path, "w");
	fputs(json, f);
	fclose(f);
	conf_defaults(c);
	rc = conf_load_file(c, path, err, 512);
	unlink(path);
	return rc;
}

void expect_conf_error(const char *json, const char *needle)
{
	struct conf c;
	char err[512];

	assert_int_equal(load_conf(&c, json, err), -1);
	if (!strstr(err, needle))
		fail_msg("config %s: expected an error mentioning \"%s\", got \"%s\"", json, needle,
			 err);
	conf_free(&c);
}

struct contact contact(const char *key, int64_t finished_ms)
{
	struct contact c = {
		.started_ms = finished_ms - 60000,
		.finished_ms = finished_ms,
		.key = key,
		.channel = "phone",
		.country = "no",
		.lang = "nb",
		.rules_version = "fixture-1",
		.path_json = "[\"who\",\"topic\",\"login.bank\"]",
		.facts_json = "{\"on_behalf\":\"self\",\"topic\":\"login\"}",
		.suggested = "no.bank",
		.destination = "no.bank",
		.category = "login",
		.outcome = "resolved",
		.on_behalf = "self",
	};
	return c;
}

/* Store contacts without a writer thread: store_close commits them. */
void fill(const struct contact *cs, size_t n)
{
	char err[256];
	struct store *st = store_open(db_path, err, sizeof(err));

	if (!st)
		fail_msg("%s", err);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(store_submit(st, &cs[i], TICKET(i)), 0);
	store_close(st);
}

void exec_sql(const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(db);
}

/* Output collected in memory. */

int sink_write(void *ctx, const void *data, size_t len)
{
	struct sink *s = ctx;

	if (s->fail_after && ++s->calls >= s->fail_after)
		return -1;
	s->p = realloc(s->p, s->len + len + 1);
	memcpy(s->p + s->len, data, len);
	s->len += len;
	s->p[s->len] = '\0';
	return 0;
}

void filter_all(struct report_filter *f)
{
	char err[256];

	assert_int_equal(
		report_filter_init(f, NULL, NULL, NULL, NULL, NULL, NULL, 0, err, sizeof(err)), 0);
}

/* The figures with every count shown: the hand-made contacts are all
 * small cells, and these tests read exact counts (test_small_cells reads
 * them hidden). */
json_t *compute(const struct report_filter *f)
{
	char err[256];
	sqlite3 *db = report_open(db_path, err, sizeof(err));
	struct report_filter exact = *f;
	json_t *rep;

	if (!db)
		fail_msg("%s", err);
	exact.suppress_below = 1;
	rep = report_compute(db, &exact, err, sizeof(err));
	if (!rep)
		fail_msg("%s", err);
	report_close(db);
	return rep;
}

/* The count at a path like "category.login" or "referral.reason.other". */
long long count_at(json_t *rep, const char *path)
{
	char copy[128], *save = NULL;
	json_t *o = rep;

	snprintf(copy, sizeof(copy), "%s", path);
	for (char *k = strtok_r(copy, ".", &save); k; k = strtok_r(NULL, ".", &save)) {
		/* destination ids contain dots: take the rest as one key */
		if (!strcmp(k, "destination") && o == json_object_get(rep, "referral")) {
			o = json_object_get(o, k);
			k = strtok_r(NULL, "", &save);
			o = json_object_get(o, k);
			break;
		}
		o = json_object_get(o, k);
	}
	if (!o)
		fail_msg("no %s in the report", path);
	return json_is_object(o) ? json_integer_value(json_object_get(o, "count"))
				 : json_integer_value(o);
}

int starts_with(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix))) {
		print_error("expected output starting with:\n%s\ngot:\n%.*s\n", prefix,
			    (int)strlen(prefix) + 40, s);
		return 0;
	}
	return 1;
}

void expect_in(const char *s, const char *needle)
{
	if (!strstr(s, needle))
		fail_msg("expected to find:\n%s\nin:\n%s", needle, s);
}

/* Runs of spaces become one, so a test does not depend on column widths. */
void squeeze(char *s)
{
	char *w = s;

	for (const char *r = s; *r; r++)
		if (*r != ' ' || w == s || w[-1] != ' ')
			*w++ = *r;
	*w = '\0';
}

/* Ten contacts with every kind of value the report counts. */
void fill_ten(void)
{
	struct contact cs[10];
	char keys[10][8];
	int64_t t = OSLO_2026_10_25 + 3600000; /* 01:00 on 25 October, local */

	for (int i = 0; i < 10; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		cs[i] = contact(keys[i], t + i * 3600000LL);
	}
	/* 0-3 login resolved; 4-5 reservation referred; 6 agency referred
	 * elsewhere; 7 abandoned without a suggestion; 8 a category from a
	 * newer daemon; 9 without category, on another day, in Denmark. */
	cs[2].on_behalf = "another_person";
	cs[2].relation = "adult_child_for_parent";
	cs[2].age_band = "80_plus";
	cs[3].channel = "chat";
	cs[3].destination = "no.digdir.idporten"; /* resolved elsewhere than suggested */
	cs[4].category = cs[5].category = "reservation";
	cs[4].outcome = cs[5].outcome = "referred";
	cs[4].referral_reason = "wrong_agency";
	cs[5].referral_reason = "no_mandate";
	cs[5].on_behalf = "another_person";
	cs[5].relation = "guardian";
	cs[6].category = "agency";
	cs[6].outcome = "referred";
	cs[6].referral_reason = "wrong_agency";
	cs[6].suggested = "no.nav";
	cs[6].destination = "no.kommune";
	cs[7].outcome = "abandoned";
	cs[7].suggested = cs[7].destination = NULL;
	cs[7].category = "other";
	cs[8].category = "newcat";
	cs[9].category = NULL;
	cs[9].country = "dk";
	cs[9].channel = "desk";
	cs[9].finished_ms = OSLO_2026_10_25 + 26 * 3600000LL; /* 01:00 on the 26th */
	fill(cs, 10);
}

/* What every test_report_*.c main does before it runs its tests. */
void report_tests_init(void)
{
	/* Every date in these tests is a day in Oslo, DST changes included. */
	setenv("TZ", "Europe/Oslo", 1);
	tzset();
	log_init(LOG_LVL_WARN);
}
