/* store_schema.h - the store's file: first checks, pragmas, migrations. */
#ifndef VV_STORE_SCHEMA_H
#define VV_STORE_SCHEMA_H

#include <stddef.h>

#include <sqlite3.h>

/* Open-time work on a fresh connection to the store at path: refuse a file
 * that is not a database or whose schema is newer than ours, set WAL and
 * synchronous=FULL, and migrate to store_schema_version(). -1 with err. */
int store_schema_open(sqlite3 *db, const char *path, char *err, size_t errlen);
int store_schema_version(void);

/* Run one SQL text that returns no rows we need; on failure copy the reason
 * into why before anything else can overwrite sqlite3_errmsg. */
int store_exec(sqlite3 *db, const char *sql, char *why, size_t whylen);
/* The first column of the first row of sql, as text into out (the error
 * message on failure). */
int store_query_text(sqlite3 *db, const char *sql, char *out, size_t outlen);

#endif
