#!/bin/sh
# Regression tests of the defects a bad-input campaign found (issue 17):
# each section reproduces one defect and checks the clear error (exit 2,
# no crash, no hang, no file left under a final name or as a temporary).
# usage: defects.sh SWITCHOVER_BINARY SOURCE_DIR
set -u
SW=$1
SRC=$2
. "$SRC/tests/expect.sh"
N=$SRC/scenarios/null.yaml

# no_temporaries DIR WHAT: nothing named *.tmp-* is left in DIR
no_temporaries() {
	if ls "$1" | grep -q '\.tmp-'; then bad "$2 left a temporary: $(ls "$1" | grep '\.tmp-')"; else ok; fi
}

# 1. report of a device-count sweep whose files hold different scenario
#    names crashed (strcmp with NULL) and left a 0-byte PNG.
for n in 1 2 4; do
	"$SW" sim "$SRC/scenarios/cx7-${n}vf.yaml" --runs 3 --quiet -o "$TMP/cx7$n.h5" >/dev/null
done
mkdir "$TMP/rep"
expect 0 "devices-sweep.png" -- "$SW" report "$TMP/cx71.h5" "$TMP/cx72.h5" "$TMP/cx74.h5" -o "$TMP/rep"
if [ -s "$TMP/rep/devices-sweep.png" ]; then ok; else bad "report: no devices-sweep.png"; fi
no_temporaries "$TMP/rep" "report"

# 2. Byte 0 of the header changed: the file was read with no checksum,
#    and one more flipped bit crashed report inside HDF5.
cp "$TMP/cx71.h5" "$TMP/hdr.h5"
printf 'X' | dd of="$TMP/hdr.h5" bs=1 seek=0 conv=notrunc 2>/dev/null
expect 2 "hdr.h5: damaged: the header" -- "$SW" report "$TMP/hdr.h5" -o "$TMP/rep"
expect 2 "hdr.h5: damaged: the header" -- "$SW" compare "$TMP/hdr.h5" "$TMP/cx71.h5"

# 12. The header's checksum proves only that the file was not altered:
#     values no writer produces are refused in any file.  (Unit tests in
#     test_store write NaN, an unknown backend and another scenario's
#     name into files without the header.)

# 3. -o, --events and the report's plots never replace a device node, a
#    FIFO, a symlink or a directory (the temporary was renamed over it).
mkfifo "$TMP/fifo"
ln -s "$TMP/cx71.h5" "$TMP/link.h5"
mkdir "$TMP/dir.h5"
expect 2 "/dev/null: is a device node" -- "$SW" sim "$N" --quiet -o /dev/null
expect 2 "fifo: is a FIFO" -- "$SW" sim "$N" --quiet -o "$TMP/fifo"
expect 2 "link.h5: is a symbolic link" -- "$SW" sim "$N" --quiet -o "$TMP/link.h5"
expect 2 "dir.h5: is a directory" -- "$SW" sim "$N" --quiet -o "$TMP/dir.h5"
expect 2 "--events /dev/null: is a device node" -- "$SW" sim "$N" --quiet --events /dev/null
expect 2 "--events .*fifo: is a FIFO" -- "$SW" sim "$N" --quiet --events "$TMP/fifo" -o "$TMP/ev.h5"
if [ -p "$TMP/fifo" ] && [ -L "$TMP/link.h5" ] && [ -d "$TMP/dir.h5" ] && [ -c /dev/null ] &&
	[ ! -e "$TMP/ev.h5" ]; then ok; else bad "an output replaced a non-regular file"; fi
no_temporaries "$TMP" "a refused output"

# 4. A full disk (here a file size limit, which fails the same writes):
#    --events said nothing and exited 0; -o crashed in HDF5 at exit.
(
	trap '' XFSZ
	# 64 KiB: room for SimGrid's platform file (about 25 KiB: one speed
	# step per core count), not for the events (140 KiB) or results (2 MiB).
	ulimit -f 64
	expect 2 "--events .*full.jsonl: cannot write: File too large" -- \
		"$SW" sim "$SRC/scenarios/cx7-4vf.yaml" --quiet --events "$TMP/full.jsonl"
	expect 2 "full.h5: cannot .*File too large" -- \
		"$SW" sim "$SRC/scenarios/cx7-4vf.yaml" --quiet -o "$TMP/full.h5"
	[ "$fails" = 0 ]
) || bad "a full disk"
if [ -e "$TMP/full.jsonl" ] || [ -e "$TMP/full.h5" ]; then bad "a full disk left a file"; else ok; fi
no_temporaries "$TMP" "a full disk"

