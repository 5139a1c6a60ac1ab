# iod — plain Makefile.
#
#   make run        install what is missing, build, start iodd on 127.0.0.1:8080
#                   (PORT=8081: another port) with the demo dataset in ./var
#   make test       install what is missing, build, run every test, then again
#                   under AddressSanitizer and UndefinedBehaviorSanitizer
#   make bench      benchmarks against the peers (SCALE=iod|plie|metro|national)
#   make SANITIZE=address,undefined   a sanitized build in build/san

CC	?= cc
PKGS	 = libevent libevent_openssl msgpack lmdb yaml-0.1 jansson libsodium openssl \
	   libcurl
PYTHON	 = /usr/bin/python3

SANITIZE ?=
ifeq ($(SANITIZE),)
B	?= build
else
B	?= build/san
SANFLAGS = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

WARN	 = -Wall -Wextra -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
	   -Wshadow -Wpointer-arith -Wcast-qual -Wno-missing-field-initializers
ifeq ($(CI),true)
WARN	+= -Werror
endif
ifneq ($(WERROR),)
WARN	+= -Werror
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS	?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) \
	     -I. $(INCS) $(PKG_CFLAGS) -MMD -MP
LDLIBS	 = $(PKG_LIBS) -lm -pthread
LDFLAGS	+= $(SANFLAGS)

# The layers, each a folder with one header: profiles/ and rules/ at the
# bottom, then matcher/engine, matcher/domain, matcher/daemon; matcher/ctl
# (iodctl) speaks only the public API.  scripts/layers.sh checks the
# direction of the includes and calls.
INCS	 = -Iprofiles -Irules -Imatcher/engine -Imatcher/domain \
	   -Imatcher/daemon -Imatcher/ctl
LIB_SRC	 = $(wildcard profiles/*.c rules/*.c matcher/engine/*.c \
	   matcher/domain/*.c) \
	   $(filter-out matcher/daemon/iodd.c, $(wildcard matcher/daemon/*.c))
LIB_OBJ	 = $(LIB_SRC:%.c=$(B)/%.o)
CTL_SRC	 = $(wildcard matcher/ctl/*.c)
CTL_OBJ	 = $(CTL_SRC:%.c=$(B)/%.o)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)
# The benchmark's programs; match-batch.c is part of bench_match.
BENCH_SRC = bench/bench_match.c bench/gen.c bench/hello.c bench/hload.c
BENCH_BIN = $(BENCH_SRC:bench/%.c=$(B)/bench/%)

.PHONY: all deps deps-test run test check check-unit check-fuzz check-daemon bench \
	bench-quick bench-deps fuzz clean
.DEFAULT_GOAL := all

all: $(B)/iodd $(B)/iodctl $(BENCH_BIN)

# Debian packages the build, the tests and the benchmarks need; installed
# only when missing (pkg-config or the command does not find them).
DEBS_BUILD = libevent-dev liblmdb-dev libmsgpack-dev libyaml-dev \
	     libjansson-dev libcmocka-dev libsodium-dev libssl-dev pkg-config \
	     libcurl4-openssl-dev
DEBS_TEST  = lmdb-utils python3-scipy python3-msgpack python3-icalendar curl \
	     prometheus postgresql python3-psycopg2 python3-yaml openssl \
	     python3-aiosmtpd
# The console's end-to-end tests: Debian's Chromium (French locale for the
# date inputs) driven by playwright-core, pinned in tests/e2e (npm ci).
DEBS_E2E   = chromium chromium-l10n nodejs
# make run needs the build's packages only; make test everything else too.
deps:
	@sh scripts/deps.sh $(DEBS_BUILD)

deps-test: deps
	@sh scripts/deps.sh $(DEBS_TEST) $(DEBS_E2E)
	@$(MAKE) --no-print-directory tests/e2e/node_modules \
	    tests/openapi/node_modules

tests/e2e/node_modules: tests/e2e/package.json tests/e2e/package-lock.json
	cd tests/e2e && npm ci --no-audit --no-fund
	@touch $@

# The OpenAPI document's validator (swagger-parser), pinned in tests/openapi.
tests/openapi/node_modules: tests/openapi/package.json \
    tests/openapi/package-lock.json
	cd tests/openapi && npm ci --no-audit --no-fund
	@touch $@

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The engine's column pass is written for the vectoriser (one binary:
# column_filter is cloned for AVX2 and the base x86-64).
$(B)/matcher/engine/column.o: CFLAGS += -O3

$(B)/libiod.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(B)/iodd: $(B)/matcher/daemon/iodd.o $(B)/libiod.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/iodctl: $(CTL_OBJ) $(B)/libiod.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $(B)/libiod.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(B)/fuzz/%: $(B)/tests/fuzz/%.o $(B)/tests/fuzz/replay.o $(B)/libiod.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/bench/%: $(B)/bench/%.o $(B)/libiod.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/bench/bench_match: $(B)/bench/bench_match.o $(B)/bench/match-batch.o \
    $(B)/libiod.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The demo: a fresh data directory seeded from demo/ on first start, on
# 127.0.0.1:$(PORT).
IOD_BOOTSTRAP_TOKEN ?= demo-admin-token
PORT	?= 8080
run: deps
	$(MAKE) all
	IOD_BOOTSTRAP_TOKEN=$(IOD_BOOTSTRAP_TOKEN) $(B)/iodd --data var \
	    --listen 127.0.0.1:$(PORT) --config etc/iod.yaml --demo demo

test: deps-test
	$(MAKE) check
	$(MAKE) check SANITIZE=address,undefined

check: all $(UNIT_BIN) $(FUZZ_BIN) $(B)/faults/libfaults.so \
    tests/e2e/node_modules tests/openapi/node_modules
	@sh scripts/check.sh $(B)

# The fault shim of tests/daemon/test_faults.py (LD_PRELOAD: a full disk,
# failing fsync); never sanitized, never linked into the daemon.
$(B)/faults/libfaults.so: tests/faults/faults.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -Wextra -shared -fPIC -o $@ $< -ldl

# The peers' packages (bench/peer_pg.py, bench/peer_scipy.py, mdb_stat).
DEBS_BENCH = postgresql python3-psycopg2 python3-yaml python3-scipy \
	     python3-msgpack lmdb-utils
bench-deps:
	@sh scripts/deps.sh $(DEBS_BENCH)

bench: deps bench-deps all
	sh bench/run.sh $(B) $(or $(SCALE),metro)

bench-quick: deps bench-deps all
	sh bench/run.sh $(B) plie

# Coverage-guided fuzzing with libFuzzer (clang): make fuzz T=fuzz_json
fuzz:
	@mkdir -p build/fuzz-lf
	clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
	    -I. $(INCS) $(PKG_CFLAGS) \
	    -o build/fuzz-lf/$(T) tests/fuzz/$(T).c $(LIB_SRC) $(LDLIBS)
	@mkdir -p build/fuzz-lf/$(T).new
	build/fuzz-lf/$(T) -max_total_time=$(or $(SECONDS),60) \
	    build/fuzz-lf/$(T).new tests/fuzz/corpus/$(T:fuzz_%=%)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
