#!/bin/sh
# `switchover suite run|compare` end to end (docs/suite.md): the tiny suite
# of tests/data/suite run twice (same seeds: no regression, exit 0) and with
# one arc of one entry slower (exactly that regression, exit 1), the JUnit
# XML well-formed with exactly that failure, the Markdown one row per entry,
# noise too large to decide, too few runs for a verdict, entries in one
# folder only, a real-world entry, Ctrl-C, and the bad-suite corpus
# (tests/data/bad-suite, each file's first line "# expect: MESSAGE")
# refused with exit status 2.
# usage: check_suite.sh SWITCHOVER_BINARY SOURCE_DIR
set -u
SW=$1
SRC=$2
. "$SRC/tests/expect.sh"
D="$SRC/tests/data/suite"

expect 0 "suite .*regression suites for CI" -- "$SW" --help
expect 0 "usage: switchover suite SUBCOMMAND" -- "$SW" suite --help
expect 0 "usage: switchover suite run SUITE.yaml -o DIR" -- "$SW" suite run --help
expect 0 "usage: switchover suite compare BASEDIR NEWDIR" -- "$SW" suite compare --help
expect 2 "unknown subcommand 'walk'" -- "$SW" suite walk
expect 2 "-o DIR is required" -- "$SW" suite run "$D/tiny.yaml"
expect 2 "expected two folders" -- "$SW" suite compare "$TMP"
expect 2 "no manifest.json: not the folder of a finished" -- "$SW" suite compare "$TMP" "$TMP"

# Well-formed XML: xmllint when installed, else Python's parser.
wellformed() {
	if command -v xmllint >/dev/null 2>&1; then
		xmllint --noout "$1"
	else
		python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$1"
	fi
}

# The same suite twice: the same seeds, the same results, no regression.
expect 0 "manifest: $TMP/base/manifest.json (3 entries" -- "$SW" suite run "$D/tiny.yaml" -o "$TMP/base"
cp "$TMP/out" "$TMP/run.out"
expect 0 "suite: \[3/3\] tiny-sweep (sweep, 2 points, 8 runs), about .* left" -- cat "$TMP/run.out"
for f in null.h5 null.txt cx7.h5 cx7.txt tiny-sweep.h5 tiny-sweep.txt manifest.json; do
	if [ -s "$TMP/base/$f" ]; then ok; else bad "suite run wrote no $f"; fi
done
if ls "$TMP/base" | grep -q -e 'tmp-' -e 'ckpt'; then bad "suite run left temporaries"; else ok; fi
expect 0 "scenario    cx7-1vf: 1 device, strategy sequential, 8 runs, seed 1" -- cat "$TMP/base/cx7.txt"
sha=$(sha256sum "$D/tiny.yaml" | cut -d' ' -f1)
expect 0 "\"sha256\": \"$sha\"" -- cat "$TMP/base/manifest.json"
expect 0 "\"command\": \"switchover sweep .*tiny-sweep.yaml -o $TMP/base/tiny-sweep.h5 --quiet --traces none\"" -- cat "$TMP/base/manifest.json"
"$SW" suite run "$D/tiny.yaml" -o "$TMP/same" --quiet >/dev/null 2>&1
expect 0 "verdict: no regression$" -- "$SW" suite compare "$TMP/base" "$TMP/same" \
	--junit "$TMP/same.xml" --markdown "$TMP/same.md"
cp "$TMP/out" "$TMP/same.out"
expect 0 "suite tiny: 3 entries, 4 checks: 0 regression, 0 undecided, 0 improvement, 4 ok, 0 error" -- cat "$TMP/same.out"
expect 0 "^ok  *cx7 phase:src_main  *sequential phase:src_main: no significant change: +0.0% exactly (53.3 -> 53.3 ms), deterministic" -- cat "$TMP/same.out"
if wellformed "$TMP/same.xml"; then ok; else bad "the JUnit of two equal runs is not well-formed XML"; fi
expect 0 'tests="4" failures="0" errors="0" skipped="0"' -- cat "$TMP/same.xml"

# One arc of cx7 60 ms slower: exactly cx7's downtime regressed.
"$SW" suite run "$D/tiny-slower.yaml" -o "$TMP/slow" --quiet >/dev/null 2>&1
expect 1 "verdict: regression (cx7 downtime)$" -- "$SW" suite compare "$TMP/base" "$TMP/slow" \
	--junit "$TMP/slow.xml" --markdown "$TMP/slow.md"
expect 1 "^regression  *cx7 downtime  *sequential downtime: regression: +12.1% exactly (495.5 -> 555.5 ms), deterministic" -- \
	"$SW" suite compare "$TMP/base" "$TMP/slow"
