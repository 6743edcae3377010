/* http.c - requests: routing, the checks every request passes (method,
 * query, size, bearer token), and the lws protocol for the API mounts.
 * Response bodies are http_stream.c's. */
#include "http_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/daemon.h"
#include "base/log.h"
#include "base/util.h"

#define HTTP_BODY_MAX (1024 * 1024) /* POST bodies: handoffs and ingest batches */
/* A request's path and query together: no route needs a tenth of it, and
 * lws holds a request's headers in HTTP_HEADER_DATA bytes (http.h). */
#define HTTP_URI_MAX 2048

/* The routes, registered by main.c (api/routes.c's table): the transport
 * knows their shape, not the layer above that writes them. */
static const struct http_route *http_routes;
static size_t http_routes_count;

void http_set_routes(const struct http_route *routes, size_t n)
{
	http_routes = routes;
	http_routes_count = n;
}

int http_error(struct http_req *r, unsigned status, const char *fmt, ...)
{
	char message[512];
	va_list ap;
	json_t *o;
	char *body;
	int rc;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	/* A message quoting a client's bytes may not be UTF-8; callers quote
	 * with http_quote, and this is the last line of defence. */
	if (!(o = json_pack("{s:s}", "error", message)))
		o = json_pack("{s:s}", "error", "the request was refused");
	body = json_dumps(o, JSON_COMPACT);
	rc = http_reply(r, status, "application/json", body, strlen(body));
	free(body);
	json_decref(o);
	return rc;
}

/* --- requests ----------------------------------------------------------- */

struct daemon *http_daemon(struct http_req *r)
{
	return r->d;
}

const char *http_arg(struct http_req *r, const char *name, char *buf, size_t len)
{
	char key[64];

	snprintf(key, sizeof(key), "%s=", name);
	return lws_get_urlarg_by_name(r->wsi, key, buf, (int)len);
}

enum role http_bearer_role(struct http_req *r)
{
	char auth[512];
	int n = lws_hdr_copy(r->wsi, auth, sizeof(auth), WSI_TOKEN_HTTP_AUTHORIZATION);

	if (n < 8 || strncasecmp(auth, "Bearer ", 7))
		return ROLE_NONE;
	return conf_check_token(&r->d->conf, auth + 7, NULL);
}

/* Collect a POST body up to HTTP_BODY_MAX; past that, keep reading but
 * drop it, and answer 413 at the end rather than cutting the connection. */
static int http_body_chunk(struct http_req *r, const void *in, size_t len)
{
	unsigned char *grown;

	if (!r->post || r->body_too_large)
		return 0;
	if (r->body_len + len > HTTP_BODY_MAX) {
		r->body_too_large = 1;
		return 0;
	}
	if (!(grown = realloc(r->body, r->body_len + len + 1)))
		return -1;
	r->body = grown;
	memcpy(r->body + r->body_len, in, len);
	r->body_len += len;
	r->body[r->body_len] = '\0';
	return 0;
}

const char *http_body(struct http_req *r, size_t *len)
{
	*len = r->body_len;
	return r->body ? (const char *)r->body : "";
}

void http_defer(struct http_req *r, void (*gone)(void *arg), void *arg)
{
	r->gone = gone;
	r->gone_arg = arg;
	/* A commit takes milliseconds; a stuck disk must not hold the
	 * connection forever (the sender retries). */
	lws_set_timeout(r->wsi, PENDING_TIMEOUT_HTTP_CONTENT, 30);
}

int http_header(struct http_req *r, const char *name, char *buf, size_t len)
{
	return lws_hdr_custom_copy(r->wsi, buf, (int)len, name, (int)strlen(name));
}

/* --- the checks every request passes ------------------------------------ */

static const char *const http_methods[] = {
	[LWSHUMETH_GET] = "GET",	 [LWSHUMETH_POST] = "POST",   [LWSHUMETH_OPTIONS] = "OPTIONS",
	[LWSHUMETH_PUT] = "PUT",	 [LWSHUMETH_PATCH] = "PATCH", [LWSHUMETH_DELETE] = "DELETE",
	[LWSHUMETH_CONNECT] = "CONNECT", [LWSHUMETH_HEAD] = "HEAD",
};

static const char *http_method_name(int meth)
{
	if (meth < 0 || (size_t)meth >= sizeof(http_methods) / sizeof(http_methods[0]) ||
	    !http_methods[meth])
		return "?";
	return http_methods[meth];
}

static void http_count(struct daemon *d, enum metrics_http_refusal why)
{
	d->metrics.http_refused[why]++;
}

/* A client's bytes quoted in an error: at most 64, printable ASCII, so the
 * reply is valid JSON whatever was sent ("%ff" decodes to a lone byte). */
