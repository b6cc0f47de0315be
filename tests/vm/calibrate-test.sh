#!/bin/sh
# Tests tests/vm/calibrate.sh's host side without a VM (CTest
# vm_calibrate_log): a console log written the way the guest writes it
# (guest-test.sh's export_file: "vm-file:" lines of gzip + base64), holding a
# sequential result file made by the sim (calibrate traces reads any world's),
# JSON summaries, a bench_threads output and a host profile.  calibrate.sh
# --from-log must decode it, calibrate, predict every case and print the
# table with its verdict line; a log with one altered character must be
# refused naming the file, with nothing tabled.
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
mkdir -p "$tmp/ok"
{
	echo "vm-test: guest up"
	export_file bench_threads.txt "$tmp/in/bench_threads.txt"
	export_file vm-guest.yaml "$tmp/in/vm-guest.yaml"
	echo "[   12.3] a kernel message"
	export_file stock-sequential.h5 "$tmp/in/stock-sequential.h5"
	for c in sequential parallel-prio parallel-barrier parallel-prio-pool parallel-barrier-pool; do
		export_file "stock-$c.json" "$tmp/in/stock-$c.json"
	done
} >"$tmp/ok/console.log"

if (cd "$tmp" && sh "$here/calibrate.sh" --from-log --regimes stock --sim-runs 5 --out "$tmp/ok") \
	>"$tmp/ok.out" 2>"$tmp/ok.err"; then
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

# One base64 character of the result file altered: refused, naming it.
mkdir -p "$tmp/bad"
# (the third line of its data: past the gzip header, whose file name field
# gunzip would not check).
awk '/^vm-file: begin stock-sequential.h5/ { on = 1; print; next }
	on && /^vm-file: [A-Za-z0-9+\/=]+$/ && ++n == 3 {
		c = substr($0, 40, 1); $0 = substr($0, 1, 39) (c == "A" ? "B" : "A") substr($0, 41) }
	{ print }' "$tmp/ok/console.log" >"$tmp/bad/console.log"
cmp -s "$tmp/ok/console.log" "$tmp/bad/console.log" && fail "the test did not alter the log"
status=0
(cd "$tmp" && sh "$here/calibrate.sh" --from-log --regimes stock --sim-runs 5 --out "$tmp/bad") \
	>"$tmp/bad.out" 2>"$tmp/bad.err" || status=$?
[ "$status" = 2 ] || fail "an altered log: exit $status, expected 2"
grep -q 'stock-sequential.h5' "$tmp/bad.err" || fail "an altered log: the error does not name the file: $(cat "$tmp/bad.err")"
[ ! -e "$tmp/bad/table.md" ] || fail "an altered log: a table was written"

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
