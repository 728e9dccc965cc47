# The two commands of the README: `make run` and `make test`. Everything else is a helper.
#   make test SAN=address,undefined   sanitizer build in build-asan/
#   make test SAN=thread              ThreadSanitizer build in build-tsan/ (runtime, shutdown, control tests)
#   make fuzz FUZZ_SECONDS=60         libFuzzer targets (clang) in build-fuzz/, each run that long
SAN ?=
JOBS ?= 2
BUILD_TYPE ?= RelWithDebInfo
CTEST_ARGS ?=
FUZZ_SECONDS ?= 60

ifeq ($(SAN),)
  BUILD_DIR ?= build
else ifeq ($(SAN),thread)
  BUILD_DIR ?= build-tsan
  CTEST_ARGS += -L 'runtime|control'
  # Only what those labels run (the actors on 2 threads; the control server on its own thread
  # with clients on others): keeps CI short.
  BUILD_TARGETS ?= --target runtime_tests runtime_stress_tests control_tests
  export TSAN_OPTIONS := suppressions=$(CURDIR)/tests/tsan.supp $(TSAN_OPTIONS)  # a libstdc++ 12 internal, see the file
else
  BUILD_DIR ?= build-asan
endif

.PHONY: all bootstrap configure build run test coverage fuzz bench clean

all: build

bootstrap:
	@scripts/bootstrap

configure: bootstrap
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DOMS_SANITIZE=$(SAN) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS) $(BUILD_TARGETS)

# `make run` builds only the demo's binary (oms, which hosts rh-sim in-process): the first result
# comes without the test suites; `make test` builds the rest.
run: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS) --target oms
	@$(BUILD_DIR)/bin/oms demo

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS) $(CTEST_ARGS)

# make soak N=10000: the reliability soak (tests/reliability/soak.test.cpp) with N operations under
# a random fault plan; `make test` runs it with the default N=500 through ctest.
N ?= 500
.PHONY: soak
soak: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS) --target reliability_tests
	@OMS_SOAK_N=$(N) $(BUILD_DIR)/bin/reliability_tests --test-case='soak:*'

# make coverage: the product's own test suites (unit, runtime, gateway, integration — not rh-sim's
# sim_tests, which test the simulator) on a clang --coverage build in build-cov/, an HTML report
# of the product (actors, config, gateway, messages, runtime) in build-cov/coverage/, line
# coverage per part and of the actors that do the I/O (Submitter, Canceller, StatusPoller,
# OrderManager, recovery, …). Two floors: the pure core (the I/O shells excluded) must reach
# COV_MIN percent, the whole product COV_PRODUCT_MIN percent.
# Clang, not GCC: GCC 12's gcov records no line of a coroutine body, and the actors are mostly
# coroutines (their bodies were silently missing from the figures). Clang's gcov-format counters
# are read with llvm-cov gcov (scripts/llvm-gcov).
COV_MIN ?= 90
COV_PRODUCT_MIN ?= 90
COV_TESTS = unit_tests runtime_tests gateway_unit_tests integration_tests
# ctest names of those suites (their TEST_PREFIX): other suites are not built here.
COV_SUITES = '^(unit|runtime|gateway|integration):'
COV_PARTS = messages config actors gateway runtime
COV_PRODUCT = $(foreach part,$(COV_PARTS),'$(CURDIR)/$(part)/*')
COV_CORE = '$(CURDIR)/messages/*' '$(CURDIR)/config/*' '$(CURDIR)/actors/pricing.*' \
  '$(CURDIR)/actors/order_state.*' '$(CURDIR)/actors/safety_state.*' '$(CURDIR)/actors/journal_file.*' \
  '$(CURDIR)/gateway/*'
COV_IO = '$(CURDIR)/gateway/gateway.cpp' '$(CURDIR)/gateway/connection_pool.cpp'
COV_ACTORS = submitter canceller status_poller order_manager recovery journal safety_ledger cache_invalidator \
  trading_bot
LCOV = lcov --quiet --rc lcov_branch_coverage=0 --ignore-errors gcov,source,graph --gcov-tool $(CURDIR)/scripts/llvm-gcov
COV_CXX = clang++-14
# "hit total" of an lcov tracefile's lines.
cov_lines = awk -F: '/^LF:/ {t += $$2} /^LH:/ {h += $$2} END {print h + 0, t + 0}' $(1)
# One report line: name, percent, hit of total (and the minimum when given).
cov_print = awk -v p="$(1)" -v min="$(2)" '{ pct = $$2 ? 100 * $$1 / $$2 : 0; \
  printf "  %-18s %6.1f %% (%d of %d lines)%s\n", p, pct, $$1, $$2, min == "" ? "" : ", minimum " min " %"; \
  exit (min != "" && pct < min) }'

