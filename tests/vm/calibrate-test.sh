#!/bin/sh
# Tests tests/vm/calibrate.sh's host side without a VM (CTest
# vm_calibrate_log): a console log written the way the guest writes it
# (guest-test.sh's export_file: "vm-file:" lines of gzip + base64), holding a
# sequential result file made by the sim (calibrate traces reads any world's),
# JSON summaries, a bench_threads output and a host profile.  calibrate.sh
# --from-log must decode it, calibrate, predict every case and print the
# table with its verdict line; a log with one altered character must be
# refused naming the file, with nothing tabled.  Also refused (exit 2, the
# log's line, no file left and no table): a file name that would leave the
# files folder or overwrite the decoder's index, a size that is not a
# number or too large, a file that decompresses to more than its size
# (written at most SIZE + 1 bytes), a missing or null measured or predicted
# median, a failure in a later regime (no half table, no earlier table).
# A second session in the same folder leaves only its own outputs (none of
# the first's other regimes), never removes a file it did not write, and
# refuses to start beside a file named as its outputs that it did not list.
# The host terms the script zeroes (sleep_cpu, device_read_end_cpu) do not
# move the prediction; unblock_cpu, kept, does.
# usage: calibrate-test.sh SWITCHOVER_BINARY
set -eu
[ $# = 1 ] || { echo "usage: calibrate-test.sh SWITCHOVER_BINARY" >&2; exit 2; }
sw=$(readlink -f "$1")
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# calibrate.sh wants BUILD/cli/switchover.
mkdir -p "$tmp/build/cli" "$tmp/in"
ln -s "$sw" "$tmp/build/cli/switchover"

# The guest's files.  The sequential runs: 4 modelled mtty pairs, distinct
# arc latencies, 10 runs (40 samples an arc).
"$sw" sim "$here/mtty.yaml" --strategy sequential --runs 10 --quiet --format json \
	--set devices[0].backend=model --set 'devices[0].vfio={}' --set devices[0].count=4 \
	--set 'devices[0].latency.default=lognormal(median=1ms, sigma=0.2)' \
	-o "$tmp/in/stock-sequential.h5" >"$tmp/in/stock-sequential.json"
for c in parallel-prio parallel-barrier parallel-prio-pool parallel-barrier-pool; do
	cp "$tmp/in/stock-sequential.json" "$tmp/in/stock-$c.json"
done
cat >"$tmp/in/bench_threads.txt" <<'EOF'
pairs 2000
thread_create_s median 0.0001 p5 8e-05 p95 0.002
thread_join_s   median 9e-05 p5 2e-06 p95 0.004 (right after create: waits for the thread)
join_ended_s    median 3e-06 p5 2e-06 p95 1e-05 (a thread that has ended: what the strategies pay; the sim default)
thread_wake_s   median 2e-05 p5 1e-05 p95 0.0001 (rt_wake of a parked pool worker, waker's side: the pool's hand-off)
wait_done_s     median 2e-06 p5 1e-06 p95 6e-06 (taking a worker's posted done: the pool's join)
EOF
cp "$repo/profiles/hosts/ci-2core.yaml" "$tmp/in/vm-guest.yaml"

# The console, as the guest prints it (and a kernel line in between).
export_file() {
	echo "vm-file: begin $1 $(wc -c <"$2") $(sha256sum "$2" | cut -d' ' -f1)"
	gzip -c "$2" | base64 | sed 's/^/vm-file: /'
	echo "vm-file: end $1"
}
# write_log IN: the console log of the files in folder IN.
write_log() {
	echo "vm-test: guest up"
	export_file bench_threads.txt "$1/bench_threads.txt"
	export_file vm-guest.yaml "$1/vm-guest.yaml"
	echo "[   12.3] a kernel message"
	export_file stock-sequential.h5 "$1/stock-sequential.h5"
	for c in sequential parallel-prio parallel-barrier parallel-prio-pool parallel-barrier-pool; do
		export_file "stock-$c.json" "$1/stock-$c.json"
	done
}
mkdir -p "$tmp/ok"
write_log "$tmp/in" >"$tmp/ok/console.log"

# calibrate OUT [OPTIONS]: calibrate.sh --from-log on OUT/console.log, its
# output in OUT.out and OUT.err; sets status.
calibrate() {
	d=$1
	shift
	status=0
	(cd "$tmp" && sh "$here/calibrate.sh" --from-log --regimes stock --sim-runs 5 --out "$d" "$@") \
		>"$d.out" 2>"$d.err" || status=$?
}
# refused WHAT OUT PATTERN: calibrate.sh refused OUT/console.log with exit
# 2, an error matching PATTERN and no table.
refused() {
	[ "$status" = 2 ] || fail "$1: exit $status, expected 2: $(cat "$2.err")"
	grep -q "$3" "$2.err" || fail "$1: the error does not say '$3': $(cat "$2.err")"
	[ ! -e "$2/table.md" ] || fail "$1: a table was written"
}
# predicted OUT: the predicted column of OUT's table.
predicted() { awk -F'|' '/^\| stock \| / { print $5 }' "$1.out"; }

calibrate "$tmp/ok"
if [ "$status" = 0 ]; then
	cmp -s "$tmp/in/stock-sequential.h5" "$tmp/ok/files/stock-sequential.h5" ||
		fail "the decoded result file differs from the one encoded"
	rows=$(grep -c '^| stock | ' "$tmp/ok.out" || true)
	[ "$rows" = 5 ] || fail "expected 5 table rows for stock, got $rows: $(cat "$tmp/ok.out")"
	grep -q '^- stock: predicted \(sequential\|parallel\) wins' "$tmp/ok.out" ||
		fail "no verdict line for stock: $(cat "$tmp/ok.out")"
	grep -q 'thread create 100us, join of an ended thread 3us, pool hand-off 20us' "$tmp/ok.out" ||
		fail "the thread costs from bench_threads.txt are not in the output: $(cat "$tmp/ok.out")"
	grep -q 'latency.default\|latency.stop_to_resuming' "$tmp/ok/mtty-stock.yaml" ||
		fail "the calibrated profile has no arc: $(head -20 "$tmp/ok/mtty-stock.yaml")"
	cmp -s "$tmp/ok.out" "$tmp/ok/table.md" || fail "table.md differs from what was printed"
else
	fail "calibrate.sh --from-log failed: $(cat "$tmp/ok.err")"
fi

# The output folder holds one session's outputs: a session of regimes stock
# and sleep-1ms, then one of stock alone in the same folder, leaves exactly
# the second's files (no sleep-1ms prediction, profile or calibrate
# output), and a file of the user's is left alone.  A sim-*.json that no
# session listed as its own stops the session (exit 2), removing nothing.
mkdir -p "$tmp/rerun"
{
	write_log "$tmp/in"
	for f in "$tmp/in"/stock-*; do
		b=${f##*/}
		export_file "sleep-1ms-${b#stock-}" "$f"
	done
} >"$tmp/rerun/console.log"
echo "the user's notes" >"$tmp/rerun/notes.txt"
calibrate "$tmp/rerun" --regimes stock,sleep-1ms
[ "$status" = 0 ] || fail "two regimes: calibrate.sh failed: $(cat "$tmp/rerun.err")"
[ -s "$tmp/rerun/sim-sleep-1ms-parallel-prio.json" ] || fail "two regimes: no sleep-1ms prediction"
calibrate "$tmp/rerun"
[ "$status" = 0 ] || fail "the second session: calibrate.sh failed: $(cat "$tmp/rerun.err")"
got=$(cd "$tmp/rerun" && LC_ALL=C ls | tr '\n' ' ')
want="calibrate-stock.txt console.log files mtty-stock.yaml notes.txt sim-stock-parallel-barrier-pool.json sim-stock-parallel-barrier.json sim-stock-parallel-prio-pool.json sim-stock-parallel-prio.json sim-stock-sequential.json table.md written.list "
[ "$got" = "$want" ] || fail "after a session of stock alone the folder holds: $got; expected: $want"
grep -q "the user's notes" "$tmp/rerun/notes.txt" || fail "the user's file was changed"
echo '{}' >"$tmp/rerun/sim-mine.json"
calibrate "$tmp/rerun"
[ "$status" = 2 ] || fail "a sim-*.json not listed: exit $status, expected 2"
grep -q "holds sim-mine.json, which no session of this script listed" "$tmp/rerun.err" ||
	fail "a sim-*.json not listed: the error does not name it: $(cat "$tmp/rerun.err")"
for f in sim-mine.json sim-stock-sequential.json mtty-stock.yaml table.md notes.txt; do
	[ -e "$tmp/rerun/$f" ] || fail "a sim-*.json not listed: $f was removed"
done

# One base64 character of the result file altered: refused, naming it.
mkdir -p "$tmp/bad"
# (the third line of its data: past the gzip header, whose file name field
# gunzip would not check).
awk '/^vm-file: begin stock-sequential.h5/ { on = 1; print; next }
	on && /^vm-file: [A-Za-z0-9+\/=]+$/ && ++n == 3 {
		c = substr($0, 40, 1); $0 = substr($0, 1, 39) (c == "A" ? "B" : "A") substr($0, 41) }
	{ print }' "$tmp/ok/console.log" >"$tmp/bad/console.log"
cmp -s "$tmp/ok/console.log" "$tmp/bad/console.log" && fail "the test did not alter the log"
calibrate "$tmp/bad"
refused "an altered log" "$tmp/bad" "console.log:[0-9]*: stock-sequential.h5"

# Names that are not plain file names in the files folder: refused, naming
# the log's line, nothing written outside it.
for n in ../../escaped index .hidden a/b x.b64; do
	d=$tmp/name-$(echo "$n" | tr -c 'A-Za-z0-9\n' _)
	mkdir -p "$d"
	{
		echo "vm-test: guest up"
		export_file "$n" "$tmp/in/bench_threads.txt"
	} >"$d/console.log"
	calibrate "$d"
	refused "file name '$n'" "$d" "console.log:2: file name"
done
if [ -e "$tmp/escaped" ] || [ -e "$tmp/escaped.b64" ]; then
	fail "file name '../../escaped': a file was written outside the files folder"
fi

# Sizes: not a number, or above the bound; a file that decompresses to more
# than its size is cut at SIZE + 1 bytes and removed (here 40 MB of zeros
# under `ulimit -f 8192`, 4 MiB in dash: the unbounded decoder would be
# killed writing it).
for sz in 3x 010 -1 268435457 99999999999; do
	d=$tmp/size-$(echo "$sz" | tr -c 'A-Za-z0-9\n' _)
	mkdir -p "$d"
	export_file bench_threads.txt "$tmp/in/bench_threads.txt" |
		sed "1s/^vm-file: begin bench_threads.txt [0-9]*/vm-file: begin bench_threads.txt $sz/" >"$d/console.log"
	calibrate "$d"
	refused "size '$sz'" "$d" "console.log:1: file bench_threads.txt: size"
done
mkdir -p "$tmp/bomb"
head -c 40000000 /dev/zero >"$tmp/zeros"
{
	echo "vm-file: begin bench_threads.txt 3 $(printf abc | sha256sum | cut -d' ' -f1)"
	gzip -c "$tmp/zeros" | base64 | sed 's/^/vm-file: /'
	echo "vm-file: end bench_threads.txt"
} >"$tmp/bomb/console.log"
rm -f "$tmp/zeros"
status=0
(ulimit -f 8192 && cd "$tmp" && sh "$here/calibrate.sh" --from-log --regimes stock --sim-runs 5 --out "$tmp/bomb") \
	>"$tmp/bomb.out" 2>"$tmp/bomb.err" || status=$?
refused "a file larger than its size" "$tmp/bomb" "console.log:1: bench_threads.txt decodes to more than its 3 bytes"
[ ! -e "$tmp/bomb/files/bench_threads.txt" ] || fail "a file larger than its size: the partial file was left"
# A file that does not decode: refused, nothing left.
mkdir -p "$tmp/nogzip"
{
	echo "vm-file: begin bench_threads.txt 3 $(printf abc | sha256sum | cut -d' ' -f1)"
	printf abc | base64 | sed 's/^/vm-file: /'
	echo "vm-file: end bench_threads.txt"
} >"$tmp/nogzip/console.log"
calibrate "$tmp/nogzip"
refused "a file that is not gzip" "$tmp/nogzip" "console.log:1: bench_threads.txt does not decode"
[ ! -e "$tmp/nogzip/files/bench_threads.txt" ] || fail "a file that is not gzip: the partial file was left"

# A failure in a later regime leaves no table, neither half of this one nor
# an earlier session's.
mkdir -p "$tmp/later"
cp "$tmp/ok/console.log" "$tmp/later/"
echo "an earlier session's table" >"$tmp/later/table.md"
calibrate "$tmp/later" --regimes stock,sleep-1ms
refused "a later regime without its files" "$tmp/later" "no sleep-1ms-sequential.h5"
grep -q '^| stock | sequential' "$tmp/later.err" "$tmp/later.out" && fail "a later regime without its files: stock's rows were printed"

# A measured median or a prediction that is missing or null: refused,
# naming the case.
mkdir -p "$tmp/in-null" "$tmp/null"
cp "$tmp/in/"* "$tmp/in-null/"
sed 's/"downtime_s":{"median":[^,]*/"downtime_s":{"median":null/' "$tmp/in/stock-sequential.json" >"$tmp/in-null/stock-parallel-prio.json"
write_log "$tmp/in-null" >"$tmp/null/console.log"
calibrate "$tmp/null"
refused "a measured median of null" "$tmp/null" "stock, parallel-prio, threads per-pass: .*stock-parallel-prio.json has no measured median"
# (a switchover whose sim prints "median":null for the barrier pool)
mkdir -p "$tmp/nullsim/cli" "$tmp/predicted"
cat >"$tmp/nullsim/cli/switchover" <<EOF
#!/bin/sh
case " \$* " in
*" sim "*"--strategy parallel-barrier "*"migration.threads=pool"*)
	"$sw" "\$@" | sed 's/"downtime_s":{"median":[^,]*/"downtime_s":{"median":null/' ;;
*) exec "$sw" "\$@" ;;
esac
EOF
chmod +x "$tmp/nullsim/cli/switchover"
cp "$tmp/ok/console.log" "$tmp/predicted/"
calibrate "$tmp/predicted" --build "$tmp/nullsim"
refused "a prediction of null" "$tmp/predicted" "stock, parallel-barrier, threads pool: the sim's prediction"

