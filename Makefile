# hookd - webhook delivery over Berkeley DB.  Plain GNU make.
#
#   make                 build cgi/hookd.fcgi and sender/hookd-send
#   make check           dependency step, lint, build, every test
#   make check-asan      the same under ASan + UBSan (objects in build-asan/)
#   make check-tsan      ThreadSanitizer over the threaded tests (build-tsan/)
#   make run             the quick start: lighttpd on 127.0.0.1:8080 + sender
#   make bench           benchmarks (bench/)
#   make install         honours PREFIX and DESTDIR
#   make deb             the Debian package into dist/ (debian/, mk/deb.sh)

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/lib/hookd
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
PYTHON ?= /usr/bin/python3

# O is where objects and programs go: "." for the normal build, build-asan
# (build-tsan) for the sanitizer builds, so they never mix.
O ?= .

PKGS = json-c libcurl libssl libcrypto fcgi libpcre2-8
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -ljson-c -lcurl -lssl -lcrypto -lfcgi -lpcre2-8)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)

WARN = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ifdef WERROR
WARN += -Werror
endif
ifdef SAN
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
ifdef TSAN
SANFLAGS = -fsanitize=thread -fno-omit-frame-pointer
endif
ifdef FUZZ
SANFLAGS = -fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
# User CFLAGS come last: they add to ours and may override -O2.
override CFLAGS := -std=gnu11 -O2 -g $(WARN) $(SANFLAGS) -D_GNU_SOURCE \
	-I. $(PKG_CFLAGS) $(CFLAGS)
override LDFLAGS := $(SANFLAGS) $(LDFLAGS)
LIBS = -ldb-5.3 $(PKG_LIBS) -lm

LIB_SRC := $(wildcard lib/*.c) $(wildcard db/*.c)
CGI_SRC := $(filter-out cgi/main.c,$(wildcard cgi/*.c))
SEND_SRC := $(filter-out sender/main.c,$(wildcard sender/*.c))
REPL_SRC := $(filter-out repl/main.c,$(wildcard repl/*.c))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
BENCH_SRC := $(wildcard bench/*.c)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

# Files built into the programs (mk/embed.sh -> $(O)/gen/*.c, lib/embed.h):
# the built-in event schemas and the pages' templates and CSS (www/).
# Nothing is read from the source tree at run time.
SCHEMA_FILES := $(sort $(wildcard schemas/*.json))
WWW_FILES := $(sort $(wildcard www/*.html www/*.css))
GEN_OBJ := $(O)/gen/schemas.o $(O)/gen/www.o

LIB_OBJ := $(LIB_SRC:%.c=$(O)/%.o) $(GEN_OBJ)
CGI_OBJ := $(CGI_SRC:%.c=$(O)/%.o)
SEND_OBJ := $(SEND_SRC:%.c=$(O)/%.o)
REPL_OBJ := $(REPL_SRC:%.c=$(O)/%.o)
UNIT_BIN := $(UNIT_SRC:%.c=$(O)/%)
BENCH_BIN := $(BENCH_SRC:%.c=$(O)/%)
FUZZ_BIN := $(FUZZ_SRC:%.c=$(O)/%)

FCGI := $(O)/cgi/hookd.fcgi
SEND := $(O)/sender/hookd-send
REPL := $(O)/repl/hookd-repl
PROGS := $(FCGI) $(SEND) $(REPL)

all: $(PROGS)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(O)/gen/schemas.c: mk/embed.sh schemas $(SCHEMA_FILES)
	@mkdir -p $(dir $@)
	sh mk/embed.sh embed_schemas $@ $(SCHEMA_FILES)
$(O)/gen/www.c: mk/embed.sh www $(WWW_FILES)
	@mkdir -p $(dir $@)
	sh mk/embed.sh embed_www $@ $(WWW_FILES)
$(O)/gen/%.o: $(O)/gen/%.c lib/embed.h
	$(CC) $(CFLAGS) -c -o $@ $<

$(O)/libhookd.a: $(LIB_OBJ)
	rm -f $@ && $(AR) rcs $@ $^
$(O)/libcgi.a: $(CGI_OBJ)
	rm -f $@ && $(AR) rcs $@ $^
$(O)/libsend.a: $(SEND_OBJ)
	rm -f $@ && $(AR) rcs $@ $^
$(O)/librepl.a: $(REPL_OBJ)
	rm -f $@ && $(AR) rcs $@ $^

$(FCGI): $(O)/cgi/main.o $(O)/libcgi.a $(O)/libhookd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(SEND): $(O)/sender/main.o $(O)/libsend.a $(O)/libhookd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(REPL): $(O)/repl/main.o $(REPL_OBJ) $(O)/libhookd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Unit tests: every tests/unit/test_*.c is one Check program, found by name.
$(O)/tests/unit/%: $(O)/tests/unit/%.o $(O)/libcgi.a $(O)/libsend.a $(O)/librepl.a $(O)/libhookd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(CHECK_LIBS)
$(O)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -MMD -MP -c -o $@ $<

$(O)/bench/%: $(O)/bench/%.o $(O)/libcgi.a $(O)/libsend.a $(O)/libhookd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Fuzzers: clang + libFuzzer, objects in build-fuzz/.  FUZZ_SECONDS each.
FUZZ_SECONDS ?= 30
$(O)/tests/fuzz/fuzz_%: $(O)/tests/fuzz/fuzz_%.o $(O)/libcgi.a $(O)/libsend.a $(O)/libhookd.a
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS)

# The differential fuzzer holds lib/jsontext.o and Jansson only: Jansson and
# json-c export functions of the same names, so it must not link json-c.
$(O)/tests/fuzz/fuzz_jsondiff: $(O)/tests/fuzz/fuzz_jsondiff.o $(O)/lib/jsontext.o
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ -ljansson

fuzz:
	$(MAKE) O=build-fuzz CC=clang FUZZ=1 fuzz-run

fuzz-run: $(FUZZ_BIN)
	@set -e; for f in $(FUZZ_BIN); do n=$${f##*/fuzz_}; \
	  case $$n in jsontext|jsondiff|request) dict=-dict=tests/fuzz/json.dict;; *) dict=;; esac; \
	  mkdir -p tests/fuzz/corpus/$$n $(O)/corpus/$$n; echo "== $$f ($(FUZZ_SECONDS) s)"; \
	  ASAN_OPTIONS=detect_leaks=1 $$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=$(O)/ $$dict \
	    $(O)/corpus/$$n tests/fuzz/corpus/$$n; done

