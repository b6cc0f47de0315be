#!/bin/sh
# make bench: the harness's own speed and memory (numbers for docs/performance.md).
set -eu
BUILD=${1:-build}
echo "== time per simulated run of the 4-VF scenario (target <= 5 ms, <= 2x bare SimGrid)"
"$BUILD/bench/bench_sim" per-run scenarios/cx7-4vf.yaml --runs 500
echo
echo "== the same run against the previous release (9edbcf6, built in build-ref/), CPU time per run (target: 2x faster)"
sh bench/bench_release.sh --runs 300 --rounds 3
echo
echo "== one run with 4096 devices (target <= 10 s, <= 2 GiB, <= 2x bare SimGrid)"
"$BUILD/bench/bench_sim" many bench/many-devices.yaml --devices 4096
echo
echo "== pthread create/join and a pool hand-off on this machine (the sim defaults thread_create/thread_join/thread_wake)"
"$BUILD/bench/bench_threads" 10000
echo
echo "== this machine's CPU costs as a host profile (profiles/hosts/ci-2core.yaml was written by this with --out, in two runs: see the file)"
"$BUILD/bench/bench_host"
echo
echo "== the real world: 64 emulated devices, fixed 20 ms arcs, against the bound, per-pass threads and a pool (targets: parallel <= 2 ms over the bound, sequential within 1% of the serial sum)"
"$BUILD/bench/bench_real" --devices 64 --arc 20ms --runs 3
echo
echo "== sim against real: emulated devices with fixed 5-50 ms arcs (bench/agreement.yaml), target: real within 3% of sim"
"$BUILD/bench/bench_agreement" --devices 1,4,16,64 --runs 5
echo
echo "== the real world's harness alone: 64 null devices (no costs, no data)"
"$BUILD/bench/bench_real" --null --devices 64 --runs 5
echo
echo "== sweeps: runs per second of -j 1, -j 2, mpirun -n 2 and -n 3 (target: -j 2 at least 1.8x -j 1)"
"$BUILD/bench/bench_sweep" --runs 100 --points 8
echo
echo "== calibrate traces: a hidden profile run for real, calibrated, the parallel strategies predicted in the sim and run for real (target: within 3%)"
sh bench/calibrate.sh "$BUILD"
