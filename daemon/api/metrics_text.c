/* metrics_text.c - GET /metrics: the counters of app/metrics.c in the
 * Prometheus exposition format 0.0.4 (# HELP, # TYPE, one sample a line).
 * Apart from the counters so that counting needs no HTTP, handler or
 * protocol module below it. */
#include "app/metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/daemon.h"
#include "ws/client.h"
#include "desk/session.h"
#include "net/http.h"
#include "routes.h"
#include "store/store.h"
#include "triage/rules.h"
#include "ws/handle.h"
#include "ws/proto.h"

static void metrics_text_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and newline escaped. */
static void metrics_text_label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void metrics_text_sessions(FILE *f, struct daemon *d)
{
	unsigned long n[4] = { 0 };
	const struct session_table *t = &d->sessions;

	for (size_t i = 0; i < t->n_buckets; i++)
		for (const struct session *s = t->buckets[i]; s; s = s->next)
			if (s->state != SESSION_FINISHED && s->role < 4)
				n[s->role]++;
	metrics_text_head(f, "vegvisar_sessions_in_progress", "gauge",
		     "Triage sessions started and not finished yet (idle ones expire after "
		     "bounds.session_idle_seconds).");
	fprintf(f, "vegvisar_sessions_in_progress{role=\"agent\"} %lu\n", n[ROLE_AGENT]);
	fprintf(f, "vegvisar_sessions_in_progress{role=\"citizen\"} %lu\n", n[ROLE_CITIZEN]);
}

/* Distinct rulebooks the open sessions hold (each session keeps the rules it
 * started on across reloads), counted by their trees: a reload makes new
 * ones. Capped, since it only has to show growth. */
static size_t metrics_text_pinned_trees(struct daemon *d)
{
	const void *seen[64];
	size_t n = 0;
	const struct session_table *t = &d->sessions;

	for (size_t i = 0; i < t->n_buckets && n < 64; i++)
		for (const struct session *s = t->buckets[i]; s && n < 64; s = s->next) {
			const void *tree = s->tr ? (const void *)triage_tree(s->tr) : NULL;
			size_t k;
			for (k = 0; tree && k < n && seen[k] != tree; k++)
				;
			if (tree && k == n)
				seen[n++] = tree;
		}
	return n;
}

/* The bounds of docs/security.md, "Bounds": what is held, what was refused. */
static void metrics_text_bounds(FILE *f, struct daemon *d)
{
	static const char *const bounds[METRICS_BOUNDS] = {
		"sessions_per_connection", "sessions_per_token",    "sessions_per_address",
		"sessions_total",	   "handovers_per_address", "handovers_total",
		"handovers_per_minute",
		"chat_message_bytes", "chat_per_minute", "chats_per_agent",
		"callbacks_per_address", "callbacks_total",
	};
	const struct metrics *m = &d->metrics;

	metrics_text_head(f, "vegvisar_bounds_refused_total", "counter",
		     "Requests refused by a bound, by its config key (bounds.*).");
	for (int i = 0; i < METRICS_BOUNDS; i++)
		fprintf(f, "vegvisar_bounds_refused_total{bound=\"%s\"} %llu\n", bounds[i],
			m->bounds_refused[i]);
	metrics_text_head(f, "vegvisar_sessions_finished_kept", "gauge",
		     "Finished sessions kept so that a repeated finish gets its answer.");
	fprintf(f, "vegvisar_sessions_finished_kept %zu\n", d->sessions.finished);
	metrics_text_head(f, "vegvisar_sessions_evicted_total", "counter",
		     "Finished sessions dropped to keep bounds.sessions_finished_kept.");
	fprintf(f, "vegvisar_sessions_evicted_total %llu\n", d->sessions.evicted);
	metrics_text_head(f, "vegvisar_sessions_expired_total", "counter",
		     "Sessions dropped after bounds.session_idle_seconds untouched.");
	fprintf(f, "vegvisar_sessions_expired_total %llu\n", m->sessions_expired);
	metrics_text_head(f, "vegvisar_rule_trees_pinned", "gauge",
		     "Rule trees held by sessions in progress (older rules stay while a session "
		     "started on them is open; at most 64 counted).");
	fprintf(f, "vegvisar_rule_trees_pinned %zu\n", metrics_text_pinned_trees(d));
	metrics_text_head(f, "vegvisar_handovers_waiting", "gauge",
		     "Citizens' handovers waiting for an agent.");
	fprintf(f, "vegvisar_handovers_waiting %zu\n", d->handovers.waiting);
	metrics_text_head(f, "vegvisar_queue_pushes_total", "counter",
		     "Queue changes and pages pushed to agents.");
	fprintf(f, "vegvisar_queue_pushes_total %llu\n", m->queue_pushes);
	metrics_text_head(f, "vegvisar_queue_push_bytes_total", "counter",
		     "Bytes of those pushes.");
	fprintf(f, "vegvisar_queue_push_bytes_total %llu\n", m->queue_push_bytes);
	metrics_text_head(f, "vegvisar_send_queue_bytes", "gauge",
		     "Replies queued for all websocket clients, in bytes.");
	fprintf(f, "vegvisar_send_queue_bytes %lld\n", m->outq_bytes);
	metrics_text_head(f, "vegvisar_client_reads_paused_total", "counter",
		     "Times reading from a client paused until its replies drained.");
	fprintf(f, "vegvisar_client_reads_paused_total %llu\n", m->rx_paused);
	metrics_text_head(f, "vegvisar_clients_closed_slow_total", "counter",
		     "Clients closed (1008) because their send queue passed its bound.");
	fprintf(f, "vegvisar_clients_closed_slow_total %llu\n", m->slow_closed);
	metrics_text_head(f, "vegvisar_finish_key_conflicts_total", "counter",
		     "Finishes refused because their key stands for another contact.");
	fprintf(f, "vegvisar_finish_key_conflicts_total %llu\n", m->finish_key_conflicts);
}

