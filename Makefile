# Vegvisar - vegvisard, its tests and its install. See README.md.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
SBINDIR = $(PREFIX)/sbin
DATADIR = $(PREFIX)/share/vegvisar
MANDIR = $(PREFIX)/share/man
UNITDIR ?= /lib/systemd/system

CC ?= cc
PKGS = libwebsockets jansson sqlite3 libcurl libsystemd libcrypto
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	  -Wmissing-prototypes $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lev -lpthread -lm -lstemmer

# make SANITIZE=address,undefined builds everything with sanitizers into build-san/.
ifneq ($(SANITIZE),)
CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
BUILD ?= build-san
endif
BUILD ?= build

VERSION = $(shell cat VERSION)
CFLAGS += -DVV_VERSION='"$(VERSION)"'

# The daemon's folders, lowest layer first (docs/architecture.md): a file may
# include headers of its own layer and those before it (make check-layers).
LAYERS = base conf triage desk store app ws net api
SRC_DIRS = $(addprefix daemon/,$(LAYERS)) daemon
HDRS = $(wildcard $(addsuffix /*.h,$(SRC_DIRS)))
INCLUDES = -iquote daemon
CFLAGS += $(INCLUDES)
vpath %.c $(SRC_DIRS)
SRCS = $(wildcard $(addsuffix /*.c,$(SRC_DIRS)))
OBJS = $(addprefix $(BUILD)/,$(notdir $(SRCS:.c=.o)))
LIB_OBJS = $(filter-out $(BUILD)/main.o,$(OBJS))

# Each unit test links only the modules it tests.
UNIT_TESTS = done $(RULES_TESTS) words $(STORE_TESTS) $(SCRUB_TESTS) crypto conf proto jparse $(SEARCH_TESTS) $(REPORT_TESTS) stats handoff hours chat handle
# The rules' tests: one binary per concern, sharing tests/unit/triage/rules_fixture.c.
RULES_TESTS = rules_load rules_invalid rules_dest rules_check rules_walk rules_steps rules_props
RULES_OBJS = rules rules_barriers survey rules_json rules_tree rules_dest rules_check words words_build words_text triage triage_engine jbuf log util names
$(foreach t,$(RULES_TESTS),$(eval TEST_$(t)_OBJS = $(RULES_OBJS)))
$(foreach t,$(RULES_TESTS),$(eval TEST_$(t)_SRCS = tests/unit/triage/rules_fixture.c))
TEST_done_OBJS = done
TEST_words_OBJS = words words_build words_text
# The store's tests share tests/unit/store/store_fixture.c, and with the
# report's and the statistics' tests the collected completions (results.c).
STORE_TESTS = store_open store_write store_faults store_schema
$(foreach t,$(STORE_TESTS),$(eval TEST_$(t)_OBJS = store store_writer store_retention store_schema store_watch correct survey log util names done))
$(foreach t,$(STORE_TESTS),$(eval TEST_$(t)_SRCS = tests/unit/store/store_fixture.c tests/unit/store/results.c))
# The scrubber's tests share tests/unit/base/scrub_fixture.c.
SCRUB_TESTS = scrub_recall scrub_false_pos scrub_cases
$(foreach t,$(SCRUB_TESTS),$(eval TEST_$(t)_OBJS = scrub scrub_email scrub_words util names))
$(foreach t,$(SCRUB_TESTS),$(eval TEST_$(t)_SRCS = tests/unit/base/scrub_fixture.c))
TEST_crypto_OBJS = crypto util names
TEST_conf_OBJS = conf conf_peers conf_bounds conf_periods hours log crypto limits util names
TEST_proto_OBJS = proto jparse jparse_lex log util names
TEST_jparse_OBJS = jparse jparse_lex util names
# The search index's tests share tests/unit/triage/search_fixture.c.
SEARCH_TESTS = search_match search_rank
$(foreach t,$(SEARCH_TESTS),$(eval TEST_$(t)_OBJS = search search_build search_fts $(RULES_OBJS)))
$(foreach t,$(SEARCH_TESTS),$(eval TEST_$(t)_SRCS = tests/unit/triage/search_fixture.c))
# The report's tests share tests/unit/store/report_fixture.c and results.c.
REPORT_TESTS = report_periods report_figures report_export report_notes report_barriers
$(foreach t,$(REPORT_TESTS),$(eval TEST_$(t)_OBJS = report report_print report_cli btab report_export rbuf survey store store_writer store_retention store_schema store_watch conf conf_peers conf_bounds conf_periods hours report_referrals log crypto limits util names done))
$(foreach t,$(REPORT_TESTS),$(eval TEST_$(t)_SRCS = tests/unit/store/report_fixture.c tests/unit/store/results.c))
TEST_stats_OBJS = stats stats_json btab survey store store_writer store_retention store_schema store_watch conf conf_peers conf_bounds conf_periods hours log crypto limits util names done
TEST_stats_SRCS = tests/unit/store/results.c
TEST_handoff_OBJS = handoff survey conf conf_peers conf_bounds conf_periods hours crypto limits log util names
TEST_chat_OBJS = chat
TEST_hours_OBJS = hours conf conf_peers conf_bounds conf_periods crypto limits log util names

.PHONY: all deps run test unit content blackbox browser install clean format check-layers check-size
# The built widget (below); defined before "all" so that it is one of its prerequisites.
WIDGET = clients/widget/widget.js clients/widget/widget.css
all: $(BUILD)/vegvisard $(WIDGET)

# The chat widget is written as ES modules importing clients/shared/; host
# pages load it as one classic script (clients/widget/src/widget.js says why),
# so esbuild (Debian's) bundles it into the file the daemon serves.
clients/widget/widget.js: $(wildcard clients/widget/src/*.js clients/shared/*.js)
	esbuild clients/widget/src/widget.js --bundle --format=iife --target=es2020 \
		--charset=utf8 --log-level=warning --outfile=$@ \
		--banner:js='// widget.js - built by make from clients/widget/src/ and clients/shared/ (esbuild); edit those.'

# Its styles too: widget.css imports the colours every screen shares.
clients/widget/widget.css: clients/widget/src/widget.css clients/shared/colors.css
	esbuild clients/widget/src/widget.css --bundle --charset=utf8 --log-level=warning --outfile=$@

$(BUILD):
	@mkdir -p $(BUILD)

$(BUILD)/%.o: %.c $(HDRS) VERSION | $(BUILD)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/vegvisard: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Each test's objects come from TEST_<name>_OBJS, expanded per target.
.SECONDEXPANSION:
# A test's source is tests/unit/<layer>/test_<name>.c, in the folder of the
# module it tests (tests/README.md); unit.h is shared by all of them. The
# helpers several tests of a folder share (a <concern>_fixture.c there) are
# named in TEST_<name>_SRCS and linked into each of them.
$(BUILD)/test_%: $$(firstword $$(wildcard tests/unit/*/test_$$*.c tests/unit/test_$$*.c)) \
		$$(TEST_$$*_SRCS) $$(wildcard tests/unit/*.h tests/unit/*/*.h) \
		$$(addprefix $(BUILD)/,$$(addsuffix .o,$$(TEST_$$*_OBJS)))
	$(CC) $(CFLAGS) -iquote tests/unit $(LDFLAGS) -o $@ $< $(TEST_$*_SRCS) $(filter %.o,$^) $(LDLIBS) -lcmocka

