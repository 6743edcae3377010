/* routes.h - every HTTP API path and who may call it. */
#ifndef VV_ROUTES_H
#define VV_ROUTES_H

#include <stddef.h>

#include "conf/conf.h"

struct http_req;

struct http_route {
	const char *method;
	const char *path;
	enum role role; /* ROLE_NONE: open to anyone */
	int (*fn)(struct http_req *r);
};

extern const struct http_route routes[];
extern const size_t n_routes;

int route_healthz(struct http_req *r);
/* routes_report.c: survey figures and exports, see docs/protocol.md. */
int route_report(struct http_req *r);
int route_contacts_csv(struct http_req *r);
int route_contacts_ndjson(struct http_req *r);

#endif
