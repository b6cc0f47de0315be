#!/bin/sh
# `switchover calibrate table` end to end: observations made by the
# simulation itself with hidden values of two keys are fitted back from
# another start (the sim is deterministic, so the recovery is tight), a
# third key that no row depends on comes out as a flat direction, the
# leave-one-out table is there with the straight-line baseline beside it,
# the --report JSON holds the same, two runs give the same bytes, and bad
# input is refused with file:line:column or the key, exit status 2.
# usage: check_calibrate.sh SWITCHOVER_BINARY SOURCE_DIR
set -u
SW=$1
SRC=$2
. "$SRC/tests/expect.sh"
cp "$SRC/tests/data/calibrate/two-vf.yaml" "$TMP/"

# The hidden values: an arc of every device and the destination's load rate.
HIDDEN="--set devices.latency.running_to_running_p2p=30ms --set devices.load.rate=500MiB/s"
median() { # STRATEGY COUNT: the simulated median downtime in ms
	# shellcheck disable=SC2086
	"$SW" sim "$TMP/two-vf.yaml" --strategy "$1" --set "devices.count=$2" $HIDDEN \
		--runs 1 --seed 1 --format json --quiet |
		python3 -c "import json,sys; print('%.9fms' % (json.load(sys.stdin)['downtime_s']['median'] * 1e3))"
}
{
	echo "# made by the simulation with hidden values (check_calibrate.sh)"
	echo "scenario,set,strategy,statistic,observed,uncertainty,note"
	echo "two-vf.yaml,devices.count=1,sequential,median,$(median sequential 1),,one device"
	echo "two-vf.yaml,\"devices.count=2; migration.threads=per-pass\",sequential,median,$(median sequential 2),1%,"
	echo "two-vf.yaml,devices.count=2,parallel-prio,median,$(median parallel-prio 2),,"
} >"$TMP/obs.csv"

FREE="--free devices.latency.running_to_running_p2p=1ms..1s --free devices.load.rate=10MiB/s..10GiB/s"
FLAT="--free devices.latency.pre_copy_to_running=1ms..100ms"
# shellcheck disable=SC2086
expect 0 "leave-one-out" -- "$SW" calibrate table "$TMP/obs.csv" $FREE --runs 1 \
	-o "$TMP/fit.yaml" --report "$TMP/fit.json"
cp "$TMP/out" "$TMP/report1"
cp "$TMP/fit.yaml" "$TMP/fit1.yaml"
# A key no row depends on is a flat direction: a fit of the load rate and
# that key to the first row alone (short, so it also shows that the same
# fit twice gives the same bytes).
grep -v 'count=2' "$TMP/obs.csv" >"$TMP/one.csv"
ONE="--free devices.load.rate=10MiB/s..10GiB/s $FLAT --runs 1 --quiet -o $TMP/one.yaml --report $TMP/one.json"
# shellcheck disable=SC2086
"$SW" calibrate table "$TMP/one.csv" $ONE >"$TMP/r1" 2>&1 && cp "$TMP/one.yaml" "$TMP/one1.yaml" &&
	cp "$TMP/one.json" "$TMP/one1.json"
# shellcheck disable=SC2086
"$SW" calibrate table "$TMP/one.csv" $ONE >"$TMP/r2" 2>&1
if cmp -s "$TMP/one.yaml" "$TMP/one1.yaml"; then ok; else bad "two fits wrote different profiles"; fi
if cmp -s "$TMP/one.json" "$TMP/one1.json"; then ok; else bad "two fits wrote different reports"; fi
if cmp -s "$TMP/r1" "$TMP/r2"; then ok; else bad "two fits printed different reports"; diff "$TMP/r1" "$TMP/r2" | head; fi
expect 0 "rows (times in ms" -- cat "$TMP/r1"
# the progress line and the time the fit took, on stderr only with the first fit
expect 0 "evaluations in" -- cat "$TMP/report1"
tr '\r' '\n' <"$TMP/report1" | grep -v 'left *$' | grep -v 'evaluations in' | grep -v '^ *$' >"$TMP/report2"

# Recovery within 0.5% of the hidden values.
python3 - "$TMP/report2" <<'PY' && ok || bad "hidden values not recovered"
import re, sys
text = open(sys.argv[1]).read()
def fitted(key):
    m = re.search(r'^\s+' + re.escape(key) + r'\s+(\S+)', text, re.M)
    return m.group(1)
