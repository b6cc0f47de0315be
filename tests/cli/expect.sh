# What the command-line checks share (sourced by check_*.sh, whose
# arguments are SWITCHOVER_BINARY SOURCE_DIR): the binary in SW, the source
# tree in SRC, a temporary directory in TMP removed at exit, counts of
# passes and failures, and `expect`.
set -u
SW=$1
SRC=$2
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
