# expect.sh - the helpers of the shell tests (sourced): count passes and
# failures, and check a command's exit status and output.
# It makes TMP, a scratch directory removed when the script exits.
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
pass=0

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

# finish: the summary line and the script's status
finish() {
	echo "$pass passed, $fails failed"
	[ "$fails" = 0 ]
}
