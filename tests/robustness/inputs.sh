#!/bin/sh
# Every command that reads a file, given one it cannot read as a file (issue
# 17): /dev/zero, a FIFO with no writer, a directory.  Each must end at
# once with exit 2 and a message naming the file: never a hang (a FIFO's
# open waiting for a writer, /dev/zero read forever), never a crash.  The
# only time bound is HANG_S (tests/test_util.h's TEST_HANG_S), for hangs.
# usage: inputs.sh SWITCHOVER_BINARY SOURCE_DIR
set -u
SW=$1
SRC=$2
. "$SRC/tests/expect.sh"
HANG_S=60
N=$SRC/scenarios/null.yaml
LOG=$SRC/tests/data/qemu/src-9.2.log

"$SW" sim "$N" --runs 1 --quiet -o "$TMP/n.h5" >/dev/null || bad "sim of null.yaml failed"
mkfifo "$TMP/fifo"
mkdir "$TMP/dir"

# Each line: a command with @ where the file goes.
cat >"$TMP/commands" <<EOF2
sim @
real @
sweep @ --quiet
compare @ $TMP/n.h5
compare $TMP/n.h5 @
report @ -o $TMP/rep
calibrate traces @ -o $TMP/p.yaml
calibrate table @ --free vm.ram=1GiB..2GiB
import qemu --source @ -o $TMP/i.h5
import qemu --source $LOG --destination @ -o $TMP/i.h5
import qemu --source $LOG --events @ -o $TMP/i.h5
import qemu --source $LOG --query-migrate @ -o $TMP/i.h5
profile show @
sim $SRC/scenarios/cx7-1vf.yaml --set devices[0].profile=@
sim $N --set hosts.source.profile=@
EOF2

for input in /dev/zero "$TMP/fifo" "$TMP/dir"; do
	while read -r cmd; do
		# shellcheck disable=SC2086 # the command's words
		set -- $(echo "$cmd" | sed "s|@|$input|")
		# the message names the file (a profile path is "not found"
		# when it is not a regular file, with the reason)
		expect 2 "$input.*not a regular file" -- timeout "$HANG_S" "$SW" "$@"
	done <"$TMP/commands"
done
# nothing was written in place of a refused run
if [ -e "$TMP/i.h5" ] || [ -e "$TMP/p.yaml" ] || ls "$TMP" | grep -q '\.tmp-'; then
	bad "a refused input left a file"
else
	ok
fi
[ -p "$TMP/fifo" ] && [ -d "$TMP/dir" ] && ok || bad "an input was replaced"
finish
