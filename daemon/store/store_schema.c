/* store_schema.c - the store's file: the first checks, the pragmas and the
 * schema, brought up to date by migrations. store.c does the rest. */
#include "store_schema.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

/* Schema migrations in order: step i takes user_version from i - 1 to i.
 * Append new steps; never edit a step that has shipped. */
static const char *const store_migrations[] = {
	/* 1: one row per finished contact. The checks are a last line of
	 * defence (the service validates first), loose enough that a new
	 * country, category or destination needs no migration. */
	"CREATE TABLE contacts ("
	" id INTEGER PRIMARY KEY,"
	" key TEXT NOT NULL UNIQUE CHECK (length(key) BETWEEN 1 AND 256),"
	" started_ms INTEGER NOT NULL,"
	" finished_ms INTEGER NOT NULL,"
	" channel TEXT NOT NULL CHECK (channel IN ('phone', 'chat', 'widget', 'desk')),"
	" country TEXT NOT NULL CHECK (length(country) = 2),"
	" lang TEXT NOT NULL,"
	" rules_version TEXT NOT NULL,"
	" path TEXT NOT NULL CHECK (json_valid(path) AND json_type(path) = 'array'),"
	" facts TEXT NOT NULL CHECK (json_valid(facts) AND json_type(facts) = 'object'),"
	" suggested TEXT,"
	" destination TEXT,"
	" category TEXT,"
	" outcome TEXT NOT NULL CHECK (outcome IN ('resolved', 'referred', 'abandoned')),"
	" referral_reason TEXT CHECK (referral_reason IS NULL OR outcome = 'referred'),"
	" on_behalf TEXT CHECK (on_behalf IN ('self', 'another_person', 'organisation', 'unknown')),"
	" relation TEXT,"
	" age_band TEXT,"
	" period TEXT,"
	" note TEXT"
	");"
	"CREATE INDEX contacts_finished ON contacts (finished_ms);"
	"CREATE INDEX contacts_country_finished ON contacts (country, finished_ms);",
	/* 2: desks that talk to each other (docs/store.md, "Handoffs, the
	 * outbox and the collector"). contacts.desk is NULL for this desk's
	 * own contacts and names the sending desk for those a collector took
	 * in. outbox holds what must still be delivered, written in the same
	 * transaction as its contact; referrals the handoffs this desk sent
	 * and what the receiving desk said of them; handoffs those it
	 * received. */
	"ALTER TABLE contacts ADD COLUMN desk TEXT"
	" CHECK (desk IS NULL OR length(desk) BETWEEN 1 AND 63);"
	"CREATE TABLE outbox ("
	" id INTEGER PRIMARY KEY,"
	" kind TEXT NOT NULL CHECK (kind IN ('handoff', 'feedback', 'collector')),"
	" target TEXT NOT NULL CHECK (length(target) BETWEEN 1 AND 64),"
	" body TEXT NOT NULL CHECK (json_valid(body) AND json_type(body) = 'object'),"
	" created_ms INTEGER NOT NULL,"
	" due_ms INTEGER NOT NULL,"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),"
	" last_error TEXT,"
	" done_ms INTEGER"
	");"
	"CREATE INDEX outbox_pending ON outbox (due_ms) WHERE state = 'pending';"
	"CREATE TABLE referrals ("
	" contact_key TEXT PRIMARY KEY,"
	" code TEXT NOT NULL UNIQUE,"
	" destination TEXT NOT NULL,"
	" sent_ms INTEGER NOT NULL,"
	" check_result TEXT CHECK (check_result IN ('accepted', 'misrouted')),"
	" correct_destination TEXT CHECK (correct_destination IS NULL OR check_result = 'misrouted'),"
	" checked_ms INTEGER,"
	" checked_by TEXT"
	");"
	"CREATE TABLE handoffs ("
	" id INTEGER PRIMARY KEY,"
	" from_desk TEXT NOT NULL,"
	" contact_key TEXT NOT NULL,"
	" code TEXT NOT NULL,"
	" destination TEXT NOT NULL,"
	" country TEXT NOT NULL CHECK (length(country) = 2),"
	" lang TEXT NOT NULL,"
	" received_ms INTEGER NOT NULL,"
	" body TEXT NOT NULL CHECK (json_valid(body) AND json_type(body) = 'object'),"
	" state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'finished')),"
	" finished_key TEXT,"
	" UNIQUE (from_desk, contact_key)"
	");"
	"CREATE INDEX handoffs_waiting ON handoffs (received_ms) WHERE state = 'waiting';",
	/* 3: the same contacts, with the checks on channel, outcome and
	 * on_behalf written as comparisons. SQLite 3.40 compiles "x IN (...)"
	 * in a CHECK into an ephemeral table it creates, fills and drops at
	 * every INSERT, about two thirds of the writer's work per row
	 * (docs/performance.md, finding 3); "x = 'a' OR x = 'b'" accepts the
	 * same values (NULL included) without one. A CHECK cannot be changed
	 * in place, so this is SQLite's procedure for other schema changes:
	 * a new table, every row copied with its id, the old one dropped, the
	 * new one renamed; its indexes come back through store_rebuilds. */
	"CREATE TABLE contacts_new ("
	" id INTEGER PRIMARY KEY,"
	" key TEXT NOT NULL UNIQUE CHECK (length(key) BETWEEN 1 AND 256),"
	" started_ms INTEGER NOT NULL,"
	" finished_ms INTEGER NOT NULL,"
	" channel TEXT NOT NULL CHECK (channel = 'phone' OR channel = 'chat'"
	" OR channel = 'widget' OR channel = 'desk'),"
	" country TEXT NOT NULL CHECK (length(country) = 2),"
	" lang TEXT NOT NULL,"
	" rules_version TEXT NOT NULL,"
	" path TEXT NOT NULL CHECK (json_valid(path) AND json_type(path) = 'array'),"
	" facts TEXT NOT NULL CHECK (json_valid(facts) AND json_type(facts) = 'object'),"
	" suggested TEXT,"
	" destination TEXT,"
	" category TEXT,"
	" outcome TEXT NOT NULL CHECK (outcome = 'resolved' OR outcome = 'referred'"
	" OR outcome = 'abandoned'),"
	" referral_reason TEXT CHECK (referral_reason IS NULL OR outcome = 'referred'),"
	" on_behalf TEXT CHECK (on_behalf = 'self' OR on_behalf = 'another_person'"
	" OR on_behalf = 'organisation' OR on_behalf = 'unknown'),"
	" relation TEXT,"
	" age_band TEXT,"
	" period TEXT,"
	" note TEXT,"
	" desk TEXT CHECK (desk IS NULL OR length(desk) BETWEEN 1 AND 63)"
	");"
	"INSERT INTO contacts_new (id, key, started_ms, finished_ms, channel, country, lang,"
	" rules_version, path, facts, suggested, destination, category, outcome,"
	" referral_reason, on_behalf, relation, age_band, period, note, desk)"
	" SELECT id, key, started_ms, finished_ms, channel, country, lang,"
	" rules_version, path, facts, suggested, destination, category, outcome,"
	" referral_reason, on_behalf, relation, age_band, period, note, desk"
	" FROM contacts;"
	"DROP TABLE contacts;"
	"ALTER TABLE contacts_new RENAME TO contacts;",
	/* 4: what a finish key stands for (docs/protocol.md, "finish"): the
	 * SHA-256 of the session, its owner and the finish's fields, so that
	 * the same key from another session or with another payload is a
	 * conflict, not a "logged" for a contact never stored. NULL for rows
	 * stored before and for contacts from other desks. */
	"ALTER TABLE contacts ADD COLUMN key_digest TEXT"
	" CHECK (key_digest IS NULL OR length(key_digest) = 64);",
	/* 5: the survey's second half (issue 21). contacts.barriers holds
	 * why the person could not help themselves: a JSON array of the codes
	 * in base/survey.c, or NULL when none was recorded (every older row).
	 * Adding a column is instant at any size and leaves old rows as they
	 * were. stories are the agents' accounts for the qualitative part:
	 * scrubbed like notes but kept apart from the contact's operational
	 * note, exported on their own by period (finished_ms, as reports
	 * select), with the survey fields a reader needs copied in beside
	 * them, so that the story export never joins back to a note. */
	"ALTER TABLE contacts ADD COLUMN barriers TEXT"
	" CHECK (barriers IS NULL OR (json_valid(barriers) AND json_type(barriers) = 'array'));"
	"CREATE TABLE stories ("
	" id INTEGER PRIMARY KEY,"
	" contact_id INTEGER NOT NULL UNIQUE,"
	" finished_ms INTEGER NOT NULL,"
	" country TEXT NOT NULL,"
	" channel TEXT NOT NULL,"
	" lang TEXT NOT NULL,"
	" category TEXT,"
	" outcome TEXT NOT NULL,"
	" on_behalf TEXT,"
	" barriers TEXT CHECK (barriers IS NULL OR json_valid(barriers)),"
	" desk TEXT,"
	" text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 4000)"
	");"
	"CREATE INDEX stories_finished ON stories (finished_ms);",
	/* 6: corrections (issue 20). The contacts row always holds the latest
	 * version, so every report, export and the live figures count each
	 * contact once, under its latest values, without a filter anywhere;
	 * contacts.version is NULL for version 1 (every older row). What a
	 * correction replaced is never lost: contact_versions keeps one row
	 * per correction with who made it, when, its idempotency key and
	 * digest, and the previous version's survey fields (no note: the audit
	 * must not become a second copy of free text). contacts.owner is the
	 * token name that logged the contact, so that only that agent may
	 * correct it, also after a restart; NULL for older rows and contacts
	 * of other desks, which cannot be corrected. */
	"ALTER TABLE contacts ADD COLUMN owner TEXT"
	" CHECK (owner IS NULL OR length(owner) BETWEEN 1 AND 63);"
	"ALTER TABLE contacts ADD COLUMN version INTEGER CHECK (version IS NULL OR version >= 2);"
	"CREATE TABLE contact_versions ("
	" id INTEGER PRIMARY KEY,"
	" contact_id INTEGER NOT NULL,"
	" version INTEGER NOT NULL CHECK (version >= 2),"
	" key TEXT NOT NULL UNIQUE CHECK (length(key) BETWEEN 1 AND 128),"
	" key_digest TEXT NOT NULL CHECK (length(key_digest) = 64),"
	" corrected_ms INTEGER NOT NULL,"
	" corrected_by TEXT NOT NULL,"
	" outcome TEXT NOT NULL,"
	" destination TEXT,"
	" referral_reason TEXT,"
	" category TEXT,"
	" on_behalf TEXT,"
	" relation TEXT,"
	" age_band TEXT,"
	" barriers TEXT,"
	" UNIQUE (contact_id, version)"
	");",
	/* 7: callback requests (issue 17). A citizen's phone number, kept apart
	 * from the contact tables and only until an agent marks the callback
	 * done or until_ms passes (callback_retention_hours); rows are deleted
	 * with secure_delete on, so the number leaves the file. No address:
	 * the per-address bound counts only requests made since the start. */
	"CREATE TABLE callbacks ("
	" code TEXT PRIMARY KEY CHECK (length(code) = 7),"
	" session TEXT,"
	" country TEXT NOT NULL,"
	" lang TEXT NOT NULL,"
	" phone TEXT NOT NULL CHECK (length(phone) BETWEEN 6 AND 20),"
	" created_ms INTEGER NOT NULL,"
	" until_ms INTEGER NOT NULL,"
	" step TEXT NOT NULL CHECK (json_valid(step))"
	");"
	"CREATE INDEX callbacks_until ON callbacks (until_ms);",
};
#define STORE_SCHEMA_VERSION ((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))

