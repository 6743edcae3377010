/* load.c - vv-load: the load generator's command line, the start-up timer
 * and the result rows (the plan is in plan.c).
 *
 *   vv-load --url ws://127.0.0.1:PORT/ws [--echo] [--token T] [--pid PID]
 *           [--out FILE] [--ceiling-url URL --ceiling-pid PID --ceiling-out FILE]
 *           [--quick] [plan options]                   run the plan
 *   vv-load --startup N [--cold] --out FILE -- CMD...  time CMD to "listening on"
 *   vv-load --http URL [--token T] [--runs N]         time a GET (the report)
 *   vv-load --report CEILING.tsv RESULT.tsv...         the table with ratios
 *   vv-load --free-port                                print a free TCP port
 *
 * One thread, one epoll: see wsc.h for why the client is hand-written. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "load.h"

/* --- output rows --------------------------------------------------------
 *
 * Rows go to the TSV file and as text to stdout; while a phase may still be
 * retried (plan.c) both go to memory and out_commit() or out_discard()
 * decides. */

static FILE *out_tsv(struct bench *b)
{
	return b->held_tsv ? b->held_tsv : b->out;
}

static FILE *out_txt(struct bench *b)
{
	return b->held_txt ? b->held_txt : stdout;
}

void out_hold(struct bench *b)
{
	b->held_tsv = open_memstream(&b->held_tsv_buf, &b->held_tsv_len);
	b->held_txt = open_memstream(&b->held_txt_buf, &b->held_txt_len);
}

static void out_release(struct bench *b, int keep)
{
	if (!b->held_tsv)
		return;
	fclose(b->held_tsv);
	fclose(b->held_txt);
	b->held_tsv = b->held_txt = NULL;
	if (keep && b->out)
		fwrite(b->held_tsv_buf, 1, b->held_tsv_len, b->out);
	if (keep)
		fwrite(b->held_txt_buf, 1, b->held_txt_len, stdout);
	fflush(stdout);
	free(b->held_tsv_buf);
	free(b->held_txt_buf);
	b->held_tsv_buf = b->held_txt_buf = NULL;
}

void out_commit(struct bench *b)
{
	out_release(b, 1);
}

void out_discard(struct bench *b)
{
	out_release(b, 0);
}

void out_row(struct bench *b, const char *phase, const char *type, unsigned conns,
	     struct lat *l, double secs)
{
	double rps = secs > 0 ? (double)l->n / secs : 0;
	double p50 = (double)lat_pct(l, 50) / 1e3, p99 = (double)lat_pct(l, 99) / 1e3;
	double p999 = (double)lat_pct(l, 99.9) / 1e3, max = (double)lat_max(l) / 1e3;
	double bytes = l->n ? (double)l->bytes / (double)l->n : 0;

	if (out_tsv(b))
		fprintf(out_tsv(b), "R\t%s\t%s\t%u\t%zu\t%.3f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%llu\t%.0f\n",
			phase, type, conns, l->n, secs, rps, p50, p99, p999, max,
			(unsigned long long)l->errors, bytes);
	fprintf(out_txt(b),
		"%-9s %-18s %-9s %6u %9.0f/s  p50 %8.1f  p99 %8.1f  p99.9 %8.1f  max %8.1f us"
		"  err %llu  %5.0f B\n",
		b->label, phase, type, conns, rps, p50, p99, p999, max,
		(unsigned long long)l->errors, bytes);
	fflush(out_txt(b));
}

void out_metric(struct bench *b, const char *phase, const char *metric, double value,
		const char *unit)
{
	if (out_tsv(b))
		fprintf(out_tsv(b), "M\t%s\t%s\t%.1f\t%s\n", phase, metric, value, unit);
	fprintf(out_txt(b), "%-9s %-18s %-18s %12.1f %s\n", b->label, phase, metric, value, unit);
	fflush(out_txt(b));
}