arc = fitted('devices.latency.running_to_running_p2p')
rate = fitted('devices.load.rate')
assert arc.endswith('ms') and abs(float(arc[:-2]) / 30 - 1) < 0.005, arc
assert rate.endswith('MiB/s') and abs(float(rate[:-5]) / 500 - 1) < 0.005, rate
# every row: residual and a leave-one-out prediction
rows = re.findall(r'^\s+\d+ two-vf\.yaml .*%\s+[\d.]+\s+[-+][\d.]+%$', text, re.M)
assert len(rows) == 3, rows
PY
# The report file (--report) holds what the table printed, and the
# baseline is the least-squares line through the observations.
python3 - "$TMP/fit.json" "$TMP/report2" "$TMP/obs.csv" "$TMP/one.json" <<'PY' && ok || bad "--report file"
import json, re, sys
r = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
assert r["observations"].endswith("obs.csv") and r["runs"] == 1 and r["seed"] == 1, r
assert r["command"].startswith("switchover calibrate table ") and "--report" in r["command"]
assert [f["key"] for f in r["free"]] == ["devices.latency.running_to_running_p2p", "devices.load.rate"]
for f in r["free"]:
    printed = re.search(r'^\s+' + re.escape(f["key"]) + r'\s+(\S+)', text, re.M).group(1)
    assert f["text"] == printed and f["determined"], (f, printed)
    assert f["ci95_low"] < f["value"] < f["ci95_high"], f
assert f["kind"] == "rate" and abs(f["value"] / (500 * 2**20) - 1) < 0.005, f
assert len(r["directions"]) == 2 and not any(d["flat"] for d in r["directions"])
rows = r["rows"]
assert [x["line"] for x in rows] == [3, 4, 5], rows
assert [x["devices"] for x in rows] == [1, 2, 2], rows
assert rows[1]["set"] == ["devices.count=2", "migration.threads=per-pass"], rows[1]
assert rows[0]["scenario"] == "two-vf.yaml" and rows[0]["note"] == "one device", rows[0]
assert rows[2]["note"] is None and rows[2]["strategy"] == "parallel-prio", rows[2]
printed = re.findall(r'^\s+(\d+) two-vf\.yaml .*$', text, re.M)
assert len(printed) == 3
for x in rows:
    o = x["observed_s"]
    assert abs(x["uncertainty_s"] - 0.01 * o) < 1e-12, x
    for v, e in (("fitted_s", "error"), ("loo_s", "loo_error"), ("line_s", "line_error"),
                 ("line_loo_s", "line_loo_error")):
        assert abs(x[e] - (x[v] - o) / o) < 1e-12, (e, x)
    line = re.search(r'^\s+%d two-vf\.yaml .*$' % x["line"], text, re.M).group(0).split()
    # observed, fitted, LOO, line and line LOO as printed (ms, 0.1)
    for col, k in ((5, "observed_s"), (6, "fitted_s"), (8, "loo_s"), (10, "line_s"), (12, "line_loo_s")):
        assert abs(float(line[col]) - 1e3 * x[k]) <= 0.05 + 1e-9, (col, k, line, x)
# the baseline: the least-squares line of observed against devices
xs = [x["devices"] for x in rows]; ys = [x["observed_s"] for x in rows]
mx, my = sum(xs) / 3, sum(ys) / 3
b = sum((a - mx) * (c - my) for a, c in zip(xs, ys)) / sum((a - mx) ** 2 for a in xs)
assert abs(r["baseline"]["b_s_per_device"] - b) < 1e-12 and abs(r["baseline"]["a_s"] - (my - b * mx)) < 1e-12
for i, x in enumerate(rows):
    assert abs(x["line_s"] - (my - b * mx + b * x["devices"])) < 1e-12
# leave one out: without the 1-device row the other two have one count: their mean
assert abs(rows[0]["line_loo_s"] - (ys[1] + ys[2]) / 2) < 1e-12, rows[0]
# a report of one row: no leave-one-out (null), the line is the row itself
one = json.load(open(sys.argv[4]))
assert len(one["rows"]) == 1 and one["rows"][0]["loo_s"] is None and one["rows"][0]["line_loo_s"] is None, one
assert one["rows"][0]["line_s"] == one["rows"][0]["observed_s"], one
assert [d["flat"] for d in one["directions"]].count(True) == 1, one["directions"]
PY
expect 0 "FLAT .*devices.latency.pre_copy_to_running" -- cat "$TMP/r1"
expect 0 "pre_copy_to_running .*not determined" -- cat "$TMP/r1"
expect 0 "pre_copy_to_running: {source: fitted, .*NOT determined" -- cat "$TMP/one1.yaml"
expect 0 "load.rate: {source: fitted, to: \"$TMP/obs.csv lines 3, 4 and 5" -- cat "$TMP/fit1.yaml"
expect 0 "state_size: {source: publication" -- cat "$TMP/fit1.yaml"
# the fitted profile's device keys are scenario keys: a scenario takes them
python3 - "$TMP/fit1.yaml" >"$TMP/sets" <<'PY'
import re, sys
for line in open(sys.argv[1]):
    m = re.match(r'  (latency|load): \{(.*)\}$', line)
    if m:  # values are double-quoted (a distribution's commas)
        for k, v in re.findall(r'(\w+): "((?:[^"\\]|\\.)*)"', m.group(2)):
            print('--set devices.%s.%s=%s' % (m.group(1), k, v))
