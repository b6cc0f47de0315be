#!/bin/sh
# Two-process runs (`real --role src|dst`) end cleanly whatever the other
# side or a stranger does (issue 17, defect 10):
# - connections that are not a switchover source (an HTTP request, garbage,
#   connect-and-close) are ignored with a warning naming the peer, and the
#   real source that comes next runs;
# - a destination waiting for a source ends on the first SIGINT;
# - a source interrupted mid-run ends both sides; one that stops between
#   runs ends the destination within its I/O timeout, with a message that
#   says so (that case: test_real's test_two_processes_source_gone);
# - a source killed mid-run: the destination's error says the run failed
#   and why, not only that the traces could not be exchanged;
# - a peer that closes its connections at any point of a run (before each
#   of its frames in turn, generated from the run's own frames): both ends
#   end, the run failed, files whole, the source's devices recovered;
# - a slow peer (each end stopped for 2 s of a 10 s I/O timeout) is no
#   failure.
# Every process below has a watchdog that kills it after 120 s (a hang is
# a failure: exit 137); no verdict depends on how fast the machine is.
# usage: twoproc.sh SWITCHOVER_BINARY SOURCE_DIR
set -u
SW=$1
SRC=$2
. "$SRC/tests/expect.sh"
A="$SRC/bench/agreement.yaml"
LONG="--set devices[0].count=16 --set migration.strategy=sequential"

# guard PID: kill it after 120 s (the watchdog ends with the script).
guard() {
	(sleep 120 && kill -9 "$1") >/dev/null 2>&1 &
	watchdogs="${watchdogs:-} $!"
}
trap 'kill $watchdogs 2>/dev/null; rm -rf "$TMP"' EXIT

# start_dst NAME ARGS...: a destination in the background; sets dst (pid)
# and port once it listens.
start_dst() {
	name=$1
	shift
	"$SW" real "$@" --role dst --listen 127.0.0.1:0 --quiet \
		>"$TMP/$name.out" 2>"$TMP/$name.err" &
	dst=$!
	guard $dst
	port=$(listen_port $dst "$TMP/$name.err")
	[ -n "$port" ] || bad "$name: the destination never listened: $(head -3 "$TMP/$name.err")"
}

# 1. Strangers first, then the real source: the session goes on.
start_dst stray "$SRC/scenarios/null.yaml" --runs 2
python3 - "$port" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
def conn():
    return socket.create_connection(("127.0.0.1", port), timeout=30)
s = conn(); s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"); time.sleep(0.1); s.close()
s = conn(); s.close()
s = conn(); s.sendall(bytes(range(40))); s.close()
PY
timeout 120 "$SW" real "$SRC/scenarios/null.yaml" --runs 2 --role src --connect "127.0.0.1:$port" \
	--quiet >"$TMP/stray-src.out" 2>&1
src_st=$?
wait $dst
dst_st=$?
if [ "$src_st" = 0 ] && [ "$dst_st" = 0 ]; then ok; else
	bad "stray connections ended the session: source $src_st, destination $dst_st"
	sed 's/^/    /' "$TMP/stray.err" | head -5
fi
n=$(grep -c "ignored a connection from 127.0.0.1:[0-9]* that is not a switchover source" "$TMP/stray.err")
if [ "$n" = 3 ]; then ok; else bad "expected 3 ignored connections, got $n"; fi
grep -q "it sent 'GET / HTTP/1.1" "$TMP/stray.err" && ok || bad "the HTTP request is not shown"
grep -q "closed the connection without sending anything" "$TMP/stray.err" && ok ||
	bad "connect-and-close is not named"

# 2. A destination waiting for a source: the first SIGINT ends it.
start_dst idle "$SRC/scenarios/null.yaml" --runs 2
kill -INT $dst
wait $dst
st=$?
if [ "$st" = 2 ] && grep -q "run 0: interrupted" "$TMP/idle.err"; then ok; else
	bad "SIGINT to a waiting destination: exit $st"; sed 's/^/    /' "$TMP/idle.err" | head -5
fi

# 3. The source interrupted while its first run is under way (it says so
# on stderr): both ends stop, neither waits for ever.
start_dst intr "$A" $LONG --runs 3 --io-timeout 2s
"$SW" real "$A" $LONG --runs 3 --role src --connect "127.0.0.1:$port" \
	--io-timeout 2s >"$TMP/intr-src.out" 2>"$TMP/intr-src.err" &
src=$!
guard $src
wait_for $src "$TMP/intr-src.err" "run 1/3 started"
kill -INT $src
wait $src
src_st=$?
wait $dst
dst_st=$?
if [ "$src_st" = 2 ] && grep -q "interrupted; every device is back in RUNNING" "$TMP/intr-src.err"
then ok; else
	bad "interrupted source: exit $src_st"; sed 's/^/    /' "$TMP/intr-src.err" | head -5
fi
# Mid-run, the destination sees the stream break; if the signal came
# after run 0 had ended, it sees no run 1 within its I/O timeout.
if [ "$dst_st" = 2 ] && grep -q "the peer closed the connection\|did not start run" "$TMP/intr.err"
then ok; else
	bad "destination of an interrupted source: exit $dst_st (137: it hung)"
	sed 's/^/    /' "$TMP/intr.err" | head -5
fi

# (A source that stops between runs: test_real's
# test_two_processes_source_gone, deterministic there.)

# 4. The source killed mid-run: the destination says the run failed and why.
start_dst k9 "$A" $LONG --runs 2
"$SW" real "$A" $LONG --runs 2 --role src --connect "127.0.0.1:$port" \
	>"$TMP/k9-src.out" 2>"$TMP/k9-src.err" &
