# opentrail — top-level entry points. `make run` and `make test` are the README's two commands.
#
#   make build          release build (RelWithDebInfo) in ./build: server, unit tests, benchmarks
#   make run            builds only the server (release, ./build), quietly; prints the lines that
#                       point the AWS CLI at it; runs it with SERVE_ARGS
#   make test           debug build under ASan + UBSan in ./build-asan; runs every unit and
#                       end-to-end test (fails if the e2e tools are missing, saying what to
#                       install), says how many e2e tests ran, then each fuzz target for 10 s
#   make test-release   the same unit and end-to-end tests against the release build in ./build
#   make install        release build, then installs into $(DESTDIR)$(PREFIX) (docs/install.md)
#   make deb            a Debian package, built in ./build-deb (docs/install.md)
#   make fuzz           each fuzz target for FUZZ_SECONDS (docs/fuzzing.md)
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
DEB_BUILD  ?= build-deb
FUZZ_SECONDS ?= 300
FUZZ_TEST_SECONDS ?= 10
FUZZ_TARGETS ?= $(notdir $(basename $(wildcard tests/fuzz/fuzz_*.c)))
JOBS       ?= $(shell nproc)
SERVE_ARGS ?=
PREFIX     ?= /usr/local
DESTDIR    ?=

# Runs a command with its output held back; shows it only if the command fails.
quietly = out=$$($(1) 2>&1) || { printf '%s\n' "$$out" >&2; exit 1; }

.PHONY: all deps build run install deb test test-release test-fuzz fuzz-build fuzz clean

all: build

deps:
	@scripts/install-deps.sh

# OT_REQUIRE_E2E: only the test targets need the Python tools (scripts/find-python.sh).
RELEASE_CONFIG = -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOT_REQUIRE_E2E=OFF

build: deps
	@cmake -S . -B $(BUILD) $(RELEASE_CONFIG) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: deps
	@$(call quietly,cmake -S . -B $(BUILD) $(RELEASE_CONFIG))
	@$(call quietly,cmake --build $(BUILD) --target opentrail -j $(JOBS))
	@scripts/run-hint.sh $(SERVE_ARGS)
	@exec $(BUILD)/opentrail serve $(SERVE_ARGS)

# The prefix is written into the unit at configure time, so it is set here, not at install.
install: deps
	@cmake -S . -B $(BUILD) $(RELEASE_CONFIG) -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build $(BUILD) --target installable -j $(JOBS)
	@DESTDIR="$(if $(DESTDIR),$(abspath $(DESTDIR)))" cmake --install $(BUILD)

deb: deps
	@packaging/build-deb.sh $(DEB_BUILD) $(JOBS)

test: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DOT_SANITIZE=ON -DOT_REQUIRE_E2E=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    ctest --output-on-failure -j $(JOBS); rc=$$?; $(CURDIR)/scripts/e2e-summary.sh .; exit $$rc
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

test-release: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOT_REQUIRE_E2E=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS); rc=$$?; $(CURDIR)/scripts/e2e-summary.sh .; exit $$rc

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(DEB_BUILD)
