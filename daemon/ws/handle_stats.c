/* handle_stats.c - "subscribe": the live statistics for supervisors.
 *
 * The reply is a snapshot; after that a new snapshot is pushed whenever a
 * contact the subscriber's filter covers has been logged. Pushes are
 * coalesced: a logged contact only marks subscribers dirty, and a timer
 * sends to the dirty ones 50 ms later, so a subscriber gets at most twenty
 * pushes a second however busy the desk is, each within about 50 ms of the
 * contact (the target is 100 ms at the 99th percentile, with 500
 * dashboards). A minute timer refreshes everyone, so that the last hour and
 * the 15-minute series move on in a quiet hour too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "client.h"
#include "app/daemon.h"
#include "handle.h"
#include "handle_internal.h"
#include "triage/rules.h"
#include "desk/session.h"
#include "store/stats.h"
#include "base/util.h"

#define STATS_FLUSH_S 0.05
#define STATS_TICK_S 60.
#define STATS_FLUSH_CACHE 8 /* distinct filters computed once per flush */

/* The timers of the pushes; one per daemon. They are libev timers on the
 * daemon's loop, like main.c's, rather than lws_sul: lws 4.1's libev glue
 * re-arms its own timer only when that is idle, so a sul due sooner than
 * one already pending (a ping 30 s away) waits for the later one. */
struct stats_feed {
	ev_timer flush; /* sends to dirty subscribers */
	ev_timer tick;  /* marks every subscriber dirty */
	struct daemon *d;
};

static const char *const streams[] = { "stats", NULL };
static const char *const channels[] = { "phone", "chat", "widget", "desk", NULL };

/* Destination ids with their names from the current rules, for people:
 * "name" in the rules' first language and "names" in every language the
 * rules give, so that a dashboard shows each reader their own. */
static void stats_name_destinations(struct daemon *d, json_t *snap)
{
	static const char *const windows[] = { "today", "hour", "period" };

	for (size_t w = 0; w < 3; w++) {
		json_t *list = json_object_get(json_object_get(snap, windows[w]), "destinations");
		json_t *item;
		size_t i;

		json_array_foreach(list, i, item) {
			const char *id = json_string_value(json_object_get(item, "id"));
			const char *name = rules_destination_name(d->rules, id, NULL);

			const json_t *text = json_object_get(
				json_object_get(rules_destination(d->rules, id), "name"), "text");

			if (name)
				json_object_set_new(item, "name", json_string(name));
			if (json_is_object(text))
				json_object_set_new(item, "names", json_deep_copy(text));
		}
	}
}

/* {"type":"stats","re"?:…, …the snapshot}; new reference. */
static json_t *stats_message(struct daemon *d, const struct stats_filter *f, json_t *re)
{
	json_t *msg = proto_reply("stats", re);
	json_t *snap = stats_snapshot(d->stats, f, util_now_ms());

	stats_name_destinations(d, snap);
	json_object_update(msg, snap);
	json_decref(snap);
	peers_stats(d, msg); /* referral checks and deliveries, when configured */
	return msg;
}

/* Sends each dirty subscriber its snapshot. Subscribers with the same
 * filter get the same text, serialized once: with 500 dashboards a dump
 * each stalled the loop for 150 million instructions. */
static void stats_feed_flush(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct stats_feed *feed = w->data;
	struct daemon *d = feed->d;
	struct {
		struct stats_filter f;
		char *text;
		size_t len;
	} cache[STATS_FLUSH_CACHE];
	size_t n = 0, i;

	(void)loop;
	(void)revents;
	for (struct client *c = d->subscribers[CLIENTS_STATS]; c; c = c->sub_next[CLIENTS_STATS]) {
		json_t *msg;
		char *text;

		if (!c->stats_dirty)
			continue;
		c->stats_dirty = 0;
		for (i = 0; i < n; i++)
			if (!memcmp(&cache[i].f, &c->stats_filter, sizeof(cache[i].f)))
				break;
		if (i < n) {
			client_send_text(c, cache[i].text, cache[i].len);
			continue;
		}
		msg = stats_message(d, &c->stats_filter, NULL);
		text = json_dumps(msg, JSON_COMPACT);
		json_decref(msg);
		if (!text)
			continue; /* out of memory; the next contact or tick tries again */
		client_send_text(c, text, strlen(text));
		if (n < STATS_FLUSH_CACHE) {
			cache[n].f = c->stats_filter;
			cache[n].text = text;
			cache[n++].len = strlen(text);
		} else {
			free(text);
		}
	}
	for (i = 0; i < n; i++)
		free(cache[i].text);
}

