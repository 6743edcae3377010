/* conf_peers.c - the config keys of desks that talk to each other: this
 * desk's name, the peers it hands referrals to, the desks that may send to
 * it, the collector, and how deliveries are retried. Every key is checked
 * completely before anything is kept, and errors name the key and index. */
#include "conf.h"
#include "base/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECRET_MIN 32 /* a shared HMAC key: 256 bits of text at the least */
#define SECRET_MAX 1024
#define URL_MAX 1000

int conf_id_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 63 && strchr("abcdefghijklmnopqrstuvwxyz0123456789", s[0]) &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* The host name, made into a desk name, or "vegvisard" if it cannot be. */
void conf_peers_defaults(struct conf *c)
{
	char host[256] = "";
	size_t i;

	if (gethostname(host, sizeof(host) - 1) == 0) {
		host[strcspn(host, ".")] = '\0'; /* the short name */
		for (i = 0; host[i]; i++)
			if (host[i] >= 'A' && host[i] <= 'Z')
				host[i] = (char)(host[i] - 'A' + 'a');
	}
	snprintf(c->desk, sizeof(c->desk), "%s", conf_id_valid(host) ? host : "vegvisard");
	c->delivery.retry_base_ms = 10000;
	c->delivery.max_delay_ms = 3600000;
	c->delivery.max_age_seconds = 24 * 3600;
	c->delivery.connect_timeout_ms = 5000;
	c->delivery.timeout_ms = 15000;
}

static void peers_free_list(struct conf *c)
{
	for (size_t i = 0; i < c->n_peers; i++) {
		free(c->peers[i].url);
		free(c->peers[i].secret);
	}
	free(c->peers);
	c->peers = NULL;
	c->n_peers = 0;
}

static void senders_free_list(struct conf *c)
{
	for (size_t i = 0; i < c->n_senders; i++) {
		free(c->senders[i].secret);
		free(c->senders[i].feedback_url);
	}
	free(c->senders);
	c->senders = NULL;
	c->n_senders = 0;
}

void conf_peers_free(struct conf *c)
{
	peers_free_list(c);
	senders_free_list(c);
	free(c->collector_url);
	free(c->collector_secret);
	c->collector_url = c->collector_secret = NULL;
}

const struct conf_peer *conf_peer_find(const struct conf *c, const char *destination)
{
	for (size_t i = 0; destination && i < c->n_peers; i++)
		if (!strcmp(c->peers[i].destination, destination))
			return &c->peers[i];
	return NULL;
}

const struct conf_sender *conf_sender_find(const struct conf *c, const char *desk)
{
	for (size_t i = 0; desk && i < c->n_senders; i++)
		if (!strcmp(c->senders[i].desk, desk))
			return &c->senders[i];
	return NULL;
}

/* --- URLs ---------------------------------------------------------------- */

/* 127.0.0.0/8 written as four decimal numbers. */
static int url_host_is_127(const char *h, size_t n)
{
	unsigned part[4];
	char tail, buf[16];
	int i;

	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, h, n);
	buf[n] = '\0';
	if (strspn(buf, "0123456789.") != n ||
	    sscanf(buf, "%u.%u.%u.%u%c", &part[0], &part[1], &part[2], &part[3], &tail) != 4)
		return 0;
	for (i = 0; i < 4; i++)
		if (part[i] > 255)
			return 0;
	return part[0] == 127;
}

