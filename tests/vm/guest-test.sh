#!/bin/sh
# /init of the tests/vm guest (busybox sh): create mtty mediated devices,
# migrate them for real with `switchover real` under every strategy, check
# each run, print a summary and power off.  The host (run.sh) passes only if
# this prints the PASS marker; every line meant for it starts with "vm-test:".
#
# Parameters come from the kernel command line (the kernel hands unknown
# NAME=VALUE words to init as environment variables):
#   SWITCHOVER_VM_RUNS=N         runs per correctness case (default 3)
#   SWITCHOVER_VM_REGIME_RUNS=N  runs per timing case (default 15)
#   SWITCHOVER_VM_PROBE=1        only say the guest booted, then power off
#   SWITCHOVER_VM_MODE=calibrate tests/vm/calibrate.sh's session instead of
#                                the tests: measure the guest's thread and host
#                                costs (bench_threads, bench_host, when in /bin),
#                                run the timing cases of SWITCHOVER_VM_REGIMES
#                                (comma-separated, default stock,sleep-1ms,busy-1ms),
#                                keep each case's result file and print the
#                                sequential ones and the measurements on the
#                                console as "vm-file:" lines (gzip, base64)
# On a host, `guest-test.sh check-trace FILE N` runs only the trace check
# (tests/vm/check-trace-test.sh tests it).
#
# What each correctness case checks (run 0's trace, then the devices):
# - `switchover real` exits 0 and its JSON says every run completed;
# - no arc in the trace failed;
# - each source device made exactly RUNNING -> PRE_COPY -> PRE_COPY_P2P ->
#   STOP_COPY, optionally followed by (a prefix of) the backend's return to
#   RUNNING, STOP_COPY -> STOP -> RUNNING_P2P -> RUNNING;
# - each destination device made exactly RUNNING -> RUNNING_P2P -> STOP ->
#   RESUMING -> STOP -> RUNNING_P2P -> RUNNING (a real destination device
#   starts RUNNING, and mtty has P2P: the harness sets one direct arc at a
#   time, as QEMU does);
# - per device, the precopy and stop-copy bytes sent add up to the bytes the
#   destination loaded, and to mtty-2's whole state (MTTY2_STATE_BYTES);
# - afterwards `switchover vfio info` reports every device RUNNING.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
RUNS=${SWITCHOVER_VM_RUNS:-3}
REGIME_RUNS=${SWITCHOVER_VM_REGIME_RUNS:-15}
REGIMES=$(echo "${SWITCHOVER_VM_REGIMES:-stock,sleep-1ms,busy-1ms}" | tr , ' ')
# calibrate mode: every timing case also writes /tmp/NAME.h5
SAVE_RESULTS=0
SCENARIO=/vm/mtty.yaml
MTTY_TYPE=/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2
MTTY_PARAMS=/sys/module/mtty/parameters
# mtty-2's migration stream: a 24-byte header (its precopy initial bytes)
# and two 36-byte serial port states (samples/vfio-mdev/mtty.c).
MTTY2_STATE_BYTES=96
MAX_PAIRS=4
# The arcs the harness asks of each device, as FROM>TO.
SRC_ARCS="RUNNING>PRE_COPY PRE_COPY>PRE_COPY_P2P PRE_COPY_P2P>STOP_COPY"
SRC_CLEANUP="STOP_COPY>STOP STOP>RUNNING_P2P RUNNING_P2P>RUNNING"
DST_ARCS="RUNNING>RUNNING_P2P RUNNING_P2P>STOP STOP>RESUMING RESUMING>STOP STOP>RUNNING_P2P RUNNING_P2P>RUNNING"
# The timing cases: each strategy, the parallel ones on both thread models.
REGIME_STRATEGIES="sequential parallel-prio parallel-barrier parallel-prio/pool parallel-barrier/pool"

failures=0
say() { echo "vm-test: $*"; }
fail() {
	say "FAIL: $*"
	failures=$((failures + 1))
}

# Seconds since boot, with centiseconds.
uptime_s() { cut -d' ' -f1 /proc/uptime; }