# The handlers' test links the whole daemon but main.o, and the harness's
# stand-ins for the socket (tests/unit/ws/harness.c, also the fuzzer's).
$(BUILD)/test_handle: tests/unit/ws/test_handle.c tests/unit/ws/harness.c tests/unit/ws/harness.h \
		tests/unit/unit.h $(LIB_OBJS)
	$(CC) $(CFLAGS) -iquote tests/unit -iquote tests/unit/ws $(LDFLAGS) -o $@ \
		tests/unit/ws/test_handle.c tests/unit/ws/harness.c $(LIB_OBJS) $(LDLIBS) -lcmocka

deps:
	@tests/deps.sh

run: deps all
	@mkdir -p var
	$(BUILD)/vegvisard --dev

unit: $(UNIT_TESTS:%=$(BUILD)/test_%)
	@for t in $(UNIT_TESTS); do echo "== unit: $$t"; $(BUILD)/test_$$t || exit 1; done

# The rules' texts as authored: languages, research notes, titles, voices.
content:
	node --test tests/content/

blackbox: all
	VEGVISARD=$(abspath $(BUILD)/vegvisard) node --test --test-concurrency=1 tests/blackbox/

# Browser tests drive Debian's chromium through playwright-core.
browser: all
	VEGVISARD=$(abspath $(BUILD)/vegvisard) node --test --test-concurrency=1 tests/browser/

