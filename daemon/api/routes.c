/* routes.c - the table of HTTP API paths, and the small handlers. */
#include "routes.h"

#include "app/daemon.h"
#include "net/http.h"
#include "app/metrics.h"
#include "store/store.h"

static const char *const no_params[] = { NULL };

const struct http_route routes[] = {
	{ "GET", "/healthz", ROLE_NONE, route_healthz, no_params },
	{ "GET", "/metrics", ROLE_NONE, route_metrics, no_params },
	{ "GET", "/api/v1/report", ROLE_SUPERVISOR, route_report, route_report_params },
	{ "GET", "/api/v1/contacts.csv", ROLE_SUPERVISOR, route_contacts_csv, route_report_params },
	{ "GET", "/api/v1/contacts.ndjson", ROLE_SUPERVISOR, route_contacts_ndjson,
	  route_report_params },
	{ "GET", "/api/v1/stories.csv", ROLE_SUPERVISOR, route_stories_csv, route_report_params },
	{ "GET", "/api/v1/stories.ndjson", ROLE_SUPERVISOR, route_stories_ndjson,
	  route_report_params },
	/* From other desks: authenticated by signature, not by token (peers.h). */
	{ "POST", "/api/v1/handoffs", ROLE_NONE, route_handoffs, no_params },
	{ "POST", "/api/v1/handoffs/feedback", ROLE_NONE, route_handoffs_feedback, no_params },
	{ "POST", "/api/v1/ingest", ROLE_NONE, route_ingest, no_params },
};
const size_t n_routes = sizeof(routes) / sizeof(routes[0]);

/* 200 only when the store accepts writes: it passed its integrity check
 * (or is still running it) and its last commit did not fail; 503 says why. */
int route_healthz(struct http_req *r)
{
	struct daemon *d = http_daemon(r);
	char why[256];

	if (!store_healthy(d->store, why, sizeof(why)))
		return http_error(r, 503, "%s", why);
	return http_reply(r, 200, "text/plain", "ok\n", 3);
}