/* The table a step rebuilds, by step: DROP TABLE takes its indexes and
 * triggers along, so store_migrate_step saves them before the step and
 * creates them again after it. */
static const char *const store_rebuilds[STORE_SCHEMA_VERSION + 1] = { [3] = "contacts" };

int store_exec(sqlite3 *db, const char *sql, char *why, size_t whylen)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		snprintf(why, whylen, "%s", sqlite3_errmsg(db));
	return rc;
}

int store_query_text(sqlite3 *db, const char *sql, char *out, size_t outlen)
{
	sqlite3_stmt *q = NULL;
	const unsigned char *text;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		text = sqlite3_column_text(q, 0);
		snprintf(out, outlen, "%s", text ? (const char *)text : "");
		rc = SQLITE_OK;
	} else {
		snprintf(out, outlen, "%s", sqlite3_errmsg(db));
		if (rc == SQLITE_DONE)
			rc = SQLITE_ERROR;
	}
	sqlite3_finalize(q);
	return rc;
}

/* Cheap enough for every start: the header and the schema, that is the
 * first pages, are read, so a file that is not a SQLite database at all
 * stops the start here with a clear message. Every other page is checked
 * by the writer after READY (store_check_pages in store.c). */
static int store_check_header(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	char why[160];
	int rc, primary;

	rc = store_query_text(db, "SELECT count(*) FROM sqlite_schema", why, sizeof(why));
	primary = rc & 0xff;
	if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
		return util_fail(err, errlen,
				 "%s: refusing to open: not a SQLite database or corrupted (%s); "
				 "restore it from a backup",
				 path, why);
	if (rc != SQLITE_OK)
		return util_fail(err, errlen, "%s: cannot read: %s", path, why);
	return 0;
}