# 5. Huge values aborted inside SimGrid or ended in "deadlock at t=inf":
#    every quantity is bounded where it is read, the key named.
expect 2 "network.latency: duration '1e308s' is too large" -- "$SW" sim "$N" --set network.latency=1e308s
expect 2 "network.bandwidth: rate '1e-300B/s' is below 1 B/s" -- "$SW" sim "$N" --set network.bandwidth=1e-300B/s
expect 2 "migration.thread_create: duration '1e308s' is too large" -- "$SW" sim "$N" --set migration.thread_create=1e308s
expect 2 "handlers\[0\].cost: duration '1e308s' is too large" -- "$SW" sim "$N" --set 'handlers=[{name: x, depth: 1, cost: 1e308s}]'
expect 2 "pre_copy_to_pre_copy_p2p: 'lognormal(median=1ms, sigma=1e300)' draws durations up to inf" -- \
	"$SW" sim "$N" --set 'devices[0].latency.pre_copy_to_pre_copy_p2p=lognormal(median=1ms, sigma=1e300)'
expect 2 "gamma: scale: duration '1e300s' is too large" -- \
	"$SW" sim "$N" --set 'devices[0].latency.pre_copy_to_pre_copy_p2p=gamma(shape=1e300, scale=1e300s)'

# 7. Valid scenarios that never finished or ate memory are refused up front
#    with an estimate and the key (limits in docs/scenarios.md, "Limits").
C4=$SRC/scenarios/cx7-4vf.yaml
R=$SRC/scenarios/reinit-on.yaml
expect 2 "migration.chunk_size: 1 B chunks: 419430400 records per run .*over the limit of 10000000; use at least 42 B" -- \
	timeout 120 "$SW" sim "$C4" --quiet --set migration.chunk_size=1
expect 2 "devices\[0\].state_size: 16.0 EiB per device: 16.0 EiB of device data per run .*over the limit of 1.00 PiB" -- \
	timeout 120 "$SW" sim "$C4" --quiet --set 'devices[0].state_size=18446744073709551615'
expect 2 "devices\[0\].reinit.interval: 1.00 ns: 1000000000 REINIT events per second of precopy, over the limit of 1000; use at least 1.00 ms" -- \
	timeout 120 "$SW" sim "$R" --quiet --set 'devices[0].reinit.interval=1ns'
expect 2 "devices\[0\].reinit.interval: 1.00 us: 1000000 REINIT events" -- \
	timeout 120 "$SW" sim "$R" --quiet --set 'devices[0].reinit={interval: 1us, chunk: 1GiB}'
expect 2 "reinit-on.yaml:23: migration.chunk_size: 1.00 MiB chunks: 30721321 records per run" -- \
	timeout 120 "$SW" sim "$R" --quiet --set 'devices[0].reinit={interval: 1ms, chunk: 1GiB}'
#    Smaller chunks within the limit still run (one run, 4 cx7 VFs, 64 KiB chunks).
expect 0 "downtime" -- timeout 600 "$SW" sim "$C4" --runs 1 --set migration.chunk_size=64KiB

# 6. sim aborted ("Failed to protect stack") from 16,000-24,000 devices: a
#    guard page per actor stack split it into two mappings, and
#    vm.max_map_count ran out.  Unguarded, 2,000 devices in a pool (about
#    8,000 mappings with guards) stay far under one mapping per device.
printf 'name: pool\nvm: {ram: 1GiB}\nmigration: {strategy: parallel-prio, threads: pool}\ndevices:\n  - {name: d, profile: null, count: 2000}\nruns: 1\n' >"$TMP/pool.yaml"
timeout 600 "$SW" sim "$TMP/pool.yaml" --quiet >/dev/null 2>&1 &
pid=$!
maps=0
while kill -0 $pid 2>/dev/null; do
	n=$(wc -l <"/proc/$pid/maps" 2>/dev/null || echo 0)
	[ "$n" -gt "$maps" ] && maps=$n
	sleep 0.1
