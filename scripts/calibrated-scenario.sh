#!/bin/sh
# calibrated-scenario.sh SCENARIO PROFILE.yaml: print SCENARIO with its
# device group's timing (its latency, load and init_load blocks and its
# capabilities) replaced by the device block of PROFILE.yaml, a profile
# that `switchover calibrate traces` wrote: the scenario the sim predicts
# from the calibrated profile alone, keeping only the workload (sizes,
# chunk size).  SCENARIO is laid out as bench/calibrate-hidden.yaml: one
# device group, its keys indented by 4, a header_size line after which the
# profile's keys go.  Used by bench/calibrate.sh and scripts/demo.sh.
set -eu
[ $# = 2 ] || { sed -n '2,9s/^# \{0,1\}//p' "$0" >&2; exit 2; }
awk -v profile="$2" '
	BEGIN { # the device keys of the profile, indented as the group`s
		while ((getline l < profile) > 0) {
			if (l ~ /^device:/) { on = 1; continue }
			if (l ~ /^provenance:/) on = 0
			if (on) device = device "  " l "\n"
		}
	}
	/^    (latency|load|init_load):/ { skip = 1; next }
	skip && /^      / { next }
	{ skip = 0 }
	/^    capabilities:/ { next }
	{ print }
	/^    header_size:/ { printf "%s", device }' "$1"