static int store_configure(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	char mode[64], why[160];

	if (store_query_text(db, "PRAGMA journal_mode = WAL", mode, sizeof(mode)) != SQLITE_OK) {
		util_fail(err, errlen, "%s: cannot set WAL mode: %s", path, mode);
		return -1;
	}
	/* WAL needs shared memory; some network file systems cannot do it. */
	if (strcmp(mode, "wal") != 0) {
		util_fail(err, errlen, "%s: cannot set WAL mode (journal_mode stays %s)", path,
			  mode);
		return -1;
	}
	/* FULL syncs the WAL at every COMMIT: a committed batch survives a power
	 * cut. NORMAL would lose the last batches we already acknowledged. */
	if (store_exec(db, "PRAGMA synchronous = FULL", why, sizeof(why)) != SQLITE_OK) {
		util_fail(err, errlen, "%s: cannot set synchronous=FULL: %s", path, why);
		return -1;
	}
	/* Notes erased by retention must leave the file, not only the table:
	 * without this SQLite just unlinks a freed cell and its bytes stay in
	 * the page (and so in the file) until the space happens to be reused.
	 * ON also zeroes freed overflow pages (long notes); the cost is writing
	 * those zeros, which only erasing and updating rows do. */
	if (store_exec(db, "PRAGMA secure_delete = ON", why, sizeof(why)) != SQLITE_OK) {
		util_fail(err, errlen, "%s: cannot set secure_delete: %s", path, why);
		return -1;
	}
	return 0;
}

