#!/bin/sh
# bench_release.sh [--ref REV] [--runs N] [--rounds K] [--callgrind] [SCENARIO]
#
# The single simulated run against the previous release, side by side in one
# invocation: builds REV (default 9edbcf6, the main commit this speed work
# started from; the project has no release tags) in a git worktree under
# build-ref/ (incremental on later calls), then runs `switchover sim SCENARIO`
# of both builds alternately, K rounds, and prints CPU time (user+sys) per
# run (user and sys apart) and the ratio.  CPU time, not wall time: the
# machine is shared.  Each
# build's per-run cost is (cpu(N runs) - cpu(1 run)) / (N - 1), so process
# start-up and the scenario's loading are left out and what is compared is
# the runs.  --callgrind also counts instructions per run the same way
# (valgrind; slow: use a small N).  Not a test: numbers go to
# docs/performance.md.  Run from the repository root after building build/.
set -eu
REF=9edbcf6 RUNS=300 ROUNDS=5 CG=0 SCN=scenarios/cx7-4vf.yaml
while [ $# -gt 0 ]; do
	case $1 in
	--ref) REF=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--callgrind) CG=1; shift ;;
	--help) sed -n '2,14s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) sed -n '2,14s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	*) SCN=$1; shift ;;
	esac
done
[ "$RUNS" -ge 2 ] || { echo "bench_release: --runs wants at least 2" >&2; exit 2; }
NEW=build/cli/switchover
[ -x "$NEW" ] || { echo "bench_release: build $NEW first" >&2; exit 2; }
REFSRC=build-ref/src REFBIN=build-ref/build/cli/switchover
if [ ! -d "$REFSRC" ]; then
	mkdir -p build-ref
	git worktree add --detach "$REFSRC" "$REF" >/dev/null
else
	git -C "$REFSRC" checkout --quiet --detach "$REF"
fi
cmake -S "$REFSRC" -B build-ref/build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-ref/build -j2 --target switchover >/dev/null
SCN_ABS=$(realpath "$SCN")

# cpu_s BIN N: "user sys" seconds of `BIN sim SCENARIO --runs N`
cpu_s() {
	/usr/bin/time -f '%U %S' -o /tmp/bench_release.$$ "$1" sim "$SCN_ABS" --runs "$2" \
		--quiet --format csv >/dev/null
	cat /tmp/bench_release.$$
}
# per_run_ms BIN: "user sys" CPU ms per run
per_run_ms() {
	a=$(cpu_s "$1" 1)
	b=$(cpu_s "$1" "$RUNS")
	echo "$a $b $RUNS" | awk '{ printf "%.3f %.3f", ($3 - $1) / ($5 - 1) * 1e3, ($4 - $2) / ($5 - 1) * 1e3 }'
}
# instr BIN N: instructions of `BIN sim SCENARIO --runs N` (callgrind)
instr() {
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" sim "$SCN_ABS" \
		--runs "$2" --quiet --format csv 2>&1 >/dev/null |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

echo "bench_release: $SCN, $RUNS runs, reference $REF ($(git -C "$REFSRC" rev-parse --short HEAD)) vs this tree ($(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ', modified'))"
echo "load: $(uptime | sed 's/.*load average/load average/')"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	ref=$(per_run_ms "$REFBIN")
	new=$(per_run_ms "$NEW")
	echo "$r $ref $new" | awk '{ printf "  round %d  CPU ms per run (user + sys): reference %.3f + %.3f = %.3f  this tree %.3f + %.3f = %.3f  speed-up %.2fx (user %.2fx)\n", $1, $2, $3, $2 + $3, $4, $5, $4 + $5, ($2 + $3) / ($4 + $5), $2 / $4 }'
	r=$((r + 1))
done
if [ "$CG" = 1 ]; then
	n=$RUNS
	ref=$(($(instr "$REFBIN" "$n") - $(instr "$REFBIN" 1)))
	new=$(($(instr "$NEW" "$n") - $(instr "$NEW" 1)))
	echo "$ref $new $n" | awk '{ printf "  callgrind  reference %.0f instructions/run  this tree %.0f  ratio %.2fx\n", $1 / ($3 - 1), $2 / ($3 - 1), $1 / $2 }'
fi
echo "load: $(uptime | sed 's/.*load average/load average/')"
rm -f /tmp/bench_release.$$