src=$!
guard $src
wait_for $src "$TMP/k9-src.err" "run 1/2 started"
sleep 0.3
kill -9 $src
wait $src 2>/dev/null
wait $dst
st=$?
if [ "$st" = 2 ] && grep -q "the run failed: .*the peer closed the connection" "$TMP/k9.err"; then ok; else
	bad "destination of a killed source: exit $st"; sed 's/^/    /' "$TMP/k9.err" | head -5
fi
# 5. The peer closes its connections at every point of a run: instead of
# its Nth frame on a channel, N = 0, 1, ... until a run completes (the
# list of points is the run's own frames; SWITCHOVER_TEST_DISCONNECT,
# docs/reliability.md).  The source's frames on "main" (setup, precopy
# data, stop-copy data, end of stream) and the destination's on
# "return-path" (its ACKs and its running or failed report).  Both ends
# end within their I/O timeout (the watchdog catches a hang) with the run
# failed (exit 1), the end that lost its peer saying so; a result file
# under its final name is whole; the source's devices are back in RUNNING.
peer_lost() { # side channel
	n=0
	while [ $n -lt 200 ]; do
		# The last destination's stderr goes first: listen_port would
		# otherwise read its port before the new one truncates the file.
		rm -f "$TMP/pl-src.h5" "$TMP/pl-dst.h5" "$TMP/pl-dst.err"
		env_src="" env_dst=""
		if [ "$1" = src ]; then env_src="SWITCHOVER_TEST_DISCONNECT=$2:$n"; else
			env_dst="SWITCHOVER_TEST_DISCONNECT=$2:$n"; fi
		env $env_dst "$SW" real "$SRC/scenarios/null.yaml" --runs 1 --set devices[0].count=2 \
			--io-timeout 5s --role dst --listen 127.0.0.1:0 --quiet -o "$TMP/pl-dst.h5" \
			>"$TMP/pl-dst.out" 2>"$TMP/pl-dst.err" &
		dst=$!
		guard $dst
		port=$(listen_port $dst "$TMP/pl-dst.err")
		env $env_src "$SW" real "$SRC/scenarios/null.yaml" --runs 1 --set devices[0].count=2 \
			--io-timeout 5s --role src --connect "127.0.0.1:$port" --quiet -o "$TMP/pl-src.h5" \
			>"$TMP/pl-src.out" 2>"$TMP/pl-src.err" &
		src=$!
		guard $src
		wait $src
		src_st=$?
		wait $dst
		dst_st=$?
		if [ $src_st = 0 ] && [ $dst_st = 0 ]; then
			break # past the last frame: the run completed
		fi
		what="$1 closes before its frame $n on $2"
		lost=pl-dst.out
		[ "$1" = dst ] && lost=pl-src.out
		if [ $src_st = 1 ] && [ $dst_st = 1 ] && grep -q "1 failed" "$TMP/pl-src.out" &&
			grep -q "1 failed" "$TMP/pl-dst.out"; then ok; else
			bad "$what: source exit $src_st, destination exit $dst_st (137: a hang)"
			cat "$TMP/pl-src.err" "$TMP/pl-dst.err" | grep -v 'listening on' | head -4
		fi
		if grep -q "status .*the peer closed the connection" "$TMP/$lost"; then ok; else
			bad "$what: the other end does not say it lost its peer"
			grep "status" "$TMP/$lost" | head -2
		fi
		for f in "$TMP/pl-src.h5" "$TMP/pl-dst.h5"; do
			[ -e "$f" ] || continue
			"$SW" compare "$f" "$f" >"$TMP/cmp" 2>&1
			# A file whose only run failed has nothing to compare: read whole.
			if [ $? -le 1 ] || grep -q "no completed run" "$TMP/cmp"; then ok; else
				bad "$what: $f is damaged: $(head -1 "$TMP/cmp")"; fi
		done
		if grep -q "recovery (devices back to RUNNING)" "$TMP/pl-src.out"; then ok; else
			bad "$what: the source's devices did not recover"
		fi
		echo "  $what: $(sed -n 's/^status *//p' "$TMP/$lost" | cut -c1-160)" >>"$TMP/pl.log"
		n=$((n + 1))
	done
	if [ $n -gt 0 ] && [ $n -lt 200 ]; then ok; else bad "$1 on $2: $n points (expected some, and an end)"; fi
}
peer_lost src main
peer_lost dst return-path
cat "$TMP/pl.log"

# 6. A slow peer is no lost peer: each end stopped (SIGSTOP) for 2 s, well
# inside the 10 s I/O timeout, in the middle of a run: every run completes.
# (The stops come one after the other once the first run has started,
# long before the session of 4 runs ends.)
start_dst slow "$A" $LONG --runs 4 --io-timeout 10s
"$SW" real "$A" $LONG --runs 4 --role src --connect "127.0.0.1:$port" \
	--io-timeout 10s >"$TMP/slow-src.out" 2>"$TMP/slow-src.err" &
src=$!
guard $src
paused=0
wait_for $src "$TMP/slow-src.err" "run 1/4 started"
for who in $dst $src; do
	kill -STOP $who && sleep 2 && kill -CONT $who && paused=$((paused + 1))
done
wait $src
src_st=$?
wait $dst
dst_st=$?
if [ "$src_st" = 0 ] && [ "$dst_st" = 0 ] && [ $paused = 2 ]; then ok; else
	bad "a peer paused for 2 s of a 10 s timeout: source exit $src_st, destination $dst_st, $paused of 2 pauses"
	cat "$TMP/slow-src.err" "$TMP/slow.err" | head -5
fi
finish