static const char *http_quote(char *buf, size_t size, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 64 && i + 1 < size; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* The API's mount points (http_mounts); every other path is a static file. */
static const char *const http_mount_points[] = { "/api", "/metrics", "/healthz" };

static int http_is_api(const char *uri)
{
	for (size_t i = 0; i < sizeof(http_mount_points) / sizeof(http_mount_points[0]); i++) {
		size_t n = strlen(http_mount_points[i]);
		if (!strncmp(uri, http_mount_points[i], n) && (uri[n] == '\0' || uri[n] == '/'))
			return 1;
	}
	return 0;
}

/* Answer before lws has picked a mount, so without a struct http_req: the
 * head and {"error": message} at once; the caller's -1 then closes the
 * connection (a request body, if any, is not wanted). */
static int http_refuse(struct lws *wsi, int head_only, unsigned status, const char *allow,
		       const char *message)
{
	unsigned char buf[LWS_PRE + 512];
	struct http_head h = { status, "application/json", NULL, allow, 0 };
	json_t *o = json_pack("{s:s}", "error", message);
	char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	size_t len = body ? strlen(body) : 0;

	json_decref(o);
	if (body && len < sizeof(buf) - LWS_PRE && !http_stream_head(wsi, &h, len) && !head_only) {
		memcpy(buf + LWS_PRE, body, len);
		lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_HTTP_FINAL);
	}
	free(body);
	return -1;
}

int http_filter(struct lws *wsi, const char *uri)
{
	struct daemon *d = lws_context_user(lws_get_context(wsi));
	char *u = NULL, msg[128];
	int ulen = 0, meth = lws_http_get_uri_and_method(wsi, &u, &ulen);
	size_t total = strlen(uri) + (size_t)lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS);

	if (total > HTTP_URI_MAX) {
		http_count(d, METRICS_HTTP_URI_LONG);
		snprintf(msg, sizeof(msg), "the path and query are over %d bytes", HTTP_URI_MAX);
		return http_refuse(wsi, meth == LWSHUMETH_HEAD, 414, NULL, msg);
	}
	if (!http_is_api(uri) && meth != LWSHUMETH_GET && meth != LWSHUMETH_HEAD) {
		http_count(d, METRICS_HTTP_METHOD);
		snprintf(msg, sizeof(msg), "%s is not allowed on files (allowed: GET, HEAD)",
			 http_method_name(meth));
		return http_refuse(wsi, 0, 405, "GET, HEAD", msg);
	}
	return 0;
}

static int http_query_refused(struct http_req *r, const char *message)
{
	http_count(r->d, METRICS_HTTP_QUERY);
	http_error(r, 400, "%s", message);
	return -1;
}

/* Every parameter must be one the route takes, given once, with a value: a
 * misspelt or repeated filter would otherwise be ignored, and a report
 * would answer a question nobody asked. lws has split the query at '&' and
 * decoded it; an empty query or parameter reaches us as "/" (lws starts
 * every empty URI part with one). */
static int http_check_query(struct http_req *r, const char *const *allowed)
{
	char arg[HTTP_URI_MAX + 1], name[72], msg[2 * sizeof(name) + 64];
	unsigned seen = 0;
	int n;

	for (int i = 0; (n = lws_hdr_copy_fragment(r->wsi, arg, sizeof(arg),
						   WSI_TOKEN_HTTP_URI_ARGS, i)) >= 0; i++) {
		size_t klen = strcspn(arg, "="), k;

		if (!n || !strcmp(arg, "/"))
			return http_query_refused(r, "an empty query parameter: nothing after "
						     "\"?\" or between two \"&\"");
		for (k = 0; allowed[k] && (strlen(allowed[k]) != klen ||
					   strncmp(arg, allowed[k], klen)); k++)
			;
		http_quote(name, sizeof(name), arg, klen);
		if (!allowed[k])
			snprintf(msg, sizeof(msg), "unknown parameter \"%s\"", name);
		else if (!arg[klen] || !arg[klen + 1])
			snprintf(msg, sizeof(msg), "parameter \"%s\" has no value (%s=…)", name,
				 name);
		else if (seen & (1u << k))
			snprintf(msg, sizeof(msg), "parameter \"%s\" is given twice", name);
		else {
			seen |= 1u << k;
			continue;
		}
		return http_query_refused(r, msg);
	}
	return 0;
}

/* Bearer tokens can be guessed like sign-ins, so they share the websocket
 * hello's back-off and ban per address (limits.c): while an address waits,
 * its tries get 429 with Retry-After and are not even hashed, so a flood
 * of guesses tests a handful of tokens. A missing token is no guess. */
static int http_authorize(struct http_req *r, enum role want)
{
	struct limits *l = &r->d->limits;
	char ip[48];
	unsigned wait;
	enum role got;

	lws_get_peer_simple(r->wsi, ip, sizeof(ip));
	if ((wait = limits_auth_wait(l, ip, util_now_ms()))) {
		http_count(r->d, METRICS_HTTP_BANNED);
		r->retry_after = wait;
		http_error(r, 429, "too many wrong tokens from your address; try again in %u s", wait);
		return -1;
	}
	if ((got = http_bearer_role(r)) == want) {
		limits_auth_ok(l, ip);
		return 0;
	}
	if (lws_hdr_total_length(r->wsi, WSI_TOKEN_HTTP_AUTHORIZATION))
		limits_auth_failed(l, ip, util_now_ms()); /* logs the ban, once */
	http_count(r->d, METRICS_HTTP_TOKEN);
	http_error(r, 401, "this needs a %s token: Authorization: Bearer …", names_role(want));
	return -1;
}

