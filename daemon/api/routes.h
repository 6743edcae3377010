/* routes.h - every HTTP API path and who may call it. */
#ifndef VV_ROUTES_H
#define VV_ROUTES_H

#include <stddef.h>

#include "net/http.h"

/* The table main.c registers with http_set_routes. */
extern const struct http_route routes_table[];
extern const size_t routes_count;

int routes_healthz(struct http_req *r);
/* routes_report.c: survey figures and exports, see docs/protocol.md. */
int routes_report_get(struct http_req *r);
/* The filters every report and export takes. */
extern const char *const routes_report_params[];
int routes_report_contacts_csv(struct http_req *r);
int routes_report_contacts_ndjson(struct http_req *r);
/* The stories for the survey's qualitative part, by period (issue 21). */
int routes_report_stories_csv(struct http_req *r);
int routes_report_stories_ndjson(struct http_req *r);

/* GET /metrics (metrics_text.c, the counters of app/metrics.h). Open to
 * anyone who can reach the listen address: it holds counts only, no
 * contact's content (docs/protocol.md, "Operations"). */
int metrics_text_route(struct http_req *r);

/* peers_routes.c: receiving handoffs, referral checks and, for a
 * collector, contacts (app/peers.h). Each answers after the store has
 * committed. */
struct peers;
int peers_routes_handoffs(struct http_req *r);
int peers_routes_handoffs_feedback(struct http_req *r);
int peers_routes_ingest(struct http_req *r);
/* At exit, after the store closed: forget the requests still waiting. */
void peers_routes_free_waiting(struct peers *p);

#endif
