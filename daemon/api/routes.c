/* routes.c - the table of HTTP API paths, and the small handlers. */
#include "routes.h"

#include "app/daemon.h"
#include "net/http.h"
#include "app/metrics.h"
#include "store/store.h"

static const char *const no_params[] = { NULL };

const struct http_route routes_table[] = {
	{ "GET", "/healthz", ROLE_NONE, routes_healthz, no_params },
	{ "GET", "/metrics", ROLE_NONE, metrics_text_route, no_params },
	{ "GET", "/api/v1/report", ROLE_SUPERVISOR, routes_report_get, routes_report_params },
	{ "GET", "/api/v1/contacts.csv", ROLE_SUPERVISOR, routes_report_contacts_csv,
	  routes_report_params },
	{ "GET", "/api/v1/contacts.ndjson", ROLE_SUPERVISOR, routes_report_contacts_ndjson,
	  routes_report_params },
	{ "GET", "/api/v1/stories.csv", ROLE_SUPERVISOR, routes_report_stories_csv,
	  routes_report_params },
	{ "GET", "/api/v1/stories.ndjson", ROLE_SUPERVISOR, routes_report_stories_ndjson,
	  routes_report_params },
	/* From other desks: authenticated by signature, not by token (peers.h). */
	{ "POST", "/api/v1/handoffs", ROLE_NONE, peers_routes_handoffs, no_params },
	{ "POST", "/api/v1/handoffs/feedback", ROLE_NONE, peers_routes_handoffs_feedback,
	  no_params },
	{ "POST", "/api/v1/ingest", ROLE_NONE, peers_routes_ingest, no_params },
};
const size_t routes_count = sizeof(routes_table) / sizeof(routes_table[0]);

/* 200 only when the store accepts writes: it passed its integrity check
 * (or is still running it) and its last commit did not fail; 503 says why. */
int routes_healthz(struct http_req *r)
{
	struct daemon *d = http_daemon(r);
	char why[256];

	if (!store_healthy(d->store, why, sizeof(why)))
		return http_error(r, 503, "%s", why);
	return http_reply(r, 200, "text/plain", "ok\n", 3);
}