expect 1 "warning: the suites differ" -- "$SW" suite compare "$TMP/base" "$TMP/slow"
if wellformed "$TMP/slow.xml"; then ok; else bad "the JUnit of a regression is not well-formed XML"; fi
if python3 - "$TMP/slow.xml" <<'PY'
import sys, xml.etree.ElementTree as E
root = E.parse(sys.argv[1]).getroot()
cases = root.findall("./testsuite/testcase")
failed = [(c.get("classname"), c.get("name"), c.find("failure").get("message"))
          for c in cases if c.find("failure") is not None]
others = [c for c in cases if c.find("error") is not None or c.find("skipped") is not None]
assert len(cases) == 4, len(cases)
assert root.get("failures") == "1" and root.get("tests") == "4", root.attrib
assert len(failed) == 1 and failed[0][:2] == ("tiny.cx7", "downtime"), failed
assert failed[0][2].startswith("sequential downtime: regression: +12.1% exactly"), failed
assert not others
PY
then ok; else bad "the JUnit does not have exactly the failure of cx7 downtime"; fi
rows=$(grep -c '^| [a-z]' "$TMP/slow.md")
if [ "$rows" = 4 ] && grep -q '^| cx7 | \*\*regression\*\* | downtime: sequential downtime: regression: ' "$TMP/slow.md" &&
	grep -q '^| null | ok | ' "$TMP/slow.md" && grep -q '^| tiny-sweep | ok | ' "$TMP/slow.md"; then
	ok
else
	bad "the Markdown is not a header and one row per entry"; cat "$TMP/slow.md"
fi

# Different seeds on a noisy arc, 6 runs: too noisy to decide, not "no change".
for s in 1 2; do
	cat >"$TMP/noisy$s.yaml" <<EOF
name: noisy
entries:
  - name: noisy
    scenario: $SRC/scenarios/cx7-1vf.yaml
    runs: 6
    seed: $s
    set: ["devices.latency.stop_to_running_p2p=lognormal(median=60ms, sigma=0.5)"]
EOF
	"$SW" suite run "$TMP/noisy$s.yaml" -o "$TMP/noisy$s" --quiet >/dev/null 2>&1
done
expect 0 "^undecided  *noisy downtime  *.*; the interval reaches +57.0 ms, a regression above the threshold's +25.1 ms: too noisy to decide" -- \
	"$SW" suite compare "$TMP/noisy1" "$TMP/noisy2" --junit "$TMP/noisy.xml"
cp "$TMP/out" "$TMP/noisy.out"
expect 0 "verdict: no regression found (some undecided)" -- cat "$TMP/noisy.out"
expect 0 '<skipped type="undecided" message="undecided: ' -- cat "$TMP/noisy.xml"

# Too few runs for a verdict (2 against 2: no p below 0.05) on a change
# beyond the threshold, here an improvement: undecided, as `compare` says,
# in a scenario entry and in a sweep entry's points, not "ok".
for s in 1 2; do
	med=$([ $s = 1 ] && echo 60ms || echo 15ms)
	cat >"$TMP/few$s.yaml" <<EOF
name: few
entries:
  - name: few
    scenario: $SRC/scenarios/cx7-1vf.yaml
    runs: 2
    seed: $s
    set: ["devices.latency.stop_to_running_p2p=lognormal(median=$med, sigma=0.5)"]
  - name: fewsw
    sweep: $D/tiny-sweep.yaml
    runs: 2
    seed: $s
    set: ["devices.latency.stop_to_running_p2p=lognormal(median=$med, sigma=0.5)"]
EOF
	"$SW" suite run "$TMP/few$s.yaml" -o "$TMP/few$s" --quiet >/dev/null 2>&1
done
expect 0 "^undecided  *few downtime  *parallel-prio downtime: undecided: -[0-9.]*% .*: too few runs for a verdict (the smallest possible p is 0.33)$" -- \
	"$SW" suite compare "$TMP/few1" "$TMP/few2"
cp "$TMP/out" "$TMP/few.out"
expect 0 "^undecided  *fewsw downtime  *0 of 2 points regressed, 2 undecided, 0 improved; point 0 .*: undecided: -[0-9.]*% .*: too few runs for a verdict" -- cat "$TMP/few.out"
expect 0 "2 checks: 0 regression, 2 undecided, 0 improvement, 0 ok, 0 error" -- cat "$TMP/few.out"

# Entries in one folder only: a warning each, an error each, exit 2, and
# the reports written all the same.
expect 2 "warning: noisy is only in $TMP/noisy1" -- "$SW" suite compare "$TMP/base" "$TMP/noisy1" \
	--junit "$TMP/one.xml" --markdown "$TMP/one.md"
cp "$TMP/out" "$TMP/one.out"
expect 0 "^error  *cx7 downtime  *only in $TMP/base: $TMP/noisy1 has no entry of this name" -- cat "$TMP/one.out"
expect 0 "verdict: error (noisy downtime, null downtime, cx7 downtime, cx7 phase:src_main, tiny-sweep downtime)" -- cat "$TMP/one.out"
if wellformed "$TMP/one.xml" && grep -q 'tests="5" failures="0" errors="5"' "$TMP/one.xml" &&
	[ "$(grep -c '^| [a-z]' "$TMP/one.md")" = 5 ]; then ok; else bad "one-folder entries are not errors in the reports"; fi