deps:
	@sh mk/deps.sh

check: deps
	$(MAKE) lint unit integration

# Static checks: banned calls, cppcheck, clang-tidy (mk/lint.sh).
lint:
	@sh mk/lint.sh

unit: $(PROGS) $(UNIT_BIN)
	@fail=""; for t in $(UNIT_BIN); do echo "== $$t"; \
	  CK_DEFAULT_TIMEOUT=120 $$t || fail="$$fail $$t"; done; \
	  if [ -n "$$fail" ]; then echo "FAILED:$$fail"; exit 1; fi

integration: $(PROGS) $(BENCH_BIN)
	HOOKD_FCGI=$(abspath $(FCGI)) HOOKD_SEND=$(abspath $(SEND)) HOOKD_REPL=$(abspath $(REPL)) \
	HOOKD_BUILD=$(abspath $(O)) \
	$(PYTHON) -m unittest discover -s tests/integration -t tests/integration -v $(TESTFLAGS)

check-asan: deps
	$(MAKE) O=build-asan SAN=1 unit integration \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan-libdb.supp:print_suppressions=0

# ThreadSanitizer over the unit tests and the integration tests whose
# programs run threads (group commit, batch, intake, sender, faults,
# operational events, hookd-repl's key check); not in CI (time).  Reports go to build-tsan/reports/
# (hookd.fcgi's would otherwise vanish into lighttpd's stderr) and any
# report fails the target.  tests/tsan.supp: Berkeley DB's own locks.
TSAN_TESTS ?= -k 'test_group_commit*' -k 'test_api_batch*' -k 'test_api_intake*' \
	-k 'test_send*' -k 'test_fault*' -k 'test_opev*' -k 'test_repl_keycheck*'
check-tsan: deps
	rm -rf build-tsan/reports && mkdir -p build-tsan/reports
	$(MAKE) O=build-tsan TSAN=1 unit integration TESTFLAGS="$(TSAN_TESTS)" \
		TSAN_OPTIONS='halt_on_error=0 exitcode=66 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp log_path=$(CURDIR)/build-tsan/reports/tsan'; \
	rc=$$?; if ls build-tsan/reports | grep -q .; then \
	  grep -h -A3 '^WARNING\|^SUMMARY' build-tsan/reports/*; \
	  echo "ThreadSanitizer reports in build-tsan/reports/"; exit 1; fi; exit $$rc

# Valgrind memcheck over hookd.fcgi behind lighttpd and hookd-send --once
# (tests/valgrind.sh; sizes: HOOKD_VG_REQUESTS, HOOKD_VG_DELIVERIES).
check-valgrind: $(PROGS)
	HOOKD_FCGI=$(abspath $(FCGI)) HOOKD_SEND=$(abspath $(SEND)) HOOKD_BUILD=$(abspath $(O)) \
	PYTHON=$(PYTHON) sh tests/valgrind.sh

run: deps all
	@sh mk/run.sh

bench: deps all $(BENCH_BIN)
	@sh bench/run.sh

deb:
	@sh mk/deb.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(SEND) $(DESTDIR)$(BINDIR)/hookd-send
	install -m 755 $(REPL) $(DESTDIR)$(BINDIR)/hookd-repl
	install -m 755 $(FCGI) $(DESTDIR)$(LIBEXECDIR)/hookd.fcgi
	install -m 644 docs/man/hookd-send.8 docs/man/hookd.fcgi.8 docs/man/hookd-repl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 docs/man/hookd.conf.5 $(DESTDIR)$(MANDIR)/man5/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/hookd-send $(DESTDIR)$(BINDIR)/hookd-repl $(DESTDIR)$(LIBEXECDIR)/hookd.fcgi
	rm -f $(DESTDIR)$(MANDIR)/man8/hookd-send.8 $(DESTDIR)$(MANDIR)/man8/hookd.fcgi.8 $(DESTDIR)$(MANDIR)/man8/hookd-repl.8
	rm -f $(DESTDIR)$(MANDIR)/man5/hookd.conf.5
	-rmdir $(DESTDIR)$(LIBEXECDIR)

clean:
	rm -rf build-asan build-tsan build-fuzz gen dist
	rm -f $(PROGS) */*.o */*.d tests/unit/*.o tests/unit/*.d *.a $(UNIT_BIN) $(BENCH_BIN)

.PHONY: all deb deps check lint unit integration check-asan check-tsan check-valgrind fuzz fuzz-run run bench install uninstall clean
.SECONDARY:

-include $(shell find $(O) -name '*.d' -not -path './build-asan/*' -not -path './build-tsan/*' -not -path './build-fuzz/*' 2>/dev/null)
