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
expect 2 "device profile 'nope' not found (looked for <built-in>/devices/nope.yaml, ./nope.yaml); host profile 'nope' not found (looked for <built-in>/hosts/nope.yaml, ./nope.yaml)$" -- "$SW" profile show nope
expect 2 "device profile 'nope' not found (looked for <built-in>/devices/nope.yaml, ./nope.yaml)$" -- "$SW" profile show nope --kind device
expect 2 "\--kind 'vm': expected device or host" -- "$SW" profile show nope --kind vm

# show: every value with its source, in the file's order.
expect 0 "13 of 19 values are assumptions" -- "$SW" profile show mlx5-cx7
expect 0 "state_size  *100MiB  *publication  *docs/domain.md §9" -- "$SW" profile show mlx5-cx7
expect 0 "header_size  *16  *code  *struct mlx5_vf_migration_header" -- "$SW" profile show mlx5-cx7
expect 0 "latency.stop_to_running_p2p  *60ms  *assumption" -- "$SW" profile show mlx5-cx7
expect 0 "0 of 0 values are assumptions" -- "$SW" profile show "$SRC/profiles/devices/null.yaml"
expect 0 "^profile null (path: $SRC/profiles/devices/null.yaml)" -- "$SW" profile show "$SRC/profiles/devices/null.yaml"
expect 0 "^profile mlx5-cx7 (built-in: <built-in>/devices/mlx5-cx7.yaml)" -- "$SW" profile show mlx5-cx7

# A host profile: its keys with their values as written (units) and what
# each is, the command that measured them, the date, the measurements; its
# JSON; list marks it as a host.
expect 0 "^host profile ci-2core (built-in: <built-in>/hosts/ci-2core.yaml)$" -- "$SW" profile show ci-2core
expect 0 "^  command: build/bench/bench_host --out profiles/hosts/ci-2core.yaml$" -- "$SW" profile show ci-2core
expect 0 "^  date: 20[0-9-]*T[0-9:]*Z$" -- "$SW" profile show ci-2core
expect 0 "^  wake_latency  *[0-9.]*us  *wall time added to every sleep (timer lateness)$" -- "$SW" profile show ci-2core
expect 0 "^  send_cpu_per_byte  *[0-9.]*ns  *CPU time per stream byte sent" -- "$SW" profile show ci-2core --kind host
expect 0 "^    timer lateness of a 100 us sleep (wall, median of 200): [0-9.]*us \[" -- "$SW" profile show ci-2core
expect 0 "^host profile ci-2core (path: $SRC/profiles/hosts/ci-2core.yaml)$" -- "$SW" profile show "$SRC/profiles/hosts/ci-2core.yaml"
expect 2 "device profile 'ci-2core' not found" -- "$SW" profile show ci-2core --kind device
expect 2 "host profile 'mlx5-cx7' not found" -- "$SW" profile show mlx5-cx7 --kind host
expect 0 "^ci-2core  *host  *built-in  *[0-9]* keys  *<built-in>/hosts/ci-2core.yaml$" -- "$SW" profile list
"$SW" profile show ci-2core --format json >"$TMP/host.json"
if python3 -c '
import json, re, sys
p = json.load(open(sys.argv[1]))
assert p["kind"] == "host" and p["name"] == "ci-2core" and p["origin"] == "built-in", p
assert p["command"] == "build/bench/bench_host --out profiles/hosts/ci-2core.yaml" and p["date"]
# every key of the file, in the order of the file, as written
text = open(sys.argv[2]).read().split("\nhost:\n")[1].split("\nmeasurements:")[0]
keys = [tuple(l.strip().split(": ")) for l in text.splitlines() if not l.strip().startswith("#")]
assert [(k["key"], k["value"]) for k in p["keys"]] == keys, (p["keys"], keys)
assert all(k["meaning"] for k in p["keys"])
assert len(p["measurements"]) == open(sys.argv[2]).read().count("  - {what: ")
assert all(m["samples"] > 0 and m["median"] for m in p["measurements"])
' "$TMP/host.json" "$SRC/profiles/hosts/ci-2core.yaml"; then ok; else bad "profile show ci-2core --format json"; fi
if "$SW" profile show mlx5-cx7 --format json | python3 -c 'import json,sys; assert json.load(sys.stdin)["kind"] == "device"'; then ok; else bad "device JSON kind"; fi

# One name as both kinds: a folder both kinds search (DIR itself) holds a
# host profile and a device profile of another name; each shows and lists
# as its kind only.  The same name as both, in DIR/devices and DIR/hosts:
# show needs --kind.
mkdir -p "$TMP/both/devices" "$TMP/both/hosts"
printf 'name: box\nhost: {cores: 8, wake_latency: 5us}\n' >"$TMP/both/box.yaml"
printf 'name: card\ndevice: {state_size: 1MiB}\nprovenance:\n  state_size: {source: assumption, reason: r}\n' >"$TMP/both/card.yaml"
expect 0 "^  wake_latency  *5us " -- "$SW" profile show box --profile-path "$TMP/both"
expect 0 "^profile card (--profile-path: $TMP/both/card.yaml)" -- "$SW" profile show card --profile-path "$TMP/both"
"$SW" profile list --profile-path "$TMP/both" >"$TMP/list"
if grep -q "^box  *host  *--profile-path  *2 keys  *$TMP/both/box.yaml$" "$TMP/list" &&
	grep -q "^card  *device  *--profile-path  *1/1 assumed  *$TMP/both/card.yaml$" "$TMP/list" &&
	[ "$(grep -c "$TMP/both/" "$TMP/list")" = 2 ]; then ok; else bad "list of a folder of both kinds:"; cat "$TMP/list"; fi
