#!/bin/sh
# The calibration loop on a real kernel driver (docs/vm-test.md, "Calibrated
# from the VM's own runs"): boot the tests/vm guest in its calibrate mode,
# which measures the guest's thread and host costs (bench_threads,
# bench_host) and runs the timing cases (4 mtty-2 pairs, every strategy and
# thread model) with their result files; take the sequential runs' result
# files and the measurements out of the guest (the console carries them);
# calibrate a device profile from each regime's sequential runs
# (`switchover calibrate traces`); predict every strategy with the sim from
# that profile and the guest's measured costs; print predicted against the
# medians the guest measured in the same session, and in which regimes
# sequential wins.  From measurement: every arc and the query (the
# sequential traces, calibrated), the thread costs (bench_threads in the
# guest) and the host terms the script keeps (bench_host in the guest:
# cores, task_cpu, unblock_cpu, the per-byte and per-frame channel CPU).
# Set by the script, not measured (docs/vm-test.md says why):
# arc_cpu_fraction per regime (1 stock and busy-wait, 0 sleeping: from the
# delay patch's code), destination_starts_running=true, hosts.shared=true,
# 4 devices, and the host terms set to 0 (wake_latency, sleep_cpu,
# vcpu_pause, vcpu_resume, device_read_cpu, device_read_end_cpu,
# device_write_cpu).
set -eu

usage() {
	cat <<EOF
usage: tests/vm/calibrate.sh [options]
Boot the mtty VM (tests/vm/run.sh) in calibrate mode, calibrate a profile
from each regime's sequential 4-pair runs, predict every strategy with the
sim, and print predicted vs measured median downtimes (a Markdown table).
  --build DIR      the build folder (default: build): DIR/cli/switchover,
                   DIR/bench/bench_threads, DIR/bench/bench_host
  --runs N         runs per timing case in the guest (default 50)
  --regimes LIST   comma-separated, of stock, sleep-1ms, busy-1ms
                   (default: all three)
  --sim-runs N     sim runs per prediction (default 200)
  --out DIR        where the console log, the files from the guest, the
                   profiles and the table go (default: ./vm-calibrate)
  --from-log       do not boot: use DIR's console.log of an earlier session
  -h, --help       this help
Environment: SWITCHOVER_VM_TIMEOUT (default 1800 here) and the other
variables of tests/vm/run.sh.  Run it under nice -n 19 on a shared machine
and say what load it ran under: the medians are wall-clock times of a TCG
guest.  Writes OUT/table.md (only when every row is made: an earlier
table is removed first) and prints it.  A console file whose name is not
[A-Za-z0-9._-]+ (not starting with '.', not 'index', not ending '.b64'),
whose size is not a number up to 256 MiB, that does not decode to its
size and SHA-256, or a prediction or measured median that is not a
number: refused with exit 2.
OUT holds this session's outputs only: the files the last session wrote
there (listed in OUT/written.list: mtty-REGIME.yaml, calibrate-REGIME.txt,
sim-REGIME-CASE.json) are removed first, whichever regimes it ran, and
OUT/files is made anew.  A sim-*.json, mtty-*.yaml or calibrate-*.txt in
OUT that the list does not name (an older version's output, or someone
else's) is never removed: the session refuses to start (exit 2), naming
it; move it away or give another --out.  Other files are left alone.
EOF
}

die() { echo "vm-calibrate: error: $*" >&2; exit 2; }
say() { echo "vm-calibrate: $*" >&2; }

build=build runs=50 regimes=stock,sleep-1ms,busy-1ms sim_runs=200 out=$PWD/vm-calibrate from_log=0
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=${2:?--build needs a folder}; shift ;;
	--runs) runs=${2:?--runs needs a number}; shift ;;
	--regimes) regimes=${2:?--regimes needs a list}; shift ;;
	--sim-runs) sim_runs=${2:?--sim-runs needs a number}; shift ;;
	--out) out=${2:?--out needs a folder}; shift ;;
	--from-log) from_log=1 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument '$1'" ;;
	esac
	shift
done
case $runs in '' | *[!0-9]*) die "--runs '$runs': expected a whole number >= 8" ;; esac
[ "$runs" -ge 8 ] || die "--runs $runs: calibrate traces fits nothing below 8 samples per arc"
case $sim_runs in '' | *[!0-9]* | 0) die "--sim-runs '$sim_runs': expected a whole number > 0" ;; esac
for r in $(echo "$regimes" | tr , ' '); do
	case $r in stock | sleep-1ms | busy-1ms) ;; *) die "--regimes: unknown regime '$r' (stock, sleep-1ms, busy-1ms)" ;; esac