static void metrics_text_traffic(FILE *f, struct daemon *d)
{
	const struct metrics *m = &d->metrics;
	const char *type;
	size_t n = 0;

	metrics_text_head(f, "vegvisar_connections", "gauge",
		     "Open websocket connections by role (none: no hello yet).");
	for (int r = 0; r < 4; r++)
		fprintf(f, "vegvisar_connections{role=\"%s\"} %ld\n", names_roles[r],
			m->connections[r]);
	for (struct client *c = d->subscribers[CLIENTS_STATS]; c; c = c->sub_next[CLIENTS_STATS])
		n++;
	metrics_text_head(f, "vegvisar_stats_subscribers", "gauge",
		     "Websocket clients subscribed to the live statistics.");
	fprintf(f, "vegvisar_stats_subscribers %zu\n", n);
	metrics_text_head(f, "vegvisar_messages_total", "counter",
		     "Websocket messages received, by type (unknown: a type nobody handles; "
		     "invalid: not a message).");
	for (size_t i = 0; i < METRICS_MAX_TYPES && (type = handle_message_type(i)); i++)
		fprintf(f, "vegvisar_messages_total{type=\"%s\"} %llu\n", type, m->messages[i]);
	fprintf(f, "vegvisar_messages_total{type=\"unknown\"} %llu\n", m->messages_unknown);
	fprintf(f, "vegvisar_messages_total{type=\"invalid\"} %llu\n", m->messages_invalid);
	metrics_text_head(f, "vegvisar_errors_total", "counter", "Error replies sent, by code.");
	for (int c = 0; c < METRICS_CODES; c++)
		fprintf(f, "vegvisar_errors_total{code=\"%s\"} %llu\n",
			proto_code_name((enum proto_code)c), m->errors[c]);
}

