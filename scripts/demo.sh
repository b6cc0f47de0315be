#!/bin/sh
# make demo: run the default scenarios in the sim world (the embedded default
# backend) and print how the three transition strategies compare.
# Results (JSON per scenario, CSV per run, HDF5 result files) are written to out/demo/.
set -eu
BUILD=${1:-build}
SW="$BUILD/cli/switchover"
OUT=out/demo
mkdir -p "$OUT"

echo "== published parallel-transition setup (docs/domain.md section 9): 1, 2, 4 ConnectX-7 VFs"
echo "   published: 1 VF 497 ms seq / 493 ms par; 4 VFs 1385 ms seq / 986 ms par"
echo "   (mlx5-cx7 is fitted to these four numbers and the section 6 REINIT pair with calibrate table:"
echo "    docs/calibration.md;"
echo "    2 VFs is a prediction, the fit never saw it)"
for n in 1 2 4; do
	f=scenarios/cx7-${n}vf.yaml
	"$SW" sim "$f" --strategy all --quiet --format json -o "$OUT/cx7-${n}vf.h5" > "$OUT/cx7-${n}vf.json"
	"$SW" sim "$f" --strategy all --quiet | sed -n '/^comparison/,$p'
done

echo
echo "== strategies vs number of devices (scenarios/demo/cx7-sweep.yaml), median downtime in ms"
echo "   (one study: switchover sweep, docs/sweep.md)"
"$SW" sweep scenarios/demo/cx7-sweep.yaml --vary devices.count=1..64x2 --strategy all -j 2 \
	--quiet --format csv -o "$OUT/cx7-sweep.h5" > "$OUT/cx7-sweep.csv"
printf '%8s %14s %14s %17s\n' devices sequential parallel-prio parallel-barrier
# Columns of /points: 3 devices.count, 4 strategy (quoted), 10 downtime_median_s.
awk -F, 'NR > 1 {gsub(/"/, "", $4); m[$3, $4] = $10 * 1e3; if (!($3 in seen)) {seen[$3]; n[++k] = $3}}
	END {for (i = 1; i <= k; i++) printf "%8d %14.1f %14.1f %17.1f\n", n[i],
		m[n[i], "sequential"], m[n[i], "parallel-prio"], m[n[i], "parallel-barrier"]}' "$OUT/cx7-sweep.csv"

for f in scenarios/demo/shared-firmware.yaml scenarios/demo/depths-stragglers.yaml; do
	echo
	echo "== $f"
	"$SW" sim "$f" --strategy all --quiet -o "$OUT/$(basename "$f" .yaml).h5" |
		sed -n '/^comparison/,$p'
done

echo
echo "== when a thread pool matters (scenarios/demo/thread-pool.yaml: 64 VFs, 2 ms arcs), median downtime in ms"
printf '%8s %10s %14s %17s\n' devices threads parallel-prio parallel-barrier
for n in 4 64; do
	for t in per-pass pool; do
		"$SW" sim scenarios/demo/thread-pool.yaml --strategy all --set devices.count=$n \
			--set migration.threads=$t --quiet |
			awk -v n=$n -v t=$t '/^comparison/ {c=1; next} c && $1 ~ /^parallel/ {m[$1]=$2}
				END {printf "%8d %10s %14.3f %17.3f\n", n, t, m["parallel-prio"], m["parallel-barrier"]}'
	done
done

echo
echo "== what PRE_COPY saves (docs/model.md, \"Device state as images\"): the same ConnectX-7 VFs with"
echo "   and without pre_copy, parallel-prio; with it precopy carries the full image and the stop"
echo "   window only its header and what changed since. Median ms:"
for n in 1 4; do
	for caps in "stop_copy, p2p, pre_copy" "stop_copy, p2p"; do
		"$SW" sim scenarios/cx7-${n}vf.yaml --quiet --set "devices.capabilities=[$caps]"
	done | awk -v n=$n '
		/^downtime/ {run++; d[run]=$3}
		/^phases/ {p=1; next}
		p && /^  [a-z_]+ +[0-9.]+$/ {if (run==1) name[++k]=$1; v[run,$1]=$2; next}
		{p=0}
		END {
			printf "%d VF%s   %-12s %12s %12s\n", n, (n > 1 ? "s" : " "), "", "pre_copy", "no pre_copy"
			printf "         %-12s %12.1f %12.1f\n", "downtime", d[1], d[2]
			for (i=1; i<=k; i++)
				printf "         %-12s %12.1f %12.1f\n", name[i], v[1,name[i]], v[2,name[i]]
		}'
done

echo
echo "== the same VM on a 2-core vs a 64-core host (docs/model.md \"Hosts and CPUs\"):"
echo "   scenarios/demo/host-cores.yaml: ConnectX-7 VFs whose arcs and loads are 25% CPU (an"
echo "   assumption for the demo, not measured), switchover-ack (precopy images loaded before the"
echo "   switchover), stop-copy state over 4 multifd channels (a load thread per device), host"
echo "   profile ci-2core (measured by bench/bench_host) with its core count replaced; median"
echo "   downtime in ms, and the switchovers forced by max_iterations or max_time (must be 0)"
printf '%8s %6s %14s %14s %17s %7s\n' devices cores sequential parallel-prio parallel-barrier forced
for n in 16 64; do
	for c in 2 64; do
		"$SW" sim scenarios/demo/host-cores.yaml --strategy all --quiet \
			--set devices.count=$n --set hosts.source.cores=$c --set hosts.destination.cores=$c |
			awk -v n=$n -v c=$c '/^precopy/ {f += $5} /^comparison/ {k=1; next}
				k && $1 ~ /^(sequential|parallel)/ {m[$1]=$2}
				END {printf "%8d %6d %14.1f %14.1f %17.1f %7d\n", n, c, m["sequential"],
					m["parallel-prio"], m["parallel-barrier"], f}'
	done
