# Thin wrapper over CMake: `make demo` and `make check` do all the set-up.
BUILD ?= build
SAN_BUILD ?= build-sanitize
TSAN_BUILD ?= build-tsan
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= scenario set profile study frame results qemu
FUZZ_RUNS ?=

.PHONY: fuzz all deps build demo check check-sanitize check-tsan check-notebooks vm-test vm-kernel vm-calibrate bench format clean

all: build

deps:
	sh scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	sh scripts/demo.sh $(BUILD)

# The test kernel of tests/vm is built (or found in its cache) before any
# test runs: it takes both cores for minutes and nothing else should share
# them with it.
check: build vm-kernel
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) check-notebooks
	$(MAKE) check-sanitize
	$(MAKE) check-tsan

# The VM test (label `vm`) runs once, in make check's plain build.
check-sanitize: deps
	cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Sanitize $(CMAKE_FLAGS) >/dev/null
	cmake --build $(SAN_BUILD) -j $(JOBS)
	cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j $(JOBS) -LE '^vm$$'

# ThreadSanitizer on the real world's tests only (CTest label `real`): they
# are the ones whose tasks are threads; the rest under TSan would only add
# CI time.  A data race fails the test (halt_on_error).
# The targets are read from CTest's `real` label (each such test is the
# executable of its name), so a new real-world test is never left unbuilt.
check-tsan: deps
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Tsan $(CMAKE_FLAGS) >/dev/null
	targets=$$(cd $(TSAN_BUILD) && ctest -N -L '^real$$' | sed -n 's/^ *Test *#[0-9]*: //p'); \
		[ -n "$$targets" ] && cmake --build $(TSAN_BUILD) -j $(JOBS) --target $$targets
	cd $(TSAN_BUILD) && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
		ctest --output-on-failure -L '^real$$' -j $(JOBS)

# Only the VM test (tests/vm/run.sh, CTest label `vm`; make check runs it too):
# builds the test kernel on first use (~5 min), then boots it under QEMU.
vm-test: build vm-kernel
	cd $(BUILD) && ctest --output-on-failure -V -L '^vm$$'

# The calibration loop on mtty (tests/vm/calibrate.sh, docs/vm-test.md):
# boots the guest for its timing cases (several minutes under TCG), then
# calibrates from the sequential runs and predicts the parallel ones in sim.
# Not part of make check.  VM_CALIBRATE_ARGS passes options (--runs N ...).
vm-calibrate: build vm-kernel
	sh tests/vm/calibrate.sh --build $(BUILD) --out $(BUILD)/vm-calibrate $(VM_CALIBRATE_ARGS)

# The test kernel alone (cached: a no-op when it is there).
vm-kernel: deps
	sh tests/vm/build-kernel.sh >/dev/null

# Execute every notebook headless on small inputs: a broken notebook fails CI.
NOTEBOOKS = notebooks/published-table.ipynb notebooks/what-if.ipynb notebooks/sim-vs-real.ipynb
check-notebooks: build
	SWITCHOVER=$(abspath $(BUILD))/cli/switchover SWITCHOVER_NOTEBOOK_QUICK=1 \
	SWITCHOVER_NOTEBOOK_OUT=$(abspath $(BUILD))/notebooks/results \
	PYTHONDONTWRITEBYTECODE=1 PYDEVD_DISABLE_FILE_VALIDATION=1 \
		jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=600 \
		--output-dir $(BUILD)/notebooks $(NOTEBOOKS)

bench: build
	sh scripts/bench.sh $(BUILD)

format:
	clang-format -i models/*.[ch] sim/*.[ch] real/*.[ch] real/devices/*.[ch] cli/*.[ch] tests/*.[ch] bench/*.c

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(TSAN_BUILD)

# libFuzzer targets (fuzz/, docs/reliability.md), built with Debian's clang
# with ASan and UBSan, each run for FUZZ_SECONDS (or FUZZ_RUNS executions,
# whichever ends first), FUZZ_TARGETS one after the other:
#   make fuzz FUZZ_SECONDS=600 FUZZ_RUNS=1000000 FUZZ_TARGETS="study qemu"
# `ctest -L fuzz` (part of make check) only replays their corpora.
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Sanitize \
		-DSWITCHOVER_FUZZ=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS) $(addprefix --target fuzz_,$(FUZZ_TARGETS))
	FUZZ_RUNS=$(FUZZ_RUNS) sh scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)