/* Steps 3 and 8 of SQLite's procedure for other kinds of schema changes
 * (sqlite.org/lang_altertable.html): DROP TABLE takes the table's indexes
 * and triggers with it, ours and any an administrator added, so their SQL
 * is read before a rebuild and run again, unchanged, after it. NULL with
 * the reason in why on failure; free with sqlite3_free. */
static char *store_attached_sql(sqlite3 *db, const char *table, char *why, size_t whylen)
{
	static const char sql[] = "SELECT sql FROM sqlite_schema WHERE tbl_name = ?1"
				  " AND type IN ('index', 'trigger') AND sql IS NOT NULL"
				  " ORDER BY rowid";
	sqlite3_str *all = sqlite3_str_new(db);
	sqlite3_stmt *q = NULL;
	char *text;
	int rc, nomem;

	rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(q)) == SQLITE_ROW)
			sqlite3_str_appendf(all, "%s;", (const char *)sqlite3_column_text(q, 0));
	}
	if (rc != SQLITE_DONE)
		snprintf(why, whylen, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(q);
	nomem = sqlite3_str_errcode(all) != SQLITE_OK;
	text = sqlite3_str_finish(all); /* NULL when nothing was appended */
	if (rc == SQLITE_DONE && !nomem)
		return text ? text : sqlite3_mprintf("%s", "");
	if (nomem)
		snprintf(why, whylen, "out of memory");
	sqlite3_free(text);
	return NULL;
}

