#!/bin/sh
# CLI behaviour the README promises: help, exit statuses, error messages that
# name file, line and key, and the JSON/CSV shapes scripts rely on.
# usage: check_cli.sh SWITCHOVER_BINARY SOURCE_DIR
set -u
SW=$1
SRC=$2
. "$SRC/tests/expect.sh"

expect 0 "usage: switchover COMMAND" -- "$SW" --help
expect 0 "usage: switchover sim FILE" -- "$SW" sim --help
expect 0 "usage: switchover sim FILE" -- "$SW" help sim
expect 0 "switchover 0" -- "$SW" --version
expect 2 "usage: switchover COMMAND" -- "$SW"
expect 2 "unknown command 'simulate'" -- "$SW" simulate
expect 2 "missing scenario FILE" -- "$SW" sim
expect 2 "unknown option '--fast'" -- "$SW" sim "$SRC/scenarios/null.yaml" --fast
expect 2 "--strategy 'quick'" -- "$SW" sim "$SRC/scenarios/null.yaml" --strategy quick
expect 2 "--runs '0': expected an integer from 1 to 1000000" -- "$SW" sim "$SRC/scenarios/null.yaml" --runs 0
expect 2 "--runs '-1': expected an integer from 1 to 1000000" -- "$SW" sim "$SRC/scenarios/null.yaml" --runs -1
expect 2 "--runs 'x'" -- "$SW" sim "$SRC/scenarios/null.yaml" --runs x
expect 2 "--format 'xml'" -- "$SW" sim "$SRC/scenarios/null.yaml" --format xml
expect 2 "needs a value" -- "$SW" sim "$SRC/scenarios/null.yaml" --seed
expect 2 "nope.yaml" -- "$SW" sim "$TMP/nope.yaml"
expect 2 "--trace-run 5: the scenario has runs 0..2" -- "$SW" sim "$SRC/scenarios/null.yaml" --trace-run 5

# A broken file: the message names file, line and key.
printf 'name: broken\ndevices:\n  - name: vf\n    count: 2\n    state_size: 100MB/h\n' >"$TMP/broken.yaml"
expect 2 "broken.yaml:5: devices\[0\].state_size" -- "$SW" sim "$TMP/broken.yaml"
expect 2 "--set vm.ram=lots" -- "$SW" sim "$SRC/scenarios/null.yaml" --set vm.ram=lots

# --resolved prints YAML that loads back and runs the same.
"$SW" sim "$SRC/scenarios/cx7-1vf.yaml" --set runs=2 --resolved >"$TMP/resolved.yaml"
expect 0 "state_size:" -- cat "$TMP/resolved.yaml"
a=$("$SW" sim "$SRC/scenarios/cx7-1vf.yaml" --runs 2 --format json --quiet)
b=$("$SW" sim "$TMP/resolved.yaml" --format json --quiet)
if [ "$a" = "$b" ]; then ok; else bad "the resolved scenario runs differently"; fi

# Results: the table, the comparison, the trace.
expect 0 "downtime     median 0.000 ms" -- "$SW" sim "$SRC/scenarios/null.yaml" --quiet
expect 0 "comparison (cx7-1vf" -- "$SW" sim "$SRC/scenarios/cx7-1vf.yaml" --strategy all --runs 2 --quiet
expect 0 "vm-running" -- "$SW" sim "$SRC/scenarios/null.yaml" --trace --quiet

# JSON: one object with the documented keys.
if "$SW" sim "$SRC/scenarios/cx7-2vf.yaml" --runs 3 --format json --quiet >"$TMP/one.json" &&
	python3 - "$TMP/one.json" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
for k in ("downtime_s", "phases_s", "strategy", "runs", "status", "invariants", "efficiency"):
    assert k in o, k
for k in ("median", "p5", "p95", "mean"):
    assert isinstance(o["downtime_s"][k], float), k
assert o["runs"] == 3 and o["status"] == "completed" and o["strategy"] == "parallel-prio"
assert set(o["phases_s"]) == {"src_prepare", "src_main", "final_query", "stopcopy",
                              "dst_load", "dst_prepare", "dst_main"}
assert abs(sum(o["phases_s"].values()) - o["downtime_s"]["median"]) < 1e-9
assert all(v is True for v in o["invariants"].values()), o["invariants"]
assert len(o["device_attribution_s"]) == 2
PY
then ok; else bad "json output of cx7-2vf"; fi

if "$SW" sim "$SRC/scenarios/cx7-1vf.yaml" --strategy all --runs 2 --format json --quiet >"$TMP/all.json" &&
	python3 - "$TMP/all.json" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
assert [r["strategy"] for r in o["results"]] == ["sequential", "parallel-prio", "parallel-barrier"]
barrier = o["results"][2]
assert barrier["invariants"]["vfio_p2p_before_non_vfio_main"] is False
assert "virtio" in barrier["violations"]["vfio_p2p_before_non_vfio_main"]["first"]
PY
then ok; else bad "json output of --strategy all"; fi

# CSV: a header and one row per run.
"$SW" sim "$SRC/scenarios/null.yaml" --runs 4 --format csv --quiet >"$TMP/runs.csv"
rows=$(wc -l <"$TMP/runs.csv")
if [ "$rows" = 5 ] && head -1 "$TMP/runs.csv" | grep -q "^scenario,n,strategy,run,n_devices,status,error,downtime_s"; then ok; else bad "csv has $rows lines"; fi

# CSV and the result file's /summary: the same columns, names and values
# (status an integer in both), a failing scenario so status is not all 0.
"$SW" sim "$SRC/scenarios/late-ack-study.yaml" --runs 40 --format csv --quiet \
	-o "$TMP/runs.h5" >"$TMP/runs2.csv" || true