# The i-th mdev's UUID (0-based): fixed, so that logs compare across runs.
uuid() { printf '5317c4e0-0000-4000-8000-%012d' "$1"; }

# Comma-separated UUIDs of mdevs FIRST..FIRST+N-1.
uuid_list() {
	local first=$1 n=$2 list="" i=0
	while [ "$i" -lt "$n" ]; do
		list="$list${list:+,}$(uuid $((first + i)))"
		i=$((i + 1))
	done
	echo "$list"
}

# The value of the number at KEY (a JSON path written as it appears in the
# text, e.g. '"downtime_s":{"median"') in the one-line JSON object FILE.
json_number() {
	grep -o "$2:[-0-9.eE+]*" "$1" | head -1 | sed 's/.*://'
}

# The median downtime in milliseconds in `switchover real --format json`'s
# output FILE ("nan" if it has none).
median_ms() {
	awk -v s="$(json_number "$1" '"downtime_s":{"median"')" 'BEGIN { printf "%.3f", (s == "" ? "nan" : s) * 1000 }'
}

# Check run 0's trace in FILE for N pairs; print one line per problem.
# Sorted by time first: threads record their events concurrently, but one
# device's arcs never overlap, so in time order they are in arc order.
check_trace() {
	sed -n 's/^\[ *//p' "$1" | sort -n | awk -v n="$2" -v state_bytes="$MTTY2_STATE_BYTES" \
		-v src_arcs="$SRC_ARCS" -v src_cleanup="$SRC_CLEANUP" -v dst_arcs="$DST_ARCS" '
	{
		sub(/^[0-9.]+\] */, "")
		dev = $3
	}
	$2 == "arc-end" {
		if (/ error: /)
			print "failed arc: " $0
		arcs[dev, $4] = arcs[dev, $4] " " $5 ">" $7
		next
	}
	$2 == "send" && ($5 == "precopy" || $5 == "stop-copy") {
		sub(/^bytes=/, "", $4)
		sent[dev] += $4
		next
	}
	$2 == "load-begin" {
		sub(/^bytes=/, "", $4)
		loaded[dev] += $4
		next
	}
	/ error/ { print "error in trace: " $0 }
	END {
		for (i = 0; i < n; i++) {
			d = n == 1 ? "tty" : "tty" i
			src = substr(arcs[d, "src"], 2)
			dst = substr(arcs[d, "dst"], 2)
			ok = 0
			if (src == src_arcs) {
				ok = 1
			} else if (index(src, src_arcs " ") == 1) {
				tail = substr(src, length(src_arcs) + 2)
				ok = index(src_cleanup " ", tail " ") == 1
			}
			if (!ok)
				print d ": source arcs [" src "], expected [" src_arcs "] then a prefix of [" src_cleanup "]"
			if (dst != dst_arcs)
				print d ": destination arcs [" dst "], expected [" dst_arcs "]"
			if (sent[d] + 0 != state_bytes || loaded[d] + 0 != state_bytes)
				print d ": sent " sent[d] + 0 " bytes, loaded " loaded[d] + 0 ", expected " state_bytes " each"
		}
	}'
}

# Every mdev in LIST (comma-separated) must report state=RUNNING.
check_running() {
	# shellcheck disable=SC2046
	if ! switchover vfio info $(echo "$1" | tr , ' ') >/tmp/info 2>&1; then
		echo "switchover vfio info failed: $(cat /tmp/info)"
		return
	fi
	local u line
	for u in $(echo "$1" | tr , ' '); do
		line=$(grep "^$u " /tmp/info)
		case "$line" in
		*" state=RUNNING "*) ;;
		*) echo "device $u not RUNNING after the run: ${line:-not listed by vfio info}" ;;
		esac
	done
}

