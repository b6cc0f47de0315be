#!/bin/sh
# Nothing lost on a crash: `sim`, `real` and `sweep` killed with -9 at
# random moments (ROUNDS times, default 100) never leave a damaged file
# under a final name: a result file or event log that exists reads back
# whole, and the temporaries a killed writer leaves (FILE.tmp-PID) are
# removed by the next run that writes the same file.  A killed sweep's
# workers end with it, and `--resume` from its checkpoint ends with the
# same /points as an uninterrupted sweep.
# usage: kill9.sh SWITCHOVER_BINARY SOURCE_DIR [ROUNDS]
set -u
SW=$1
SRC=$2
ROUNDS=${3:-100}
. "$SRC/tests/expect.sh"

# The sweep of the sweep rounds: 4 points of 10 runs, about as long as
# the moments it is killed at (some rounds kill it before its checkpoint
# exists, some between points, some after the rename).
sweep() {
	"$SW" sweep "$SRC/scenarios/cx7-1vf.yaml" --vary devices.count=1,2,3,4 --runs 10 --quiet \
		--format csv "$@"
}
sweep -o "$TMP/ref.h5" >"$TMP/ref.csv" || bad "the uninterrupted sweep failed"

# A random moment within about three seconds: some runs are killed while
# starting, some while writing, some after the rename.
pause() {
	r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	sleep "$((r % 3)).$((r % 1000))"
}

# A file under its final name reads back whole.
check_whole() { # round world file
	[ -e "$3" ] || return 0
	"$SW" compare "$3" "$3" >"$TMP/cmp" 2>&1
	if [ $? -le 1 ]; then ok; else bad "round $1 ($2): $3 is damaged: $(head -1 "$TMP/cmp")"; fi
}

sweep_round() { # round
	out="$TMP/s$(($1 % 3)).h5"
	sweep -j $((1 + $1 % 2)) -o "$out" >/dev/null 2>&1 &
	pid=$!
	pause
	workers=$(ps -o pid= --ppid $pid 2>/dev/null)
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	# The workers end with their parent (they would hold the checkpoint's
	# points back from --resume otherwise).
	for w in $workers; do
		n=0
		while [ $n -lt 300 ] && kill -0 "$w" 2>/dev/null; do sleep 0.2; n=$((n + 1)); done
		if kill -0 "$w" 2>/dev/null; then bad "round $1 (sweep): worker $w outlived its parent"; fi
	done
	check_whole "$1" sweep "$out"
	[ -e "$out.ckpt" ] || return 0
	sweep -j $((1 + $1 % 2)) -o "$out" --resume >"$TMP/resumed.csv" 2>"$TMP/resume.err"
	st=$?
	if [ $st != 0 ]; then
		bad "round $1 (sweep): --resume exited $st: $(head -1 "$TMP/resume.err")"
	elif ! cmp -s "$TMP/resumed.csv" "$TMP/ref.csv"; then
		bad "round $1 (sweep): --resume ended with other /points than an uninterrupted sweep"
		diff "$TMP/ref.csv" "$TMP/resumed.csv" | head -5
	elif [ -e "$out.ckpt" ] || [ ! -e "$out" ]; then
		bad "round $1 (sweep): --resume left the checkpoint, or no result file"
	else
		ok
	fi
	check_whole "$1" sweep "$out"
}

i=0
while [ $i -lt "$ROUNDS" ]; do
	case $((i % 4)) in
	1) sweep_round $i; i=$((i + 1)); continue ;;
	3) world=real ;;
	*) world=sim ;;
	esac
	out="$TMP/r$((i % 5)).h5" ev="$TMP/e$((i % 5)).jsonl"
	"$SW" $world "$SRC/scenarios/cx7-2vf.yaml" --runs $((1 + i % 6)) --quiet -o "$out" --events "$ev" \
		>/dev/null 2>&1 &
	pid=$!
	pause
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	check_whole $i $world "$out"
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
for k in 0 1 2; do
	sweep -o "$TMP/s$k.h5" >/dev/null 2>&1 || bad "a sweep after kill -9 failed"
done
if ls "$TMP" | grep -q '\.tmp-'; then bad "stale temporaries left: $(ls "$TMP" | grep '\.tmp-' | head -3)"; else ok; fi
finish