static void metrics_text_store(FILE *f, struct daemon *d)
{
	const struct metrics *m = &d->metrics;
	unsigned long long cumulative = 0;

	metrics_text_head(f, "vegvisar_contacts_logged_total", "counter",
		     "Contacts committed to the store (repeats of a key not counted), by outcome "
		     "and category.");
	/* Every known pair, also at zero; the catch-alls only when used. */
	for (int o = 0; metrics_outcomes[o]; o++)
		for (int c = 0; metrics_categories[c]; c++)
			if ((metrics_outcomes[o + 1] && metrics_categories[c + 1]) || m->contacts[o][c])
				fprintf(f,
					"vegvisar_contacts_logged_total{outcome=\"%s\",category=\"%s\"} %llu\n",
					metrics_outcomes[o], metrics_categories[c], m->contacts[o][c]);
	metrics_text_head(f, "vegvisar_contacts_duplicate_total", "counter",
		     "Finishes repeated with a key already stored: nothing written.");
	fprintf(f, "vegvisar_contacts_duplicate_total %llu\n", m->contacts_duplicate);
	metrics_text_head(f, "vegvisar_contacts_not_stored_total", "counter",
		     "Finishes the store could not commit (answered unavailable).");
	fprintf(f, "vegvisar_contacts_not_stored_total %llu\n", m->contacts_not_stored);
	metrics_text_head(f, "vegvisar_store_commit_seconds", "histogram",
		     "Time from handing a contact to the store to its durable commit.");
	for (int i = 0; i < METRICS_BUCKETS; i++) {
		cumulative += m->commit_le[i];
		fprintf(f, "vegvisar_store_commit_seconds_bucket{le=\"%g\"} %llu\n",
			metrics_commit_bounds[i], cumulative);
	}
	fprintf(f, "vegvisar_store_commit_seconds_bucket{le=\"+Inf\"} %llu\n", m->commit_count);
	fprintf(f, "vegvisar_store_commit_seconds_sum %.6f\n", m->commit_sum);
	fprintf(f, "vegvisar_store_commit_seconds_count %llu\n", m->commit_count);
	metrics_text_head(f, "vegvisar_store_queue_depth", "gauge",
		     "Contacts handed to the store and not committed yet.");
	fprintf(f, "vegvisar_store_queue_depth %zu\n", store_queue_depth(d->store));
	metrics_text_head(f, "vegvisar_store_healthy", "gauge",
		     "1 while the store accepts writes (not damaged, last commit succeeded).");
	fprintf(f, "vegvisar_store_healthy %d\n", store_healthy(d->store, NULL, 0));
}

static void metrics_text_rules(FILE *f, struct daemon *d)
{
	const struct metrics *m = &d->metrics;

	metrics_text_head(f, "vegvisar_rules_info", "gauge",
		     "The rule version serving new sessions, per country (always 1).");
	for (int i = 0; i < NAMES_NCOUNTRIES; i++) {
		const struct rules_tree *t = d->rules ? rules_tree(d->rules, names_countries[i]) : NULL;
		if (!t)
			continue;
		fprintf(f, "vegvisar_rules_info{country=\"%s\",version=\"", names_countries[i]);
		metrics_text_label(f, rules_tree_version(t));
		fputs("\"} 1\n", f);
	}
	metrics_text_head(f, "vegvisar_rule_reloads_total", "counter",
		     "Rule reloads (SIGHUP) that were swapped in.");
	fprintf(f, "vegvisar_rule_reloads_total %llu\n", m->reloads);
	metrics_text_head(f, "vegvisar_rule_reload_failures_total", "counter",
		     "Rule reloads refused: the previous rules kept serving.");
	fprintf(f, "vegvisar_rule_reload_failures_total %llu\n", m->reload_failures);
	metrics_text_head(f, "vegvisar_start_time_seconds", "gauge",
		     "When the daemon started, Unix time.");
	fprintf(f, "vegvisar_start_time_seconds %lld\n", (long long)(m->started_ms / 1000));
}

/* HTTP requests the daemon refused before a route ran (net/http.c). */
static void metrics_text_http(FILE *f, const struct metrics *m)
{
	static const char *const reasons[METRICS_HTTP_REFUSALS] = {
		"method", "query", "uri_too_long", "token", "banned",
	};

	metrics_text_head(f, "vegvisar_http_refused_total", "counter",
		     "HTTP requests refused before their route ran, by reason.");
	for (int i = 0; i < METRICS_HTTP_REFUSALS; i++)
		fprintf(f, "vegvisar_http_refused_total{reason=\"%s\"} %llu\n", reasons[i],
			m->http_refused[i]);
}

int metrics_text_route(struct http_req *r)
{
	struct daemon *d = http_daemon(r);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc;

	if (!f)
		return http_error(r, 500, "out of memory");
	metrics_text_traffic(f, d);
	metrics_text_sessions(f, d);
	metrics_text_store(f, d);
	metrics_text_rules(f, d);
	metrics_text_bounds(f, d);
	metrics_text_http(f, &d->metrics);
	peers_metrics(d, f); /* deliveries and handoffs, when this desk talks to others */
	if (fclose(f)) {
		free(text);
		return http_error(r, 500, "out of memory");
	}
	rc = http_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
	free(text);
	return rc;
}
