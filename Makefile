# Vegvisar - vegvisard, its tests and its install. See README.md.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
SBINDIR = $(PREFIX)/sbin
DATADIR = $(PREFIX)/share/vegvisar
MANDIR = $(PREFIX)/share/man
UNITDIR ?= /lib/systemd/system

CC ?= cc
PKGS = libwebsockets jansson sqlite3 libcurl libsystemd
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	  -Wmissing-prototypes $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lev -lpthread -lm

# make SANITIZE=address,undefined builds everything with sanitizers into build-san/.
ifneq ($(SANITIZE),)
CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
BUILD ?= build-san
endif
BUILD ?= build

VERSION = $(shell cat VERSION)
CFLAGS += -DVV_VERSION='"$(VERSION)"'

SRCS = $(wildcard daemon/*.c)
OBJS = $(SRCS:daemon/%.c=$(BUILD)/%.o)
LIB_OBJS = $(filter-out $(BUILD)/main.o,$(OBJS))

# Each unit test links only the modules it tests.
UNIT_TESTS = rules store scrub crypto conf proto search report
TEST_rules_OBJS = rules triage log
TEST_store_OBJS = store log
TEST_scrub_OBJS = scrub
TEST_crypto_OBJS = crypto
TEST_conf_OBJS = conf log crypto limits
TEST_proto_OBJS = proto log
TEST_search_OBJS = search search_fts rules triage log
TEST_report_OBJS = report report_export store conf log crypto limits

.PHONY: all deps run test unit blackbox browser install clean format
all: $(BUILD)/vegvisard

$(BUILD):
	@mkdir -p $(BUILD)

$(BUILD)/%.o: daemon/%.c $(wildcard daemon/*.h) VERSION | $(BUILD)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/vegvisard: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Each test's objects come from TEST_<name>_OBJS, expanded per target.
.SECONDEXPANSION:
$(BUILD)/test_%: tests/unit/test_%.c tests/unit/unit.h $$(addprefix $(BUILD)/,$$(addsuffix .o,$$(TEST_$$*_OBJS)))
	$(CC) $(CFLAGS) -Idaemon $(LDFLAGS) -o $@ $< $(filter %.o,$^) $(LDLIBS) -lcmocka

deps:
	@tests/deps.sh

run: deps all
	@mkdir -p var
	$(BUILD)/vegvisard --dev

unit: $(UNIT_TESTS:%=$(BUILD)/test_%)
	@for t in $(UNIT_TESTS); do echo "== unit: $$t"; $(BUILD)/test_$$t || exit 1; done

blackbox: all
	VEGVISARD=$(abspath $(BUILD)/vegvisard) node --test --test-concurrency=1 tests/blackbox/

# Browser tests drive Debian's chromium through playwright-core.
browser: all
	VEGVISARD=$(abspath $(BUILD)/vegvisard) node --test --test-concurrency=1 tests/browser/

test: deps all unit blackbox browser bench-quick
	@VEGVISARD=$(abspath $(BUILD)/vegvisard) tests/check-systemd.sh

# The load benchmark (tests/bench, docs/performance.md): vv-load drives
# vegvisard and vv-echo, a bare libwebsockets echo server (the ceiling).
BENCH_BIN = $(BUILD)/bench
BENCH_LOAD_SRCS = $(addprefix tests/bench/,load.c plan.c drive.c report.c wsc.c stats.c)
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

# The installed binary defaults to the system paths instead of the repository's.
INSTALLED_DEFS = -DVV_DEFAULT_CONF='"/etc/vegvisar/vegvisar.conf"' \
	-DVV_DEFAULT_DB='"/var/lib/vegvisar/vegvisar.db"' \
	-DVV_DEFAULT_RULES='"$(DATADIR)/rules"' -DVV_DEFAULT_WWW='"$(DATADIR)/www"'
$(BUILD)/installed/%.o: daemon/%.c $(wildcard daemon/*.h) VERSION
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INSTALLED_DEFS) -c -o $@ $<
$(BUILD)/vegvisard-installed: $(BUILD)/installed/main.o $(BUILD)/installed/conf.o \
		$(filter-out $(BUILD)/main.o $(BUILD)/conf.o,$(OBJS))
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

install: $(BUILD)/vegvisard-installed
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
	clang-format -i daemon/*.c daemon/*.h tests/unit/*.c tests/unit/*.h

clean:
	rm -rf build build-san
