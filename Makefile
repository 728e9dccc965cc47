# The two commands of the README: `make run` and `make test`. Everything else is a helper.
#   make test SAN=address,undefined   sanitizer build in build-asan/
#   make test SAN=thread              ThreadSanitizer build in build-tsan/ (runtime tests)
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
  CTEST_ARGS += -L runtime
else
  BUILD_DIR ?= build-asan
endif

.PHONY: all bootstrap configure build run test fuzz clean

all: build

bootstrap:
	@scripts/bootstrap

configure: bootstrap
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DOMS_SANITIZE=$(SAN) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	@$(BUILD_DIR)/bin/oms demo

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS) $(CTEST_ARGS)

# Builds only the fuzz targets and the pure libraries they link; fails if any target crashes.
fuzz:
	@scripts/bootstrap fuzz
	@CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DOMS_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j$(JOBS) --target fuzz_targets
	@tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

clean:
	rm -rf build build-asan build-tsan build-cov build-fuzz