# Includes only downwards: daemon/<layer>/ may use its own and lower layers.
check-layers:
	@tests/check-layers.sh

# No C file over 600 lines, no function over 60; exceptions in
# tests/size/allowed.txt may only shrink.
check-size:
	@tests/check-size.sh

test: deps all check-layers check-size unit content blackbox browser bench-quick
	@VEGVISARD=$(abspath $(BUILD)/vegvisard) tests/check-systemd.sh

# The load benchmark (tests/bench, docs/performance.md): vv-load drives
# vegvisard and vv-echo, a bare libwebsockets echo server (the ceiling).
BENCH_BIN = $(BUILD)/bench
BENCH_LOAD_SRCS = $(addprefix tests/bench/,load.c plan.c drive.c drive_phase.c chat.c report.c wsc.c stats.c)
.PHONY: bench bench-quick
$(BENCH_BIN)/vv-load: $(BENCH_LOAD_SRCS) $(wildcard tests/bench/*.h)
	@mkdir -p $(BENCH_BIN)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(BENCH_LOAD_SRCS) -lm
$(BENCH_BIN)/vv-echo: tests/bench/echo.c
	@mkdir -p $(BENCH_BIN)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)
bench: all $(BENCH_BIN)/vv-load $(BENCH_BIN)/vv-echo
	VEGVISARD=$(abspath $(BUILD)/vegvisard) BENCH_BIN=$(abspath $(BENCH_BIN)) tests/bench/run.sh
# make test runs this only to keep the benchmark working: no timing is judged.
bench-quick: all $(BENCH_BIN)/vv-load $(BENCH_BIN)/vv-echo
	VEGVISARD=$(abspath $(BUILD)/vegvisard) BENCH_BIN=$(abspath $(BENCH_BIN)) tests/bench/run.sh --quick

# The export benchmark (docs/performance.md, "Export"): a million generated
# contacts, exported as CSV and NDJSON, with time and peak memory.
.PHONY: bench-export
bench-export: all
	VEGVISARD=$(abspath $(BUILD)/vegvisard) tests/bench/export.sh

# libFuzzer harnesses (fuzz/, docs/security.md), built with Debian's clang,
# ASan and UBSan into build-fuzz/ (warnings are the gcc build's to enforce).
# `make fuzz FUZZ_SECONDS=60` runs each for that long from its committed
# seed corpus fuzz/corpus/NAME; new inputs go to build-fuzz/corpus/NAME and
# crashes to build-fuzz/crash-NAME-*.
FUZZ_BUILD = build-fuzz
FUZZ_SECONDS ?= 60
FUZZERS = proto jparse scrub rules handle
FUZZ_CFLAGS = $(filter-out -O% -fsanitize=% -Werror,$(CFLAGS)) -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
# The daemon without main.o, as an archive: a harness links only the modules
# it reaches, and its own stand-ins for the rest (fuzz_handle.c's lws).
FUZZ_LIB_OBJS = $(filter-out $(FUZZ_BUILD)/main.o,$(addprefix $(FUZZ_BUILD)/,$(notdir $(SRCS:.c=.o))))
.PHONY: fuzz fuzz-build
$(FUZZ_BUILD)/%.o: %.c $(HDRS) VERSION
	@mkdir -p $(FUZZ_BUILD)
	clang $(FUZZ_CFLAGS) -c -o $@ $<
$(FUZZ_BUILD)/libvegvisar.a: $(FUZZ_LIB_OBJS)
	rm -f $@
	ar rcs $@ $^
$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_BUILD)/libvegvisar.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/libvegvisar.a $(LDLIBS)
# The handlers' fuzzer runs them through the unit tests' harness.
$(FUZZ_BUILD)/fuzz_handle: fuzz/fuzz_handle.c tests/unit/ws/harness.c tests/unit/ws/harness.h \
		$(FUZZ_BUILD)/libvegvisar.a
	clang $(FUZZ_CFLAGS) -iquote tests/unit/ws -fsanitize=fuzzer -o $@ fuzz/fuzz_handle.c \
		tests/unit/ws/harness.c $(FUZZ_BUILD)/libvegvisar.a $(LDLIBS)
fuzz-build: $(FUZZERS:%=$(FUZZ_BUILD)/fuzz_%)
fuzz: fuzz-build
	@for f in $(FUZZERS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$f; \
		echo "== fuzz: $$f for $(FUZZ_SECONDS) s"; \
		if ! $(FUZZ_BUILD)/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/crash-$$f- \
			-dict=fuzz/$$(case $$f in proto|handle) echo protocol;; *) echo $$f;; esac).dict \
			$(FUZZ_BUILD)/corpus/$$f fuzz/corpus/$$f >$(FUZZ_BUILD)/fuzz-$$f.log 2>&1; then \
			tail -n 60 $(FUZZ_BUILD)/fuzz-$$f.log; exit 1; \
		fi; \
		grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' $(FUZZ_BUILD)/fuzz-$$f.log; \
	done

# The black-box protocol tests against the daemon under valgrind
# (tests/valgrind-vegvisard.sh); every run's report must show 0 errors.
VALGRIND_TESTS ?= tests/blackbox/protocol.test.mjs
.PHONY: valgrind
valgrind: all
	@rm -rf $(BUILD)/valgrind && mkdir -p $(BUILD)/valgrind
	VEGVISARD=$(abspath tests/valgrind-vegvisard.sh) \
		VALGRIND_VEGVISARD=$(abspath $(BUILD)/vegvisard) VALGRIND_LOGS=$(abspath $(BUILD)/valgrind) \
		node --test --test-concurrency=1 $(VALGRIND_TESTS)
	@ok=1; for f in $(BUILD)/valgrind/*.log; do \
		echo "$$f: $$(grep -h 'ERROR SUMMARY' $$f | sed 's/^==[0-9]*== //')"; \
		grep -q 'ERROR SUMMARY: 0 errors' $$f || ok=0; \
	done; [ $$ok = 1 ] || { echo "valgrind: errors above, details in $(BUILD)/valgrind/"; exit 1; }

# The installed binary defaults to the system paths instead of the repository's.
INSTALLED_DEFS = -DVV_DEFAULT_CONF='"/etc/vegvisar/vegvisar.conf"' \
	-DVV_DEFAULT_DB='"/var/lib/vegvisar/vegvisar.db"' \
	-DVV_DEFAULT_RULES='"$(DATADIR)/rules"' -DVV_DEFAULT_WWW='"$(DATADIR)/www"'
$(BUILD)/installed/%.o: %.c $(HDRS) VERSION
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INSTALLED_DEFS) -c -o $@ $<
$(BUILD)/vegvisard-installed: $(BUILD)/installed/main.o $(BUILD)/installed/conf.o \
		$(filter-out $(BUILD)/main.o $(BUILD)/conf.o,$(OBJS))
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

install: $(BUILD)/vegvisard-installed $(WIDGET)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR)/rules/destinations $(DESTDIR)$(DATADIR)/www
	install -m 755 $(BUILD)/vegvisard-installed $(DESTDIR)$(SBINDIR)/vegvisard
	install -m 644 rules/*.json $(DESTDIR)$(DATADIR)/rules/
	install -m 644 rules/destinations/*.json $(DESTDIR)$(DATADIR)/rules/destinations/
	cp -R clients/. $(DESTDIR)$(DATADIR)/www/
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man8
	sed 's|/usr/sbin/vegvisard|$(SBINDIR)/vegvisard|' systemd/vegvisard.service \
		> $(DESTDIR)$(UNITDIR)/vegvisard.service
	install -d $(DESTDIR)$(DATADIR)/doc
	install -m 644 systemd/vegvisar.conf.example $(DESTDIR)$(DATADIR)/doc/vegvisar.conf.example
	install -m 644 systemd/vegvisard.8 $(DESTDIR)$(MANDIR)/man8/vegvisard.8

format:
	clang-format -i $(SRCS) $(HDRS) $(wildcard tests/unit/*.c tests/unit/*/*.c) tests/unit/*.h

clean:
	rm -rf build build-san build-fuzz $(WIDGET)
