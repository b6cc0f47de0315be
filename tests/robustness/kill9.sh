#!/bin/sh
# Nothing lost on a crash: `sim` and `real` killed with -9 at random moments
# (ROUNDS times, default 100) never leave a damaged file under a final name:
# a result file or event log that exists reads back whole, and the
# temporaries a killed writer leaves (FILE.tmp-PID) are removed by the next
# run that writes the same file.
# usage: kill9.sh SWITCHOVER_BINARY SOURCE_DIR [ROUNDS]
set -u
SW=$1
SRC=$2
ROUNDS=${3:-100}
. "$SRC/tests/expect.sh"

i=0
while [ $i -lt "$ROUNDS" ]; do
	world=sim
	[ $((i % 4)) = 3 ] && world=real
	out="$TMP/r$((i % 5)).h5" ev="$TMP/e$((i % 5)).jsonl"
	"$SW" $world "$SRC/scenarios/cx7-2vf.yaml" --runs $((1 + i % 6)) --quiet -o "$out" --events "$ev" \
		>/dev/null 2>&1 &
	pid=$!
	# A random moment within about three seconds: some runs are killed
	# while starting, some while writing, some after the rename.
	r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	sleep "$((r % 3)).$((r % 1000))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	if [ -e "$out" ]; then
		"$SW" compare "$out" "$out" >"$TMP/cmp" 2>&1
		st=$?
		if [ $st -le 1 ]; then ok; else bad "round $i ($world): $out is damaged: $(head -1 "$TMP/cmp")"; fi
	fi
	if [ -e "$ev" ] && ! python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$ev"; then
		bad "round $i ($world): $ev is damaged"
	fi
	i=$((i + 1))
done
# The next writer of each name removes the stale temporaries of the
# killed ones.
for k in 0 1 2 3 4; do
	"$SW" sim "$SRC/scenarios/null.yaml" --quiet -o "$TMP/r$k.h5" --events "$TMP/e$k.jsonl" >/dev/null ||
		bad "a run after kill -9 failed"
done
if ls "$TMP" | grep -q '\.tmp-'; then bad "stale temporaries left: $(ls "$TMP" | grep '\.tmp-' | head -3)"; else ok; fi
finish
