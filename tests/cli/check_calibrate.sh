#!/bin/sh
# `switchover calibrate` from the command line: help, the subcommand table,
# refusals (exit 2, naming the file and what it lacks, and no profile
# written), and a profile from a sim run whose every value is exact.
# usage: check_calibrate.sh SWITCHOVER_BINARY SOURCE_DIR
set -u
SW=$1
SRC=$2
. "$SRC/tests/expect.sh"

expect 0 "usage: switchover calibrate SUBCOMMAND" -- "$SW" calibrate --help
expect 0 "calibrate  *fit the model" -- "$SW" --help
expect 0 "usage: switchover calibrate traces RESULT.h5" -- "$SW" calibrate traces --help
expect 2 "unknown subcommand 'nope'; subcommands are: traces" -- "$SW" calibrate nope
expect 2 "usage: switchover calibrate" -- "$SW" calibrate
expect 2 "expected RESULT.h5 files" -- "$SW" calibrate traces -o "$TMP/p.yaml"
expect 2 "-o PROFILE.yaml is required" -- "$SW" calibrate traces "$TMP/x.h5"
expect 2 "null.yaml: not an HDF5 file" -- \
	"$SW" calibrate traces "$SRC/scenarios/null.yaml" -o "$TMP/p.yaml"

# Two groups: one must be chosen, and it must exist.
cat >"$TMP/two.yaml" <<'YAML'
name: two
vm: {ram: 0}
migration: {strategy: sequential}
devices:
  - {name: a, count: 2, latency: {default: 2ms, query: 300us}, load: {fixed: 100us, rate: 1GiB/s}}
  - {name: b, count: 2, profile: null}
runs: 4
YAML
"$SW" sim "$TMP/two.yaml" -o "$TMP/two.h5" >/dev/null || bad "sim two.yaml failed"
expect 2 "the files have 2 device groups (a, b): choose one with --group" -- \
	"$SW" calibrate traces "$TMP/two.h5" -o "$TMP/p.yaml"
expect 2 "two.h5: no device group 'c' (its groups: a, b)" -- \
	"$SW" calibrate traces "$TMP/two.h5" --group c -o "$TMP/p.yaml"
if [ -e "$TMP/p.yaml" ] || ls "$TMP" | grep -q tmp-; then
	bad "a refused calibration left a file"
else ok; fi

# Group a of a sim run: fixed latencies come back exactly; what the runs
# cannot give (every write and every image of one size) is listed, not
# written.
expect 0 "wrote $TMP/a.yaml" -- "$SW" calibrate traces "$TMP/two.h5" --group a -o "$TMP/a.yaml"
cp "$TMP/out" "$TMP/a.txt"
expect 0 "latency.stop_copy_to_stop  *2ms  *fixed  *8 " -- cat "$TMP/a.txt"
expect 0 "latency.query  *300us  *fixed" -- cat "$TMP/a.txt"
expect 0 "load.rate: every one of the 120 destination writes was 1048576 bytes: the fixed part and the rate cannot be separated" -- cat "$TMP/a.txt"
expect 0 "init_load.fixed: needs the load line" -- cat "$TMP/a.txt"
expect 0 "save_rate: each saving arc saved the same bytes every time" -- cat "$TMP/a.txt"
expect 0 "^name: \"a\"" -- cat "$TMP/a.yaml"
expect 0 "^    stop_copy_to_stop: 2ms" -- cat "$TMP/a.yaml"
expect 0 "latency.stop_copy_to_stop: {source: measurement, files: \[\"$TMP/two.h5\"\], samples: 8, fit: \"fixed: all 8 samples equal" -- cat "$TMP/a.yaml"
if grep -q "save_rate\|load" "$TMP/a.yaml"; then bad "save_rate or load was written"; else ok; fi
# Group b (the null profile: every arc 0) has the same arcs, all 0.
expect 0 "latency.stop_copy_to_stop  *0ns  *fixed" -- \
	"$SW" calibrate traces "$TMP/two.h5" --group b -o "$TMP/b.yaml"
# An existing profile is replaced only whole; a directory is refused.
mkdir "$TMP/dir.yaml"
expect 2 "dir.yaml" -- "$SW" calibrate traces "$TMP/two.h5" --group a -o "$TMP/dir.yaml"
finish