# run_case NAME STRATEGY PAIRS INTERFACE RUNS [CHECK]: migrate PAIRS mdev
# pairs RUNS times; with CHECK=check, verify the trace and the devices.
# STRATEGY may end in /pool: the parallel strategies' transitions then run
# on persistent threads (migration.threads=pool) instead of one thread per
# device and pass.
# Leaves the JSON in /tmp/$NAME.json and prints a summary line.
run_case() {
	local name=$1 strategy=${2%/pool} pairs=$3 interface=$4 runs=$5 check=${6:-}
	local threads=per-pass base src dst t0 t1 status completed failed problems summary
	[ "$strategy" = "$2" ] || threads=pool
	src=$(uuid_list 0 "$pairs")
	dst=$(uuid_list "$MAX_PAIRS" "$pairs")
	base=/tmp/$name
	local save=""
	[ "$SAVE_RESULTS" = 0 ] || save="-o $base.h5"
	t0=$(uptime_s)
	# shellcheck disable=SC2086
	switchover real "$SCENARIO" --strategy "$strategy" --runs "$runs" $save \
		--set "migration.threads=$threads" \
		--set "devices[0].count=$pairs" \
		--set "devices[0].vfio.source=[$src]" \
		--set "devices[0].vfio.destination=[$dst]" \
		--set "devices[0].vfio.interface=$interface" \
		--trace --quiet --format json >"$base.out" 2>"$base.err"
	status=$?
	t1=$(uptime_s)
	grep '^{' "$base.out" >"$base.json"
	grep -v '^{' "$base.out" >"$base.trace"
	completed=$(json_number "$base.json" '"completed"')
	failed=$(json_number "$base.json" '"failed"')
	problems=$base.problems
	: >"$problems"
	[ "$status" = 0 ] || echo "switchover real exited $status: $(tail -3 "$base.err")" >>"$problems"
	[ "$completed" = "$runs" ] && [ "$failed" = 0 ] ||
		echo "completed=${completed:-?} failed=${failed:-?} of $runs runs" >>"$problems"
	if [ "$check" = check ]; then
		check_trace "$base.trace" "$pairs" >>"$problems"
		check_running "$src,$dst" >>"$problems"
	fi
	summary="$name strategy=$strategy threads=$threads pairs=$pairs interface=$interface runs=$runs median_ms=$(median_ms "$base.json") wall_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
	if [ -s "$problems" ]; then
		fail "$summary"
		sed 's/^/vm-test:   /' "$problems" | head -20
		print_trace "$base.trace"
	else
		say "ok   $summary"
	fi
}

print_trace() {
	say "  trace of run 0:"
	sed 's/^/vm-test:   | /' "$1" | head -150
}

setup() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev 2>/dev/null
	mkdir -p /tmp
	say "guest up at $(uptime_s)s: $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs"
}

create_mdevs() {
	[ -d "$MTTY_TYPE" ] || {
		fail "no $MTTY_TYPE: is the mtty sample built into the kernel?"
		return 1
	}
	local i=0
	while [ "$i" -lt $((2 * MAX_PAIRS)) ]; do
		uuid "$i" >"$MTTY_TYPE/create" || {
			fail "could not create mdev $(uuid $i) through $MTTY_TYPE/create"
			return 1
		}
		i=$((i + 1))
	done
	say "created $((2 * MAX_PAIRS)) mtty-2 mdevs; $(cat "$MTTY_TYPE/available_instances") more available"
}

# The harness itself works in this guest (threads, channels, clocks).
smoke() {
	switchover --version >/dev/null 2>&1 || fail "switchover --version does not run: $(switchover --version 2>&1 | tail -3)"
	if switchover real /vm/null.yaml --runs 2 --quiet --format json >/tmp/null.json 2>&1; then
		say "ok   null scenario (pthreads, channels): median_ms=$(median_ms /tmp/null.json)"
	else
		fail "switchover real null.yaml: $(tail -3 /tmp/null.json)"
	fi
	local all
	all=$(uuid_list 0 $((2 * MAX_PAIRS)))
	# shellcheck disable=SC2046
	if switchover vfio info $(echo "$all" | tr , ' ') >/tmp/info 2>&1; then
		sed 's/^/vm-test:   /' /tmp/info
		grep -q "flags=stop_copy|p2p|pre_copy" /tmp/info || fail "mtty does not report flags=stop_copy|p2p|pre_copy"
	else
		fail "switchover vfio info: $(tail -3 /tmp/info)"
	fi
}

