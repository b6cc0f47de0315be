#!/bin/sh
# outputs.sh SWITCHOVER OUTDIR: write the sim outputs that a change which must
# not change behaviour leaves identical, for `diff -r` against another build's:
# every shipped scenario under every strategy (JSON, the text table, CSV), one
# trace and its QMP events per scenario, the thread pool, the late-ACK study.
# Run from the repository root:
#   sh scripts/outputs.sh OLD/build/cli/switchover /tmp/before
#   sh scripts/outputs.sh build/cli/switchover /tmp/after && diff -r /tmp/before /tmp/after
set -eu
[ $# = 2 ] || { sed -n '2,8s/^# \{0,1\}//p' "$0" >&2; exit 2; }
SW=$1; OUT=$2
rm -rf "$OUT"; mkdir -p "$OUT"
for f in scenarios/*.yaml scenarios/demo/*.yaml; do
	b=$(echo "$f" | tr / _)
	"$SW" sim "$f" --strategy all --runs 8 --quiet --format json > "$OUT/$b.json" 2>&1 || echo "exit $?" >> "$OUT/$b.json"
	"$SW" sim "$f" --runs 3 --quiet > "$OUT/$b.txt" 2>&1 || echo "exit $?" >> "$OUT/$b.txt"
	"$SW" sim "$f" --runs 3 --quiet --format csv > "$OUT/$b.csv" 2>&1 || echo "exit $?" >> "$OUT/$b.csv"
	"$SW" sim "$f" --runs 1 --trace --events "$OUT/$b.events" > "$OUT/$b.trace" 2>&1 || echo "exit $?" >> "$OUT/$b.trace"
done
for t in per-pass pool; do
	"$SW" sim scenarios/demo/thread-pool.yaml --strategy all --set devices.count=16 --set migration.threads=$t --runs 3 --quiet --format json > "$OUT/pool-$t.json" 2>&1
done
"$SW" sim scenarios/late-ack-study.yaml --runs 50 --quiet --set migration.late_ack_rule=v2 --format json > "$OUT/late-ack.json" 2>&1 || true
echo "outputs written to $OUT ($(ls "$OUT" | wc -l) files)"
