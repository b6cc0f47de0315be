#!/bin/sh
# `switchover import qemu` and `--qemu-trace` from the command line: help,
# a sim run's logs imported back and compared, report on the imported file,
# and bad input refused with exit status 2 naming file and line.
# usage: check_import.sh SWITCHOVER_BINARY SOURCE_DIR
set -u
SW=$1
SRC=$2
. "$SRC/tests/expect.sh"
D="$SRC/tests/data/qemu"

expect 0 "usage: switchover import qemu" -- "$SW" import --help
expect 0 "usage: switchover import qemu" -- "$SW" import qemu --help
expect 0 "qemu-trace FILE" -- "$SW" sim --help
expect 2 "expected \`switchover import qemu" -- "$SW" import vmware
expect 2 "--source SRC.log is required" -- "$SW" import qemu -o "$TMP/x.h5"
expect 2 "--clock 'maybe'" -- "$SW" import qemu --source "$D/src-9.2.log" --clock maybe -o "$TMP/x.h5"
expect 2 "bad-no-timestamps.log:1: no trace line with a timestamp" -- \
	"$SW" import qemu --source "$D/bad-no-timestamps.log" -o "$TMP/x.h5"
expect 2 "bad-no-migration.log:3: no migration" -- \
	"$SW" import qemu --source "$D/bad-no-migration.log" -o "$TMP/x.h5"
expect 2 "bad-qmp.jsonl:2: not a JSON object" -- \
	"$SW" import qemu --source "$D/src-9.2.log" --events "$D/bad-qmp.jsonl" -o "$TMP/x.h5"
echo '[1, 2]' >"$TMP/qm.json"
expect 2 "qm.json: not a query-migrate answer" -- \
	"$SW" import qemu --source "$D/src-9.2.log" --query-migrate "$TMP/qm.json" -o "$TMP/x.h5"
if ls "$TMP" | grep -q 'x.h5'; then bad "a refused import left a result file"; else ok; fi

# A hand-written excerpt: warnings name file and line; it is written.
expect 0 "src-9.2.log:19: interleaved line" -- \
	"$SW" import qemu --source "$D/src-9.2.log" --destination "$D/dst-9.2.log" \
	--events "$D/qmp-9.2.jsonl" --device-id vf0=0000:3b:00.1 \
	--query-migrate "$D/query-migrate-9.2.json" -o "$TMP/ex.h5"
cp "$TMP/out" "$TMP/ex.txt"
# the notes travel with the file, in the scenario's description
if grep -a -q "migration 0: clocks: destination offset" "$TMP/ex.h5"; then ok; else bad "the notes are not in the result file"; fi
expect 0 "kvm_set_user_memory x2" -- cat "$TMP/ex.txt"
expect 0 "downtime 74.900 ms" -- cat "$TMP/ex.txt"
expect 0 "query-migrate: status completed, downtime 75 ms" -- cat "$TMP/ex.txt"
# vmstate_downtime_save/_load: a map to a device the logs lack is refused;
# a section no event names is a note that says how to name it (no
# destination log: the migration did not complete as far as the logs say).
expect 2 "--device-map 0000:00:03.0=0000:3b:00.9: 0000:3b:00.9 is no VFIO device" -- \
	"$SW" import qemu --source "$D/src-9.2.log" --device-map 0000:00:03.0=0000:3b:00.9 -o "$TMP/map.h5"
expect 2 "--device-map 'x': expected GUEST=HOST" -- \
	"$SW" import qemu --source "$D/src-9.2.log" --device-map x -o "$TMP/map.h5"
grep -v thread_start "$D/src-9.2.log" >"$TMP/nothread.log"
expect 1 "save iterable 0000:00:03.0/vfio instance 0: 8500 us inside the downtime (no device: --device-map" -- \
	"$SW" import qemu --source "$TMP/nothread.log" -o "$TMP/map.h5"