PY
# shellcheck disable=SC2046
expect 0 "downtime" -- "$SW" sim "$TMP/two-vf.yaml" $(cat "$TMP/sets") --runs 1 --quiet

# Bad input: exit 2, naming file:line:column or the key; no output file.
expect 0 "usage: switchover calibrate table" -- "$SW" calibrate table --help
expect 2 "no --free" -- "$SW" calibrate table "$TMP/obs.csv"
expect 2 "LOW < HIGH" -- "$SW" calibrate table "$TMP/obs.csv" --free devices.load.rate=2GiB/s..1GiB/s
expect 2 "not the same kind" -- "$SW" calibrate table "$TMP/obs.csv" --free devices.load.rate=1ms..1GiB/s
expect 2 "expected KEY=LOW..HIGH" -- "$SW" calibrate table "$TMP/obs.csv" --free devices.load.rate
expect 2 "devices.no_such_key" -- "$SW" calibrate table "$TMP/obs.csv" \
	--free devices.no_such_key=1ms..2ms --runs 1 -o "$TMP/bad.yaml"
printf 'scenario,strategy,statistic,observed\ntwo-vf.yaml,sequential,median,oops\n' >"$TMP/b1.csv"
expect 2 "b1.csv:2:31: observed: 'oops'" -- "$SW" calibrate table "$TMP/b1.csv" $FLAT
printf 'scenario,strategy,statistic,observed\ntwo-vf.yaml,fastest,median,1ms\n' >"$TMP/b2.csv"
expect 2 "b2.csv:2:13: strategy: 'fastest'" -- "$SW" calibrate table "$TMP/b2.csv" $FLAT
printf 'scenario,strategy,statistic,observed\ntwo-vf.yaml,sequential,p100,1ms\n' >"$TMP/b3.csv"
expect 2 "b3.csv:2:24: statistic: 'p100'" -- "$SW" calibrate table "$TMP/b3.csv" $FLAT
printf 'scenario,strategy,statistic\n' >"$TMP/b4.csv"
expect 2 "b4.csv:1:1: the header has no 'observed' column" -- "$SW" calibrate table "$TMP/b4.csv" $FLAT
printf 'scenario,strategy,statistic,observed,colour\n' >"$TMP/b5.csv"
expect 2 "b5.csv:1:38: 'colour': unknown column" -- "$SW" calibrate table "$TMP/b5.csv" $FLAT
printf 'scenario,strategy,statistic,observed\nmissing.yaml,sequential,median,1ms\n' >"$TMP/b6.csv"
expect 2 "b6.csv:2:1: scenario: .*missing.yaml: cannot read it" -- "$SW" calibrate table "$TMP/b6.csv" $FLAT
printf 'scenario,strategy,statistic,observed\n"two-vf.yaml,sequential,median,1ms\n' >"$TMP/b7.csv"
expect 2 "b7.csv:2:1: unterminated" -- "$SW" calibrate table "$TMP/b7.csv" $FLAT
printf 'scenario,set,strategy,statistic,observed\ntwo-vf.yaml,devices.count,sequential,median,1ms\n' >"$TMP/b8.csv"
expect 2 "b8.csv:2:13: set: 'devices.count': expected KEY=VALUE" -- "$SW" calibrate table "$TMP/b8.csv" $FLAT
printf 'scenario,strategy,statistic,observed\n' >"$TMP/b9.csv"
expect 2 "b9.csv:1:1: no observation rows" -- "$SW" calibrate table "$TMP/b9.csv" $FLAT
printf 'scenario,strategy,statistic,observed\ntwo-vf.yaml,sequential,median,1ms,extra\n' >"$TMP/b10.csv"
expect 2 "b10.csv:2:35: 5 fields; the header names 4 columns" -- "$SW" calibrate table "$TMP/b10.csv" $FLAT
mkdir "$TMP/adir"
expect 2 "adir" -- "$SW" calibrate table "$TMP/obs.csv" $FLAT --report "$TMP/adir"
expect 0 "--report FILE.json" -- "$SW" calibrate table --help
if [ -e "$TMP/bad.yaml" ]; then bad "a refused fit left an output file"; else ok; fi
finish