void out_note(struct bench *b, const char *phase, const char *fmt, ...)
{
	char text[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	text[strcspn(text, "\t\n")] = '\0';
	if (out_tsv(b))
		fprintf(out_tsv(b), "N\t%s\t%s\n", phase, text);
	fprintf(out_txt(b), "%-9s %-18s %s\n", b->label, phase, text);
	fflush(out_txt(b));
}

/* Many idle connections need many descriptors; as root the hard limit can
 * be raised too. */
static void raise_fd_limit(rlim_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want;
	if (rl.rlim_max < want)
		rl.rlim_max = want;
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		/* plan.c fits the idle phases into what we got, and says so */
		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* --- start-up time ------------------------------------------------------ */

static int drop_caches(void)
{
	int fd, ok;

	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd < 0)
		return -1;
	ok = write(fd, "3\n", 2) == 2;
	close(fd);
	return ok ? 0 : -1;
}

/* Exec cmd with stderr on a pipe; the time until a line containing "rules
 * loaded" and "listening on", in ms. Stops it with SIGTERM. */
static int startup_once(char **cmd, double *rules_ms, double *listen_ms)
{
	int fds[2], status;
	char buf[4096], line[4096] = "";
	size_t ll = 0;
	uint64_t t0;
	pid_t pid;
	FILE *f;

	*rules_ms = *listen_ms = -1;
	if (pipe(fds))
		return -1;
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		execvp(cmd[0], cmd);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	while (fgets(buf, sizeof(buf), f)) {
		double ms = (double)(now_ns() - t0) / 1e6;
		size_t n = strlen(buf);

		/* Keep the output's first lines, to show why it never got ready. */
		if (ll + n < sizeof(line)) {
			memcpy(line + ll, buf, n + 1);
			ll += n;
		}
		if (*rules_ms < 0 && strstr(buf, "rules loaded"))
			*rules_ms = ms;
		if (strstr(buf, "listening on")) {
			*listen_ms = ms;
			kill(pid, SIGTERM);
		}
	}
	fclose(f);
	waitpid(pid, &status, 0);
	if (*listen_ms < 0)
		fprintf(stderr, "vv-load: %s never said \"listening on\":\n%s", cmd[0], line);
	return *listen_ms < 0 ? -1 : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int startup_main(struct bench *b, int runs, int cold, const char *phase, char **cmd)
{
	double listen[64], rules, ms;
	int n = 0;

	if (runs > 64)
		runs = 64;
	for (int i = 0; i < runs; i++) {
		if (cold && drop_caches()) {
			out_note(b, phase, "cannot drop the page cache (not root?): runs are warm");
			cold = 0;
		}
		if (startup_once(cmd, &rules, &ms))
			return 1;
		printf("%-9s %-18s run %d: rules loaded %.1f ms, listening %.1f ms\n", b->label, phase,
		       i + 1, rules, ms);
		if (i == 0)
			out_metric(b, phase, "rules_ms_first", rules, "ms");
		listen[n++] = ms;
	}
	qsort(listen, (size_t)n, sizeof(double), cmp_double);
	out_metric(b, phase, "ready_ms_min", listen[0], "ms");
	out_metric(b, phase, "ready_ms_median", listen[n / 2], "ms");
	out_metric(b, phase, "ready_ms_max", listen[n - 1], "ms");
	return 0;
}

/* --- an HTTP request, timed ------------------------------------------- */

/* One GET with a bearer token to the end of the body; the status, the
 * body's size, and how long it took. Blocking: nothing else runs meanwhile. */
static int http_get_once(const struct wsc_target *t, const char *token, int *status,
			 size_t *body, double *ms)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)t->port) };
	char req[1024], buf[65536], head[512] = "";
	size_t got = 0, head_len = 0;
	uint64_t t0 = now_ns();
	ssize_t n;
	int fd;

	if (inet_pton(AF_INET, t->host, &to.sin_addr) != 1 ||
	    (fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n"
		     "Connection: close\r\n\r\n",
		     t->path, t->host, t->port, token ? token : "");
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) || write(fd, req, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (got < sizeof(head) - 1) {
			size_t k = (size_t)n < sizeof(head) - 1 - got ? (size_t)n : sizeof(head) - 1 - got;
			memcpy(head + got, buf, k);
			head[got + k] = '\0';
		}
		got += (size_t)n;
	}
	*ms = (double)(now_ns() - t0) / 1e6;
	close(fd);
	if (strncmp(head, "HTTP/1.", 7) || !strstr(head, "\r\n\r\n"))
		return -1;
	*status = atoi(head + 9);
	head_len = (size_t)(strstr(head, "\r\n\r\n") + 4 - head);
	*body = got - head_len; /* the size of the chunked encoding, if chunked */
	return 0;
}