correctness() {
	local strategy pairs
	for strategy in sequential parallel-prio parallel-barrier; do
		for pairs in 1 2 4; do
			run_case "$strategy-$pairs" "$strategy" "$pairs" auto "$RUNS" check
		done
	done
	run_case group parallel-prio 2 group "$RUNS" check
	run_case cdev parallel-barrier 2 cdev "$RUNS" check
	run_case pool parallel-prio/pool 4 auto "$RUNS" check
	# One passing trace in the log, to read (and check-trace-test.sh's sample).
	print_trace /tmp/cdev.trace
}

# set_delay US BUSY: mtty-step-delay.patch's per-arc delay.
set_delay() {
	if ! echo "$1" >"$MTTY_PARAMS/step_delay_us" || ! echo "$2" >"$MTTY_PARAMS/step_delay_busy"; then
		fail "cannot set $MTTY_PARAMS/step_delay_*: is mtty-step-delay.patch applied?"
	fi
}

# regime NAME US BUSY: the three strategies on MAX_PAIRS pairs, every arc
# delayed by US microseconds (BUSY=Y: spinning instead of sleeping).
regime() {
	local strategy
	set_delay "$2" "$3"
	for strategy in $REGIME_STRATEGIES; do
		run_case "$1-$(echo "$strategy" | tr / -)" "$strategy" "$MAX_PAIRS" auto "$REGIME_RUNS"
	done
}

# Median downtimes on 4 pairs: stock mtty (arcs of microseconds, cheaper
# than waking a thread), and a 1 ms delay per arc, sleeping (the kernel runs
# the devices' arcs concurrently) or busy-waiting (concurrent at most on as
# many vCPUs as there are).  Printed, not asserted: TCG timing is noisy.
regimes() {
	local name strategy line
	for name in $REGIMES; do
		case $name in
		stock) regime stock 0 N ;;
		sleep-1ms) regime sleep-1ms 1000 N ;;
		busy-1ms) regime busy-1ms 1000 Y ;;
		*) fail "SWITCHOVER_VM_REGIMES: unknown regime '$name' (expected stock, sleep-1ms, busy-1ms)" ;;
		esac
	done
	set_delay 0 N
	say "regimes (median downtime, ms, $MAX_PAIRS pairs, $REGIME_RUNS runs):"
	for name in $REGIMES; do
		line="$name"
		for strategy in $REGIME_STRATEGIES; do
			line="$line $strategy=$(median_ms "/tmp/$name-$(echo "$strategy" | tr / -).json")"
		done
		say "  $line"
	done
}

# Ctrl-C in the middle of a run (every arc delayed 200 ms, so the signal
# lands while devices are mid-migration): switchover must exit 2, say it
# was interrupted, leave no result file and every device RUNNING.  The
# signal goes only once switchover said its first run started (it installs
# its handler before that), however long its start-up takes under TCG: a
# signal sent earlier would test the loader, not switchover.
interrupt() {
	local src dst pid status waited=0 problems=/tmp/interrupt.problems
	src=$(uuid_list 0 2)
	dst=$(uuid_list "$MAX_PAIRS" 2)
	: >"$problems"
	set_delay 200000 N
	switchover real "$SCENARIO" --strategy parallel-prio --runs 5 \
		--set "devices[0].count=2" --set "devices[0].vfio.source=[$src]" \
		--set "devices[0].vfio.destination=[$dst]" -o /tmp/interrupt.h5 \
		>/tmp/interrupt.out 2>&1 &
	pid=$!
	while [ "$waited" -lt 600 ] && kill -0 "$pid" 2>/dev/null &&
		! grep -q "run 1/5 started" /tmp/interrupt.out; do
		usleep 100000
		waited=$((waited + 1))
	done
	grep -q "run 1/5 started" /tmp/interrupt.out ||
		echo "switchover never said its first run started" >>"$problems"
	kill -INT "$pid"
	wait "$pid"
	status=$?
	set_delay 0 N
	[ "$status" = 2 ] || echo "exit status $status, expected 2" >>"$problems"
	grep -q "interrupted" /tmp/interrupt.out || echo "no word of the interruption" >>"$problems"
	if [ -e /tmp/interrupt.h5 ] || ls /tmp | grep -q 'interrupt.h5.tmp'; then
		echo "a result file was left" >>"$problems"
	fi
	check_running "$src,$dst" >>"$problems"
	if [ -s "$problems" ]; then
		fail "interrupt (SIGINT mid-run)"
		sed 's/^/vm-test:   /' "$problems" /tmp/interrupt.out | head -20
	else
		say "ok   interrupt (SIGINT mid-run): exit 2, no result file, every device RUNNING: $(grep -m1 interrupted /tmp/interrupt.out | cut -c1-100)"
	fi
}

