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
#   and why, not only that the traces could not be exchanged.
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
finish