done

echo
echo "== what multifd device-state transfer saves vs channel count (scenarios/demo/cx7-sweep.yaml,"
echo "   parallel-prio; docs/model.md \"Multifd device-state transfer\"), median downtime in ms:"
echo "   state over the channels (migration.multifd_transfer: auto) vs on the main stream (off)"
printf '%8s %9s %16s %16s %10s\n' devices channels over-multifd main-stream saved
for n in 4 8; do
	for c in 0 1 2 4 8; do
		for t in auto off; do
			"$SW" sim scenarios/demo/cx7-sweep.yaml --strategy parallel-prio --runs 3 \
				--set devices.count=$n --set network.multifd_channels=$c \
				--set migration.multifd_transfer=$t --quiet |
				awk '/^downtime/ {print $3}'
		done | paste -s - | awk -v n=$n -v c=$c \
			'{printf "%8d %9d %16.1f %16.1f %10.1f\n", n, c, $1, $2, $2 - $1}'
	done
done

echo
echo "== switchover-ack and REINIT (docs/domain.md sections 5-6; workload and pre-allocation costs are"
echo "   assumptions, see docs/model.md); published REINIT setup: 2352 ms off, 1335 ms on"
echo "   (not fitted: the busy device's 1 GB at the rates fitted to section 9 costs more than 1335 ms,"
echo "    docs/calibration.md \"The REINIT pair\")"
for f in reinit-off reinit-on; do
	"$SW" sim scenarios/$f.yaml --quiet -o "$OUT/$f.h5" --events "$OUT/$f-events.jsonl" |
		grep -E "^scenario|^downtime|^ack|ACK delay"
done
for m in new legacy; do
	"$SW" sim scenarios/ack-legacy-vs-new.yaml --quiet --set migration.switchover_ack=$m |
		grep -E "^downtime|^ack|ACK delay"
done
echo "== late-ACK abort study (200 runs per rule; first guess 1 - exp(-N l g) = 7.7%)"
for r in v2 saved-count settled; do
	printf '%-12s ' "$r"
	"$SW" sim scenarios/late-ack-study.yaml --quiet --set migration.late_ack_rule=$r |
		grep -E "^failures" || echo "no failures"
done

echo
echo "== calibrated from a real run, then predicted (docs/calibration.md \"From traces\"): 4 emulated"
echo "   devices whose arcs draw from hidden distributions (bench/calibrate-hidden.yaml) run for real,"
echo "   sequential; \`calibrate traces\` fits a device profile to that trace; the sim predicts"
echo "   from that profile alone (100 runs), beside new real runs (seed 2, not the calibration's)"
HIDDEN=bench/calibrate-hidden.yaml
"$SW" real "$HIDDEN" --strategy sequential --quiet -o "$OUT/calibration-run.h5" >/dev/null
"$SW" calibrate traces "$OUT/calibration-run.h5" -o "$OUT/calibrated.yaml" >"$OUT/calibrated.txt"
echo "   fitted from $(sed -n '1s/^device group .*: //p' "$OUT/calibrated.txt"): $(grep -c '^latency\.' "$OUT/calibrated.txt")" \
	"latency distributions, $(grep -c '^load\.' "$OUT/calibrated.txt") load-line keys, $(grep -c '^init_load\.' "$OUT/calibrated.txt")" \
	"pre-allocation ($OUT/calibrated.txt, $OUT/calibrated.yaml)"
sh scripts/calibrated-scenario.sh "$HIDDEN" "$OUT/calibrated.yaml" >"$OUT/calibrated-scenario.yaml"
median_ms() { awk '/^downtime/ {print $3}'; }
printf '%-18s %7s %14s %10s %8s\n' strategy devices "predicted ms" "real ms" error
for s in sequential parallel-prio; do
	p=$("$SW" sim "$OUT/calibrated-scenario.yaml" --strategy $s --runs 100 --quiet | median_ms)
	r=$("$SW" real "$HIDDEN" --strategy $s --seed 2 --quiet | median_ms)
	printf '%-18s %7d %14.1f %10.1f %7.1f%%\n' $s 4 "$p" "$r" "$(echo "$p $r" | awk '{print ($1 - $2) / $2 * 100}')"
done
echo "   (real runs on a shared machine: its timer lateness is in the calibrated arcs and moves the"
echo "   real medians too; load average $(cut -d' ' -f1 /proc/loadavg); docs/calibration.md says why they differ)"

echo
echo "results written to $OUT/"

echo
echo "== pictures (switchover report, docs/report.md) in $OUT/plots/"
PLOTS="$OUT/plots"
"$SW" report "$OUT/cx7-1vf.h5" "$OUT/cx7-2vf.h5" "$OUT/cx7-4vf.h5" \
	"$OUT/shared-firmware.h5" "$OUT/depths-stragglers.h5" -o "$PLOTS" --plots timeline,downtime
"$SW" report "$OUT/cx7-sweep.h5" -o "$PLOTS"
# No real-world result yet: a second seed of the same scenario stands in for it.
"$SW" sim scenarios/cx7-4vf.yaml --quiet --seed 2 -o "$OUT/cx7-4vf-seed2.h5" >/dev/null
"$SW" report "$OUT/cx7-4vf.h5" "$OUT/cx7-4vf-seed2.h5" -o "$PLOTS" --plots sim-vs-real