coverage:
	@scripts/bootstrap coverage
	@# A build-cov/ configured with another compiler is started afresh (CMake keeps the first).
	@grep -qs 'CMAKE_CXX_COMPILER:.*$(COV_CXX)' build-cov/CMakeCache.txt || rm -rf build-cov
	@CC=clang-14 CXX=$(COV_CXX) cmake -S . -B build-cov -DCMAKE_BUILD_TYPE=Debug -DOMS_COVERAGE=ON -DOMS_SANITIZE= >/dev/null
	@# Counters zeroed before the build too: test discovery runs the new binaries against old data.
	@$(LCOV) --zerocounters --directory build-cov
	@# Without ccache: a cached object compiled in another checkout (the shared cache's base_dir
	@# makes paths relative) carries a .gcno whose source paths gcov resolves wrongly, and lcov
	@# then drops those files (all of config/, messages/, the pure actors) from the report.
	@CCACHE_DISABLE=1 cmake --build build-cov -j$(JOBS) --target $(COV_TESTS)
	@$(LCOV) --zerocounters --directory build-cov
	@cd build-cov && ctest --output-on-failure -j$(JOBS) -R $(COV_SUITES)
	@# Debian's geninfo 1.16 warns about its own duplicate subroutines: keep its chatter for failures.
	@$(LCOV) --capture --no-external --base-directory $(CURDIR) --directory build-cov \
	  --output-file build-cov/all.info 2>build-cov/capture.log || { cat build-cov/capture.log; exit 1; }
	@# The product only: not the tests, not rh-sim (hosted in the integration tests), not apps/.
	@$(LCOV) --extract build-cov/all.info $(COV_PRODUCT) --output-file build-cov/product.info
	@genhtml --quiet --rc lcov_branch_coverage=0 --prefix $(CURDIR) --title oms \
	  --output-directory build-cov/coverage build-cov/product.info
	@$(LCOV) --extract build-cov/product.info $(COV_CORE) --output-file build-cov/core.info
	@$(LCOV) --remove build-cov/core.info $(COV_IO) --output-file build-cov/core.info
	@echo "line coverage of the product from its own tests (HTML: build-cov/coverage/index.html):"
	@for part in $(COV_PARTS); do \
	  $(LCOV) --extract build-cov/product.info '$(CURDIR)/'$$part'/*' --output-file build-cov/$$part.info; \
	  $(call cov_lines,build-cov/$$part.info) | $(call cov_print,$$part,); \
	done
	@echo "the actors that do the I/O:"
	@for actor in $(COV_ACTORS); do \
	  $(LCOV) --extract build-cov/product.info '$(CURDIR)/actors/'$$actor'.*' --output-file build-cov/actor.info; \
	  $(call cov_lines,build-cov/actor.info) | $(call cov_print,$$actor,); \
	done
	@$(call cov_lines,build-cov/product.info) | $(call cov_print,product,$(COV_PRODUCT_MIN))
	@$(call cov_lines,build-cov/core.info) | $(call cov_print,core (pure),$(COV_MIN))

# Builds only the fuzz targets and the pure libraries they link; fails if any target crashes.
fuzz:
	@scripts/bootstrap fuzz
	@CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DOMS_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j$(JOBS) --target fuzz_targets
	@tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

# make bench: the benchmarks of issue 7 (bench/), built in build-bench/ (Release) and run against
# rh-sim; results, tables and plots go to bench/results/ and the README's table is updated.
# BENCH_QUICK=1: a short run whose results go to build-bench/bench-quick/ instead.
BENCH_QUICK ?=
BENCH_OUT = $(if $(BENCH_QUICK),build-bench/bench-quick,bench/results)

bench: bootstrap
	@cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build-bench -j$(JOBS) --target oms-bench oms-bench-render bench_tests
	@build-bench/bin/bench_tests --minimal
	@build-bench/bin/oms-bench $(if $(BENCH_QUICK),--quick) --out $(BENCH_OUT)/results.json \
	  --work-dir build-bench/bench-work --commit "$$(git rev-parse --short HEAD 2>/dev/null)"
	@build-bench/bin/oms-bench-render $(BENCH_OUT)/results.json $(BENCH_OUT) $(if $(BENCH_QUICK),,--readme README.md)

clean:
	rm -rf build build-asan build-tsan build-cov build-fuzz build-bench
