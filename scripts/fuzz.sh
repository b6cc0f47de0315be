#!/bin/sh
# Run each libFuzzer target for SECONDS (make fuzz): on a copy of its seed
# corpus (fuzz/corpus/NAME, so the repository's corpus stays small), with
# its dictionary.  A crash, leak or timeout is saved as
# BUILD/fuzz-crashes/NAME-* and fails the run: add it to fuzz/corpus/NAME
# as a regression input once fixed.  The last lines of each run (executions,
# coverage) are kept in BUILD/fuzz-NAME.log.
# FUZZ_RUNS=N in the environment also ends each run after N executions
# (whichever comes first: SECONDS or N).
# usage: fuzz.sh BUILD SECONDS TARGET...
set -u
build=$1 seconds=$2
shift 2
src=$(cd "$(dirname "$0")/.." && pwd)
status=0
mkdir -p "$build/fuzz-crashes"
for t in "$@"; do
	work="$build/fuzz-work/$t"
	mkdir -p "$work"
	echo "fuzz_$t: $seconds s${FUZZ_RUNS:+ or $FUZZ_RUNS runs}"
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	LSAN_OPTIONS=suppressions="$src/tests/lsan.supp" \
		"$build/fuzz/fuzz_$t" -max_total_time="$seconds" ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} \
		-timeout=10 -rss_limit_mb=2048 \
		-dict="$src/fuzz/dict/$t.dict" -artifact_prefix="$build/fuzz-crashes/$t-" \
		-print_final_stats=1 "$work" "$src/fuzz/corpus/$t" >"$build/fuzz-$t.log" 2>&1 ||
		status=1
	grep -E '^#[0-9]+.*(DONE|pulse)|stat::number_of_executed_units|stat::peak_rss|ERROR' \
		"$build/fuzz-$t.log" | tail -3
done
exit $status