/* Split url into scheme (1: https, 0: http) and host; -1 if malformed. */
static int url_parse(const char *url, int *https, const char **host, size_t *host_len, char *why,
		     size_t whylen)
{
	const char *auth, *end, *port;

	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return util_fail(why, whylen, "has a space or control character");
	if (strlen(url) > URL_MAX)
		return util_fail(why, whylen, "is over %d characters", URL_MAX);
	if (!strncmp(url, "https://", 8))
		*https = 1, auth = url + 8;
	else if (!strncmp(url, "http://", 7))
		*https = 0, auth = url + 7;
	else
		return util_fail(why, whylen, "must start with https://");
	end = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(end - auth)))
		return util_fail(why, whylen, "must not carry a user name or password");
	if (*auth == '[') {
		const char *close = memchr(auth, ']', (size_t)(end - auth));
		if (!close)
			return util_fail(why, whylen, "has an unbalanced [ ] around the address");
		*host = auth + 1;
		*host_len = (size_t)(close - auth - 1);
		port = close + 1;
	} else {
		port = memchr(auth, ':', (size_t)(end - auth));
		if (!port)
			port = end;
		*host = auth;
		*host_len = (size_t)(port - auth);
	}
	if (!*host_len)
		return util_fail(why, whylen, "has no host");
	if (port < end) {
		long n;
		char *stop;
		if (*port != ':' || port + 1 == end)
			return util_fail(why, whylen, "has a malformed port");
		n = strtol(port + 1, &stop, 10);
		if (stop != end || n < 1 || n > 65535)
			return util_fail(why, whylen, "has a port outside 1 to 65535");
	}
	return 0;
}

static int url_host_loopback(const char *host, size_t n)
{
	return (n == 9 && !strncmp(host, "localhost", 9)) || (n == 3 && !strncmp(host, "::1", 3)) ||
	       url_host_is_127(host, n);
}

int conf_url_check(const char *url, char *why, size_t whylen)
{
	const char *host;
	size_t host_len;
	int https;

	if (url_parse(url, &https, &host, &host_len, why, whylen))
		return -1;
	if (!https && !url_host_loopback(host, host_len))
		return util_fail(
			why, whylen,
			"must be https:// (plain http:// only to 127.0.0.1, [::1] or localhost, for tests)");
	return 0;
}

int conf_url_is_loopback_http(const char *url)
{
	const char *host;
	size_t host_len;
	int https;
	char why[8];

	return url_parse(url, &https, &host, &host_len, why, sizeof(why)) == 0 && !https &&
	       url_host_loopback(host, host_len);
}

/* --- keys ---------------------------------------------------------------- */

int conf_key_desk(struct conf *c, json_t *v, const char *path, char *err, size_t errlen)
{
	const char *s = json_string_value(v);

	if (!s || !conf_id_valid(s))
		return util_fail(
			err, errlen,
			"%s: \"desk\" must be 1 to 63 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit",
			path);
	snprintf(c->desk, sizeof(c->desk), "%s", s);
	return 0;
}

/* The string members of one object of a list: each allowed key at most
 * once, all strings. names and slots run in parallel, NULL-ended. */
static int peers_members(json_t *o, const char *where, const char *const *names,
			 const char **slots[], const char *path, char *err, size_t errlen)
{
	const char *k;
	json_t *v;
	size_t n;

	if (!json_is_object(o))
		return util_fail(err, errlen, "%s: %s must be an object", path, where);
	json_object_foreach(o, k, v) {
		for (n = 0; names[n] && strcmp(names[n], k); n++)
			;
		if (!names[n]) {
			char allowed[128] = "";
			for (n = 0; names[n]; n++)
				snprintf(allowed + strlen(allowed),
					 sizeof(allowed) - strlen(allowed), "%s%s", n ? ", " : "",
					 names[n]);
			return util_fail(err, errlen, "%s: %s: unknown key \"%s\" (allowed: %s)",
					 path, where, k, allowed);
		}
		if (!json_is_string(v))
			return util_fail(err, errlen, "%s: %s.%s must be a string", path, where, k);
		*slots[n] = json_string_value(v);
	}
	return 0;
}

static int peers_secret(const char *secret, const char *where, const char *path, char *err,
			size_t errlen)
{
	size_t n = secret ? strlen(secret) : 0;

	if (n < SECRET_MIN || n > SECRET_MAX)
		return util_fail(
			err, errlen,
			"%s: %s.secret must be %d to %d characters (a shared random secret; e.g. openssl rand -hex 32)",
			path, where, SECRET_MIN, SECRET_MAX);
	return 0;
}

