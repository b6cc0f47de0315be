# expect.sh - the helpers of the shell tests (sourced): count passes and
# failures, and check a command's exit status and output.
# It makes TMP, a scratch directory removed when the script exits.
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
pass=0
# In a sanitizer build, every report (a leak, a heap error, undefined
# behaviour) also goes to $TMP/sanitizer.PID, and finish fails on any: a
# script does not check every command's exit status (output it reads, a
# command expected to fail), so a leak there would otherwise pass unseen.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$TMP/sanitizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$TMP/sanitizer"
# (the table of suppressed leaks, tests/lsan.supp, is not a report)
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}print_suppressions=0"

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect STATUS PATTERN -- command...: exit status and a pattern in stdout+stderr
expect() {
	want=$1 pattern=$2
	shift 3
	"$@" >"$TMP/out" 2>&1
	got=$?
	if [ "$got" != "$want" ]; then
		bad "$* exited $got, expected $want"; sed 's/^/    /' "$TMP/out" | head -5
	elif ! grep -q -- "$pattern" "$TMP/out"; then
		bad "$* output lacks '$pattern'"; sed 's/^/    /' "$TMP/out" | head -5
	else
		ok
	fi
}

# wait_for PID FILE PATTERN: until PATTERN is in FILE, PID has ended or
# 60 s passed (as long as a loaded machine may take to start a program:
# only one that never gets there fails the caller's check after this).
wait_for() {
	i=0
	while [ $i -lt 300 ] && kill -0 "$1" 2>/dev/null && ! grep -q -- "$3" "$2" 2>/dev/null; do
		sleep 0.2
		i=$((i + 1))
	done
}

# listen_port PID ERRFILE: the port a `real --role dst --listen HOST:0`
# (PID, its stderr in ERRFILE) says it listens on, once it does; "" if
# it never does.  ERRFILE must not hold an earlier process's output (a
# loop reusing one name empties it before it starts the process: the
# redirection `2>ERRFILE &` truncates it only once the child runs).
listen_port() {
	wait_for "$1" "$2" "(port [0-9]*)"
	sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$2" 2>/dev/null
}

# finish: the summary line and the script's status
finish() {
	for r in "$TMP"/sanitizer.*; do
		[ -e "$r" ] || continue
		bad "sanitizer report $(basename "$r"):"
		sed 's/^/    /' "$r" | head -30
	done
	echo "$pass passed, $fails failed"
	[ "$fails" = 0 ]
}