done

here=$(cd "$(dirname "$0")" && pwd)
sw=$(readlink -f "$build/cli/switchover") || die "no $build/cli/switchover (make build)"
[ -x "$sw" ] || die "$sw is not an executable (make build)"
mkdir -p "$out"
out=$(cd "$out" && pwd)
log=$out/console.log
files=$out/files
table=$out/table.md
table_tmp=$out/table.md.tmp
# Nothing of an earlier session beside this one's: the outputs the last
# session wrote are removed, whichever regimes it ran (a session of fewer
# regimes would leave the others' predictions and profiles among its own).
# Only the files that session listed in $written are removed, and only by
# the names this script gives (no '/', no leading '.'); a file of those
# names it did not list (an older version's output, or not its own)
# stops the session before anything is removed (the table included).
written=$out/written.list
own_name() { case $1 in */* | .*) return 1 ;; sim-*.json | mtty-*.yaml | calibrate-*.txt) return 0 ;; esac; return 1; }
listed() { [ -f "$written" ] && grep -qxF -- "$1" "$written"; }
strangers=""
for f in "$out"/sim-*.json "$out"/mtty-*.yaml "$out"/calibrate-*.txt; do
	[ -e "$f" ] || [ -L "$f" ] || continue
	listed "${f##*/}" || strangers="$strangers ${f##*/}"
done
[ -z "$strangers" ] ||
	die "$out holds$strangers, which no session of this script listed in $written (an older version's output, or not its own): it removes only what it wrote, so move them away or give another --out"
# No table of an earlier session beside this session's console log, and no
# half-made one: the table is written to table_tmp and renamed at the end.
rm -f "$table" "$table_tmp"
trap 'rm -f "$table_tmp"' EXIT

if [ -f "$written" ]; then
	while IFS= read -r name; do
		if own_name "$name" && { [ -f "$out/$name" ] || [ -L "$out/$name" ]; }; then
			rm -f "$out/$name"
		fi
	done <"$written"
fi
: >"$written"
# own NAME: this session writes OUT/NAME (listed before it is written, so
# that a session stopped half-way is cleaned up by the next one).
own() { echo "$1" >>"$written"; }

if [ "$from_log" = 0 ]; then
	for b in bench_threads bench_host; do
		[ -x "$build/bench/$b" ] || die "no $build/bench/$b (make build)"
	done
	say "booting the guest: $runs runs per case, regimes $regimes (log: $log)"
	SWITCHOVER_VM_OUT=$out SWITCHOVER_VM_MODE=calibrate SWITCHOVER_VM_REGIMES=$regimes \
		SWITCHOVER_VM_REGIME_RUNS=$runs SWITCHOVER_VM_TIMEOUT=${SWITCHOVER_VM_TIMEOUT:-1800} \
		SWITCHOVER_VM_EXTRA="$(readlink -f "$build/bench/bench_threads") $(readlink -f "$build/bench/bench_host")" \
		sh "$here/run.sh" "$sw" >&2 || die "the guest session failed (above; $log)"
fi
[ -s "$log" ] || die "no console log $log"

# The files the guest printed: "vm-file: begin NAME SIZE SHA256", base64
# of the gzipped file, "vm-file: end NAME".  NAME becomes a file in $files:
# only [A-Za-z0-9._-]+, not starting with '.' (no "..", no path), not the
# script's own names there (index, NAME.b64); SIZE at most 256 MiB, the
# decoder's bound on what gunzip may write.
max_size=268435456
rm -rf "$files"
mkdir -p "$files"
awk -v dir="$files" -v max="$max_size" '
	function bad(why) { printf "vm-calibrate: error: %s:%d: %s\n", FILENAME, FNR, why > "/dev/stderr"; failed = 1; exit 2 }
	/^vm-file: begin / {
		if (f != "") bad("vm-file: begin " $3 " inside " name " (no end line)")
		name = $3
		if (NF != 5) bad("expected vm-file: begin NAME SIZE SHA256")
		if (name !~ /^[A-Za-z0-9._-]+$/ || name ~ /^[.]/ || name == "index" || name ~ /[.]b64$/)
			bad("file name \"" name "\" refused: expected [A-Za-z0-9._-]+, not starting with \".\", not index or *.b64")
		if (name in size) bad("file " name " printed twice")
		if ($4 !~ /^(0|[1-9][0-9]*)$/ || length($4) > 10 || $4 + 0 > max) bad("file " name ": size \"" $4 "\" is not a whole number up to " max)
		if ($5 !~ /^[0-9a-f]+$/ || length($5) != 64) bad("file " name ": \"" $5 "\" is not a SHA-256 (64 hex digits)")
		size[name] = $4; sum[name] = $5; line[name] = FNR; f = dir "/" name ".b64"; printf "" > f; next }
	/^vm-file: end / {
		if (f == "" || $3 != name) bad("vm-file: end " $3 " without its begin line")
		close(f); f = ""; print name, size[name], sum[name], line[name] > (dir "/index"); next }
	f != "" && /^vm-file: / { print substr($0, 10) > f }
	END { if (!failed && f != "") bad("file " name " has no end line (the log ends inside it)") }' "$log" || exit 2
[ -s "$files/index" ] || die "the guest printed no files in $log"
while read -r name size sum line; do
	# At most SIZE + 1 bytes reach the file: a larger output is refused
	# without being written whole.  The status of gunzip (not the
	# pipeline's) tells a file that does not decode.
	status=$( (if base64 -d "$files/$name.b64" 2>/dev/null | gunzip 2>/dev/null; then s=0; else s=$?; fi
		echo "$s" >"$files/$name.status") | head -c $((size + 1)) >"$files/$name"
		cat "$files/$name.status")
	rm -f "$files/$name.b64" "$files/$name.status"
	got=$(wc -c <"$files/$name")
	if [ "$got" -gt "$size" ]; then
		why="decodes to more than its $size bytes"
	elif [ "$status" != 0 ]; then
		why="does not decode (base64 of gzip)"
	elif [ "$got" != "$size" ] || [ "$(sha256sum "$files/$name" | cut -d' ' -f1)" != "$sum" ]; then
		why="size or SHA-256 differ from what the guest printed"
	else
		continue
	fi
	rm -f "$files/$name"
	die "$log:$line: $name $why"
done <"$files/index"
say "$(wc -l <"$files/index") files from the guest in $files"

# The guest's thread costs: bench_threads' medians.
threads=$files/bench_threads.txt
[ -s "$threads" ] || die "no bench_threads output from the guest"
med() { awk -v k="$1" '$1 == k && $2 == "median" { print $3 }' "$threads"; }
create=$(med thread_create_s) join=$(med join_ended_s) wake=$(med thread_wake_s)
if [ -z "$create" ] || [ -z "$join" ] || [ -z "$wake" ]; then
	die "$threads lacks thread_create_s, join_ended_s or thread_wake_s"
fi
host=$files/vm-guest.yaml
[ -s "$host" ] || die "no host profile (bench_host) from the guest"
# The host terms the guest's runs did not pay, or that the calibrated arcs
# already hold, are 0 (docs/vm-test.md says why): the timer's lateness
# (every arc's measured work includes it: the sim would add it to each arc
# again) and a sleep's own CPU (the sim charges it to the sleeps it adds
# the lateness to, the sleeping arcs among them; mtty's delays sleep in the
# kernel, inside the measured arc), the vCPU pause and resume (the
# guest's scenario has no hosts, so the real world burnt none), the
# emulated device's per-call CPU, whole or at the end of its data (mtty is
# not the emulated device).  Kept: cores (two vCPUs that the source and
# the destination share), the real world's per-task, per-frame and
# per-byte CPU, and unblock_cpu (the guest's migration threads do block on
# semaphores and events: a thread wake the arcs do not hold).
host_zero=""
for k in wake_latency sleep_cpu vcpu_pause vcpu_resume device_read_cpu device_read_end_cpu device_write_cpu; do
	host_zero="$host_zero --set hosts.source.$k=0 --set hosts.destination.$k=0"
done
us() { awk -v s="$1" 'BEGIN { printf "%.4gus", s * 1e6 }'; }
say "guest thread costs: create $(us "$create"), join of an ended thread $(us "$join"), pool hand-off $(us "$wake")"

# json_median_ms FILE: the median downtime of a JSON summary in ms, or
# nothing when it is missing or not a number (e.g. null).
json_median_ms() {
	sed -n 's/.*"downtime_s":{"median":\(-\{0,1\}[0-9][0-9]*\(\.[0-9][0-9]*\)\{0,1\}\([eE][-+]\{0,1\}[0-9][0-9]*\)\{0,1\}\)[,}].*/\1/p' "$1" |
		awk 'NR == 1 { printf "%.3f", $1 * 1000 }'
}

{
	echo "| arcs | strategy | threads | predicted (ms) | measured (ms) | error |"
	echo "|---|---|---|---|---|---|"
} >"$table_tmp"
verdicts=""
for regime in $(echo "$regimes" | tr , ' '); do
	seq_h5=$files/$regime-sequential.h5
	[ -s "$seq_h5" ] || die "no $regime-sequential.h5 from the guest"
	profile=$out/mtty-$regime.yaml
	own "mtty-$regime.yaml"
	own "calibrate-$regime.txt"
	"$sw" calibrate traces "$seq_h5" --name "mtty-$regime" -o "$profile" >"$out/calibrate-$regime.txt" ||
		die "calibrate traces $seq_h5 failed (above)"
	say "calibrated $profile:"
	sed 's/^/  /' "$out/calibrate-$regime.txt" | cut -c1-130 >&2
	# What the arcs do with their time, from the delay patch's code (not
	# fitted): stock mtty's arcs and mdelay() spin on a vCPU, usleep_range()
	# sleeps.
	cpu=1
	[ "$regime" != sleep-1ms ] || cpu=0
	best_pred=1e99 best_meas=1e99 seq_pred="" seq_meas=""
	for c in sequential parallel-prio parallel-barrier parallel-prio/pool parallel-barrier/pool; do
		strategy=${c%/pool} th=per-pass
		[ "$strategy" = "$c" ] || th=pool
		name=$regime-$(echo "$c" | tr / -)
		own "sim-$name.json"
		# shellcheck disable=SC2086
		"$sw" sim "$here/mtty.yaml" --strategy "$strategy" --runs "$sim_runs" --quiet --format json \
			--set "devices[0].profile=$profile" --set devices[0].backend=model --set 'devices[0].vfio={}' \
			--set devices[0].count=4 --set "devices[0].arc_cpu_fraction=$cpu" \
			--set devices[0].destination_starts_running=true \
			--set "hosts.source.profile=$host" --set "hosts.destination.profile=$host" --set hosts.shared=true \
			$host_zero \
			--set "migration.thread_create=$(us "$create")" --set "migration.thread_join=$(us "$join")" \
			--set "migration.thread_wake=$(us "$wake")" --set "migration.threads=$th" >"$out/sim-$name.json" ||
			die "the sim's prediction of $name failed"
		pred=$(json_median_ms "$out/sim-$name.json")
		[ -n "$pred" ] || die "$regime, $strategy, threads $th: the sim's prediction ($out/sim-$name.json) has no median downtime that is a number"
		meas=$(json_median_ms "$files/$name.json")
		[ -n "$meas" ] || die "$regime, $strategy, threads $th: $files/$name.json has no measured median downtime that is a number"
		awk -v m="$meas" 'BEGIN { exit !(m > 0) }' ||
			die "$regime, $strategy, threads $th: the measured median downtime in $files/$name.json is $meas ms (> 0 expected)"
		[ "$strategy" = sequential ] && [ "$th" = per-pass ] && th=-
		awk -v r="$regime" -v s="$strategy" -v t="$th" -v p="$pred" -v m="$meas" \
			'BEGIN { printf "| %s | %s | %s | %.2f | %.2f | %+.0f%% |\n", r, s, t, p, m, (p - m) / m * 100 }' >>"$table_tmp"
		if [ "$strategy" = sequential ]; then
			seq_pred=$pred seq_meas=$meas
		else
			best_pred=$(echo "$best_pred $pred" | awk '{ print $2 < $1 ? $2 : $1 }')
			best_meas=$(echo "$best_meas $meas" | awk '{ print $2 < $1 ? $2 : $1 }')
		fi
	done
	verdicts="$verdicts$(awk -v r="$regime" -v sp="$seq_pred" -v bp="$best_pred" -v sm="$seq_meas" -v bm="$best_meas" 'BEGIN {
		printf "%s: predicted %s (sequential %.2f ms, best parallel %.2f ms); measured %s (%.2f, %.2f)\n", r,
			sp < bp ? "sequential wins" : "parallel wins", sp, bp, sm < bm ? "sequential wins" : "parallel wins", sm, bm }')
"
done
{
	echo
	printf '%s' "$verdicts" | sed 's/^/- /'
	echo
	echo "Guest: thread create $(us "$create"), join of an ended thread $(us "$join"), pool hand-off $(us "$wake") (bench_threads 2000); host terms: bench_host in the guest ($host)."
	echo "Host load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%M:%SZ)."
} >>"$table_tmp"
mv "$table_tmp" "$table"
cat "$table"
