# Helpers of the command-line checks (sourced by check_*.sh, which set TMP):
# count passes and failures, and run a command expecting an exit status and
# a pattern in its output.
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