PYH5=python3
python3 -c 'import h5py' 2>/dev/null || PYH5=/usr/bin/python3
if $PYH5 - "$TMP/runs2.csv" "$TMP/runs.h5" <<'PY'
import csv, math, sys
import h5py
rows = list(csv.DictReader(open(sys.argv[1])))
summary = h5py.File(sys.argv[2], "r")["summary"][()]
names = list(summary.dtype.names)
assert list(rows[0].keys()) == ["scenario"] + names, (list(rows[0].keys()), names)
assert len(rows) == len(summary)
assert any(int(r["status"]) != 0 for r in rows), "no failed run to compare"
for r, s in zip(rows, summary):
    for k in names:
        v = s[k]
        if isinstance(v, bytes):
            assert r[k] == v.decode(), (k, r[k], v)
        elif isinstance(v, float) or v.dtype.kind == "f":
            assert (math.isnan(v) and r[k] == "nan") or abs(float(r[k]) - v) <= 1e-8 * abs(v), (k, r[k], v)
        else:
            assert int(r[k]) == int(v), (k, r[k], v)
PY
then ok; else bad "csv columns differ from /summary"; fi

# Same seed, same output; another seed, another output.
a=$("$SW" sim "$SRC/scenarios/demo/depths-stragglers.yaml" --runs 3 --format json --quiet)
b=$("$SW" sim "$SRC/scenarios/demo/depths-stragglers.yaml" --runs 3 --format json --quiet)
c=$("$SW" sim "$SRC/scenarios/demo/depths-stragglers.yaml" --runs 3 --seed 99 --format json --quiet)
if [ "$a" = "$b" ] && [ "$a" != "$c" ]; then ok; else bad "determinism of the command's output"; fi

# Result files (-o FILE.h5) and compare: a slower arc is a regression (exit 1),
# a file against itself is not (exit 0), its mirror image an improvement.
expect 0 "downtime" -- "$SW" sim "$SRC/scenarios/cx7-1vf.yaml" --runs 8 --quiet -o "$TMP/base.h5"
expect 0 "downtime" -- "$SW" sim "$SRC/scenarios/cx7-1vf.yaml" --runs 8 --quiet \
	--set 'devices[0].latency.stop_to_stop_copy=200ms' --output "$TMP/slow.h5"