expect 1 "" -- "$SW" import qemu --source "$TMP/nothread.log" --device-map 0000:00:03.0=0000:3b:00.1 -o "$TMP/map.h5"
if grep -q "no device: --device-map" "$TMP/out"; then bad "--device-map did not name the section's device"; else ok; fi
# Without checkpoints the run did not complete as far as the logs say: exit 1.
expect 1 "unknown: source VM stop" -- "$SW" import qemu --source "$D/src-8.1.log" -o "$TMP/old.h5"

# A sim run's logs, imported back: the same downtime to the microsecond.
"$SW" sim "$SRC/scenarios/cx7-2vf.yaml" --runs 2 --quiet --format json \
	--qemu-trace "$TMP/q" -o "$TMP/sim.h5" >"$TMP/sim.json"
if [ -s "$TMP/q.src" ] && [ -s "$TMP/q.dst" ] && ! ls "$TMP" | grep -q 'tmp-'; then ok; else bad "--qemu-trace wrote no FILE.src/FILE.dst"; fi
expect 0 "vmstate_downtime_checkpoint src-downtime-start" -- cat "$TMP/q.src"
expect 0 "^2000@1700000000" -- cat "$TMP/q.dst"
# The log's timestamps are whole microseconds, so each end of the window
# is within 0.5 us of the run's: the downtimes agree within 1 us (printing
# both to 3 decimals in ms could differ in the last digit).
run_ms=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['downtime_s']['median'] * 1e3)" "$TMP/sim.json")
expect 0 "migration 1: completed, downtime" -- \
	"$SW" import qemu --source "$TMP/q.src" --destination "$TMP/q.dst" --all --clock same \
	--strategy parallel-prio -o "$TMP/imp.h5"
got=$("$SW" import qemu --source "$TMP/q.src" --destination "$TMP/q.dst" --all --clock same \
	--strategy parallel-prio -o "$TMP/imp.h5" 2>&1 | sed -n 's/^migration 1: completed, downtime \([0-9.]*\) ms.*/\1/p')
if python3 -c "import sys; sys.exit(not abs(float(sys.argv[1]) - float(sys.argv[2])) <= 0.001)" "$got" "$run_ms"; then
	ok
else
	bad "imported downtime '$got' ms is not the run's $run_ms ms within 1 us"
fi
expect 0 "verdict: no significant change" -- "$SW" compare "$TMP/sim.h5" "$TMP/imp.h5"
expect 0 "" -- "$SW" report "$TMP/imp.h5" -o "$TMP/rep"
# With the clocks aligned from the logs (the default), the two ends' marks
# can come out of order by rounding: no phase may then be negative, or the
# project's own reader refuses the file (compare, calibrate traces).
"$SW" sim "$SRC/scenarios/cx7-4vf.yaml" --runs 2 --quiet --qemu-trace "$TMP/q4" >/dev/null
expect 0 "completed" -- "$SW" import qemu --source "$TMP/q4.src" --destination "$TMP/q4.dst" \
	--all -o "$TMP/imp4.h5"
expect 0 "verdict" -- "$SW" compare "$TMP/imp4.h5" "$TMP/imp4.h5"
expect 2 "choose one with --group, or --pool them" -- "$SW" calibrate traces "$TMP/imp4.h5" \
	-o "$TMP/imp4-profile.yaml"
expect 0 "wrote" -- "$SW" calibrate traces "$TMP/imp4.h5" --pool vf -o "$TMP/imp4-profile.yaml"
# The four VFs of two migrations pooled: 8 samples of each arc.
expect 0 "latency.stop_to_running_p2p .*samples: 8;" -- "$SW" profile show "$TMP/imp4-profile.yaml"
# The logs of a sim run are a function of scenario and seed.
"$SW" sim "$SRC/scenarios/cx7-2vf.yaml" --runs 2 --quiet --qemu-trace "$TMP/q2" >/dev/null
if cmp -s "$TMP/q.src" "$TMP/q2.src" && cmp -s "$TMP/q.dst" "$TMP/q2.dst"; then ok; else bad "--qemu-trace differs between two equal sim runs"; fi

finish
