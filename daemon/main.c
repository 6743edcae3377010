/* main.c - vegvisard: command line, start-up, the event loop, shutdown. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <libwebsockets.h>
#include <systemd/sd-daemon.h>

#include "base/crypto.h"
#include "base/done.h"
#include "app/daemon.h"
#include "ws/handle.h"
#include "base/log.h"
#include "store/outbox.h"
#include "app/reload.h"
#include "store/report.h"
#include "triage/rules.h"
#include "triage/search.h"
#include "net/http.h"
#include "api/routes.h"
#include "net/server.h"
#include "store/store.h"
#include "base/util.h"


static void usage(FILE *f)
{
	fprintf(f,
		"usage: vegvisard [--config FILE] [--listen ADDR:PORT] [--db FILE] [--rules DIR]\n"
		"                 [--www DIR] [--dev] [--collector] [--check-rules] [--hash-token]\n"
		"                 [--version] [--help]\n"
		"       vegvisard report --db FILE [--config FILE] [--from DATE --to DATE | --period ID]\n"
		"                 [--country CC] [--channel CH] [--format text|json|csv]\n"
		"\n"
		"  --config FILE      JSON config file"
#ifdef VV_DEFAULT_CONF
		" (default " VV_DEFAULT_CONF ")"
#endif
		"\n"
		"  --listen ADDR:PORT where to serve HTTP and websockets (default 127.0.0.1:8470)\n"
		"  --db FILE          the survey store, an SQLite file\n"
		"  --rules DIR        rule trees, destinations and vocabulary\n"
		"  --www DIR          the browser clients\n"
		"  --dev              mint an agent and a supervisor token for this run; print URLs\n"
		"  --collector        also take in contacts from the desks in \"senders\" (POST /api/v1/ingest)\n"
		"  --check-rules      validate the rules, print problems or a summary, and exit\n"
		"  --hash-token       read a token on stdin, print its SHA-256 for the config\n"
		"  --version, --help\n");
}

/* --- rules -------------------------------------------------------------- */

static void report_problem_stdout(void *ctx, const char *problem)
{
	(*(int *)ctx)++;
	printf("%s\n", problem);
}

static int check_rules(const char *dir)
{
	int problems = 0;
	struct rulebook *rb = rules_load(dir, report_problem_stdout, &problems);
	const char *country;
	json_t *summary, *t;

	if (!rb) {
		printf("%s: %d problem%s\n", dir, problems, problems == 1 ? "" : "s");
		return 1;
	}
	summary = rules_summary(rb);
	json_object_foreach(summary, country, t) {
		printf("%s: version %s, %lld questions, %lld results, %lld walks, longest walk %lld questions\n",
		       country, json_string_value(json_object_get(t, "version")),
		       json_integer_value(json_object_get(t, "questions")),
		       json_integer_value(json_object_get(t, "results")),
		       json_integer_value(json_object_get(t, "walks")),
		       json_integer_value(json_object_get(t, "depth")));
	}
	json_decref(summary);
	printf("barriers: %zu codes, each with its texts in nb, nn, en and da\n",
	       json_array_size(rules_barriers(rb)));
	rules_unref(rb);
	return 0;
}

/* --- signals and timers -------------------------------------------------- */

/* The loop's own watchers (lws adds its own for sockets and timers). */
static struct {
	ev_signal sig_int, sig_term, sig_hup;
	ev_timer housekeeping, watchdog, shutdown, notes;
} loopw;

static void on_shutdown_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	log_warn("connections did not close in time; stopping anyway");
	ev_break(loop, EVBREAK_ALL);
}