static int http_main(struct bench *b, const char *url, int runs, const char *phase)
{
	double ms[64];
	size_t body = 0;
	int status = 0;

	if (strncmp(url, "http://", 7) || runs < 1)
		return 2;
	snprintf(b->target.host, sizeof(b->target.host), "%s", url + 7);
	b->target.host[strcspn(b->target.host, ":/")] = '\0';
	b->target.port = strchr(url + 7, ':') ? atoi(strchr(url + 7, ':') + 1) : 80;
	snprintf(b->target.path, sizeof(b->target.path), "%s",
		 strchr(url + 7, '/') ? strchr(url + 7, '/') : "/");
	if (runs > 64)
		runs = 64;
	for (int i = 0; i < runs; i++) {
		if (http_get_once(&b->target, b->token, &status, &body, &ms[i])) {
			out_note(b, phase, "PENDING: GET %s failed (no such endpoint yet?)", url);
			return 0;
		}
		if (status != 200) {
			out_metric(b, phase, "pending", 1, "");
			out_note(b, phase, "PENDING: GET %s answered HTTP %d; no figures", url, status);
			return 0;
		}
	}
	qsort(ms, (size_t)runs, sizeof(double), cmp_double);
	out_metric(b, phase, "bytes", (double)body, "B");
	out_metric(b, phase, "ms_min", ms[0], "ms");
	out_metric(b, phase, "ms_median", ms[runs / 2], "ms");
	out_metric(b, phase, "ms_max", ms[runs - 1], "ms");
	return 0;
}

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &len))
		return 1;
	printf("%d\n", ntohs(a.sin_port));
	close(fd);
	return 0;
}

