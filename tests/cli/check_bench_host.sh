#!/bin/sh
# bench_host's --out FILE: checked before anything is measured (a folder
# that does not exist, FILE a folder: exit 2, no progress line, nothing
# left behind); an interrupted run leaves neither FILE nor its temporary
# file.  No measurement is judged here.
# A one-sample run completes and writes every key (its numbers are not
# judged: they are this machine's).
# usage: check_bench_host.sh BENCH_HOST SOURCE_DIR
set -u
BH=$1
SRC=$2
. "$SRC/tests/expect.sh"

expect 0 "exit status: 0 written" -- "$BH" --help
expect 2 "^bench_host: --out $TMP/no/such/folder/h.yaml: cannot write $TMP/no/such/folder/h.yaml.tmp-[0-9]*: No such file or directory (nothing measured)$" -- "$BH" --out "$TMP/no/such/folder/h.yaml"
if grep -q "sample" "$TMP/out"; then bad "bench_host measured before failing on --out"; else ok; fi
expect 2 "^bench_host: --out $TMP: is a folder, expected a file$" -- "$BH" --out "$TMP"
if grep -q "sample" "$TMP/out"; then bad "bench_host measured before failing on --out"; else ok; fi
expect 2 "unexpected argument 'x'" -- "$BH" --out "$TMP/h.yaml" x
if [ -z "$(ls "$TMP" | grep '^h\.yaml')" ]; then ok; else bad "left behind: $(ls "$TMP")"; fi

# One whole sample: every measurement runs (an emulated device whose data
# path refused the bench's stream once failed only here) and the profile
# holds every host key.
mkdir "$TMP/one"
expect 0 "sample 1/1" -- nice -n 19 "$BH" --samples 1 --out "$TMP/one/h.yaml"
for k in cores send_cpu_per_byte recv_cpu_per_byte vcpu_pause vcpu_resume wake_latency task_cpu \
	sleep_cpu unblock_cpu send_cpu_per_frame recv_cpu_per_frame device_read_cpu device_read_end_cpu \
	device_write_cpu thread_create thread_create_wait thread_wake thread_wake_wait \
	thread_create_new_stack thread_stack_cache; do
	if grep -q "^  $k: " "$TMP/one/h.yaml"; then ok; else bad "one-sample profile lacks $k"; fi
done

# Interrupted while measuring: the temporary file exists from the start
# and is removed; FILE never appears.
mkdir "$TMP/int"
nice -n 19 "$BH" --samples 1000 --out "$TMP/int/h.yaml" 2>"$TMP/int.err" &
pid=$!
i=0
while [ $i -lt 300 ] && [ -z "$(ls "$TMP/int")" ]; do sleep 0.2; i=$((i + 1)); done
if ls "$TMP/int" | grep -q '^h\.yaml\.tmp-[0-9]*$'; then ok; else bad "no temporary file while measuring: $(ls "$TMP/int")"; fi
kill -TERM $pid
wait $pid
st=$?
if [ "$st" = 143 ]; then ok; else bad "interrupted bench_host exited $st, expected 143 (SIGTERM)"; fi
if [ -z "$(ls "$TMP/int")" ]; then ok; else bad "left behind after SIGTERM: $(ls "$TMP/int")"; fi

finish
