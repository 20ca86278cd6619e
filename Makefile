# Front-end for newcomers and CI. The real build is CMake (see CMakePresets.json).
MAKEFLAGS += --no-print-directory
JOBS ?= $(shell nproc)
DATA ?= ./nucleus-data
LISTEN ?= 127.0.0.1:8080

.PHONY: deps build run test dev-test tsan-test fuzz bench tidy clean

deps:
	@bash scripts/deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

run: build
	@bash scripts/run.sh "$(DATA)" "$(LISTEN)"

test: build
	@cd build && ctest --output-on-failure -j $(JOBS)

dev-test: deps
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev -j $(JOBS)
	@cd build-dev && ctest --output-on-failure -j $(JOBS)

tsan-test: deps
	@cmake --preset tsan >/dev/null
	@cmake --build --preset tsan -j $(JOBS)
	@cd build-tsan && ctest --output-on-failure -j $(JOBS) -L tsan

# libFuzzer targets of tests/fuzz (clang, ASan+UBSan, own build dir build-fuzz): builds them,
# then runs each for FUZZ_SECONDS on a scratch copy of its seed corpus (tests/fuzz/corpus/<name>,
# left unchanged). A crash stops with the reproducer in build-fuzz/findings/<name>/.
FUZZ_SECONDS ?= 60
fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS) --target fuzz_all
	@bash scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS)

bench: build
	@bash scripts/bench.sh

# clang-tidy (.clang-tidy) over src/, each file with its layer's flags; needs only a configured
# build (compile_commands.json), not a built one. Not part of `make test`.
tidy:
	@bash scripts/deps.sh clang-tidy
	@cmake --preset release >/dev/null
	@bash scripts/tidy.sh build $(JOBS)

clean:
	rm -rf build build-dev build-tsan build-fuzz
