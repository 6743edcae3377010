/* outbox_transfer.c - one request of the delivery thread (outbox.h): a
 * signed POST through curl_multi, and what its answer means for the rows it
 * carried. Runs on the delivery thread only. */
#include "outbox.h"
#include "outbox_internal.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "conf/conf.h"
#include "desk/handoff.h"
#include "base/log.h"

static size_t outbox_on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct outbox_transfer *t = arg;
	size_t len = size * nmemb;
	char *grown;

	/* A peer that answers with more than this is not one of ours: abort. */
	if (t->resp_len + len > OUTBOX_RESPONSE_MAX) {
		t->resp_overflow = 1;
		return 0;
	}
	if (!(grown = realloc(t->resp, t->resp_len + len + 1)))
		return 0;
	t->resp = grown;
	memcpy(t->resp + t->resp_len, data, len);
	t->resp_len += len;
	t->resp[t->resp_len] = '\0';
	return len;
}

void outbox_transfer_free(struct outbox_transfer *t)
{
	if (!t)
		return;
	if (t->easy)
		curl_easy_cleanup(t->easy);
	curl_slist_free_all(t->headers);
	free(t->body);
	free(t->ids);
	free(t->attempts);
	free(t->created);
	free(t->resp);
	free(t);
}

struct outbox_transfer *outbox_transfer_new(enum outbox_kind kind, const char *target, size_t cap)
{
	struct outbox_transfer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->kind = kind;
	snprintf(t->target, sizeof(t->target), "%s", target);
	t->ids = calloc(cap, sizeof(*t->ids));
	t->attempts = calloc(cap, sizeof(*t->attempts));
	t->created = calloc(cap, sizeof(*t->created));
	if (!t->ids || !t->attempts || !t->created) {
		outbox_transfer_free(t);
		return NULL;
	}
	return t;
}

/* Where a kind and target go now: the current config, so a changed URL or
 * a rotated secret applies to messages already waiting. */
static int outbox_endpoint(struct outbox *ob, enum outbox_kind kind, const char *target,
			   const char **url, const char **secret)
{
	const struct conf_peer *p;
	const struct conf_sender *s;

	*url = *secret = NULL;
	if (kind == OUTBOX_HANDOFF && (p = conf_peer_find(ob->conf, target))) {
		*url = p->url;
		*secret = p->secret;
	} else if (kind == OUTBOX_FEEDBACK && (s = conf_sender_find(ob->conf, target))) {
		*url = s->feedback_url;
		*secret = s->secret;
	} else if (kind == OUTBOX_COLLECTOR) {
		*url = ob->conf->collector_url;
		*secret = ob->conf->collector_secret;
	}
	return *url && *secret ? 0 : -1;
}

static int outbox_header(struct outbox_transfer *t, const char *fmt, const char *value)
{
	char line[256];
	struct curl_slist *l;

	snprintf(line, sizeof(line), fmt, value);
	if (!(l = curl_slist_append(t->headers, line)))
		return -1;
	t->headers = l;
	return 0;
}

/* Sign the body now (a retry gets a fresh timestamp) and hand it to curl. */
static int transfer_start(struct outbox *ob, struct outbox_transfer *t, char *why, size_t whylen)
{
	const struct conf_delivery *dl = &ob->conf->delivery;
	const char *url, *secret;
	char sig[HANDOFF_SIG_LEN + 1], ts[24];
	int64_t now_s = outbox_now() / 1000;
	CURL *e;

	if (outbox_endpoint(ob, t->kind, t->target, &url, &secret)) {
		snprintf(why, whylen, "no %s is configured for \"%s\"",
			 t->kind == OUTBOX_FEEDBACK  ? "senders[].feedback_url"
			 : t->kind == OUTBOX_HANDOFF ? "peer"
						     : "collector",
			 t->target);
		return -1;
	}
	if (conf_url_check(url, why, whylen)) /* checked at load; never plain http elsewhere */
		return -1;
	handoff_sign(secret, now_s, t->body, strlen(t->body), sig);
	snprintf(ts, sizeof(ts), "%lld", (long long)now_s);
	if (!(e = t->easy = curl_easy_init()) ||
	    outbox_header(t, "%s", "Content-Type: application/json") ||
	    outbox_header(t, "X-Vegvisar-Desk: %s", ob->conf->desk) ||
	    outbox_header(t, "X-Vegvisar-Timestamp: %s", ts) ||
	    outbox_header(t, "X-Vegvisar-Signature: %s", sig) ||
	    outbox_header(t, "%s", "Expect:")) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR,
			 conf_url_is_loopback_http(url) ? "http" : "https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)dl->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)dl->timeout_ms);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(t->body));
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "vegvisard/" VV_VERSION);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, outbox_on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, t);
	if (curl_multi_add_handle(ob->multi, e) != CURLM_OK) {
		snprintf(why, whylen, "curl would not take the transfer");
		return -1;
	}
	t->next = ob->active;
	ob->active = t;
	ob->n_active++;
	if (t->kind == OUTBOX_COLLECTOR)
		ob->collector_busy = 1;
	return 0;
}

