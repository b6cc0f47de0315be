# Thin wrapper over CMake: `make demo` and `make check` do all the set-up.
BUILD ?= build
SAN_BUILD ?= build-sanitize
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps build demo check check-sanitize check-notebooks bench format clean

all: build

deps:
	sh scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	sh scripts/demo.sh $(BUILD)

check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) check-notebooks
	$(MAKE) check-sanitize

check-sanitize: deps
	cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Sanitize $(CMAKE_FLAGS) >/dev/null
	cmake --build $(SAN_BUILD) -j $(JOBS)
	cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j $(JOBS)

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
	clang-format -i models/*.[ch] sim/*.[ch] cli/*.[ch] tests/*.[ch] bench/*.c

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