/* One migration step in its own transaction, together with the new
 * user_version, so a crash leaves the file at the old or the new version. */
static int store_migrate_step(sqlite3 *db, int to, const char *path, char *err, size_t errlen)
{
	const char *rebuilds = store_rebuilds[to];
	char bump[40], why[160];
	char *attached = NULL;

	/* PRAGMA takes no bound parameters; the number is our own integer. */
	snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", to);
	if (store_exec(db, "BEGIN IMMEDIATE", why, sizeof(why)) != SQLITE_OK)
		goto fail;
	if ((rebuilds && !(attached = store_attached_sql(db, rebuilds, why, sizeof(why)))) ||
	    store_exec(db, store_migrations[to - 1], why, sizeof(why)) != SQLITE_OK ||
	    (attached && store_exec(db, attached, why, sizeof(why)) != SQLITE_OK) ||
	    store_exec(db, bump, why, sizeof(why)) != SQLITE_OK ||
	    store_exec(db, "COMMIT", why, sizeof(why)) != SQLITE_OK) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		goto fail;
	}
	sqlite3_free(attached);
	return 0;
fail:
	sqlite3_free(attached);
	return util_fail(err, errlen, "%s: migration to schema version %d failed: %s", path, to,
			 why);
}

/* Read user_version. An older daemon must not write into a schema it does
 * not understand (after a package downgrade, say), so a newer version is
 * refused here, before anything (even the journal mode) is changed. */
static int store_read_version(sqlite3 *db, const char *path, int *version, char *err, size_t errlen)
{
	char text[160];

	if (store_query_text(db, "PRAGMA user_version", text, sizeof(text)) != SQLITE_OK) {
		util_fail(err, errlen, "%s: cannot read the schema version: %s", path, text);
		return -1;
	}
	*version = atoi(text);
	if (*version > STORE_SCHEMA_VERSION) {
		util_fail(err, errlen,
			  "%s: refusing to open: schema version %d is newer than this "
			  "vegvisard knows (%d); run a newer vegvisard",
			  path, *version, STORE_SCHEMA_VERSION);
		return -1;
	}
	return 0;
}

static int store_migrate(sqlite3 *db, const char *path, int version, char *err, size_t errlen)
{
	char why[160];

	if (version >= STORE_SCHEMA_VERSION)
		return 0;
	/* A step that rebuilds a table drops one that others may name. With
	 * foreign keys off, DROP TABLE deletes nothing elsewhere (the store's
	 * own schema declares none, so they stay off). With the legacy RENAME,
	 * renaming the new table renames only it: views, triggers and foreign
	 * keys elsewhere that name the old table then mean the new one, where
	 * the current RENAME would rewrite them and fail on the dropped table. */
	if (store_exec(db, "PRAGMA foreign_keys = OFF", why, sizeof(why)) != SQLITE_OK ||
	    store_exec(db, "PRAGMA legacy_alter_table = ON", why, sizeof(why)) != SQLITE_OK)
		return util_fail(err, errlen, "%s: cannot prepare the migration: %s", path, why);
	for (; version < STORE_SCHEMA_VERSION; version++) {
		if (store_migrate_step(db, version + 1, path, err, errlen) < 0)
			return -1;
		log_notice("store: %s: migrated to schema version %d", path, version + 1);
	}
	if (store_exec(db, "PRAGMA legacy_alter_table = OFF", why, sizeof(why)) != SQLITE_OK)
		return util_fail(err, errlen, "%s: %s", path, why);
	/* A rebuild passes the whole table through the WAL: give that space
	 * back now rather than when the daemon stops. */
	if (store_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", why, sizeof(why)) != SQLITE_OK)
		log_warn("store: %s: checkpoint after the migration: %s", path, why);
	return 0;
}

int store_schema_version(void)
{
	return STORE_SCHEMA_VERSION;
}

int store_schema_open(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	int version;

	if (store_check_header(db, path, err, errlen) < 0 ||
	    store_read_version(db, path, &version, err, errlen) < 0 ||
	    store_configure(db, path, err, errlen) < 0 ||
	    store_migrate(db, path, version, err, errlen) < 0)
		return -1;
	return 0;
}