/* libev's own signal handler only flags the signal; these run in the loop. */
static void on_stop_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;

	(void)revents;
	if (d->stopping)
		return;
	log_notice("signal %d: stopping", w->signum);
	__atomic_store_n(&d->stopping, 1, __ATOMIC_SEQ_CST); /* the store stops waking the loop */
	sd_notify(0, "STOPPING=1");
	/* Once lws has closed every connection and no watcher of ours is left,
	 * ev_run() returns by itself; the unreferenced timer is a backstop. */
	ev_signal_stop(loop, &loopw.sig_int);
	ev_signal_stop(loop, &loopw.sig_term);
	ev_signal_stop(loop, &loopw.sig_hup);
	ev_timer_stop(loop, &loopw.watchdog);
	ev_timer_init(&loopw.shutdown, on_shutdown_timeout, 5., 0.);
	ev_timer_start(loop, &loopw.shutdown);
	ev_unref(loop);
	handle_stats_stop(d->stats_feed);
	server_stop(d);
}

static void on_reload_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)loop;
	(void)revents;
	log_notice("SIGHUP: reloading rules");
	reload_request(w->data);
}

static void on_housekeeping(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;
	int64_t cutoff = util_now_ms() - (int64_t)d->conf.bounds.session_idle_seconds * 1000;
	size_t n;

	/* A citizen's conversation left idle still counts: it is logged first
	 * (and kept until its commit), then the idle ones go. */
	handle_feedback_log_idle(d, cutoff);
	n = session_expire(&d->sessions, cutoff);

	(void)loop;
	(void)revents;
	d->metrics.sessions_expired += n;
	if (n)
		log_info("%zu idle session%s expired", n, n == 1 ? "" : "s");
	handle_handover_queue_sweep(d); /* expired handovers, and those whose session went */
	handle_callback_sweep(d);       /* callbacks past callback_retention_hours */
	if (peers_sweep(d, util_now_ms()))
		handle_handover_queue_changed(d);
	limits_sweep(&d->limits, util_now_ms());
}

/* At start and hourly: the writer erases notes past note_retention_days. */
static void on_note_expiry(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	store_expire_notes(d->store,
			   util_now_ms() - (int64_t)d->conf.note_retention_days * 86400000);
}

static void on_watchdog(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	sd_notify(0, "WATCHDOG=1");
}

/* The wake of the completion queue (base/done.h), called by any worker
 * thread that posted: LWS_CALLBACK_EVENT_WAIT_CANCELLED runs done_run. */
static void wake_loop(void *arg)
{
	struct daemon *d = arg;

	/* Once stopping, lws is tearing the context down: leave it alone. */
	if (!__atomic_load_n(&d->stopping, __ATOMIC_SEQ_CST))
		lws_cancel_service(d->lws);
}

/* --- start-up ----------------------------------------------------------- */

static int make_parent_dir(const char *path)
{
	char *copy = strdup(path), *dir, *p;
	int rc = 0;

	if (!copy)
		return -1;
	/* "vegvisar.db": dirname() returns a static "." we must not write. */
	if (!strchr(copy, '/')) {
		free(copy);
		return 0;
	}
	dir = dirname(copy);
	for (p = dir + 1; rc == 0; p++) {
		char saved = *p;
		if (saved != '/' && saved != '\0')
			continue;
		*p = '\0';
		if (mkdir(dir, 0750) && errno != EEXIST)
			rc = -1;
		*p = saved;
		if (!saved)
			break;
	}
	free(copy);
	return rc;
}

/* Many idle widget connections need many descriptors: take all we may. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		log_warn("cannot raise the open-file limit: %s", strerror(errno));
}

static int hash_token(void)
{
	char line[1024], hex[65];
	size_t n;

	if (!fgets(line, sizeof(line), stdin)) {
		fprintf(stderr, "vegvisard: --hash-token reads the token on standard input\n");
		return 1;
	}
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (n < 16) {
		fprintf(stderr, "vegvisard: a token must be at least 16 characters\n");
		return 1;
	}
	crypto_sha256_hex(line, n, hex);
	printf("%s\n", hex);
	return 0;
}

static void print_dev_urls(struct daemon *d, const char *agent, const char *supervisor)
{
	const char *host =
		strcmp(d->conf.listen_host, "0.0.0.0") ? d->conf.listen_host : "127.0.0.1";
	int port = d->conf.listen_port;

	printf("\nVegvisar is running (development mode; these tokens last for this run only).\n"
	       "  Agent panel:      http://%s:%d/agent/#token=%s\n"
	       "  Supervisor:       http://%s:%d/supervisor/#token=%s\n"
	       "  Chat widget demo: http://%s:%d/widget/demo.html\n"
	       "Stop with Ctrl-C.\n\n",
	       host, port, agent, host, port, supervisor, host, port);
	fflush(stdout);
}

/* The paths and address given as flags (NULL: not given). */
struct parse_args_flags {
	const char *config, *listen, *db, *rules, *www;
};

