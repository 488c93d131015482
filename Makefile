# opentrail — top-level entry points. `make run` and `make test` are the README's two commands.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 300
FUZZ_TEST_SECONDS ?= 10
FUZZ_TARGETS ?= $(notdir $(basename $(wildcard tests/fuzz/fuzz_*.c)))
JOBS       ?= $(shell nproc)
SERVE_ARGS ?=

.PHONY: all deps build run test test-release test-fuzz fuzz-build fuzz clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/opentrail serve $(SERVE_ARGS)

# Unit and end-to-end tests under AddressSanitizer + UBSan, then each fuzz target for a short while.
test: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DOT_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory test-fuzz

# The libFuzzer build (clang; docs/fuzzing.md). test-fuzz runs every target FUZZ_TEST_SECONDS;
# `make fuzz FUZZ_SECONDS=3600 FUZZ_TARGETS=fuzz_x` runs longer, keeping new inputs in
# $(FUZZ_BUILD)/corpus/<name>/.
fuzz-build: deps
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	    -DCMAKE_BUILD_TYPE=Debug -DOT_FUZZ=ON -DOT_FUZZ_TEST_SECONDS=$(FUZZ_TEST_SECONDS) >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)

test-fuzz: fuzz-build
	@cd $(FUZZ_BUILD) && ctest --output-on-failure -j $(JOBS)

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  scripts/fuzz-run.sh $(FUZZ_BUILD)/$$t tests/fuzz/corpus/$${t#fuzz_} $(FUZZ_SECONDS) \
	    $(FUZZ_BUILD)/corpus/$${t#fuzz_} || exit 1; \
	done

test-release: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
