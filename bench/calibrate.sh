#!/bin/sh
# The calibration loop as a benchmark (docs/calibration.md "From traces"):
# run a hidden device profile (bench/calibrate-hidden.yaml) for real with
# emulated devices, sequential, 4 devices; calibrate a profile from that
# trace; predict parallel-prio and parallel-barrier with 4 and 16 devices in
# the sim from the calibrated profile alone (the scenario keeps only the
# workload: sizes and capabilities); run the same for real; print the two
# median downtimes side by side.  Target: within 3%.  A benchmark, not a
# test: wall-clock time on a shared machine is not a verdict.
# usage: bench/calibrate.sh [BUILD_DIR] [REAL_RUNS]
set -eu
BUILD=${1:-build}
RUNS=${2:-10}
SW="$BUILD/cli/switchover"
HIDDEN=bench/calibrate-hidden.yaml
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

"$SW" real "$HIDDEN" --strategy sequential -o "$TMP/seq.h5" --quiet >/dev/null
"$SW" calibrate traces "$TMP/seq.h5" -o "$TMP/vf.yaml" >"$TMP/cal.txt"
sed 's/^/  /' "$TMP/cal.txt" | cut -c1-120

# The prediction scenario: the hidden scenario without the device's timing,
# and the calibrated device block.
sh scripts/calibrated-scenario.sh "$HIDDEN" "$TMP/vf.yaml" >"$TMP/pred.yaml"

median() { python3 -c 'import json, sys; print("%.3f" % (json.load(sys.stdin)["downtime_s"]["median"] * 1e3))'; }
echo
printf '%-18s %7s %14s %14s %8s\n' strategy devices "predicted ms" "real ms" "gap"
for n in 4 16; do
	for s in parallel-prio parallel-barrier; do
		p=$("$SW" sim "$TMP/pred.yaml" --set "devices[0].count=$n" --strategy "$s" \
			--runs 100 --quiet --format json | median)
		r=$("$SW" real "$HIDDEN" --set "devices[0].count=$n" --strategy "$s" --runs "$RUNS" \
			--quiet --format json | median)
		printf '%-18s %7d %14s %14s %7.1f%%\n' "$s" "$n" "$p" "$r" \
			"$(echo "$p $r" | awk '{print ($1 - $2) / $2 * 100}')"
	done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