/* Say once when a target starts failing and once when it recovers. */
static void outbox_target_state(struct outbox *ob, const char *target, int failing,
				const char *error)
{
	int free_slot = -1, i;

	for (i = 0; i < OUTBOX_TARGETS; i++) {
		if (!strcmp(ob->targets[i].name, target))
			break;
		if (free_slot < 0 && !ob->targets[i].name[0])
			free_slot = i;
	}
	if (i == OUTBOX_TARGETS) {
		if (!failing || free_slot < 0)
			return;
		i = free_slot;
		snprintf(ob->targets[i].name, sizeof(ob->targets[i].name), "%s", target);
	}
	if (failing && !ob->targets[i].failing)
		log_warn("outbox: deliveries to %s are failing (%s); retrying with back-off",
			 target, error);
	else if (!failing && ob->targets[i].failing)
		log_notice("outbox: deliveries to %s work again", target);
	ob->targets[i].failing = failing;
}

static void transfer_done(struct outbox *ob, struct outbox_transfer *t, CURLcode res)
{
	char error[200];
	long status = 0;
	int ok, permanent;

	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	ok = res == CURLE_OK && status >= 200 && status < 300;
	permanent = res == CURLE_OK && (status == 400 || status == 413 || status == 422);
	if (res != CURLE_OK)
		snprintf(error, sizeof(error), "%.180s",
			 t->resp_overflow ? "the answer was over 64 KiB"
			 : t->errbuf[0]   ? t->errbuf
					  : curl_easy_strerror(res));
	else
		snprintf(error, sizeof(error), "HTTP %ld: %.120s", status, t->resp ? t->resp : "");
	error[strcspn(error, "\r\n")] = '\0';
	outbox_rows_mark(ob, t, ok, permanent, error);
	outbox_target_state(ob, t->target, !ok, error);
	if (ok)
		log_info("outbox: %zu %s message%s delivered to %s", t->n,
			 outbox_kind_name(t->kind), t->n == 1 ? "" : "s", t->target);
	else
		log_info("outbox: %zu %s message%s for %s not delivered: %s", t->n,
			 outbox_kind_name(t->kind), t->n == 1 ? "" : "s", t->target, error);
}

/* Collect finished transfers; returns how many. */
int outbox_transfer_collect(struct outbox *ob)
{
	CURLMsg *msg;
	int left, n = 0;

	while ((msg = curl_multi_info_read(ob->multi, &left))) {
		struct outbox_transfer *t = NULL, **pp;
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		transfer_done(ob, t, msg->data.result);
		curl_multi_remove_handle(ob->multi, t->easy);
		for (pp = &ob->active; *pp; pp = &(*pp)->next) {
			if (*pp == t) {
				*pp = t->next;
				break;
			}
		}
		ob->n_active--;
		if (t->kind == OUTBOX_COLLECTOR)
			ob->collector_busy = 0;
		outbox_transfer_free(t);
		n++;
	}
	return n;
}

/* A transfer that could not even start counts as a failed attempt. */
void outbox_transfer_start_or_fail(struct outbox *ob, struct outbox_transfer *t)
{
	char why[200];

	if (transfer_start(ob, t, why, sizeof(why)) == 0)
		return;
	outbox_rows_mark(ob, t, 0, 0, why);
	outbox_target_state(ob, t->target, 1, why);
	outbox_transfer_free(t);
}