# The host terms: sleep_cpu and device_read_end_cpu are 0 for the
# prediction (5 ms in the guest's profile changes nothing); unblock_cpu is
# the guest's measured one (5 ms changes the prediction).
for k in sleep_cpu device_read_end_cpu unblock_cpu; do
	grep -q "^  $k: " "$tmp/in/vm-guest.yaml" || fail "the test's host profile has no $k"
	mkdir -p "$tmp/in-$k" "$tmp/$k"
	cp "$tmp/in/"* "$tmp/in-$k/"
	sed "s/^  $k: .*/  $k: 5ms/" "$tmp/in/vm-guest.yaml" >"$tmp/in-$k/vm-guest.yaml"
	write_log "$tmp/in-$k" >"$tmp/$k/console.log"
	calibrate "$tmp/$k"
	[ "$status" = 0 ] || fail "$k at 5 ms: calibrate.sh failed: $(cat "$tmp/$k.err")"
done
[ -n "$(predicted "$tmp/ok")" ] || fail "no predicted column in $tmp/ok.out"
for k in sleep_cpu device_read_end_cpu; do
	[ "$(predicted "$tmp/$k")" = "$(predicted "$tmp/ok")" ] ||
		fail "$k at 5 ms in the guest's profile changed the prediction: $(predicted "$tmp/$k") against $(predicted "$tmp/ok")"
done
[ "$(predicted "$tmp/unblock_cpu")" != "$(predicted "$tmp/ok")" ] ||
	fail "unblock_cpu at 5 ms in the guest's profile did not change the prediction"

# Bad options are refused with exit 2.
for args in "--runs 3" "--regimes stock,warm" "--sim-runs x"; do
	status=0
	# shellcheck disable=SC2086
	sh "$here/calibrate.sh" $args --from-log --out "$tmp/ok" >/dev/null 2>&1 || status=$?
	[ "$status" = 2 ] || fail "calibrate.sh $args: exit $status, expected 2"
done
sh "$here/calibrate.sh" --help | grep -q '^usage: tests/vm/calibrate.sh' || fail "--help prints no usage"

[ "$failures" = 0 ] || exit 1
echo "calibrate-test: ok"