/* Step 1: read the flags; an action flag (--check-rules, --hash-token,
 * --version, --help) goes to *action. */
static int parse_args_read(struct daemon *d, int argc, char **argv, int *action,
			   struct parse_args_flags *f)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'd' },
		{ "rules", required_argument, NULL, 'r' },
		{ "www", required_argument, NULL, 'w' },
		{ "dev", no_argument, NULL, 'D' },
		{ "check-rules", no_argument, NULL, 'C' },
		{ "hash-token", no_argument, NULL, 'H' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "collector", no_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			f->config = optarg;
			break;
		case 'l':
			f->listen = optarg;
			break;
		case 'd':
			f->db = optarg;
			break;
		case 'r':
			f->rules = optarg;
			break;
		case 'w':
			f->www = optarg;
			break;
		case 'D':
			d->conf.dev = 1;
			break;
		case 'K':
			d->conf.collector_mode = 1;
			break;
		case 'C':
		case 'H':
		case 'V':
		case 'h':
			*action = o;
			break;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vegvisard: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	return 0;
}

/* Step 2: the config file, then the flags over it. */
static int parse_args_apply(struct daemon *d, struct parse_args_flags *f)
{
	char err[512];

#ifdef VV_DEFAULT_CONF
	if (!f->config && access(VV_DEFAULT_CONF, F_OK) == 0)
		f->config = VV_DEFAULT_CONF;
#endif
	/* The file first, so that flags override it. */
	if (f->config && conf_load_file(&d->conf, f->config, err, sizeof(err)))
		goto fail;
	if (f->listen && conf_set_listen(&d->conf, f->listen, err, sizeof(err)))
		goto fail;
	if (f->db)
		conf_set_str(&d->conf.db, f->db);
	if (f->rules)
		conf_set_str(&d->conf.rules, f->rules);
	if (f->www)
		conf_set_str(&d->conf.www, f->www);
	return 0;
fail:
	fprintf(stderr, "vegvisard: %s\n", err);
	return -1;
}

static int parse_args(struct daemon *d, int argc, char **argv, int *action)
{
	struct parse_args_flags f = { 0 };

	if (parse_args_read(d, argc, argv, action, &f))
		return -1;
	return parse_args_apply(d, &f);
}

/* The live statistics are rebuilt from the store before the loop runs,
 * the one time the service thread reads SQLite. A store the statistics
 * cannot read still serves triage: they start from zero, said in the log. */
static int daemon_open_stats(struct daemon *d)
{
	struct stats_load_info info;
	char err[512];

	d->metrics.started_ms = util_now_ms();
	if (!(d->stats = stats_new(&d->conf)) || !(d->stats_feed = handle_stats_new(d)))
		return -1;
	if (stats_load(d->stats, d->conf.db, util_now_ms(), &info, err, sizeof(err)))
		log_err("%s; the live statistics start from zero", err);
	else
		log_notice("live statistics rebuilt from %lld contacts of the last 24 h and %lld "
			   "earlier ones of the period in %.1f ms",
			   (long long)info.rows, (long long)info.period_rows, info.ms);
	return 0;
}

/* Handoffs waiting from other desks and referral checks, from the store;
 * and the delivery thread when this desk sends anything to another. */
