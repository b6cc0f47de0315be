#!/bin/sh
# Install the Debian packages switchover needs to build, test and run.
# Non-interactive; a no-op (no apt call) when everything is already there.
# One line per step on stdout (what it installs, how long it took); apt's
# own output goes to a log, whose tail is shown when a step fails.
set -eu

# Each group is one step: NAME:packages...
STEPS="build:build-essential cmake pkg-config git python3
libraries:libsimgrid-dev libgsl-dev libcyaml-dev libyaml-dev libcunit1-dev libhdf5-dev libplot-dev plotutils libglib2.0-dev libjansson-dev
mpi:libopenmpi-dev openmpi-bin
notebooks:python3-h5py jupyter-nbconvert python3-ipykernel jupyter-client python3-matplotlib python3-pandas
fuzz:clang
vm-test:linux-source-6.12 flex bison libelf-dev bc patch xz-utils busybox-static cpio qemu-system-x86"

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing_all=""
for p in $(echo "$STEPS" | cut -d: -f2); do
	installed "$p" || missing_all="$missing_all $p"
done
[ -z "$missing_all" ] && exit 0

SUDO=""
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "install-deps: need root or sudo to install: $missing_all" >&2
		exit 1
	}
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp "${TMPDIR:-/tmp}/install-deps-log.XXXXXX")

# step WHAT COMMAND...: run COMMAND with its output in the log; one line.
step() {
	what=$1
	shift
	printf 'install-deps: %s ... ' "$what"
	t0=$(date +%s)
	if "$@" >>"$log" 2>&1; then
		echo "done in $(($(date +%s) - t0)) s"
	else
		status=$?
		echo "FAILED after $(($(date +%s) - t0)) s (exit $status)"
		echo "install-deps: the last 30 lines of $log:" >&2
		tail -n 30 "$log" >&2
		exit 1
	fi
}

step "apt-get update" $SUDO apt-get update -q
echo "$STEPS" | while IFS=: read -r name pkgs; do
	missing=""
	for p in $pkgs; do installed "$p" || missing="$missing $p"; done
	[ -n "$missing" ] || continue
	# shellcheck disable=SC2086
	step "installing $name ($(echo $missing | wc -w) packages:$missing)" \
		$SUDO apt-get install -y -q --no-install-recommends $missing
done
rm -f "$log"