cp "$TMP/both/card.yaml" "$TMP/both/devices/twin.yaml"
cp "$TMP/both/box.yaml" "$TMP/both/hosts/twin.yaml"
expect 2 "'twin' is both a device profile ($TMP/both/devices/twin.yaml) and a host profile ($TMP/both/hosts/twin.yaml): say which with --kind device or --kind host" -- "$SW" profile show twin --profile-path "$TMP/both"
expect 0 "^host profile box (--profile-path: $TMP/both/hosts/twin.yaml)" -- "$SW" profile show twin --kind host --profile-path "$TMP/both"
expect 0 "^profile card (--profile-path: $TMP/both/devices/twin.yaml)" -- "$SW" profile show twin --kind device --profile-path "$TMP/both"
expect 0 "^twin  *host  *--profile-path  *2 keys  *$TMP/both/hosts/twin.yaml$" -- "$SW" profile list --profile-path "$TMP/both"

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
expect 0 "^mlx5-cx7  *device  *built-in  *[0-9]*/[0-9]* assumed  *<built-in>/devices/mlx5-cx7.yaml$" -- alone profile list
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
expect 0 "mydev  *device  *--profile-path  *0/1 assumed  *$TMP/opt/devices/mydev.yaml" -- env SWITCHOVER_PROFILE_PATH="$TMP/env" "$SW" profile list --profile-path "$TMP/opt"
expect 0 "mydev  *device  *SWITCHOVER_PROFILE_PATH .*(shadowed by $TMP/opt/devices/mydev.yaml)" -- env SWITCHOVER_PROFILE_PATH="$TMP/env" "$SW" profile list --profile-path "$TMP/opt"
expect 0 "^generic  *device  *built-in  *4/4 assumed  *<built-in>/devices/generic.yaml$" -- "$SW" profile list
expect 0 "mydev.yaml" -- "$SW" profile show mydev --profile-path "$TMP/opt"
cp "$TMP/scn/s.yaml" "$TMP/s.yaml"
expect 2 "device profile 'mydev' not found" -- "$SW" sweep "$TMP/s.yaml" --vary devices.count=1,2 --quiet
expect 0 "sequential" -- "$SW" sweep "$TMP/s.yaml" --vary devices.count=1,2 --quiet --profile-path "$TMP/opt"

# A bad profile: the scenario's line and key, then the profile's.
printf 'name: bad\ndevice:\n  save_rate: fast\nprovenance:\n  save_rate: {source: assumption, reason: r}\n' >"$TMP/scn/bad.yaml"
printf 'name: s\ndevices:\n  - name: vf\n    profile: bad\n' >"$TMP/scn/uses-bad.yaml"
expect 2 "uses-bad.yaml:4: devices\[0\].profile: $TMP/scn/bad.yaml:3: device.save_rate:" -- "$SW" sim "$TMP/scn/uses-bad.yaml"
expect 2 "bad.yaml:3: device.save_rate:" -- "$SW" profile show "$TMP/scn/bad.yaml"

# A profile named by a path relative to the scenario's folder is named in
# errors by a clean path: the folder and the path joined without "./"
# parts, not tried twice where both are the same file.
mkdir -p "$TMP/rel/sub"
printf 'name: badhost\nhost: {cores: lots}\n' >"$TMP/rel/badhost.yaml"
printf 'name: s\nhosts: {source: {profile: ./badhost.yaml}}\ndevices: [{name: vf}]\n' >"$TMP/rel/s.yaml"
printf 'name: s\nhosts: {source: {profile: ../badhost.yaml}}\ndevices: [{name: vf}]\n' >"$TMP/rel/sub/s.yaml"
inrel() { (cd "$TMP/rel" && "$SW" "$@"); }
expect 2 "^switchover sim: s.yaml:2: hosts.source.profile: ./badhost.yaml:2: host.cores: 'lots'" -- inrel sim s.yaml
expect 2 "^switchover sim: ./s.yaml:2: hosts.source.profile: ./badhost.yaml:2: host.cores:" -- inrel sim ./s.yaml
expect 2 "^switchover sim: sub/s.yaml:2: hosts.source.profile: sub/../badhost.yaml:2: host.cores:" -- inrel sim sub/s.yaml
expect 2 "^switchover sim: $TMP/rel/./s.yaml:2: hosts.source.profile: $TMP/rel/badhost.yaml:2: host.cores:" -- "$SW" sim "$TMP/rel/./s.yaml"
expect 2 "^switchover profile: ./badhost.yaml:2: host:" -- inrel profile show ./badhost.yaml --kind device
expect 2 "(looked for nothere.yaml)$" -- inrel sim s.yaml --set hosts.source.profile=nothere.yaml
if inrel sim s.yaml 2>&1 | grep -q '\./\.'; then bad "a path with ./."; else ok; fi
# A file that is neither: both errors.
expect 2 "^switchover profile: not a device profile: ./badhost.yaml:2: host: unknown key 'host'.*; not a host profile: ./badhost.yaml:2: host.cores: 'lots'" -- inrel profile show ./badhost.yaml

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