static int daemon_open_peers(struct daemon *d)
{
	char err[512];

	if (!(d->peers = peers_open(d->conf.db)))
		return -1;
	if (d->conf.collector_mode && !d->conf.n_senders)
		log_warn("--collector without \"senders\": no desk may ship contacts here");
	if (!d->conf.n_peers && !d->conf.n_senders && !d->conf.collector_url)
		return 0;
	if (!(d->outbox = outbox_start(&d->conf, d->conf.db, err, sizeof(err)))) {
		log_err("%s", err);
		return -1;
	}
	log_notice("desk \"%s\": %zu peer%s, %zu sender%s%s%s", d->conf.desk, d->conf.n_peers,
		   d->conf.n_peers == 1 ? "" : "s", d->conf.n_senders,
		   d->conf.n_senders == 1 ? "" : "s",
		   d->conf.collector_url ? ", ships to a collector" : "",
		   d->conf.collector_mode ? ", collects" : "");
	return 0;
}

static int daemon_open(struct daemon *d)
{
	char err[512];

	raise_fd_limit();
	if (reload_now(d))
		return -1;
	if (make_parent_dir(d->conf.db)) {
		log_err("cannot create the directory for %s: %s", d->conf.db, strerror(errno));
		return -1;
	}
	d->store = store_open(d->conf.db, err, sizeof(err));
	if (!d->store) {
		log_err("%s", err);
		return -1;
	}
	if (session_table_init(&d->sessions) || daemon_open_stats(d) || daemon_open_peers(d) ||
	    handle_callback_load(d))
		return -1;
	d->loop = ev_loop_new(EVFLAG_AUTO);
	http_set_routes(routes_table, routes_count); /* api/ sits above the transport */
	if (!d->loop || !(d->done = done_new(wake_loop, d)) || reload_init(d) || server_start(d) ||
	    store_start(d->store, d->done))
		return -1;
	return 0;
}

static void daemon_close(struct daemon *d)
{
	/* Deliveries in flight are abandoned: their rows stay due. */
	outbox_stop(d->outbox);
	d->outbox = NULL;
	/* Every worker that posts completions is joined, in turn, while the
	 * lws context they wake still exists: the export workers (stopped
	 * mid-export), the rule reload (which runs what it posted) and last
	 * the store, which commits everything queued, joins its writer and
	 * runs the last completions: finishes whose clients are gone answer
	 * nobody, but are counted and end their sessions. */
	http_stop_workers();
	reload_free(d);
	if (d->store)
		store_close(d->store);
	if (d->done)
		done_run(d->done); /* anything posted after the store's last run */
	if (d->lws)
		lws_context_destroy(d->lws);
	handle_stats_stop(d->stats_feed);
	if (d->loop) {
		ev_run(d->loop, 0); /* let lws finish closing on its own loop */
		ev_loop_destroy(d->loop);
	}
	handle_stats_free(d->stats_feed);
	stats_free(d->stats);
	while (d->pending_head) {
		struct pending_finish *p = d->pending_head;
		d->pending_head = p->next;
		json_decref(p->re);
		free(p->key);
		free(p->correct); /* the writer is joined: it no longer writes into it */
		free(p);
	}
	handover_list_free(&d->handovers);
	callback_clear(&d->callbacks);
	if (d->peers)
		peers_routes_free_waiting(d->peers);
	peers_free(d->peers);
	limits_free(&d->limits);
	json_decref(d->own_origins);
	session_table_free(&d->sessions);
	search_free(d->search);
	if (d->rules)
		rules_unref(d->rules);
	conf_free(&d->conf);
	done_free(d->done);
}

