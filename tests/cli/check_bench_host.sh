#!/bin/sh
# bench_host's --out FILE: checked before anything is measured (a folder
# that does not exist, FILE a folder: exit 2, no progress line, nothing
# left behind); an interrupted run leaves neither FILE nor its temporary
# file.  No measurement is judged here.
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