if ls "$TMP"/*.tmp-* >/dev/null 2>&1; then bad "a temporary result file was left behind"; else ok; fi
# cx7-1vf has no random costs: every run is the same, so the verdict is
# the exact change against the threshold, with no test and no p-value.
expect 1 "^verdict: regression (from downtime and the failure rate of each strategy): parallel-prio downtime: regression: +[0-9.]*% exactly (.*), deterministic: every run the same on both sides, no test, threshold 5% (paired: same seed" -- "$SW" compare "$TMP/base.h5" "$TMP/slow.h5"
if grep "deterministic: every run" "$TMP/out" | grep -q "p [=<]"; then bad "a deterministic comparison gave a p-value"; else ok; fi
expect 0 "^verdict: no significant change" -- "$SW" compare "$TMP/base.h5" "$TMP/base.h5"
# Issue 14's first example: the same scenario and seed, one arc's median
# raised by a quarter.  Run i of both files drew the same numbers, so every
# run is slower: paired, a certain regression; unpaired, the run-to-run
# noise hides it (the interval contains 0).  Without the fitted mlx5-cx7
# per-image load (load.image): with it each device's stop-copy image adds
# 135 ms to the downtime, and the raised arc is then a change below 2%.
SCN="$SRC/scenarios/demo/depths-stragglers.yaml"
"$SW" sim "$SCN" --set devices.load.image=0 --runs 30 --quiet -o "$TMP/crn-base.h5" >/dev/null
"$SW" sim "$SCN" --set devices.load.image=0 --runs 30 --quiet -o "$TMP/crn-new.h5" \
	--set 'devices[0].latency.pre_copy_to_pre_copy_p2p=lognormal(median=25ms, sigma=1.0)' >/dev/null
expect 1 "^verdict: regression (from downtime .*sequential downtime: regression: +[0-9.]*% \[+[0-9.]*%, +[0-9.]*%\] (.*median paired difference +.*), Wilcoxon p < 0.001, threshold 2% (paired: same seed 7, 30 runs each)" -- \
	"$SW" compare "$TMP/crn-base.h5" "$TMP/crn-new.h5" --threshold 2%
expect 1 "warning: the scenarios differ, first at devices\[0\].latency.pre_copy_to_pre_copy_p2p: lognormal(median=20ms, sigma=1) in" -- \
	"$SW" compare "$TMP/crn-base.h5" "$TMP/crn-new.h5" --threshold 2%
expect 1 "^sequential phase:src_prepare: regression: " -- \
	"$SW" compare "$TMP/crn-base.h5" "$TMP/crn-new.h5" --threshold 2%
expect 0 "^verdict: no significant change .*Mann-Whitney p = .*threshold 2%: the interval contains 0 (unpaired: asked for (--unpaired))" -- \
	"$SW" compare "$TMP/crn-base.h5" "$TMP/crn-new.h5" --threshold 2% --unpaired
"$SW" sim "$SCN" --set devices.load.image=0 --runs 30 --seed 8 --quiet -o "$TMP/crn-seed8.h5" >/dev/null
expect 0 "(unpaired: seeds differ (7, 8))" -- "$SW" compare "$TMP/crn-base.h5" "$TMP/crn-seed8.h5"
# A p-value below 1 - confidence with no significant change says why.
expect 0 "^sequential downtime: no significant change: .*Wilcoxon p < 0.001, within the 5% threshold$" -- \
	"$SW" compare "$TMP/crn-base.h5" "$TMP/crn-new.h5"
expect 1 "wrote $TMP/cmp-plots/phases-sequential.png" -- \
	"$SW" compare "$TMP/crn-base.h5" "$TMP/crn-new.h5" --threshold 2% --plot "$TMP/cmp-plots"
if head -c 4 "$TMP/cmp-plots/phases-sequential.png" | grep -q PNG; then ok; else bad "compare --plot drew no PNG"; fi
# paired: the run-by-run differences too (a PNG that ends in its IEND chunk)
if grep -q "wrote $TMP/cmp-plots/differences-sequential.png" "$TMP/out" &&
	head -c 4 "$TMP/cmp-plots/differences-sequential.png" | grep -q PNG &&
	tail -c 8 "$TMP/cmp-plots/differences-sequential.png" | grep -q IEND
then ok; else bad "compare --plot of paired runs drew no differences"; fi
# unpaired: no differences to draw
expect 0 "wrote $TMP/cmp-unpaired/phases-sequential.png" -- \
	"$SW" compare "$TMP/crn-base.h5" "$TMP/crn-new.h5" --unpaired --plot "$TMP/cmp-unpaired"
if [ -e "$TMP/cmp-unpaired/differences-sequential.png" ]; then bad "unpaired runs got differences drawn"; else ok; fi
"$SW" sim "$SCN" --set devices.load.image=0 --runs 3 --quiet -o "$TMP/crn-3.h5" >/dev/null
expect 0 "warning: sequential downtime: 3 vs 3 runs: too few for 95% confidence (the smallest possible p is 0.25): no change can be significant; use at least 6 runs each" -- \
	"$SW" compare "$TMP/crn-3.h5" "$TMP/crn-3.h5"
"$SW" sim "$SCN" --set devices.load.image=0 --runs 30 --quiet --set devices.count=2 -o "$TMP/crn-dev2.h5" >/dev/null
expect 0 "warning: the device counts differ: 8 in .*crn-base.h5, 4 in .*crn-dev2.h5" -- \
	"$SW" compare "$TMP/crn-base.h5" "$TMP/crn-dev2.h5"
expect 0 "^verdict: improvement" -- "$SW" compare "$TMP/slow.h5" "$TMP/base.h5" --metric phase:src_main
expect 0 "usage: switchover compare BASE.h5 NEW.h5" -- "$SW" compare --help
expect 2 "null.yaml: not an HDF5 file" -- "$SW" compare "$TMP/base.h5" "$SRC/scenarios/null.yaml"
expect 2 "nope.h5: No such file or directory" -- "$SW" compare "$TMP/base.h5" "$TMP/nope.h5"
expect 2 "base.h5: no runs of strategy sequential (it has parallel-prio)" -- \
	"$SW" compare "$TMP/base.h5" "$TMP/slow.h5" --strategy sequential
expect 2 "--metric 'latency'" -- "$SW" compare "$TMP/base.h5" "$TMP/slow.h5" --metric latency
expect 2 "--threshold 'lots'" -- "$SW" compare "$TMP/base.h5" "$TMP/slow.h5" --threshold lots
expect 2 "expected two result files" -- "$SW" compare "$TMP/base.h5"
expect 2 "no-dir/x.h5: cannot create" -- "$SW" sim "$SRC/scenarios/null.yaml" --quiet -o "$TMP/no-dir/x.h5"
# Every run of NEW failed (an arc that always fails): no metric has a value
# there, and the failure rate (Fisher) is the regression, exit 1.
"$SW" sim "$SRC/scenarios/cx7-1vf.yaml" --resolved >"$TMP/allfail.yaml"
printf 'faults:\n- device: vf\n  arc: stop_to_stop_copy\n' >>"$TMP/allfail.yaml"
"$SW" sim "$TMP/allfail.yaml" --runs 8 --quiet -o "$TMP/allfail.h5" >/dev/null
expect 1 "^verdict: regression (from downtime .*parallel-prio downtime: no verdict: no completed runs on the new side; failure rate: regression: 0/8 -> 8/8 runs failed, Fisher p < 0.001" -- \
	"$SW" compare "$TMP/base.h5" "$TMP/allfail.h5"
expect 1 "^parallel-prio phase:stopcopy: no verdict: no completed runs on the new side$" -- \
	"$SW" compare "$TMP/base.h5" "$TMP/allfail.h5"
# all runs failed on one side: no pictures of that strategy, the verdict all the same
expect 1 "no picture of parallel-prio: no completed runs on the new side" -- \
	"$SW" compare "$TMP/base.h5" "$TMP/allfail.h5" --plot "$TMP/cmp-fail"
expect 0 "^verdict: improvement .*no completed runs on the base side; failure rate: improvement: 8/8 -> 0/8" -- \
	"$SW" compare "$TMP/allfail.h5" "$TMP/base.h5"
expect 0 "^verdict: no significant change .*no completed runs on either side" -- \
	"$SW" compare "$TMP/allfail.h5" "$TMP/allfail.h5"
# One run each side: no p can be below 0.05, so a change beyond the
# threshold is undecided (exit 0, as no change), not "no significant change".
"$SW" sim "$SRC/scenarios/cx7-2vf.yaml" --runs 1 --quiet -o "$TMP/one-a.h5" >/dev/null
"$SW" sim "$SRC/scenarios/cx7-2vf.yaml" --runs 1 --quiet --set devices.load.rate=100MiB/s \
	-o "$TMP/one-b.h5" >/dev/null
expect 0 "^verdict: undecided (from downtime and the failure rate of each strategy): parallel-prio downtime: undecided: +[0-9.]*% .*: too few runs for a verdict (the smallest possible p is 1)" -- \
	"$SW" compare "$TMP/one-a.h5" "$TMP/one-b.h5"
if grep -q "no significant change: +" "$TMP/out" ||
	! grep -q "^parallel-prio devices: 0 of 2 changed their own time in the downtime, 2 undecided (too few runs for a verdict)$" "$TMP/out" ||
	! grep -q "^parallel-prio device vf0: undecided: " "$TMP/out"; then
	bad "compare of one run each: undecided"; sed 's/^/    /' "$TMP/out"; else ok; fi
# A metric no run has (no switchover ACK requested in cx7-1vf, no precopy
# round in null) is said to be absent, with no verdict.
expect 0 "^parallel-prio ack_delay: no verdict: absent in both files$" -- \
	"$SW" compare "$TMP/base.h5" "$TMP/base.h5"
expect 0 "^verdict: no significant change .*parallel-prio ack_delay: no verdict: absent in both files" -- \
	"$SW" compare "$TMP/base.h5" "$TMP/base.h5" --metric ack_delay
"$SW" sim "$SRC/scenarios/null.yaml" --runs 5 --quiet -o "$TMP/null.h5" >/dev/null
expect 0 "^  rounds .*(absent in both files)$" -- "$SW" compare "$TMP/null.h5" "$TMP/null.h5"
if python3 - "$TMP/out" <<'PY2'
import sys
t = open(sys.argv[1]).read()
assert "sequential rounds: no verdict: absent in both files" in t, t
assert "rounds: no significant change" not in t and "ack_delay: no significant change" not in t, t
PY2
then ok; else bad "compare of metrics absent in both files"; fi
# Same seed, but no run index completed on both sides (runs 4..7 failed in
# base, 0..3 in new; /summary's status set with h5py, the checksummed
# header blanked): compared unpaired, and said so.
fail_runs() { # FILE FIRST LAST: mark /summary rows FIRST..LAST failed
	$PYH5 - "$@" <<'PY2'
import sys, h5py
path, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with h5py.File(path, "r+") as f:
    s = f["summary"][()]
    s["status"][first:last + 1] = 1
    f["summary"][...] = s
with open(path, "r+b") as f:
    f.write(bytes(512))
PY2
}
cp "$TMP/crn-base.h5" "$TMP/np-base.h5"
cp "$TMP/crn-new.h5" "$TMP/np-new.h5"
fail_runs "$TMP/np-base.h5" 15 29
fail_runs "$TMP/np-new.h5" 0 14
expect 0 "(unpaired: no run index completed on both sides (paired: same seed 7 otherwise), 15 and 15 runs)" -- \
	"$SW" compare "$TMP/np-base.h5" "$TMP/np-new.h5"
expect 0 "warning: sequential downtime: no run index completed on both sides: compared unpaired" -- \
	"$SW" compare "$TMP/np-base.h5" "$TMP/np-new.h5"
# Two sweep files, point by point: on a 2-core host, arcs that are all CPU
# slow the 4-device point (its parallel arcs share the cores) but not the
# 1-device one; one line for the point that changed, then the verdict.
HOST="--set hosts.source.profile=ci-2core --set hosts.source.cores=2"
"$SW" sweep "$SRC/scenarios/cx7-1vf.yaml" --vary devices.count=1,4 --runs 8 --quiet $HOST \
	-o "$TMP/sw-base.h5" >/dev/null
"$SW" sweep "$SRC/scenarios/cx7-1vf.yaml" --vary devices.count=1,4 --runs 8 --quiet $HOST \
	--set devices.arc_cpu_fraction=1 -o "$TMP/sw-cpu.h5" >/dev/null
"$SW" sweep "$SRC/scenarios/cx7-1vf.yaml" --vary devices.count=1,2,4 --runs 8 --quiet $HOST \
	-o "$TMP/sw-three.h5" >/dev/null
"$SW" sweep "$SRC/scenarios/cx7-1vf.yaml" --vary vm.ram=1GiB,2GiB --runs 8 --quiet \
	-o "$TMP/sw-ram.h5" >/dev/null
expect 1 "^point 1 (devices.count=4, parallel-prio): downtime: regression: +" -- \
	"$SW" compare "$TMP/sw-base.h5" "$TMP/sw-cpu.h5"
if grep -q "^point 0" "$TMP/out" || ! grep -q "^verdict: regression: 1 of 2 points regressed, 0 improved, 1 no significant change; 0 in one file only$" "$TMP/out"; then
	bad "compare of sweeps: only point 1 changed"; sed 's/^/    /' "$TMP/out"; else ok; fi
expect 0 "^point 1 (devices.count=4, parallel-prio): downtime: improvement" -- \
	"$SW" compare "$TMP/sw-cpu.h5" "$TMP/sw-base.h5"
expect 0 "^verdict: no significant change: 0 of 2 points regressed" -- \
	"$SW" compare "$TMP/sw-base.h5" "$TMP/sw-base.h5"
# Matched by axis values, not point numbers: 4 devices is point 1 in one
# file and point 2 in the other; the point of 2 devices is in one file only.
expect 1 "warning: only in $TMP/sw-three.h5: point 1 (devices.count=2, parallel-prio)" -- \
	"$SW" compare "$TMP/sw-three.h5" "$TMP/sw-cpu.h5"
expect 1 "^point 2 (devices.count=4, parallel-prio): downtime: regression" -- \
	"$SW" compare "$TMP/sw-three.h5" "$TMP/sw-cpu.h5"
expect 0 "no significant change; 1 in one file only" -- "$SW" compare "$TMP/sw-base.h5" "$TMP/sw-three.h5" --metric total
expect 2 "the studies have different axes" -- "$SW" compare "$TMP/sw-base.h5" "$TMP/sw-ram.h5"
expect 2 "sw-base.h5 is a sweep file and .*base.h5 is not" -- "$SW" compare "$TMP/sw-base.h5" "$TMP/base.h5"
expect 2 "no point in common for this strategy" -- \
	"$SW" compare "$TMP/sw-base.h5" "$TMP/sw-cpu.h5" --strategy sequential
# A paired point with no run index completed on both sides: unpaired, said so.
cp "$TMP/sw-base.h5" "$TMP/np-sw-base.h5"
cp "$TMP/sw-cpu.h5" "$TMP/np-sw-cpu.h5"
fail_runs "$TMP/np-sw-base.h5" 12 15
fail_runs "$TMP/np-sw-cpu.h5" 8 11
expect 1 "warning: point devices.count=4, parallel-prio: no run index completed on both sides: compared unpaired (Mann-Whitney)" -- \
	"$SW" compare "$TMP/np-sw-base.h5" "$TMP/np-sw-cpu.h5"
expect 1 "^point 1 (devices.count=4, parallel-prio): downtime: regression: +" -- \
	"$SW" compare "$TMP/np-sw-base.h5" "$TMP/np-sw-cpu.h5"
if "$SW" compare "$TMP/sw-base.h5" "$TMP/sw-cpu.h5" --format json >"$TMP/swcmp.json"; then
	bad "compare --format json of a regressed sweep exited 0"
elif python3 - "$TMP/swcmp.json" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
assert o["verdict"] == "regression"
p = o["points"]
assert [(x["point"], x["axes"]["devices.count"], x["verdict"]) for x in p] == \
    [(0, 1, "no significant change"), (1, 4, "regression")], p
assert p[1]["metric"]["new_median_s"] > p[1]["metric"]["base_median_s"]
PY
then ok; else bad "json output of compare of sweeps"; fi
# A metric a point's runs have no value of is absent there, with no verdict,
# as in run files: no switchover ACK requested (switchover_ack=off) has no
# ACK delay, no precopy round in any run (null) no rounds.
ACKV="--vary vm.dirty_rate=128MiB/s,256MiB/s --runs 6 --quiet"
"$SW" sweep "$SRC/scenarios/ack-legacy-vs-new.yaml" $ACKV -o "$TMP/sw-ack.h5" >/dev/null
"$SW" sweep "$SRC/scenarios/ack-legacy-vs-new.yaml" $ACKV --set migration.switchover_ack=off \
	-o "$TMP/sw-noack.h5" >/dev/null
expect 0 "^point 0 (vm.dirty_rate=.*): ack_delay: no verdict: absent in the base file$" -- \
	"$SW" compare "$TMP/sw-noack.h5" "$TMP/sw-ack.h5" --metric ack_delay
if grep -q ": regression: " "$TMP/out" || ! grep -q "^verdict: no significant change: 0 of 2 points regressed, 0 improved, 0 no significant change, 2 no verdict (absent); 0 in one file only$" "$TMP/out"; then
	bad "compare of sweeps: an absent ACK delay has no verdict"; sed 's/^/    /' "$TMP/out"; else ok; fi
"$SW" sim "$SRC/scenarios/ack-legacy-vs-new.yaml" --runs 6 --quiet -o "$TMP/ack.h5" >/dev/null
"$SW" sim "$SRC/scenarios/ack-legacy-vs-new.yaml" --runs 6 --quiet --set migration.switchover_ack=off \
	-o "$TMP/noack.h5" >/dev/null
expect 0 "ack_delay: no verdict: absent in the base file" -- \
	"$SW" compare "$TMP/noack.h5" "$TMP/ack.h5" --metric ack_delay
if "$SW" compare "$TMP/sw-noack.h5" "$TMP/sw-ack.h5" --metric ack_delay --format json >"$TMP/swack.json" &&
	python3 - "$TMP/swack.json" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
assert o["verdict"] == "no significant change", o["verdict"]
assert [(x["metric"], x["verdict"]) for x in o["points"]] == [(None, "no significant change")] * 2, o["points"]
PY
then ok; else bad "json output of compare of sweeps with an absent metric"; fi
"$SW" sweep "$SRC/scenarios/null.yaml" --vary devices.count=1,2 --runs 3 --quiet -o "$TMP/sw-null.h5" >/dev/null
expect 0 "^point 1 (devices.count=2, sequential): rounds: no verdict: absent in both files$" -- \
	"$SW" compare "$TMP/sw-null.h5" "$TMP/sw-null.h5" --metric rounds
# One run a point: undecided points, said so, exit 0.
"$SW" sweep "$SRC/scenarios/cx7-2vf.yaml" --vary vm.ram=1GiB,2GiB --runs 1 --quiet -o "$TMP/sw-one-a.h5" >/dev/null
"$SW" sweep "$SRC/scenarios/cx7-2vf.yaml" --vary vm.ram=1GiB,2GiB --runs 1 --quiet \
	--set devices.load.rate=100MiB/s -o "$TMP/sw-one-b.h5" >/dev/null
expect 0 "^verdict: undecided: 0 of 2 points regressed, 0 improved, 0 no significant change, 2 undecided (too few runs for a verdict); 0 in one file only$" -- \
	"$SW" compare "$TMP/sw-one-a.h5" "$TMP/sw-one-b.h5"
expect 0 "^point 1 (vm.ram=2GiB, parallel-prio): downtime: undecided: +.*: too few runs for a verdict" -- \
	"$SW" compare "$TMP/sw-one-a.h5" "$TMP/sw-one-b.h5"

if "$SW" compare "$TMP/base.h5" "$TMP/slow.h5" --format json >"$TMP/cmp.json"; then
	bad "compare --format json of a regression exited 0"
elif python3 - "$TMP/cmp.json" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
assert o["verdict"] == "regression" and o["metric"] == "downtime", o["verdict"]
s = o["strategies"][0]
assert s["strategy"] == "parallel-prio" and s["metric"]["ci_s"][0] > 0, s["metric"]
# 200 ms against the profile's default of 5 ms (the image's save is
# save_rate's cost, outside the arc latency).  cx7-1vf's VF has no
# pre_copy since the profile was fitted (docs/calibration.md), so the arc
# is STOP -> STOP_COPY, no longer PRE_COPY_P2P -> STOP_COPY (20 ms).
assert abs(s["metric"]["diff_s"] - 0.195) < 1e-6, s["metric"]["diff_s"]
assert set(s["phases"]) == {"src_prepare", "src_main", "final_query", "stopcopy",
                            "dst_load", "dst_prepare", "dst_main"}
# rounds are counts: their fields say so, the times' say seconds
r = s["rounds"]
assert r["base_median_rounds"] == r["new_median_rounds"] == 1 and r["diff_rounds"] == 0, r
assert r["ci_rounds"] == [0, 0] and not any(k.endswith("_s") for k in r), r
assert "base_median_s" in s["total"] and "ci_s" in s["phases"]["stopcopy"]
assert s["ack_delay"] is None  # no switchover ACK: absent
PY
then ok; else bad "json output of compare"; fi

# The file is plain HDF5: h5py (python3-h5py) reads the documented layout.
if $PYH5 - "$TMP/base.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    assert f["meta"].attrs["schema_version"] == 2 and f["meta"].attrs["backend"] == "sim"
    assert f["scenario"][()].decode().startswith("name: cx7-1vf")
    s = f["summary"][()]
    assert len(s) == 8 and (s["status"] == 0).all() and (s["strategy"] == b"parallel-prio").all()
    r = f["runs/7"]
    assert abs(r.attrs["downtime_s"] - s["downtime_s"][7]) == 0
    kinds = h5py.check_enum_dtype(r["trace"].dtype["kind"])
    t = r["trace"][()]
    assert (t["kind"] == kinds["vm-stop"]).sum() == 1
    assert set(r["phases"].dtype.names) == {"device", "phase", "start", "end"}
    assert r["devices"][0]["name"] == b"vf"
    # /devices: every run's devices table in one, with the run's n
    d = f["devices"][()]
    assert list(d["n"]) == list(range(8)) and (d["device"] == 0).all(), d
    assert all(d[k]["total_s"] == f["runs/%d/devices" % k][0]["total_s"] for k in range(8))
    assert set(r["devices"].dtype.names) == set(d.dtype.names) - {"n"}
PY
then ok; else bad "h5py cannot read the result file (python3-h5py installed? scripts/install-deps.sh)"; fi

# report: pictures of result files (docs/report.md); errors exit 2.
"$SW" sim "$SRC/scenarios/cx7-2vf.yaml" --strategy all --runs 3 --quiet -o "$TMP/r2.h5" >/dev/null
"$SW" sim "$SRC/scenarios/cx7-2vf.yaml" --runs 2 --seed 5 --quiet -o "$TMP/r2b.h5" >/dev/null
"$SW" sim "$SRC/scenarios/cx7-1vf.yaml" --strategy all --runs 2 --quiet -o "$TMP/r1.h5" >/dev/null
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
expect 0 "usage: switchover report FILE.h5" -- "$SW" report --help
expect 0 "plots/cx7-2vf-parallel-barrier-timeline.png" -- "$SW" report "$TMP/r2.h5" -o "$TMP/plots"
for f in cx7-2vf-sequential-timeline cx7-2vf-parallel-prio-timeline \
	cx7-2vf-parallel-barrier-timeline cx7-2vf-downtime; do
	if [ -s "$TMP/plots/$f.png" ] && is_png "$TMP/plots/$f.png"; then ok; else bad "report made no PNG $f.png"; fi
done
expect 0 "svg/devices-sweep.svg" -- "$SW" report "$TMP/r1.h5" "$TMP/r2.h5" -o "$TMP/svg" --format svg
if head -1 "$TMP/svg/devices-sweep.svg" | grep -q '^<?xml' && tail -1 "$TMP/svg/devices-sweep.svg" | grep -q '</svg>'; then
	ok; else bad "devices-sweep.svg is not a whole SVG"; fi
expect 0 "plots/sim-vs-real.png" -- "$SW" report "$TMP/r2.h5" "$TMP/r2b.h5" -o "$TMP/plots" --plots sim-vs-real
expect 0 "plots/cx7-2vf-timeline.png" -- "$SW" report "$TMP/r2.h5" -o "$TMP/plots" --plots timeline --run 4
expect 2 "missing result FILE.h5" -- "$SW" report
expect 2 "nope.h5: No such file or directory" -- "$SW" report "$TMP/nope.h5"
expect 2 "null.yaml: not an HDF5 file" -- "$SW" report "$SRC/scenarios/null.yaml"
expect 2 "--format 'pdf': expected png or svg" -- "$SW" report "$TMP/r2.h5" --format pdf
expect 2 "--plots: unknown plot 'gantt'" -- "$SW" report "$TMP/r2.h5" --plots gantt
expect 2 "--run 99: .*r2.h5 has runs 0..8" -- "$SW" report "$TMP/r2.h5" -o "$TMP/plots" --run 99
expect 2 "sweep: the runs have a single device count" -- "$SW" report "$TMP/r2.h5" -o "$TMP/plots" --plots sweep
expect 2 "sim-vs-real needs two files" -- "$SW" report "$TMP/r1.h5" "$TMP/r2.h5" -o "$TMP/plots" --plots sim-vs-real

# The real world: the run command of sim plus its own options, the same output.
expect 0 "usage: switchover real FILE" -- "$SW" real --help
expect 0 "real-world options" -- "$SW" help real
expect 2 "--devices 'gpu': expected auto, emu or null" -- "$SW" real "$SRC/scenarios/null.yaml" --devices gpu
expect 2 "--io-timeout 'soon'" -- "$SW" real "$SRC/scenarios/null.yaml" --io-timeout soon
expect 2 "--io-timeout needs a value" -- "$SW" real "$SRC/scenarios/null.yaml" --io-timeout
expect 2 "missing scenario FILE" -- "$SW" real --devices emu
expect 0 "over bound  median" -- "$SW" real "$SRC/scenarios/null.yaml" --quiet --runs 2
expect 0 "comparison (null" -- "$SW" real "$SRC/scenarios/null.yaml" --strategy all --runs 2 --quiet --devices emu --io-timeout 5s
if "$SW" real "$SRC/scenarios/cx7-1vf.yaml" --set vm.ram=8MiB --set devices[0].state_size=4MiB \
	--runs 2 --format json --quiet >"$TMP/real.json" &&
	python3 - "$TMP/real.json" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
assert o["status"] == "completed" and o["runs"] == 2, o["status"]
assert abs(sum(o["phases_s"].values()) - o["downtime_s"]["median"]) < 0.05 * o["downtime_s"]["median"]
# The ideal-parallel bound is built from this run's own arc times: no run
# can beat it.  How far above it a run lands is bench/'s business.
assert o["over_bound_s"]["min"] >= 0, o["over_bound_s"]
PY
then ok; else bad "json output of switchover real"; fi

# --events: QMP events as JSON lines, the prepare event before P2P; nothing
# is left under the final name when the command fails.
if "$SW" sim "$SRC/scenarios/cx7-2vf.yaml" --runs 2 --quiet --events "$TMP/ev.jsonl" \
	--set 'devices.capabilities=[stop_copy, p2p, pre_copy]' >/dev/null &&
	python3 - "$TMP/ev.jsonl" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
src = [e for e in ev if e["side"] == "source" and e["run"] == 0 and e["data"]["device-id"] == "vf0"]
states = [e["data"]["device-state"] for e in src]
i = states.index("pre-copy-p2p-prepare")
assert states[i + 1] == "pre-copy-p2p", states
assert all(e["event"] == "VFIO_MIGRATION" for e in ev)
assert src[0]["data"]["qom-path"] == "/machine/peripheral/vf0"
assert {e["run"] for e in ev} == {0, 1}
PY
then ok; else bad "--events output"; fi
expect 2 "unknown option" -- "$SW" sim "$SRC/scenarios/null.yaml" --events "$TMP/ev2.jsonl" --bogus
if [ -e "$TMP/ev2.jsonl" ] || ls "$TMP"/ev2.jsonl.tmp-* >/dev/null 2>&1; then bad "--events left a file behind"; else ok; fi

# Switchover-ack and REINIT scenarios run and say what happened.
expect 0 "ack         new on the source, new on the destination" -- "$SW" sim "$SRC/scenarios/reinit-on.yaml" --runs 1 --quiet
expect 1 "underflowed" -- "$SW" sim "$SRC/scenarios/ack-legacy-vs-new.yaml" --runs 1 --quiet --set migration.switchover_ack=legacy --set migration.switchover_ack_destination=new

# migration.threads: pool workers instead of a thread per device per pass;
# sequential has no threads, the parallel strategies get faster, invariants
# hold, and the result files, reports and the real world take it.
expect 0 "  threads: per-pass" -- "$SW" sim "$SRC/scenarios/demo/thread-pool.yaml" --resolved
expect 2 "migration.threads: unknown thread mode 'shared': expected per-pass or pool" -- \
	"$SW" sim "$SRC/scenarios/null.yaml" --set migration.threads=shared
if "$SW" sim "$SRC/scenarios/demo/thread-pool.yaml" --strategy all --format json --quiet >"$TMP/pp.json" &&
	"$SW" sim "$SRC/scenarios/demo/thread-pool.yaml" --strategy all --format json --quiet \
		--set migration.threads=pool -o "$TMP/pool.h5" >"$TMP/pool.json" &&
	python3 - "$TMP/pp.json" "$TMP/pool.json" <<'PY'
import json, sys
a, b = ({r["strategy"]: r for r in json.load(open(f))["results"]} for f in sys.argv[1:3])
assert b["sequential"]["downtime_s"] == a["sequential"]["downtime_s"]
for s in ("parallel-prio", "parallel-barrier"):
    assert b[s]["downtime_s"]["median"] < a[s]["downtime_s"]["median"], s
    assert all(v is True for v in b[s]["invariants"].values()), b[s]["invariants"]
    assert b[s]["threads_per_run"] == 2 * 64, b[s]["threads_per_run"]
PY
then ok; else bad "migration.threads=pool in sim"; fi
expect 0 "plots/demo-thread-pool-parallel-prio-timeline.png" -- "$SW" report "$TMP/pool.h5" -o "$TMP/plots" --plots timeline
expect 0 "comparison (null" -- "$SW" real "$SRC/scenarios/null.yaml" --strategy all --runs 2 --quiet \
	--devices emu --set migration.threads=pool

# Two processes over TCP: each plays one end; both print the whole run.
"$SW" real "$SRC/scenarios/null.yaml" --runs 2 --role dst --listen 127.0.0.1:0 --quiet \
	--format json >"$TMP/dst.json" 2>"$TMP/dst.err" &
dst=$!
port=$(listen_port $dst "$TMP/dst.err")
if [ -n "$port" ] && "$SW" real "$SRC/scenarios/null.yaml" --runs 2 --role src \
	--connect "127.0.0.1:$port" --quiet --format json >"$TMP/src.json" && wait $dst &&
	python3 - "$TMP/src.json" "$TMP/dst.json" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for o in (a, b):
    assert o["status"] == "completed" and o["runs"] == 2, o["status"]
# Both ends hold the whole run: the same devices moved the same bytes.  (How
# close their downtimes are is bounded by the clock exchange's round trip,
# which test_real asserts.)
for k in ("strategy", "devices", "completed", "failed", "threads_per_run"):
    assert a[k] == b[k], k
assert [d["stopcopy_bytes"] for d in a["device_attribution_s"]] == \
    [d["stopcopy_bytes"] for d in b["device_attribution_s"]]
PY
then ok; else bad "two processes over TCP"; fi
kill $dst 2>/dev/null
expect 2 "--role src needs --connect" -- "$SW" real "$SRC/scenarios/null.yaml" --role src
expect 2 "--role 'both'" -- "$SW" real "$SRC/scenarios/null.yaml" --role both
expect 2 "cannot connect to 127.0.0.1:1" -- "$SW" real "$SRC/scenarios/null.yaml" --role src \
	--connect 127.0.0.1:1 --io-timeout 300ms --quiet

# SIGINT to a `real` started in the background of this (non-interactive)
# shell, which starts it with SIGINT ignored: it installs its handler before
# anything else, says when the first run is under way (the signal is sent
# only then, however slow the start-up), ends the run in progress and
# leaves no result file.
"$SW" real "$SRC/bench/agreement.yaml" --runs 200 -o "$TMP/int.h5" >"$TMP/int.out" 2>&1 &
pid=$!
wait_for $pid "$TMP/int.out" "run 1/200 started"
kill -INT $pid
status=0
wait $pid || status=$?
if [ "$status" = 2 ] && grep -q "interrupted" "$TMP/int.out" && [ ! -e "$TMP/int.h5" ] &&
	! ls "$TMP" | grep -q 'int.h5.tmp'; then
	ok
else
	bad "SIGINT to switchover real: exit $status"; sed 's/^/    /' "$TMP/int.out" | head -5
fi

# VFIO devices: help, refusals named by device and key, no half-written file.
expect 0 "usage: switchover vfio info" -- "$SW" vfio --help
expect 2 "no device given" -- "$SW" vfio info
expect 2 "expected auto, cdev or group" -- "$SW" vfio info --interface iommu 3b:00.2
mkdir -p "$TMP/sys/bus/pci/devices/0000:3b:00.2" "$TMP/sys/bus/pci/drivers/mlx5_core"
ln -s ../../../bus/pci/drivers/mlx5_core "$TMP/sys/bus/pci/devices/0000:3b:00.2/driver"
expect 2 "0000:3b:00.2 is bound to mlx5_core, not to a VFIO driver" -- \
	env SWITCHOVER_SYSFS="$TMP/sys" "$SW" vfio info 3b:00.2
printf 'name: hw\ndevices:\n  - name: vf\n    count: 2\n    backend: vfio\n    vfio: {source: [3b:00.2, 3b:00.3], destination: [3b:00.4, 3b:00.5]}\n' >"$TMP/hw.yaml"
expect 2 "devices\[0\].vfio.source\[0\]: 0000:3b:00.2 is bound to mlx5_core" -- \
	env SWITCHOVER_SYSFS="$TMP/sys" "$SW" real "$TMP/hw.yaml" --runs 1 --quiet -o "$TMP/hw.h5"
if [ -e "$TMP/hw.h5" ] || ls "$TMP" | grep -q 'hw.h5.tmp'; then bad "a refused run left a result file"; else ok; fi
expect 2 "]: devices\[0\].vfio.source\[1\]: '3b:00.9x' is not a device address" -- \
	"$SW" real "$TMP/hw.yaml" --set 'devices[0].vfio.source=[3b:00.2, 3b:00.9x]'
sed 's/3b:00.3\]/3b:00.3x]/' "$TMP/hw.yaml" >"$TMP/hw2.yaml"
expect 2 "hw2.yaml:6: devices\[0\].vfio.source\[1\]: '3b:00.3x'" -- "$SW" real "$TMP/hw2.yaml"
expect 0 "backend: vfio" -- "$SW" sim "$TMP/hw.yaml" --resolved

# The demo's "2-core vs 64-core host" scenario shows the cores: no
# switchover is forced (the switchover-ack comes before max_iterations), so
# no precopy image load is left for the downtime; on 2 cores every strategy
# is slower than on 64 (its CPU work queues); sequential differs only in
# its phases with parallel work (the per-device load threads, stop-copy).
for c in 2 64; do
	"$SW" sim "$SRC/scenarios/demo/host-cores.yaml" --strategy all --quiet \
		--set hosts.source.cores=$c --set hosts.destination.cores=$c >"$TMP/hc-$c" 2>&1
	n=$(grep -c "^precopy .*, 0 forced switchovers," "$TMP/hc-$c")
	if [ "$n" = 3 ]; then ok; else bad "host-cores.yaml on $c cores: $n of 3 strategies not forced"; fi
done
if python3 - "$TMP/hc-2" "$TMP/hc-64" <<'PY'; then ok; else bad "host-cores.yaml: 2 vs 64 cores"; fi
import re, sys
def parse(path):
    runs, cur = {}, None
    for line in open(path):
        m = re.match(r"scenario .*strategy (\S+),", line)
        if m:
            cur = runs.setdefault(m.group(1), {})
        m = re.match(r"downtime +median ([0-9.]+)", line)
        if m:
            cur["downtime"] = float(m.group(1))
        m = re.match(r"  ([a-z_]+) +([0-9.]+)$", line)
        if m and cur is not None:
            cur[m.group(1)] = float(m.group(2))
    return runs
two, many = parse(sys.argv[1]), parse(sys.argv[2])
assert set(two) == {"sequential", "parallel-prio", "parallel-barrier"}, two
for s in two:
    assert two[s]["downtime"] > many[s]["downtime"], (s, two[s], many[s])
seq2, seq64 = two["sequential"], many["sequential"]
for k in ("src_prepare", "src_main", "final_query", "dst_prepare", "dst_main"):
    assert seq2[k] == seq64[k], (k, seq2, seq64)
assert seq2["dst_load"] > seq64["dst_load"], (seq2, seq64)
PY

finish