static void loop_watch(struct daemon *d)
{
	uint64_t watchdog_usec = 0;
	double every;

	ev_signal_init(&loopw.sig_int, on_stop_signal, SIGINT);
	ev_signal_init(&loopw.sig_term, on_stop_signal, SIGTERM);
	ev_signal_init(&loopw.sig_hup, on_reload_signal, SIGHUP);
	/* Each minute, or often enough that an idle session goes within a
	 * quarter of its time (bounds.session_idle_seconds). */
	every = d->conf.bounds.session_idle_seconds < 240 ? d->conf.bounds.session_idle_seconds / 4. : 60.;
	/* And so that a citizen who left a handover leaves the agents' queue
	 * within a quarter of bounds.handover_grace_seconds after it. */
	if (d->conf.bounds.handover_grace_seconds / 4. < every)
		every = d->conf.bounds.handover_grace_seconds / 4.;
	/* And so that a chat whose agent stays away is requeued within a
	 * quarter of bounds.agent_grace_seconds after it (handle_chat.c). */
	if (d->conf.bounds.agent_grace_seconds / 4. < every)
		every = d->conf.bounds.agent_grace_seconds / 4.;
	ev_timer_init(&loopw.housekeeping, on_housekeeping, every, every);
	loopw.sig_int.data = loopw.sig_term.data = loopw.sig_hup.data = d;
	loopw.housekeeping.data = d;
	ev_signal_start(d->loop, &loopw.sig_int);
	ev_signal_start(d->loop, &loopw.sig_term);
	ev_signal_start(d->loop, &loopw.sig_hup);
	ev_timer_start(d->loop, &loopw.housekeeping);
	ev_unref(d->loop); /* housekeeping alone does not keep the loop alive */
	ev_timer_init(&loopw.notes, on_note_expiry, 0., 3600.);
	loopw.notes.data = d;
	ev_timer_start(d->loop, &loopw.notes);
	ev_unref(d->loop);
	ev_timer_init(&loopw.watchdog, on_watchdog, 0., 0.);
	if (sd_watchdog_enabled(0, &watchdog_usec) > 0) {
		ev_timer_set(&loopw.watchdog, 0., (double)watchdog_usec / 2e6);
		ev_timer_start(d->loop, &loopw.watchdog);
	}
}

int main(int argc, char **argv)
{
	struct daemon d = { 0 };
	char agent[33], supervisor[33];
	int action = 0, rc = 1;

	if (argc > 1 && !strcmp(argv[1], "report"))
		return report_cli(argc - 1, argv + 1);
	conf_defaults(&d.conf);
	if (parse_args(&d, argc, argv, &action))
		goto out;
	switch (action) {
	case 'h':
		usage(stdout);
		rc = 0;
		goto out;
	case 'V':
		printf("vegvisard %s\n", VV_VERSION);
		rc = 0;
		goto out;
	case 'H':
		rc = hash_token();
		goto out;
	case 'C':
		rc = check_rules(d.conf.rules);
		goto out;
	}
	log_init(d.conf.log_level);
	lws_set_log_level(LLL_ERR | LLL_WARN, server_log_lws);
	if (d.conf.dev) {
		if (crypto_random_hex(agent, 16) || crypto_random_hex(supervisor, 16) ||
		    conf_add_token(&d.conf, "dev-agent", ROLE_AGENT, agent) ||
		    conf_add_token(&d.conf, "dev-supervisor", ROLE_SUPERVISOR, supervisor))
			goto out;
	}
	if (daemon_open(&d))
		goto out;
	loop_watch(&d);

	log_notice("vegvisard %s listening on http://%s:%d (db %s, rules %s, www %s)", VV_VERSION,
		   d.conf.listen_host, d.conf.listen_port, d.conf.db, d.conf.rules, d.conf.www);
	sd_notifyf(0, "READY=1\nSTATUS=Serving on %s:%d", d.conf.listen_host, d.conf.listen_port);
	if (d.conf.dev)
		print_dev_urls(&d, agent, supervisor);

	ev_run(d.loop, 0);
	ev_ref(d.loop);
	ev_timer_stop(d.loop, &loopw.shutdown);
	ev_ref(d.loop);
	ev_timer_stop(d.loop, &loopw.housekeeping);
	ev_ref(d.loop);
	ev_timer_stop(d.loop, &loopw.notes);
	rc = 0;
out:
	daemon_close(&d);
	return rc;
}