static void stats_feed_schedule_flush(struct daemon *d)
{
	struct stats_feed *feed = d->stats_feed;

	if (!feed || ev_is_active(&feed->flush) || d->stopping)
		return;
	ev_timer_set(&feed->flush, STATS_FLUSH_S, 0.);
	ev_timer_start(d->loop, &feed->flush);
}

static void stats_feed_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct stats_feed *feed = w->data;
	struct daemon *d = feed->d;

	(void)revents;
	if (!d->subscribers[CLIENTS_STATS] || d->stopping) {
		ev_timer_stop(loop, w); /* started again by the next subscribe */
		return;
	}
	handle_stats_changed(d);
}

struct stats_feed *handle_stats_new(struct daemon *d)
{
	struct stats_feed *feed = calloc(1, sizeof(*feed));

	if (!feed)
		return NULL;
	feed->d = d;
	ev_timer_init(&feed->flush, stats_feed_flush, STATS_FLUSH_S, 0.);
	ev_timer_init(&feed->tick, stats_feed_tick, STATS_TICK_S, STATS_TICK_S);
	feed->flush.data = feed->tick.data = feed;
	return feed;
}

void handle_stats_stop(struct stats_feed *feed)
{
	if (!feed || !feed->d->loop)
		return;
	ev_timer_stop(feed->d->loop, &feed->flush);
	ev_timer_stop(feed->d->loop, &feed->tick);
}

/* After handle_stats_stop, once the loop is gone. */
void handle_stats_free(struct stats_feed *feed)
{
	free(feed);
}

void handle_stats_changed(struct daemon *d)
{
	if (!d->subscribers[CLIENTS_STATS])
		return;
	for (struct client *c = d->subscribers[CLIENTS_STATS]; c; c = c->sub_next[CLIENTS_STATS])
		c->stats_dirty = 1;
	stats_feed_schedule_flush(d);
}

void handle_stats_logged(struct daemon *d, const struct stats_contact *sc)
{
	int any = 0;

	stats_add(d->stats, sc, util_now_ms());
	for (struct client *c = d->subscribers[CLIENTS_STATS]; c; c = c->sub_next[CLIENTS_STATS]) {
		if (stats_filter_matches(&c->stats_filter, sc)) {
			c->stats_dirty = 1;
			any = 1;
		}
	}
	if (any)
		stats_feed_schedule_flush(d);
}

void handle_stats_corrected(struct daemon *d, const struct stats_contact *was,
			    const struct stats_contact *is)
{
	int any = 0;

	stats_correct(d->stats, was, is, util_now_ms());
	for (struct client *c = d->subscribers[CLIENTS_STATS]; c; c = c->sub_next[CLIENTS_STATS]) {
		if (stats_filter_matches(&c->stats_filter, is)) {
			c->stats_dirty = 1;
			any = 1;
		}
	}
	if (any)
		stats_feed_schedule_flush(d);
}

/* {"type":"subscribe","stream":"stats","country"?,"channel"?}: the reply is
 * the first snapshot. Subscribing again replaces the filter. */
int handle_subscribe(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "stream", "country", "channel", NULL };
	const char *stream, *country, *channel;
	struct stats_feed *feed = h->d->stats_feed;
	json_t *reply;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)) ||
	    proto_get_enum(h->msg, "stream", 1, streams, &stream, h->err, sizeof(h->err)) ||
	    proto_get_enum(h->msg, "country", 0, names_countries, &country, h->err, sizeof(h->err)) ||
	    proto_get_enum(h->msg, "channel", 0, channels, &channel, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (!h->d->stats || !feed)
		return handle_fail(h, PROTO_UNAVAILABLE, "statistics are not available");
	memset(&h->c->stats_filter, 0, sizeof(h->c->stats_filter));
	if (country)
		snprintf(h->c->stats_filter.country, sizeof(h->c->stats_filter.country), "%s",
			 country);
	if (channel)
		snprintf(h->c->stats_filter.channel, sizeof(h->c->stats_filter.channel), "%s",
			 channel);
	h->c->stats_dirty = 0;
	client_subscribe(h->c, CLIENTS_STATS);
	reply = stats_message(h->d, &h->c->stats_filter, h->re);
	client_send(h->c, reply);
	json_decref(reply);
	if (!ev_is_active(&feed->tick) && !h->d->stopping)
		ev_timer_start(h->d->loop, &feed->tick);
	return 0;
}