# export_file NAME FILE: FILE on the console for the host to decode
# (tests/vm/calibrate.sh): a begin line with its size and SHA-256, the
# gzipped file in base64, an end line; every line starts "vm-file: ".
export_file() {
	echo "vm-file: begin $1 $(wc -c <"$2") $(sha256sum "$2" | cut -d' ' -f1)"
	gzip -c "$2" | base64 | sed 's/^/vm-file: /'
	echo "vm-file: end $1"
}

# The guest's own thread and host costs (the sim's host terms), by the
# project's benchmarks when the initramfs has them (tests/vm/calibrate.sh
# puts them there).
measure_guest() {
	if command -v bench_threads >/dev/null; then
		if bench_threads 2000 >/tmp/bench_threads.txt 2>&1; then
			say "ok   bench_threads 2000: $(grep -c _s /tmp/bench_threads.txt) measurements"
			export_file bench_threads.txt /tmp/bench_threads.txt
		else
			fail "bench_threads: $(tail -3 /tmp/bench_threads.txt)"
		fi
	fi
	if command -v bench_host >/dev/null; then
		if bench_host --samples 7 --bytes 8 --name vm-guest --out /tmp/vm-guest.yaml >/tmp/bench_host.err 2>&1; then
			say "ok   bench_host: the guest's host profile"
			export_file vm-guest.yaml /tmp/vm-guest.yaml
		else
			fail "bench_host: $(tail -3 /tmp/bench_host.err)"
		fi
	fi
}

# tests/vm/calibrate.sh's session: the guest's costs, then the timing cases
# with their result files; the sequential ones (the calibration's input) and
# every case's JSON summary go out on the console.
calibrate_session() {
	local name strategy cname
	measure_guest
	SAVE_RESULTS=1
	regimes
	for name in $REGIMES; do
		[ ! -s "/tmp/$name-sequential.h5" ] ||
			export_file "$name-sequential.h5" "/tmp/$name-sequential.h5"
		for strategy in $REGIME_STRATEGIES; do
			cname=$name-$(echo "$strategy" | tr / -)
			[ ! -s "/tmp/$cname.json" ] || export_file "$cname.json" "/tmp/$cname.json"
		done
	done
}

main() {
	setup
	if [ "${SWITCHOVER_VM_PROBE:-}" = 1 ]; then
		say "probe ok"
		return
	fi
	local t0
	t0=$(uptime_s)
	if ! create_mdevs; then
		:
	elif [ "${SWITCHOVER_VM_MODE:-}" = calibrate ]; then
		calibrate_session
	else
		smoke
		correctness
		interrupt
		regimes
	fi
	say "guest tests took $(awk -v a="$t0" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }')s"
	if [ "$failures" = 0 ]; then
		say "SWITCHOVER-VM-TEST-PASS"
	else
		say "SWITCHOVER-VM-TEST-FAIL ($failures failures)"
	fi
}

if [ "${1:-}" = check-trace ]; then
	check_trace "$2" "$3"
	exit
fi
main
sync
poweroff -f
