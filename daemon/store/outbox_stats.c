/* outbox_stats.c - the delivery thread's counters as /metrics lines and as
 * JSON for the supervisors' statistics (outbox.h). Only outbox_counters()
 * is read, so this runs on the service thread without any lock. */
#include "outbox.h"

#include <stddef.h>
#include <time.h>

static int64_t outbox_stats_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void outbox_metrics(struct outbox *ob, FILE *f)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} series[] = {
		{ "vegvisar_outbox_delivered_total", "counter",
		  "Outbox messages delivered to another desk or the collector, by kind.",
		  offsetof(struct outbox_counters, delivered) },
		{ "vegvisar_outbox_failed_attempts_total", "counter",
		  "Delivery attempts that failed and will be retried (or were the last), by kind.",
		  offsetof(struct outbox_counters, failed) },
		{ "vegvisar_outbox_dead_total", "counter",
		  "Outbox messages given up since start (dead letters), by kind.",
		  offsetof(struct outbox_counters, dead) },
	};
	struct outbox_counters c;
	int64_t now = outbox_stats_now();

	if (!ob)
		return;
	outbox_counters(ob, &c);
	for (size_t i = 0; i < sizeof(series) / sizeof(series[0]); i++) {
		const unsigned long long *v = (const void *)((const char *)&c + series[i].off);
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", series[i].name, series[i].help,
			series[i].name, series[i].type);
		for (int k = 0; k < OUTBOX_KINDS; k++)
			fprintf(f, "%s{kind=\"%s\"} %llu\n", series[i].name,
				outbox_kind_name((enum outbox_kind)k), v[k]);
	}
	fputs("# HELP vegvisar_outbox_pending Outbox messages waiting for delivery, by kind.\n"
	      "# TYPE vegvisar_outbox_pending gauge\n",
	      f);
	for (int k = 0; k < OUTBOX_KINDS; k++)
		fprintf(f, "vegvisar_outbox_pending{kind=\"%s\"} %lld\n",
			outbox_kind_name((enum outbox_kind)k), c.pending[k]);
	fputs("# HELP vegvisar_outbox_dead_letters Outbox messages in the dead state (never delivered), by kind.\n"
	      "# TYPE vegvisar_outbox_dead_letters gauge\n",
	      f);
	for (int k = 0; k < OUTBOX_KINDS; k++)
		fprintf(f, "vegvisar_outbox_dead_letters{kind=\"%s\"} %lld\n",
			outbox_kind_name((enum outbox_kind)k), c.dead_letters[k]);
	fputs("# HELP vegvisar_outbox_oldest_pending_seconds Age of the oldest message waiting for delivery (0: none).\n"
	      "# TYPE vegvisar_outbox_oldest_pending_seconds gauge\n",
	      f);
	fprintf(f, "vegvisar_outbox_oldest_pending_seconds %.3f\n",
		c.oldest_pending_ms ? (double)(now - c.oldest_pending_ms) / 1000.0 : 0.0);
}

json_t *outbox_json(struct outbox *ob)
{
	struct outbox_counters c;
	json_t *o = json_object();
	const char *names[] = { "delivered", "failed", "dead", "pending", "dead_letters" };

	outbox_counters(ob, &c);
	for (int i = 0; i < 5; i++) {
		json_t *by = json_object();
		for (int k = 0; k < OUTBOX_KINDS; k++) {
			json_int_t v = i == 0   ? (json_int_t)c.delivered[k]
				       : i == 1 ? (json_int_t)c.failed[k]
				       : i == 2 ? (json_int_t)c.dead[k]
				       : i == 3 ? (json_int_t)c.pending[k]
						: (json_int_t)c.dead_letters[k];
			json_object_set_new(by, outbox_kind_name((enum outbox_kind)k),
					    json_integer(v));
		}
		json_object_set_new(o, names[i], by);
	}
	json_object_set_new(o, "oldest_pending",
			    c.oldest_pending_ms ? json_integer(c.oldest_pending_ms) : json_null());
	return o;
}
