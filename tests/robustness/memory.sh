#!/bin/sh
# Work that needs more memory than the machine has is refused up front with
# the estimate (issue 17; cli/mem_limit.c, docs/reliability.md "Memory"),
# before any run starts or file is made, instead of being ended by the OOM
# killer; --no-memory-check runs it anyway.  The available memory is faked
# small with SWITCHOVER_MEM_AVAILABLE and with ulimit -v (RLIMIT_AS).
# usage: memory.sh SWITCHOVER_BINARY SOURCE_DIR
set -u
SW=$1
SRC=$2
. "$SRC/tests/expect.sh"
N=$SRC/scenarios/null.yaml

# The example: 65,536 devices x 1,000,000 runs, refused at once
# on any machine (over 4 TiB of run summaries alone).
expect 2 "^switchover sim: this sim needs about [0-9.]* TiB ([0-9]* bytes): .* for the results of 1000000 runs kept until the end, .* is available (MemAvailable in /proc/meminfo): .*--no-memory-check" -- \
	"$SW" sim "$N" --set devices.count=65536 --runs 1000000 -o "$TMP/big.h5"
expect 2 "^switchover real: this real needs about" -- \
	"$SW" real "$N" --set devices.count=65536 --runs 1000000 -o "$TMP/big.h5"
if [ -e "$TMP/big.h5" ] || ls "$TMP" | grep -q '\.tmp-'; then bad "a refused run left a file"; else ok; fi

# A faked small machine: every command refuses, naming where the figure
# comes from; the same command with --no-memory-check runs.
export SWITCHOVER_MEM_AVAILABLE=1000000
expect 2 "this sim needs about .*; 977 KiB is available (SWITCHOVER_MEM_AVAILABLE)" -- \
	"$SW" sim "$N" --runs 1
expect 2 "this real needs about .*; 977 KiB is available (SWITCHOVER_MEM_AVAILABLE)" -- \
	"$SW" real "$N" --runs 1
expect 2 "^switchover sweep: this study needs about .* for the results of 6 runs" -- \
	"$SW" sweep "$N" --vary devices.count=1,2 --quiet -o "$TMP/st.h5"
expect 2 "for the worker processes (and the stacks of 2 tasks reserve 512 KiB of address space); 977 KiB is available" -- \
	"$SW" sweep "$N" --vary devices.count=1,2 --quiet -j 2
if [ -e "$TMP/st.h5" ] || [ -e "$TMP/st.h5.ckpt" ]; then bad "a refused sweep left a file"; else ok; fi
expect 0 "status      3 completed, 0 failed" -- "$SW" sim "$N" --no-memory-check
expect 0 "3 completed, 0 failed" -- "$SW" real "$N" --no-memory-check
expect 0 "devices.count" -- "$SW" sweep "$N" --vary devices.count=1,2 --quiet --no-memory-check
# The estimate is one number for a scenario: the same twice, larger with
# more runs by exactly the runs' summaries.
bytes() { sed -n 's/.*needs about [^(]*(\([0-9]*\) bytes.*/\1/p' "$TMP/out"; }
expect 2 "needs about" -- "$SW" sim "$N" --runs 10
a=$(bytes)
expect 2 "needs about" -- "$SW" sim "$N" --runs 10
b=$(bytes)
expect 2 "needs about" -- "$SW" sim "$N" --runs 20
c=$(bytes)
expect 2 "needs about" -- "$SW" sim "$N" --runs 30
d=$(bytes)
if [ -n "$a" ] && [ "$a" = "$b" ] && [ $((c - a)) -gt 0 ] && [ $((d - c)) = $((c - a)) ]; then
	ok
else
	bad "estimates for 10, 10, 20, 30 runs: '$a' '$b' '$c' '$d'"
fi
unset SWITCHOVER_MEM_AVAILABLE

# RLIMIT_AS (ulimit -v): the address space, the tasks' stacks included.
# Skipped where the program cannot run under a limit at all (a sanitizer
# build reserves terabytes of shadow memory: the probe's report is not one
# to count, so it goes to stderr, discarded).
if (ulimit -v 1000000 && ASAN_OPTIONS= UBSAN_OPTIONS= "$SW" sim "$N" --runs 1 --quiet) \
	>/dev/null 2>&1; then
	(
		ulimit -v 1000000
		expect 2 "this sim needs about .* of address space).*, 1000 MiB for the stacks of 4000 tasks; .*(RLIMIT_AS (ulimit -v) less the address space in use)" -- \
			"$SW" sim "$N" --runs 1 --set devices.count=4000
		[ "$fails" = 0 ]
	) || bad "ulimit -v"
else
	echo "skipped: ulimit -v (the program does not run under it: a sanitizer build?)"
fi
finish