/* The route for r->path and method; NULL when there is none, with r->allow
 * listing the methods the path does answer (empty: no such path). */
static const struct http_route *http_route_find(struct http_req *r, const char *method)
{
	for (size_t i = 0; i < http_routes_count; i++) {
		const struct http_route *rt = &http_routes[i];
		size_t used = strlen(r->allow);
		if (strcmp(rt->path, r->path))
			continue;
		if (!strcmp(rt->method, method))
			return rt;
		snprintf(r->allow + used, sizeof(r->allow) - used, "%s%s", used ? ", " : "",
			 rt->method);
	}
	return NULL;
}

static int http_route(struct http_req *r)
{
	char *uri = NULL, quoted[72];
	int ulen = 0, meth = lws_http_get_uri_and_method(r->wsi, &uri, &ulen);
	const char *method = http_method_name(meth);
	const struct http_route *rt;

	r->head = meth == LWSHUMETH_HEAD;
	/* Until a POST route takes it, a body that may follow is not read:
	 * a refusal then closes the connection rather than parse the body
	 * as the next request (or wait for it until the timeout). */
	r->close_after = meth == LWSHUMETH_POST || meth == LWSHUMETH_PUT || meth == LWSHUMETH_PATCH;
	if (!uri || ulen < 0 || (size_t)ulen >= sizeof(r->path)) {
		http_count(r->d, METRICS_HTTP_URI_LONG);
		return http_error(r, 414, "the path is over %zu bytes", sizeof(r->path) - 1);
	}
	memcpy(r->path, uri, (size_t)ulen);
	r->path[ulen] = '\0';
	http_quote(quoted, sizeof(quoted), r->path, (size_t)ulen);
	if (!(rt = http_route_find(r, method))) {
		if (!*r->allow)
			return http_error(r, 404, "no such path: %s", quoted);
		http_count(r->d, METRICS_HTTP_METHOD);
		return http_error(r, 405, "%s is not allowed on %s (allowed: %s)", method, quoted,
				  r->allow);
	}
	if (http_check_query(r, rt->params) ||
	    (rt->role != ROLE_NONE && http_authorize(r, rt->role)))
		return 0; /* answered */
	if (meth == LWSHUMETH_POST) {
		r->post = rt; /* answered once the body is in */
		r->close_after = 0;
		return 0;
	}
	return rt->fn(r);
}
static int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			 size_t len)
{
	struct http_req *r = user;
	int rc;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		free(r->body); /* a keep-alive connection's previous request */
		memset(r, 0, sizeof(*r));
		r->wsi = wsi;
		r->d = lws_context_user(lws_get_context(wsi));
		return http_route(r) ? -1 : 0;
	case LWS_CALLBACK_HTTP_BODY:
		return http_body_chunk(r, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (!r->post)
			return -1;
		if (r->body_too_large)
			return http_error(r, 413, "the body is over %d bytes", HTTP_BODY_MAX) ? -1
											      : 0;
		rc = r->post->fn(r);
		/* The body is the handler's to read while it runs, no longer. */
		free(r->body);
		r->body = NULL;
		r->body_len = 0;
		return rc ? -1 : 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return http_stream_writeable(r);
	case LWS_CALLBACK_CLOSED_HTTP:
		/* A worker's slot is freed when it is joined, which is soon: it
		 * sees aborted at its next write (http_stream_room says 0). */
		if (r && r->gone) {
			r->gone(r->gone_arg);
			r->gone = NULL;
		}
		if (r) {
			http_stream_detach(r);
			free(r->body);
			r->body = NULL;
		}
		break;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return -1; /* a websocket asking for this protocol by name */
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

const struct lws_protocols http_protocol = {
	"vegvisar-http", http_callback, sizeof(struct http_req), 0, 0, NULL, 0,
};

const struct lws_http_mount *http_mounts(const struct lws_http_mount *next)
{
	static struct lws_http_mount mounts[3];
	static const char *const points[] = { "/api", "/metrics", "/healthz" };

	for (int i = 2; i >= 0; i--) {
		memset(&mounts[i], 0, sizeof(mounts[i]));
		mounts[i].mount_next = i == 2 ? next : &mounts[i + 1];
		mounts[i].mountpoint = points[i];
		mounts[i].mountpoint_len = (unsigned char)strlen(points[i]);
		mounts[i].origin = "vegvisar-http";
		mounts[i].origin_protocol = LWSMPRO_CALLBACK;
	}
	return &mounts[0];
}