/* --- command line ------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vv-load --url ws://HOST:PORT/ws [--echo] [--token T] [--sup-token T] [--pid PID]\n"
		"               [--out FILE] [--label NAME] [--ceiling-url URL] [--ceiling-pid PID]\n"
		"               [--ceiling-out FILE] [--quick] [--agents N] [--small N] [--idle N]\n"
		"               [--idle-max N] [--secs S] [--warmup S] [--rate R] [--reload-rate R]\n"
		"               [--hup-ms MS] [--subscribe M] [--chats N] [--src-ips K]\n"
		"               [--phases steps,steps-open,finish,words,contact,reload,chat,idle,subscribe]\n"
		"               [--repeats N] [--retries N] [--quiet-cpu PCT]\n"
		"       vv-load --startup N [--cold] [--out FILE] [--label NAME] -- CMD ARGS...\n"
		"       vv-load --http http://HOST:PORT/PATH [--token T] [--runs N] [--out FILE]\n"
		"       vv-load --report CEILING.tsv RESULT.tsv... [--quick]\n"
		"       vv-load --free-port\n");
}

int main(int argc, char **argv)
{
	enum { O_ECHO = 256, O_TOKEN, O_SUP_TOKEN, O_PID, O_OUT, O_LABEL, O_QUICK, O_AGENTS, O_SMALL, O_IDLE,
	       O_IDLE_MAX, O_SECS, O_WARMUP, O_RATE, O_RELOAD_RATE, O_HUP_MS, O_SUBSCRIBE,
	       O_SRC_IPS, O_STARTUP, O_COLD, O_URL, O_FREE_PORT, O_REPORT, O_CEIL_URL,
	       O_CEIL_PID, O_CEIL_OUT, O_PHASES, O_HTTP, O_RUNS, O_RETRIES, O_QUIET, O_REPEATS, O_CHATS };
	static const struct option opts[] = {
		{ "url", required_argument, NULL, O_URL },
		{ "ceiling-url", required_argument, NULL, O_CEIL_URL },
		{ "ceiling-pid", required_argument, NULL, O_CEIL_PID },
		{ "ceiling-out", required_argument, NULL, O_CEIL_OUT },
		{ "echo", no_argument, NULL, O_ECHO },
		{ "token", required_argument, NULL, O_TOKEN },
		{ "sup-token", required_argument, NULL, O_SUP_TOKEN },
		{ "pid", required_argument, NULL, O_PID },
		{ "out", required_argument, NULL, O_OUT },
		{ "label", required_argument, NULL, O_LABEL },
		{ "quick", no_argument, NULL, O_QUICK },
		{ "agents", required_argument, NULL, O_AGENTS },
		{ "small", required_argument, NULL, O_SMALL },
		{ "idle", required_argument, NULL, O_IDLE },
		{ "idle-max", required_argument, NULL, O_IDLE_MAX },
		{ "secs", required_argument, NULL, O_SECS },
		{ "warmup", required_argument, NULL, O_WARMUP },
		{ "rate", required_argument, NULL, O_RATE },
		{ "reload-rate", required_argument, NULL, O_RELOAD_RATE },
		{ "hup-ms", required_argument, NULL, O_HUP_MS },
		{ "subscribe", required_argument, NULL, O_SUBSCRIBE },
		{ "chats", required_argument, NULL, O_CHATS },
		{ "src-ips", required_argument, NULL, O_SRC_IPS },
		{ "phases", required_argument, NULL, O_PHASES },
		{ "http", required_argument, NULL, O_HTTP },
		{ "runs", required_argument, NULL, O_RUNS },
		{ "retries", required_argument, NULL, O_RETRIES },
		{ "repeats", required_argument, NULL, O_REPEATS },
		{ "quiet-cpu", required_argument, NULL, O_QUIET },
		{ "startup", required_argument, NULL, O_STARTUP },
		{ "cold", no_argument, NULL, O_COLD },
		{ "free-port", no_argument, NULL, O_FREE_PORT },
		{ "report", no_argument, NULL, O_REPORT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct bench b, ceil;
	struct plan p = plan_full, set = { 0 };
	const char *url = NULL, *out = NULL, *ceil_url = NULL, *ceil_out = NULL, *http = NULL;
	int runs = 3;
	int o, quick = 0, startup = 0, cold = 0, rc;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--report"))
			return report_main(argc, argv);
	b.label = "target";
	b.target.src_ips = 1;
	snprintf(b.target.protocol, sizeof(b.target.protocol), "vegvisar.v1");
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case O_URL: url = optarg; break;
		case O_CEIL_URL: ceil_url = optarg; break;
		case O_CEIL_PID: ceil.pid = atoi(optarg); break;
		case O_CEIL_OUT: ceil_out = optarg; break;
		case O_ECHO: b.echo = 1; break;
		case O_TOKEN: b.token = optarg; break;
		case O_SUP_TOKEN: b.sup_token = optarg; break;
		case O_PID: b.pid = atoi(optarg); break;
		case O_OUT: out = optarg; break;
		case O_LABEL: b.label = optarg; break;
		case O_QUICK: quick = 1; break;
		case O_AGENTS: set.agents = (unsigned)atoi(optarg); break;
		case O_SMALL: set.small = (unsigned)atoi(optarg); break;
		case O_IDLE: set.idle = (unsigned)atoi(optarg); break;
		case O_IDLE_MAX: set.idle_max = (unsigned)atoi(optarg); break;
		case O_SECS: set.secs = atof(optarg); break;
		case O_WARMUP: set.warmup = atof(optarg); break;
		case O_RATE: set.rate = atof(optarg); break;
		case O_RELOAD_RATE: set.reload_rate = atof(optarg); break;
		case O_HUP_MS: set.hup_ms = atof(optarg); break;
		case O_SUBSCRIBE: set.supervisors = (unsigned)atoi(optarg); break;
		case O_CHATS: set.chats = (unsigned)atoi(optarg); break;
		case O_SRC_IPS: b.target.src_ips = (unsigned)atoi(optarg); break;
		case O_PHASES: set.only = optarg; break;
		case O_HTTP: http = optarg; break;
		case O_RUNS: runs = atoi(optarg); break;
		case O_RETRIES: set.retries = (unsigned)atoi(optarg); set.retries_set = 1; break;
		case O_QUIET: set.quiet_cpu = atof(optarg); break;
		case O_REPEATS: set.repeats = (unsigned)atoi(optarg); break;
		case O_STARTUP: startup = atoi(optarg); break;
		case O_COLD: cold = 1; break;
		case O_FREE_PORT: return free_port();
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (quick)
		p = plan_quick;
#define TAKE(f) if (set.f) p.f = set.f
	TAKE(agents); TAKE(small); TAKE(idle); TAKE(idle_max); TAKE(supervisors); TAKE(chats);
	TAKE(secs); TAKE(warmup); TAKE(rate); TAKE(reload_rate); TAKE(hup_ms); TAKE(only);
	TAKE(quiet_cpu); TAKE(repeats);
	if (p.repeats < 1 || p.repeats > 16) {
		fprintf(stderr, "vv-load: --repeats must be 1 to 16\n");
		return 2;
	}
	if (set.retries_set)
		p.retries = set.retries;
#undef TAKE
	if (p.idle_max < p.idle)
		p.idle_max = p.idle;
	if (out && !(b.out = fopen(out, "a"))) {
		fprintf(stderr, "vv-load: %s: %s\n", out, strerror(errno));
		return 1;
	}
	if (http) {
		rc = http_main(&b, http, runs, "report");
		goto done;
	}
	if (startup) {
		if (optind >= argc) {
			usage(stderr);
			return 2;
		}
		rc = startup_main(&b, startup, cold, cold ? "startup-cold" : "startup", argv + optind);
		goto done;
	}
	if (!b.sup_token)
		b.sup_token = b.token;
	if (!url || wsc_parse_url(&b.target, url) || (!b.echo && !b.token)) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit(2 * p.agents + p.idle_max + p.supervisors + 4 * p.chats + 64);
	if (bench_init(&b)) {
		fprintf(stderr, "vv-load: %s\n", strerror(errno));
		return 1;
	}
	if (ceil_url) {
		/* The ceiling: the echo server, run phase by phase before the target. */
		ceil.target = b.target;
		ceil.echo = 1;
		ceil.label = "ceiling";
		if (wsc_parse_url(&ceil.target, ceil_url) || bench_init(&ceil)) {
			usage(stderr);
			return 2;
		}
		if (ceil_out && !(ceil.out = fopen(ceil_out, "a"))) {
			fprintf(stderr, "vv-load: %s: %s\n", ceil_out, strerror(errno));
			return 1;
		}
	}
	rc = plan_run(ceil_url ? &ceil : NULL, &b, &p) ? 1 : 0;
	bench_close_all(&b);
	wsc_loop_free(&b.loop);
	if (ceil_url) {
		bench_close_all(&ceil);
		wsc_loop_free(&ceil.loop);
		if (ceil.out)
			fclose(ceil.out);
	}
done:
	if (b.out)
		fclose(b.out);
	return rc;
}
