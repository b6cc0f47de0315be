#!/bin/sh
# The guest's trace check (guest-test.sh check-trace) on the host, no VM: it
# accepts a trace a passing guest printed (trace-cdev-2pairs.txt: 2 mtty
# pairs, parallel-barrier, cdev) and names what is wrong in altered copies.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
good=$here/trace-cdev-2pairs.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

check() { sh "$here/guest-test.sh" check-trace "$1" "$2"; }

# expect NAME PAIRS PATTERN SED_SCRIPT: the check of the sample edited by
# SED_SCRIPT, for PAIRS pairs, prints PATTERN (a grep -E regex); an empty
# PATTERN means it must print nothing.
expect() {
	sed -E "$4" "$good" >"$tmp/trace"
	got=$(check "$tmp/trace" "$2")
	if [ -z "$3" ] && [ -z "$got" ] || [ -n "$3" ] && echo "$got" | grep -Eq "$3"; then
		echo "ok   $1"
	else
		echo "FAIL $1: expected ${3:-no problem}, got: ${got:-no problem}"
		failures=$((failures + 1))
	fi
}

expect "the sample passes" 2 "" ""
expect "lines out of time order pass" 2 "" '1!G;h;$!d'
expect "a traced return to RUNNING passes" 2 "" \
	'/tty0 +src STOP_COPY -> STOP/{p;s/STOP_COPY -> STOP/STOP -> RUNNING_P2P/;s/^\[ *[0-9.]+\]/[   23.000000]/}'
expect "a missing source arc" 2 '^tty0: source arcs \[RUNNING>PRE_COPY PRE_COPY_P2P>STOP_COPY' \
	'/arc-end +tty0 +src PRE_COPY -> PRE_COPY_P2P/d'
expect "a source arc after the migration that is not the way back" 2 '^tty1: source arcs' \
	'/tty1 +src STOP_COPY -> STOP/{p;s/STOP_COPY -> STOP/STOP -> RESUMING/;s/^\[ *[0-9.]+\]/[   23.000000]/}'
expect "a wrong destination arc" 2 '^tty1: destination arcs .*STOP>RUNNING ' \
	'/arc-end +tty1 +dst STOP -> RUNNING_P2P/s/-> RUNNING_P2P/-> RUNNING/'
expect "a failed arc" 2 '^failed arc: .*tty1 +dst RESUMING -> STOP' \
	'/arc-end +tty1 +dst RESUMING -> STOP/s/$/ error: Input\/output error/'
expect "a byte short in stop-copy" 2 '^tty0: sent 95 bytes, loaded 96' \
	'/send +tty0 +bytes=72/s/bytes=72/bytes=71/'
expect "a byte short in the load" 2 '^tty1: sent 96 bytes, loaded 95' \
	'/load-begin +tty1 +bytes=24/s/bytes=24/bytes=23/'
expect "RAM bytes are not the device's" 2 "" \
	'/send +tty0 +bytes=72/{p;s/tty0     bytes=72 stop-copy/-        bytes=4096 ram/}'
expect "a device missing from the trace" 3 '^tty2: source arcs \[\]' ""
expect "one pair is named tty, not tty0" 1 '^tty: source arcs \[\]' ""

[ "$failures" = 0 ] || { echo "$failures of the trace check's cases failed"; exit 1; }