static int peers_url(const char *url, const char *where, const char *key, const char *path,
		     char *err, size_t errlen)
{
	char why[160];

	if (!url)
		return util_fail(err, errlen, "%s: %s.%s is required", path, where, key);
	if (conf_url_check(url, why, sizeof(why)))
		return util_fail(err, errlen, "%s: %s.%s \"%.80s\" %s", path, where, key, url, why);
	return 0;
}

/* [{"destination": "no.nav", "url": "https://…/api/v1/handoffs", "secret": "…"}] */
int conf_key_peers(struct conf *c, json_t *v, const char *path, char *err, size_t errlen)
{
	static const char *const names[] = { "destination", "url", "secret", NULL };
	struct conf_peer *list;
	char where[32];
	size_t i, j, n;
	json_t *o;

	if (!json_is_array(v))
		return util_fail(err, errlen, "%s: \"peers\" must be an array", path);
	n = json_array_size(v);
	if (!(list = calloc(n ? n : 1, sizeof(*list))))
		return util_fail(err, errlen, "out of memory");
	json_array_foreach(v, i, o) {
		const char *dest = NULL, *url = NULL, *secret = NULL;
		const char **slots[] = { &dest, &url, &secret };

		snprintf(where, sizeof(where), "peers[%zu]", i);
		if (peers_members(o, where, names, slots, path, err, errlen))
			goto fail;
		if (!dest || !conf_id_valid(dest)) {
			util_fail(err, errlen,
				  "%s: %s.destination must be a destination id like \"no.nav\"",
				  path, where);
			goto fail;
		}
		if (peers_url(url, where, "url", path, err, errlen) ||
		    peers_secret(secret, where, path, err, errlen))
			goto fail;
		for (j = 0; j < i; j++) {
			if (!strcmp(list[j].destination, dest)) {
				util_fail(err, errlen,
					  "%s: %s.destination \"%s\" is already peers[%zu]", path,
					  where, dest, j);
				goto fail;
			}
		}
		snprintf(list[i].destination, sizeof(list[i].destination), "%s", dest);
		if (!(list[i].url = strdup(url)) || !(list[i].secret = strdup(secret))) {
			util_fail(err, errlen, "out of memory");
			goto fail;
		}
	}
	peers_free_list(c);
	c->peers = list;
	c->n_peers = n;
	return 0;
fail:
	for (j = 0; j < n; j++) {
		free(list[j].url);
		free(list[j].secret);
	}
	free(list);
	return -1;
}

/* [{"desk": "desk-a", "secret": "…", "feedback_url": "https://…/api/v1/handoffs/feedback"}] */
int conf_key_senders(struct conf *c, json_t *v, const char *path, char *err, size_t errlen)
{
	static const char *const names[] = { "desk", "secret", "feedback_url", NULL };
	struct conf_sender *list;
	char where[32];
	size_t i, j, n;
	json_t *o;

	if (!json_is_array(v))
		return util_fail(err, errlen, "%s: \"senders\" must be an array", path);
	n = json_array_size(v);
	if (!(list = calloc(n ? n : 1, sizeof(*list))))
		return util_fail(err, errlen, "out of memory");
	json_array_foreach(v, i, o) {
		const char *desk = NULL, *secret = NULL, *feedback = NULL;
		const char **slots[] = { &desk, &secret, &feedback };

		snprintf(where, sizeof(where), "senders[%zu]", i);
		if (peers_members(o, where, names, slots, path, err, errlen))
			goto fail;
		if (!desk || !conf_id_valid(desk)) {
			util_fail(
				err, errlen,
				"%s: %s.desk must be a desk name: 1 to 63 of a-z, 0-9, '.', '_' and '-'",
				path, where);
			goto fail;
		}
		if (peers_secret(secret, where, path, err, errlen) ||
		    (feedback && peers_url(feedback, where, "feedback_url", path, err, errlen)))
			goto fail;
		for (j = 0; j < i; j++) {
			if (!strcmp(list[j].desk, desk)) {
				util_fail(err, errlen, "%s: %s.desk \"%s\" is already senders[%zu]",
					  path, where, desk, j);
				goto fail;
			}
		}
		snprintf(list[i].desk, sizeof(list[i].desk), "%s", desk);
		if (!(list[i].secret = strdup(secret)) ||
		    (feedback && !(list[i].feedback_url = strdup(feedback)))) {
			util_fail(err, errlen, "out of memory");
			goto fail;
		}
	}
	senders_free_list(c);
	c->senders = list;
	c->n_senders = n;
	return 0;
fail:
	for (j = 0; j < n; j++) {
		free(list[j].secret);
		free(list[j].feedback_url);
	}
	free(list);
	return -1;
}