# A folder without a manifest (interrupted, failed) is no suite run.
mkdir -p "$TMP/half" && cp "$TMP/base/null.h5" "$TMP/half/"
expect 2 "half: no manifest.json" -- "$SW" suite compare "$TMP/base" "$TMP/half"
echo '{"format": "switchover suite 9"}' >"$TMP/half/manifest.json"
expect 2 "half/manifest.json: not a suite manifest" -- "$SW" suite compare "$TMP/base" "$TMP/half"

# A real-world entry: warned of too few runs, recorded, never a regression
# of itself (whether 3 real runs are too noisy to decide is up to them).
cat >"$TMP/real.yaml" <<EOF
entries:
  - scenario: $SRC/scenarios/null.yaml
    world: real
    runs: 3
EOF
expect 0 "warning: null: 3 real runs: real runs are noisy" -- "$SW" suite run "$TMP/real.yaml" -o "$TMP/real" --quiet
expect 0 '"world": "real"' -- cat "$TMP/real/manifest.json"
expect 0 "verdict: no regression" -- "$SW" suite compare "$TMP/real" "$TMP/real"

# Ctrl-C during a sweep entry: exit 130, no manifest, nothing half-written.
cat >"$TMP/long.yaml" <<EOF
entries:
  - sweep: $SRC/studies/vf-scaling.yaml
    runs: 50
EOF
"$SW" suite run "$TMP/long.yaml" -o "$TMP/long" >/dev/null 2>"$TMP/long.err" &
pid=$!
wait_for $pid "$TMP/long.err" "suite: \[1/1\]"
kill -INT $pid
wait $pid
st=$?
if [ "$st" = 130 ] && grep -q "interrupted: 0 of 1 entries finished; no manifest written" "$TMP/long.err" &&
	! ls "$TMP/long" | grep -q -e manifest -e tmp- -e ckpt -e 'vf-scaling.h5$' -e txt; then
	ok
else
	bad "Ctrl-C of suite run: exit $st, left: $(ls "$TMP/long")"; cat "$TMP/long.err"
fi

# Bad suite files: exit 2, file:line:key, nothing written.  Run from their
# folder, as the messages name them.
cd "$SRC/tests/data/bad-suite" || exit 1
for f in *.yaml; do
	want=$(sed -n '1s/^# expect: //p' "$f")
	"$SW" suite run "$f" -o "$TMP/bad" >"$TMP/out" 2>&1
	st=$?
	if [ "$st" = 2 ] && grep -q -F -- "$want" "$TMP/out"; then
		ok
	else
		bad "suite run $f exited $st, expected 2 and '$want'"; sed 's/^/    /' "$TMP/out" | head -3
	fi
done
if [ -e "$TMP/bad" ]; then bad "a refused suite made its folder"; else ok; fi

# More failed migrations are a regression even when the runs that complete
# did not change (compare's failure-rate test, folded into the first metric).
"$SW" suite run "$D/fail-base.yaml" -o "$TMP/fb" --quiet >/dev/null 2>&1
"$SW" suite run "$D/fail-new.yaml" -o "$TMP/fn" --quiet >/dev/null 2>&1
expect 1 "^regression  *null downtime .*; failure rate: regression, 0 of 20 -> 13 of 20 runs failed, Fisher p = " -- \
	"$SW" suite compare "$TMP/fb" "$TMP/fn"

# Precopy rounds are counts, in a sweep entry too: a lower downtime limit
# adds rounds to every run of every point, said in rounds (not in ms).
# (1 -> 4: the cx7 scenarios' fitted vm.dirty_rate, docs/calibration.md.)
for v in 300ms 10ms; do
	printf 'name: rounds\nentries:\n  - name: sw\n    sweep: %s\n    metrics: [rounds]\n    set: [migration.downtime_limit=%s]\n' \
		"$D/tiny-sweep.yaml" "$v" >"$TMP/rounds-$v.yaml"
	"$SW" suite run "$TMP/rounds-$v.yaml" -o "$TMP/rounds-$v" --quiet >/dev/null 2>&1
done
expect 1 "^regression  *sw rounds  *2 of 2 points regressed, .*; point 0 (devices.count=1, parallel-prio): regression: +300.0% exactly (1.0 -> 4.0 rounds), deterministic" -- \
	"$SW" suite compare "$TMP/rounds-300ms" "$TMP/rounds-10ms" --markdown "$TMP/rounds.md"
if grep -q " ms" "$TMP/out" "$TMP/rounds.md" || ! grep -q "(1.0 -> 4.0 rounds)" "$TMP/rounds.md"; then
	bad "suite compare gave the rounds of a sweep in ms"; sed 's/^/    /' "$TMP/rounds.md" | head -5; else ok; fi

finish
