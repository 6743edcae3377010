/* store.h - the survey store: one SQLite file, written by one thread.
 *
 * The service thread never touches SQLite for writes. It hands finished
 * contacts to store_submit(), which only queues them; a writer thread commits
 * everything waiting in one transaction (group commit, synchronous=FULL),
 * then posts each submission's completion (base/done.h), in submission
 * order, for the service thread to run. A result with status 0 means the
 * row is durable on disk. */
#ifndef VV_STORE_H
#define VV_STORE_H

#include <stddef.h>
#include <stdint.h>

struct sqlite3;
struct store_job;
struct store_result;
struct done;

/* One finished contact. Strings may be NULL where optional; store_submit
 * copies everything, so the caller keeps ownership (except of job, see
 * below). Times are Unix ms. */
struct contact {
	int64_t started_ms;
	int64_t finished_ms;
	const char *key;     /* client idempotency key, unique */
	/* What the key stands for (docs/protocol.md, "finish"): hex SHA-256 of
	 * the finishing session, its owner and the finish's fields, or NULL
	 * (contacts from other desks). A key stored with another digest is a
	 * conflict: nothing is written and the first contact's id is not told. */
	const char *key_digest;
	const char *channel; /* phone, chat, widget, desk */
	const char *country; /* no, dk */
	const char *lang;
	const char *rules_version;
	const char *path_json;       /* JSON array of node ids */
	const char *facts_json;      /* JSON object fact → value */
	const char *suggested;       /* destination id the tree suggested, or NULL */
	const char *destination;     /* final destination id, or NULL */
	const char *category;        /* login, reservation, power_of_attorney, agency, estate */
	const char *outcome;         /* resolved, referred, abandoned */
	const char *referral_reason; /* NULL unless referred */
	const char *on_behalf;       /* self, another_person, organisation, unknown */
	const char *relation;        /* optional survey field */
	const char *age_band;        /* optional survey field */
	const char *period;          /* registration period id, or NULL */
	const char *note;            /* already scrubbed free text, or NULL */
	const char *desk;      /* NULL: this desk's own; else the desk that sent it (collector) */
	const char *barriers;  /* survey barrier codes as a JSON array (base/survey.h), or NULL */
	const char *owner;     /* the agent's token name, who alone may correct it; or NULL */
	struct store_job *job; /* more writes with the contact (outbox, handoffs), or NULL */
};

/* Writes that belong with a contact, or stand alone: the outbox rows of a
 * handoff, a received handoff, a referral check. The writer runs them inside
 * the batch's transaction, in a savepoint: with a contact only when its row
 * is new (a repeated key writes nothing, again), and they commit or fail
 * together with it. The store owns a job once store_submit or
 * store_submit_job returned 0, and frees it with free(). */
struct store_job {
	/* On the writer thread. contact_id is the new row (0 for a job alone);
	 * res->contact_id and res->duplicate may be set for the submitter.
	 * SQLITE_OK, or the SQLite error: a constraint or bad value fails this
	 * item alone, anything else the whole batch. */
	int (*run)(struct store_job *job, struct sqlite3 *db, int64_t contact_id,
		   struct store_result *res);
	void (*free)(struct store_job *job);
};

enum store_status {
	STORE_OK = 0,
	STORE_FULL,   /* the disk or the database is full: nothing was written */
	STORE_FAILED, /* any other SQLite error: nothing was written */
	STORE_KEY_CONFLICT, /* the key is stored for another contact: nothing written */
	STORE_FORBIDDEN,    /* a correction of a contact that is not the sender's (correct.h) */
	STORE_TOO_LATE,     /* a correction after the window: nothing written */
};

struct store_result {
	enum store_status status;
	int64_t contact_id; /* the row id; for a repeated key, the first row's id */
	int duplicate;      /* 1 when the key was already stored: nothing new written */
	char error[160];    /* why, when status != STORE_OK */
};

struct store;

/* A submission's completion: run on the service thread (done_run) once its
 * batch has committed or failed, with arg as given to store_submit and the
 * result, valid during the call only. Every accepted submission's runs
 * exactly once, in submission order. */
typedef void store_done_fn(void *arg, const struct store_result *res);

/* Open or create the database at path (its directory must exist), check
 * that it is a SQLite database, set WAL and synchronous=FULL, create or
 * migrate the schema (PRAGMA user_version). NULL with a reason in err on
 * failure. The page-by-page check runs later, on the writer thread. */
struct store *store_open(const char *path, char *err, size_t errlen);

/* Start the writer thread. It first runs PRAGMA quick_check (contacts
 * wait in the queue meanwhile); if that fails, every batch fails with its
 * reason. The completions of each batch are posted to q (and note expiry
 * wakes it when done). 0 or -1. */
int store_start(struct store *st, struct done *q);

/* Queue a contact for the writer. Never blocks on disk. -1 when the queue
 * is full (the caller answers "unavailable" and does not acknowledge). */
int store_submit(struct store *st, const struct contact *c, store_done_fn *fn, void *arg);

/* Queue a job alone (no contact) for the writer; its completion comes back
 * like a contact's. -1 when full or closing (the caller still owns the job
 * then, and fn will not run). */
int store_submit_job(struct store *st, struct store_job *job, store_done_fn *fn, void *arg);

/* Number of contacts waiting for the writer (for metrics and tests). */
size_t store_queue_depth(struct store *st);

/* 1 while the store accepts writes: it passed (or is still running) its
 * integrity check and the writer's last batch committed. Otherwise 0, and
 * why (when not NULL) says which, e.g. "the store failed its integrity
 * check (…); restore it from a backup". */
int store_healthy(struct store *st, char *why, size_t whylen);

/* Ask the writer to erase the notes of contacts finished before cutoff_ms
 * (note = NULL; the rows and their counts stay). It runs between batches,
 * in chunks, never on the caller's thread; wake is called when it is done.
 * A new request replaces one not yet done. 0, or -1 for a bad cutoff. */
int store_expire_notes(struct store *st, int64_t cutoff_ms);
/* Completed expiry runs and notes erased by them, for tests and metrics. */
void store_note_stats(struct store *st, unsigned long *runs, unsigned long long *erased);

/* Stop the writer after it has committed everything queued, close the db.
 * An integrity check still running is interrupted, not waited for. The
 * last completions run here, on the caller's (the service) thread: done_run
 * on the queue given to store_start (so also any other posted there), or
 * each directly when the writer was never started. */
void store_close(struct store *st);

#endif
