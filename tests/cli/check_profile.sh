#!/bin/sh
# Device profiles from the command line: `profile show` and `profile list`,
# the search path (built into the binary, --profile-path,
# SWITCHOVER_PROFILE_PATH, the scenario's folder, in that order), a copy of
# the binary alone finding its built-in profiles, a bad profile's
# FILE:LINE: KEY error after the scenario's, and the line (table) or field
# (JSON) of a run whose profile has assumptions.
# usage: check_profile.sh SWITCHOVER_BINARY SOURCE_DIR
set -u
SW=$1
SRC=$2
. "$SRC/tests/expect.sh"
unset SWITCHOVER_PROFILE_PATH

expect 0 "switchover profile show NAME|FILE" -- "$SW" profile --help
expect 0 "switchover profile list" -- "$SW" help profile
expect 2 "expected show or list" -- "$SW" profile
expect 2 "show takes one NAME or FILE" -- "$SW" profile show
expect 2 "--format 'xml'" -- "$SW" profile show null --format xml
expect 2 "device profile 'nope' not found (looked for <built-in>/devices/nope.yaml, ./nope.yaml)" -- "$SW" profile show nope

# show: every value with its source, in the file's order.
expect 0 "13 of 19 values are assumptions" -- "$SW" profile show mlx5-cx7
expect 0 "state_size  *100MiB  *publication  *docs/domain.md §9" -- "$SW" profile show mlx5-cx7
expect 0 "header_size  *16  *code  *struct mlx5_vf_migration_header" -- "$SW" profile show mlx5-cx7
expect 0 "latency.stop_to_running_p2p  *60ms  *assumption" -- "$SW" profile show mlx5-cx7
expect 0 "0 of 0 values are assumptions" -- "$SW" profile show "$SRC/profiles/devices/null.yaml"
expect 0 "^profile null (path: $SRC/profiles/devices/null.yaml)" -- "$SW" profile show "$SRC/profiles/devices/null.yaml"
expect 0 "^profile mlx5-cx7 (built-in: <built-in>/devices/mlx5-cx7.yaml)" -- "$SW" profile show mlx5-cx7

# The built-in profiles are the files of profiles/ as built: every one
# shows the same values and provenance as its file.
for f in "$SRC"/profiles/devices/*.yaml; do
	n=$(basename "$f" .yaml)
	"$SW" profile show "$n" --format json >"$TMP/builtin.json"
	"$SW" profile show "$f" --format json >"$TMP/file.json"
	if python3 -c '
import json, sys
b, f = (json.load(open(p)) for p in sys.argv[1:3])
assert b.pop("origin") == "built-in" and b.pop("file") == "<built-in>/devices/" + sys.argv[3] + ".yaml", b
assert f.pop("origin") == "path", f
f.pop("file")
assert b == f, (b, f)
' "$TMP/builtin.json" "$TMP/file.json" "$n"; then ok; else bad "built-in $n differs from $f (rebuild?)"; fi
done

# A copy of the binary alone, run from elsewhere with another HOME, finds
# the built-in device and host profiles.
mkdir -p "$TMP/alone/bin" "$TMP/alone/home" "$TMP/alone/cwd" "$TMP/alone/scn"
cp "$SW" "$TMP/alone/bin/switchover"
printf 'name: s\nhosts: {source: {profile: ci-2core}}\ndevices: [{name: vf, profile: mlx5-cx7, count: 2}]\n' >"$TMP/alone/scn/s.yaml"
alone() { (cd "$TMP/alone/cwd" && HOME="$TMP/alone/home" "$TMP/alone/bin/switchover" "$@"); }
expect 0 "state_size: 100MiB" -- alone sim "$TMP/alone/scn/s.yaml" --resolved
expect 0 "^downtime" -- alone sim "$TMP/alone/scn/s.yaml" --runs 1 --quiet
expect 0 "^profile mlx5-cx7 (built-in: <built-in>/devices/mlx5-cx7.yaml)" -- alone profile show mlx5-cx7
expect 0 "header_size  *16  *code" -- alone profile show mlx5-cx7
expect 0 "^mlx5-cx7  *built-in  *[0-9]*/[0-9]* assumed  *<built-in>/devices/mlx5-cx7.yaml$" -- alone profile list
"$SW" profile show mlx5-cx7 --format json >"$TMP/show.json"
if python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
assert p["name"] == "mlx5-cx7" and p["values"] == 19 and p["assumptions"] == 13, p
k = {e["key"]: e for e in p["keys"]}
assert k["state_size"] == {"key": "state_size", "value": "100MiB", "source": "publication",
    "ref": k["state_size"]["ref"]}, k["state_size"]
assert k["load.rate"]["source"] == "fitted" and "calibration/mlx5-cx7.csv" in k["load.rate"]["to"]
assert k["load.fixed"]["source"] == "assumption" and k["load.fixed"]["reason"]
assert k["load.image"]["source"] == "fitted" and "calibration/mlx5-cx7.csv" in k["load.image"]["to"]
assert [e["key"] for e in p["keys"]][:3] == ["capabilities", "state_size", "header_size"]
' "$TMP/show.json"; then ok; else bad "profile show --format json"; fi