done
if wait $pid; then ok; else bad "sim of 2000 pooled devices failed"; fi
if [ "$maps" -lt 2000 ]; then ok; else bad "sim of 2000 pooled devices: $maps mappings"; fi

# 8. Opening a FIFO with no writer blocked forever; /dev/zero and
#    directories are refused as well.
for input in "$TMP/fifo" /dev/zero "$TMP/dir.h5"; do
	expect 2 "not a regular file" -- timeout 120 "$SW" sim "$input" --quiet
	expect 2 "not a regular file" -- timeout 120 "$SW" report "$input" -o "$TMP/rep"
	expect 2 "not a regular file" -- timeout 120 "$SW" compare "$input" "$TMP/cx71.h5"
	expect 2 "not a regular file" -- timeout 120 "$SW" sweep "$input" --quiet -o "$TMP/st.h5"
	expect 2 "not a regular file" -- timeout 120 "$SW" import qemu --source "$input" -o "$TMP/imp.h5"
	expect 2 "hosts.source.profile: host profile '.*' not found" -- timeout 120 "$SW" sim "$N" \
		--quiet --set "hosts.source.profile=$input"
done

# 13. Messages that misled.
expect 2 "--runs '-1': expected an integer from 1 to 1000000" -- "$SW" sim "$N" --runs -1
expect 2 "^switchover sim: --set name.first=x: name: expected a single value" -- "$SW" sim "$N" --set name.first=x
long=$(printf '%3000s' '' | tr ' ' 9)
expect 2 "vm.ram=999* ... 9*: vm.ram: size '9* ... 9*' is too large: at most 16 EiB" -- "$SW" sim "$N" --set "vm.ram=$long"
expect 2 "' is too large: expected at most 1000000000s" -- "$SW" sim "$N" --set "network.latency=9${long}s"

# 9. real --io-timeout 1e20s spun the heartbeat at 100% CPU (a deadline
#    past time_t); durations are bounded, and the wait is clamped.
expect 2 "--io-timeout '1e20s': expected a duration > 0 such as 10s or 500ms, up to 1000000000s" -- \
	"$SW" real "$N" --io-timeout 1e20s

# 11. sim ended by SIGINT or SIGTERM left FILE.tmp-PID behind; a stale
#     temporary of a process killed with -9 is removed by the next run.
for sig in INT TERM; do
	"$SW" sim "$SRC/scenarios/cx7-4vf.yaml" --runs 100000 --quiet -o "$TMP/sig.h5" \
		--events "$TMP/sig.jsonl" >"$TMP/sig.out" 2>&1 &
	pid=$!
	i=0
	while [ $i -lt 300 ] && ! ls "$TMP" | grep -q 'sig.h5.tmp-'; do sleep 0.1; i=$((i + 1)); done
	kill -$sig $pid
	status=0
	wait $pid || status=$?
	if [ "$status" = 2 ] && grep -q "interrupted: no result file written" "$TMP/sig.out" &&
		[ ! -e "$TMP/sig.h5" ] && [ ! -e "$TMP/sig.jsonl" ]; then ok; else
		bad "SIG$sig to sim: exit $status"; sed 's/^/    /' "$TMP/sig.out" | head -3
	fi
	no_temporaries "$TMP" "SIG$sig to sim"
done
"$SW" sim "$SRC/scenarios/cx7-4vf.yaml" --runs 100000 --quiet -o "$TMP/k9.h5" >/dev/null 2>&1 &
pid=$!
i=0
while [ $i -lt 300 ] && ! ls "$TMP" | grep -q 'k9.h5.tmp-'; do sleep 0.1; i=$((i + 1)); done
kill -9 $pid
wait $pid
if ls "$TMP" | grep -q "k9.h5.tmp-$pid"; then ok; else bad "kill -9: no temporary to clean"; fi
expect 0 "downtime" -- "$SW" sim "$N" --quiet -o "$TMP/k9.h5"
no_temporaries "$TMP" "a run after kill -9"

finish