/* {"url": "https://collector…/api/v1/ingest", "secret": "…"} */
int conf_key_collector(struct conf *c, json_t *v, const char *path, char *err, size_t errlen)
{
	static const char *const names[] = { "url", "secret", NULL };
	const char *url = NULL, *secret = NULL;
	const char **slots[] = { &url, &secret };

	if (peers_members(v, "collector", names, slots, path, err, errlen) ||
	    peers_url(url, "collector", "url", path, err, errlen) ||
	    peers_secret(secret, "collector", path, err, errlen))
		return -1;
	char *u = strdup(url), *s = strdup(secret);

	if (!u || !s) {
		free(u);
		free(s);
		return util_fail(err, errlen, "out of memory");
	}
	free(c->collector_url);
	free(c->collector_secret);
	c->collector_url = u;
	c->collector_secret = s;
	return 0;
}

/* {"retry_base_ms": 10000, "max_delay_ms": 3600000, "max_age_seconds": 86400,
 *  "connect_timeout_ms": 5000, "timeout_ms": 15000}; each key optional. */
int conf_key_delivery(struct conf *c, json_t *v, const char *path, char *err, size_t errlen)
{
	static const struct {
		const char *key;
		size_t off;
		long min, max;
	} keys[] = {
		{ "retry_base_ms", offsetof(struct conf_delivery, retry_base_ms), 10, 3600000 },
		{ "max_delay_ms", offsetof(struct conf_delivery, max_delay_ms), 10, 86400000 },
		{ "max_age_seconds", offsetof(struct conf_delivery, max_age_seconds), 1,
		  30 * 86400 },
		{ "connect_timeout_ms", offsetof(struct conf_delivery, connect_timeout_ms), 100,
		  60000 },
		{ "timeout_ms", offsetof(struct conf_delivery, timeout_ms), 100, 300000 },
	};
	struct conf_delivery d = c->delivery;
	const char *key;
	json_t *n;
	size_t k;

	if (!json_is_object(v))
		return util_fail(err, errlen, "%s: \"delivery\" must be an object", path);
	json_object_foreach(v, key, n) {
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]) && strcmp(key, keys[k].key); k++)
			;
		if (k == sizeof(keys) / sizeof(keys[0]))
			return util_fail(
				err, errlen,
				"%s: delivery: unknown key \"%s\" (allowed: retry_base_ms, max_delay_ms, max_age_seconds, connect_timeout_ms, timeout_ms)",
				path, key);
		if (!json_is_integer(n) || json_integer_value(n) < keys[k].min ||
		    json_integer_value(n) > keys[k].max)
			return util_fail(err, errlen,
					 "%s: delivery.%s must be a whole number from %ld to %ld",
					 path, key, keys[k].min, keys[k].max);
		*(int *)(void *)((char *)&d + keys[k].off) = (int)json_integer_value(n);
	}
	if (d.max_delay_ms < d.retry_base_ms)
		return util_fail(
			err, errlen,
			"%s: delivery.max_delay_ms (%d) must not be below retry_base_ms (%d)", path,
			d.max_delay_ms, d.retry_base_ms);
	c->delivery = d;
	return 0;
}