# The search path: one name in three places, each with its own state size.
mkdir -p "$TMP/opt/devices" "$TMP/env" "$TMP/scn"
mk() { # mk FILE STATE_SIZE
	printf 'name: mydev\ndevice: {state_size: %s}\nprovenance:\n  state_size: {source: measurement, files: [run.h5], samples: 3, fit: "fixed, 3 equal samples"}\n' "$2" >"$1"
}
mk "$TMP/opt/devices/mydev.yaml" 3MiB
mk "$TMP/env/mydev.yaml" 2MiB
mk "$TMP/scn/mydev.yaml" 1MiB
printf 'name: s\ndevices: [{name: vf, profile: mydev}]\n' >"$TMP/scn/s.yaml"
expect 0 "state_size: 3MiB" -- env SWITCHOVER_PROFILE_PATH="$TMP/env" "$SW" sim "$TMP/scn/s.yaml" --resolved --profile-path "$TMP/nothing:$TMP/opt"
expect 0 "state_size: 2MiB" -- env SWITCHOVER_PROFILE_PATH="$TMP/env" "$SW" sim "$TMP/scn/s.yaml" --resolved
expect 0 "state_size: 1MiB" -- "$SW" sim "$TMP/scn/s.yaml" --resolved
# A built-in name wins over the user's folders.
mk "$TMP/env/generic.yaml" 1MiB
expect 0 "state_size: 16MiB" -- env SWITCHOVER_PROFILE_PATH="$TMP/env" "$SW" sim "$SRC/scenarios/null.yaml" --resolved --set devices[0].profile=generic
expect 0 "mydev  *--profile-path  *0/1 assumed  *$TMP/opt/devices/mydev.yaml" -- env SWITCHOVER_PROFILE_PATH="$TMP/env" "$SW" profile list --profile-path "$TMP/opt"
expect 0 "mydev  *SWITCHOVER_PROFILE_PATH .*(shadowed by $TMP/opt/devices/mydev.yaml)" -- env SWITCHOVER_PROFILE_PATH="$TMP/env" "$SW" profile list --profile-path "$TMP/opt"
expect 0 "^generic  *built-in  *4/4 assumed  *<built-in>/devices/generic.yaml$" -- "$SW" profile list
expect 0 "mydev.yaml" -- "$SW" profile show mydev --profile-path "$TMP/opt"
cp "$TMP/scn/s.yaml" "$TMP/s.yaml"
expect 2 "device profile 'mydev' not found" -- "$SW" sweep "$TMP/s.yaml" --vary devices.count=1,2 --quiet
expect 0 "sequential" -- "$SW" sweep "$TMP/s.yaml" --vary devices.count=1,2 --quiet --profile-path "$TMP/opt"

# A bad profile: the scenario's line and key, then the profile's.
printf 'name: bad\ndevice:\n  save_rate: fast\nprovenance:\n  save_rate: {source: assumption, reason: r}\n' >"$TMP/scn/bad.yaml"
printf 'name: s\ndevices:\n  - name: vf\n    profile: bad\n' >"$TMP/scn/uses-bad.yaml"
expect 2 "uses-bad.yaml:4: devices\[0\].profile: $TMP/scn/bad.yaml:3: device.save_rate:" -- "$SW" sim "$TMP/scn/uses-bad.yaml"
expect 2 "bad.yaml:3: device.save_rate:" -- "$SW" profile show "$TMP/scn/bad.yaml"

# Runs say when a profile has assumptions: one line, one JSON field.
expect 0 "^profile mlx5-cx7: 13 of 19 values are assumptions (switchover profile show mlx5-cx7)$" -- "$SW" sim "$SRC/scenarios/cx7-1vf.yaml" --runs 1 --quiet
"$SW" sim "$SRC/scenarios/cx7-1vf.yaml" --runs 1 --quiet >"$TMP/table"
n=$(grep -c "^profile " "$TMP/table")
if [ "$n" = 1 ]; then ok; else bad "expected one profile line, got $n"; fi
a=$("$SW" sim "$SRC/scenarios/cx7-1vf.yaml" --runs 1 --quiet --format json)
if echo "$a" | python3 -c 'import json,sys; assert json.load(sys.stdin)["profile_assumptions"] == [{"profile": "mlx5-cx7", "values": 19, "assumptions": 13}]'; then ok; else bad "profile_assumptions field"; fi
# A profile without assumptions (null; measured mydev) adds nothing.
if "$SW" sim "$SRC/scenarios/null.yaml" --runs 1 --quiet | grep -q "^profile "; then bad "null profile has a note"; else ok; fi
if "$SW" sim "$TMP/scn/s.yaml" --runs 1 --quiet --format json | grep -q profile_assumptions; then bad "measured profile has a note"; else ok; fi
# A profile named by path: the note shows the file it was found at.
printf 'name: s\ndevices: [{name: vf, profile: ../cx7.yaml}]\n' >"$TMP/scn/by-path.yaml"
cp "$SRC/profiles/devices/mlx5-cx7.yaml" "$TMP/cx7.yaml"
expect 0 "^profile mlx5-cx7: 13 of 19 values are assumptions (switchover profile show $TMP/scn/../cx7.yaml)$" -- "$SW" sim "$TMP/scn/by-path.yaml" --runs 1 --quiet

finish
